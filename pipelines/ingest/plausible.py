"""Values implausible against their own unit's history: a jump of orders of magnitude.

`16,583` in a tonnes/day column of a sub-district municipality whose other months are about 17 is read,
correctly by the file's own convention, as sixteen thousand: a decimal comma, or a unit slip. Each
record of the smooth families (waste, welfare: levels that move by percents from month to month; budget
spending is lumpy by nature, one month of investment can be many times the median) is compared with the
median of the same unit and metric: over the stored months of this and the previous fiscal year where
there are at least MIN_HISTORY, else over the unit's records of this batch. A value JUMP times
above or below it is quarantined as `implausible_jump`, its detail naming the median; where the text
reads as a thousands comma (`16,583`) and the value with a decimal comma (16.583) would be in line, the
detail says so. A unit with no history of its own is not judged here: out_of_range caps it by its type and
size (khlang.domain.metrics.unit_ceiling), naming the decimal-comma reading the same way."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from khlang.domain.metrics import METRICS

__all__ = ["JUMP", "MIN_HISTORY", "JUDGED_FAMILIES", "decimal_comma_note", "decimal_comma_reading", "implausible_jumps"]

JUMP = 100.0  # two orders of magnitude
MIN_HISTORY = 3  # months of the unit's own before its median is a reference
JUDGED_FAMILIES = ("waste", "welfare")
_THOUSANDS = re.compile(r"^\s*\d{1,3},\d{3}\s*$")
_IN_LINE = 10.0  # the decimal-comma reading is named when it is within this factor of the median


def decimal_comma_reading(text: object) -> float | None:
    """16.583 for '16,583' (one comma before three digits: read as a thousands separator, it could have been
    a decimal comma); None for any other text."""
    if isinstance(text, str) and _THOUSANDS.match(text):
        return float(text.strip().replace(",", "."))
    return None


def decimal_comma_note(decimal: float) -> str:
    """What a quarantine detail adds where the text could have been meant with a decimal comma."""
    return (f"; the comma reads as a thousands separator: if it was a decimal comma ({decimal:g}), "
            "write the value with a decimal point")


def _reference(kept: pd.DataFrame, history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(median, months it is over) per kept row: the unit's stored history where long enough, else the
    unit's records in this batch (itself among them: with more than MIN_HISTORY of them, one slip does
    not move their median)."""
    batch = kept.groupby("lao_code")["value"]
    count = batch.transform("count").to_numpy()
    usable = count > MIN_HISTORY
    median = np.where(usable, batch.transform("median").to_numpy(dtype=np.float64), np.nan)
    count = np.where(usable, count, 0)
    if len(history):
        stored = history.groupby("lao_code")["value"].agg(["median", "count"]).reindex(kept["lao_code"].to_numpy())
        long_enough = stored["count"].fillna(0).to_numpy() >= MIN_HISTORY
        median = np.where(long_enough, stored["median"].to_numpy(dtype=np.float64), median)
        count = np.where(long_enough, stored["count"].fillna(0).to_numpy(), count)
    return median, count.astype(np.int64)


def implausible_jumps(kept: pd.DataFrame, history: pd.DataFrame, metric: str) -> tuple[np.ndarray, list[str]]:
    """(bool mask over `kept`, a detail per flagged row). `kept` has lao_code, value and value_text;
    `history` the unit's stored records of the metric (lao_code, value)."""
    flagged = np.zeros(len(kept), dtype=bool)
    if METRICS[metric].family not in JUDGED_FAMILIES or kept.empty:
        return flagged, []
    kept = kept.reset_index(drop=True)
    median, months = _reference(kept, history)
    value = kept["value"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = value / median
    judged = (months >= MIN_HISTORY) & (median > 0)
    flagged = judged & ((ratio >= JUMP) | ((value > 0) & (ratio <= 1 / JUMP)))
    unit = METRICS[metric].unit
    details = []
    for i in np.flatnonzero(flagged):
        text = kept["value_text"].iat[i]
        times = f"{ratio[i]:,.0f} times" if ratio[i] >= 1 else f"1/{1 / ratio[i]:,.0f} of"
        detail = (f"{metric} value {text!r} = {value[i]:,.6g} {unit} is {times} this unit's median of "
                  f"{median[i]:,.4g} over {months[i]} months: a jump of orders of magnitude")
        decimal = decimal_comma_reading(text)
        if decimal is not None and 1 / _IN_LINE <= decimal / median[i] <= _IN_LINE:
            detail += decimal_comma_note(decimal)
        details.append(detail)
    return flagged, details
