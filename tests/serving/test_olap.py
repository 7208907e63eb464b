"""serving.olap: `by` parsing and the validation that turns a query the data cannot answer into a message."""

from __future__ import annotations

import pytest

from serving.olap import AggregateError, AggregateQuery, aggregate_sql, parse_by


def test_parse_by_keeps_order_and_drops_repeats():
    assert parse_by(" province, fiscal_year ,province") == ("province", "fiscal_year")
    assert parse_by("") == () and parse_by(None) == ()


def test_parse_by_names_the_allowed_dimensions():
    with pytest.raises(AggregateError, match="unknown by 'district'.*allowed: level, province"):
        parse_by("province,district")


@pytest.mark.parametrize(("query", "message"), [
    (AggregateQuery("nope"), "unknown metric 'nope'"),
    (AggregateQuery("waste_generated", source="truth"), "unknown source 'truth'"),
    (AggregateQuery("waste_generated", level="tambon"), "unknown level 'tambon'"),
    (AggregateQuery("waste_generated", lao_type="city"), "unknown lao_type 'city'"),
    (AggregateQuery("waste_generated", by=("lao_type",), level="district"), "lao_type is not an attribute of level 'district'"),
    (AggregateQuery("waste_generated", by=("province",), level="region"), "province is not an attribute"),
    (AggregateQuery("waste_generated", region=6, level="nation"), "region is not an attribute"),
])
def test_invalid_queries_say_what_is_wrong(query, message):
    with pytest.raises(AggregateError, match=message):
        aggregate_sql(query)


def test_user_values_are_parameters_never_sql_text():
    sql, params = aggregate_sql(AggregateQuery("waste_generated", source="history", by=("month",), level="province",
                                               province=83, lao_type=None, fiscal_year=2567))
    assert params == [2567, 83, 2567]  # store partition pruning, then the filters
    assert "83" not in sql and "2567" not in sql
