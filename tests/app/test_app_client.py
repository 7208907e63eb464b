"""app.client against the real API: every endpoint of the contract, errors an operator can act on."""

from __future__ import annotations

import socket

import pytest

from app.client import DEFAULT_API_URL, ApiError, KhlangClient, api_url


def test_api_url_from_the_environment(monkeypatch):
    monkeypatch.delenv("KHLANG_API_URL", raising=False)
    assert api_url() == DEFAULT_API_URL == "http://127.0.0.1:8000"
    monkeypatch.setenv("KHLANG_API_URL", "http://127.0.0.1:9000/")
    assert api_url() == "http://127.0.0.1:9000"
    assert KhlangClient().base_url == "http://127.0.0.1:9000"


def test_every_endpoint_of_the_contract(api_url):
    client = KhlangClient(api_url)
    health = client.health()
    assert health["status"] == "ok" and set(health["families"]) == {"budget", "waste", "welfare"}
    assert [u["code"] for u in client.hierarchy(q="ภูเก็ต", level="province")] == [83]
    assert {u["level"] for u in client.hierarchy(parent=83, limit=100)} == {"district", "lao"}
    unit = client.unit("province", 83)
    assert [u["level"] for u in unit["path"]] == ["nation", "region", "province"]
    history = client.history("waste_generated", "province", 83)
    assert history["unit"] == "tonnes/day" and history["points"]
    forecast = client.forecasts("budget_operations", "province", 83)
    assert forecast["children_sum"] and {"lo80", "hi80", "lo95", "hi95"} <= set(forecast["points"][0])
    rows = client.aggregate("budget_operations", "forecast", ("region", "fiscal_year"), level="region")["rows"]
    assert {r["region"] for r in rows} == {6}
    assert {r["item"] for r in client.welfare("province", 83)} >= {"elderly_allowance", "elderly_60_69"}
    assert {f["family"] for f in client.models()} == {"budget", "waste", "welfare"}
    assert client.quality()["totals"]["files"] > 0


def test_a_4xx_carries_the_apis_detail(api_url):
    with pytest.raises(ApiError) as caught:
        KhlangClient(api_url).forecasts("budget_operations", "province", 50)  # Chiang Mai: not in the world
    assert caught.value.status == 404 and not caught.value.unreachable
    assert "budget_operations" in str(caught.value)


def test_an_unreachable_api():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ApiError) as caught:
        KhlangClient(f"http://127.0.0.1:{port}", timeout_s=2).health()
    assert caught.value.unreachable and "ConnectError" in str(caught.value)
