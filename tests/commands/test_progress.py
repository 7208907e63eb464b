"""commands.progress: away from a terminal (a log file, CI, cron) a status and the bars print one line per
finished step, where rich's spinner and bars would print nothing until the end; on a terminal, rich's own."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from commands.progress import progress_bars, status


def _piped() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def test_a_status_prints_its_steps_without_a_terminal() -> None:
    console, out = _piped()
    with status("training [bold]waste[/]", console) as spinner:
        spinner.update("waste_generated: backtest [origin 1]")
        spinner.update("waste_generated: backtest [origin 1]")  # the same step again: no new line
        for done in range(1, 4):
            spinner.update(f"read: {done}/3")  # a count: only once complete
        spinner.update("waste_generated: reconcile")
    lines = out.getvalue().splitlines()
    assert lines[0] == "training waste …"
    assert [line.rsplit(" (", 1)[0] for line in lines[1:]] == [
        "waste_generated: backtest [origin 1]", "read: 3/3", "waste_generated: reconcile", "training waste: done"]
    assert all(line.endswith(" s)") for line in lines[1:])


def test_a_status_that_fails_says_so() -> None:
    console, out = _piped()
    with pytest.raises(KeyError), status("publishing forecasts", console):
        raise KeyError("x")
    assert out.getvalue().splitlines()[-1].startswith("publishing forecasts: stopped by KeyError")


def test_bars_print_one_line_per_finished_stage_without_a_terminal() -> None:
    console, out = _piped()
    with progress_bars(console) as progress:
        for done in range(0, 1001, 250):
            progress("merge", done, 1000)
        progress("read", 5, 5)
        progress("read", 5, 5)
    assert [line.rsplit(" (", 1)[0] for line in out.getvalue().splitlines()] == ["merge: 1,000/1,000", "read: 5/5"]


def test_on_a_terminal_rich_draws_them() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with status("starting the API", console) as spinner:
        assert type(spinner).__name__ == "Status"  # rich's spinner
    with progress_bars(console) as progress:
        progress("read", 2, 2)
    assert "read" in out.getvalue() and "2/2" in out.getvalue()
