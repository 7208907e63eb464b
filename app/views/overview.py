"""Overview: next fiscal year's national and regional totals per metric family with the change against this
year, and a province map coloured by a metric or its change; picking a province opens the drill-down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.context import Context, current_context
from app.format import unit_label as format_unit
from app.geo import choropleth, province_features
from app.i18n import family_label, metric_label
from app.picker import set_picker_path
from app.planning import annual_totals, year_over_year
from app.tables import number_column, show_table
from khlang.config import load_settings
from khlang.domain.metrics import FAMILIES, METRICS
from khlang.domain.reference import REGIONS

__all__ = ["DRILL_PAGE", "metric_totals", "render"]

DRILL_PAGE = "views/drilldown.py"
_LEVEL_KEY = {"nation": (), "region": ("region",), "province": ("province",)}


@st.cache_resource(show_spinner=False)
def _features() -> list[dict]:
    return province_features(load_settings().thailand_dir)


def metric_totals(ctx: Context, metric: str, level: str, **filters: object) -> pd.DataFrame:
    """Per unit of `level` (nation, region, province): this year's and next year's annual figure and the
    change. This year = months reported so far + forecast of the rest."""
    keys = _LEVEL_KEY[level]
    by = (*keys, "fiscal_year")
    forecast = ctx.call("aggregate", metric, "forecast", by, level=level, **filters)["rows"]
    history, _ = ctx.try_call("aggregate", metric, "history", by, level=level, fiscal_year=ctx.this_fy, **filters)
    totals = annual_totals(history["rows"] if history else [], forecast, METRICS[metric].unit, keys)
    return year_over_year(totals, ctx.this_fy, ctx.next_fy, keys)


def _cards(ctx: Context, family: str, metrics: list[str]) -> None:
    national = {m: metric_totals(ctx, m, "nation").iloc[0] for m in metrics}
    # baht totals read long ('198,882 ล้านบาท'): two cards a row keep them whole
    per_row = 2 if any(METRICS[m].unit == "baht" for m in metrics) else 3
    columns = st.columns(min(len(metrics), per_row) or 1)
    for i, metric in enumerate(metrics):
        row, unit = national[metric], METRICS[metric].unit
        with columns[i % len(columns)]:
            st.metric(metric_label(metric, ctx.lang), ctx.qty(row["next_year"], unit),
                      delta=f"{ctx.change(row['next_year'], row['this_year'])} {ctx.t('vs_fy', fy=ctx.fy(ctx.this_fy))}",
                      delta_color="off", border=True)
            st.caption(f"{ctx.fy(ctx.this_fy)}: {ctx.qty(row['this_year'], unit)}")
    if family == "welfare":
        _allowance_cards(ctx)


def _allowance_cards(ctx: Context) -> None:
    rows, error = ctx.try_call("welfare", "nation", 0)
    if error or not rows:
        return
    frame = pd.DataFrame(rows)
    columns = st.columns(2)
    for column, item in zip(columns, ("elderly_allowance", "disability_allowance"), strict=True):
        baht = frame[frame["item"] == item].set_index("fiscal_year")["baht"]
        if ctx.next_fy in baht.index:
            with column:
                st.metric(metric_label(item, ctx.lang), ctx.qty(baht[ctx.next_fy], "baht"),
                          delta=f"{ctx.change(baht.get(ctx.next_fy), baht.get(ctx.this_fy))} "
                                f"{ctx.t('vs_fy', fy=ctx.fy(ctx.this_fy))}", delta_color="off", border=True)


def _regional_table(ctx: Context, metrics: list[str]) -> None:
    st.subheader(ctx.t("by_region"))
    frames = []
    for metric in metrics:
        part = metric_totals(ctx, metric, "region")
        unit = METRICS[metric].unit
        if unit == "baht":  # billions of baht read as million baht, like the cards
            part[["this_year", "next_year"]] = part[["this_year", "next_year"]] / 1e6
            unit = "million_baht"
        part.insert(0, "metric", metric_label(metric, ctx.lang))
        part.insert(1, "unit", format_unit(unit, ctx.lang))
        frames.append(part)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if table.empty:
        st.info(ctx.t("no_data"))
        return
    table.insert(0, "region_name", table["region"].map(lambda r: REGIONS[int(r)][0 if ctx.lang == "th" else 1]))
    this_label, next_label = ctx.fy(ctx.this_fy), ctx.fy(ctx.next_fy)
    show_table(table, f"regions_{ctx.next_fy}", (ctx.t("download_csv"), ctx.t("download_xlsx")), key="ov_regions",
               column_config={"region_name": ctx.t("by_region"), "region": None, "metric": ctx.t("metric"),
                              "unit": ctx.t("unit"), "this_year": number_column(this_label, 2),
                              "next_year": number_column(next_label, 2),
                              "change": st.column_config.NumberColumn(ctx.t("change"), format="percent")})


def _map(ctx: Context, metrics: list[str]) -> None:
    st.subheader(ctx.t("by_province"))
    left, right = st.columns([2, 1])
    with left:
        metric = st.selectbox(ctx.t("metric"), metrics, key="ov_map_metric",
                              format_func=lambda m: metric_label(m, ctx.lang))
    with right:
        mode = st.radio(ctx.t("map_colour"), ["value", "change"], key="ov_map_mode", horizontal=True,
                        format_func=lambda m: ctx.t("map_value" if m == "value" else "map_change"))
    unit = METRICS[metric].unit
    provinces = metric_totals(ctx, metric, "province")
    provinces["province_code"] = provinces["province"].astype(int)
    percent = mode == "change"
    millions = unit == "baht" and not percent  # the legend reads in million baht
    provinces["value"] = provinces["change"] if percent else provinces["next_year"] / (1e6 if millions else 1.0)
    provinces["label"] = [ctx.change(n, t_) if percent else ctx.qty(n, unit)
                          for n, t_ in zip(provinces["next_year"], provinces["this_year"], strict=True)]
    shown_unit = format_unit("million_baht" if millions else unit, ctx.lang)
    title = ctx.t("map_change") if percent else f"{ctx.fy(ctx.next_fy)} ({shown_unit})"
    chart = choropleth(_features(), provinces[["province_code", "value", "label"]], title, ctx.lang, percent)
    st.vega_lite_chart(spec=chart, key="ov_map", on_select=_on_map_select, selection_mode="province",
                       width="stretch")
    st.caption(ctx.t("map_caption"))
    picked = st.session_state.pop("ov_picked_province", None)
    names = {f["properties"]["province_code"]: f["properties"] for f in _features()}
    with_data = [int(c) for c in provinces.dropna(subset=["next_year"])["province_code"]]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        choice = st.selectbox(ctx.t("drill_into"), with_data, key="ov_drill_province",
                              format_func=lambda c: names[c]["name_th" if ctx.lang == "th" else "name_en"])
    with right:
        opened = st.button(ctx.t("open"), key="ov_drill_open", icon=":material/zoom_in:")
    if picked is not None or (opened and choice is not None):
        _drill(ctx, picked if picked is not None else choice)


def _on_map_select() -> None:
    """A click on the map (a new selection only: the chart keeps its selection when the page comes back)."""
    event = st.session_state.get("ov_map") or {}
    for point in (event.get("selection") or {}).get("province", []):
        if point.get("province_code") is not None:
            st.session_state["ov_picked_province"] = int(point["province_code"])
            return


def _drill(ctx: Context, province: int) -> None:
    unit = ctx.call("unit", "province", province)
    set_picker_path("drill", [(u["level"], u["code"]) for u in unit["path"][1:]])
    st.switch_page(DRILL_PAGE)


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_overview"))
    st.caption(f"{ctx.t('next_fy', fy=ctx.fy(ctx.next_fy))} · {ctx.t('months_note')}")
    families = [f for f in FAMILIES if f in (ctx.health.get("families") or [])]
    if not families:
        st.info(ctx.t("no_data"))
        return
    family = st.segmented_control(ctx.t("family"), families, key="ov_family", default=families[0],
                                  format_func=lambda f: family_label(f, ctx.lang)) or families[0]
    with st.spinner(ctx.t("loading")):
        metrics = ctx.published(family)
        st.subheader(f"{ctx.t('nation_total')} · {ctx.fy(ctx.next_fy)}")
        _cards(ctx, family, metrics)
        _regional_table(ctx, metrics)
        _map(ctx, metrics)


if __name__ == "__main__":
    render()
