"""Each LAO's resolution time against its peers: LAOs of the same type and size (registered population band,
else the register's area band), never against a bigger or smaller LAO of the same type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.complaints.accountability import peer_comparison

NOW = pd.Timestamp("2026-06-30", tz="UTC")


def _frame(*parts: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([row for part in parts for row in part])
    frame["first_action_at"] = pd.to_datetime(frame["first_action_at"], utc=True)
    return frame


def _cases(lao: str, resolve_days: list[float]) -> list[dict]:
    start = pd.Timestamp("2026-01-05", tz="UTC")
    return [{"ticket_id": f"{lao}-{i}", "lao_code": lao, "types": "ถนน", "stage": "done", "reported_at": start,
             "resolved_at": start + pd.Timedelta(days=d), "first_action_at": pd.NaT, "reopened": False}
            for i, d in enumerate(resolve_days)]


def test_peers_share_type_and_size_band() -> None:
    cases = _frame(_cases("6000001", [2, 4, 6]), _cases("6000002", [10, 10]), _cases("6000003", [40]),
                   _cases("6000004", [1]), _cases("6000005", [8, 12]))
    laos = pd.DataFrame({"lao_code": ["6000001", "6000002", "6000003", "6000004", "6000005"],
                         "lao_type": ["sao", "sao", "sao", "sao", "town_municipality"],
                         "area_km2": [60.0, 70.0, 65.0, 30.0, 12.0],
                         "population": [3_000, 4_000, 30_000, np.nan, 3_500]})
    table = peer_comparison(cases, laos, now=NOW).set_index("lao_code")
    # two small SAOs are each other's peers; the big SAO, the SAO without a population and the town are alone
    assert table.loc["6000001", "peer_group"] == table.loc["6000002", "peer_group"] == "sao · population 1"
    assert table.loc["6000003", "peer_group"] == "sao · population 4"
    assert table.loc["6000004", "peer_group"] == "sao · area 2" and table.loc["6000004", "size"] == "area 25–50 km²"
    assert table.loc["6000005", "peer_group"] == "town_municipality · population 1"
    assert table["peers"].to_dict() == {"6000001": 2, "6000002": 2, "6000003": 1, "6000004": 1, "6000005": 1}
    assert table.loc["6000001", "size"] == "population 2,500–5,000"
    assert table.loc["6000001", "median_days_to_resolve"] == pytest.approx(4.0)
    assert table.loc["6000001", "peer_median_days_to_resolve"] == pytest.approx(7.0)  # median of 4 and 10
    assert table.loc["6000001", "vs_peers"] == pytest.approx(4.0 / 7.0 - 1.0)
    assert table.loc["6000002", "vs_peers"] == pytest.approx(10.0 / 7.0 - 1.0)
    assert table.loc["6000003", "vs_peers"] == pytest.approx(0.0)
    assert table.loc["6000001", "peer_p25_days_to_resolve"] == pytest.approx(5.5)


def test_an_lao_outside_the_register_is_kept_with_an_unknown_size() -> None:
    cases = _frame(_cases("9999999", [3]))
    laos = pd.DataFrame({"lao_code": ["6000001"], "lao_type": ["sao"], "area_km2": [60.0]})
    table = peer_comparison(cases, laos, now=NOW)
    assert table["lao_code"].tolist() == ["9999999"] and table["size"].tolist() == ["size ?"]
    assert table["peers"].tolist() == [1]
