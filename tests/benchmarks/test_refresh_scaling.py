"""benchmarks.refresh_scaling's worlds and what it counts of a panel (the pipelines it times are long)."""

from __future__ import annotations

import numpy as np
import zarr

from benchmarks.refresh_scaling import heaviest, observed, world_options
from khlang.config import load_settings


def test_a_doubled_world_is_the_same_scale_over_twice_the_years():
    assert world_options("thailand") == ("thailand", {})
    scale, env = world_options("thailand-2x")
    settings = load_settings(None, environ=env)
    assert scale == "thailand" and (settings.generate.first_fy, settings.ingest.first_fiscal_year) == (2545, 2545)
    default = load_settings(None, environ={}).generate
    assert 2568 - settings.generate.first_fy + 1 == 2 * (2568 - default.first_fy + 1)


def test_observed_counts_series_with_a_value_and_their_values(tmp_path):
    panel = zarr.open_group(str(tmp_path / "panel.zarr"), mode="w")
    lao = np.full((4, 6), np.nan, dtype=np.float32)
    lao[0, :3], lao[2, 5] = 1.0, 2.0  # rows 1 and 3: units of the register that made nothing
    panel.create_array("waste/lao/values", data=lao)
    panel.create_array("waste/nation/values", data=np.ones((1, 6), dtype=np.float32))
    assert observed(tmp_path / "panel.zarr") == (3, 10)


def test_the_heaviest_stage_is_the_one_that_held_the_most_memory():
    assert heaviest({"generate": 1.5, "ingest": None, "train": 6.104, "forecast": 2.0}) == "train 6.10"
    assert heaviest({"generate": None}) == ""
