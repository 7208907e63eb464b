"""Placing complaints: by coordinates in the real district polygons, else by the written address (spelling
variants and prefixes tolerated), never dropped; checked on the real tickets' own written districts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khlang.domain.reference import BANGKOK_CODE
from pipelines.complaints.routing import clean_name, load_gazetteer, place
from pipelines.complaints.traffy import split_coords


@pytest.fixture(scope="module")
def gaz(settings):
    return load_gazetteer(settings.thailand_dir)


def _tickets(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("lon", "lat"):
        frame[column] = pd.to_numeric(frame.get(column, np.nan))
    for column in ("province", "district", "subdistrict"):
        frame[column] = frame.get(column, "")
    return frame.fillna({"province": "", "district": "", "subdistrict": ""})


def _district_name(gaz, code) -> str:
    return gaz.districts.set_index("district_code").at[code, "name_th"]


def test_coordinates_place_a_ticket_in_its_district_and_lao(gaz) -> None:
    placed = place(_tickets([{"lon": 100.5536, "lat": 13.8024},   # Chatuchak park, Bangkok
                             {"lon": 100.5140, "lat": 13.8600},   # Nonthaburi town
                             {"lon": 98.9853, "lat": 18.7883}]), gaz)  # Chiang Mai old city
    assert placed["place_method"].tolist() == ["coords"] * 3
    assert _district_name(gaz, placed.at[0, "district_code"]) == "จตุจักร" and placed.at[0, "lao_code"] == BANGKOK_CODE
    assert placed.at[1, "province_code"] == "12" and placed.at[2, "province_code"] == "50"
    assert placed.at[2, "lao_code"][1:5] == placed.at[2, "district_code"]  # an LAO of that very district
    assert placed["subdistrict_code"].str[:4].tolist() == placed["district_code"].tolist()


def test_an_address_places_a_ticket_without_coordinates_despite_prefixes_and_misspellings(gaz) -> None:
    placed = place(_tickets([
        {"province": "จ.นนทบุรี", "district": "อ.เมืองนนทบุรี", "subdistrict": "ต.บางกระสอ"},
        {"province": "กทม.", "district": "เขตจตุจักร", "subdistrict": "แขวงลาดยาว"},
        {"province": "เชียงใหม่", "district": "อำเภอสันทราย"},
        {"province": "นครราชสีมา", "district": "ปากช่อง๊"},          # a stray tone mark
        {"district": "เมือง"},                                        # in 70-odd provinces: not placeable
        {}]), gaz)
    assert placed["place_method"].tolist() == ["address"] * 4 + ["unplaced"] * 2
    names = [_district_name(gaz, c) for c in placed["district_code"][:4]]
    assert names == ["เมืองนนทบุรี", "จตุจักร", "สันทราย", "ปากช่อง"]
    assert placed.at[1, "lao_code"] == BANGKOK_CODE and placed.at[0, "subdistrict_code"] is not None
    assert placed["district_code"][4:].isna().all()


def test_a_point_outside_thailand_falls_back_to_the_address(gaz) -> None:
    placed = place(_tickets([{"lon": 8.65, "lat": 50.58, "province": "ภูเก็ต", "district": "กะทู้"}]), gaz)
    assert placed.at[0, "place_method"] == "address" and placed.at[0, "province_code"] == "83"


def test_clean_name_strips_level_prefixes() -> None:
    assert [clean_name(n) for n in ("อ.เมือง", "อำเภอ เมือง", "เขต บางรัก", "แขวงสีลม", "จังหวัดตาก", None)] == [
        "เมือง", "เมือง", "บางรัก", "สีลม", "ตาก", ""]


def test_most_real_tickets_are_placed_in_the_district_their_address_names(real_tickets, gaz) -> None:
    sample = real_tickets.sample(n=20000, random_state=3)
    lon, lat = split_coords(sample["coords"])
    placed = place(pd.DataFrame({"lon": lon, "lat": lat, "province": sample["province"],
                                 "district": sample["district"], "subdistrict": sample["subdistrict"]}), gaz)
    assert len(placed) == len(sample) and (placed["place_method"] != "unplaced").mean() > 0.98
    written = sample["district"].map(clean_name)
    got = placed["district_code"].map(gaz.districts.set_index("district_code")["name_th"].map(clean_name))
    checked = (written != "") & placed["district_code"].notna()
    assert (got[checked] == written[checked]).mean() > 0.9


def test_the_lao_is_the_town_around_the_point_else_the_one_named_after_the_tambon(gaz) -> None:
    centres = gaz.laos.set_index("lao_code")
    town, sao = centres.loc["5110502"], centres.loc["6110506"]  # ทต. and อบต. แหลมฟ้าผ่า, Phra Samut Chedi
    assert not centres.at["6110112", "registered"]  # อบต. บางโปรง: the register has no centre for it
    placed = place(_tickets([
        {"lon": town["lon"], "lat": town["lat"]},         # at the municipality's centre, inside its area
        {"lon": sao["lon"], "lat": sao["lat"]},           # in tambon แหลมฟ้าผ่า, outside the town
        {"lon": 100.565, "lat": 13.623},                  # the centre of tambon บางโปรง, Mueang Samut Prakan
        {"province": "สมุทรปราการ", "district": "อ.เมืองสมุทรปราการ", "subdistrict": "ต.บางโปรง"}]), gaz)
    assert placed["lao_code"].tolist() == ["5110502", "6110506", "6110112", "6110112"]
    assert placed["subdistrict_code"].tolist()[2:] == ["110111", "110111"]
    assert placed["place_method"].tolist() == ["coords", "coords", "coords", "address"]
