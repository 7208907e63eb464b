"""One step ahead: the work of the next item runs in a thread while the caller handles this one's result.

Training uses it so the cluster never waits on the client: while the client assembles a metric (choice,
reconciliation, intervals) and logs and registers a family to MLflow, the cluster already fits the next
metric, and a second metric's tasks wait in the cluster's queue behind the first one's. The results come in
the items' order, each once; an error of an item's work is raised where its result would have been handed
over, and nothing more is started.

    >>> [(item, result) for item, result in ahead([1, 2, 3], lambda n: n * n)]
    [(1, 1), (2, 4), (3, 9)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["ahead"]

T = TypeVar("T")
R = TypeVar("R")


def ahead(items: Sequence[T], work: Callable[[T], R], depth: int = 1) -> Iterator[tuple[T, R]]:
    """(item, work(item)) in order; the work of the next `depth` items runs in background threads while the
    caller handles the pair it was given (depth 2: a second map is queued on the cluster, so its tasks fill
    the workers the first one's last tasks leave idle). Closing the iterator early waits for the work in
    flight and starts no more."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1; got {depth!r}")
    if not items:
        return
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="khlang-ahead") as pool:
        flight = deque(pool.submit(work, item) for item in items[:depth])
        for position, item in enumerate(items):
            result = flight.popleft().result()
            if position + depth < len(items):
                flight.append(pool.submit(work, items[position + depth]))
            yield item, result
