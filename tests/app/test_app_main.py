"""app.main against the real API: the default page, the sidebar preferences, the API-down message."""

from __future__ import annotations

import socket

from streamlit.testing.v1 import AppTest

from tests.app.conftest import MAIN
from tests.app.expect import next_fiscal_year


def test_opens_on_the_overview_in_thai_with_the_data_month(open_app, api):
    at = open_app()
    assert at.title[0].value == "ภาพรวม"
    assert at.sidebar.radio(key="pref_lang").value == "th"
    assert at.sidebar.radio(key="pref_era").value == "BE"
    health = api.get("/health").json()
    year, month = (int(p) for p in health["data_as_of"].split("-"))
    months_th = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
    assert f"ข้อมูลถึง {months_th[month - 1]} {year + 543}" in at.sidebar.caption[0].value
    assert not at.error


def test_english_switch(open_app, api):
    at = open_app()
    at.sidebar.radio(key="pref_lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert f"FY{next_fiscal_year(api)}" in at.subheader[0].value
    assert "million baht" in at.metric[0].value


def test_years_in_ce_and_thai_digits(open_app, api):
    fy = next_fiscal_year(api)
    at = open_app()
    assert f"ปีงบประมาณ {fy}" in at.subheader[0].value
    at.sidebar.radio(key="pref_era").set_value("CE").run()
    assert f"ปีงบประมาณ {fy - 543}" in at.subheader[0].value
    at.sidebar.toggle(key="pref_digits").set_value(True).run()
    assert any(c in at.metric[0].value for c in "๐๑๒๓๔๕๖๗๘๙")
    assert not any(c in at.metric[0].value for c in "0123456789")


def test_choices_survive_a_language_switch(open_app):
    at = open_app("drilldown")
    at.selectbox(key="drill_step0").select("region:6").run()
    at.sidebar.radio(key="pref_era").set_value("CE").run()
    at.sidebar.radio(key="pref_lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="drill_step0").value == "region:6"
    assert at.sidebar.radio(key="pref_era").value == "CE"
    assert at.main.markdown[0].value == "**Region** · Thailand › South"
    assert at.selectbox(key="drill_step1").value == "all"


def test_api_down_is_said_on_the_page(monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("KHLANG_API_URL", f"http://127.0.0.1:{port}")
    at = AppTest.from_file(str(MAIN), default_timeout=60).run()
    assert not at.exception
    assert len(at.error) == 1
    assert f"http://127.0.0.1:{port}" in at.error[0].value and "khlang serve" in at.error[0].value
    assert not at.title  # the page did not run
