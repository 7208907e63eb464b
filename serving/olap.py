"""The OLAP query of the API: a metric's values (forecasts or reported history) at one level, filtered by
province, region, LAO type and fiscal year, summed over the `by` dimensions. Pure: a validated query in,
DuckDB SQL and its parameters out (run by serving.read_model on its tables units, lao_parents,
forecasts and the metric's store table: lao, period, value, fiscal_year)."""

from __future__ import annotations

from dataclasses import dataclass

from khlang.domain.hierarchy import LEVELS
from khlang.domain.metrics import METRICS
from khlang.domain.reference import LAO_TYPES

__all__ = ["BY_NAMES", "BY_PATTERN", "CUBE_COLUMNS", "SOURCES", "AggregateError", "NoSuchUnits", "AggregateQuery",
           "aggregate_sql", "cube_sql", "from_cube_sql", "parse_by"]

BY_NAMES = ("level", "province", "region", "lao_type", "fiscal_year", "month")
# what the API schema declares `by` to be: a comma list of BY_NAMES (spaces allowed around the commas)
_NAME = "(" + "|".join(BY_NAMES) + ")"
BY_PATTERN = rf"^\s*({_NAME}\s*(,\s*{_NAME}\s*)*)?$"
SOURCES = ("forecast", "history")
# A unit carries the attributes of the levels above it only: a region has no province, a district no LAO type.
_LEVELS_WITH = {"province": ("lao", "district", "province"), "region": ("lao", "district", "province", "region"),
                "lao_type": ("lao",)}
_COLUMN = {"level": "level", "province": "province", "region": "region", "lao_type": "lao_type",
           "fiscal_year": "fiscal_year", "month": "month"}


class AggregateError(ValueError):
    """The query cannot be answered as asked; the message says what to change."""


class NoSuchUnits(AggregateError):
    """Every parameter is valid alone, but the level's units do not carry a filter or grouping asked for
    (a region has no province): no such units exist (the API answers 404), the message says which levels do."""


@dataclass(frozen=True)
class AggregateQuery:
    metric: str
    source: str = "forecast"  # forecast | history
    by: tuple[str, ...] = ()
    level: str = "lao"
    province: int | None = None
    region: int | None = None
    lao_type: str | None = None
    fiscal_year: int | None = None  # BE

    def validate(self) -> AggregateQuery:
        if self.metric not in METRICS:
            raise AggregateError(f"unknown metric {self.metric!r}; metrics: {', '.join(METRICS)}")
        if self.source not in SOURCES:
            raise AggregateError(f"unknown source {self.source!r}; sources: {', '.join(SOURCES)}")
        if self.level not in LEVELS:
            raise AggregateError(f"unknown level {self.level!r}; levels: {', '.join(LEVELS)}")
        if self.lao_type is not None and self.lao_type not in LAO_TYPES:
            raise AggregateError(f"unknown lao_type {self.lao_type!r}; types: {', '.join(LAO_TYPES)}")
        for name in (*self.by, *(f for f in ("province", "region", "lao_type") if getattr(self, f) is not None)):
            if name in _LEVELS_WITH and self.level not in _LEVELS_WITH[name]:
                raise NoSuchUnits(f"{name} is not an attribute of level {self.level!r} units; use level in "
                                     f"{', '.join(_LEVELS_WITH[name])}")
        return self


def parse_by(text: str | None) -> tuple[str, ...]:
    """'province, fiscal_year' -> ('province', 'fiscal_year'); unknown names raise AggregateError."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAMES]
    if unknown:
        raise AggregateError(f"unknown by {', '.join(map(repr, unknown))}; allowed: {', '.join(BY_NAMES)}")
    return tuple(dict.fromkeys(names))


def _base(query: AggregateQuery, store_table: str, params: list) -> str:
    """Rows (key, period, value) of the metric at the query's level."""
    metric, level = query.metric, query.level
    if query.source == "forecast":
        return f"select key, date as period, forecast as value from forecasts where metric = '{metric}' and level = '{level}'"
    year = ""
    if query.fiscal_year is not None:
        year = " and s.fiscal_year = ?"
        params.append(int(query.fiscal_year))
    if level == "lao":
        return f"select s.lao as key, s.period, s.value from {store_table} s where true{year}"
    return (f"select p.{level} as key, s.period, fsum(s.value) as value from {store_table} s "
            f"join lao_parents p on p.lao = s.lao where p.{level} >= 0{year} group by 1, 2")


def _rows(query: AggregateQuery, store_table: str, params: list) -> str:
    """One row per (unit, month) of the query's level: level, province, region, lao_type, fiscal_year,
    month and value (observed values only)."""
    base = _base(query, store_table, params)
    return (f"select '{query.level}' as level, u.province_code as province, u.region_code as region, "
            f"u.lao_type as lao_type, "
            f"cast(year(b.period) + 543 + case when month(b.period) >= 10 then 1 else 0 end as integer) as fiscal_year, "
            f"strftime(b.period, '%Y-%m') as month, b.value "
            f"from ({base}) b join units u on u.level = '{query.level}' and u.code = b.key "
            f"where b.value is not null and not isnan(b.value)")


def _filtered(query: AggregateQuery, source: str, params: list, value: str, count: str) -> str:
    filters = []
    for name in ("province", "region", "lao_type", "fiscal_year"):
        given = getattr(query, name)
        if given is not None:
            filters.append(f"{name} = ?")
            params.append(given)
    where = f" where {' and '.join(filters)}" if filters else ""
    columns = ", ".join(_COLUMN[n] for n in query.by)
    if not columns:
        return f"select {value} as value, {count} as n from ({source}){where}"
    return (f"select {columns}, {value} as value, {count} as n from ({source}){where} "
            f"group by {columns} order by {columns}")


def aggregate_sql(query: AggregateQuery, store_table: str = "store_metric") -> tuple[str, list]:
    """SQL returning one row per combination of `by` (in that order) with value (sum) and n (unit-months);
    `store_table` holds the metric's stored records (lao bigint, period, value, fiscal_year). The direct
    query over every unit-month: the reference of cube_sql + from_cube_sql, which the API answers with."""
    query.validate()
    params: list = []
    rows = _rows(query, store_table, params)
    return _filtered(query, rows, params, _SUM, "count(*)"), params


CUBE_COLUMNS = ("level", "province", "region", "lao_type", "fiscal_year", "month")
# Sums are compensated (DuckDB's fsum: Kahan-Babuska) and the answer rounded to 1e-6 of its unit, so the
# direct query and the cube's sums of partial sums, in whatever order DuckDB's threads add them, give the
# same number (a plain sum differed in the last bit: 7943.200000000002 against 7943.200000000001).
_SUM = "round(fsum(value), 6)"


def cube_sql(metric: str, source: str, level: str, store_table: str = "store_metric") -> tuple[str, list]:
    """The (metric, source, level) cube: one row per combination of every dimension (CUBE_COLUMNS) with
    value (sum) and n (unit-months). Any query of that metric, source and level sums some of its rows: a
    few thousand rows instead of a million unit-months at thailand scale."""
    params: list = []
    rows = _rows(AggregateQuery(metric, source, (), level), store_table, params)
    columns = ", ".join(CUBE_COLUMNS)
    return f"select {columns}, fsum(value) as value, count(*) as n from ({rows}) group by {columns}", params


def from_cube_sql(query: AggregateQuery, cube_table: str) -> tuple[str, list]:
    """aggregate_sql's answer from the query's cube (cube_sql): the same rows, sums of sums."""
    query.validate()
    params: list = []
    return _filtered(query, f"select * from {cube_table}", params, _SUM,
                     "cast(coalesce(sum(n), 0) as bigint)"), params
