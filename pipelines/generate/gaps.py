"""Which LAO-months a family's main delivery lacks: some arrive later in a late-report file, the
rest are gaps (never delivered)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Delivery", "plan_delivery"]


@dataclass(frozen=True)
class Delivery:
    """Masks [unit, month] for one family: `late` (in a late file) and `gap` (nowhere)."""

    late: np.ndarray
    gap: np.ndarray

    @property
    def missing_main(self) -> np.ndarray:
        return self.late | self.gap


def plan_delivery(lao: pd.DataFrame, applicable: np.ndarray, rng: np.random.Generator,
                  lag_months: int = 2) -> Delivery:
    """Poor reporters skip scattered months and short runs; many units report the last months late.
    Every region gets at least one late LAO-month and the family at least one gap."""
    n, n_months = applicable.shape
    missing = np.zeros((n, n_months), dtype=bool)
    poor = rng.random(n) < 0.08
    missing |= poor[:, None] & (rng.random((n, n_months)) < 0.06)
    runs = np.flatnonzero(rng.random(n) < 0.03)
    for unit, start, length in zip(runs, rng.integers(0, n_months - 8, len(runs)), rng.integers(2, 7, len(runs)),
                                   strict=True):
        missing[unit, start:start + length] = True
    late = missing & (rng.random((n, n_months)) < 0.5)
    lagging = rng.random(n) < 0.12
    late[:, -lag_months:] |= lagging[:, None]
    # Guarantees, so that every small delivery still shows both phenomena.
    for region in np.unique(lao["region_code"].to_numpy()):
        units = np.flatnonzero((lao["region_code"].to_numpy() == region) & applicable.any(axis=1))
        if len(units) and not (late[units] & applicable[units]).any():
            late[rng.choice(units), -1] = True
    gap = missing & ~late & applicable
    if not gap.any():
        unit = rng.choice(np.flatnonzero(applicable.any(axis=1)))
        gap[unit, rng.integers(0, n_months - lag_months)] = True
    late &= applicable & ~gap
    return Delivery(late=late, gap=gap)
