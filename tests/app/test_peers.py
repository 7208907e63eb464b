"""app.peers: waste against peers of the same LAO type and area band."""

from __future__ import annotations

import pandas as pd
import pytest

from app.peers import (
    AREA_BAND_EDGES_KM2,
    area_band,
    area_band_label,
    peer_comparison,
    population_band,
    population_band_label,
)


def test_area_band_on_the_feature_edges():
    bands = area_band(pd.Series([5.0, 10.0, 30.0, 2000.0, None, 0.0, 1e7]))
    assert bands.tolist()[:4] == [0, 1, 2, 6]
    assert bands.isna().tolist()[4:] == [True, True, True]  # missing, zero, absurd
    assert AREA_BAND_EDGES_KM2[0] == 10.0


def test_area_band_label():
    assert area_band_label(2) == "25–50 km²"
    assert area_band_label(6) == "≥ 1,000 km²"
    assert area_band_label(None) == "?"


def test_peer_comparison_groups_by_type_and_band():
    laos = pd.DataFrame({
        "code": [1, 2, 3, 4],
        "lao_type": ["subdistrict_admin_org"] * 3 + ["town_municipality"],
        "area_km2": [30.0, 40.0, 400.0, 35.0],
        "tonnes_day": [10.0, 20.0, 50.0, 80.0]})
    out = peer_comparison(laos).set_index("code")
    assert out.loc[1, "peer_group"] == out.loc[2, "peer_group"] != out.loc[3, "peer_group"]
    assert out.loc[1, "peers"] == 2 and out.loc[3, "peers"] == 1 and out.loc[4, "peers"] == 1
    assert out.loc[1, "peer_median"] == pytest.approx(15.0)
    assert out.loc[2, "vs_peers"] == pytest.approx(20.0 / 15.0 - 1)
    assert out.loc[1, "per_km2"] == pytest.approx(10.0 / 30.0)
    assert out["per_capita"].isna().all()  # no population given
    assert out.loc[1, "peer_group"] == "subdistrict_admin_org · area 2"


def test_per_capita_when_population_is_known():
    laos = pd.DataFrame({"code": [1], "lao_type": ["town_municipality"], "area_km2": [None],
                         "tonnes_day": [11.0], "population": [10_000]})
    out = peer_comparison(laos).iloc[0]
    assert out["per_capita"] == pytest.approx(1.1)  # kg/person/day
    assert pd.isna(out["per_km2"]) and out["peer_group"] == "town_municipality · population 3"


def test_population_band_and_label():
    bands = population_band(pd.Series([1_000, 2_500, 30_000, 250_000, None, 0]))
    assert bands.tolist()[:4] == [0, 1, 4, 6] and bands.isna().tolist()[4:] == [True, True]
    assert population_band_label(3) == "10,000–25,000" and population_band_label(6) == "≥ 100,000"
    assert population_band_label(None) == "?"


def test_peers_by_population_band_compare_per_capita():
    """Same type and population band are peers whatever their area; a unit without population falls back
    to its area band, and per-capita medians ignore it."""
    laos = pd.DataFrame({
        "code": [1, 2, 3, 4],
        "lao_type": ["subdistrict_admin_org"] * 4,
        "area_km2": [30.0, 400.0, 35.0, 32.0],
        "tonnes_day": [6.0, 12.0, 30.0, 9.0],
        "population": [6_000, 8_000, 30_000, None]})
    out = peer_comparison(laos).set_index("code")
    assert out.loc[1, "peer_group"] == out.loc[2, "peer_group"] == "subdistrict_admin_org · population 2"
    assert out.loc[3, "peer_group"] == "subdistrict_admin_org · population 4"
    assert out.loc[4, "peer_group"] == "subdistrict_admin_org · area 2" and pd.isna(out.loc[4, "per_capita"])
    per_capita = {1: 1.0, 2: 1.5}  # kg/person/day
    assert out.loc[1, "peer_median_per_capita"] == pytest.approx(1.25)
    assert out.loc[2, "vs_peers_per_capita"] == pytest.approx(per_capita[2] / 1.25 - 1)
    assert out.loc[1, "peers"] == 2 and out.loc[3, "peers"] == 1
