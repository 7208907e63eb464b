"""Budget per LAO: annual appropriation by budget type (baht) and its monthly disbursement, which
follows the fiscal year (slow Oct-Dec, rising, a rush in Aug-Sep)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from khlang.domain.metrics import BUDGET_TYPES, PAO_BUDGET_FY2565_BN
from pipelines.generate.scales import MonthAxis

__all__ = ["BudgetTruth", "DISBURSEMENT_CURVES", "budget_series"]

_PAO_SHARES = np.array([PAO_BUDGET_FY2565_BN[t] for t in BUDGET_TYPES]) / sum(PAO_BUDGET_FY2565_BN.values())
# Municipalities and SAOs: more personnel and central fund (welfare allowances are paid from งบกลาง).
_LOCAL_SHARES = np.array([0.31, 0.24, 0.20, 0.05, 0.195, 0.005])
# Appropriation FY2565 per resident (baht) of a typically sized unit; smaller units cost more per head.
_PER_CAPITA = {"city_municipality": 12_000.0, "town_municipality": 11_500.0, "subdistrict_municipality": 8_500.0,
               "subdistrict_admin_org": 7_500.0, "special_admin_area": 20_000.0, "bangkok": 7_000.0}
_TYPICAL = {"city_municipality": 90_000.0, "town_municipality": 22_000.0, "subdistrict_municipality": 7_500.0,
            "subdistrict_admin_org": 6_500.0, "special_admin_area": 120_000.0, "bangkok": 9_000_000.0}
# Share of a year's disbursement per fiscal month (Oct .. Sep), by budget type.
DISBURSEMENT_CURVES = {
    "personnel": [0.070, 0.080, 0.082, 0.082, 0.082, 0.084, 0.084, 0.084, 0.085, 0.085, 0.086, 0.096],
    "operations": [0.035, 0.050, 0.060, 0.070, 0.075, 0.080, 0.080, 0.085, 0.090, 0.100, 0.120, 0.155],
    "investment": [0.010, 0.015, 0.025, 0.040, 0.050, 0.060, 0.070, 0.080, 0.100, 0.120, 0.170, 0.260],
    "subsidies": [0.030, 0.050, 0.060, 0.070, 0.080, 0.080, 0.090, 0.090, 0.090, 0.100, 0.120, 0.140],
    "central_fund": [0.060, 0.075, 0.080, 0.082, 0.082, 0.083, 0.083, 0.084, 0.085, 0.086, 0.090, 0.110],
    "other": [0.010, 0.015, 0.025, 0.040, 0.050, 0.060, 0.070, 0.080, 0.100, 0.120, 0.170, 0.260],
}
_CURVE_NOISE = {"personnel": 0.05, "operations": 0.15, "investment": 0.35, "subsidies": 0.3,
                "central_fund": 0.1, "other": 0.5}
# Nominal growth and the COVID-19 cuts of FY2564-2565, relative to FY2565.
_GROWTH = 0.035
_YEAR_ADJ = {2564: 0.96, 2565: 0.97, 2566: 0.99}


@dataclass(frozen=True)
class BudgetTruth:
    appropriation: np.ndarray  # [unit, fiscal year] baht
    disbursement: dict[str, np.ndarray]  # budget type -> [unit, month] baht


def _year_path(first_fy: int, n_fy: int) -> np.ndarray:
    fys = np.arange(first_fy, first_fy + n_fy)
    adj = np.array([_YEAR_ADJ.get(int(fy), 1.0) for fy in fys])
    return (1 + _GROWTH) ** (fys - 2565) * adj / _YEAR_ADJ[2565]


def budget_series(lao: pd.DataFrame, national_pop_ex_bangkok: float, axis: MonthAxis,
                  rng: np.random.Generator) -> BudgetTruth:
    """Appropriation [unit, FY] and disbursement by type [unit, month], baht rounded to satang.
    The PAOs' FY2565 appropriation is 57.31 bn baht x their share of the national population."""
    n, n_fy = len(lao), axis.n // 12
    types = lao["lao_type"].to_numpy()
    is_pao = types == "provincial_admin_org"
    pop = lao["population"].to_numpy(dtype=float)
    typical = lao["lao_type"].map(_TYPICAL).fillna(1.0).to_numpy()
    per_capita = lao["lao_type"].map(_PER_CAPITA).fillna(0.0).to_numpy()
    base = per_capita * pop ** 0.8 * typical ** 0.2 * rng.lognormal(0, 0.2, n)
    pao_pc = sum(PAO_BUDGET_FY2565_BN.values()) * 1e9 / national_pop_ex_bangkok
    base[is_pao] = pao_pc * pop[is_pao] * rng.lognormal(0, 0.15, is_pao.sum())
    shares = np.where(is_pao[:, None], _PAO_SHARES[None, :], _LOCAL_SHARES[None, :]) * rng.lognormal(0, 0.12, (n, 6))
    shares /= shares.sum(axis=1, keepdims=True)
    by_type = base[:, None] * shares  # FY2565 appropriation by type
    if is_pao.any():  # the PAOs' FY2565 totals by type in DOMAIN.md's proportions, scaled to coverage
        target = np.array([PAO_BUDGET_FY2565_BN[t] for t in BUDGET_TYPES]) * 1e9 * pop[is_pao].sum() / national_pop_ex_bangkok
        by_type[is_pao] *= target / by_type[is_pao].sum(axis=0)
    path = _year_path(axis.first_fy, n_fy)[None, :] * rng.lognormal(0, 0.05, (n, n_fy))
    path[:, 2565 - axis.first_fy] = 1.0  # FY2565 is the calibrated year
    approp_by_type = by_type[:, None, :] * path[:, :, None]  # [unit, FY, type]
    appropriation = np.round(approp_by_type.sum(axis=2), 2)
    disbursement: dict[str, np.ndarray] = {}
    for k, btype in enumerate(BUDGET_TYPES):
        curve = np.array(DISBURSEMENT_CURVES[btype])
        weights = curve[None, None, :] * rng.lognormal(0, _CURVE_NOISE[btype], (n, n_fy, 12))
        if btype in ("investment", "other"):  # FY2563's budget act passed only in Feb 2020
            weights[:, 2563 - axis.first_fy, :4] *= 0.3
        weights /= weights.sum(axis=2, keepdims=True)
        rate = rng.uniform(0.86, 0.97, (n, n_fy))
        monthly = approp_by_type[:, :, k, None] * rate[:, :, None] * weights  # [unit, FY, fiscal month]
        disbursement[btype] = np.round(monthly.reshape(n, n_fy * 12), 2)  # the axis runs in fiscal order
    return BudgetTruth(appropriation=appropriation, disbursement=disbursement)
