"""Calibration figures of the generated truth against the real ones: provincial waste per calendar
year, national elderly recipients per fiscal year, PAO budget FY2565 and disbursement ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.metrics import BUDGET_TYPES, ELDERLY_TIERS, PAO_BUDGET_FY2565_BN
from pipelines.generate.scales import MonthAxis
from pipelines.generate.waste import REAL_YEARS

__all__ = ["waste_errors", "calibration_figures"]


def waste_errors(units: pd.DataFrame, waste: np.ndarray, real: pd.DataFrame, axis: MonthAxis) -> pd.DataFrame:
    """Per province and real BE year: generated (sum of units, mean of that year's months) vs real."""
    year_be = axis.year_ce.astype(int) + 543
    by_province = pd.DataFrame(np.nan_to_num(waste), index=units["province_code"]).groupby(level=0).sum()
    rows = []
    for year in REAL_YEARS:
        cols = np.flatnonzero(year_be == year)
        generated = by_province.iloc[:, cols].mean(axis=1)
        for province, value in generated.items():
            target = float(real.loc[province, year])
            rows.append((province, year, float(value), target, abs(value - target) / target))
    return pd.DataFrame(rows, columns=["province_code", "year_be", "generated", "real", "rel_error"])


def calibration_figures(units: pd.DataFrame, monthly: dict[str, np.ndarray], appropriation: np.ndarray,
                        real_waste: pd.DataFrame, axis: MonthAxis) -> dict:
    """The figures a report prints (plain floats, JSON-ready)."""
    errors = waste_errors(units, monthly["waste_generated"], real_waste, axis)
    elderly = np.nansum(sum(monthly[f"elderly_{t}"] for t in ELDERLY_TIERS), axis=0)
    n_fy = axis.n // 12
    elderly_fy = {int(axis.first_fy + k): float(elderly[k * 12:(k + 1) * 12].mean()) for k in range(n_fy)}
    tiers_last = {t: float(np.nansum(monthly[f"elderly_{t}"][:, -1])) for t in ELDERLY_TIERS}
    pao = (units["lao_type"] == "provincial_admin_org").to_numpy()
    fy2565 = axis.fy_be == 2565
    pao_disb = {t: float(monthly[f"budget_{t}"][pao][:, fy2565].sum()) for t in BUDGET_TYPES}
    total_disb = sum(pao_disb.values())
    disbursed = sum(monthly[f"budget_{t}"] for t in BUDGET_TYPES)
    by_fy = disbursed.reshape(len(units), n_fy, 12)
    ratio = by_fy.sum(axis=2) / appropriation
    month_share = by_fy.sum(axis=(0, 1)) / by_fy.sum()
    pao_approp = float(appropriation[pao, 2565 - axis.first_fy].sum())
    return {
        "waste_max_rel_error": float(errors["rel_error"].max()),
        "waste_mean_rel_error": float(errors["rel_error"].mean()),
        "population_non_pao": int(units.loc[~pao, "population"].sum()),
        "elderly_recipients_by_fy": elderly_fy,
        "elderly_tier_shares_last_month": {t: v / sum(tiers_last.values()) for t, v in tiers_last.items()},
        "pao_appropriation_fy2565_bn": pao_approp / 1e9,
        "pao_disbursement_fy2565_share": {t: v / total_disb if total_disb else 0.0 for t, v in pao_disb.items()},
        "pao_reference_share": {t: v / sum(PAO_BUDGET_FY2565_BN.values()) for t, v in PAO_BUDGET_FY2565_BN.items()},
        "disbursement_ratio": {"min": float(ratio.min()), "median": float(np.median(ratio)), "max": float(ratio.max())},
        "october_share": float(month_share[0]), "september_share": float(month_share[11]),
    }
