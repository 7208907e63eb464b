"""Altair charts of the pages: history with the forecast and its 80/95 % bands, cumulative disbursement
against the usual curve, and model accuracy bars. Month axes read in Thai or English, BE or CE."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from app.context import Context
from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH_ABBR

__all__ = ["month_axis", "fan_chart", "cumulative_chart", "accuracy_chart"]

_COLOURS = {"history": "#1f4e79", "forecast": "#d9822b", "usual": "#7f7f7f", "actual": "#1f4e79",
            "children_sum": "#2e7d32", "next_forecast": "#f0b27a"}
_DASHES = {"actual": [1, 0], "usual": [4, 4], "forecast": [6, 3], "next_forecast": [2, 2]}
_FISCAL_MONTHS = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def month_axis(ctx: Context, title: str | None = None) -> alt.Axis:
    """A date axis labelled 'ต.ค. 2568' / 'Oct 2025' in the reader's language and era."""
    months = json.dumps(list(MONTHS_TH_ABBR if ctx.lang == "th" else MONTHS_EN_ABBR), ensure_ascii=False)
    offset = 543 if ctx.era == "BE" else 0
    return alt.Axis(title=title, labelExpr=f"{months}[month(datum.value)] + ' ' + (year(datum.value) + {offset})",
                    labelAngle=0, tickCount=8)


def _labelled(frame: pd.DataFrame, ctx: Context, unit: str) -> pd.DataFrame:
    out = frame.copy()
    out["month"] = [ctx.month(d) for d in out["date"]]
    out["shown"] = [ctx.qty(v, unit) for v in out["value"]]
    return out


def fan_chart(series: pd.DataFrame, ctx: Context, unit: str, title: str, height: int = 380) -> alt.LayerChart:
    """History (solid), forecast (dashed) and its 80 % and 95 % bands; series from planning.series_frame."""
    data = _labelled(series, ctx, unit)
    names = {"history": ctx.t("history"), "forecast": ctx.t("forecast")}
    data["series"] = data["kind"].map(names)
    x = alt.X("date:T", axis=month_axis(ctx))
    y_title = f"{title} ({unit})"
    forecast = data[data["kind"] == "forecast"]
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=list(names.values()),
                                                               range=[_COLOURS["history"], _COLOURS["forecast"]]),
                       legend=alt.Legend(orient="top"))
    layers = []
    if not forecast.empty:
        band = alt.Chart(forecast).encode(x=x)
        layers += [band.mark_area(opacity=0.18, color=_COLOURS["forecast"]).encode(
                       y=alt.Y("lo95:Q", title=y_title), y2="hi95:Q",
                       tooltip=[alt.Tooltip("month:N", title=ctx.t("date")), alt.Tooltip("lo95:Q", format=",.0f"),
                                alt.Tooltip("hi95:Q", format=",.0f")]),
                   band.mark_area(opacity=0.3, color=_COLOURS["forecast"]).encode(y="lo80:Q", y2="hi80:Q")]
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        x=x, y=alt.Y("value:Q", title=y_title), color=colour,
        strokeDash=alt.condition(alt.datum.kind == "forecast", alt.value([6, 3]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("month:N", title=ctx.t("date")), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("shown:N", title=ctx.t("value"))])
    layers.append(line)
    return alt.layer(*layers).properties(height=height)


def cumulative_chart(paths: pd.DataFrame, ctx: Context, unit: str, fiscal_year: int, height: int = 360) -> alt.Chart:
    """Cumulative disbursement by fiscal month (Oct … Sep) of `fiscal_year`: actual, usual curve, forecast
    (and the next year's forecast path when the forecast starts after the year)."""
    months = MONTHS_TH_ABBR if ctx.lang == "th" else MONTHS_EN_ABBR
    data = paths.copy()
    names = {"actual": ctx.t("spent_so_far"), "usual": ctx.t("usual_curve"), "forecast": ctx.t("forecast"),
             "next_forecast": f"{ctx.t('forecast')} {ctx.fy(fiscal_year + 1)}"}
    data["series_name"] = data["series"].map(names)
    data["month"] = [months[_FISCAL_MONTHS[int(m) - 1] - 1] if m >= 1 else "" for m in data["fiscal_month"]]
    data["shown"] = [ctx.qty(v, unit) for v in data["value"]]
    present = [k for k in ("actual", "usual", "forecast", "next_forecast") if k in set(data["series"])]
    order = [names[k] for k in present]
    labels = json.dumps([""] + [months[m - 1] for m in _FISCAL_MONTHS], ensure_ascii=False)
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("fiscal_month:Q", scale=alt.Scale(domain=[0, 12]), title=ctx.t("fiscal_year"),
                axis=alt.Axis(values=list(range(0, 13)), labelExpr=f"{labels}[datum.value]")),
        y=alt.Y("value:Q", title=f"{ctx.t('cumulative')} ({unit})"),
        color=alt.Color("series_name:N", title=None, sort=order, legend=alt.Legend(orient="top", labelLimit=320),
                        scale=alt.Scale(domain=order, range=[_COLOURS[k] for k in present])),
        strokeDash=alt.StrokeDash("series_name:N", sort=order, legend=None,
                                  scale=alt.Scale(domain=order, range=[_DASHES[k] for k in present])),
        tooltip=[alt.Tooltip("month:N", title=ctx.t("date")), alt.Tooltip("series_name:N", title=" "),
                 alt.Tooltip("shown:N", title=ctx.t("value"))],
    ).properties(height=height)


def accuracy_chart(accuracy: pd.DataFrame, ctx: Context, measure: str = "mase") -> alt.Chart:
    """MASE (or another measure) per level, one bar per model, the champion's outlined."""
    data = accuracy.dropna(subset=[measure]).copy()
    data["label"] = data["model"] + data["stage"].map(lambda s: " (reconciled)" if s == "reconciled" else "")
    data["is_champion"] = data["champion"].fillna(False).astype(bool) | (data["stage"] == "reconciled")
    levels = [lv for lv in ("nation", "region", "province", "district", "lao") if lv in set(data["level"])]
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("level:N", title=ctx.t("level"), sort=levels, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("label:N"),
        y=alt.Y(f"{measure}:Q", title=measure.upper()),
        color=alt.Color("label:N", title=ctx.t("model"), legend=alt.Legend(orient="right")),
        stroke=alt.condition(alt.datum.is_champion, alt.value("black"), alt.value(None)),
        strokeWidth=alt.condition(alt.datum.is_champion, alt.value(2), alt.value(0)),
        tooltip=["metric", "level", "model", "stage", "is_champion", alt.Tooltip(f"{measure}:Q", format=".3f")],
    ).properties(height=300)
