"""API latency: `khlang serve` started as its own process on 127.0.0.1 over a work folder with published
forecasts, then a bounded load from this process (httpx, N requests, C at a time): /v1/forecasts of random
published units and /v1/aggregate with random dimensions and filters. Latency is per request as the client
sees it (milliseconds, p50/p95/p99), errors are non-200 answers or transport failures.

    .venv/bin/python -m benchmarks.api_latency --work-dir work/bench-small [--requests 2000] [--concurrency 8]

Writes <work-dir>/benchmarks/api_latency.json and prints it."""

from __future__ import annotations

import argparse
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from commands.progress import console
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import configure_runtime

__all__ = ["request_plan", "run", "summarise"]

_BY = ("fiscal_year", "lao_type", "month", "province", "region", "fiscal_year,lao_type", "province,fiscal_year")


def request_plan(catalog: Catalog, n: int, seed: int) -> list[tuple[str, str, dict]]:
    """n (endpoint, path, params): half forecasts of random published (metric, level, key), half aggregates."""
    units = []
    for part in sorted(catalog.forecasts.glob("metric=*/level=*/part.parquet")):
        keys = pd.read_parquet(part, columns=["key"])["key"].unique()
        metric, level = part.parent.parent.name.split("=", 1)[1], part.parent.name.split("=", 1)[1]
        units += [(metric, level, int(k)) for k in keys]
    if not units:
        raise SystemExit(f"no published forecasts in {catalog.forecasts}: run `khlang train` and `khlang forecast`")
    metrics = sorted({m for m, _, _ in units})
    rng = random.Random(seed)
    plan = []
    for i in range(n):
        if i % 2 == 0:
            metric, level, key = rng.choice(units)
            plan.append(("forecasts", "/v1/forecasts", {"metric": metric, "level": level, "code": key}))
        else:
            by = rng.choice(_BY)
            params = {"metric": rng.choice(metrics), "source": rng.choice(("forecast", "history")), "by": by}
            if rng.random() < 0.3 and "lao_type" not in by:  # district rows carry province and region, no type
                params["level"] = "district"
            plan.append(("aggregate", "/v1/aggregate", params))
    return plan


def summarise(latencies_ms: list[float]) -> dict:
    values = np.asarray(latencies_ms, dtype=np.float64)
    if values.size == 0:
        return {"requests": 0}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"requests": int(values.size), "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
            "mean_ms": float(values.mean()), "max_ms": float(values.max())}


def _fire(url: str, plan: list[tuple[str, str, dict]], concurrency: int) -> tuple[dict, float]:
    import httpx

    results: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    with httpx.Client(base_url=url, trust_env=False, timeout=30,
                      limits=httpx.Limits(max_connections=concurrency)) as http:

        def one(item: tuple[str, str, dict]) -> tuple[str, float, bool]:
            name, path, params = item
            started = time.perf_counter()
            try:
                ok = http.get(path, params=params).status_code == 200
            except httpx.HTTPError:
                ok = False
            return name, (time.perf_counter() - started) * 1000.0, ok

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for name, ms, ok in pool.map(one, plan):
                results.setdefault(name, []).append(ms)
                if not ok:
                    errors[name] = errors.get(name, 0) + 1
        seconds = time.perf_counter() - started
    out = {name: {**summarise(ms), "errors": errors.get(name, 0)} for name, ms in sorted(results.items())}
    out["all"] = {**summarise([m for ms in results.values() for m in ms]), "errors": sum(errors.values())}
    return out, seconds


def run(work_dir: Path, n_requests: int = 2000, concurrency: int = 8, seed: int = 2568) -> dict:
    from benchmarks.api_load import served_api  # the server as the open-loop benchmark starts it

    settings = load_settings().with_work_dir(work_dir)
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    plan = request_plan(catalog, n_requests, seed)
    try:
        with served_api(work_dir, catalog.run / "api-latency-server.log") as url:
            _fire(url, plan[:min(40, len(plan))], concurrency)  # warm-up: first-use caches, connections
            results, seconds = _fire(url, plan, concurrency)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    report = {"work_dir": str(catalog.root), "requests": n_requests, "concurrency": concurrency,
              "seconds": seconds, "requests_per_s": n_requests / seconds, "latency": results,
              "server": "khlang serve (uvicorn, 1 process) on 127.0.0.1", "client": "httpx, threads, same machine"}
    target = catalog.root / "benchmarks" / "api_latency.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2))
    console.print_json(json.dumps(report))
    console.print(f"written {target}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, required=True, help="a work folder with published forecasts")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2568)
    args = parser.parse_args()
    run(args.work_dir.resolve(), args.requests, args.concurrency, args.seed)


if __name__ == "__main__":
    main()
