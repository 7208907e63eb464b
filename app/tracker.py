"""The budget tracker's arithmetic: disbursement so far in a fiscal year against the usual fiscal-year curve.

The usual curve of a unit is, per fiscal month (1 = October … 12 = September), the median share of the
year's total disbursed by the end of that month over its last complete fiscal years. A LAO is lagging
when the share of last year's total it has disbursed by the cut-off month falls short of its usual share
by more than the tolerance (percentage points), overspending when it exceeds it by more."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.calendar import fiscal_month

__all__ = ["STATUSES", "monthly_by_fiscal_month", "usual_curve", "track_units", "cumulative_paths"]

STATUSES = ("lagging", "on_track", "overspending", "no_history")
_YEARS = 5  # complete fiscal years behind a usual curve


def monthly_by_fiscal_month(points: pd.DataFrame) -> pd.DataFrame:
    """[fiscal_year x fiscal month 1..12] of the values of one unit (points: date, fiscal_year, value)."""
    if points.empty:
        return pd.DataFrame(columns=range(1, 13), dtype=float)
    dates = pd.to_datetime(points["date"])
    frame = pd.DataFrame({"fiscal_year": points["fiscal_year"].astype(int),
                          "fm": [fiscal_month(m) for m in dates.dt.month], "value": points["value"].astype(float)})
    return frame.pivot_table(index="fiscal_year", columns="fm", values="value", aggfunc="sum").reindex(
        columns=range(1, 13))


def usual_curve(table: pd.DataFrame, before_fy: int, years: int = _YEARS) -> tuple[np.ndarray, list[int]]:
    """The median cumulative share (0..1) by fiscal month over the last `years` complete fiscal years
    before `before_fy`, and those years; all NaN when there is none."""
    complete = table[(table.index < before_fy) & table.notna().all(axis=1)].tail(years)
    totals = complete.sum(axis=1)
    complete = complete[totals > 0]
    if complete.empty:
        return np.full(12, np.nan), []
    shares = complete.cumsum(axis=1).div(complete.sum(axis=1), axis=0)
    return shares.median(axis=0).to_numpy(dtype=float), [int(y) for y in complete.index]


def track_units(points: pd.DataFrame, fiscal_year: int, cutoff: int, tolerance_pp: float = 10.0) -> pd.DataFrame:
    """Per unit `code` of `points` (code, date, fiscal_year, value): disbursed so far (months 1..cutoff of
    `fiscal_year`), last year's total, actual and usual share of it by the cut-off, the gap in percentage
    points, the pace projection of the year-end (so far / usual share) and the status; `no_history` when
    last year is incomplete (nothing to compare with)."""
    rows = []
    for code, unit_points in points.groupby("code", sort=True):
        table = monthly_by_fiscal_month(unit_points)
        curve, years = usual_curve(table, fiscal_year)
        this = table.loc[fiscal_year] if fiscal_year in table.index else pd.Series(np.nan, index=range(1, 13))
        so_far = float(this.loc[1:cutoff].sum(min_count=1)) if cutoff >= 1 else 0.0
        last = table.loc[fiscal_year - 1] if fiscal_year - 1 in table.index else None
        last_total = float(last.sum()) if last is not None and last.notna().all() else np.nan
        usual = float(curve[cutoff - 1]) if cutoff >= 1 else 0.0
        actual_share = so_far / last_total if last_total and last_total > 0 else np.nan
        gap_pp = (actual_share - usual) * 100.0
        if np.isnan(gap_pp):
            status = "no_history"
        elif gap_pp < -tolerance_pp:
            status = "lagging"
        elif gap_pp > tolerance_pp:
            status = "overspending"
        else:
            status = "on_track"
        rows.append({"code": code, "so_far": so_far, "months_reported": int(this.loc[1:cutoff].notna().sum()),
                     "last_year_total": last_total, "expected_so_far": usual * last_total,
                     "actual_share": actual_share, "usual_share": usual, "gap_pp": gap_pp,
                     "projected_year_end": so_far / usual if usual > 0 else np.nan, "status": status,
                     "curve_years": len(years)})
    return pd.DataFrame(rows, columns=["code", "so_far", "months_reported", "last_year_total", "expected_so_far",
                                       "actual_share", "usual_share", "gap_pp", "projected_year_end", "status",
                                       "curve_years"])


def cumulative_paths(history: pd.DataFrame, forecast: pd.DataFrame, fiscal_year: int, cutoff: int,
                     curve: np.ndarray, reference_total: float) -> pd.DataFrame:
    """Long frame (fiscal_month, series, value) of one unit's cumulative disbursement in `fiscal_year`:
    'actual' (months 1..cutoff), 'usual' (the usual curve x reference_total, 12 months) and 'forecast'
    (the actual cumulative at the cut-off plus the forecast of later months of the year, when published);
    when the forecast starts after the year, 'next_forecast': the following year's forecast path."""
    parts = []
    table = monthly_by_fiscal_month(history)
    if fiscal_year in table.index and cutoff >= 1:
        actual = table.loc[fiscal_year, 1:cutoff].cumsum()
        parts.append(pd.DataFrame({"fiscal_month": actual.index, "series": "actual", "value": actual.to_numpy()}))
        start = float(actual.iloc[-1])
    else:
        start = 0.0
    if reference_total and not np.isnan(reference_total) and not np.isnan(curve).all():
        parts.append(pd.DataFrame({"fiscal_month": range(1, 13), "series": "usual",
                                   "value": np.asarray(curve) * reference_total}))
    if not forecast.empty:
        later = monthly_by_fiscal_month(forecast)
        if fiscal_year in later.index:
            months = later.loc[fiscal_year].dropna()
            months = months[months.index > cutoff]
            if len(months):
                path = start + months.cumsum()
                parts.append(pd.DataFrame({"fiscal_month": [cutoff, *path.index],
                                           "series": "forecast", "value": [start, *path.to_numpy()]}))
        elif fiscal_year + 1 in later.index:
            path = later.loc[fiscal_year + 1].dropna().cumsum()
            parts.append(pd.DataFrame({"fiscal_month": [0, *path.index], "series": "next_forecast",
                                       "value": [0.0, *path.to_numpy()]}))
    if not parts:
        return pd.DataFrame(columns=["fiscal_month", "series", "value"])
    return pd.concat(parts, ignore_index=True)
