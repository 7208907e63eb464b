"""The read-only endpoints of serving.api on the served world, each checked against the world's files read
independently with pandas; and the 4xx answers to requests the API cannot answer (never a 500)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khlang.domain.calendar import fiscal_year
from khlang.domain.hierarchy import lao_parents
from tests.serving.conftest import read_store


def _forecasts(root, metric: str, level: str) -> pd.DataFrame:
    return pd.read_parquet(root / "forecasts" / f"metric={metric}" / f"level={level}" / "part.parquet")


def test_openapi_and_docs_are_published(client):
    spec = client.get("/openapi.json").json()
    assert {"/health", "/v1/hierarchy", "/v1/hierarchy/{level}/{code}", "/v1/history", "/v1/forecasts",
            "/v1/aggregate", "/v1/welfare", "/v1/models", "/v1/quality", "/v1/deposits"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_health(client, served_world):
    root = served_world.catalog.root
    body = client.get("/health").json()
    runs = pd.read_parquet(root / "forecasts" / "_runs.parquet")
    assert body["status"] == "ok"
    assert body["families"] == sorted(runs["family"])
    assert pd.Timestamp(body["published_at"]) == runs["published_at"].max()
    last = max(read_store(root, m)["period"].max() for m in ("waste_generated", "budget_operations"))
    assert body["data_as_of"] == f"{last:%Y-%m}"
    assert body["panel_current"] is True


def test_hierarchy_search_and_children(client, reference):
    units = client.get("/v1/hierarchy", params={"q": "phuket", "level": "province"}).json()["units"]
    assert [(u["code"], u["name_th"], u["region_code"]) for u in units] == [(83, "ภูเก็ต", 6)]
    districts = client.get("/v1/hierarchy", params={"level": "district", "parent": 83}).json()["units"]
    expected = reference.districts[reference.districts["province_code"] == "83"]
    assert [u["code"] for u in districts] == sorted(expected["district_code"].astype(int))
    assert [u["name_en"] for u in districts] == list(expected.sort_values("district_code")["name_en"])
    assert all(u["lao_type"] is None and u["parent_code"] == 83 for u in districts)
    laos = client.get("/v1/hierarchy", params={"level": "lao", "parent": 8302, "limit": 1000}).json()["units"]
    in_kathu = reference.laos[(reference.laos["district_code"] == "8302") & (reference.laos["rolls_up_to"] == "district")]
    assert sorted(u["code"] for u in laos) == sorted(in_kathu["lao_code"].astype(int))
    assert len(client.get("/v1/hierarchy", params={"q": "a", "limit": 3}).json()["units"]) == 3


def test_hierarchy_unit_with_children_and_path(client, reference):
    body = client.get("/v1/hierarchy/lao/3830102").json()
    row = reference.laos.set_index("lao_code").loc["3830102"]
    assert (body["code"], body["name_th"], body["lao_type"]) == (3830102, row["name_th"], row["lao_type"])
    assert [(u["level"], u["code"]) for u in body["path"]] == [("nation", 0), ("region", 6), ("province", 83),
                                                               ("district", 8301), ("lao", 3830102)]
    assert body["children"] == []
    province = client.get("/v1/hierarchy/province/83").json()
    assert {(u["level"], u["code"]) for u in province["children"]} == {
        ("district", 8301), ("district", 8302), ("district", 8303), ("lao", 2830101)}


@pytest.mark.parametrize(("metric", "level", "code"), [
    ("waste_generated", "province", 83),  # a panel metric: read from the panel
    ("budget_personnel", "district", 8301),  # no panel in the served world: summed from the store
    ("elderly_60_69", "lao", 3830102),
])
def test_history_is_the_sum_of_the_stored_records(client, served_world, reference, metric, level, code):
    body = client.get("/v1/history", params={"metric": metric, "level": level, "code": code}).json()
    store = read_store(served_world.catalog.root, metric)
    parents = lao_parents(reference).set_index("lao", drop=False)
    store = store[parents.loc[store["lao_code"].astype("int64"), level].to_numpy() == code]
    expected = store.groupby("period")["value"].agg(["sum", "size"])
    got = pd.DataFrame(body["points"]).assign(date=lambda f: pd.to_datetime(f["date"])).set_index("date")
    assert body["unit"] == {"waste_generated": "tonnes/day", "budget_personnel": "baht"}.get(metric, "persons")
    assert body["source"] == ("panel" if metric in ("waste_generated", "elderly_60_69") else "store")
    reported = got[got["value"].notna()]
    assert list(reported.index) == list(expected.index)
    np.testing.assert_allclose(reported["value"], expected["sum"], rtol=1e-6)
    np.testing.assert_array_equal(reported["laos_reporting"], expected["size"])
    assert (got.loc[got["value"].isna(), "laos_reporting"] == 0).all()
    assert all(p["fiscal_year"] == fiscal_year(d.year, d.month) for p, d in zip(body["points"], got.index, strict=True))


def test_forecasts_and_the_sum_of_the_childrens(client, served_world):
    root = served_world.catalog.root
    body = client.get("/v1/forecasts", params={"metric": "waste_generated", "level": "province", "code": 83}).json()
    expected = _forecasts(root, "waste_generated", "province").query("key == 83").sort_values("step")
    points = pd.DataFrame(body["points"])
    assert body["horizon"] == len(points) == expected["step"].max()
    np.testing.assert_allclose(points[["forecast", "lo80", "hi80", "lo95", "hi95"]],
                               expected[["forecast", "lo80", "hi80", "lo95", "hi95"]])
    assert list(points["date"]) == [f"{d:%Y-%m-%d}" for d in expected["date"]]
    assert (body["model_name"], body["model_version"], body["run_id"]) == tuple(
        expected[["model_name", "model_version", "run_id"]].iloc[0])
    # Phuket's children: its three districts and its PAO (which rolls up beside them).
    districts = _forecasts(root, "waste_generated", "district").groupby("date")["forecast"].sum()
    pao = _forecasts(root, "waste_generated", "lao").query("key == 2830101").groupby("date")["forecast"].sum()
    children = districts.add(pao, fill_value=0.0)
    got = pd.DataFrame(body["children_sum"]).set_index("date")["forecast"]
    np.testing.assert_allclose(got.to_numpy(), children.to_numpy())
    np.testing.assert_allclose(got.to_numpy(), points["forecast"].to_numpy(), rtol=1e-6)  # reconciled: coherent


def test_forecasts_of_a_lao_have_no_children(client):
    body = client.get("/v1/forecasts", params={"metric": "elderly_90_plus", "level": "lao", "code": 3830102}).json()
    assert body["children_sum"] is None and body["unit"] == "persons" and body["family"] == "welfare"


def test_aggregate_forecasts_by_fiscal_year_and_lao_type(client, served_world, reference):
    body = client.get("/v1/aggregate", params={"metric": "waste_generated", "by": "fiscal_year,lao_type"}).json()
    laos = _forecasts(served_world.catalog.root, "waste_generated", "lao")
    laos["lao_type"] = laos["key"].astype(str).map(reference.laos.set_index("lao_code")["lao_type"])
    laos["fiscal_year"] = [fiscal_year(d.year, d.month) for d in laos["date"]]
    expected = laos.groupby(["fiscal_year", "lao_type"])["forecast"].agg(["sum", "size"]).reset_index()
    got = pd.DataFrame(body["rows"])
    assert list(got.columns) == ["fiscal_year", "lao_type", "value", "n"]
    assert got[["fiscal_year", "lao_type"]].values.tolist() == expected[["fiscal_year", "lao_type"]].values.tolist()
    np.testing.assert_allclose(got["value"], expected["sum"])
    assert got["n"].tolist() == expected["size"].tolist()
    assert body["unit"] == "tonnes/day" and body["by"] == ["fiscal_year", "lao_type"]


def test_aggregate_history_filters_and_months(client, served_world, reference):
    params = {"metric": "budget_operations", "source": "history", "by": "month,region", "fiscal_year": 2567,
              "lao_type": "subdistrict_admin_org"}
    body = client.get("/v1/aggregate", params=params).json()
    store = read_store(served_world.catalog.root, "budget_operations")
    store["lao_type"] = store["lao_code"].map(reference.laos.set_index("lao_code")["lao_type"])
    store["fiscal_year"] = [fiscal_year(d.year, d.month) for d in store["period"]]
    chosen = store[(store["fiscal_year"] == 2567) & (store["lao_type"] == "subdistrict_admin_org")]
    expected = chosen.groupby(chosen["period"].dt.strftime("%Y-%m"))["value"].agg(["sum", "size"])
    got = pd.DataFrame(body["rows"]).set_index("month")
    assert list(got.index) == list(expected.index) and len(got) == 12
    assert (got["region"] == 6).all()
    np.testing.assert_allclose(got["value"], expected["sum"])
    assert got["n"].tolist() == expected["size"].tolist()


def test_aggregate_history_at_district_level_counts_district_months(client, served_world):
    total = client.get("/v1/aggregate", params={"metric": "waste_generated", "source": "history",
                                                "level": "district", "fiscal_year": 2566}).json()["rows"]
    store = read_store(served_world.catalog.root, "waste_generated")
    in_year = store[[fiscal_year(d.year, d.month) == 2566 for d in store["period"]]]
    assert total[0]["n"] == 3 * 12  # three districts, twelve months
    assert total[0]["value"] == pytest.approx(in_year["value"].sum())


def test_welfare_budget(client, served_world):
    body = client.get("/v1/welfare", params={"level": "province", "code": 83, "fiscal_year": 2570}).json()
    table = pd.read_parquet(served_world.catalog.root / "forecasts" / "welfare_budget" / "part.parquet")
    expected = table.query("level == 'province' and key == 83 and fiscal_year == 2570").sort_values("item")
    got = pd.DataFrame(body["rows"])
    assert got["item"].tolist() == expected["item"].tolist()
    np.testing.assert_allclose(got[["baht", "baht_lo95_sum", "baht_hi95_sum", "recipients"]],
                               expected[["baht", "baht_lo95_sum", "baht_hi95_sum", "recipients"]])
    assert set(got["months"]) == {12}
    nation = client.get("/v1/welfare").json()
    assert {r["fiscal_year"] for r in nation["rows"]} == set(table.query("level == 'nation'")["fiscal_year"])


def test_models(client, served_world):
    body = client.get("/v1/models").json()
    runs = pd.read_parquet(served_world.catalog.root / "forecasts" / "_runs.parquet").set_index("family")
    assert [f["family"] for f in body["families"]] == ["budget", "waste", "welfare"]
    for family in body["families"]:
        published = runs.loc[family["family"]]
        champion = family["champion"]
        assert (champion["version"], champion["run_id"]) == (published["model_version"], published["run_id"])
        assert champion["score"] > 0 and champion["backtest_key"].startswith("snapshot=")
        accuracy = pd.DataFrame(family["accuracy"])
        reconciled = accuracy[accuracy["stage"] == "reconciled"]
        assert set(reconciled["metric"]) == set(published["metrics"].split(","))
        assert len(reconciled) == 5 * len(set(reconciled["metric"]))  # one per level
        assert reconciled[["coverage80", "coverage95"]].apply(lambda c: c.between(0, 1)).all().all()
        assert accuracy.loc[accuracy["stage"] == "base", "coverage80"].isna().all()
        assert family["mlflow_run_url"].startswith("http://127.0.0.1:")
        assert family["mlflow_run_url"].endswith(f"/runs/{champion['parent_run_id']}")
    # the served world trains waste twice: the second, weaker cycle is the challenger, scored on its own run
    waste = next(f for f in body["families"] if f["family"] == "waste")
    assert waste["challenger"] is not None and waste["challenger"]["run_id"] != waste["champion"]["run_id"]
    assert waste["challenger"]["score"] >= waste["champion"]["score"]
    assert waste["challenger_run_url"].endswith(f"/runs/{waste['challenger']['parent_run_id']}")
    duel = pd.DataFrame(waste["challenger_accuracy"])
    assert set(duel["stage"]) == {"reconciled"} and len(duel) == 5  # one metric, five levels
    challenger_lao = duel.set_index("level").loc["lao", "mase"]
    assert challenger_lao == pytest.approx(waste["challenger"]["score"])  # the score is the mean reconciled LAO MASE
    assert duel[["coverage80", "coverage95"]].apply(lambda c: c.between(0, 1)).all().all()
    assert all(f["challenger"] is None and f["challenger_accuracy"] == [] for f in body["families"] if f["family"] != "waste")


def test_quality(client, served_world):
    root = served_world.catalog.root
    body = client.get("/v1/quality").json()
    manifest = pd.read_parquet(root / "manifest" / "files.parquet").sort_values("source_file")
    quarantine = pd.concat([pd.read_parquet(p) for p in sorted((root / "quarantine").glob("batch=*/part.parquet"))])
    assert [f["source_file"] for f in body["files"]] == manifest["source_file"].tolist()
    for name in ("records_in", "records_stored", "records_quarantined"):
        assert body["totals"][name] == manifest[name].sum() > 0 or name == "records_quarantined"
    assert body["totals"]["records_in"] == body["totals"]["records_stored"] + body["totals"]["records_quarantined"]
    expected = quarantine.groupby(["source_file", "reason"]).size()
    got = pd.DataFrame(body["reasons"]).set_index(["source_file", "reason"])["records"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert body["totals"]["by_reason"] == quarantine["reason"].value_counts().to_dict()


BAD_REQUESTS = [  # (url, status, words the message must hold)
    ("/v1/history?metric=rainfall&level=province&code=83", 422, "waste_generated"),
    ("/v1/history?metric=waste_generated&level=tambon&code=83", 422, "district"),
    ("/v1/history?metric=waste_generated&level=province&code=Phuket", 422, "integer"),
    ("/v1/history?metric=waste_generated&level=province", 422, "code"),
    ("/v1/history?metric=waste_generated&level=province&code=99", 404, "no province with code 99"),
    ("/v1/forecasts?metric=waste_generated&level=district&code=83", 404, "no district with code 83"),
    ("/v1/forecasts?metric=budget_personnel&level=province&code=83", 404, "published: budget_operations"),
    ("/v1/forecasts?metric=waste_generated&level=province&code=10", 404, "no waste_generated forecast"),
    ("/v1/aggregate?metric=waste_generated&by=district", 422, "allowed: level, province"),
    ("/v1/aggregate?metric=waste_generated&by=lao_type&level=province", 404, "use level in lao"),
    ("/v1/aggregate?metric=waste_generated&source=truth", 422, "forecast"),
    ("/v1/aggregate?metric=waste_generated&lao_type=city", 422, "subdistrict_admin_org"),
    ("/v1/aggregate?metric=waste_generated&fiscal_year=2025", 422, "2500"),
    ("/v1/aggregate?metric=budget_personnel", 404, "no forecasts are published"),
    ("/v1/welfare?level=province&code=10", 404, "no welfare budget forecast"),
    ("/v1/welfare?level=lao&code=83", 404, "no lao with code 83"),
    ("/v1/hierarchy?limit=0", 422, "greater than or equal to 1"),
    ("/v1/hierarchy?level=amphoe", 422, "district"),
    ("/v1/hierarchy/province/99", 404, "no province with code 99"),
    ("/v1/hierarchy/amphoe/8301", 422, "district"),
    ("/v1/nowhere", 404, "Not Found"),
]


@pytest.mark.parametrize(("url", "status", "words"), BAD_REQUESTS)
def test_bad_requests_get_a_4xx_that_says_why(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status, response.text
    assert words in response.text
    # the body is what the schema declares for it (ErrorResponse): one line, never FastAPI's list of errors
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str) and "\n" not in body["detail"], body


def test_the_schema_lists_what_it_accepts_and_declares_the_error_body(client):
    schema = client.get("/openapi.json").json()
    aggregate = schema["paths"]["/v1/aggregate"]["get"]
    lao_type = next(p for p in aggregate["parameters"] if p["name"] == "lao_type")
    allowed = next(option for option in lao_type["schema"]["anyOf"] if "enum" in option)["enum"]
    assert "subdistrict_admin_org" in allowed and "" not in allowed
    for path in ("/v1/history", "/v1/forecasts", "/v1/hierarchy", "/v1/aggregate"):
        declared = schema["paths"][path]["get"]["responses"]["422"]["content"]["application/json"]["schema"]
        assert declared == {"$ref": "#/components/schemas/ErrorResponse"}, (path, declared)
    # an empty lao_type is not one of them: refused with the list, as the schema says
    response = client.get("/v1/aggregate", params={"metric": "waste_generated", "lao_type": ""})
    assert response.status_code == 422 and "subdistrict_admin_org" in response.json()["detail"]


def test_reads_are_the_only_methods_on_read_endpoints(client):
    assert client.post("/v1/forecasts?metric=waste_generated&level=province&code=83").status_code == 405
    assert client.delete("/v1/hierarchy/province/83").status_code == 405


def test_every_published_unit_answers_its_stored_forecast(client, served_world):
    # the answers come from an in-memory index (serving.forecast_index): every unit of the store, checked
    root = served_world.catalog.root
    checked = 0
    for part in sorted((root / "forecasts").glob("metric=*/level=*/part.parquet")):
        metric, level = part.parent.parent.name.split("=", 1)[1], part.parent.name.split("=", 1)[1]
        stored = _forecasts(root, metric, level)
        for key, expected in list(stored.groupby("key"))[:25]:
            body = client.get("/v1/forecasts", params={"metric": metric, "level": level, "code": int(key)}).json()
            expected = expected.sort_values("step")
            assert [p["step"] for p in body["points"]] == expected["step"].tolist()
            np.testing.assert_allclose([np.nan if p["forecast"] is None else p["forecast"] for p in body["points"]],
                                       expected["forecast"].to_numpy())
            assert [p["model"] for p in body["points"]] == expected["model"].tolist()
            checked += 1
    assert checked > 50


def test_aggregate_by_takes_spaces_around_commas_and_an_empty_list(client):
    spaced = client.get("/v1/aggregate", params={"metric": "waste_generated", "by": " fiscal_year , lao_type "})
    plain = client.get("/v1/aggregate", params={"metric": "waste_generated", "by": "fiscal_year,lao_type"})
    assert spaced.status_code == 200 and spaced.json()["rows"] == plain.json()["rows"]
    assert client.get("/v1/aggregate", params={"metric": "waste_generated", "by": ""}).status_code == 200
    assert "(a comma list)" in client.get("/v1/aggregate", params={"metric": "waste_generated", "by": "lao"}).json()["detail"]
