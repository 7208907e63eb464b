"""The benchmark suite's smoke run (what `make test` runs so `khlang bench` cannot silently break): the
same code as the full suite at tiny sizes, over the served world's published forecasts."""

import json
import os

import numpy as np
import pytest

from benchmarks import load
from benchmarks.suite import run_suite


@pytest.fixture(scope="module")
def smoke(served_world, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return out, run_suite("smoke", out, served_world.catalog.root, echo=lambda _: None)


def test_smoke_run_writes_json_markdown_and_plots(smoke):
    out, report = smoke
    assert json.loads((out / "bench.json").read_text())["mode"] == "smoke"
    table = (out / "bench.md").read_text()
    for row in report["targets"]:
        assert row["what"] in table
    assert {"features.png", "api-latency.png"} <= set(report["plots"])
    for plot in report["plots"]:
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["machine"]["versions"]["numba"]


def test_features_section_times_khlang_and_its_peers_on_the_same_output(smoke):
    _, report = smoke
    results = {(r["name"], r["threads"]): r for r in report["sections"]["features"]["results"]}
    for threads in (1, 2):
        khlang = results[("khlang", threads)]
        assert khlang["status"] == "ok" and khlang["m_rows_per_s"] > 0 and len(khlang["seconds"]) >= 2
        # coreforecast comes with statsforecast, a Khlang dependency: always measured, never skipped
        assert results[("coreforecast", threads)]["agrees"]
    assert results[("pandas", 1)]["max_relative_difference"] <= 1e-5  # Khlang equals the pandas reference
    assert any(row["what"].startswith("features, 1 thread(s): Khlang / coreforecast") for row in report["targets"])


def test_prophet_section_times_serial_dask_and_ray_on_the_same_forecasts(smoke):
    out, report = smoke
    prophet = report["sections"]["prophet"]
    runs = {r["engine"]: r for r in prophet["runs"]}
    assert set(runs) == {"serial", "dask", "ray"}
    serial = runs["serial"]
    for engine in ("dask", "ray"):
        run = runs[engine]
        assert run["workers"] == 2 and run["same_forecasts"]
        # the efficiency is the median over the pairs (a serial run and an engine run, alternated) of serial s
        # over workers x engine s, from the recorded seconds; the serial row holds every engine's serial runs
        pairs = list(zip(run["serial_seconds"], run["seconds"], strict=True))
        assert len(pairs) == prophet["repeats"] and set(run["serial_seconds"]) <= set(serial["seconds"])
        ratios = [s / (2 * e) for s, e in pairs]
        assert run["efficiency"] == pytest.approx(float(np.median(ratios)))
        assert run["efficiency_spread"] == pytest.approx([min(ratios), max(ratios)])
        # where the efficiency goes: extra CPU on the engine, its idle share and the serial runs' cores, from
        # the sums over its pairs, multiply to the pooled efficiency
        decomposed = run["busy_share"] / run["cpu_vs_serial"] / run["serial_cores_used"]
        pooled = sum(run["serial_seconds"]) / (2 * sum(run["seconds"]))
        assert decomposed == pytest.approx(pooled) and run["pooled_efficiency"] == pytest.approx(pooled)
        assert 0 < run["busy_share"] <= (os.cpu_count() or 2) / 2 + 0.05 and run["cpu_vs_serial"] > 0
        assert 0 <= run["idle_engine_cores"] < 0.5  # an idle engine beside the serial runs: housekeeping only
    # two serial runs at once in separate processes, no engine, paired with serial runs like the engines
    ceiling = prophet["machine_ceiling"]
    assert len(ceiling["seconds"]) == 2 * prophet["repeats"] and len(ceiling["serial_seconds"]) == prophet["repeats"]
    together = np.reshape(ceiling["seconds"], (prophet["repeats"], 2)).mean(axis=1)
    assert ceiling["efficiency"] == pytest.approx(float(np.median(np.divide(ceiling["serial_seconds"], together))))
    # every serial run (the ceiling's pairs and each engine's) took place in its own process, same forecasts
    assert len(serial["seconds"]) == 3 * prophet["repeats"] and serial["same_forecasts"]
    rows = [r for r in report["targets"] if r["what"].startswith("Prophet,")]
    assert len(rows) == 2 and all(r["met"] is None for r in rows)  # smoke: measured, not judged
    table = (out / "bench.md").read_text()
    assert "## Prophet" in table and "Where the efficiency goes" in table


def test_prophet_efficiency_is_judged_against_ninety_percent_and_the_same_forecasts():
    from benchmarks.suite import targets

    def row(efficiency, same=True, mode="full"):
        run = {"engine": "dask", "workers": 2, "median_s": 1.0, "seconds": [1.0], "efficiency": efficiency,
               "efficiency_spread": [efficiency, efficiency], "same_forecasts": same}
        serial = {"engine": "serial", "workers": 1, "median_s": 2 * efficiency, "seconds": [2 * efficiency]}
        report = {"mode": mode, "sections": {"prophet": {"series": 200, "repeats": 3, "runs": [serial, run]}}}
        (judged,) = targets(report)
        return judged["met"]

    assert row(0.91) is True
    assert row(0.89) is False
    assert row(0.95, same=False) is False
    assert row(0.5, mode="quick") is None and row(0.95, same=False, mode="quick") is False  # size judged in full


def test_a_quick_prophet_section_without_the_machines_ceiling_still_reads():
    from benchmarks.suite import machine, markdown, targets

    serial = {"engine": "serial", "workers": 1, "warmup_s": 1.0, "median_s": 2.0, "seconds": [2.0],
              "s_per_series": 0.04, "same_forecasts": True, "cores_used": 1.0}
    dask = {"engine": "dask", "workers": 2, "warmup_s": 1.0, "median_s": 1.25, "seconds": [1.25], "s_per_series": 0.03,
            "efficiency": 0.8, "efficiency_spread": [0.8, 0.8], "cpu_vs_serial": 1.1, "busy_share": 0.88,
            "same_forecasts": True}
    prophet = {"series": 48, "months": 144, "horizon": 12, "batch_size": 16, "repeats": 1, "serial_cores_used": 1.0,
               "runs": [serial, dask]}  # --quick leaves the ceiling out
    report = {"mode": "quick", "started": "now", "machine": machine(), "sections": {"prophet": prophet}}
    report["targets"] = targets(report)
    table = markdown(report)
    assert "dask used 1.10x the CPU of its serial runs and kept its 2 cores 88.0% busy" in table
    assert "ceiling" not in table


def test_api_section_drives_the_served_api_open_loop_without_errors(smoke):
    _, report = smoke
    api = report["sections"]["api"]
    for name in ("forecasts", "aggregate"):
        result = api[name]
        assert result["requests"] == int(result["rate"] * result["seconds"])
        assert result["errors"] == 0
        assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert all(row["met"] is None for row in report["targets"])  # smoke sizes judge no target
    # the peer: `mlflow models serve` of the same registered model, the same units, the same load
    peer = api["mlflow_serve"]
    assert peer["model"].startswith("models:/khlang-") and peer["requests"] == int(peer["rate"] * peer["seconds"])
    assert peer["errors"] == 0  # every unit answered: after one request per metric, a lookup in the model
    # and it is gone afterwards, with the uvicorn it started (still busy with queued requests otherwise)
    import psutil

    left = [p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
            if "mlflow.pyfunc.scoring_server" in " ".join(p.info["cmdline"] or [])]
    assert left == []


def test_fuzz_section_runs_every_check_and_keeps_nothing_from_refused_deposits(smoke):
    # schemathesis comes with the benchmark group, which `make test` installs
    _, report = smoke
    fuzz = report["sections"]["fuzz"]
    assert fuzz["failures"] == [] and fuzz["server_errors"] == 0
    runs = fuzz["runs"]
    assert runs["all operations, deposits disabled"]["statuses"].get("200", 0) > 0  # real answers, not only 4xx
    assert runs["deposits, valid token"]["requests"] > 0
    assert fuzz["deposit_files_stored"] <= fuzz["deposits_accepted"]
    assert fuzz["deposits_accepted"] > 0 or fuzz["store_files_written"] == 0
    assert runs["complaints, valid token"]["requests"] > 0
    assert fuzz["complaint_cases_stored"] == fuzz["complaints_accepted"]  # one case per 201, none from a 422


def test_load_counts_from_the_due_time_and_reports_refused_connections(tmp_path):
    # nothing listens on this port: every request is an error (status 0), none is dropped from the count
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = load.run_load(f"http://127.0.0.1:{port}", [{"path": "/health"}], rate=40, seconds=0.5)
    statuses = np.asarray(result["records"])[:, 2]
    assert len(statuses) == 20 and (statuses == 0).all()
    due = np.asarray(result["records"])[:, 0]
    np.testing.assert_allclose(np.diff(due), 1 / 40, atol=1e-3)


def test_unknown_modes_and_sections_are_refused(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        run_suite("huge", tmp_path)
    with pytest.raises(ValueError, match="sections"):
        run_suite("smoke", tmp_path, sections=("gpu",))


def test_refresh_rows_judge_the_time_and_the_stage_that_held_the_most_memory_at_thailand():
    from benchmarks.suite import targets

    refresh = {"scale": "thailand", "total_s": 590.0, "stages_s": {"ingest": 90.0, "train": 500.0},
               "stages_peak_gib": {"ingest": 3.2, "train": 9.1}}
    rows = {r["what"]: r for r in targets({"mode": "full", "sections": {"refresh": refresh}})}
    memory = rows["refresh peak memory, last `khlang pipeline` (scale thailand)"]
    assert (memory["figure"], memory["met"]) == ("9.10 GiB (train)", False)
    assert rows["refresh, last `khlang pipeline` (scale thailand)"]["met"] is True
    small = {**refresh, "scale": "small"}  # judged at thailand only
    assert all(r["met"] is None for r in targets({"mode": "full", "sections": {"refresh": small}}))
