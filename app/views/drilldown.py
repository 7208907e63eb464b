"""Drill-down: nation → region → province → district → LAO; a unit's history, forecast and 80/95 % bands,
its children's next-year figures, and the check that the children's forecasts sum to the unit's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import fan_chart
from app.context import Context, current_context
from app.i18n import family_label, lao_type_label, level_label, metric_label, unit_name
from app.picker import unit_picker
from app.planning import coherence, series_frame, unit_annual
from app.tables import number_column, show_table
from khlang.domain.metrics import FAMILIES, METRICS

__all__ = ["COHERENT_SHARE", "render"]

COHERENT_SHARE = 1e-3  # a largest gap under 0.1 % of the forecast counts as summing up


def _metric_choice(ctx: Context) -> str | None:
    metrics = [m for f in FAMILIES for m in ctx.published(f)]
    if not metrics:
        return None
    return st.selectbox(ctx.t("metric"), metrics, key="drill_metric",
                        format_func=lambda m: f"{family_label(METRICS[m].family, ctx.lang)} · {metric_label(m, ctx.lang)}")


def _summary(ctx: Context, series: pd.DataFrame, forecast: dict | None, unit: str) -> None:
    this_year, next_year = (unit_annual(series, unit, fy) for fy in (ctx.this_fy, ctx.next_fy))
    left, right = st.columns(2)
    left.metric(ctx.fy(ctx.next_fy), ctx.qty(next_year, unit),
                delta=f"{ctx.change(next_year, this_year)} {ctx.t('vs_fy', fy=ctx.fy(ctx.this_fy))}",
                delta_color="off", border=True)
    right.metric(ctx.fy(ctx.this_fy), ctx.qty(this_year, unit), border=True)
    if forecast:
        st.caption(ctx.t("model_used", model=forecast.get("model_name"), version=forecast.get("model_version"))
                   + f" · run {forecast.get('run_id')}")


def _coherence(ctx: Context, forecast: dict, unit: str, name: str) -> None:
    st.subheader(ctx.t("coherence"))
    table = coherence(forecast)
    if table.empty:
        st.info(ctx.t("coherence_none"))
        return
    worst = float(table["gap"].abs().max())
    scale = float(table["forecast"].abs().max()) or 1.0
    message = ctx.t("coherence_gap", gap=ctx.qty(worst, unit), share=ctx.share(worst / scale))
    (st.success if worst / scale < COHERENT_SHARE else st.warning)(message)
    table.insert(1, "month", [ctx.month(d) for d in table["date"]])
    show_table(table, f"coherence_{name}", (ctx.t("download_csv"), ctx.t("download_xlsx")), key="drill_coherence",
               column_config={"date": None, "month": ctx.t("date"), "forecast": number_column(ctx.t("forecast"), 2),
                              "children_sum": number_column(ctx.t("children_sum"), 2),
                              "gap": number_column(ctx.t("gap"), 4)}, height=240)


def _children(ctx: Context, unit: dict, metric: str) -> None:
    children = unit.get("children") or []
    if not children:
        return
    st.subheader(ctx.t("children"))
    measure = METRICS[metric].unit
    rows = []
    for child in children:
        history, _ = ctx.try_call("history", metric, child["level"], child["code"])
        forecast, _ = ctx.try_call("forecasts", metric, child["level"], child["code"])
        series = series_frame(history, forecast)
        this_year, next_year = (unit_annual(series, measure, fy) for fy in (ctx.this_fy, ctx.next_fy))
        rows.append({"level": level_label(child["level"], ctx.lang), "code": child["code"],
                     "name": unit_name(child, ctx.lang), "lao_type": lao_type_label(child.get("lao_type"), ctx.lang),
                     "this_year": this_year, "next_year": next_year,
                     "change": next_year / this_year - 1 if this_year else float("nan")})
    table = pd.DataFrame(rows)
    show_table(table, f"children_{unit['level']}_{unit['code']}_{metric}", (ctx.t("download_csv"), ctx.t("download_xlsx")),
               key="drill_children",
               column_config={"level": ctx.t("level"), "code": st.column_config.NumberColumn(ctx.t("code"), format="%d"),
                              "name": ctx.t("unit"), "lao_type": ctx.t("lao_type"),
                              "this_year": number_column(f"{ctx.fy(ctx.this_fy)} ({measure})", 2),
                              "next_year": number_column(f"{ctx.fy(ctx.next_fy)} ({measure})", 2),
                              "change": st.column_config.NumberColumn(ctx.t("change"), format="percent")})


def _forecast_table(ctx: Context, forecast: dict, name: str) -> None:
    table = pd.DataFrame(forecast["points"])
    table.insert(1, "month", [ctx.month(d) for d in table["date"]])
    keep = ["date", "month", "fiscal_year", "step", "forecast", "lo80", "hi80", "lo95", "hi95", "model"]
    table = table[[c for c in keep if c in table.columns]]
    with st.expander(ctx.t("forecast")):
        show_table(table, f"forecast_{name}", (ctx.t("download_csv"), ctx.t("download_xlsx")), key="drill_forecast",
                   column_config={"date": None, "month": ctx.t("date"),
                                  **{c: number_column(c, 2) for c in ("forecast", "lo80", "hi80", "lo95", "hi95")}})


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_drilldown"))
    with st.spinner(ctx.t("loading")):
        unit = unit_picker(ctx, "drill")
        path = " › ".join(unit_name(u, ctx.lang) for u in unit.get("path") or [unit])
        st.markdown(f"**{level_label(unit['level'], ctx.lang)}** · {path}")
        metric = _metric_choice(ctx)
        if metric is None:
            st.info(ctx.t("no_data"))
            return
        years = st.slider(ctx.t("years_shown"), 1, 12, 5, key="drill_years")
        history, _ = ctx.try_call("history", metric, unit["level"], unit["code"])
        forecast, error = ctx.try_call("forecasts", metric, unit["level"], unit["code"])
    measure = METRICS[metric].unit
    series = series_frame(history, forecast)
    if error is not None:
        st.info(ctx.t("no_forecast", error=error))
    if series.empty:
        return
    _summary(ctx, series, forecast, measure)
    shown = series[series["fiscal_year"] > ctx.this_fy - 1 - years]
    st.altair_chart(fan_chart(shown, ctx, measure, metric_label(metric, ctx.lang)), width="stretch",
                    key="drill_chart")
    name = f"{unit['level']}_{unit['code']}_{metric}"
    if forecast:
        _forecast_table(ctx, forecast, name)
        _coherence(ctx, forecast, measure, name)
    with st.spinner(ctx.t("loading")):
        _children(ctx, unit, metric)


if __name__ == "__main__":
    render()
