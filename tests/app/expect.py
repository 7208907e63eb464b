"""What the pages must show, worked out from the API's raw answers (not through the app's own code)."""

from __future__ import annotations

import re

import httpx

__all__ = ["next_fiscal_year", "fiscal_year_total", "number_in", "unit_children"]


def next_fiscal_year(api: httpx.Client) -> int:
    """The last fiscal year the nation's budget forecast covers: the year to plan (BE)."""
    points = api.get("/v1/forecasts", params={"metric": "budget_operations", "level": "nation", "code": 0}).json()
    return max(p["fiscal_year"] for p in points["points"])


def fiscal_year_total(points: list[dict], fiscal_year: int, field: str = "forecast", mean: bool = False) -> float:
    """Sum (baht) or mean (tonnes/day, persons) of a fiscal year's monthly values."""
    values = [p[field] for p in points if p["fiscal_year"] == fiscal_year and p[field] is not None]
    return sum(values) / len(values) if mean else sum(values)


def number_in(text: str) -> float:
    """The first number of a shown value: '1,776.92 ล้านบาท' -> 1776.92."""
    match = re.search(r"[-+]?\d[\d,]*(?:\.\d+)?", text)
    if match is None:
        raise ValueError(f"no number in {text!r}")
    return float(match.group(0).replace(",", ""))


def unit_children(api: httpx.Client, level: str, code: int) -> list[dict]:
    return api.get(f"/v1/hierarchy/{level}/{code}").json()["children"]
