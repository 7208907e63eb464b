"""The complaints pages' maps, drawn offline as Vega-Lite specs (no tile server): the real district
polygons of the reference data (codes from pipelines.complaints.routing), coloured by cases per district
with the reported points on top (the hotspots), and a clickable map for the citizens' page whose click
gives a point: a grid of invisible points over the province, the nearest one to the click selected."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from app.geo import round_coordinates

__all__ = ["district_features", "hotspot_map", "click_map", "GRID"]

GRID = 70  # grid points per side of the clickable map: about 1–3 km apart in a province
_DECIMALS = 3


@functools.lru_cache(maxsize=2)
def _all_districts(thailand_dir: Path) -> tuple[dict, ...]:
    from shapely.geometry import mapping

    from pipelines.complaints.routing import load_gazetteer

    gaz = load_gazetteer(Path(thailand_dir))
    names = gaz.districts.set_index("district_code")
    out = []
    for polygon, code in zip(gaz.polygons, gaz.polygon_district, strict=True):
        geometry = mapping(polygon.simplify(0.002))
        out.append({"type": "Feature", "geometry": {"type": geometry["type"],
                                                    "coordinates": round_coordinates(geometry["coordinates"], _DECIMALS)},
                    "properties": {"district_code": str(code), "province_code": str(code)[:2],
                                   "name_th": str(names.at[code, "name_th"]), "name_en": str(names.at[code, "name_en"])}})
    return tuple(out)


def district_features(thailand_dir: Path, province_code: str | None = None) -> list[dict]:
    """GeoJSON features of the districts (all, or one province's) with district_code, province_code, names."""
    features = _all_districts(Path(thailand_dir))
    return [f for f in features if province_code is None or f["properties"]["province_code"] == province_code]


def _with_values(features: list[dict], counts: pd.Series, lang: str) -> list[dict]:
    out = []
    for feature in features:
        props = dict(feature["properties"])
        props["cases"] = int(counts.get(props["district_code"], 0))
        props["name"] = props["name_th"] if lang == "th" else props["name_en"]
        out.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
    return out


def hotspot_map(features: list[dict], counts: pd.Series, points: pd.DataFrame, title: str, lang: str = "th",
                height: int = 560) -> dict:
    """Districts coloured by their cases (counts: district_code -> cases), the points (lon, lat, label) on top."""
    shapes = _with_values(features, counts, lang)
    fields = ("district_code", "cases", "name")
    calculate = [{"calculate": f"datum.properties.{f}", "as": f} for f in fields]
    districts = {"data": {"name": "districts"}, "transform": calculate,
                 "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.5},
                 "encoding": {"color": {"field": "cases", "type": "quantitative", "title": title,
                                        "scale": {"scheme": "orangered", "type": "symlog"}},
                              "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                                          {"field": "cases", "type": "quantitative", "title": title, "format": ","}]}}
    dots = {"data": {"name": "points"}, "mark": {"type": "circle", "size": 14, "opacity": 0.35, "color": "#1a237e"},
            "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                         "latitude": {"field": "lat", "type": "quantitative"},
                         "tooltip": [{"field": "label", "type": "nominal", "title": " "}]}}
    # SVG, not canvas: every point is an element whose aria-label carries its tooltip (the case), so a
    # screen reader (and the end-to-end test) can find a case on the map
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "height": height,
            "usermeta": {"embedOptions": {"renderer": "svg"}},
            "projection": {"type": "mercator"}, "layer": [districts, dots],
            "datasets": {"districts": shapes,
                         "points": points[["lon", "lat", "label"]].to_dict(orient="records")}}


def click_map(features: list[dict], picked: tuple[float, float] | None, lang: str = "th", height: int = 460) -> dict:
    """The districts of a province and a grid of invisible points over them; a click selects the nearest
    grid point (selection `spot`, fields lon and lat). `picked` (lon, lat) is marked with a red dot when it
    lies within the province's extent (a point typed in another province would shrink the map to a speck)."""
    lons = [c for f in features for c in _flat(f["geometry"]["coordinates"])[0::2]]
    lats = [c for f in features for c in _flat(f["geometry"]["coordinates"])[1::2]]
    grid_lon, grid_lat = np.meshgrid(np.linspace(min(lons), max(lons), GRID), np.linspace(min(lats), max(lats), GRID))
    grid = [{"lon": round(float(x), 5), "lat": round(float(y), 5)} for x, y in zip(grid_lon.ravel(), grid_lat.ravel(),
                                                                                      strict=True)]
    shapes = _with_values(features, pd.Series(dtype=float), lang)
    layers = [
        {"data": {"name": "districts"}, "transform": [{"calculate": "datum.properties.name", "as": "name"}],
         "mark": {"type": "geoshape", "fill": "#e8eef5", "stroke": "#7a8ca3", "strokeWidth": 0.6},
         "encoding": {"tooltip": [{"field": "name", "type": "nominal", "title": " "}]}},
        {"data": {"name": "grid"}, "mark": {"type": "point", "opacity": 0, "size": 60},
         "params": [{"name": "spot", "select": {"type": "point", "fields": ["lon", "lat"], "on": "click",
                                                "nearest": True}}],
         "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                      "latitude": {"field": "lat", "type": "quantitative"}}},
    ]
    datasets = {"districts": shapes, "grid": grid}
    if picked is not None and min(lons) <= picked[0] <= max(lons) and min(lats) <= picked[1] <= max(lats):
        datasets["picked"] = [{"lon": picked[0], "lat": picked[1]}]
        layers.append({"data": {"name": "picked"}, "mark": {"type": "circle", "size": 160, "color": "#c62828"},
                       "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                                    "latitude": {"field": "lat", "type": "quantitative"}}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "height": height,
            "projection": {"type": "mercator"}, "layer": layers, "datasets": datasets}


def _flat(coords) -> list[float]:
    if coords and isinstance(coords[0], (int, float)):
        return list(coords)
    return [c for part in coords for c in _flat(part)]
