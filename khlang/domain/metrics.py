"""The metric catalogue: what Khlang stores, in which unit, with the rates of DOMAIN.md."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Metric", "METRICS", "METRIC_NAMES", "FAMILIES", "BUDGET_TYPES", "ELDERLY_TIERS", "DISABILITY_RATES",
    "PAO_BUDGET_FY2565_BN", "metric", "metrics_of_family", "reports_metric",
]


@dataclass(frozen=True)
class Metric:
    """One stored quantity. `max_per_lao` bounds a single LAO-month value; beyond it a record is
    quarantined as far out of range. `monthly_rate_baht` is the allowance paid per recipient."""

    name: str
    family: str  # budget | waste | welfare
    unit: str  # baht | tonnes/day | persons
    frequency: str  # M (monthly) | A (annual, dated the first month of the fiscal year)
    label_th: str
    label_en: str
    max_per_lao: float
    monthly_rate_baht: float | None = None


# Budget types (งบ) and the FY2565 PAO totals of DOMAIN.md, billion baht (57.31 in all).
BUDGET_TYPES = ("personnel", "operations", "investment", "subsidies", "central_fund", "other")
PAO_BUDGET_FY2565_BN = {"personnel": 15.61, "operations": 14.92, "investment": 18.60,
                        "subsidies": 2.53, "central_fund": 5.62, "other": 0.03}
_BUDGET_TH = {"personnel": "งบบุคลากร", "operations": "งบดำเนินงาน", "investment": "งบลงทุน",
              "subsidies": "งบเงินอุดหนุน", "central_fund": "งบกลาง", "other": "งบรายจ่ายอื่น"}

# Elderly allowance tiers (age band -> baht per month) and disability rates.
ELDERLY_TIERS = {"60_69": 600.0, "70_79": 700.0, "80_89": 800.0, "90_plus": 1000.0}
DISABILITY_RATES = {"standard": 800.0, "higher": 1000.0}

_BAHT_MAX = 2e10  # one LAO-month of one budget type (Bangkok's whole year is ~8e10)
_METRICS: list[Metric] = [
    *(Metric(f"budget_{t}", "budget", "baht", "M", f"เบิกจ่าย{_BUDGET_TH[t]}",
             f"Disbursement: {t.replace('_', ' ')}", _BAHT_MAX) for t in BUDGET_TYPES),
    Metric("budget_appropriation", "budget", "baht", "A", "งบประมาณรายจ่ายประจำปี",
           "Annual appropriation", 2e11),
    Metric("waste_generated", "waste", "tonnes/day", "M", "ปริมาณขยะมูลฝอยชุมชน",
           "Community solid waste generated", 20_000.0),
    # Registered residents (ทะเบียนราษฎร์) as the unit reports them with its waste survey, once per fiscal
    # year: the denominator of waste per capita. Not forecast (annual).
    Metric("population_registered", "waste", "persons", "A", "ประชากรตามทะเบียนราษฎร์",
           "Registered population", 3e7),  # Bangkok is one unit: ~10 million in the synthetic data
    *(Metric(f"elderly_{tier}", "welfare", "persons", "M", f"ผู้รับเบี้ยยังชีพผู้สูงอายุ {tier.replace('_plus', '+').replace('_', '-')} ปี",
             f"Elderly allowance recipients aged {tier.replace('_plus', '+').replace('_', '-')}", 2e6, rate)
      for tier, rate in ELDERLY_TIERS.items()),
    Metric("disability_standard", "welfare", "persons", "M", "ผู้รับเบี้ยความพิการ (800 บาท)",
           "Disability allowance recipients, 800-baht rate", 5e5, DISABILITY_RATES["standard"]),
    Metric("disability_higher", "welfare", "persons", "M", "ผู้รับเบี้ยความพิการ (1,000 บาท)",
           "Disability allowance recipients, 1,000-baht rate", 5e5, DISABILITY_RATES["higher"]),
]
METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}
METRIC_NAMES = tuple(METRICS)
FAMILIES = ("budget", "waste", "welfare")


def metric(name: str) -> Metric:
    """The catalogue entry of a metric; KeyError names the known ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRIC_NAMES)}") from None


def metrics_of_family(family: str) -> list[Metric]:
    return [m for m in _METRICS if m.family == family]


def reports_metric(lao_type: str, metric_or_family: Metric | str) -> bool:
    """Whether a kind of unit reports a metric (or family): a PAO (อบจ.) reports budget only; it
    collects no household waste and pays no allowances. Every other unit reports every family."""
    family = metric_or_family.family if isinstance(metric_or_family, Metric) else (
        METRICS[metric_or_family].family if metric_or_family in METRICS else metric_or_family)
    return family == "budget" or lao_type != "provincial_admin_org"
