"""Welfare budget planner: next fiscal year's elderly and disability allowance budget of a unit by age tier,
recomputed at once under the what-if controls (rates, ageing / take-up, income test), and per child unit."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.context import Context, current_context
from app.i18n import metric_label, tier_label, unit_name
from app.picker import unit_picker
from app.tables import number_column, show_table
from app.whatif import DEFAULT_RATES, TIER_ITEMS, WelfareScenario, welfare_whatif, whatif_totals

__all__ = ["CONTROL_KEYS", "render"]

CONTROL_KEYS = {"ageing": "welfare_ageing", "disability": "welfare_disability", "income_test": "welfare_income_test",
                "income_share": "welfare_income_share", **{item: f"welfare_rate_{item}" for item in TIER_ITEMS}}
_DEFAULT_INCOME_SHARE = 10.0


def _reset() -> None:
    for key in CONTROL_KEYS.values():
        st.session_state.pop(key, None)


def _controls(ctx: Context) -> WelfareScenario:
    with st.expander(ctx.t("whatif"), expanded=True, icon=":material/tune:"):
        rate_columns = st.columns(len(TIER_ITEMS))
        rates = {}
        for column, item in zip(rate_columns, TIER_ITEMS, strict=True):
            with column:
                rates[item] = st.number_input(tier_label(item, ctx.lang), min_value=0.0, max_value=10_000.0,
                                              value=DEFAULT_RATES[item], step=50.0, key=CONTROL_KEYS[item],
                                              format="%.0f", help=ctx.t("rate"))
        left, middle, right = st.columns(3)
        with left:
            ageing = st.slider(ctx.t("ageing_pct"), -30.0, 30.0, 0.0, 0.5, key=CONTROL_KEYS["ageing"],
                               help=ctx.t("ageing_help"))
        with middle:
            disability = st.slider(ctx.t("disability_pct"), -30.0, 30.0, 0.0, 0.5, key=CONTROL_KEYS["disability"])
        with right:
            income_test = st.toggle(ctx.t("income_test"), key=CONTROL_KEYS["income_test"], help=ctx.t("income_help"))
            share = st.slider(ctx.t("income_share"), 0.0, 60.0, _DEFAULT_INCOME_SHARE, 1.0,
                              key=CONTROL_KEYS["income_share"], disabled=not income_test)
        st.caption(ctx.t("income_help"))
        st.button(ctx.t("reset"), key="welfare_reset", on_click=_reset, icon=":material/restart_alt:")
    return WelfareScenario(rates=rates, elderly_adjust_pct=ageing, disability_adjust_pct=disability,
                           income_test=income_test, income_excluded_pct=share)


def _cards(ctx: Context, totals: pd.DataFrame) -> None:
    columns = st.columns(3)
    for column, item in zip(columns, ("elderly_allowance", "disability_allowance", "total"), strict=True):
        row = totals[totals["item"] == item]
        if row.empty:
            continue
        row = row.iloc[0]
        label = ctx.t("total") if item == "total" else metric_label(item, ctx.lang)
        column.metric(label, ctx.qty(row["scenario_baht"], "baht"),
                      delta=f"{ctx.change(row['scenario_baht'], row['baht'])} · {ctx.t('baseline_budget')} "
                            f"{ctx.qty(row['baht'], 'baht')}", delta_color="off", border=True)


def _tier_chart(ctx: Context, tiers: pd.DataFrame) -> alt.Chart:
    data = pd.concat([
        pd.DataFrame({"tier": tiers["item"].map(lambda i: tier_label(i, ctx.lang)), "budget": ctx.t(name),
                      "baht": tiers[column]})
        for name, column in (("baseline_budget", "baht"), ("scenario_budget", "scenario_baht"))], ignore_index=True)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("tier:N", title=None), x=alt.X("baht:Q", title=ctx.t("budget") + " (baht)"),
        color=alt.Color("budget:N", title=None, legend=alt.Legend(orient="top")), yOffset="budget:N",
        tooltip=["tier", "budget", alt.Tooltip("baht:Q", format=",.0f")]).properties(height=260)


def _tier_table(ctx: Context, tiers: pd.DataFrame, name: str) -> None:
    table = tiers.drop(columns=["group"]).copy()
    table.insert(1, "tier", table["item"].map(lambda i: tier_label(i, ctx.lang)))
    show_table(table, name, (ctx.t("download_csv"), ctx.t("download_xlsx")), key="welfare_tiers",
               column_config={"item": None, "tier": ctx.t("tier"), "months": st.column_config.NumberColumn(format="%d"),
                              "recipients": number_column(ctx.t("recipients")), "rate_baht": number_column(ctx.t("rate")),
                              "baht": number_column(ctx.t("baseline_budget") + " (baht)"),
                              "baht_lo95_sum": number_column("lo95 (baht)"), "baht_hi95_sum": number_column("hi95 (baht)"),
                              "scenario_recipients": number_column(ctx.t("scenario_budget") + ": " + ctx.t("recipients")),
                              "scenario_rate_baht": number_column(ctx.t("scenario_budget") + ": " + ctx.t("rate")),
                              "scenario_baht": number_column(ctx.t("scenario_budget") + " (baht)"),
                              "scenario_lo95": number_column("lo95 (baht)"), "scenario_hi95": number_column("hi95 (baht)"),
                              "change_baht": number_column(ctx.t("change") + " (baht)")})
    st.caption(ctx.t("band_note"))


def _per_child(ctx: Context, unit: dict, fiscal_year: int, scenario: WelfareScenario) -> None:
    children = unit.get("children") or []
    rows = []
    for child in children:
        answer, error = ctx.try_call("welfare", child["level"], child["code"], fiscal_year)
        if error or not answer:
            continue
        tiers = welfare_whatif(answer, scenario)
        row = {"code": child["code"], "name": unit_name(child, ctx.lang)}
        row.update({item: float(tiers.loc[tiers["item"] == item, "scenario_baht"].sum()) for item in tiers["item"]})
        row["total"] = float(tiers["scenario_baht"].sum())
        row["baseline_total"] = float(tiers["baht"].sum())
        rows.append(row)
    if not rows:
        return
    st.subheader(ctx.t("per_unit"))
    table = pd.DataFrame(rows).fillna(0.0)
    config = {"code": st.column_config.NumberColumn(ctx.t("code"), format="%d"), "name": ctx.t("unit"),
              "total": number_column(ctx.t("scenario_budget") + " (baht)"),
              "baseline_total": number_column(ctx.t("baseline_budget") + " (baht)")}
    config.update({item: number_column(tier_label(item, ctx.lang) + " (baht)") for item in TIER_ITEMS})
    show_table(table, f"welfare_children_{unit['level']}_{unit['code']}_{fiscal_year}",
               (ctx.t("download_csv"), ctx.t("download_xlsx")), key="welfare_children", column_config=config)


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_welfare"))
    with st.spinner(ctx.t("loading")):
        unit = unit_picker(ctx, "welfare")
        answer, error = ctx.try_call("welfare", unit["level"], unit["code"])
    if error is not None or not answer:
        st.info(ctx.t("no_forecast", error=error))
        return
    rows = pd.DataFrame(answer)
    years = sorted(int(y) for y in rows["fiscal_year"].unique())
    default = years.index(ctx.next_fy) if ctx.next_fy in years else len(years) - 1
    fiscal_year = st.selectbox(ctx.t("fiscal_year"), years, index=default, key="welfare_fy", format_func=ctx.fy)
    st.subheader(ctx.t("welfare_scope", unit=unit_name(unit, ctx.lang)) + f" · {ctx.fy(fiscal_year)}")
    scenario = _controls(ctx)
    tiers = welfare_whatif(rows[rows["fiscal_year"] == fiscal_year], scenario)
    missing = [tier_label(i, ctx.lang) for i in TIER_ITEMS if i not in set(tiers["item"])]
    _cards(ctx, whatif_totals(tiers))
    st.altair_chart(_tier_chart(ctx, tiers), width="stretch", key="welfare_chart")
    _tier_table(ctx, tiers, f"welfare_{unit['level']}_{unit['code']}_{fiscal_year}")
    if missing:
        st.caption(f"{ctx.t('not_forecast')}: {', '.join(missing)}")
    with st.spinner(ctx.t("loading")):
        _per_child(ctx, unit, fiscal_year, scenario)


if __name__ == "__main__":
    render()
