"""The province choropleth, drawn offline: the OCHA province polygons of the reference data (properties
ADM1_EN/ADM1_TH, names only) joined to TIS-1099 codes by Thai name, coloured with a Vega-Lite geoshape
(no base map, no tile server)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["BOUNDARIES_FILE", "province_features", "choropleth", "round_coordinates"]

BOUNDARIES_FILE = "province_boundaries.geojson"
_DECIMALS = 3  # about 100 m: plenty for a country map, a third of the bytes sent to the browser


def round_coordinates(coords: list, decimals: int) -> list:
    """GeoJSON coordinates (nested lists) rounded to `decimals`."""
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), decimals) for c in coords]
    return [round_coordinates(c, decimals) for c in coords]


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
                    "coordinates": round_coordinates(feature["geometry"]["coordinates"], _DECIMALS)}
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"province_code": code_of[name_th], "name_th": name_th,
                                        "name_en": props.get("ADM1_EN")}})
    return features


def choropleth(features: list[dict], values: pd.DataFrame, title: str, lang: str = "th",
               percent: bool = False, height: int = 600) -> dict:
    """A Vega-Lite spec (for st.vega_lite_chart; a plain dict, as altair takes seconds over 77 polygons):
    every province in grey, those in `values` (province_code, value, label) coloured on top, and a
    point selection named `province` on province_code (click to pick). `label` is the tooltip text."""
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
    fields = ("province_code", "value", "name", "label")
    calculate = [{"calculate": f"datum.properties.{f}", "as": f} for f in fields]
    tooltip = [{"field": "name", "type": "nominal", "title": " "}, {"field": "label", "type": "nominal", "title": " "}]
    scale = ({"scheme": "redblue", "reverse": True, "domainMid": 0} if percent else {"scheme": "yellowgreenblue"})
    # Every province in grey underneath (which also fits the projection to the whole country), the ones
    # with a value coloured on top: a null colour would drop a polygon from the chart altogether.
    country = {"data": {"name": "provinces"}, "transform": calculate, "encoding": {"tooltip": tooltip},
               "mark": {"type": "geoshape", "fill": "#d9d9d9", "stroke": "white", "strokeWidth": 0.4}}
    coloured = {
        "data": {"name": "coloured"}, "transform": calculate,
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.4},
        "params": [{"name": "province", "select": {"type": "point", "fields": ["province_code"], "on": "click"}}],
        "encoding": {"color": {"field": "value", "type": "quantitative", "title": title, "scale": scale,
                               "legend": {"format": "+.0%" if percent else ",.1f"}},
                     "opacity": {"condition": {"param": "province", "value": 1.0}, "value": 0.6},
                     "tooltip": tooltip}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "height": height,
            "projection": {"type": "mercator"}, "layer": [country, coloured],
            "datasets": {"provinces": enriched,
                         "coloured": [f for f in enriched if f["properties"]["value"] is not None]}}
