"""Budget tracker: a unit's disbursement so far in the fiscal year against its usual fiscal-year curve and
the forecast, and the LAOs under it that lag or overspend, flagged and listed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.charts import cumulative_chart
from app.context import Context, current_context
from app.i18n import lao_type_label, metric_label, unit_name
from app.picker import busiest_province_path, lao_units, unit_picker
from app.tables import number_column, show_table
from app.tracker import cumulative_paths, monthly_by_fiscal_month, track_units, usual_curve
from khlang.domain.calendar import fiscal_month
from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH_ABBR

__all__ = ["MAX_LAOS", "fiscal_month_label", "render"]

MAX_LAOS = 400  # LAOs read one by one; above a province the page asks for a narrower unit
_STATUS_ICON = {"lagging": "▼", "overspending": "▲", "on_track": "●", "no_history": "–"}


def fiscal_month_label(position: int, lang: str) -> str:
    """1 -> 'ต.ค.' / 'Oct' … 12 -> 'ก.ย.' / 'Sep'."""
    month = (position + 8) % 12 + 1
    return (MONTHS_TH_ABBR if lang == "th" else MONTHS_EN_ABBR)[month - 1]


def _points(answer: dict | None) -> pd.DataFrame:
    if not answer or not answer.get("points"):
        return pd.DataFrame(columns=["date", "fiscal_year", "value"])
    frame = pd.DataFrame(answer["points"])
    if "forecast" in frame and "value" not in frame:
        frame = frame.rename(columns={"forecast": "value"})
    return frame[["date", "fiscal_year", "value"]].dropna(subset=["value"])


def _year_end(history: pd.DataFrame, forecast: pd.DataFrame, fiscal_year: int) -> float | None:
    """The fiscal year's months reported plus the forecast of the others, when every month is one or the
    other (None when the forecast does not reach the year)."""
    reported = history[history["fiscal_year"] == fiscal_year]
    later = forecast[forecast["fiscal_year"] == fiscal_year]
    if later.empty or len(reported) + len(later) < 12:
        return None
    return float(reported["value"].sum() + later["value"].sum())


def _status_label(ctx: Context, status: str) -> str:
    return f"{_STATUS_ICON[status]} {ctx.t(status) if status != 'no_history' else ctx.t('no_data')}"


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_tracker"))
    metrics = ctx.published("budget")
    if not metrics:
        st.info(ctx.t("no_data"))
        return
    with st.spinner(ctx.t("loading")):
        unit = unit_picker(ctx, "tracker", busiest_province_path(ctx, metrics[0]))
    metric = st.selectbox(ctx.t("tracker_metric"), metrics, key="tracker_metric",
                          format_func=lambda m: metric_label(m, ctx.lang))
    history, _ = ctx.try_call("history", metric, unit["level"], unit["code"])
    forecast, _ = ctx.try_call("forecasts", metric, unit["level"], unit["code"])
    own = _points(history)
    if own.empty:
        st.info(ctx.t("no_data"))
        return
    years = sorted(int(y) for y in own["fiscal_year"].unique())
    latest = pd.to_datetime(own["date"]).max()
    left, middle, right = st.columns(3)
    with left:
        fiscal_year = st.selectbox(ctx.t("fiscal_year"), years[::-1], key="tracker_fy", format_func=ctx.fy)
    reported = own[own["fiscal_year"] == fiscal_year]
    last_month = fiscal_month(pd.to_datetime(reported["date"]).max().month) if len(reported) else 0
    if fiscal_year == years[-1]:
        last_month = fiscal_month(latest.month)
    with middle:
        cutoff = st.select_slider(ctx.t("cutoff_month"), list(range(1, 13)), max(last_month, 1), key="tracker_cutoff",
                                  format_func=lambda m: fiscal_month_label(m, ctx.lang))
    with right:
        tolerance = st.slider(ctx.t("tolerance"), 1.0, 50.0, 10.0, 1.0, key="tracker_tolerance")
    st.caption(ctx.t("months_elapsed", n=cutoff))
    table = monthly_by_fiscal_month(own)
    curve, curve_years = usual_curve(table, fiscal_year)
    last_total = float(table.loc[fiscal_year - 1].sum()) if fiscal_year - 1 in table.index else np.nan
    scope = track_units(own.assign(code=unit["code"]), fiscal_year, cutoff, tolerance).iloc[0]
    cards = [column for _ in range(2) for column in st.columns(2)]
    cards[0].metric(ctx.t("spent_so_far"), ctx.qty(scope["so_far"], "baht"), border=True,
                    delta=f"{ctx.share(scope['actual_share'])} / {ctx.share(scope['usual_share'])}", delta_color="off",
                    help=f"{ctx.t('share_of_forecast')} / {ctx.t('usual_curve')}")
    cards[1].metric(ctx.t("expected_by_now"), ctx.qty(scope["expected_so_far"], "baht"), border=True)
    forecast_points = _points(forecast)
    year_end = _year_end(own, forecast_points, fiscal_year)
    following = forecast_points[forecast_points["fiscal_year"] == fiscal_year + 1]["value"]
    if year_end is None and len(following) == 12:  # the year is reported in full: show the next one's forecast
        cards[2].metric(f"{ctx.t('forecast')} {ctx.fy(fiscal_year + 1)}", ctx.qty(following.sum(), "baht"), border=True)
    else:
        cards[2].metric(ctx.t("forecast_year"), ctx.qty(year_end, "baht"), border=True)
    cards[3].metric(ctx.t("status"), _status_label(ctx, scope["status"]), border=True)
    paths = cumulative_paths(own, forecast_points, fiscal_year, cutoff, curve, last_total)
    st.altair_chart(cumulative_chart(paths, ctx, "baht", fiscal_year), width="stretch", key="tracker_chart")
    st.caption(f"{ctx.t('history_years')}: {', '.join(ctx.fy(y) for y in curve_years) or '–'}")
    _laos(ctx, unit, metric, fiscal_year, cutoff, tolerance)


def _laos(ctx: Context, unit: dict, metric: str, fiscal_year: int, cutoff: int, tolerance: float) -> None:
    if unit["level"] in ("nation", "region"):
        st.info(ctx.t("pick_province"))
        return
    with st.spinner(ctx.t("loading")):
        laos = lao_units(ctx, unit)[:MAX_LAOS]
        frames = []
        for lao in laos:
            answer, _ = ctx.try_call("history", metric, "lao", lao["code"])
            frames.append(_points(answer).assign(code=lao["code"]))
    points = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if points.empty:
        st.info(ctx.t("no_data"))
        return
    tracked = track_units(points, fiscal_year, cutoff, tolerance)
    names = {lao["code"]: lao for lao in laos}
    tracked.insert(1, "name", tracked["code"].map(lambda c: unit_name(names[c], ctx.lang)))
    tracked.insert(2, "lao_type", tracked["code"].map(lambda c: lao_type_label(names[c].get("lao_type"), ctx.lang)))
    tracked["status_label"] = tracked["status"].map(lambda s: _status_label(ctx, s))
    flagged = tracked[tracked["status"].isin(["lagging", "overspending"])].sort_values("gap_pp")
    counts = tracked["status"].value_counts()
    st.subheader(f"{ctx.t('flagged')}: {len(flagged)} / {len(tracked)}")
    st.caption(" · ".join(f"{_status_label(ctx, s)} {int(counts.get(s, 0))}" for s in ("lagging", "on_track", "overspending")))
    config = {"code": st.column_config.NumberColumn(ctx.t("code"), format="%d"), "name": ctx.t("unit"), "lao_type": ctx.t("lao_type"),
              "so_far": number_column(ctx.t("spent_so_far") + " (baht)"),
              "months_reported": st.column_config.NumberColumn(ctx.t("months_reported"), format="%d"),
              "last_year_total": number_column(ctx.fy(fiscal_year - 1) + " (baht)"),
              "expected_so_far": number_column(ctx.t("expected_by_now") + " (baht)"),
              "actual_share": st.column_config.NumberColumn(ctx.t("actual_share"), format="percent"),
              "usual_share": st.column_config.NumberColumn(ctx.t("usual_curve"), format="percent"),
              "gap_pp": number_column(ctx.t("gap_pp"), 1),
              "projected_year_end": number_column(ctx.t("projected_year_end") + " (baht)"), "curve_years": None,
              "status": None, "status_label": ctx.t("status")}
    if flagged.empty:
        st.success(ctx.t("none_flagged"))
    else:
        show_table(flagged, f"flagged_{unit['code']}_{metric}_{fiscal_year}_m{cutoff}",
                   (ctx.t("download_csv"), ctx.t("download_xlsx")), key="tracker_flagged", column_config=config)
    with st.expander(ctx.t("all_laos")):
        show_table(tracked, f"tracker_{unit['code']}_{metric}_{fiscal_year}_m{cutoff}",
                   (ctx.t("download_csv"), ctx.t("download_xlsx")), key="tracker_all", column_config=config)


if __name__ == "__main__":
    render()
