"""app.geo: the province polygons joined to TIS-1099 codes and the offline choropleth spec."""

from __future__ import annotations

import json

import pandas as pd

from app.geo import choropleth, province_features


def test_every_province_once_with_its_code(settings, reference):
    features = province_features(settings.thailand_dir)
    codes = [f["properties"]["province_code"] for f in features]
    assert len(features) == 77 and len(set(codes)) == 77
    assert set(codes) == set(reference.provinces["province_code"].astype(int))
    phuket = next(f for f in features if f["properties"]["province_code"] == 83)
    assert phuket["properties"]["name_en"] == "Phuket"
    lon, lat = phuket["geometry"]["coordinates"][0][0][:2] if phuket["geometry"]["type"] == "Polygon" else \
        phuket["geometry"]["coordinates"][0][0][0][:2]
    assert 97.5 < lon < 99.0 and 7.0 < lat < 8.5


def test_choropleth_is_offline_and_selectable(settings):
    features = province_features(settings.thailand_dir)
    values = pd.DataFrame({"province_code": [83, 10], "value": [5.0, None], "label": ["5 t", "–"]})
    spec = choropleth(features, values, "tonnes/day", lang="en")
    text = json.dumps(spec)
    assert "tiles" not in text and "url" not in text  # no base map, no data fetched
    assert len(spec["datasets"]["provinces"]) == 77
    coloured = spec["datasets"]["coloured"]
    assert [f["properties"]["province_code"] for f in coloured] == [83]  # Bangkok has no value: grey only
    assert coloured[0]["properties"]["name"] == "Phuket"
    params = spec["layer"][1]["params"][0]
    assert params["name"] == "province" and params["select"]["fields"] == ["province_code"]
    change = choropleth(features, values, "change", percent=True)
    assert change["layer"][1]["encoding"]["color"]["scale"]["domainMid"] == 0
