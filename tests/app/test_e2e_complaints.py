"""End to end, the complaints pages in a real browser: `khlang serve` and `khlang app` over a work folder with
real Traffy tickets imported and a classifier trained; a citizen clicks a point on the map of the report
page, types a complaint and submits it, gets a case number; the case is then found in the API at that
point and on the executives' page: the hotspot map draws it (its point's tooltip names the case) and the
oldest-unresolved and accountability tables are there, in Thai and, after the sidebar's switch, in English.
Screenshots in work/artifacts/screenshots/."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator

import httpx
import pytest

from app.i18n import t
from khlang.catalog import Catalog
from khlang.runtime import runtime_environment
from models.complaints.train import publish_volumes, train_classifier
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files
from serving.service import serve_command, wait_healthy
from tests.app.browser import Browser, chromium_path, free_port, launch_chromium
from tests.app.test_e2e_browser import _START_S, _click, _process, _settle, _wait_streamlit

pytestmark = pytest.mark.slow

TEXT = "ไฟทางดับทั้งซอย มืดมาก อันตรายตอนกลางคืน"
TOKEN = "e2e-officer-token"
# a grid point of the clickable map near the middle of the chart: the map's own click handler picks the
# nearest grid point, so any point inside the drawn area selects a place
_MAP_POINT = """(() => {
  const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
  const marks = chart && chart.querySelector('svg.marks, canvas');
  if (!marks) return null;
  marks.scrollIntoView({block: 'center'});
  const r = marks.getBoundingClientRect();
  return [r.left + r.width * 0.5, r.top + r.height * 0.45];
})()"""


@pytest.fixture(scope="module")
def servers(settings, ticket_sample, tmp_path_factory) -> Iterator[tuple[str, str, Catalog]]:
    work = tmp_path_factory.mktemp("complaints-e2e") / "work"
    world = settings.with_work_dir(work)
    catalog = Catalog.from_settings(world).ensure()
    import_files([ticket_sample], catalog, load_gazetteer(settings.thailand_dir))
    train_classifier([ticket_sample], catalog)
    publish_volumes(catalog)
    logs = tmp_path_factory.mktemp("complaints-e2e-logs")
    env = {**os.environ, **runtime_environment(catalog), "KHLANG_WORK_DIR": str(work), "KHLANG_DEPOSIT_TOKEN": TOKEN}
    api_port, app_port = free_port(), free_port()
    api_url, app_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{app_port}"
    with _process(serve_command(world, api_port), env, logs / "api.log") as api:
        wait_healthy(api_url, lambda: api.poll() is None, _START_S)
        app_args = [sys.executable, "-m", "commands.cli", "app", "--port", str(app_port), "--api-url", api_url]
        with _process(app_args, env, logs / "app.log") as app:
            _wait_streamlit(app_url, app, logs / "app.log")
            yield api_url, app_url, catalog


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium fonts-thai-tlwg)")
    with launch_chromium(executable, tmp_path_factory.mktemp("chromium-profile"), width=1200, height=1000) as chromium:
        yield chromium


def _type(browser: Browser, selector: str, text: str) -> None:
    browser.click(f"document.querySelector({json.dumps(selector)})")
    browser.send("Input.insertText", text=text)


def test_a_citizen_reports_through_the_page_and_the_case_is_on_the_map(servers, browser) -> None:
    api_url, app_url, _ = servers
    browser.navigate(f"{app_url}/report")
    _settle(browser, "แจ้งเรื่องร้องเรียน", "ตำแหน่ง")
    browser.wait_for(f"!!({_MAP_POINT})", 60, "the clickable map")
    x, y = browser.evaluate(_MAP_POINT)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    # Streamlit fills the two inputs in turn: wait for both, or the second may still be empty when read
    browser.wait_for("['ละติจูด', 'ลองจิจูด'].every(label => {"
                     " const i = document.querySelector(`input[aria-label=\"${label}\"]`);"
                     " return !!i && i.value !== ''; })", 60, "the clicked point in both coordinates")
    lat = float(browser.evaluate("document.querySelector('input[aria-label=\"ละติจูด\"]').value"))
    lon = float(browser.evaluate("document.querySelector('input[aria-label=\"ลองจิจูด\"]').value"))
    assert 13.4 < lat < 14.1 and 100.2 < lon < 101.0  # inside Bangkok, the first province of the list
    _type(browser, "textarea", TEXT)
    browser.click("[...document.querySelectorAll('button')].find(b => b.innerText.includes('ส่งเรื่อง'))")
    text = _settle(browser, "แจ้งเรื่องร้องเรียน", "รับเรื่องแล้ว เลขที่เรื่อง", shot="complaint_report")
    case_id = text.split("รับเรื่องแล้ว เลขที่เรื่อง", 1)[1].split()[0]
    assert case_id.startswith("KL-")
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60) as api:
        case = api.get(f"/v1/complaints/{case_id}").json()
    assert case["text"] == TEXT and case["place_method"] == "coords" and case["province_code"] == "10"
    assert abs(case["lat"] - lat) < 1e-4 and abs(case["lon"] - lon) < 1e-4 and case["types"]

    browser.navigate(f"{app_url}/complaints")
    _settle(browser, "เรื่องร้องเรียน", "จุดที่มีเรื่องร้องเรียนมาก", "เรื่องค้างนานที่สุดในพื้นที่",
            t("cx_accountability", "th"), "แบบจำลองที่เลือกจากการทดสอบย้อนหลัง", shot="complaints")
    drawn = ("[...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] svg [aria-label]')]"
             f".some(e => (e.getAttribute('aria-label') || '').includes({json.dumps(case_id)}))")
    browser.wait_for(drawn, 60, f"the case {case_id} drawn on the hotspot map")
    # the same page in English, from the sidebar's switch (the session keeps it until the next navigation)
    _click(browser, '[data-testid="stSidebar"] label', "English")
    headings = ("cx_map", "cx_trend", "cx_forecast", "cx_oldest", "cx_accountability")
    text = _settle(browser, t("page_complaints", "en"), *(t(k, "en") for k in headings), shot="complaints_en")
    assert not [t(k, "th") for k in headings if t(k, "th") in text]
    # the choices shown in the select boxes, relabelled on the switch ('All provinces', not 'ทุกจังหวัด'),
    # checked at the end so that the officer's part runs whatever they say
    chosen = browser.evaluate("[...document.querySelectorAll('[data-testid=\"stSelectbox\"] input')].map(i => i.value)")

    # an officer reviews the case: the suggestion is shown, the types confirmed and the case taken on
    browser.navigate(f"{app_url}/complaint_review")
    _settle(browser, "ตรวจสอบเรื่องร้องเรียน", "ระบบแนะนำ")
    _type(browser, 'input[aria-label="หรือพิมพ์เลขที่เรื่อง"]', case_id)
    browser.send("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13)
    _settle(browser, "ตรวจสอบเรื่องร้องเรียน", case_id, TEXT)
    _type(browser, 'input[aria-label="ผู้ดำเนินการ/หน่วยงาน"]', "กองช่าง")
    browser.click("[...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith('บันทึก'))")
    _settle(browser, "ตรวจสอบเรื่องร้องเรียน", f"บันทึกเรื่อง {case_id} แล้ว", shot="complaint_review")
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60) as api:
        detail = api.get(f"/v1/complaints/{case_id}").json()
    assert detail["corrected"] and detail["events"][0]["kind"] == "type" and detail["events"][0]["by"] == "กองช่าง"
    assert detail["types"] == case["types"]  # confirmed as suggested
    assert chosen and not [c for c in chosen if re.search("[\u0e00-\u0e7f]", c)], chosen


# what overflows a phone's width: the page itself, or any visible element of the main block wider than it
_OVERFLOW = """(() => {
  const width = window.innerWidth;
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const wide = [...main.querySelectorAll('textarea, input, button, [data-testid="stVegaLiteChart"]')]
    .filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right));
  return {width, scroll: document.documentElement.scrollWidth, wide};
})()"""


def test_a_citizen_reports_from_a_phone(servers, browser) -> None:
    api_url, app_url, _ = servers
    with browser.phone(390, 844):
        browser.navigate(f"{app_url}/report")
        _settle(browser, "แจ้งเรื่องร้องเรียน", "ตำแหน่ง", "ส่งเรื่อง")
        layout = browser.evaluate(_OVERFLOW)
        assert layout["width"] == 390 and layout["scroll"] <= 391 and layout["wide"] == [], layout
        tops = browser.evaluate("['ละติจูด', 'ลองจิจูด', 'อำเภอ/เขต (ถ้าไม่มีพิกัด)'].map(l => document.querySelector("
                                "`input[aria-label=\"${l}\"]`).getBoundingClientRect().top)")
        assert tops == sorted(tops), tops  # stacked: the coordinates together, then the written place
        _type(browser, 'input[aria-label="ละติจูด"]', "18.78830")
        _type(browser, 'input[aria-label="ลองจิจูด"]', "98.98530")
        _type(browser, "textarea", "ถนนหน้าวัดเป็นหลุมใหญ่ รถจักรยานยนต์ล้ม")
        browser.click("[...document.querySelectorAll('button')].find(b => b.innerText.includes('ส่งเรื่อง'))")
        text = _settle(browser, "แจ้งเรื่องร้องเรียน", "รับเรื่องแล้ว เลขที่เรื่อง", shot="complaint_report_phone")
        assert browser.evaluate(_OVERFLOW)["wide"] == []
    case_id = text.split("รับเรื่องแล้ว เลขที่เรื่อง", 1)[1].split()[0]
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60) as api:
        case = api.get(f"/v1/complaints/{case_id}").json()
    assert case["province_code"] == "50" and case["place_method"] == "coords"  # Chiang Mai, from typed coordinates
