"""Welfare demand in baht: forecast recipients per tier x the tier's monthly rate, summed per fiscal year.

Allowances are paid monthly, so a fiscal year's budget for a tier is the sum over its months of the
recipients forecast for the month times the tier's monthly rate (DOMAIN.md: 600/700/800/1,000 baht for
the elderly tiers 60-69/70-79/80-89/90+, 800 or 1,000 baht for disability). The bounds are the sums of
the monthly bounds: a conservative band (every month at its bound at once), said so in the column name."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.calendar import fiscal_year
from khlang.domain.metrics import METRICS

__all__ = ["welfare_budget", "ALLOWANCE_GROUPS"]

ALLOWANCE_GROUPS = {"elderly": "elderly_allowance", "disability": "disability_allowance"}


def welfare_budget(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Per (level, key, fiscal_year, metric) and per allowance total: months covered, mean monthly
    recipients, baht, and the conservative 95 % band of the baht. `forecasts` has the forecast store's
    columns (metric, level, key, date, forecast, lo95, hi95)."""
    rated = forecasts[forecasts["metric"].map(lambda m: METRICS[m].monthly_rate_baht is not None
                                              if m in METRICS else False)].copy()
    if rated.empty:
        return pd.DataFrame(columns=["level", "key", "fiscal_year", "item", "months", "recipients", "rate_baht",
                                     "baht", "baht_lo95_sum", "baht_hi95_sum"])
    rate = rated["metric"].map(lambda m: METRICS[m].monthly_rate_baht).astype(np.float64)
    dates = pd.to_datetime(rated["date"])
    rated["fiscal_year"] = [fiscal_year(y, m) for y, m in zip(dates.dt.year, dates.dt.month, strict=True)]
    rated["baht"] = rated["forecast"] * rate
    rated["baht_lo95_sum"] = rated["lo95"] * rate
    rated["baht_hi95_sum"] = rated["hi95"] * rate
    rated["rate_baht"] = rate
    keys = ["level", "key", "fiscal_year"]
    per_tier = rated.groupby([*keys, "metric"], sort=True).agg(
        months=("forecast", "size"), recipients=("forecast", "mean"), rate_baht=("rate_baht", "first"),
        baht=("baht", "sum"), baht_lo95_sum=("baht_lo95_sum", "sum"), baht_hi95_sum=("baht_hi95_sum", "sum"),
    ).reset_index().rename(columns={"metric": "item"})
    per_tier["group"] = per_tier["item"].str.split("_").str[0].map(ALLOWANCE_GROUPS)
    totals = per_tier.groupby([*keys, "group"], sort=True).agg(
        months=("months", "max"), recipients=("recipients", "sum"), baht=("baht", "sum"),
        baht_lo95_sum=("baht_lo95_sum", "sum"), baht_hi95_sum=("baht_hi95_sum", "sum"),
    ).reset_index().rename(columns={"group": "item"})
    totals["rate_baht"] = np.nan
    out = pd.concat([per_tier.drop(columns="group"), totals], ignore_index=True)
    return out.sort_values([*keys, "item"], ignore_index=True)
