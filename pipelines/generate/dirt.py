"""Dirty records injected on purpose, each logged with the file, line and column it sits in:
bad codes, non-numeric / negative / far out-of-range values, BE/CE mix-ups, future periods,
and duplicates (exact, across files, conflicting)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from khlang.domain.metrics import METRIC_NAMES, METRICS
from pipelines.generate.layouts import DECIMALS, RawTable, long_table, row_text, time_cells
from pipelines.generate.render import display_year, format_codes, format_values

__all__ = ["DIRT_KINDS", "EXPECTED_REASON", "DirtEntry", "inject_dirt"]

# kind -> the quarantine reason (pipelines.schema.REASONS) ingest should give it.
EXPECTED_REASON = {
    "unknown_lao_code": "unknown_lao_code",
    "invalid_lao_code": "invalid_lao_code",
    "non_numeric_value": "non_numeric_value",
    "negative_value": "negative_value",
    "out_of_range": "out_of_range",
    "be_ce_mixup": "year_out_of_range",
    "future_period": "future_period",
    "duplicate_row": "duplicate_row",
    "duplicate_across_files": "duplicate_row",  # or duplicate_of_stored when the late file comes later
    "conflicting_duplicate": "conflicting_duplicate",
}
DIRT_KINDS = tuple(EXPECTED_REASON)
_NON_NUMERIC = ("n/a", "abc", "#VALUE!", "x", "N/A")
_FUTURE_BE = 2572


@dataclass(frozen=True)
class DirtEntry:
    """One dirty record. `row` is the table's original row, or -1 - k for its k-th extra row."""

    table: int
    row: int
    role: str
    kind: str
    lao: int  # the true unit, metric and month the record was made from
    metric: int
    t: int
    written: str


def _unknown_code(code: str, register: set[str], rng: np.random.Generator) -> str:
    for _ in range(100):
        candidate = f"{rng.choice(list('456'))}{code[1:5]}{rng.integers(70, 100):02d}"
        if candidate not in register:
            return candidate
    raise RuntimeError(f"no free code near {code}")


def _invalid_code(code: str, bad_provinces: list[str], rng: np.random.Generator) -> str:
    variant = rng.integers(3)
    if variant == 0:
        return code[:-1]  # 6 digits
    if variant == 1:
        return code + str(rng.integers(10))  # 8 digits
    return code[0] + bad_provinces[rng.integers(len(bad_provinces))] + code[3:]  # no such province


class _Injector:
    def __init__(self, tables: list[RawTable], units: pd.DataFrame, late_of: dict[int, int],
                 province_codes: set[str], register: set[str], rng: np.random.Generator) -> None:
        self.tables, self.units, self.late_of, self.rng, self.register = tables, units, late_of, rng, register
        self.codes = units["lao_code"].to_numpy()
        self.bad_provinces = sorted({f"{i:02d}" for i in range(100)} - province_codes)
        self.used: set[tuple[int, int]] = set()
        self.entries: list[DirtEntry] = []

    def _value_text(self, table: RawTable, value: float) -> str:
        return format_values(np.array([value]), DECIMALS[table.family], table.style)[0]

    def _row_entries(self, ti: int, row: int, kind: str, written: str, extra: int | None = None) -> int:
        table = self.tables[ti]
        cols = np.flatnonzero(np.isfinite(table.values[row]))
        for c in cols:
            lao, metric, t = table.cell_key(row, int(c))
            self.entries.append(DirtEntry(ti, row if extra is None else -1 - extra, table.value_roles[c], kind,
                                          lao, metric, t, written))
        return len(cols)

    def apply(self, kind: str, ti: int, row: int) -> int:
        table, rng = self.tables[ti], self.rng
        present = np.flatnonzero(np.isfinite(table.values[row]))
        if kind in ("unknown_lao_code", "invalid_lao_code"):
            code = self.codes[table.row_lao[row]]
            bad = (_unknown_code(code, self.register, rng) if kind == "unknown_lao_code"
                   else _invalid_code(code, self.bad_provinces, rng))
            text = format_codes(np.array([bad]), table.style)[0]
            table.overrides[(row, "lao_code")] = text
            return self._row_entries(ti, row, kind, text)
        if kind in ("be_ce_mixup", "future_period"):
            if table.layout == "wide_months":
                fy_be = table.months.first_fy + int(table.row_fy[row])
                shown = fy_be if table.style.year_system == "BE" else fy_be - 543
            else:
                shown = int(display_year(int(table.months.year_ce[table.row_t[row]]), table.style))
            if kind == "be_ce_mixup":
                shown = shown + 543 if table.style.year_system == "BE" else shown - 543
            else:
                shown = _FUTURE_BE if table.style.year_system == "BE" else _FUTURE_BE - 543
            cells = time_cells(table, np.array([row]), shown_year=np.array([shown]))
            for role, text in cells.items():
                table.overrides[(row, role)] = text[0]
            return self._row_entries(ti, row, kind, " ".join(str(v[0]) for v in cells.values()))
        if kind in ("duplicate_row", "conflicting_duplicate"):
            copy = row_text(table, self.units, row)
            if kind == "conflicting_duplicate":
                for c in present:
                    v = table.values[row, c]
                    new = v * rng.uniform(1.05, 1.4) if v >= 10 else v + rng.integers(1, 10)
                    copy[table.value_roles[c]] = self._value_text(table, round(float(new), DECIMALS[table.family]))
            table.extra_rows.append((row + 0.5, copy))
            return self._row_entries(ti, row, kind, "row copy", extra=len(table.extra_rows) - 1)
        col = int(rng.choice(present))
        role = table.value_roles[col]
        lao, metric, t = table.cell_key(row, col)
        value = float(table.values[row, col])
        if kind == "duplicate_across_files":
            li = self.late_of[ti]
            late = self.tables[li]
            one = long_table(late.path, late.family, np.array([lao]), np.array([metric]), np.array([t]),
                             np.array([value]))
            one.style, one.axis = late.style, late.axis
            late.extra_rows.append((late.n_rows + len(late.extra_rows), row_text(one, self.units, 0)))
            text = row_text(one, self.units, 0)["value"]
            self.entries.append(DirtEntry(li, -len(late.extra_rows), "value", kind, lao, metric, t, text))
            return 1
        if kind == "non_numeric_value":
            text = str(rng.choice(_NON_NUMERIC))
        elif kind == "negative_value":
            text = self._value_text(table, -value)
        else:  # out_of_range
            big = max(abs(value), 1.0) * 1e6
            limit = METRICS[METRIC_NAMES[metric]].max_per_lao
            text = self._value_text(table, big if big > 2 * limit else limit * rng.uniform(2, 10))
        table.overrides[(row, role)] = text
        self.entries.append(DirtEntry(ti, row, role, kind, lao, metric, t, text))
        return 1

    def pick(self, kind: str, weights: np.ndarray) -> tuple[int, int] | None:
        for _ in range(50):
            ti = int(self.rng.choice(len(self.tables), p=weights))
            table = self.tables[ti]
            if kind == "duplicate_across_files" and ti not in self.late_of:
                continue
            row = int(self.rng.integers(table.n_rows))
            values = table.values[row]
            ok = np.isfinite(values).any()
            if kind == "negative_value":
                ok = (values > 0).any()
            if ok and (ti, row) not in self.used:
                return ti, row
        return None


def inject_dirt(tables: list[RawTable], units: pd.DataFrame, late_of: dict[int, int], province_codes: set[str],
                register: set[str], dirty_share: float, rng: np.random.Generator) -> list[DirtEntry]:
    """Make about `dirty_share` of the records dirty (each kind at least once when the share > 0).
    Tables get text overrides and extra rows; `late_of` maps a main table to its family's late table."""
    if dirty_share <= 0:
        return []
    records = np.array([np.isfinite(t.values).sum() for t in tables], dtype=float)
    target = dirty_share * records.sum()
    injector = _Injector(tables, units, late_of, province_codes, register, rng)
    weights = records / records.sum()
    affected, seen = 0, set()
    kinds = list(DIRT_KINDS)
    while affected < target or len(seen) < len(DIRT_KINDS):
        rng.shuffle(kinds)
        for kind in kinds:
            if len(seen) == len(DIRT_KINDS) and affected >= target:
                break
            place = injector.pick(kind, weights)
            if place is None:
                continue
            ti, row = place
            injector.used.add((ti, row))  # one kind per row; duplicates copy clean rows
            affected += injector.apply(kind, ti, row)
            seen.add(kind)
    return injector.entries
