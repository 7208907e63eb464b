"""The citizens' page: report a problem in Thai (or English), the place from a click on the map or typed
coordinates (or, without them, the written district), an optional contact kept apart; answered with the
case number, the types Khlang gave it and the unit that will handle it. Works on a phone (one column)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.client import ApiError, KhlangClient
from app.complaint_maps import click_map, district_features
from app.context import current_context
from app.i18n_complaints import PROBLEM_TYPES
from khlang.config import load_settings
from khlang.domain.reference import load_reference

__all__ = ["render", "LAST_CASE"]

LAST_CASE = "report_last_case"


@st.cache_resource(show_spinner=False)
def _provinces() -> pd.DataFrame:
    return load_reference(load_settings().thailand_dir).provinces[["province_code", "name_th", "name_en"]]


def _take_click(event) -> None:
    """A click on the map fills the coordinates (before their inputs are drawn)."""
    spots = (event or {}).get("selection", {}).get("spot") or []
    if spots and {"lon", "lat"} <= set(spots[0]):
        st.session_state["report_lon"], st.session_state["report_lat"] = spots[0]["lon"], spots[0]["lat"]


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_report"))
    st.caption(ctx.t("report_intro"))
    provinces = _provinces()
    names = dict(zip(provinces["province_code"], provinces["name_th" if ctx.lang == "th" else "name_en"], strict=True))
    province = st.selectbox(ctx.t("report_province"), list(names), format_func=names.get, key="report_province")
    st.markdown(f"**{ctx.t('report_where')}**")
    picked = (st.session_state.get("report_lon"), st.session_state.get("report_lat"))
    spec = click_map(district_features(load_settings().thailand_dir, province),
                     picked if None not in picked else None, ctx.lang)
    event = st.vega_lite_chart(spec, on_select="rerun", selection_mode="spot", key=f"report_map_{province}",
                               width="stretch")
    _take_click(event)
    with st.form("report_form", clear_on_submit=False):
        text = st.text_area(ctx.t("report_text"), key="report_text", max_chars=5000, height=140)
        category = st.selectbox(ctx.t("report_category"), ["", *PROBLEM_TYPES], key="report_category",
                                format_func=lambda c: c or ctx.t("report_category_none"))
        left, right = st.columns(2)
        # no default once a click has set the value (Streamlit warns when a widget has both)
        lat = left.number_input(ctx.t("report_lat"), min_value=5.0, max_value=21.0, format="%.5f", key="report_lat",
                                **({} if "report_lat" in st.session_state else {"value": None}))
        lon = right.number_input(ctx.t("report_lon"), min_value=97.0, max_value=106.0, format="%.5f", key="report_lon",
                                 **({} if "report_lon" in st.session_state else {"value": None}))
        # a row of its own: on a phone the columns stack, the coordinates first, then the written place
        left, right = st.columns(2)
        district = left.text_input(ctx.t("report_district"), key="report_district")
        subdistrict = right.text_input(ctx.t("report_subdistrict"), key="report_subdistrict")
        with st.expander(ctx.t("report_contact")):
            name = st.text_input(ctx.t("report_name"), key="report_name")
            phone = st.text_input(ctx.t("report_phone"), key="report_phone")
            email = st.text_input(ctx.t("report_email"), key="report_email")
        sent = st.form_submit_button(ctx.t("report_submit"), type="primary", icon=":material/send:")
    if not sent:
        return
    if not text.strip():
        st.warning(ctx.t("report_need_text"))
        return
    body = {"text": text, "category": category, "province": names[province] if ctx.lang == "th" else
            str(provinces.set_index("province_code").at[province, "name_th"]),
            "district": district, "subdistrict": subdistrict}
    if lat is not None and lon is not None:
        body |= {"lat": float(lat), "lon": float(lon)}
    if name or phone or email:
        body["contact"] = {"name": name or None, "phone": phone or None, "email": email or None}
    try:
        case = KhlangClient().submit_complaint(body)
    except ApiError as error:
        st.error(str(error), icon=":material/error:")
        return
    st.session_state[LAST_CASE] = case["case_id"]
    st.success(ctx.t("report_done", case_id=case["case_id"]), icon=":material/check_circle:")
    st.info(ctx.t("report_types", types=case["types"] or "–", unit=case.get("responsible_unit") or "–"))


if __name__ == "__main__":
    render()
