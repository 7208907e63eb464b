"""Monthly community solid waste per LAO (tonnes/day, monthly average), calibrated per province and
calendar year to the real Pollution Control Department figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.generate.population import TOURISM
from pipelines.generate.scales import MonthAxis

__all__ = ["REAL_YEARS", "province_targets", "covid_profile", "waste_series"]

REAL_YEARS = tuple(range(2556, 2566))  # BE calendar years of waste_province_yearly.csv
_LAST_YEAR = 2568
# Festivals: New Year (Dec-Jan), Songkran (April); a slight rainy-season dip (Jul-Sep).
_SEASON = np.array([1.04, 0.99, 1.00, 1.06, 1.00, 0.98, 0.97, 0.97, 0.97, 0.99, 1.00, 1.04])
# Tourist high season Nov-Feb, low season May-Sep; scaled by a unit's tourism intensity.
_TOURIST_SEASON = np.array([0.22, 0.15, 0.05, 0.04, -0.08, -0.12, -0.10, -0.08, -0.12, -0.02, 0.12, 0.20])


def province_targets(waste_yearly: pd.DataFrame, provinces: list[str], first_year: int = REAL_YEARS[0]) -> pd.DataFrame:
    """Tonnes/day per province (rows) and BE year first_year..2568 (columns): real 2556..2565, then the
    province's pre-COVID trend plus a tourism rebound; years before 2556 (a longer generated history) go
    back along the pre-COVID trend alone."""
    real = waste_yearly.pivot(index="province_code", columns="year_be", values="generated_ton_day")
    real = real.loc[provinces, list(REAL_YEARS)].astype(float)
    cagr = (real[2562] / real[2556]) ** (1 / 6) - 1
    rebound = pd.Series([TOURISM.get(p, 0.0) for p in provinces], index=real.index) * 0.08
    growth = cagr.clip(-0.01, 0.03) + rebound
    for k, year in enumerate(range(2566, _LAST_YEAR + 1), start=1):
        real[year] = real[2565] * (1 + growth) ** k
    earlier = {year: real[REAL_YEARS[0]] * (1 + cagr.clip(-0.01, 0.03)) ** (year - REAL_YEARS[0])
               for year in range(first_year, REAL_YEARS[0])}
    return pd.concat([pd.DataFrame(earlier), real], axis=1) if earlier else real


def covid_profile(axis: MonthAxis) -> np.ndarray:
    """0..1 strength of COVID-19 restrictions per month (waves of Apr 2020 and mid 2021)."""
    key = axis.year_ce.astype(int) * 100 + axis.month.astype(int)
    points = [(201912, 0.0), (202003, 0.3), (202004, 1.0), (202005, 1.0), (202007, 0.45), (202012, 0.5),
              (202102, 0.55), (202104, 0.8), (202107, 1.0), (202109, 1.0), (202111, 0.55), (202206, 0.3),
              (202212, 0.1), (202306, 0.0)]
    x = np.array([(k // 100) * 12 + k % 100 for k, _ in points], dtype=float)
    y = np.array([v for _, v in points])
    return np.interp((key // 100) * 12 + key % 100, x, y, left=0.0, right=0.0)


def waste_series(lao: pd.DataFrame, targets: pd.DataFrame, axis: MonthAxis,
                 rng: np.random.Generator) -> np.ndarray:
    """[unit, month] tonnes/day (NaN for units that do not report waste), rounded to 3 decimals.
    Each province's units sum, averaged over a calendar year's months, to that year's target."""
    n = len(lao)
    prov_codes = list(targets.index)
    prov = lao["province_code"].map({p: i for i, p in enumerate(prov_codes)}).to_numpy()
    years = np.array(targets.columns, dtype=int)
    # Smooth level: log-linear between mid-year knots of the yearly targets.
    t_frac = axis.year_ce.astype(float) + (axis.month.astype(float) - 0.5) / 12 + 543
    level = np.exp(np.stack([np.interp(t_frac, years + 0.5, np.log(targets.iloc[i].to_numpy()))
                             for i in range(len(prov_codes))]))  # [province, month]
    tourism = lao["tourism"].to_numpy()[:, None]
    month0 = axis.month.astype(int) - 1
    season = _SEASON[month0][None, :] * (1 + tourism * _TOURIST_SEASON[month0][None, :])
    covid = 1 - (0.06 + 0.5 * np.minimum(tourism, 1.0)) * covid_profile(axis)[None, :]
    years_from = (axis.year_ce.astype(float) - 2019)[None, :]
    trend = np.exp(rng.normal(0, 0.012, n)[:, None] * years_from)
    noise = np.empty((n, axis.n))
    shock = rng.normal(0, 0.04, (n, axis.n))
    noise[:, 0] = shock[:, 0]
    for t in range(1, axis.n):
        noise[:, t] = 0.5 * noise[:, t - 1] + shock[:, t]
    values = lao["waste_share"].to_numpy()[:, None] * level[prov] * season * covid * trend * np.exp(noise)
    # Rescale each province x calendar year to its target (real years: exact calibration).
    year_be = axis.year_ce.astype(int) + 543
    prov_sum = np.zeros((len(prov_codes), axis.n))
    np.add.at(prov_sum, prov, values)
    factor = np.ones((len(prov_codes), axis.n))
    for year in np.unique(year_be):
        cols = year_be == year
        factor[:, cols] = (targets[year].to_numpy() / prov_sum[:, cols].mean(axis=1))[:, None]
    values = values * factor[prov]
    values[~lao["reports_waste"].to_numpy()] = np.nan
    return np.round(values, 3)
