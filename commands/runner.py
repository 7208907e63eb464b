"""The stage runner: a list of stages in one resumable run (commands.stages declares Khlang's own).

    stages = default_stages("generate", scale="tiny", extra=(train_stage(), forecast_stage()))
    report = run_pipeline(PipelineContext(settings, catalog, reference, engine, progress), stages)
    report = run_pipeline(context, stages, only="ingest")  # what `khlang ingest` runs: that stage alone

A stage runs only when its inputs changed since it last finished, or its outputs are gone, or it is
forced. What each stage finished with is recorded in work/run/pipeline.json, rewritten atomically after
every stage, so a run that stops (an error, a kill) resumes at the stage that did not finish.

The Stage contract
------------------
- `name`: unique in the list; the key of its record and of `force` / `from_stage`.
- `fingerprint(context, upstream) -> str`: a digest (`digest(...)`) of everything the stage reads, taken
  just before it would run, after the stages before it have run. `upstream` maps the name of every
  earlier stage to its *output* fingerprint. Data stages read their inputs from disk (the raw files, the
  manifest, the panel's identity), so work done outside the pipeline (`khlang ingest`) is seen too;
  stages whose outputs have no cheap identity on disk (train, forecast) chain on `upstream[...]`.
  Include the code and the config the stage depends on (`source_digest`, `dataclasses.asdict`).
- `outputs_exist(context) -> bool`: cheap check that what the stage makes is in place.
- `run(context) -> object`: do the work with `context.engine`, report progress to `context.progress`,
  return the stage's report object; raise on failure. It must leave earlier stages' outputs intact.
- `summarize(result) -> str`: one line for the report (default: the string itself, or the first line
  of `result.summary()`).
- `output(context) -> str` (optional): identity of what the stage made, read from disk. Without it, a run
  gets a fresh one (its input fingerprint and the time it finished), so a stage downstream of it reruns
  whenever it ran, and is skipped whenever it was skipped.

A train and a forecast stage, for example:

    def train_inputs(context, upstream):  # the feature store, the [train] config, the models' code
        config = dataclasses.asdict(context.settings.train)
        return digest(upstream["features"], config, source_digest("models"))

    train = Stage("train", train_inputs, outputs_exist=..., run=..., output=...)
    forecast = Stage("forecast", lambda context, upstream: digest(upstream["train"]), ...)

Before a stage runs its record is dropped; the new record is written only once it finished, so a
stage that fails or is killed is never taken for done."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster.engine import Engine
from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.domain.reference import ReferenceData
from khlang.locks import exclusive_lock
from khlang.measure import measure

__all__ = ["PipelineContext", "ProgressCallback", "Stage", "StageOutcome", "PipelineReport", "run_pipeline",
           "pipeline_record", "record_path", "digest", "file_sha256", "files_digest", "source_digest"]

_RECORD_VERSION = 1
ProgressCallback = Callable[[str, int, int], None]  # (step, done, total), as the stages report their work


@dataclass(frozen=True)
class PipelineContext:
    """What every stage is handed: the settings, where data lives, the reference data, the engine."""

    settings: Settings
    catalog: Catalog
    reference: ReferenceData
    engine: Engine
    progress: ProgressCallback | None = None  # (step, done, total) as a stage's work finishes
    say: Callable[[str], None] | None = None  # what a stage is doing, in words (training a family: its steps)


def _gib(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} GiB"


def _first_line(result: object) -> str:
    if result is None:
        return ""
    text = result if isinstance(result, str) else getattr(result, "summary", lambda: str(result))()
    return text.splitlines()[0] if text else ""


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline (see the module docstring for the contract)."""

    name: str
    fingerprint: Callable[[PipelineContext, Mapping[str, str]], str]
    outputs_exist: Callable[[PipelineContext], bool]
    run: Callable[[PipelineContext], object]
    summarize: Callable[[Any], str] = _first_line
    output: Callable[[PipelineContext], str] | None = None


@dataclass(frozen=True)
class StageOutcome:
    """What happened to one stage in a run. status: ran | skipped | failed | not run."""

    name: str
    status: str
    reason: str  # first run | inputs changed | outputs missing | forced | from_stage | inputs unchanged | …
    seconds: float = 0.0
    fingerprint: str | None = None
    summary: str = ""
    peak_gib: float | None = None  # the most memory the process tree held while it ran (a stage that ran)
    error: str | None = None  # "Type: message" of a failed stage
    traceback: str | None = field(default=None, repr=False)
    exception: BaseException | None = field(default=None, repr=False, compare=False)  # what a failed stage raised
    result: object = field(default=None, repr=False, compare=False)  # the stage's own report

    @property
    def label(self) -> str:
        """'ran: inputs changed', 'skipped: inputs unchanged', 'failed: ValueError: …'."""
        return f"{self.status}: {self.error if self.status == 'failed' else self.reason}"


@dataclass(frozen=True)
class PipelineReport:
    stages: tuple[StageOutcome, ...]
    record: Path
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.status in ("ran", "skipped") for s in self.stages)

    def outcome(self, name: str) -> StageOutcome:
        return next(s for s in self.stages if s.name == name)

    def names(self, status: str) -> list[str]:
        """Names of the stages with this status, in run order."""
        return [s.name for s in self.stages if s.status == status]

    def summary(self) -> str:
        lines = [f"pipeline: {len(self.names('ran'))} ran, {len(self.names('skipped'))} skipped, "
                 f"{len(self.names('failed'))} failed in {self.seconds:.1f} s (record {self.record})"]
        lines += [f"  {s.name:<10} {s.label:<32} {s.seconds:7.1f} s {_gib(s.peak_gib):>9}  {s.summary}"
                  for s in self.stages]
        return "\n".join(lines)


# --- fingerprints ----------------------------------------------------------------------------------

def digest(*parts: object) -> str:
    """sha256 (hex) of JSON-serialisable parts, in order (dict keys sorted)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def files_digest(folder: Path, names: Iterable[str]) -> str:
    """sha256 over (relative name, size in bytes, content sha256) of each named file of `folder`."""
    folder = Path(folder)
    return digest([(name, (folder / name).stat().st_size, file_sha256(folder / name))
                   for name in sorted(names)])


def source_digest(*modules: str) -> str:
    """sha256 of the Python source of modules or whole packages (by dotted name), found without importing."""
    entries = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        if spec.submodule_search_locations:
            root = Path(spec.origin).parent
            files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        else:
            root, files = Path(spec.origin).parent, [Path(spec.origin)]
        entries += [(f"{name}:{f.relative_to(root).as_posix()}", file_sha256(f)) for f in files]
    return digest(entries)


# --- the record ------------------------------------------------------------------------------------

def record_path(catalog: Catalog) -> Path:
    return catalog.run / "pipeline.json"


def pipeline_record(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """Per stage name: fingerprint, output, finished_at, seconds, peak_gib (the most memory the process tree,
    cluster workers included, held while it ran) and summary of its last finished run."""
    path = record_path(catalog)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError:
        return {}  # only a hand edit gets here (writes are atomic): treat every stage as never run
    if not isinstance(data, dict) or data.get("version") != _RECORD_VERSION:
        return {}
    return dict(data.get("stages", {}))


def _write_record(catalog: Catalog, stages: Mapping[str, dict[str, Any]]) -> None:
    """Replace the record atomically: a reader (or a crash) sees the old file or the new one."""
    path = record_path(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"version": _RECORD_VERSION, "stages": dict(stages)}, handle, indent=2,
                      ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# --- the runner ------------------------------------------------------------------------------------

def _check(stages: Sequence[Stage], force: set[str], from_stage: str | None) -> None:
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ValueError(f"stage names repeat: {names}")
    unknown = sorted((force | ({from_stage} if from_stage else set())) - set(names))
    if unknown:
        raise ValueError(f"unknown stages {unknown}; stages: {names}")
    earlier = set(names[:names.index(from_stage)]) if from_stage else set()
    if force & earlier:
        raise ValueError(f"cannot force {sorted(force & earlier)}: they come before from_stage {from_stage}")


def _skipped_output(stage: Stage, context: PipelineContext, recorded: dict[str, Any] | None) -> str | None:
    """Output fingerprint of a stage that did not run: read from disk where it can be, else its record."""
    if stage.output is not None:
        with contextlib.suppress(Exception):
            if stage.outputs_exist(context):
                return stage.output(context)
    return recorded.get("output") if recorded else None


def run_pipeline(context: PipelineContext, stages: Sequence[Stage], force: Iterable[str] = (),
                 from_stage: str | None = None, only: str | None = None) -> PipelineReport:
    """Run `stages` in order, skipping each whose inputs did not change since it last finished (and whose
    outputs exist). `force`: stages to run regardless. `from_stage`: leave the stages before it alone and
    run it and every later stage regardless. `only`: run that stage alone, regardless (a single command
    such as `khlang ingest`): the stages before it are left alone as with from_stage, so its fingerprint
    and record are those a whole run would give it; the report holds it alone. Stops at the first stage
    that fails; the report says so. Holds the work folder's pipeline lock (BusyError if another runs)."""
    started = time.perf_counter()
    if only is not None:
        if force or from_stage:
            raise ValueError("only runs one stage: not with force or from_stage")
        names = [s.name for s in stages]
        if only not in names:
            raise ValueError(f"unknown stage {only!r}; stages: {names}")
        stages, from_stage = stages[:names.index(only) + 1], only
    forced, outcomes = set(force), []
    _check(stages, forced, from_stage)
    catalog = context.catalog
    with exclusive_lock(catalog.run / "pipeline.lock", "pipeline run"):
        record = pipeline_record(catalog)
        upstream: dict[str, str] = {}
        reached = from_stage is None
        failed = False
        for stage in stages:
            reached = reached or stage.name == from_stage
            recorded = record.get(stage.name)
            if failed:
                outcomes.append(StageOutcome(stage.name, "not run", "an earlier stage failed"))
                continue
            if not reached:
                outcomes.append(StageOutcome(stage.name, "skipped", "before from_stage",
                                             fingerprint=recorded and recorded.get("fingerprint"),
                                             summary=recorded.get("summary", "") if recorded else ""))
                if (out := _skipped_output(stage, context, recorded)) is not None:
                    upstream[stage.name] = out
                continue
            outcome, output = _run_stage(stage, context, record, upstream, forced, from_stage)
            outcomes.append(outcome)
            if outcome.status == "failed":
                failed = True
            elif output is not None:
                upstream[stage.name] = output
    if only is not None:
        outcomes = outcomes[-1:]
    return PipelineReport(stages=tuple(outcomes), record=record_path(catalog),
                          seconds=time.perf_counter() - started)


def _run_stage(stage: Stage, context: PipelineContext, record: dict[str, dict[str, Any]],
               upstream: Mapping[str, str], forced: set[str],
               from_stage: str | None) -> tuple[StageOutcome, str | None]:
    """Skip or run one stage; `record` is updated (and written) when the stage starts and when it ends."""
    started = time.perf_counter()
    recorded = record.get(stage.name)
    fingerprint = None
    try:
        fingerprint = stage.fingerprint(context, dict(upstream))
        exists = stage.outputs_exist(context)
        if stage.name in forced:
            reason = "forced"
        elif from_stage is not None:
            reason = "from_stage"
        elif recorded is None:
            reason = "first run"
        elif recorded.get("fingerprint") != fingerprint:
            reason = "inputs changed"
        elif not exists:
            reason = "outputs missing"
        else:
            return (StageOutcome(stage.name, "skipped", "inputs unchanged", time.perf_counter() - started,
                                 fingerprint, recorded.get("summary", "")),
                    _skipped_output(stage, context, recorded))
        if recorded is not None:
            del record[stage.name]  # from now on the stage is not done, whatever happens to this process
            _write_record(context.catalog, record)
        with measure() as used:
            result = stage.run(context)
        summary = stage.summarize(result)
        finished = dt.datetime.now(dt.UTC)
        output = (stage.output(context) if stage.output is not None
                  else digest(stage.name, fingerprint, finished.isoformat(), uuid.uuid4().hex))
    except Exception as error:
        return (StageOutcome(stage.name, "failed", "raised", time.perf_counter() - started, fingerprint,
                             error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc(),
                             exception=error),
                None)
    seconds = time.perf_counter() - started
    peak = round(used.peak_rss_gib, 3)
    record[stage.name] = {"fingerprint": fingerprint, "output": output, "summary": summary,
                          "seconds": round(seconds, 3), "peak_gib": peak,
                          "finished_at": finished.isoformat(timespec="seconds")}
    _write_record(context.catalog, record)
    return StageOutcome(stage.name, "ran", reason, seconds, fingerprint, summary, peak, result=result), output
