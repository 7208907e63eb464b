"""The welfare budget what-if: next fiscal year's allowance budget recomputed from the forecast recipients
under other rates, an ageing / take-up adjustment and the income test. Pure: frames in, frames out.

budget (baht) = recipients per month x adjustment x (1 - share excluded by the income test) x monthly rate
x months; the 95 % band is the published conservative band scaled the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from khlang.domain.metrics import DISABILITY_RATES, ELDERLY_TIERS

__all__ = ["DEFAULT_RATES", "TIER_ITEMS", "WelfareScenario", "welfare_whatif", "whatif_totals"]

# tier metric -> monthly rate (baht), DOMAIN.md
DEFAULT_RATES: dict[str, float] = {**{f"elderly_{tier}": rate for tier, rate in ELDERLY_TIERS.items()},
                                   **{f"disability_{kind}": rate for kind, rate in DISABILITY_RATES.items()}}
TIER_ITEMS = tuple(DEFAULT_RATES)
_GROUP = {"elderly": "elderly_allowance", "disability": "disability_allowance"}


@dataclass(frozen=True)
class WelfareScenario:
    """What-if settings: rates in baht per recipient per month; adjustments in percent of the forecast
    recipients; with the income test on, `income_excluded_pct` percent of the elderly of every tier are
    assumed to fail it and drop out (the disability allowance has no income test)."""

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    elderly_adjust_pct: float = 0.0
    disability_adjust_pct: float = 0.0
    income_test: bool = False
    income_excluded_pct: float = 0.0

    def recipient_factor(self, item: str) -> float:
        """Multiplier on the forecast recipients of a tier metric."""
        if item.startswith("elderly_"):
            factor = 1.0 + self.elderly_adjust_pct / 100.0
            if self.income_test:
                factor *= 1.0 - self.income_excluded_pct / 100.0
            return max(factor, 0.0)
        if item.startswith("disability_"):
            return max(1.0 + self.disability_adjust_pct / 100.0, 0.0)
        return 1.0


def welfare_whatif(rows: pd.DataFrame | list[dict], scenario: WelfareScenario) -> pd.DataFrame:
    """Per tier of /v1/welfare rows (one fiscal year; totals are ignored and rebuilt by whatif_totals):
    item, months, recipients and rate (forecast), baseline baht and band, and the scenario's recipients,
    rate, baht and band, with `change_baht` = scenario - baseline."""
    frame = pd.DataFrame(rows)
    columns = ["item", "group", "months", "recipients", "rate_baht", "baht", "baht_lo95_sum", "baht_hi95_sum",
               "scenario_recipients", "scenario_rate_baht", "scenario_baht", "scenario_lo95", "scenario_hi95",
               "change_baht"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame[frame["item"].isin(TIER_ITEMS)].copy()
    frame["group"] = frame["item"].str.split("_").str[0].map(_GROUP)
    base_rate = frame["rate_baht"].astype(float).fillna(frame["item"].map(DEFAULT_RATES))
    frame["rate_baht"] = base_rate
    factor = frame["item"].map(scenario.recipient_factor).astype(float)
    new_rate = frame["item"].map(lambda item: float(scenario.rates.get(item, DEFAULT_RATES[item]))).astype(float)
    scale = factor * new_rate / base_rate.where(base_rate > 0)
    frame["scenario_recipients"] = frame["recipients"].astype(float) * factor
    frame["scenario_rate_baht"] = new_rate
    # the published baht scaled, so an untouched scenario is the forecast to the last bit (recomputing
    # recipients x rate x months differs from the published float in the last place); a tier without a
    # usable published rate is recomputed
    recomputed = frame["scenario_recipients"] * new_rate * frame["months"].astype(float)
    frame["scenario_baht"] = (frame["baht"].astype(float) * scale).where(scale.notna(), recomputed)
    frame["scenario_lo95"] = frame["baht_lo95_sum"].astype(float) * scale
    frame["scenario_hi95"] = frame["baht_hi95_sum"].astype(float) * scale
    frame["change_baht"] = frame["scenario_baht"] - frame["baht"].astype(float)
    order = {item: i for i, item in enumerate(TIER_ITEMS)}
    return frame.sort_values("item", key=lambda s: s.map(order))[columns].reset_index(drop=True)


def whatif_totals(tiers: pd.DataFrame) -> pd.DataFrame:
    """Per allowance (elderly_allowance, disability_allowance) and in all (`total`): baseline and scenario
    baht with their bands and the change (baht)."""
    sums = ["baht", "baht_lo95_sum", "baht_hi95_sum", "scenario_baht", "scenario_lo95", "scenario_hi95",
            "change_baht", "recipients", "scenario_recipients"]
    if tiers.empty:
        return pd.DataFrame(columns=["item", *sums])
    groups = tiers.groupby("group", sort=True)[sums].sum(min_count=1).reset_index().rename(columns={"group": "item"})
    total = pd.DataFrame([{"item": "total", **{c: tiers[c].sum(min_count=1) for c in sums}}])
    out = pd.concat([groups, total], ignore_index=True)
    out[sums] = out[sums].astype(np.float64)
    return out
