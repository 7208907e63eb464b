"""models.lazy and the packages of models/: every public name resolves to what its module defines, and
importing a package imports none of its modules until a name is used."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from models.lazy import lazy_names

PACKAGES = ("models.evaluation", "models.hierarchy", "models.training", "models.tracking")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_its_modules(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ and sorted(module.__all__) == dir(module)
    for name in module.__all__:
        home = importlib.import_module(module._WHERE[name])
        assert getattr(module, name) is getattr(home, name)
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        _ = module.nothing_here


def test_a_package_loads_its_modules_on_first_use() -> None:
    code = ("import sys, models.training as t; assert 'models.training.train' not in sys.modules; "
            "t.train_metric; assert 'models.training.train' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


def test_lazy_names_of_a_made_up_package() -> None:
    getattr_, dir_, names = lazy_names("pkg", {"sqrt": "math"})
    assert names == ["sqrt"] and dir_() == ["sqrt"] and getattr_("sqrt")(9.0) == 3.0
