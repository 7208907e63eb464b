import json
import shutil

import pytest

from khlang.domain.hierarchy import LEVELS, lao_parents, level_members, series_keys
from khlang.domain.metrics import METRICS, PAO_BUDGET_FY2565_BN, metric, metrics_of_family
from khlang.domain.reference import BANGKOK_CODE, ReferenceDataError, load_reference


def test_register_loads_all_units(reference):
    laos = reference.laos
    assert len(laos) == 7849 + 1  # DLA register + Bangkok
    assert laos["lao_code"].is_unique
    assert laos["lao_code"].str.fullmatch(r"\d{7}").all()
    assert (laos["lao_code"].str[1:3] == laos["province_code"]).all()
    assert laos[["lat", "lon"]].notna().all().all()
    assert laos["lat"].between(5, 21).all() and laos["lon"].between(97, 106).all()
    assert (laos["coord_source"] != "register").sum() >= 7849 - 4898
    counts = laos["lao_type"].value_counts()
    assert counts["provincial_admin_org"] == 76 and counts["subdistrict_admin_org"] == 5300
    assert len(reference.provinces) == 77 and len(reference.districts) == 928
    assert reference.provinces["region_code"].nunique() == 6


def test_pao_and_bangkok_roll_up_to_province(reference):
    laos = reference.laos.set_index("lao_code")
    assert laos.loc[BANGKOK_CODE, "rolls_up_to"] == "province"
    assert (laos.loc[laos["lao_type"] == "provincial_admin_org", "rolls_up_to"] == "province").all()
    parents = lao_parents(reference).set_index("lao")
    pao = int(laos.index[laos["lao_type"] == "provincial_admin_org"][0])
    assert parents.loc[pao, "district"] == -1


def test_hierarchy_levels(reference):
    sizes = {level: len(series_keys(reference, level)) for level in LEVELS}
    assert sizes == {"lao": 7850, "district": 878, "province": 77, "region": 6, "nation": 1}
    edges = level_members(reference, "district", "province")
    assert (edges["child"] // 100 == edges["parent"]).all()
    with pytest.raises(ValueError):
        series_keys(reference, "village")


def _copy_data(tmp_path, settings):
    target = tmp_path / "thailand"
    shutil.copytree(settings.thailand_dir, target)
    target.chmod(0o755)
    for f in target.iterdir():
        f.chmod(0o644)
    return target


def test_register_with_wrong_province_digits_is_refused(tmp_path, settings):
    folder = _copy_data(tmp_path, settings)
    doc = json.loads((folder / "lao_register.json").read_text(encoding="utf-8"))
    doc["localAuthorities"][0]["provinceCode"] = "10"
    (folder / "lao_register.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="province digits"):
        load_reference(folder)


def test_register_with_unknown_district_is_refused(tmp_path, settings):
    folder = _copy_data(tmp_path, settings)
    doc = json.loads((folder / "lao_register.json").read_text(encoding="utf-8"))
    sao = next(x for x in doc["localAuthorities"] if x["type"] == "subdistrict_admin_org")
    sao["dlaCode"] = sao["dlaCode"][:3] + "99" + sao["dlaCode"][5:]
    (folder / "lao_register.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="unknown district"):
        load_reference(folder)


def test_metric_catalogue():
    assert metric("elderly_90_plus").monthly_rate_baht == 1000
    assert metric("disability_higher").monthly_rate_baht == 1000
    assert {m.unit for m in METRICS.values()} == {"baht", "tonnes/day", "persons"}
    assert len(metrics_of_family("welfare")) == 6 and len(metrics_of_family("budget")) == 7
    assert sum(PAO_BUDGET_FY2565_BN.values()) == pytest.approx(57.31)
    with pytest.raises(KeyError, match="known"):
        metric("rainfall")
