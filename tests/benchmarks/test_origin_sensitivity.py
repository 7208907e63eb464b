"""benchmarks.origin_sensitivity: one metric trained at several origin designs on the served world's panel."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.origin_sensitivity import markdown, parse_design, run
from khlang.config import ClusterConfig
from tests.models.training.tiny_world import FAST


@pytest.mark.parametrize(("text", "design"), [("8x3", (8, 3)), ("12X3", (12, 3)), ("3x6", (3, 6))])
def test_parse_design(text, design) -> None:
    assert parse_design(text) == design


@pytest.mark.parametrize("text", ["8", "8x", "x3", "8x0", "8*3", "eight x 3", "8x3x1"])
def test_parse_design_refuses(text) -> None:
    with pytest.raises(ValueError, match="origins>x<months"):
        parse_design(text)


def test_each_design_is_trained_on_its_own_origins(served_world) -> None:
    settings = dataclasses.replace(served_world.settings, train=FAST, cluster=ClusterConfig(address="local", n_workers=2))
    rows = run(settings, served_world.catalog, ["waste_generated"], ["3x6", "4x3"]).set_index("design")
    assert rows.loc["3x6", "cuts"][-1] == rows.loc["4x3", "cuts"][-1]  # both end at the last possible cut
    assert len(rows.loc["3x6", "cuts"]) == 3 and len(rows.loc["4x3", "cuts"]) == 4
    first = {d: int(rows.loc[d, "cuts"][0][:4]) * 12 + int(rows.loc[d, "cuts"][0][5:]) for d in rows.index}
    last = int(rows.loc["3x6", "cuts"][-1][:4]) * 12 + int(rows.loc["3x6", "cuts"][-1][5:])
    assert (last - first["3x6"], last - first["4x3"]) == (12, 9)
    for _, row in rows.iterrows():
        assert row["gain"] == pytest.approx(1 - row["mase"] / row["mase_seasonal_naive"])
        assert 0 <= row["coverage80"] <= row["coverage95"] <= 1 and row["aggregate_min80"] <= 1
    assert "| waste_generated | 4x3 |" in markdown(rows.reset_index())
