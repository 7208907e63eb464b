"""What a scale covers (which provinces) and the generated period (by default FY2557..FY2568, monthly;
an earlier first fiscal year makes a longer history of the same units, e.g. 2545 for twice the years)."""

from __future__ import annotations

import numpy as np

from khlang.config import GenerateConfig

__all__ = ["SCALES", "FIRST_FY", "LAST_FY", "EARLIEST_FIRST_FY", "LATEST_FIRST_FY", "N_MONTHS", "MonthAxis", "month_axis", "provinces_of_scale"]

# None = every province. tiny: Phuket (19 units of five types, a tourist province).
# small: one province per region, with two tourist ones (Phuket, Trat) and no Bangkok.
SCALES: dict[str, tuple[str, ...] | None] = {
    "tiny": ("83",),
    "small": ("83", "23", "58", "37", "75"),
    "thailand": None,
}
FIRST_FY, LAST_FY = GenerateConfig.first_fy, 2568  # by default Oct 2013 .. Sep 2025
N_MONTHS = (LAST_FY - FIRST_FY + 1) * 12
# The simulation is calibrated on FY2565-2566 and holds the FY2563 budget delay and COVID-19 (2020-2023):
# the generated period must contain them. The ingest refuses fiscal years before its first_fiscal_year.
EARLIEST_FIRST_FY, LATEST_FIRST_FY = GenerateConfig.FIRST_FY_RANGE


class MonthAxis:
    """The dense monthly time axis: position t = 0 is October of the CE year before first_fy's, the first
    month of FY first_fy (default FY2557: October 2013); the last month is September of FY2568."""

    def __init__(self, first_fy: int = FIRST_FY) -> None:
        if not EARLIEST_FIRST_FY <= first_fy <= LATEST_FIRST_FY:
            raise ValueError(f"the generated period must start between FY{EARLIEST_FIRST_FY} and FY{LATEST_FIRST_FY} (it must hold "
                             f"the calibrated FY2565 and the 2020-2023 events); got FY{first_fy}")
        self.first_fy = first_fy
        self.n = (LAST_FY - first_fy + 1) * 12
        t = np.arange(self.n)
        self.year_ce = (first_fy - 544 + (t + 9) // 12).astype(np.int16)  # calendar year, CE
        self.month = ((t + 9) % 12 + 1).astype(np.int8)  # calendar month 1..12
        self.fy_be = (first_fy + t // 12).astype(np.int16)  # fiscal year, BE
        self.fiscal_month = (t % 12 + 1).astype(np.int8)  # 1 = October
        self.days = (np.array([f"{y}-{m:02d}-01" for y, m in zip(self.year_ce, self.month, strict=True)],
                              dtype="datetime64[D]").astype(np.int32))  # date32 days since epoch

    def fiscal_years(self) -> np.ndarray:
        return np.arange(self.first_fy, LAST_FY + 1, dtype=np.int16)

    def index_of(self, year_ce: int, month: int) -> int:
        """Position of a calendar month on the axis (negative or past the end when outside it)."""
        return (year_ce - int(self.year_ce[0])) * 12 + month - 10


def month_axis(first_fy: int = FIRST_FY) -> MonthAxis:
    return MonthAxis(first_fy)


def provinces_of_scale(scale: str, all_codes: list[str]) -> list[str]:
    """Province codes a scale covers; ValueError names the known scales."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    chosen = SCALES[scale]
    return sorted(all_codes) if chosen is None else list(chosen)
