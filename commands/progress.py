"""What a long command shows while it runs: `status(message)` (a spinner whose text the stage updates) and
`progress_bars()` (a `progress(stage, done, total)` callback the stages call).

On a terminal these are rich's spinner and bars. Elsewhere (a log file, CI, a cron job, `make demo | tee`)
a spinner and bars print nothing until the end, so the same calls print one line per finished step
instead: the status's message when it starts, each step it is told about (a count such as `read: 3/40`
only once complete), and every line with the seconds since the status began."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["ProgressCallback", "progress_bars", "status", "console"]

ProgressCallback = Callable[[str, int, int], None]
# Piped output (CI logs, `make demo | tee`) gets a wide fixed width instead of 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
_COUNT = re.compile(r"(\d[\d,]*)\s*/\s*(\d[\d,]*)\s*\)?\s*$")  # "stage: 3/40" at the end of a step's text


class _StepLines:
    """A status for a console that is not a terminal: one printed line per step (module docstring)."""

    def __init__(self, message: str, out: Console) -> None:
        self.message, self.out = message, out
        self.started = time.perf_counter()
        self.last: str | None = None

    def _say(self, text: str) -> None:
        self.out.print(f"{text} [dim]({time.perf_counter() - self.started:,.0f} s)[/]", highlight=False)

    def update(self, text: str) -> None:
        count = _COUNT.search(text)
        if text == self.last or (count and count.group(1) != count.group(2)):
            return
        self.last = text
        self._say(escape(text))

    def __enter__(self) -> _StepLines:
        self.started = time.perf_counter()
        self.out.print(f"{self.message} …", highlight=False)
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        self._say(f"{self.message}: {'done' if kind is None else 'stopped by ' + escape(kind.__name__)}")


def status(message: str, out: Console | None = None) -> Any:
    """A context manager with `.update(text)`: rich's spinner on a terminal, else one line per step."""
    out = out or console
    return out.status(message) if out.is_terminal else _StepLines(message, out)


@contextlib.contextmanager
def progress_bars(out: Console | None = None) -> Iterator[ProgressCallback]:
    """One bar per stage name; stages report (stage, done, total) as work finishes. Not on a terminal:
    one line per stage when its work is complete."""
    out = out or console
    if not out.is_terminal:
        started, finished = time.perf_counter(), set()

        def say(stage: str, done: int, total: int) -> None:
            if done >= total and stage not in finished:
                finished.add(stage)
                out.print(f"{escape(stage)}: {done:,}/{total:,} [dim]({time.perf_counter() - started:,.0f} s)[/]",
                          highlight=False)

        yield say
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=out, transient=False) as bars:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield report
