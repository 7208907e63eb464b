"""`khlang bench`: the benchmark suite (benchmarks.suite) from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commands.progress import console

__all__ = ["bench"]


def bench(
    quick: Annotated[bool, typer.Option("--quick", help="small sizes: under 3 minutes")] = False,
    smoke: Annotated[bool, typer.Option("--smoke", help="tiny sizes, no targets judged (what make test runs)")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="a section: features, prophet, api, fuzz, refresh (repeatable)")] = None,
    work_dir: Annotated[Path | None, typer.Option("--work-dir", help="a work folder with published forecasts "
                                                  "(api, refresh); default: the configured one")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="where JSON, Markdown and plots go; default "
                                             "<work folder>/benchmarks")] = None,
) -> None:
    """Every benchmark beside its peers and targets: JSON, a Markdown table and PNG plots."""
    from benchmarks.suite import SECTIONS, run_suite
    from khlang.catalog import Catalog
    from khlang.config import load_settings
    from khlang.runtime import configure_runtime

    if quick and smoke:
        raise typer.BadParameter("--quick or --smoke, not both")
    settings = load_settings() if work_dir is None else load_settings().with_work_dir(work_dir.resolve())
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    mode = "smoke" if smoke else "quick" if quick else "full"
    target = (out or catalog.root / "benchmarks").resolve()
    try:
        report = run_suite(mode, target, catalog.root, tuple(only or SECTIONS), echo=console.print)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    console.print((target / "bench.md").read_text())
    console.print(f"written {target / 'bench.json'}, {target / 'bench.md'}"
                  + "".join(f", {target / p}" for p in report["plots"]))
