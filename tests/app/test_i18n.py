"""app.i18n: every string in Thai and English with the same placeholders; domain labels."""

from __future__ import annotations

import string

import pytest

from app.i18n import STRINGS, lao_type_label, level_label, metric_label, t, tier_label, unit_name


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_both_languages_with_the_same_placeholders(key):
    th, en = STRINGS[key]
    assert th.strip() and en.strip()
    fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (th, en)]
    assert fields[0] == fields[1]


def test_t_fills_placeholders():
    assert t("vs_fy", "th", fy="ปีงบประมาณ 2569") == "เทียบ ปีงบประมาณ 2569"
    assert t("vs_fy", "en", fy="FY2569") == "vs FY2569"


def test_domain_labels():
    assert metric_label("waste_generated", "th") == "ปริมาณขยะมูลฝอยชุมชน"
    assert metric_label("elderly_allowance", "en") == "Elderly allowance, total"
    assert tier_label("elderly_90_plus", "th") == "ผู้สูงอายุ 90+ ปี"
    assert tier_label("elderly_70_79", "en") == "Elderly 70–79"
    assert tier_label("disability_higher", "en") == "Disability, 1,000 rate"
    assert level_label("district", "th") == "อำเภอ"
    assert lao_type_label("subdistrict_admin_org", "th") == "องค์การบริหารส่วนตำบล"
    assert lao_type_label(None) == ""
    assert unit_name({"name_th": "ภูเก็ต", "name_en": None, "code": 2830101}, "en") == "ภูเก็ต"
    assert unit_name({"name_th": None, "name_en": None, "code": 7}) == "7"
