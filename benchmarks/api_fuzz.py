"""The API against its own OpenAPI schema: Schemathesis generates requests from /openapi.json (examples,
coverage and fuzzing phases) and runs every check on every answer (status codes and bodies as the schema
declares, no server error, schema-valid data accepted, invalid data rejected, authentication honoured …).

Three runs, so the data endpoints answer from real published forecasts and no fuzzed write can touch
them: every operation over the given work folder with deposits disabled (they answer 403 there) except
the complaints, which write cases; then POST /v1/deposits with a valid token over a fresh scratch work
folder; then every complaints operation with a valid token over another scratch folder. After them, the
scratch folders must hold no deposited file and no stored record that was not answered 2xx, and exactly
one stored case per complaint answered 201. Settings the schema cannot carry
are in benchmarks/schemathesis.toml (what a deposit's content may be refused with)."""

from __future__ import annotations

import collections
import json
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.api_load import served_api

__all__ = ["FuzzSize", "SIZES", "run_fuzz"]

CONFIG = Path(__file__).with_name("schemathesis.toml")


@dataclass(frozen=True)
class FuzzSize:
    examples: int  # per operation and phase (Schemathesis --max-examples)


SIZES = {"full": FuzzSize(100), "quick": FuzzSize(10), "smoke": FuzzSize(3)}


def _schemathesis(url: str, examples: int, out: Path, name: str, extra: list[str]) -> dict:
    har, report = out / f"{name}.har", out / f"{name}.json"
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "run",
               f"{url}/openapi.json", "--checks", "all", "--max-examples", str(examples), "--seed", "2568",
               "--report", "har,json", "--report-har-path", str(har), "--report-json-path", str(report),
               "--no-color", *extra]
    done = subprocess.run(command, capture_output=True, text=True, cwd=out)
    (out / f"{name}.log").write_text(done.stdout + done.stderr)
    if not report.is_file():
        raise RuntimeError(f"schemathesis did not run (exit {done.returncode}); see {out / f'{name}.log'}")
    summary = json.loads(report.read_text())
    entries = json.loads(har.read_text())["log"]["entries"] if har.is_file() else []
    statuses = collections.Counter(int(e["response"]["status"]) for e in entries)
    return {"exit_code": done.returncode, "requests": len(entries), "test_cases": summary["test_cases"]["generated"],
            "failures": [f"{f['code']} {f['title']}: {', '.join(f['operations'])}" for f in summary["failures"]],
            "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "deposit_2xx": sum(1 for e in entries if e["request"]["url"].endswith("/v1/deposits")
                               and e["request"]["method"] == "POST" and 200 <= int(e["response"]["status"]) < 300),
            "complaint_201": sum(1 for e in entries if e["request"]["url"].split("?")[0].endswith("/v1/complaints")
                                 and e["request"]["method"] == "POST" and int(e["response"]["status"]) == 201)}


def run_fuzz(work_dir: Path, size: FuzzSize, scratch: Path) -> dict:
    """Both runs (see the module docstring): requests, statuses, failures, server errors, what was stored."""
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        return {"skipped": "schemathesis is not installed (make bench installs the benchmark group)"}
    scratch.mkdir(parents=True, exist_ok=True)
    with served_api(work_dir, scratch / "fuzz-server.log", env={"KHLANG_DEPOSIT_TOKEN": ""}) as url:
        read = _schemathesis(url, size.examples, scratch, "fuzz-all", ["--exclude-path-regex", "^/v1/complaints"])
    world = scratch / "fuzz-deposits-world"
    shutil.rmtree(world, ignore_errors=True)
    world.mkdir()
    token = secrets.token_urlsafe(24)
    with served_api(world, scratch / "fuzz-deposits-server.log", env={"KHLANG_DEPOSIT_TOKEN": token}) as url:
        deposits = _schemathesis(url, size.examples * 4, scratch, "fuzz-deposits",
                                 ["--include-path", "/v1/deposits", "--header", f"Authorization: Bearer {token}"])
    complaints_world = scratch / "fuzz-complaints-world"
    shutil.rmtree(complaints_world, ignore_errors=True)
    complaints_world.mkdir()
    with served_api(complaints_world, scratch / "fuzz-complaints-server.log", env={"KHLANG_DEPOSIT_TOKEN": token}) as url:
        complaints = _schemathesis(url, size.examples * 2, scratch, "fuzz-complaints",
                                   ["--include-path-regex", "^/v1/complaints", "--header",
                                    f"Authorization: Bearer {token}"])
    cases_stored = len(list((complaints_world / "complaints" / "submitted").glob("*.parquet")))
    stored_files = sorted(str(p.relative_to(world)) for p in (world / "raw").rglob("*") if p.is_file())
    stored_records = sorted(str(p.relative_to(world)) for p in (world / "store").rglob("*.parquet"))
    runs = {"all operations, deposits disabled": read, "deposits, valid token": deposits,
            "complaints, valid token": complaints}
    return {"runs": runs, "requests": sum(r["requests"] for r in runs.values()),
            "failures": [f for r in runs.values() for f in r["failures"]],
            "server_errors": sum(r["server_errors"] for r in runs.values()),
            "complaints_accepted": complaints["complaint_201"], "complaint_cases_stored": cases_stored,
            "deposits_accepted": deposits["deposit_2xx"], "deposit_files_stored": len(stored_files),
            "store_files_written": len(stored_records)}
