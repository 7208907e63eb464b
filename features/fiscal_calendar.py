"""Calendar features of a month-index time axis (months since January 1970), Thai fiscal year
(1 October - 30 September). Each is a float32 [month] vector, shared by every series of a panel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CALENDAR_FEATURE_NAMES", "SONGKRAN_MONTH", "NEW_YEAR_MONTH", "calendar_features"]

SONGKRAN_MONTH = 4  # April: Thai New Year (13-15 April), a month of closed offices and travel
NEW_YEAR_MONTH = 1  # January: the international New Year holiday

CALENDAR_FEATURE_NAMES = (
    "month_of_year", "fiscal_month", "fiscal_quarter", "months_to_fiscal_year_end",
    "is_songkran_month", "is_new_year_month",
)


def calendar_features(month_index: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
    """Name -> float32 [month] vector for each of CALENDAR_FEATURE_NAMES (month numbers 1-12, flags 0/1)."""
    index = np.asarray(month_index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError("a time axis is a 1-D array of integer month indices")
    month = index.astype(np.int64) % 12 + 1  # floor modulo: months before 1970 work too
    # the same arithmetic as khlang.domain.calendar, vectorised (its tests pin the two together)
    fiscal_month = (month - 10) % 12 + 1
    columns = {
        "month_of_year": month,
        "fiscal_month": fiscal_month,
        "fiscal_quarter": (fiscal_month - 1) // 3 + 1,
        "months_to_fiscal_year_end": 12 - fiscal_month,
        "is_songkran_month": month == SONGKRAN_MONTH,
        "is_new_year_month": month == NEW_YEAR_MONTH,
    }
    return {name: columns[name].astype(np.float32) for name in CALENDAR_FEATURE_NAMES}
