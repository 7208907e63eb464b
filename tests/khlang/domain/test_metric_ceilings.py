"""The metric catalogue's bounds: a unit's type and size bound what it can report (unit_ceiling), and the
bound holds every unit of the synthetic world with the margin its order-of-magnitude purpose needs."""

from __future__ import annotations

import numpy as np
import pytest

from khlang.domain.metrics import METRICS, UNIT_MAX_RESIDENTS, unit_ceiling


def test_a_small_unit_is_bounded_tighter_than_the_metric() -> None:
    assert unit_ceiling("waste_generated", "subdistrict_municipality") == 3_000.0
    assert unit_ceiling("waste_generated", "city_municipality") == 15_000.0
    # Bangkok's ceiling is the metric's own bound (its residents times 10 kg would be higher)
    assert unit_ceiling("waste_generated", "bangkok") == METRICS["waste_generated"].max_per_lao
    assert unit_ceiling("elderly_60_69", "subdistrict_admin_org") == 75_000.0


@pytest.mark.parametrize("lao_type", [None, "no_such_type"])
def test_an_unknown_type_keeps_the_metrics_bound(lao_type) -> None:
    assert unit_ceiling("waste_generated", lao_type) == METRICS["waste_generated"].max_per_lao


def test_budget_is_not_bounded_by_size() -> None:
    # one month of investment can be any multiple of a small unit's usual spending
    assert {unit_ceiling("budget_investment", t) for t in UNIT_MAX_RESIDENTS} == {METRICS["budget_investment"].max_per_lao}


def test_every_synthetic_unit_is_far_below_its_ceiling(reference, settings) -> None:
    """The generator's largest units (population and waste at the peak year, three seeds) stay at least 1.5
    times below their type's ceiling where it is tighter than the metric's own bound, so no clean record of
    `khlang generate` is quarantined by it."""
    from pipelines.generate.dataset import _read_real_waste
    from pipelines.generate.population import lao_table, province_population
    from pipelines.generate.waste import province_targets

    waste_yearly = _read_real_waste(settings.thailand_dir)
    for seed in (1, 7, 2568):
        units = lao_table(reference.laos, province_population(waste_yearly), np.random.default_rng(seed))
        targets = province_targets(waste_yearly, sorted(units["province_code"].unique()))
        waste = units["waste_share"] * units["province_code"].map(targets.max(axis=1)) * 1.3  # months above the year
        population = units["population"] * 1.2  # grown over the years
        for name, values in (("waste_generated", waste), ("population_registered", population)):
            ceiling = units["lao_type"].map(lambda t, n=name: unit_ceiling(n, t))
            assert values.notna().all() and ceiling.notna().all()
            tighter = ceiling < METRICS[name].max_per_lao
            assert tighter.sum() > 7_000  # the municipalities and SAOs
            values, ceiling = values[tighter], ceiling[tighter]
            over = values.index[values * 1.5 >= ceiling]
            assert over.empty, (name, units.loc[over, ["lao_code", "lao_type"]], values[over])
