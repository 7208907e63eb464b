"""The shape of the house, checked: the base package every stage imports (khlang: config, catalogue,
runtime, domain) imports no stage and not the shell; stage modules import no rich and not the shell; the
shell (commands) is imported by nothing but itself, the benchmarks and the tests; no module is over 400
lines. Read from the source (ast), so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

BASE = "khlang"
SHELL = "commands"
STAGES = ("cluster", "pipelines", "features", "models", "serving", "app")
PACKAGES = (BASE, SHELL, *STAGES, "benchmarks")
MAX_LINES = 400


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (PROJECT_ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def imported_packages(path: Path) -> set[str]:
    """The top-level names a module imports (absolute imports, at any depth of the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _offenders(packages: tuple[str, ...], forbidden: set[str]) -> dict[str, list[str]]:
    return {str(path.relative_to(PROJECT_ROOT)): sorted(imported_packages(path) & forbidden)
            for package in packages for path in _modules(package) if imported_packages(path) & forbidden}


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from pipelines.panel import open_panel\n    import rich.table\n")
    assert imported_packages(module) == {"os", "pipelines", "rich"}


def test_the_base_package_imports_no_stage_and_not_the_shell() -> None:
    assert _offenders((BASE,), {*STAGES, SHELL, "benchmarks"}) == {}


def test_no_stage_imports_the_shell_or_rich() -> None:
    # stages return reports as data; the command line (commands.render) draws them
    assert _offenders(STAGES, {SHELL, "rich", "typer"}) == {}


def test_benchmark_peers_are_imported_by_the_benchmarks_only() -> None:
    # requirements/bench.in: polars and schemathesis are installed by `make bench`, never needed to run
    # Khlang; coreforecast comes with statsforecast but Khlang calls it through statsforecast only
    assert _offenders((BASE, SHELL, *STAGES), {"polars", "schemathesis", "coreforecast"}) == {}
    peers = (PROJECT_ROOT / "requirements" / "bench.in").read_text(encoding="utf-8")
    main = (PROJECT_ROOT / "requirements" / "requirements.in").read_text(encoding="utf-8")
    for name in ("polars", "schemathesis"):
        assert name in peers and name not in main


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_over_400_lines(package: str) -> None:
    long = {str(p.relative_to(PROJECT_ROOT)): n for p in _modules(package)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_caller_branches_on_a_missing_engine_or_its_type() -> None:
    # the in-process engine is a real engine (cluster.engine.IN_PROCESS): callers are handed one, always;
    # what differs per engine lives in cluster/'s adapters
    import re

    pattern = re.compile(r"engine is None|engine is not None|engine or |isinstance\(\s*(self\.)?engine")
    found = {str(p.relative_to(PROJECT_ROOT)): n for package in STAGES if package != "cluster"
             for p in _modules(package) for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)}
    assert found == {}
