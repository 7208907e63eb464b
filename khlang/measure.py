"""Wall time and peak memory of this process and every process it started (cluster workers included)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil

__all__ = ["Measurement", "measure"]


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_rss_bytes: int = 0  # largest sum of RSS over the process tree, sampled every 0.2 s
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_bytes / 2**30


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


class measure:  # noqa: N801 - used as `with measure() as m:`
    """Context manager: `with measure() as m: ...` then m.seconds, m.peak_rss_gib."""

    def __init__(self, interval: float = 0.2) -> None:
        self.result = Measurement()
        self._interval = interval

    def _sample(self) -> None:
        proc = psutil.Process()
        while not self.result._stop.wait(self._interval):
            self.result.peak_rss_bytes = max(self.result.peak_rss_bytes, _tree_rss(proc))

    def __enter__(self) -> Measurement:
        self._t0 = time.perf_counter()
        self.result.peak_rss_bytes = _tree_rss(psutil.Process())
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self.result

    def __exit__(self, *exc: object) -> None:
        self.result._stop.set()
        self._thread.join()
        # and once more at the end: what the measured work still holds (its result) counts however short it ran
        self.result.peak_rss_bytes = max(self.result.peak_rss_bytes, _tree_rss(psutil.Process()))
        self.result.seconds = time.perf_counter() - self._t0
