"""Prophet many-model cost and parallel efficiency: N synthetic monthly series (144 months, gaps, some
late starts) fitted and forecast one Prophet model per series, serially, on a Dask LocalCluster and on a
local Ray with the same number of workers.

    .venv/bin/python -m benchmarks.prophet_cost [--series 200] [--months 144] [--workers 2] [--repeats 5]

The serial runs take place in a spawned process of their own (a plain Python process, as a user's script
would be, and the same kind as the machine ceiling's). Each engine is warmed first (every worker imports
Prophet once, a few seconds; reported apart), then runs `--repeats` pairs of a serial run and an engine
run, alternated (serial first, then engine first, …): this machine's speed drifts over minutes (a shared
host), and a pair's two runs share the drift. Parallel efficiency = serial seconds / (workers x engine
seconds), the median over the pairs with their spread (issue 15's target: >= 90 % on 2 workers). Every
run must give the first serial run's forecasts. `khlang bench` runs the same function (section
prophet); this entry point writes work/benchmarks/prophet-cost.json and prints a table."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.features_peers import synthetic_block

if TYPE_CHECKING:
    from cluster.engine import Engine
    from models.forecasters.prophet import ProphetForecast

__all__ = ["HORIZON", "ProphetSize", "SIZES", "run_prophet", "EFFICIENCY_TARGET"]

HORIZON = 12  # months
EFFICIENCY_TARGET = 0.90  # issue 15: Prophet many-model on 2 workers


@dataclass(frozen=True)
class ProphetSize:
    series: int
    months: int
    repeats: int
    batch_size: int = 16


SIZES = {"full": ProphetSize(200, 144, 5), "quick": ProphetSize(32, 144, 1), "smoke": ProphetSize(4, 48, 1)}


def _timed(block: np.ndarray, batch_size: int, engine: Engine | None = None) -> tuple[ProphetForecast, float]:
    from cluster.engine import IN_PROCESS
    from models.forecasters.prophet import ProphetForecaster

    start = time.perf_counter()
    result = ProphetForecaster(batch_size=batch_size).forecast(block, HORIZON, engine or IN_PROCESS)
    return result, time.perf_counter() - start


def _cpu_seconds() -> float:
    """CPU seconds, user + system, of this process and every process under it (Dask's nannies and workers,
    Ray's raylet and workers), each with its finished children (Prophet's cmdstan runs)."""
    import psutil

    total = 0.0
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        try:
            total += sum(process.cpu_times()[:4])
        except psutil.Error:  # gone since listed: its time is lost to both readings alike
            pass
    return total


def _reply(replies, process, what: str):
    """The next reply of `process`; a process that died is an error, not an endless wait."""
    import queue

    while True:
        try:
            return replies.get(timeout=5)
        except queue.Empty:
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"{what} failed (its process exited with {process.exitcode})") from None


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (its cmdstan runs)."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _serial_server(requests, replies, size: ProphetSize) -> None:
    """A serial runs' process: builds the block and warms Prophet (replies its seconds), then runs one
    serial run per request and replies (forecast, seconds, CPU seconds of this process and its cmdstan
    runs); None ends it."""
    block = synthetic_block(size.series, size.months).astype(np.float64)
    replies.put(_timed(block[:1], 1)[1])
    while requests.get() is not None:
        before = _own_cpu_seconds()
        result, seconds = _timed(block, size.batch_size)
        replies.put((result, seconds, _own_cpu_seconds() - before))


class _SerialProcesses:
    """Spawned processes of their own for the serial runs: plain Python processes that import only what the
    fits need, as a user's serial script would (not this one, which holds a LocalCluster's scheduler and
    Ray's driver). `run(1)` is a serial run; `run(n)` starts n serial runs at once in n processes, no engine:
    what this machine's cores give to as many independent runs (shared caches, memory, the hypervisor),
    the most any engine can reach here."""

    def __init__(self, size: ProphetSize, count: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._queues = [(context.Queue(), context.Queue()) for _ in range(count)]
        self._processes = [context.Process(target=_serial_server, args=(requests, replies, size))
                           for requests, replies in self._queues]

    def __enter__(self) -> _SerialProcesses:
        for process in self._processes:  # they warm up while the caller opens an engine
            process.start()
        self._warmup_s: list[float] | None = None
        return self

    @property
    def warmup_s(self) -> list[float]:
        """Each process's warm-up seconds (waited for on first use)."""
        if self._warmup_s is None:
            self._warmup_s = [_reply(replies, process, "a serial runs' process")
                              for (_, replies), process in zip(self._queues, self._processes, strict=True)]
        return self._warmup_s

    def run(self, count: int = 1) -> list[tuple[ProphetForecast, float, float]]:
        _ = self.warmup_s  # every process is warm before any run starts
        for requests, _ in self._queues[:count]:
            requests.put(True)
        return [_reply(replies, process, "a serial Prophet run")
                for (_, replies), process in zip(self._queues[:count], self._processes, strict=False)]

    def __exit__(self, *exc) -> None:
        for (requests, _), process in zip(self._queues, self._processes, strict=True):
            if process.is_alive():
                requests.put(None)
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def _same(a: ProphetForecast, b: ProphetForecast) -> bool:
    return bool(np.array_equal(a.forecast, b.forecast, equal_nan=True) and np.array_equal(a.fallback, b.fallback))


def _alternated(repeats: int, serial: Callable[[], tuple], other: Callable[[], object]) -> list[tuple]:
    """`repeats` pairs of a serial run and another run, alternated (serial first, then the other first, …):
    this machine's speed drifts over minutes (a shared host), and a pair's two runs share the drift."""
    pairs = []
    for i in range(repeats):
        if i % 2 == 0:
            first = serial()
            pairs.append((first, other()))
        else:
            second = other()
            pairs.append((serial(), second))
    return pairs


def _ratios(serial_seconds: list[float], other_seconds: list[float], workers: int) -> dict:
    ratios = [a / (workers * b) for a, b in zip(serial_seconds, other_seconds, strict=True)]
    return {"efficiency": float(np.median(ratios)), "efficiency_spread": [min(ratios), max(ratios)]}


def run_prophet(size: ProphetSize, workers: int = 2, engines: tuple[str, ...] = ("local", "ray"),
                ceiling: bool = True, echo=print) -> dict:
    """Serial and per-engine seconds, the parallel efficiency of each engine and whether every run gave the
    first serial run's forecasts; with `ceiling`, also `workers` serial runs at once without an engine (this
    machine's ceiling).

    The serial runs take place in spawned processes of their own (_SerialProcesses), warmed first. Each
    engine is warmed too, then `size.repeats` pairs of a serial run and an engine run, alternated; the
    ceiling likewise pairs a serial run with `workers` serial runs at once. An efficiency is the median of
    the pairs' serial s / (workers x engine s), with their spread. Where an engine's goes, from the sums
    over its pairs: serial s / (workers x engine s) = busy share / extra CPU / the serial runs' cores,
    with extra CPU = the engine's CPU (every process under this one, cmdstan included) over the serial
    runs' (their process and its cmdstan runs) and busy share = the engine's CPU over workers x its
    seconds. Also recorded: the cores the engine used, idle, beside the serial runs (which had the other
    core to themselves but for that)."""
    from cluster.engine import open_engine
    from khlang.config import ClusterConfig

    block = synthetic_block(size.series, size.months).astype(np.float64)
    warm_block = block[:2 * workers]
    serial_runs, rows, machine = [], [], None
    with _SerialProcesses(size, workers if ceiling else 1) as processes:

        def serial_side() -> tuple:
            tree = _cpu_seconds()
            ((result, seconds, cpu),) = processes.run(1)
            serial_runs.append((result, seconds, cpu))
            # the last: what ran beside it, idle; CPU times count whole clock ticks, so a difference of
            # sums is rounded to the microsecond (an idle engine gave -2e-14 s, float noise, not time)
            return seconds, cpu, round(_cpu_seconds() - tree - cpu, 6)

        if ceiling:
            echo(f"prophet: serial runs and {workers} serial runs at once (separate processes, no engine), "
                 f"{size.repeats} pair(s) …")
            pairs = _alternated(size.repeats, serial_side, lambda: [run[1] for run in processes.run(workers)])
            rounds = [together for _, together in pairs]
            machine = {"workers": workers, "seconds": [x for together in rounds for x in together],
                       "serial_seconds": [alone[0] for alone, _ in pairs],
                       **_ratios([alone[0] for alone, _ in pairs], [float(np.mean(r)) for r in rounds], 1)}
        for address in engines:
            with open_engine(ClusterConfig(address=address, n_workers=workers)) as engine:
                label, n_workers = engine.kind, engine.n_workers()
                echo(f"prophet: {size.series} series, serially and on {label} with {n_workers} workers, "
                     f"{size.repeats} pair(s) …")
                # one series per task, two tasks a worker: each worker imports Prophet before the clock starts
                warm = _timed(warm_block, 1, engine)[1]
                first: list = []

                def engine_side(engine=engine, first=first) -> tuple:
                    tree = _cpu_seconds()
                    result, seconds = _timed(block, size.batch_size, engine)
                    first.append(result)
                    return seconds, _cpu_seconds() - tree

                pairs = _alternated(size.repeats, serial_side, engine_side)
            s, e = [alone[0] for alone, _ in pairs], [run[0] for _, run in pairs]
            serial_cpu, engine_cpu = sum(alone[1] for alone, _ in pairs), sum(run[1] for _, run in pairs)
            rows.append({"engine": label, "workers": n_workers, "warmup_s": warm, "seconds": e,
                         "median_s": float(np.median(e)), "s_per_series": float(np.median(e)) / size.series,
                         "serial_seconds": s, **_ratios(s, e, n_workers),
                         "pooled_efficiency": sum(s) / (n_workers * sum(e)),
                         "cpu_vs_serial": engine_cpu / serial_cpu, "busy_share": engine_cpu / (n_workers * sum(e)),
                         "serial_cores_used": serial_cpu / sum(s),
                         "idle_engine_cores": sum(alone[2] for alone, _ in pairs) / sum(s), "result": first[0]})
        if not serial_runs:  # no engine, no ceiling: serial runs alone
            for _ in range(size.repeats):
                serial_side()
        serial_warm = processes.warmup_s[0]
    reference = serial_runs[0][0]
    seconds = [run[1] for run in serial_runs]
    serial_median = float(np.median(seconds))
    serial_row = {"engine": "serial", "workers": 1, "warmup_s": serial_warm, "seconds": seconds,
                  "median_s": serial_median, "s_per_series": serial_median / size.series,
                  "same_forecasts": all(_same(run[0], reference) for run in serial_runs),
                  "cores_used": sum(run[2] for run in serial_runs) / sum(seconds)}
    for row in rows:
        row["same_forecasts"] = _same(row.pop("result"), reference)
    runs = [serial_row, *rows]
    return {"series": size.series, "months": size.months, "horizon": HORIZON, "batch_size": size.batch_size,
            "repeats": size.repeats, "serial_cores_used": serial_row["cores_used"],
            **({"machine_ceiling": machine} if machine else {}),
            "fallbacks": reference.n_fallbacks,
            "same_forecasts": all(row["same_forecasts"] for row in runs), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=SIZES["full"].series)
    parser.add_argument("--months", type=int, default=SIZES["full"].months)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=SIZES["full"].repeats)
    parser.add_argument("--batch-size", type=int, default=SIZES["full"].batch_size, help="series per task")
    args = parser.parse_args()

    from rich.table import Table

    from commands.progress import console
    from khlang.catalog import Catalog
    from khlang.config import load_settings
    from khlang.runtime import configure_runtime

    catalog = Catalog.from_settings(load_settings()).ensure()
    configure_runtime(catalog)  # temp files of cmdstanpy, Dask and Ray in the work folder
    size = ProphetSize(args.series, args.months, args.repeats, args.batch_size)
    figures = run_prophet(size, args.workers, echo=console.print)
    out = catalog.root / "benchmarks" / "prophet-cost.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))

    table = Table(title=f"Prophet: {size.series} series x {size.months} months, horizon {HORIZON}, "
                        f"{size.batch_size} series a task at most, median of {size.repeats} pairs")
    for column in ("engine", "workers", "warm-up s", "seconds", "spread", "s / series", "efficiency"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for row in figures["runs"]:
        efficiency = f"{row['efficiency']:.1%}" if "efficiency" in row else ""
        table.add_row(row["engine"], str(row["workers"]), f"{row['warmup_s']:.2f}", f"{row['median_s']:.2f}",
                      f"{min(row['seconds']):.2f}–{max(row['seconds']):.2f}", f"{row['s_per_series']:.4f}",
                      efficiency)
    console.print(table)
    console.print(f"fallbacks: {figures['fallbacks']}; same forecasts on every engine: {figures['same_forecasts']}; "
                  f"the serial run kept {figures['serial_cores_used']:.2f} cores busy (cmdstan included); "
                  f"{args.workers} serial runs at once, no engine: {figures['machine_ceiling']['efficiency']:.1%} "
                  f"efficient (this machine's ceiling)")  # main() always measures the ceiling
    for row in figures["runs"][1:]:
        console.print(f"{row['engine']}: CPU {row['cpu_vs_serial']:.2f}x the serial run's, its {row['workers']} cores "
                      f"{row['busy_share']:.1%} busy")
    console.print(f"written {out}")


if __name__ == "__main__":
    main()
