"""generate_dataset end to end on the tiny scale: determinism, atomic rewrites, truth tables, files."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from khlang.domain.metrics import METRIC_NAMES
from khlang.domain.reference import BANGKOK_CODE
from pipelines.generate import SCALES, generate_dataset


def _bytes(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tiny, tiny_again):
    assert _bytes(tiny.raw) == _bytes(tiny_again.raw)
    truth_a, truth_b = _bytes(tiny.truth), _bytes(tiny_again.truth)
    truth_a.pop("report.json"), truth_b.pop("report.json")  # holds the run's seconds
    assert truth_a == truth_b


def test_other_seed_gives_other_data(tiny, tiny_other_seed):
    a, b = _bytes(tiny.raw), _bytes(tiny_other_seed.raw)
    assert a.keys() != b.keys() or any(a[k] != b[k] for k in a)
    assert not tiny.table("records")["value"].equals(tiny_other_seed.table("records")["value"])


def test_report_matches_what_was_written(tiny):
    report = tiny.report
    assert report.scale == "tiny" and report.provinces == list(SCALES["tiny"])
    written = sorted(p.relative_to(tiny.raw).as_posix() for p in tiny.raw.rglob("*") if p.is_file())
    assert written == sorted(report.files) and report.n_files == len(written)
    assert report.n_truth_records == len(tiny.table("records"))
    assert report.n_dirty_records == len(tiny.table("dirt")) > 0
    assert "scale tiny" in report.summary() and "income-test scenario" not in report.summary()
    assert report.calibration["income_test_cut"] == 0.0
    scenario = dataclasses.replace(report, calibration={**report.calibration, "income_test_cut": 0.5})
    assert "income-test scenario: 50% of new entrants removed from Aug 2023" in scenario.summary()
    assert not list(tiny.raw.rglob(".*tmp-*")) and not list(tiny.truth.rglob(".*tmp-*"))


def test_truth_covers_every_metric_and_month(tiny):
    records = tiny.table("records")
    laos = tiny.table("laos")
    assert set(records["metric"]) == set(METRIC_NAMES)
    assert records["value"].notna().all() and (records["value"] >= 0).all()
    annual_metrics = ["budget_appropriation", "population_registered"]
    monthly = records[~records["metric"].isin(annual_metrics)]
    counts = monthly.groupby(["lao_code", "metric"]).size()
    assert (counts == 144).all()  # Oct 2013 .. Sep 2025
    periods = pd.to_datetime(monthly["period"])
    assert periods.min() == pd.Timestamp("2013-10-01") and periods.max() == pd.Timestamp("2025-09-01")
    annual = records[records["metric"].isin(annual_metrics)]
    assert (pd.to_datetime(annual["period"]).dt.month == 10).all()
    assert (annual.groupby(["lao_code", "metric"]).size() == 12).all()  # FY2557 .. FY2568
    pao = set(laos.loc[laos["lao_type"] == "provincial_admin_org", "lao_code"])
    reported_by_laos = records["metric"].str.startswith(("waste", "elderly", "population"))
    assert pao and not (set(records.loc[reported_by_laos, "lao_code"]) & pao)
    # registered population: every unit that reports waste, near the population the waste was simulated from
    people = records[records["metric"] == "population_registered"].set_index("lao_code")["value"]
    assert set(people.index) == set(laos.loc[laos["reports_waste"], "lao_code"])
    fy2565 = records[(records["metric"] == "population_registered") & (pd.to_datetime(records["period"]) == pd.Timestamp("2021-10-01"))]
    base = laos.set_index("lao_code")["population"]
    ratio = fy2565.set_index("lao_code")["value"] / base.reindex(fy2565["lao_code"]).to_numpy()
    assert ratio.between(0.98, 1.02).all()
    assert BANGKOK_CODE not in set(laos["lao_code"])


def test_gaps_and_late_reports_are_disjoint_and_in_truth(tiny):
    records = tiny.table("records").set_index(["lao_code", "metric", "period"])
    missing = tiny.table("missing").set_index(["lao_code", "metric", "period"])
    late = tiny.table("late").set_index(["lao_code", "metric", "period"])
    assert len(missing) > 0 and len(late) > 0
    assert missing.index.isin(records.index).all() and late.index.isin(records.index).all()
    assert not missing.index.isin(late.index).any()


def test_rerun_clears_previous_files(reference, thailand_dir, tiny, tmp_path):
    raw, truth = tmp_path / "raw", tmp_path / "truth"
    generate_dataset(reference, thailand_dir, "tiny", 1, raw, truth)
    first = {p for p in raw.rglob("*") if p.is_file()}
    report = generate_dataset(reference, thailand_dir, "tiny", 2, raw, truth)
    second = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert second == set(report.files) and first  # stale files of seed 1 (e.g. other extensions) are gone


def test_unknown_scale_is_refused(reference, thailand_dir, tmp_path):
    with pytest.raises(ValueError, match="unknown scale"):
        generate_dataset(reference, thailand_dir, "huge", 1, tmp_path / "raw", tmp_path / "truth")


def test_an_earlier_first_fiscal_year_makes_a_longer_history_of_the_same_units(reference, thailand_dir, tiny,
                                                                                tmp_path):
    """FY2545..2568: twice the months of the same units, every figure the simulation is calibrated on kept."""
    longer = generate_dataset(reference, thailand_dir, "tiny", 2568, tmp_path / "raw", tmp_path / "truth",
                              first_fy=2545)
    records = pd.read_parquet(tmp_path / "truth" / "records.parquet")
    assert pd.read_parquet(tmp_path / "truth" / "laos.parquet").equals(tiny.table("laos"))
    monthly = records[~records["metric"].isin(["budget_appropriation", "population_registered"])]
    assert (monthly.groupby(["lao_code", "metric"]).size() == 288).all()
    periods = pd.to_datetime(records["period"])
    assert periods.min() == pd.Timestamp("2001-10-01") and periods.max() == pd.Timestamp("2025-09-01")
    assert records["value"].notna().all() and (records["value"] >= 0).all()
    short, long_ = tiny.report.calibration, longer.calibration
    assert long_["pao_appropriation_fy2565_bn"] == short["pao_appropriation_fy2565_bn"]  # the calibrated year
    assert long_["waste_max_rel_error"] < 1e-5 and short["waste_max_rel_error"] < 1e-5  # real waste, 2556-2565
    elderly_short, elderly_long = short["elderly_recipients_by_fy"], long_["elderly_recipients_by_fy"]
    assert set(elderly_long) == set(range(2545, 2569)) and set(elderly_short) < set(elderly_long)
    assert abs(elderly_long[2566] / elderly_short[2566] - 1) < 0.01  # both scaled to FY2566's national count
    assert elderly_long[2545] < elderly_long[2557] < elderly_long[2566]  # an ageing country, further back
    assert longer.n_truth_records == len(records) > 1.9 * tiny.report.n_truth_records


@pytest.mark.parametrize("first_fy", [2499, 2564])
def test_a_first_fiscal_year_outside_the_simulation_is_refused(reference, thailand_dir, tmp_path, first_fy):
    with pytest.raises(ValueError, match="must start between FY2500 and FY2563"):
        generate_dataset(reference, thailand_dir, "tiny", 1, tmp_path / "raw", tmp_path / "truth", first_fy=first_fy)
    assert not (tmp_path / "raw").exists()
