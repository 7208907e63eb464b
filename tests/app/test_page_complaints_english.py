"""The three complaints pages in English against the real API over a work folder with real Traffy tickets
imported, a classifier trained and the weekly volumes published (as in test_e2e_complaints): each page runs
without an exception, its title and headings are the English table's, and no Thai is left in any text the
page itself writes (headings, labels, options, buttons, captions, messages, table headers, chart titles),
only in the data: the complaints' texts, their problem types, their responsible units, Traffy's states.
A citizen's report and an officer's save are answered in English too; the check itself finds the Thai of
a Thai page; every choice whose labels change with the language is relabelled on the switch (app.main).
Statically, every string key the views use has an English entry of its own."""

from __future__ import annotations

import ast
import bisect
import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from app.context import PREF_KEYS
from app.i18n import STRINGS, t
from app.i18n_complaints import COMPLAINT_STRINGS, PROBLEM_TYPES
from app.main import _RELABELLED
from khlang.catalog import Catalog
from models.complaints.train import publish_volumes, train_classifier
from pipelines.complaints.routing import load_gazetteer
from pipelines.complaints.store import import_files
from serving.config import ServeConfig
from tests.app.api_thread import api_in_thread
from tests.app.conftest import MAIN, _keep_component_scan, _share_component_scan

TOKEN = "complaints-en-token"
VIEWS = MAIN.parent / "views"
PAGES = {"complaints": "page_complaints", "report": "page_report", "complaint_review": "page_review"}
THAI = re.compile("[\u0e00-\u0e7f]+")
_PREVIEW = 30  # characters of the start of a complaint's text that make a preview of it


@pytest.fixture(scope="module")
def complaints_url(settings, ticket_sample, tmp_path_factory) -> Iterator[str]:
    world = settings.with_work_dir(tmp_path_factory.mktemp("complaints-en") / "work")
    catalog = Catalog.from_settings(world).ensure()
    import_files([ticket_sample], catalog, load_gazetteer(settings.thailand_dir))
    train_classifier([ticket_sample], catalog)
    publish_volumes(catalog)
    with api_in_thread(world, ServeConfig(deposit_token=TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def complaints_api(complaints_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=complaints_url, trust_env=False, timeout=60) as client:
        yield client


@dataclass(frozen=True)
class Data:
    """What the pages may show in Thai because it is data, from the API's raw answers: words (the cases'
    problem types with the citizens' list and the classifier's, their responsible units, Traffy's states
    other than the workflow's own), found anywhere in a text; and the complaints' texts, a whole text or a
    part of one between ' · ' (a label's preview, cut short)."""

    words: tuple[str, ...]  # longest first
    texts: tuple[str, ...]  # sorted

    def is_text(self, part: str) -> bool:
        """A whole text, or the start of one long enough to be a preview."""
        i = bisect.bisect_left(self.texts, part)
        found = bool(part) and i < len(self.texts) and self.texts[i].startswith(part)
        return found and (len(part) >= _PREVIEW or self.texts[i] == part)

    def without(self, shown: str) -> str:
        """`shown` with the data in it blanked."""
        shown = " · ".join("" if self.is_text(part.strip()) else part for part in shown.split(" · "))
        for word in self.words:
            if not THAI.search(shown):
                break
            shown = shown.replace(word, " ")
        return shown


@pytest.fixture(scope="module")
def data(complaints_api) -> Data:
    """Not the summaries' every-type row ('ทั้งหมด') nor their untyped group ('ไม่ระบุ'): the app's words;
    nor a text that is one of the app's strings (as some tickets are)."""
    cases = complaints_api.get("/v1/complaints", params={"limit": 5000}).json()["cases"]
    assert len(cases) > 1000
    texts = {c["text"].strip() for c in cases if c["text"]} - {th for th, _ in STRINGS.values()}
    types = {k for c in cases for k in (c["types"] or "").split(",") if k} | set(PROBLEM_TYPES)
    for text in sorted(texts)[:20]:
        types |= set(complaints_api.post("/v1/complaints/classify", json={"text": text}).json()["scores"])
    units = {c["responsible_unit"] for c in cases if c.get("responsible_unit")}
    workflow = {th for key, (th, _) in COMPLAINT_STRINGS.items() if key.startswith("cx_state_")}
    words = (types | units | {c["state"] for c in cases} - workflow) - {"ทั้งหมด", "ไม่ระบุ", ""}
    return Data(tuple(sorted(words, key=len, reverse=True)), tuple(sorted(texts)))


@pytest.fixture
def open_page(complaints_url, monkeypatch) -> Callable[..., AppTest]:
    """open_page(page, lang="en", token=True): the app opened on views/<page>.py over the complaints API in
    `lang` and run once, with no uncaught exception; `token`: the operator's token in the app's environment."""
    monkeypatch.setenv("KHLANG_API_URL", complaints_url)

    def _open(page: str, lang: str = "en", token: bool = True) -> AppTest:
        if token:
            monkeypatch.setenv("KHLANG_DEPOSIT_TOKEN", TOKEN)
        else:
            monkeypatch.delenv("KHLANG_DEPOSIT_TOKEN", raising=False)
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        _share_component_scan(at)
        at.session_state[PREF_KEYS["lang"]] = lang
        at.switch_page(f"views/{page}.py")
        at.run()
        _keep_component_scan(at)
        _no_exception(at)
        return at

    return _open


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _spec_strings(value: object) -> Iterator[str]:
    """The strings of a Vega-Lite spec (titles, labels, field names), not of its data."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("data", "datasets", "values"):
                yield from _spec_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _spec_strings(item)
    elif isinstance(value, str):
        yield value


def _shown(at: AppTest) -> Iterator[tuple[str, str]]:
    """(what, text) of every text the page shows: in the main area and the sidebar (except the language
    switch itself, bilingual on purpose), each element's label, help, value, options, table header, chart spec."""
    for area in (at.main, at.sidebar):
        for node in area:
            kind = node.type
            if getattr(node, "key", None) == PREF_KEYS["lang"]:
                continue
            for attribute in ("label", "help", "placeholder"):
                with contextlib.suppress(Exception):
                    text = getattr(node, attribute)
                    if isinstance(text, str) and text:
                        yield f"{kind} {attribute}", text
            if kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning",
                        "success", "error", "metric"):
                yield kind, str(node.value)
            elif kind in ("selectbox", "multiselect", "radio"):
                for option in node.options:
                    yield f"{kind} {node.label!r} option", str(option)
            elif kind == "dataframe":
                for column in node.value.columns:
                    yield "table header", str(column)
            elif kind == "vega_lite_chart":
                for text in _spec_strings(json.loads(node.proto.spec)):
                    yield "chart", text


def _assert_english(at: AppTest, data: Data) -> None:
    left = sorted({f"{what}: {text!r}" for what, text in _shown(at) if THAI.search(data.without(text))})
    assert not left, "Thai left in the English page:\n" + "\n".join(left)


def _english(*keys: str) -> set[str]:
    return {t(key, "en") for key in keys}


def test_the_executives_page_in_english(open_page, complaints_api, data):
    at = open_page("complaints")
    assert at.title[0].value == t("page_complaints", "en")
    headings = [h.value for h in at.subheader]
    assert _english("cx_map", "cx_trend", "cx_forecast", "cx_oldest", "cx_accountability") <= set(headings)
    assert set(headings) <= {en for _, en in COMPLAINT_STRINGS.values()}
    total = complaints_api.get("/v1/complaints", params={"limit": 1}).json()["total"]
    assert at.metric[0].label == t("cx_cases", "en") and at.metric[0].value == f"{total:,}"
    _assert_english(at, data)
    at.selectbox(key="cx_province").select("10").run()  # one province: Bangkok, where the tickets are
    _no_exception(at)
    _assert_english(at, data)


def test_a_citizen_reports_in_english(open_page, complaints_api, data):
    at = open_page("report")
    assert at.title[0].value == t("page_report", "en")
    assert at.caption[0].value == t("report_intro", "en")
    assert at.selectbox(key="report_province").options[0] == "Bangkok"
    _assert_english(at, data)
    at.button[0].click().run()  # nothing written yet
    _no_exception(at)
    assert [w.value for w in at.warning] == [t("report_need_text", "en")]
    at.text_area(key="report_text").input("Street lights out along the whole soi, very dark at night")
    at.number_input(key="report_lat").set_value(13.8024)
    at.number_input(key="report_lon").set_value(100.5536)
    at.button[0].click().run()
    _no_exception(at)
    case_id = at.session_state["report_last_case"]
    case = complaints_api.get(f"/v1/complaints/{case_id}").json()
    assert [s.value for s in at.success] == [t("report_done", "en", case_id=case_id)]
    assert [i.value for i in at.info] == [t("report_types", "en", types=case["types"] or "–",
                                            unit=case.get("responsible_unit") or "–")]
    unit = case["responsible_unit"] or "–"
    _assert_english(at, Data((unit, *data.words), data.texts))


def test_an_officer_reviews_in_english(open_page, complaints_api, data):
    at = open_page("complaint_review", token=False)
    assert at.title[0].value == t("page_review", "en")
    assert [i.value for i in at.info] == [t("rv_no_token", "en")]
    _assert_english(at, data)

    at = open_page("complaint_review")
    assert not at.info
    case_id = at.selectbox(key="rv_case").value
    assert at.caption[0].value.startswith("Suggested: ")
    at.selectbox(key=f"rv_state_{case_id}").select("กำลังดำเนินการ")  # in progress
    at.text_input(key="rv_by").input("Engineering division")
    at.button[0].click().run()
    _no_exception(at)
    assert [s.value for s in at.success] == [t("rv_saved", "en", case_id=case_id)]
    event = complaints_api.get(f"/v1/complaints/{case_id}").json()["events"][-1]
    assert (event["kind"], event["value"], event["by"]) == ("state", "กำลังดำเนินการ", "Engineering division")
    _assert_english(at, data)


def test_the_check_sees_the_thai_page(open_page, data):
    """The check is not blind: on the Thai page it finds the title, the labels and the button."""
    at = open_page("report", lang="th")
    with pytest.raises(AssertionError) as found:
        _assert_english(at, data)
    for key in ("page_report", "report_text", "report_province", "report_submit", "report_category_none"):
        assert t(key, "th") in str(found.value), key


def _choices(at: AppTest) -> dict[str, object]:
    return {node.key: node for kind in ("selectbox", "multiselect", "radio") for node in at.main.get(kind)
            if node.key}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_choice_is_relabelled_when_the_language_changes(open_page, page):
    """A browser keeps a choice as its label: a widget whose labels change with the language must be set
    again on the switch (app.main's relabelling), and its choice must not be None, which reads as no
    choice once set again (the select box shows its placeholder)."""
    at = open_page(page, lang="th")
    thai = {key: list(node.options) for key, node in _choices(at).items()}
    at.sidebar.radio(key=PREF_KEYS["lang"]).set_value("en").run()
    _no_exception(at)
    english = _choices(at)
    changing = sorted(key for key, node in english.items() if key in thai and list(node.options) != thai[key])
    assert [key for key in changing if not _RELABELLED.match(key)] == [], "not relabelled on the switch"
    assert [key for key in changing if english[key].value is None] == [], "a choice of None"


def _keys_used(path: Path) -> set[str]:
    """The string keys of app.i18n a view names: every string literal of it that is a key (a key passed
    to ctx.t directly or kept in a tuple to look up later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    called = {n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
              and isinstance(n.args[0], ast.Constant) and getattr(n.func, "attr", getattr(n.func, "id", None)) == "t"}
    assert called <= set(STRINGS), f"{path.name} asks for strings no table has: {sorted(called - set(STRINGS))}"
    return literals & set(STRINGS)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_string_of_the_view_has_its_own_english(page):
    keys = _keys_used(VIEWS / f"{page}.py")
    assert PAGES[page] in keys
    for key in sorted(keys):
        th, en = STRINGS[key]
        assert en.strip() and en != th, key
        assert not THAI.search(en), f"{key}: Thai in the English string {en!r}"


def test_the_complaint_strings_english_is_english():
    for key, (th, en) in COMPLAINT_STRINGS.items():
        assert th.strip() and en.strip() and en != th, key
        assert not THAI.search(en), f"{key}: Thai in the English string {en!r}"
