"""The models page against the real API: champion and challenger per family, backtest accuracy per level,
the link to the MLflow run."""

from __future__ import annotations


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
    assert [link.proto.url for link in links] == [f["mlflow_run_url"] for f in families if f["mlflow_run_url"]]
    summary = at.dataframe[0].value
    budget = families[0]
    levels = {r["level"] for r in budget["accuracy"]}
    assert len(summary) == len(levels)  # one row per level of the family's one metric
    reconciled = {r["level"]: r["mase"] for r in budget["accuracy"] if r["stage"] == "reconciled"}
    assert set(summary["champion_mase"].round(9)) == {round(v, 9) for v in reconciled.values()}
    assert len(at.get("vega_lite_chart")) == len(families)


def test_metric_choice_per_family(open_app):
    at = open_app("model_board")
    welfare = at.selectbox(key="models_welfare_metric")
    assert len(welfare.options) == 3
    welfare.select("elderly_90_plus").run()
    assert not at.exception
    assert set(at.dataframe[-1].value["metric"]) == {"elderly_90_plus"}
