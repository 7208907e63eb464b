"""The complaints endpoints over a fresh work folder with a trained classifier: a citizen's complaint is
answered with a case number, masked, placed and given suggested types; it is listed and found by place;
an officer's actions need the token and change the case's state and types; the contact is kept apart;
the summary counts the cases; bad input gets a 422 that says why."""

from __future__ import annotations

import pandas as pd
import pytest

from khlang.catalog import Catalog
from models.complaints.train import officer_labels, train_classifier
from pipelines.complaints.cases import read_cases
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files
from serving.config import ServeConfig

TOKEN = "officer-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHATUCHAK = {"lon": 100.5536, "lat": 13.8024}


@pytest.fixture(scope="module")
def world(settings, ticket_sample, tmp_path_factory):
    world = settings.with_work_dir(tmp_path_factory.mktemp("complaints") / "work")
    catalog = Catalog.from_settings(world).ensure()
    train_classifier([ticket_sample], catalog)
    return world


@pytest.fixture(scope="module")
def api(world, make_client):
    with make_client(world, ServeConfig(deposit_token=TOKEN)) as client:
        yield client


def test_a_complaint_gets_a_case_number_is_masked_placed_and_classified(api, world) -> None:
    answer = api.post("/v1/complaints", json={
        "text": "ไฟทางดับทั้งซอย มืดมาก อันตราย โทร 081-234-5678", **CHATUCHAK,
        "contact": {"name": "สมชาย", "phone": "0812345678"}})
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert case["case_id"].startswith("KL-") and case["state"] == "รอรับเรื่อง"
    assert "081-234-5678" not in case["text"] and "[โทรศัพท์]" in case["text"]
    assert case["district_code"] == "1030" and case["lao_code"] == "1100000" and case["place_method"] == "coords"
    assert case["responsible_unit"].startswith("สำนัก")  # Bangkok: its district office or a BMA department
    assert case["suggested"] and max(case["suggested"], key=case["suggested"].get) in case["types"].split(",")
    stored = read_cases(Catalog.from_settings(world)).set_index("ticket_id").loc[case["case_id"]]
    assert "0812345678" not in stored.to_json() and "สมชาย" not in stored.to_json()
    listed = api.get("/v1/complaints", params={"district_code": "1030"}).json()
    assert case["case_id"] in [c["case_id"] for c in listed["cases"]]
    assert api.get("/v1/complaints", params={"district_code": "5001"}).json()["total"] == 0
    assert api.get(f"/v1/complaints/{case['case_id']}/contact").status_code == 401
    contact = api.get(f"/v1/complaints/{case['case_id']}/contact", headers=AUTH)
    assert contact.status_code == 200 and contact.json()["contact"]["phone"] == "0812345678"


def test_officers_act_with_the_token_and_the_case_follows(api, world) -> None:
    case_id = api.post("/v1/complaints", json={"text": "ถนนเป็นหลุมลึก รถตกหลุม", "province": "นนทบุรี",
                                               "district": "อ.เมืองนนทบุรี"}).json()["case_id"]
    refused = api.post(f"/v1/complaints/{case_id}/events", json={"kind": "state", "value": "เสร็จสิ้น"})
    assert refused.status_code == 401
    for kind, value in (("state", "กำลังดำเนินการ"), ("type", "ถนน"), ("state", "เสร็จสิ้น")):
        done = api.post(f"/v1/complaints/{case_id}/events", json={"kind": kind, "value": value, "by": "กองช่าง"},
                        headers=AUTH)
        assert done.status_code == 201, done.text
    detail = api.get(f"/v1/complaints/{case_id}").json()
    assert detail["stage"] == "done" and detail["types"] == "ถนน" and detail["corrected"]
    assert detail["place_method"] == "address" and detail["district_code"] == "1201"
    assert detail["responsible_unit"] == "กองช่าง"  # roads, in a municipality of Mueang Nonthaburi
    assert [e["value"] for e in detail["events"]] == ["กำลังดำเนินการ", "ถนน", "เสร็จสิ้น"]
    assert detail["first_action_at"] is not None and detail["resolved_at"] is not None and not detail["reopened"]
    labels = officer_labels(Catalog.from_settings(world)).set_index("ticket_id")
    assert labels.at[case_id, "type"] == "ถนน"  # kept as a label for the next `khlang complaints train`
    bad = api.post(f"/v1/complaints/{case_id}/events", json={"kind": "state", "value": "หายไป"}, headers=AUTH)
    assert bad.status_code == 422 and "unknown state" in bad.json()["detail"]
    assert api.post("/v1/complaints/KL-NOPE/events", json={"kind": "state", "value": "เสร็จสิ้น"},
                    headers=AUTH).status_code == 404
    rows = api.get("/v1/complaints/summary", params={"by": "province", "code": "12"}).json()["rows"]
    total = next(r for r in rows if r["type"] == "ทั้งหมด")
    assert total["cases"] == 1 and total["open"] == 0 and total["median_days_to_resolve"] is not None


def test_bad_complaints_are_refused_with_the_reason(api) -> None:
    empty = api.post("/v1/complaints", json={"text": "   "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    abroad = api.post("/v1/complaints", json={"text": "ถนนพัง", "lon": 8.65, "lat": 50.58})
    assert abroad.status_code == 422 and "outside Thailand" in abroad.json()["detail"]
    half = api.post("/v1/complaints", json={"text": "ถนนพัง", "lon": 100.5})
    assert half.status_code == 422 and "both lon and lat" in half.json()["detail"]


def test_the_served_classifier_suggests_types(api) -> None:
    answer = api.post("/v1/complaints/classify", json={"text": "น้ำท่วมขังหน้าบ้าน ท่อระบายน้ำอุดตัน"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["types"] and set(body["types"]) <= set(body["scores"]) and body["model_version"] == "1"


def test_peers_compare_laos_of_the_same_type_and_size(api) -> None:
    for text in ("ขยะล้นถังหน้าตลาด ส่งกลิ่นเหม็น", "ท่อระบายน้ำอุดตัน น้ำขังหน้าบ้าน"):
        assert api.post("/v1/complaints", json={"text": text, **CHATUCHAK}).status_code == 201
    rows = api.get("/v1/complaints/peers", params={"province_code": "10"}).json()["rows"]
    bangkok = next(r for r in rows if r["lao_code"] == "1100000")
    # no population in this store: Bangkok's size is its registered area, and no other LAO is its peer
    assert bangkok["lao_type"] == "bangkok" and bangkok["size"] == "area ≥ 1,000 km²"
    assert bangkok["peer_group"] == "bangkok · area 6" and bangkok["peers"] == 1 and bangkok["cases"] >= 2
    assert {r["province_code"] for r in rows} == {"10"}
    assert "1100000" not in [r["lao_code"] for r in api.get("/v1/complaints/peers",
                                                             params={"province_code": "12"}).json()["rows"]]
    assert api.get("/v1/complaints/peers", params={"province_code": "x"}).status_code == 422



def test_trend_ends_at_the_data_s_active_period(settings, ticket_sample, tmp_path, make_client) -> None:
    world = settings.with_work_dir(tmp_path / "work")
    catalog = Catalog.from_settings(world).ensure()
    import_files([ticket_sample], catalog, load_gazetteer(world.thailand_dir))
    stored = read_cases(catalog)
    with make_client(world, ServeConfig(deposit_token=TOKEN)) as client:
        before = client.get("/v1/complaints/trend", params={"weeks": 520}).json()
        assert client.post("/v1/complaints", json={"text": "ไฟทางดับ", **CHATUCHAK}).status_code == 201  # today
        after = client.get("/v1/complaints/trend", params={"weeks": 520}).json()
        assert client.get("/v1/complaints/trend", params={"province_code": "50"}).json()["rows"] == []
    last = pd.Timestamp(before["last_week"])
    assert after["last_week"] == before["last_week"] and last < pd.Timestamp.now() - pd.Timedelta(days=365)
    # the case of today is a stray tail years after the sample: counted apart, the trend does not move
    assert after["after_end"] == before["after_end"] + 1 and after["rows"] == before["rows"]
    weeks = pd.to_datetime([r["week"] for r in after["rows"]])
    assert (weeks.dayofweek == 0).all() and weeks.max() == last
    in_trend = stored[stored["reported_at"].notna()]
    assert sum(r["cases"] for r in after["rows"]) >= len(in_trend) - before["after_end"]  # several types: more
