"""What a scale covers (which provinces) and the generated period (FY2557..FY2568, monthly)."""

from __future__ import annotations

import numpy as np

__all__ = ["SCALES", "FIRST_FY", "LAST_FY", "N_MONTHS", "MonthAxis", "month_axis", "provinces_of_scale"]

# None = every province. tiny: Phuket (19 units of five types, a tourist province).
# small: one province per region, with two tourist ones (Phuket, Trat) and no Bangkok.
SCALES: dict[str, tuple[str, ...] | None] = {
    "tiny": ("83",),
    "small": ("83", "23", "58", "37", "75"),
    "thailand": None,
}
FIRST_FY, LAST_FY = 2557, 2568  # Oct 2013 .. Sep 2025
N_MONTHS = (LAST_FY - FIRST_FY + 1) * 12


class MonthAxis:
    """The dense monthly time axis: position t = 0 is October 2013 (first month of FY2557)."""

    def __init__(self) -> None:
        t = np.arange(N_MONTHS)
        self.year_ce = (2013 + (t + 9) // 12).astype(np.int16)  # calendar year, CE
        self.month = ((t + 9) % 12 + 1).astype(np.int8)  # calendar month 1..12
        self.fy_be = (FIRST_FY + t // 12).astype(np.int16)  # fiscal year, BE
        self.fiscal_month = (t % 12 + 1).astype(np.int8)  # 1 = October
        self.days = (np.array([f"{y}-{m:02d}-01" for y, m in zip(self.year_ce, self.month, strict=True)],
                              dtype="datetime64[D]").astype(np.int32))  # date32 days since epoch
        self.n = N_MONTHS

    def fiscal_years(self) -> np.ndarray:
        return np.arange(FIRST_FY, LAST_FY + 1, dtype=np.int16)


def month_axis() -> MonthAxis:
    return MonthAxis()


def provinces_of_scale(scale: str, all_codes: list[str]) -> list[str]:
    """Province codes a scale covers; ValueError names the known scales."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    chosen = SCALES[scale]
    return sorted(all_codes) if chosen is None else list(chosen)
