"""app.launch and `khlang app`: Streamlit on 127.0.0.1, headless, telemetry off, reading KHLANG_API_URL."""

from __future__ import annotations

from typer.testing import CliRunner

from app.launch import MAIN_SCRIPT, streamlit_command, streamlit_environment
from commands.cli import app as cli


def test_command_binds_localhost_headless_without_telemetry():
    command = streamlit_command(8600, python="/py")
    assert command[:5] == ["/py", "-m", "streamlit", "run", str(MAIN_SCRIPT)]
    pairs = dict(zip(command[5::2], command[6::2], strict=True))
    assert pairs["--server.address"] == "127.0.0.1" and pairs["--server.port"] == "8600"
    assert pairs["--server.headless"] == "true" and pairs["--browser.gatherUsageStats"] == "false"
    assert MAIN_SCRIPT.is_file()


def test_environment():
    env = streamlit_environment("http://127.0.0.1:9001/", base={"PATH": "/bin"})
    assert env == {"PATH": "/bin", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                   "KHLANG_API_URL": "http://127.0.0.1:9001"}
    assert streamlit_environment(base={"KHLANG_API_URL": "http://h:1"})["KHLANG_API_URL"] == "http://h:1"


def test_khlang_app_is_a_command():
    result = CliRunner().invoke(cli, ["app", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--api-url" in result.output
