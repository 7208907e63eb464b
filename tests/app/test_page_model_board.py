"""The models page against the real API: champion and challenger per family, backtest accuracy per level,
the link to the MLflow run."""

from __future__ import annotations

import pytest


def test_champions_accuracy_and_mlflow_links(open_app, api):
    families = api.get("/v1/models").json()["families"]
    at = open_app("model_board")
    assert at.title[0].value == "แบบจำลอง"
    assert len(at.tabs) == len(families)
    champions = [m for m in at.metric if m.label == "แชมป์"]
    challengers = [m for m in at.metric if m.label == "ผู้ท้าชิง"]
    assert [m.value for m in champions] == [f"v{f['champion']['version']}" for f in families]
    assert [m.value for m in challengers] == [f"v{f['challenger']['version']}" if f["challenger"] else "ไม่มี"
                                              for f in families]
    links = at.get("link_button")
    assert [link.proto.url for link in links] == [url for f in families
                                                  for url in (f["mlflow_run_url"], f["challenger_run_url"]) if url]
    summary = at.dataframe[0].value
    budget = families[0]
    levels = {r["level"] for r in budget["accuracy"]}
    assert len(summary) == len(levels)  # one row per level of the family's one metric
    reconciled = {r["level"]: r["mase"] for r in budget["accuracy"] if r["stage"] == "reconciled"}
    assert set(summary["champion_mase"].round(9)) == {round(v, 9) for v in reconciled.values()}
    assert len(at.get("vega_lite_chart")) == len(families)
    # waste has a challenger: its run is linked and the two are compared level by level
    waste = next(f for f in families if f["family"] == "waste")
    assert waste["challenger_run_url"] in [link.proto.url for link in links]
    duel = next(frame.value for frame in at.dataframe if "challenger_mase" in frame.value.columns)
    challenger = {r["level"]: r["mase"] for r in waste["challenger_accuracy"]}
    champion = {r["level"]: r["mase"] for r in waste["accuracy"] if r["stage"] == "reconciled"}
    assert len(duel) == 5
    assert sorted(duel["challenger_mase"].round(9)) == sorted(round(v, 9) for v in challenger.values())
    assert sorted(duel["champion_mase"].round(9)) == sorted(round(v, 9) for v in champion.values())
    ratio = duel["challenger_mase"] / duel["champion_mase"] - 1
    assert (duel["mase_change"] - ratio).abs().max() < 1e-12


def test_head_to_head_keeps_levels_only_one_side_has():
    import pandas as pd

    from app.views.model_board import head_to_head

    champion = pd.DataFrame({"metric": ["m", "m", "m"], "level": ["nation", "lao", "lao"],
                             "stage": ["reconciled", "reconciled", "base"], "mase": [0.5, 1.0, 0.7],
                             "smape": [5.0, 10.0, 8.0], "coverage80": [0.8, 0.7, None], "coverage95": [0.9, 0.95, None]})
    challenger = champion.iloc[[1]].assign(mase=1.2)
    duel = head_to_head(champion, challenger)
    assert duel["level"].tolist() == ["nation", "lao"]  # nation before LAO
    assert duel.set_index("level").loc["lao", "mase_change"] == pytest.approx(0.2)
    assert pd.isna(duel.set_index("level").loc["nation", "challenger_mase"])


def test_metric_choice_per_family(open_app):
    at = open_app("model_board")
    welfare = at.selectbox(key="models_welfare_metric")
    assert len(welfare.options) == 3
    welfare.select("elderly_90_plus").run()
    assert not at.exception
    assert set(at.dataframe[-1].value["metric"]) == {"elderly_90_plus"}
