"""app.complaint_maps.click_map: the clickable map of a province's districts marks the chosen point only
when it lies in the province's extent, and its grid of click targets covers the province."""

from __future__ import annotations

from app.complaint_maps import click_map, district_features


def test_the_picked_point_is_marked_only_inside_the_province(settings) -> None:
    phuket = district_features(settings.thailand_dir, "83")
    inside = click_map(phuket, (98.3923, 7.8804))  # Phuket town
    assert inside["datasets"]["picked"] == [{"lon": 98.3923, "lat": 7.8804}]
    assert "picked" not in click_map(phuket, (98.9853, 18.7883))["datasets"]  # Chiang Mai: not drawn
    assert "picked" not in click_map(phuket, None)["datasets"]
    grid = inside["datasets"]["grid"]
    lons, lats = [p["lon"] for p in grid], [p["lat"] for p in grid]
    assert min(lons) < 98.3923 < max(lons) and min(lats) < 7.8804 < max(lats)
    assert "url" not in str(inside) and inside["projection"]["type"] == "mercator"  # offline
