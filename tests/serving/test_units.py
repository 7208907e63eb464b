"""serving.units on the real reference data: every level present once, parents right, search, path."""

from __future__ import annotations

import pytest

from serving.units import UNIT_COLUMNS, Units, unit_table


@pytest.fixture(scope="module")
def units(reference) -> Units:
    return Units(unit_table(reference))


def test_one_row_per_unit_of_every_level(units, reference):
    counts = units.table["level"].value_counts().to_dict()
    assert counts == {"nation": 1, "region": 6, "province": len(reference.provinces),
                      "district": len(reference.districts), "lao": len(reference.laos)}
    assert not units.table.duplicated(["level", "code"]).any()
    assert list(units.table.columns[:len(UNIT_COLUMNS)]) == UNIT_COLUMNS


def test_province_wide_lao_has_its_province_as_parent(units, reference):
    pao = reference.laos[(reference.laos["lao_type"] == "provincial_admin_org") & (reference.laos["province_code"] == "83")]
    unit = units.find("lao", int(pao["lao_code"].iloc[0]))
    assert (unit["parent_level"], unit["parent_code"]) == ("province", 83)
    municipality = units.find("lao", 3830102)
    assert (municipality["parent_level"], municipality["parent_code"]) == ("district", 8301)
    assert municipality["lao_type"] == "city_municipality" and municipality["region_code"] == 6


def test_children_of_a_province_are_its_districts_and_province_wide_laos(units, reference):
    kids = units.children("province", 83)
    districts = sorted(int(c) for c in reference.districts.loc[reference.districts["province_code"] == "83", "district_code"])
    assert sorted(k["code"] for k in kids if k["level"] == "district") == districts
    assert [k["lao_type"] for k in kids if k["level"] == "lao"] == ["provincial_admin_org"]


def test_path_runs_from_the_nation_down_to_the_unit(units):
    path = units.path("lao", 3830102)
    assert [(u["level"], u["code"]) for u in path] == [("nation", 0), ("region", 6), ("province", 83),
                                                       ("district", 8301), ("lao", 3830102)]
    assert units.path("province", 99) == []


@pytest.mark.parametrize(("q", "level", "parent", "expected"), [
    ("ภูเก็ต", "province", None, [83]),
    ("PHUKET", "province", None, [83]),  # case-insensitive English
    ("๘๓", "province", None, [83]),  # Thai digits as a code prefix
    ("830", "district", None, [8301, 8302, 8303]),
    (None, "district", 83, [8301, 8302, 8303]),
    (None, "province", 6, None),  # a region's provinces: checked against the reference below
])
def test_search(units, reference, q, level, parent, expected):
    found = units.search(q=q, level=level, parent=parent, limit=500)
    codes = [u["code"] for u in found]
    if expected is None:
        expected = sorted(int(c) for c in reference.provinces.loc[reference.provinces["region_code"] == 6, "province_code"])
    assert codes == expected
    assert all(u["level"] == level for u in found)


def test_search_level_equal_to_the_parents_own_names_the_parent(units):
    both = units.search(level="province", parent=83, limit=500)
    assert {u["level"] for u in both} == {"district", "lao"}
    assert len(units.search(q="a", limit=7)) == 7
    assert units.search(q="no such place anywhere") == []
