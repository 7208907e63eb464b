"""The province choropleth, drawn offline: the OCHA province polygons of the reference data (properties
ADM1_EN/ADM1_TH, names only) joined to TIS-1099 codes by Thai name, coloured with altair's geoshape (no
base map, no tile server)."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd

__all__ = ["BOUNDARIES_FILE", "province_features", "choropleth"]

BOUNDARIES_FILE = "province_boundaries.geojson"
_DECIMALS = 3  # about 100 m: plenty for a country map, a third of the bytes sent to the browser


def _round(coords: list, decimals: int) -> list:
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) for c in coords]
    return [_round(c, decimals) for c in coords]


def province_features(thailand_dir: Path) -> list[dict]:
    """GeoJSON features of the 77 provinces with properties province_code (int), name_th, name_en.
    Raises ValueError naming a polygon whose Thai name is not in provinces.csv."""
    doc = json.loads((Path(thailand_dir) / BOUNDARIES_FILE).read_text(encoding="utf-8"))
    provinces = pd.read_csv(Path(thailand_dir) / "provinces.csv", dtype=str)
    code_of = dict(zip(provinces["PROVINCE_THAI"].str.strip(), provinces["CODE"].astype(int), strict=True))
    features = []
    for feature in doc["features"]:
        props = feature["properties"]
        name_th = str(props["ADM1_TH"]).strip()
        if name_th not in code_of:
            raise ValueError(f"province polygon {name_th!r} ({props.get('ADM1_EN')}) is not in provinces.csv")
        geometry = {"type": feature["geometry"]["type"],
                    "coordinates": _round(feature["geometry"]["coordinates"], _DECIMALS)}
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"province_code": code_of[name_th], "name_th": name_th,
                                        "name_en": props.get("ADM1_EN")}})
    return features


def choropleth(features: list[dict], values: pd.DataFrame, title: str, lang: str = "th",
               percent: bool = False, height: int = 600) -> alt.LayerChart:
    """Provinces coloured by `values` (province_code, value, label): grey where a province has no value;
    a point selection named `province` on province_code (click to pick). `label` is the tooltip text."""
    by_code = values.set_index("province_code")
    enriched = []
    for feature in features:
        code = feature["properties"]["province_code"]
        props = dict(feature["properties"])
        has = code in by_code.index and pd.notna(by_code.at[code, "value"])
        props["value"] = float(by_code.at[code, "value"]) if has else None
        props["label"] = str(by_code.at[code, "label"]) if has else "–"
        props["name"] = props["name_th"] if lang == "th" else (props["name_en"] or props["name_th"])
        enriched.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    pick = alt.selection_point(fields=["province_code"], name="province", on="click")
    scale = alt.Scale(scheme="redblue", reverse=True, domainMid=0) if percent else alt.Scale(scheme="yellowgreenblue")
    with_value = [f for f in enriched if f["properties"]["value"] is not None]
    fields = {"province_code": "datum.properties.province_code", "value": "datum.properties.value",
              "name": "datum.properties.name", "label": "datum.properties.label"}
    tooltip = [alt.Tooltip("name:N", title=" "), alt.Tooltip("label:N", title=" ")]
    # Every province in grey underneath (and fixing the projection to the whole country); the provinces
    # with a value coloured on top: a null colour would drop a polygon from the chart altogether.
    country = (alt.Chart(alt.Data(values=enriched)).transform_calculate(**fields)
               .mark_geoshape(fill="#d9d9d9", stroke="white", strokeWidth=0.4).encode(tooltip=tooltip))
    coloured = (alt.Chart(alt.Data(values=with_value or enriched[:1])).transform_calculate(**fields)
                .mark_geoshape(stroke="white", strokeWidth=0.4)
                .encode(color=alt.Color("value:Q", title=title, scale=scale,
                                        legend=alt.Legend(format="+.0%" if percent else ",.1f")),
                        tooltip=tooltip, opacity=alt.condition(pick, alt.value(1.0), alt.value(0.6)))
                .add_params(pick))
    return alt.layer(country, coloured).project(type="mercator").properties(height=height)
