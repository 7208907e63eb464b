"""Raw tables in the three agency layouts (long, wide_metrics, wide_months): which records go in
which row and column, and the text of every cell once a style is chosen."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from khlang.domain.metrics import METRIC_NAMES
from pipelines.generate.render import display_year, format_codes, format_values, time_text
from pipelines.generate.scales import MonthAxis
from pipelines.generate.styles import FileStyle
from pipelines.headers import MONTH_COLUMN_ALIASES, headers_for

__all__ = ["RawTable", "DECIMALS", "long_table", "wide_metrics_table", "wide_months_table", "render_table",
           "row_text", "time_cells", "headers"]

DECIMALS = {"budget": 2, "waste": 3, "welfare": 0}
FISCAL_MONTHS = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)

@dataclass
class RawTable:
    """One file's records before text: rows x value columns of numbers (NaN = empty cell) with the
    key of every cell: unit (row_lao), metric (row_metric or col_metric), month (row_t, or row_fy and
    the column's fiscal month). Dirt adds text overrides and extra rows."""

    path: str  # relative to raw_dir, POSIX
    family: str
    layout: str  # long | wide_metrics | wide_months
    late: bool
    values: np.ndarray  # [row, value column]
    row_lao: np.ndarray  # index into the unit table
    row_t: np.ndarray | None = None  # month index (long, wide_metrics)
    row_fy: np.ndarray | None = None  # fiscal-year index (wide_months)
    row_metric: np.ndarray | None = None  # metric index (long, wide_months)
    col_metric: list[int] | None = None  # metric index per value column (wide_metrics)
    style: FileStyle | None = None
    overrides: dict[tuple[int, str], str] = field(default_factory=dict)  # (row, role) -> text
    extra_rows: list[tuple[float, dict[str, str]]] = field(default_factory=list)  # (sort key, role -> text)
    axis: MonthAxis | None = None  # the generated period the month and fiscal-year indexes count on (set with style)

    @property
    def months(self) -> MonthAxis:
        if self.axis is None:
            raise ValueError(f"{self.path}: the table's month axis was never set")
        return self.axis

    @property
    def n_rows(self) -> int:
        return len(self.row_lao)

    @property
    def value_roles(self) -> list[str]:
        if self.layout == "long":
            return ["value"]
        if self.layout == "wide_months":
            return [f"m{m:02d}" for m in FISCAL_MONTHS]
        return [METRIC_NAMES[k] for k in self.col_metric or []]

    def time_roles(self) -> list[str]:
        if self.layout == "wide_months":
            return ["fiscal_year"]
        return ["year", "month"] if self.style.period_style.startswith("year_month") else ["period"]

    def roles(self) -> list[str]:
        out = ["lao_code"] + (["lao_name"] if self.style.lao_name else [])
        out += ["item"] if self.layout in ("long", "wide_months") else []
        return out + self.time_roles() + self.value_roles

    def cell_key(self, row: int, col: int) -> tuple[int, int, int]:
        """(unit index, metric index, month index) of a value cell."""
        metric = int(self.row_metric[row]) if self.row_metric is not None else int(self.col_metric[col])
        t = int(self.row_t[row]) if self.row_t is not None else int(self.row_fy[row]) * 12 + col
        return int(self.row_lao[row]), metric, t

    def n_cells(self) -> int:
        return self.n_rows * len(self.roles())


def long_table(path: str, family: str, lao: np.ndarray, metric: np.ndarray, t: np.ndarray, values: np.ndarray,
               late: bool = False) -> RawTable:
    order = np.lexsort((metric, t, lao))
    return RawTable(path=path, family=family, layout="long", late=late, values=values[order, None],
                    row_lao=lao[order], row_t=t[order], row_metric=metric[order])


def wide_metrics_table(path: str, family: str, lao: np.ndarray, t: np.ndarray, metrics: list[int],
                       values: np.ndarray) -> RawTable:
    order = np.lexsort((t, lao))
    return RawTable(path=path, family=family, layout="wide_metrics", late=False, values=values[order],
                    row_lao=lao[order], row_t=t[order], col_metric=metrics)


def wide_months_table(path: str, family: str, lao: np.ndarray, fy: np.ndarray, metric: np.ndarray,
                      values: np.ndarray) -> RawTable:
    order = np.lexsort((metric, fy, lao))
    return RawTable(path=path, family=family, layout="wide_months", late=False, values=values[order],
                    row_lao=lao[order], row_fy=fy[order], row_metric=metric[order])


def headers(table: RawTable) -> list[str]:
    """Header text per role, in the file's language (from pipelines.headers' vocabulary)."""
    style = table.style
    vocab = headers_for(style.language)
    lang = 0 if style.language == "en" else 1
    out = []
    for role in table.roles():
        if role.startswith("m") and role[1:].isdigit():
            out.append(MONTH_COLUMN_ALIASES[int(role[1:])][lang])
        elif role == "year" and style.language == "th":
            out.append("ปี พ.ศ." if style.year_system == "BE" else "ปี ค.ศ.")
        else:
            out.append(vocab[role])
    return out


def time_cells(table: RawTable, rows: np.ndarray, shown_year: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Time column text for rows; `shown_year` replaces the displayed (calendar or fiscal) year."""
    style = table.style
    if table.layout == "wide_months":
        fy_be = table.months.first_fy + table.row_fy[rows]
        shown = (fy_be if style.year_system == "BE" else fy_be - 543) if shown_year is None else shown_year
        return {"fiscal_year": format_codes(np.asarray(shown).astype(int), style)}
    axis = table.months
    t = table.row_t[rows]
    shown = display_year(axis.year_ce[t].astype(int), style) if shown_year is None else shown_year
    return time_text(shown, axis.month[t], style)


def render_table(table: RawTable, units: pd.DataFrame) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """(header texts, cell text frame in final row order, final 0-based position of each original row)."""
    style = table.style
    rows = np.arange(table.n_rows)
    cells: dict[str, np.ndarray] = {"lao_code": format_codes(units["lao_code"].to_numpy()[table.row_lao], style)}
    if style.lao_name:
        cells["lao_name"] = units["name_th"].to_numpy()[table.row_lao].astype(object)
    if "item" in table.roles():
        vocab = headers_for(style.language)
        names = np.array([vocab[m] for m in METRIC_NAMES], dtype=object)
        cells["item"] = names[table.row_metric]
    cells.update(time_cells(table, rows))
    text = format_values(table.values, DECIMALS[table.family], style)
    for j, role in enumerate(table.value_roles):
        cells[role] = text[:, j]
    roles = table.roles()
    frame = pd.DataFrame({role: cells[role] for role in roles})
    for (row, role), value in table.overrides.items():
        frame.iat[row, roles.index(role)] = value
    keys = rows.astype(float)
    if table.extra_rows:
        extra = pd.DataFrame([{r: d.get(r, "") for r in roles} for _, d in table.extra_rows], columns=roles)
        frame = pd.concat([frame, extra], ignore_index=True)
        keys = np.concatenate([keys, [k for k, _ in table.extra_rows]])
    order = np.argsort(keys, kind="stable")
    position = np.empty(len(keys), dtype=np.int64)
    position[order] = np.arange(len(keys))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.columns = headers(table)
    return list(frame.columns), frame, position


def row_text(table: RawTable, units: pd.DataFrame, row: int) -> dict[str, str]:
    """Role -> text of one original row as written (overrides included)."""
    style = table.style
    rows = np.array([row])
    out = {"lao_code": format_codes(units["lao_code"].to_numpy()[table.row_lao[rows]], style)[0]}
    if style.lao_name:
        out["lao_name"] = units["name_th"].to_numpy()[table.row_lao[row]]
    if table.row_metric is not None:
        out["item"] = headers_for(style.language)[METRIC_NAMES[int(table.row_metric[row])]]
    out.update({k: v[0] for k, v in time_cells(table, rows).items()})
    text = format_values(table.values[row:row + 1], DECIMALS[table.family], style)[0]
    out.update(dict(zip(table.value_roles, text, strict=True)))
    out.update({role: v for (r, role), v in table.overrides.items() if r == row})
    return out
