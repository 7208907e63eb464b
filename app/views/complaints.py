"""Complaints for executives: where they are (cases per district and the reported points), what they are
about week by week with the forecast beside the trend, the oldest unresolved cases of the area, and how
fast each LAO resolves them against its peers (LAOs of its type and size). Every table downloads as CSV and Excel."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.complaint_maps import district_features, hotspot_map
from app.context import Context, current_context
from app.i18n import lao_type_label
from app.tables import number_column, show_table
from khlang.config import load_settings
from khlang.domain.reference import load_reference

__all__ = ["render", "ALL"]

ALL = "ทั้งหมด"  # the API's every-type row
UNTYPED = "ไม่ระบุ"  # the API's group of the cases without a type


@st.cache_resource(show_spinner=False)
def _reference():
    return load_reference(load_settings().thailand_dir)


def _type_label(ctx: Context, kind: str) -> str:
    """A problem type as shown: the API's every-type row and untyped group in the page's language."""
    return ctx.t("cx_all_types") if kind == ALL else ctx.t("cx_untyped") if kind == UNTYPED else kind


def _area(ctx: Context) -> str | None:
    provinces = _reference().provinces
    # "" (not None) for the whole country: a choice of None reads as no choice once relabelled (app.main)
    names = {"": ctx.t("cx_all"), **dict(zip(provinces["province_code"],
                                              provinces["name_th" if ctx.lang == "th" else "name_en"], strict=True))}
    return st.selectbox(ctx.t("cx_province"), list(names), format_func=names.get, key="cx_province") or None


def _map(ctx: Context, province: str | None) -> None:
    rows = pd.DataFrame(ctx.call("complaint_summary", "district"))
    if rows.empty:
        return
    totals = rows[rows["type"] == ALL].set_index("key")["cases"]
    cases = ctx.call("complaints", province_code=province, limit=3000)["cases"]
    points = pd.DataFrame(cases, columns=["lon", "lat", "types", "case_id"]).dropna(subset=["lon", "lat"])
    points["label"] = points["case_id"] + " · " + points["types"].fillna("")
    if province is None:  # the country: districts of the provinces with cases
        provinces = sorted({str(k)[:2] for k in totals.index if k})
        features = [f for p in provinces for f in district_features(load_settings().thailand_dir, p)]
    else:
        features = district_features(load_settings().thailand_dir, province)
    st.subheader(ctx.t("cx_map"))
    st.vega_lite_chart(hotspot_map(features, totals, points, ctx.t("cx_cases"), ctx.lang), width="stretch")


def _trend(ctx: Context, province: str | None) -> None:
    answer = ctx.call("complaint_trend", province, 104)
    rows = pd.DataFrame(answer["rows"])
    if rows.empty:
        return
    st.subheader(ctx.t("cx_trend"))
    rows["type"] = rows["type"].map(lambda kind: _type_label(ctx, kind))
    if answer.get("after_end"):
        st.caption(ctx.t("cx_after_end", n=ctx.num(answer["after_end"]), week=answer["last_week"]))
    top = rows.groupby("type")["cases"].sum().nlargest(6).index
    shown = rows[rows["type"].isin(top)]
    chart = alt.Chart(shown).mark_line(point=True).encode(
        x=alt.X("week:T", title=None), y=alt.Y("cases:Q", title=ctx.t("cx_cases")),
        color=alt.Color("type:N", title=ctx.t("cx_type")), tooltip=["week:T", "type:N", "cases:Q"])
    st.altair_chart(chart, width="stretch")
    wide = rows.pivot_table(index="week", columns="type", values="cases", fill_value=0).reset_index()
    show_table(wide, "complaints-weekly", (ctx.t("download_csv"), ctx.t("download_xlsx")), "cx_trend_table",
               height=240)


def _forecast(ctx: Context, province: str | None) -> None:
    rows = pd.DataFrame(ctx.call("complaint_summary", "district"))
    if rows.empty:
        return
    totals = rows[(rows["type"] == ALL) & rows["key"].notna()]
    if province is not None:
        totals = totals[totals["key"].str[:2] == province]
    if totals.empty:
        return
    districts = _reference().districts.set_index("district_code")
    codes = totals.sort_values("cases", ascending=False)["key"].tolist()
    label = districts["name_th" if ctx.lang == "th" else "name_en"]
    st.subheader(ctx.t("cx_forecast"))
    left, right = st.columns(2)
    district = left.selectbox(ctx.t("cx_district"), codes, format_func=lambda c: str(label.get(c, c)), key="cx_fc_district")
    types = [ALL, *rows[(rows["key"] == district) & (rows["type"] != ALL)].sort_values("cases", ascending=False)["type"]]
    kind = right.selectbox(ctx.t("cx_type"), types, format_func=lambda k: _type_label(ctx, k), key="cx_fc_type")
    answer, _ = ctx.try_call("complaint_forecast", district, kind)
    if not answer or not answer["points"]:
        st.info(ctx.t("cx_no_forecast"))
        return
    history = pd.DataFrame(answer["history"]).assign(what=ctx.t("cx_cases"))
    points = pd.DataFrame(answer["points"])
    base = alt.Chart(points).encode(x=alt.X("week:T", title=None))
    chart = alt.layer(
        base.mark_area(opacity=0.15, color="#1565c0").encode(y="lo95:Q", y2="hi95:Q"),
        base.mark_area(opacity=0.3, color="#1565c0").encode(y="lo80:Q", y2="hi80:Q"),
        base.mark_line(color="#1565c0", strokeDash=[4, 3]).encode(y=alt.Y("forecast:Q", title=ctx.t("cx_cases")),
                                                                   tooltip=["week:T", "forecast:Q", "lo80:Q", "hi80:Q"]),
        alt.Chart(history).mark_line(color="#37474f").encode(x="week:T", y="cases:Q", tooltip=["week:T", "cases:Q"]))
    st.altair_chart(chart, width="stretch")
    st.caption(ctx.t("cx_model", model=answer["model"] or "–"))


def _oldest(ctx: Context, province: str | None) -> None:
    cases = pd.DataFrame(ctx.call("complaints", province_code=province, stage="open", oldest_first=True, limit=20)["cases"])
    st.subheader(ctx.t("cx_oldest"))
    if cases.empty:
        st.info(ctx.t("no_data"))
        return
    reported = pd.to_datetime(cases["reported_at"], utc=True)
    table = pd.DataFrame({"case_id": cases["case_id"], ctx.t("cx_reported"): reported.dt.date,
                          ctx.t("cx_days_open"): ((pd.Timestamp.now(tz="UTC") - reported).dt.days),
                          ctx.t("cx_type"): cases["types"], ctx.t("cx_state"): cases["state"],
                          ctx.t("cx_lao"): cases["lao_code"], ctx.t("cx_text"): cases["text"].str.slice(0, 120)})
    show_table(table, "complaints-oldest-open", (ctx.t("download_csv"), ctx.t("download_xlsx")), "cx_oldest_table")


def _size_label(size: str, ctx: Context) -> str:
    """The API's size band ('population 10,000–25,000', 'area 25–50 km²', 'size ?') in the page's language."""
    for prefix, key in (("population ", "cx_size_population"), ("area ", "cx_size_area")):
        if size.startswith(prefix):
            return f"{ctx.t(key)} {size.removeprefix(prefix)}"
    return ctx.t("cx_size_unknown")


def _peers(ctx: Context, province: str | None) -> None:
    rows = pd.DataFrame(ctx.call("complaint_peers", province))
    st.subheader(ctx.t("cx_accountability"))
    st.caption(ctx.t("cx_peers_caption"))
    if rows.empty:
        st.info(ctx.t("no_data"))
        return
    laos = _reference().laos.set_index("lao_code")
    names = laos["name_th"] if ctx.lang == "th" else laos["name_en"].fillna(laos["name_th"])  # few have English
    spread = [f"{lo:.1f}–{hi:.1f}" if pd.notna(lo) and pd.notna(hi) else "" for lo, hi in
              zip(rows["peer_p25_days_to_resolve"], rows["peer_p75_days_to_resolve"], strict=True)]
    table = pd.DataFrame({"lao_code": rows["lao_code"], ctx.t("cx_lao"): rows["lao_code"].map(names).fillna(""),
                          ctx.t("lao_type"): rows["lao_type"].map(lambda t_: lao_type_label(t_, ctx.lang)),
                          ctx.t("cx_size"): rows["size"].map(lambda s_: _size_label(s_, ctx)),
                          ctx.t("cx_cases"): rows["cases"], ctx.t("cx_open"): rows["open"],
                          ctx.t("cx_days_resolve"): rows["median_days_to_resolve"],
                          ctx.t("cx_peer_median"): rows["peer_median_days_to_resolve"],
                          ctx.t("cx_peer_spread"): spread, ctx.t("cx_peers"): rows["peers"],
                          ctx.t("cx_vs_peers"): rows["vs_peers"],
                          ctx.t("cx_within"): rows["resolved_within_target"],
                          ctx.t("cx_peer_within"): rows["peer_resolved_within_target"],
                          ctx.t("cx_reopen"): rows["reopen_rate"]}).sort_values(ctx.t("cx_open"), ascending=False)
    show_table(table, "complaints-accountability", (ctx.t("download_csv"), ctx.t("download_xlsx")), "cx_peers_table",
               column_config={ctx.t(k): number_column(ctx.t(k), 1) for k in ("cx_days_resolve", "cx_peer_median")}
               | {ctx.t("cx_vs_peers"): st.column_config.NumberColumn(ctx.t("cx_vs_peers"), format="percent")}
               | {ctx.t(k): st.column_config.NumberColumn(ctx.t(k), format="percent")
                  for k in ("cx_within", "cx_peer_within", "cx_reopen")})


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_complaints"))
    province = _area(ctx)
    total = ctx.call("complaints", province_code=province, limit=1)["total"]
    if not total:
        st.info(ctx.t("cx_none"))
        return
    st.metric(ctx.t("cx_cases"), ctx.num(total), border=True)
    _map(ctx, province)
    _trend(ctx, province)
    _forecast(ctx, province)
    _oldest(ctx, province)
    _peers(ctx, province)


if __name__ == "__main__":
    render()
