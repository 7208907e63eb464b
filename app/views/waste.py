"""Waste: tonnes/day and kg/person/day per LAO against peers of the same type and size (population band,
from the registered population the units report), within the chosen unit and against the national mean
of the type."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.context import Context, current_context
from app.i18n import lao_type_label, unit_name
from app.peers import area_band_label, peer_comparison, population_band_label
from app.picker import busiest_province_path, lao_units, unit_picker
from app.planning import latest_reported, series_frame, unit_annual
from app.tables import number_column, show_table
from khlang.config import load_settings
from khlang.domain.reference import load_reference

__all__ = ["METRIC", "render"]

METRIC = "waste_generated"
POPULATION = "population_registered"


@st.cache_resource(show_spinner=False)
def _register() -> pd.DataFrame:
    """LAO code (int), type and area (km2) from the DLA register."""
    laos = load_reference(load_settings().thailand_dir).laos
    return laos.set_index(laos["lao_code"].astype("int64"))[["lao_type", "area_km2"]]


def _lao_values(ctx: Context, laos: list[dict], fiscal_year: int) -> pd.DataFrame:
    register = _register()
    rows = []
    for lao in laos:
        history, _ = ctx.try_call("history", METRIC, "lao", lao["code"])
        forecast, _ = ctx.try_call("forecasts", METRIC, "lao", lao["code"])
        value = unit_annual(series_frame(history, forecast), "tonnes/day", fiscal_year)
        if pd.isna(value):
            continue
        known = lao["code"] in register.index
        people, _ = ctx.try_call("history", POPULATION, "lao", lao["code"])
        population, population_fy = latest_reported(people, fiscal_year)
        rows.append({"code": lao["code"], "name": unit_name(lao, ctx.lang), "lao_type": lao.get("lao_type"),
                     "area_km2": register.at[lao["code"], "area_km2"] if known else None,
                     "population": population, "population_fy": population_fy, "tonnes_day": value})
    return pd.DataFrame(rows)


def _national_by_type(ctx: Context, fiscal_year: int, source: str) -> pd.DataFrame:
    answer, _ = ctx.try_call("aggregate", METRIC, source, ("lao_type",), level="lao", fiscal_year=fiscal_year)
    rows = pd.DataFrame(answer["rows"] if answer else [])
    if rows.empty:
        return rows
    rows["national_mean"] = rows["value"] / rows["n"]  # tonnes/day per LAO-month of the type
    return rows[["lao_type", "national_mean"]]


def _chart(ctx: Context, compared: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(compared).encode(y=alt.Y("name:N", sort="-x", title=None,
                                              axis=alt.Axis(labelOverlap=False, labelLimit=220)))
    bars = base.mark_bar(color="#2e7d32").encode(
        x=alt.X("tonnes_day:Q", title="tonnes/day"),
        tooltip=["name", "lao_type_label", alt.Tooltip("tonnes_day:Q", format=",.1f"),
                 alt.Tooltip("peer_median:Q", format=",.1f"), alt.Tooltip("vs_peers:Q", format="+.0%")])
    ticks = base.mark_tick(color="#d9822b", thickness=3, size=14).encode(x="peer_median:Q")
    return alt.layer(bars, ticks).properties(height=alt.Step(22))


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_waste"))
    with st.spinner(ctx.t("loading")):
        unit = unit_picker(ctx, "waste", busiest_province_path(ctx, METRIC))
    years = {ctx.next_fy: "forecast", ctx.this_fy: "forecast", ctx.this_fy - 1: "history"}
    fiscal_year = st.radio(ctx.t("source_year"), list(years), key="waste_fy", horizontal=True, format_func=ctx.fy)
    if unit["level"] in ("nation", "region"):
        st.info(ctx.t("pick_province"))
        return
    with st.spinner(ctx.t("loading")):
        laos = lao_units(ctx, unit)
        values = _lao_values(ctx, laos, fiscal_year)
    if values.empty:
        st.info(ctx.t("no_data"))
        return
    compared = peer_comparison(values)
    has_population = bool(compared["per_capita"].notna().any())
    if not has_population:
        st.info(ctx.t("no_population"), icon=":material/info:")
    national = _national_by_type(ctx, fiscal_year, years[fiscal_year])
    if not national.empty:
        compared = compared.merge(national, on="lao_type", how="left")
        compared["vs_national"] = compared["tonnes_day"] / compared["national_mean"] - 1.0
    compared["lao_type_label"] = compared["lao_type"].map(lambda t_: lao_type_label(t_, ctx.lang))
    compared["area_band_label"] = compared["area_band"].map(area_band_label)
    compared["population_band_label"] = compared["population_band"].map(population_band_label)
    total = compared["tonnes_day"].sum()
    cards = st.columns(3)
    cards[0].metric(f"{unit_name(unit, ctx.lang)} · {ctx.fy(fiscal_year)}", ctx.qty(total, "tonnes/day"), border=True)
    cards[1].metric(ctx.t("lao_type"), ctx.num(compared["lao_type"].nunique()), border=True)
    if has_population:
        cards[2].metric(ctx.t("per_capita"), ctx.qty(compared["per_capita"].median(), "kg/person/day"), border=True)
    else:
        cards[2].metric(ctx.t("peer_group"), ctx.num(compared["peer_group"].nunique()), border=True)
    st.altair_chart(_chart(ctx, compared), width="stretch", key="waste_chart")
    st.caption(ctx.t("peer_tick"))
    per_capita = ["population", "population_fy", "population_band_label", "per_capita", "peer_median_per_capita",
                  "vs_peers_per_capita"] if has_population else []  # no population: no such columns
    columns = ["code", "name", "lao_type_label", "area_km2", "area_band_label", *per_capita[:3], "tonnes_day", "per_km2",
               *per_capita[3:], "peers", "peer_median", "vs_peers",
               *(["national_mean", "vs_national"] if not national.empty else [])]
    order = "vs_peers_per_capita" if has_population else "vs_peers"
    show_table(compared[columns].sort_values(order, ascending=False),
               f"waste_peers_{unit['level']}_{unit['code']}_{fiscal_year}", (ctx.t("download_csv"), ctx.t("download_xlsx")),
               key="waste_table",
               column_config={"code": st.column_config.NumberColumn(ctx.t("code"), format="%d"), "name": ctx.t("unit"),
                              "lao_type_label": ctx.t("lao_type"), "area_km2": number_column("km²", 1),
                              "area_band_label": ctx.t("area_band"), "tonnes_day": number_column("tonnes/day", 2),
                              "per_km2": number_column(ctx.t("per_area"), 3),
                              "population": number_column(ctx.t("population"), 0),
                              "population_fy": st.column_config.NumberColumn(ctx.t("population_fy"), format="%d"),
                              "population_band_label": ctx.t("population_band"),
                              "per_capita": number_column(ctx.t("per_capita") + " (kg/person/day)", 2),
                              "peer_median_per_capita": number_column(ctx.t("peer_median_per_capita"), 2),
                              "vs_peers_per_capita": st.column_config.NumberColumn(ctx.t("vs_peers_per_capita"),
                                                                                   format="percent"),
                              "peers": st.column_config.NumberColumn(ctx.t("peer_group"), format="%d"),
                              "peer_median": number_column(ctx.t("peer_median"), 2),
                              "vs_peers": st.column_config.NumberColumn(ctx.t("vs_peers"), format="percent"),
                              "national_mean": number_column(ctx.t("national_type_mean"), 2),
                              "vs_national": st.column_config.NumberColumn(ctx.t("vs_national"), format="percent")})


if __name__ == "__main__":
    render()
