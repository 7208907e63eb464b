"""POST /v1/deposits on a private copy of the served world: refused when disabled, unauthorised, too big or
of the wrong type; a good file round-trips into the store (in = stored + quarantined), shows in the
history and the quality report, and is kept under its content's name, never the uploaded one."""

from __future__ import annotations

import json

import pytest

from serving.config import ServeConfig
from serving.deposits import deposit_suffix, display_name
from tests.served_world import copy_world
from tests.serving.conftest import read_store

TOKEN = "test-deposit-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The tiny world's waste file layout (Thai headers, BE calendar year, month number). The store ends in
# September 2025 (BE 2568 month 9); October and November 2025 are new, before the as-of date.
GOOD_ROWS = [("3830102", "2568", "10", "501.25"), ("3830102", "2568", "11", "512.5"),
             ("5830103", "2568", "10", "20.5")]
BAD_ROWS = [("9930102", "2568", "10", "10"),  # not in the DLA register
            ("3830102", "2568", "12", "-5"),  # negative tonnage
            ("5830103", "2568", "11", "lots")]  # not a number
HEADER = "รหัส อปท.,ปี พ.ศ.,เดือน,ปริมาณขยะ (ตัน/วัน)"


def _csv(rows) -> bytes:
    return ("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def world(served_world, tmp_path_factory):
    return copy_world(served_world, tmp_path_factory.mktemp("deposits"))


@pytest.fixture(scope="module")
def depositing(world, make_client):
    with make_client(world.settings, ServeConfig(deposit_token=TOKEN, deposit_max_bytes=4096)) as client:
        yield client


def _post(client, name: str, content: bytes, headers=AUTH):
    return client.post("/v1/deposits", files={"file": (name, content, "text/csv")}, headers=headers)


def test_disabled_without_a_token(served_world, make_client):
    with make_client(served_world.settings, ServeConfig(deposit_token=None)) as client:
        response = _post(client, "waste.csv", _csv(GOOD_ROWS))
        anonymous = _post(client, "waste.csv", _csv(GOOD_ROWS), headers={})
    assert response.status_code == 403 and "KHLANG_DEPOSIT_TOKEN" in response.json()["detail"]
    # no credentials at all is 401 first (the security scheme), and says deposits are off here too
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert "KHLANG_DEPOSIT_TOKEN" in anonymous.json()["detail"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": TOKEN}])
def test_unauthorised(depositing, headers):
    response = _post(depositing, "waste.csv", _csv(GOOD_ROWS), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer" and "Bearer" in response.json()["detail"]


def test_too_big(depositing, world):
    response = _post(depositing, "waste.csv", _csv(GOOD_ROWS * 200))
    assert response.status_code == 413 and "4,096 bytes" in response.json()["detail"]
    # Under the declared-size gate (which allows for the multipart envelope) but over the file limit.
    response = _post(depositing, "waste.csv", b"x" * 5000)
    assert response.status_code == 413
    assert not (world.catalog.raw / "deposits").exists() or not any((world.catalog.raw / "deposits").glob("*.csv"))


def test_too_big_without_a_declared_size(depositing):
    def chunks():  # a chunked upload declares no Content-Length: the route's own body limit cuts it off
        for _ in range(80):
            yield b"x" * 1024

    response = depositing.post("/v1/deposits", content=chunks(),
                               headers={**AUTH, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 413


@pytest.mark.parametrize(("name", "status", "words"), [
    ("waste.pdf", 415, "accepted: .csv, .tsv, .txt, .xlsx"),
    ("waste.xls", 415, "save the workbook as .xlsx"),
    ("waste", 415, "(none)"),
    ("waste.csv", 422, "empty"),
])
def test_wrong_type_or_empty(depositing, name, status, words):
    response = _post(depositing, name, b"" if status == 422 else _csv(GOOD_ROWS))
    assert response.status_code == status and words in response.json()["detail"]


def test_unreadable_workbook(depositing):
    response = _post(depositing, "budget.xlsx", b"this is not a zip archive at all")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "unreadable" and body["records_stored"] == 0 and "xlsx" in body["detail"]


def test_a_deposit_round_trips_into_the_store(depositing, world):
    before = read_store(world.catalog.root, "waste_generated")
    response = _post(depositing, "../../etc/ขยะ เดือนตุลาคม.csv", _csv(GOOD_ROWS + BAD_ROWS))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "ingested"
    assert body["original_name"] == "ขยะ เดือนตุลาคม.csv"
    assert (body["records_in"], body["records_stored"], body["records_quarantined"]) == (6, 3, 3)
    assert body["reasons"] == {"unknown_lao_code": 1, "negative_value": 1, "non_numeric_value": 1}

    # Kept under its content's name; the uploaded name is metadata only.
    kept = world.catalog.raw / body["source_file"]
    assert body["source_file"] == f"deposits/{body['deposit_id']}.csv" and kept.read_bytes() == _csv(GOOD_ROWS + BAD_ROWS)
    assert json.loads(kept.with_suffix(".json").read_text(encoding="utf-8"))["original_name"] == body["original_name"]
    assert not any(world.catalog.root.parent.glob("etc*"))

    after = read_store(world.catalog.root, "waste_generated")
    new = after[after["source_file"] == body["source_file"]].sort_values(["lao_code", "period"])
    assert len(after) == len(before) + 3
    assert new[["lao_code", "value"]].values.tolist() == [["3830102", 501.25], ["3830102", 512.5], ["5830103", 20.5]]
    assert [f"{p:%Y-%m}" for p in new["period"]] == ["2025-10", "2025-11", "2025-10"]

    # The read model sees the new store at once: history summed from the store (the panel is now older).
    history = depositing.get("/v1/history", params={"metric": "waste_generated", "level": "lao", "code": 3830102}).json()
    assert history["source"] == "store"
    assert [(p["date"], p["value"]) for p in history["points"][-2:]] == [("2025-10-01", 501.25), ("2025-11-01", 512.5)]
    district = depositing.get("/v1/history", params={"metric": "waste_generated", "level": "district",
                                                     "code": 8301}).json()["points"]
    assert district[-1]["laos_reporting"] == 1 and district[-2]["laos_reporting"] == 2
    assert depositing.get("/health").json()["data_as_of"] == "2025-11"
    quality = depositing.get("/v1/quality").json()
    mine = next(f for f in quality["files"] if f["source_file"] == body["source_file"])
    assert (mine["status"], mine["records_in"], mine["records_stored"], mine["records_quarantined"]) == ("ingested", 6, 3, 3)
    reasons = {r["reason"]: r["records"] for r in quality["reasons"] if r["source_file"] == body["source_file"]}
    assert reasons == body["reasons"]

    again = _post(depositing, "same content, other name.csv", _csv(GOOD_ROWS + BAD_ROWS))
    assert again.status_code == 200 and again.json()["status"] == "already_ingested"
    assert len(read_store(world.catalog.root, "waste_generated")) == len(after)


def test_excels_unicode_text_is_deposited_like_a_csv(depositing, world):
    """Excel's "Unicode text" export (UTF-16 LE with a byte-order mark, tab-separated, .txt), as Thai offices
    save it: read and stored like the CSV, the manifest naming the encoding."""
    rows = [("3830102", "2568", "12", "498.75"), ("5830103", "2568", "12", "21.25")]
    text = "\r\n".join([HEADER.replace(",", "\t"), *("\t".join(r) for r in rows)]) + "\r\n"
    response = _post(depositing, "ขยะ ธันวาคม.txt", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["records_in"], body["records_stored"]) == ("ingested", 2, 2)
    assert body["source_file"].endswith(".txt")
    stored = read_store(world.catalog.root, "waste_generated")
    new = stored[stored["source_file"] == body["source_file"]].sort_values("lao_code")
    assert new["value"].tolist() == [498.75, 21.25]
    quality = depositing.get("/v1/quality").json()
    mine = next(f for f in quality["files"] if f["source_file"] == body["source_file"])
    assert mine["encoding"].startswith("utf-16")


def test_upload_names_never_become_paths():
    assert display_name("..\\..\\windows\\evil.CSV") == "evil.CSV"
    assert deposit_suffix("a/b/../c.XLSX") == ".xlsx"
