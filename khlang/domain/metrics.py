"""The metric catalogue: what Khlang stores, in which unit, with the rates of DOMAIN.md."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Metric", "METRICS", "METRIC_NAMES", "FAMILIES", "BUDGET_TYPES", "ELDERLY_TIERS", "DISABILITY_RATES",
    "PAO_BUDGET_FY2565_BN", "UNIT_MAX_RESIDENTS", "metric", "metrics_of_family", "reports_metric", "unit_ceiling",
]


@dataclass(frozen=True)
class Metric:
    """One stored quantity. `max_per_lao` bounds a single LAO-month value; beyond it a record is
    quarantined as far out of range. `max_per_resident` (where a quantity grows with the people a unit
    serves) bounds it tighter by the unit's type: see `unit_ceiling`. `monthly_rate_baht` is the allowance
    paid per recipient."""

    name: str
    family: str  # budget | waste | welfare
    unit: str  # baht | tonnes/day | persons
    frequency: str  # M (monthly) | A (annual, dated the first month of the fiscal year)
    label_th: str
    label_en: str
    max_per_lao: float
    monthly_rate_baht: float | None = None
    max_per_resident: float | None = None


# Budget types (งบ) and the FY2565 PAO totals of DOMAIN.md, billion baht (57.31 in all).
BUDGET_TYPES = ("personnel", "operations", "investment", "subsidies", "central_fund", "other")
PAO_BUDGET_FY2565_BN = {"personnel": 15.61, "operations": 14.92, "investment": 18.60,
                        "subsidies": 2.53, "central_fund": 5.62, "other": 0.03}
_BUDGET_TH = {"personnel": "งบบุคลากร", "operations": "งบดำเนินงาน", "investment": "งบลงทุน",
              "subsidies": "งบเงินอุดหนุน", "central_fund": "งบกลาง", "other": "งบรายจ่ายอื่น"}

# Elderly allowance tiers (age band -> baht per month) and disability rates.
ELDERLY_TIERS = {"60_69": 600.0, "70_79": 700.0, "80_89": 800.0, "90_plus": 1000.0}
DISABILITY_RATES = {"standard": 800.0, "higher": 1000.0}

# The size of a unit bounds what it can report: the most residents a unit of each type can have, with a
# wide margin over the largest of its kind (registered residents, DOPA; the largest city municipality,
# Nonthaburi, has about 250,000, the largest sub-district municipalities and SAOs well under 100,000; the
# synthetic world's largest are about 600,000 for a city, 260,000 for a town, 100,000 for the others),
# times what one resident can
# account for: 10 kg of waste a day (the national average is 1.1, Pattaya's with its visitors about 4), a
# quarter of residents in one elderly-allowance age band (all of 60+ is about a fifth), a tenth disabled
# at one rate. A ceiling an order of magnitude above any real unit still catches a slip of orders of
# magnitude (a decimal comma, a wrong unit) in a unit with no history of its own yet.
UNIT_MAX_RESIDENTS = {"bangkok": 30_000_000, "provincial_admin_org": 10_000_000, "city_municipality": 1_500_000,
                      "special_admin_area": 1_500_000, "town_municipality": 500_000,
                      "subdistrict_municipality": 300_000, "subdistrict_admin_org": 300_000}
_WASTE_T_PER_RESIDENT = 0.010  # tonnes a day
_ELDERLY_PER_RESIDENT = 0.25
_DISABLED_PER_RESIDENT = 0.10

_BAHT_MAX = 2e10  # one LAO-month of one budget type (Bangkok's whole year is ~8e10)
_METRICS: list[Metric] = [
    *(Metric(f"budget_{t}", "budget", "baht", "M", f"เบิกจ่าย{_BUDGET_TH[t]}",
             f"Disbursement: {t.replace('_', ' ')}", _BAHT_MAX) for t in BUDGET_TYPES),
    Metric("budget_appropriation", "budget", "baht", "A", "งบประมาณรายจ่ายประจำปี",
           "Annual appropriation", 2e11),
    Metric("waste_generated", "waste", "tonnes/day", "M", "ปริมาณขยะมูลฝอยชุมชน",
           "Community solid waste generated", 20_000.0, max_per_resident=_WASTE_T_PER_RESIDENT),
    # Registered residents (ทะเบียนราษฎร์) as the unit reports them with its waste survey, once per fiscal
    # year: the denominator of waste per capita. Not forecast (annual).
    Metric("population_registered", "waste", "persons", "A", "ประชากรตามทะเบียนราษฎร์",
           "Registered population", 3e7, max_per_resident=1.0),  # Bangkok is one unit: ~10 million in the synthetic data
    *(Metric(f"elderly_{tier}", "welfare", "persons", "M", f"ผู้รับเบี้ยยังชีพผู้สูงอายุ {tier.replace('_plus', '+').replace('_', '-')} ปี",
             f"Elderly allowance recipients aged {tier.replace('_plus', '+').replace('_', '-')}", 2e6, rate,
             _ELDERLY_PER_RESIDENT)
      for tier, rate in ELDERLY_TIERS.items()),
    Metric("disability_standard", "welfare", "persons", "M", "ผู้รับเบี้ยความพิการ (800 บาท)",
           "Disability allowance recipients, 800-baht rate", 5e5, DISABILITY_RATES["standard"],
           _DISABLED_PER_RESIDENT),
    Metric("disability_higher", "welfare", "persons", "M", "ผู้รับเบี้ยความพิการ (1,000 บาท)",
           "Disability allowance recipients, 1,000-baht rate", 5e5, DISABILITY_RATES["higher"],
           _DISABLED_PER_RESIDENT),
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


def unit_ceiling(metric_name: str, lao_type: str | None) -> float:
    """The largest value one unit of `lao_type` can report for a metric: its type's most residents times
    the metric's most per resident, never above `max_per_lao` (which alone holds for an unknown type and for
    budget, lumpy by nature)."""
    m = METRICS[metric_name]
    residents = UNIT_MAX_RESIDENTS.get(lao_type or "")
    if m.max_per_resident is None or residents is None:
        return m.max_per_lao
    return min(m.max_per_lao, residents * m.max_per_resident)


def reports_metric(lao_type: str, metric_or_family: Metric | str) -> bool:
    """Whether a kind of unit reports a metric (or family): a PAO (อบจ.) reports budget only; it
    collects no household waste and pays no allowances. Every other unit reports every family."""
    family = metric_or_family.family if isinstance(metric_or_family, Metric) else (
        METRICS[metric_or_family].family if metric_or_family in METRICS else metric_or_family)
    return family == "budget" or lao_type != "provincial_admin_org"
