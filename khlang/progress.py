"""Rich progress bars for long stages: a `progress(stage, done, total)` callback the stages call."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["ProgressCallback", "progress_bars", "console"]

ProgressCallback = Callable[[str, int, int], None]
# Piped output (CI logs, `make demo | tee`) gets a wide fixed width instead of 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)


@contextlib.contextmanager
def progress_bars() -> Iterator[ProgressCallback]:
    """One bar per stage name; stages report (stage, done, total) as work finishes."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bars:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield report
