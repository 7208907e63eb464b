"""The resumable pipeline on the real stages (generate, ingest, panel, features at scale tiny, on a real
Dask LocalCluster): what runs, what is skipped, what a failure leaves behind, and the record on disk.

One first run is made per module (about 80 s with the engine's start; the module about 2.5 min); every
test works on its own copy of that work folder (fingerprints are of contents, not paths or times, so a
copy is as done as the original)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

from cluster.engine import open_engine
from commands.render import pipeline_table
from commands.runner import PipelineContext, Stage, digest, pipeline_record, record_path, run_pipeline
from commands.stages import default_stages
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.locks import BusyError, exclusive_lock
from pipelines.headers import headers_for
from pipelines.ingest import open_store, store_digest
from pipelines.panel import open_panel

pytestmark = pytest.mark.slow  # one first run of the four stages (~80 s) is shared by every test
AS_OF = dt.date(2026, 11, 1)
DATA_STAGES = ["generate", "ingest", "panel", "features"]
SEED = 7


def _stages(*extra: Stage) -> tuple[Stage, ...]:
    return default_stages("generate", "tiny", seed=SEED, as_of=AS_OF, extra=extra)


def _context(settings, reference, engine, work: Path) -> PipelineContext:
    settings = settings.with_work_dir(work)
    return PipelineContext(settings, Catalog.from_settings(settings).ensure(), reference, engine)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with open_engine(ClusterConfig(address="local", n_workers=2),
                     local_directory=str(tmp_path_factory.mktemp("orchestrate_dask"))) as eng:
        yield eng


@pytest.fixture(scope="module")
def first(tmp_path_factory, settings, reference, engine):
    """The first run on an empty work folder: (work folder, report). Tests copy the folder, never touch it."""
    work = tmp_path_factory.mktemp("first") / "work"
    report = run_pipeline(_context(settings, reference, engine, work), _stages())
    return work, report


@pytest.fixture
def context(first, tmp_path, settings, reference, engine) -> PipelineContext:
    """A copy of the first run's work folder (scratch and lock files left out)."""
    work = tmp_path / "work"
    shutil.copytree(first[0], work, ignore=shutil.ignore_patterns("tmp", "*.lock"))
    return _context(settings, reference, engine, work)


def _statuses(report) -> dict[str, str]:
    return {s.name: s.label for s in report.stages}


def first_fingerprint(context: PipelineContext, name: str) -> str:
    return pipeline_record(context.catalog)[name]["fingerprint"]


def _generated_files(catalog: Catalog) -> dict[str, bytes]:
    return {p.relative_to(catalog.raw).as_posix(): p.read_bytes() for p in sorted(catalog.raw.rglob("*"))
            if p.is_file()}


# --- stages of the tests' own: real work on the panel, and a real way to fail ----------------------

def _export_path(context: PipelineContext) -> Path:
    return context.catalog.root / "exports" / "waste_nation.csv"


def _export_waste(context: PipelineContext) -> str:
    """Write the national waste series as CSV; fails (FileExistsError) where a file blocks exports/."""
    panel = open_panel(context.catalog, "waste_generated", "nation")
    _export_path(context).parent.mkdir(exist_ok=True)
    frame = pd.DataFrame({"period": panel.period_dates(), "tonnes_per_day": panel.values[0, :]})
    frame.to_csv(_export_path(context), index=False)
    return f"{len(frame)} months of national waste"


def _write_index(context: PipelineContext) -> str:
    folder = _export_path(context).parent
    names = sorted(p.name for p in folder.iterdir() if p.name != "index.txt")
    (folder / "index.txt").write_text("\n".join(names) + "\n")
    return f"{len(names)} exports listed"


EXPORT = Stage("export", lambda context, upstream: digest(upstream["panel"]),
               lambda context: _export_path(context).is_file(), _export_waste)
INDEX = Stage("index", lambda context, upstream: digest(upstream["export"]),
              lambda context: (_export_path(context).parent / "index.txt").is_file(), _write_index)


def _block_exports(context: PipelineContext) -> Path:
    blocker = context.catalog.root / "exports"
    shutil.rmtree(blocker, ignore_errors=True)
    blocker.write_text("not a folder")
    return blocker


# --- tests ----------------------------------------------------------------------------------------

def test_first_run_runs_every_stage_and_records_it(first):
    work, report = first
    assert report.ok, report.summary()
    assert _statuses(report) == {name: "ran: first run" for name in DATA_STAGES}
    record = pipeline_record(Catalog(work))
    assert list(record) == DATA_STAGES
    for outcome in report.stages:
        assert len(outcome.fingerprint) == 64
        assert record[outcome.name]["fingerprint"] == outcome.fingerprint
        assert record[outcome.name]["summary"] == outcome.summary != ""
        assert record[outcome.name]["peak_gib"] == outcome.peak_gib > 0.05  # this process and the workers
    assert report.outcome("ingest").result.totals["records_stored"] > 30_000
    assert (Catalog(work).features / "zarr.json").is_file()
    assert [p.name for p in record_path(Catalog(work)).parent.iterdir() if ".tmp-" in p.name] == []


def test_second_run_skips_every_stage_and_changes_nothing(first, context):
    catalog = context.catalog
    before = (store_digest(catalog), (catalog.panel / "zarr.json").read_bytes(),
              (catalog.features / "zarr.json").read_bytes(), record_path(catalog).read_bytes(),
              _generated_files(catalog))
    report = run_pipeline(context, _stages())
    assert report.ok
    assert _statuses(report) == {name: "skipped: inputs unchanged" for name in DATA_STAGES}
    assert [s.fingerprint for s in report.stages] == [s.fingerprint for s in first[1].stages]
    assert (store_digest(catalog), (catalog.panel / "zarr.json").read_bytes(),
            (catalog.features / "zarr.json").read_bytes(), record_path(catalog).read_bytes(),
            _generated_files(catalog)) == before


def test_a_new_agency_file_reruns_ingest_panel_and_features_but_not_generate(context):
    catalog = context.catalog
    truth = pd.read_parquet(catalog.truth / "records.parquet")
    last = truth[(truth["metric"] == "waste_generated") & (truth["period"] == dt.date(2025, 9, 1))].head(3)
    en = headers_for("en")
    update = pd.DataFrame({en["lao_code"]: last["lao_code"], en["period"]: "2025-10",
                           en["waste_generated"]: (last["value"] * 1.01).round(3)})
    update.to_csv(catalog.raw / "waste_update_2025-10.csv", index=False)
    generated = _generated_files(catalog)

    report = run_pipeline(context, _stages())
    assert report.ok, report.summary()
    assert _statuses(report) == {"generate": "skipped: inputs unchanged", "ingest": "ran: inputs changed",
                                 "panel": "ran: inputs changed", "features": "ran: inputs changed"}
    assert _generated_files(catalog) == generated
    new = [f for f in report.outcome("ingest").result.files if f.status == "ingested"]
    assert [(f.source_file, f.records_stored) for f in new] == [("waste_update_2025-10.csv", 3)]
    stored = open_store(catalog).to_table(filter=pc.field("period") == dt.date(2025, 10, 1)).to_pandas()
    assert sorted(stored["lao_code"]) == sorted(last["lao_code"])
    panel = open_panel(catalog, "waste_generated", "lao")
    assert panel.period_dates()[-1] == dt.date(2025, 10, 1)
    assert int((panel.values[:, -1] == panel.values[:, -1]).sum()) == 3

    again = run_pipeline(context, _stages())
    assert _statuses(again) == {name: "skipped: inputs unchanged" for name in DATA_STAGES}


def test_a_changed_agency_file_reruns_ingest(context):
    victim = sorted(context.catalog.raw.rglob("*.csv"))[0]
    victim.write_bytes(victim.read_bytes().replace(b"\n", b"\r\n"))  # same records, new bytes
    report = run_pipeline(context, _stages()[:2])  # panel and features: as in the test above
    assert report.ok, report.summary()
    assert report.outcome("generate").label == "skipped: inputs unchanged"
    assert report.outcome("ingest").label == "ran: inputs changed"
    new = [f.source_file for f in report.outcome("ingest").result.files if f.status == "ingested"]
    assert new == [victim.relative_to(context.catalog.raw).as_posix()]


def test_a_failing_stage_stops_the_run_records_nothing_and_the_next_run_resumes_there(context):
    blocker = _block_exports(context)
    failed = run_pipeline(context, _stages(EXPORT, INDEX))
    assert not failed.ok
    assert _statuses(failed) == {**{name: "skipped: inputs unchanged" for name in DATA_STAGES},
                                 "export": failed.outcome("export").label,
                                 "index": "not run: an earlier stage failed"}
    assert failed.outcome("export").status == "failed"
    assert failed.outcome("export").error.startswith("FileExistsError")
    assert "_export_waste" in failed.outcome("export").traceback
    assert list(pipeline_record(context.catalog)) == DATA_STAGES
    pipeline_table(failed)

    blocker.unlink()
    resumed = run_pipeline(context, _stages(EXPORT, INDEX))
    assert resumed.ok, resumed.summary()
    assert _statuses(resumed) == {**{name: "skipped: inputs unchanged" for name in DATA_STAGES},
                                  "export": "ran: first run", "index": "ran: first run"}
    assert resumed.outcome("export").summary.endswith("months of national waste")
    assert _export_path(context).is_file()
    assert list(pipeline_record(context.catalog)) == [*DATA_STAGES, "export", "index"]

    done = run_pipeline(context, _stages(EXPORT, INDEX))
    assert done.names("skipped") == [*DATA_STAGES, "export", "index"]


def test_a_forced_stage_that_fails_is_no_longer_taken_for_done(context):
    assert run_pipeline(context, _stages(EXPORT, INDEX)).ok
    _block_exports(context)
    failed = run_pipeline(context, _stages(EXPORT, INDEX), force=["export"])
    assert failed.outcome("export").status == "failed"
    assert "export" not in pipeline_record(context.catalog) and "index" in pipeline_record(context.catalog)

    (context.catalog.root / "exports").unlink()
    resumed = run_pipeline(context, _stages(EXPORT, INDEX))
    # export's output has no identity on disk, so a new run of it is new input for index
    assert _statuses(resumed)["export"] == "ran: first run"
    assert _statuses(resumed)["index"] == "ran: inputs changed"


def test_force_reruns_a_stage_and_only_what_its_outputs_change(context):
    catalog = context.catalog
    store = store_digest(catalog)
    report = run_pipeline(context, _stages(), force=["ingest"])
    assert report.ok, report.summary()
    # the forced ingest finds every file already ingested: the manifest, so the panel's input, is unchanged
    assert _statuses(report) == {"generate": "skipped: inputs unchanged", "ingest": "ran: forced",
                                 "panel": "skipped: inputs unchanged",
                                 "features": "skipped: inputs unchanged"}
    assert {f.status for f in report.outcome("ingest").result.files} == {"already_ingested"}
    assert store_digest(catalog) == store


def test_from_stage_leaves_earlier_stages_alone_and_reruns_the_rest(context):
    assert run_pipeline(context, _stages(EXPORT, INDEX)).ok
    report = run_pipeline(context, _stages(EXPORT, INDEX), from_stage="export")
    assert _statuses(report) == {**{name: "skipped: before from_stage" for name in DATA_STAGES},
                                 "export": "ran: from_stage", "index": "ran: from_stage"}


def test_source_ingest_reads_an_existing_folder_and_generates_nothing(first, tmp_path, settings, reference,
                                                                     engine):
    raw = tmp_path / "agency_files"
    shutil.copytree(Catalog(first[0]).raw, raw)
    stages = default_stages("ingest", raw_dir=raw, as_of=AS_OF)
    assert [s.name for s in stages] == ["ingest", "panel", "features"]
    context = _context(settings, reference, engine, tmp_path / "work")
    report = run_pipeline(context, stages[:1])
    assert _statuses(report) == {"ingest": "ran: first run"}
    assert store_digest(context.catalog) == store_digest(Catalog(first[0]))
    assert not any(context.catalog.raw.iterdir())
    assert report.outcome("ingest").fingerprint == first[1].outcome("ingest").fingerprint


def test_fingerprints_follow_the_options(context):
    ingest_later = default_stages("generate", "tiny", seed=SEED, as_of=AS_OF + dt.timedelta(days=1))[1]
    assert ingest_later.fingerprint(context, {}) != _stages()[1].fingerprint(context, {})
    generate, other_seed = _stages()[0], default_stages("generate", "tiny", seed=SEED + 1)[0]
    assert other_seed.fingerprint(context, {}) != generate.fingerprint(context, {})
    assert generate.fingerprint(context, {}) == first_fingerprint(context, "generate")
    # the income-test scenario comes from the settings: a changed scenario is new data
    scenario = dataclasses.replace(context.settings.generate, income_test_cut=0.5)
    in_scenario = dataclasses.replace(context, settings=dataclasses.replace(context.settings, generate=scenario))
    assert generate.fingerprint(in_scenario, {}) != generate.fingerprint(context, {})


def test_another_pipeline_on_the_same_work_folder_is_refused(context):
    record = record_path(context.catalog).read_bytes()
    with exclusive_lock(context.catalog.run / "pipeline.lock", "test"), pytest.raises(BusyError):
        run_pipeline(context, _stages())
    assert record_path(context.catalog).read_bytes() == record


def test_bad_arguments_are_refused(context):
    with pytest.raises(ValueError, match="unknown source"):
        default_stages("download")
    with pytest.raises(ValueError, match="unknown scale"):
        default_stages("generate", "galaxy")
    with pytest.raises(ValueError, match="raw_dir"):
        default_stages("generate", "tiny", raw_dir=Path("elsewhere"))
    with pytest.raises(ValueError, match="unknown stages"):
        run_pipeline(context, _stages(), force=["trian"])
    with pytest.raises(ValueError, match="unknown stages"):
        run_pipeline(context, _stages(), from_stage="forecast")
    with pytest.raises(ValueError, match="repeat"):
        run_pipeline(context, _stages(EXPORT, EXPORT))
    with pytest.raises(ValueError, match="before"):
        run_pipeline(context, _stages(), force=["ingest"], from_stage="panel")


def test_each_stage_records_the_most_memory_the_process_tree_held_while_it_ran(context):
    # a stage that holds 512 MiB (its result, alive when it ends) beside one that holds nothing
    light = Stage("light", lambda context, upstream: digest("light"), lambda context: True, lambda context: "")
    heavy = Stage("heavy", lambda context, upstream: digest("heavy"), lambda context: False,
                  lambda context: np.ones(2**26))  # float64: 512 MiB, every page written
    report = run_pipeline(context, (light, heavy))
    record = pipeline_record(context.catalog)
    assert record["heavy"]["peak_gib"] - record["light"]["peak_gib"] >= 0.45
    assert report.outcome("heavy").peak_gib == record["heavy"]["peak_gib"]
    assert f"{record['heavy']['peak_gib']:.2f} GiB" in report.summary()
    skipped = run_pipeline(context, (light,)).outcome("light")  # a stage that did not run measured nothing
    assert skipped.status == "skipped" and skipped.peak_gib is None


def test_a_corrupt_record_means_every_stage_runs_again_and_is_replaced(context):
    record_path(context.catalog).write_text("{ half a record")
    report = run_pipeline(context, _stages()[:2])
    assert _statuses(report) == {"generate": "ran: first run", "ingest": "ran: first run"}
    assert json.loads(record_path(context.catalog).read_text())["version"] == 1
