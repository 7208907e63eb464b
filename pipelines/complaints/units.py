"""Who answers a complaint inside its LAO: the unit responsible for a problem type in an LAO of a type.

The mapping is a CSV a province can edit (columns lao_type, problem_type, unit_th, unit_en; `*` matches any):
Khlang's own is pipelines/complaints/responsible_units.csv, another is named by `[complaints] units_file`.
The most specific row wins: (type, problem) before (type, *) before (*, problem) before (*, *). A case with
several problem types goes to the unit of its first type that has a specific row."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

__all__ = ["DEFAULT_UNITS_FILE", "UnitsFileError", "load_units", "responsible_unit"]

DEFAULT_UNITS_FILE = Path(__file__).with_name("responsible_units.csv")
_COLUMNS = ("lao_type", "problem_type", "unit_th", "unit_en")


class UnitsFileError(ValueError):
    """The mapping file cannot be used (missing columns, no catch-all row)."""


@functools.lru_cache(maxsize=4)
def load_units(path: Path = DEFAULT_UNITS_FILE) -> dict[tuple[str, str], tuple[str, str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise UnitsFileError(f"{path}: lacks the column(s) {', '.join(missing)}")
    table = {(r.lao_type.strip(), r.problem_type.strip()): (r.unit_th.strip(), r.unit_en.strip())
             for r in frame.itertuples()}
    if ("*", "*") not in table:
        raise UnitsFileError(f"{path}: needs a catch-all row '*,*' (the unit when nothing more specific applies)")
    return table


def responsible_unit(lao_type: str | None, types: str, table: dict[tuple[str, str], tuple[str, str]]
                     ) -> tuple[str, str]:
    """(unit_th, unit_en) for an LAO type and comma-separated problem types."""
    lao_type = lao_type or "*"
    problems = [t.strip() for t in (types or "").split(",") if t.strip()] or ["*"]
    for key in [*((lao_type, p) for p in problems), (lao_type, "*"), *(("*", p) for p in problems)]:
        if key in table:
            return table[key]
    return table[("*", "*")]
