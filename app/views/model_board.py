"""Models: per family the champion and the challenger (version, backtest score, MLflow runs), the two
head to head per metric and level (MASE, sMAPE and interval coverage of their published forecasts), and
the champion's backtest accuracy per metric, level and model, with the links to the MLflow runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import accuracy_chart
from app.context import Context, current_context
from app.i18n import family_label, level_label, metric_label
from app.tables import number_column, show_table

__all__ = ["render", "level_summary", "head_to_head"]

_LEVEL_ORDER = ("nation", "region", "province", "district", "lao")


def level_summary(accuracy: pd.DataFrame) -> pd.DataFrame:
    """Per metric and level: the published champion (reconciled) against the best other base model, by
    MASE: champion_model, champion_mase, best_other_model, best_other_mase, and the champion's sMAPE and
    interval coverage when known."""
    rows = []
    for (metric, level), part in accuracy.groupby(["metric", "level"], sort=False):
        reconciled = part[part["stage"] == "reconciled"]
        champion = reconciled if not reconciled.empty else part[part["champion"].fillna(False).astype(bool)]
        champ = champion.sort_values("mase").iloc[0] if not champion.empty else None
        base = part[(part["stage"] == "base") & ~part["champion"].fillna(False).astype(bool)].dropna(subset=["mase"])
        other = base.sort_values("mase").iloc[0] if not base.empty else None
        rows.append({"metric": metric, "level": level,
                     "champion_model": champ["model"] if champ is not None else None,
                     "champion_mase": champ["mase"] if champ is not None else None,
                     "champion_smape": champ["smape"] if champ is not None else None,
                     "coverage80": champ.get("coverage80") if champ is not None else None,
                     "coverage95": champ.get("coverage95") if champ is not None else None,
                     "best_other_model": other["model"] if other is not None else None,
                     "best_other_mase": other["mase"] if other is not None else None})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["level_order"] = out["level"].map(_LEVEL_ORDER.index)
    return out.sort_values(["metric", "level_order"]).drop(columns="level_order").reset_index(drop=True)


def head_to_head(champion: pd.DataFrame, challenger: pd.DataFrame) -> pd.DataFrame:
    """Per metric and level, the champion's and the challenger's published (reconciled) forecasts:
    mase, smape, coverage80, coverage95 of each, and mase_change = challenger / champion - 1 (negative:
    the challenger is more accurate there). Levels only one of them has are kept, with blanks."""
    columns = ["mase", "smape", "coverage80", "coverage95"]

    def reconciled(frame: pd.DataFrame, who: str) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame(columns=["metric", "level", *[f"{who}_{c}" for c in columns]])
        part = frame[frame["stage"] == "reconciled"]
        return part[["metric", "level", *columns]].rename(columns={c: f"{who}_{c}" for c in columns})

    out = reconciled(champion, "champion").merge(reconciled(challenger, "challenger"), on=["metric", "level"],
                                                 how="outer")
    if out.empty:
        return out
    champion_mase = pd.to_numeric(out["champion_mase"], errors="coerce")
    out["mase_change"] = pd.to_numeric(out["challenger_mase"], errors="coerce") / champion_mase.where(champion_mase > 0) - 1
    out["level_order"] = out["level"].map(lambda level: _LEVEL_ORDER.index(level) if level in _LEVEL_ORDER else 99)
    return out.sort_values(["metric", "level_order"]).drop(columns="level_order").reset_index(drop=True)


def _version(ctx: Context, label: str, version: dict | None) -> None:
    if not version:
        st.metric(label, ctx.t("none"), border=True)
        return
    score = version.get("score")
    st.metric(label, f"v{version['version']}", border=True,
              delta=f"{ctx.t('score')}: {score:.3f}" if score is not None else None, delta_color="off",
              help=f"run {version.get('run_id')} · {version.get('decision') or ''}")


def _family(ctx: Context, family: dict) -> None:
    st.subheader(f"{family_label(family['family'], ctx.lang)} · {family['model_name']}")
    if family.get("error"):
        st.warning(ctx.t("family_error", error=family["error"]))
    left, right, link = st.columns([1, 1, 1], vertical_alignment="center")
    with left:
        _version(ctx, ctx.t("champion"), family.get("champion"))
    with right:
        _version(ctx, ctx.t("challenger"), family.get("challenger"))
    with link:
        if family.get("mlflow_run_url"):
            st.link_button(ctx.t("mlflow_link"), family["mlflow_run_url"], icon=":material/open_in_new:")
        if family.get("challenger_run_url"):
            st.link_button(ctx.t("mlflow_link_challenger"), family["challenger_run_url"], icon=":material/open_in_new:")
    accuracy = pd.DataFrame(family.get("accuracy") or [])
    if accuracy.empty:
        st.info(ctx.t("no_data"))
        return
    challenger = pd.DataFrame(family.get("challenger_accuracy") or [])
    if not challenger.empty:
        st.subheader(ctx.t("head_to_head"))
        duel = head_to_head(accuracy, challenger)
        duel.insert(1, "metric_label", duel["metric"].map(lambda m: metric_label(m, ctx.lang)))
        duel["level"] = duel["level"].map(lambda lv: level_label(lv, ctx.lang))
        percent = {f"{who}_coverage{c}": st.column_config.NumberColumn(f"{ctx.t(who)} cov {c}%", format="percent")
                   for who in ("champion", "challenger") for c in (80, 95)}
        show_table(duel, f"models_{family['family']}_champion_vs_challenger",
                   (ctx.t("download_csv"), ctx.t("download_xlsx")), key=f"models_{family['family']}_duel",
                   column_config={"metric": None, "metric_label": ctx.t("metric"), "level": ctx.t("level"),
                                  "champion_mase": number_column(f"{ctx.t('champion')} MASE", 3),
                                  "challenger_mase": number_column(f"{ctx.t('challenger')} MASE", 3),
                                  "champion_smape": number_column(f"{ctx.t('champion')} sMAPE", 2),
                                  "challenger_smape": number_column(f"{ctx.t('challenger')} sMAPE", 2),
                                  "mase_change": st.column_config.NumberColumn(ctx.t("mase_change"), format="percent"),
                                  **percent})
    st.subheader(ctx.t("accuracy"))
    summary = level_summary(accuracy)
    summary.insert(1, "metric_label", summary["metric"].map(lambda m: metric_label(m, ctx.lang)))
    summary["level"] = summary["level"].map(lambda lv: level_label(lv, ctx.lang))
    show_table(summary, f"models_{family['family']}_by_level", (ctx.t("download_csv"), ctx.t("download_xlsx")),
               key=f"models_{family['family']}_summary",
               column_config={"metric": None, "metric_label": ctx.t("metric"), "level": ctx.t("level"),
                              "champion_model": ctx.t("champion"), "champion_mase": number_column("MASE", 3),
                              "champion_smape": number_column("sMAPE", 2),
                              "coverage80": st.column_config.NumberColumn("cov 80%", format="percent"),
                              "coverage95": st.column_config.NumberColumn("cov 95%", format="percent"),
                              "best_other_model": ctx.t("best_other"),
                              "best_other_mase": number_column("MASE", 3)})
    metric = st.selectbox(ctx.t("metric"), sorted(accuracy["metric"].unique()), key=f"models_{family['family']}_metric",
                          format_func=lambda m: metric_label(m, ctx.lang))
    chosen = accuracy[accuracy["metric"] == metric]
    st.altair_chart(accuracy_chart(chosen, ctx), key=f"models_{family['family']}_chart", width="stretch")
    with st.expander(ctx.t("accuracy")):
        show_table(chosen, f"models_{family['family']}_{metric}_accuracy", (ctx.t("download_csv"), ctx.t("download_xlsx")),
                   key=f"models_{family['family']}_accuracy")


def render() -> None:
    ctx = current_context()
    st.title(ctx.t("page_models"))
    with st.spinner(ctx.t("loading")):
        families = ctx.call("models")
    if not families:
        st.info(ctx.t("no_data"))
        return
    tabs = st.tabs([family_label(f["family"], ctx.lang) for f in families])
    for tab, family in zip(tabs, families, strict=True):
        with tab:
            _family(ctx, family)


if __name__ == "__main__":
    render()
