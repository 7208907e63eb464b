"""serving.config: the environment sets port, deposit token and size limit; the token never shows in a repr."""

from __future__ import annotations

from serving.config import DEFAULT_DEPOSIT_MAX_BYTES, ServeConfig, serve_config


def test_defaults_leave_deposits_disabled():
    config = serve_config({})
    assert config == ServeConfig(port=8000, deposit_token=None, deposit_max_bytes=DEFAULT_DEPOSIT_MAX_BYTES)
    assert DEFAULT_DEPOSIT_MAX_BYTES == 20 * 2**20
    assert serve_config({"KHLANG_DEPOSIT_TOKEN": "  "}).deposit_token is None


def test_environment_overrides():
    config = serve_config({"KHLANG_SERVE_PORT": "8123", "KHLANG_DEPOSIT_TOKEN": "s3cret",
                           "KHLANG_DEPOSIT_MAX_BYTES": "1024"})
    assert (config.port, config.deposit_token, config.deposit_max_bytes) == (8123, "s3cret", 1024)
    assert "s3cret" not in repr(config) and "<set>" in repr(config)
