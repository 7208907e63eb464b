"""The planners' decision-support app: `streamlit run app/main.py` (or `khlang app`). Reads everything
through the Khlang API at KHLANG_API_URL; Thai by default, English from the sidebar."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from app.client import ApiError, KhlangClient, api_url
from app.context import PREF_KEYS, current_context
from app.i18n import t

__all__ = ["PAGES", "main"]

# (script relative to this file, title key, icon); the first is the default page. The URL path of a page
# is its file's stem (/welfare_planner), which is also how AppTest finds a page before the first run.
PAGES = (
    ("views/overview.py", "page_overview", ":material/map:"),
    ("views/drilldown.py", "page_drilldown", ":material/account_tree:"),
    ("views/welfare_planner.py", "page_welfare", ":material/elderly:"),
    ("views/budget_tracker.py", "page_tracker", ":material/account_balance:"),
    ("views/waste.py", "page_waste", ":material/delete:"),
    ("views/model_board.py", "page_models", ":material/model_training:"),
    ("views/data_quality.py", "page_quality", ":material/fact_check:"),
    ("views/complaints.py", "page_complaints", ":material/campaign:"),
    ("views/complaint_review.py", "page_review", ":material/rule:"),
    ("views/report.py", "page_report", ":material/add_comment:"),
)


# Widgets whose option labels depend on the language. A browser keeps a widget's choice as its label, so
# when the language changes each is set again from the script, which sends the choice with its new label.
_RELABELLED = re.compile(r"^(pref_era|\w+_step\d|ov_family|ov_map_metric|ov_map_mode|ov_drill_province|drill_metric"
                         r"|welfare_fy|tracker_metric|tracker_fy|tracker_cutoff|waste_fy|models_\w+_metric"
                         r"|cx_province|cx_fc_district|cx_fc_type|report_province|report_category|rv_state_[\w-]+)$")


def _relabel() -> None:
    for key in [k for k in st.session_state if _RELABELLED.match(str(k))]:
        st.session_state[key] = st.session_state[key]


def _sidebar() -> str:
    """Language, year era and digits; returns the language."""
    lang = st.sidebar.radio("ภาษา / Language", ["th", "en"], key=PREF_KEYS["lang"], horizontal=True,
                            format_func=lambda code: "ไทย" if code == "th" else "English", on_change=_relabel)
    st.sidebar.radio(t("era", lang), ["BE", "CE"], key=PREF_KEYS["era"], horizontal=True,
                     format_func=lambda era: t("era_be" if era == "BE" else "era_ce", lang))
    st.sidebar.toggle(t("thai_digits", lang), key=PREF_KEYS["digits"])
    return lang


def main() -> None:
    st.set_page_config(page_title="Khlang", page_icon=":material/account_balance:", layout="wide")
    lang = _sidebar()
    pages = [st.Page(path, title=t(title, lang), icon=icon, url_path=Path(path).stem, default=i == 0)
             for i, (path, title, icon) in enumerate(PAGES)]
    page = st.navigation(pages)
    try:  # not cached: the page says at once when the API has gone away
        st.session_state["api_health"] = KhlangClient(timeout_s=10).health()
    except ApiError as error:
        st.error(t("api_down", lang, url=api_url(), error=error), icon=":material/cloud_off:")
        st.stop()
    ctx = current_context()
    published = ctx.health.get("published_at")
    st.sidebar.caption(t("data_as_of", lang, month=ctx.month(f"{ctx.data_as_of}-01") if ctx.data_as_of else "–",
                         published=str(published)[:16].replace("T", " ") if published else "–"))
    try:
        page.run()
    except ApiError as error:
        st.error(t("api_down" if error.unreachable else "api_error", lang, url=api_url(), error=error),
                 icon=":material/cloud_off:")


if __name__ == "__main__":
    main()
