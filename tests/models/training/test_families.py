"""Training several families in one go (what `khlang pipeline`'s train stage runs): the next metric's fits
run while the one before is assembled and logged, and each family comes out as if trained alone."""

from __future__ import annotations

import pandas as pd
import pytest

from cluster.engine import open_engine
from khlang.config import ClusterConfig
from models.training.family import train_families, train_family
from tests.models.training.tiny_world import FAST
from tests.served_world import SERVED_METRICS, copy_world

pytestmark = pytest.mark.slow


def test_families_trained_together_come_out_as_each_trained_alone(served_world, reference, tmp_path) -> None:
    world = copy_world(served_world, tmp_path)
    metrics = {"budget": SERVED_METRICS["budget"], "welfare": SERVED_METRICS["welfare"][:2]}
    with open_engine(ClusterConfig(address="local", n_workers=2), local_directory=str(tmp_path / "dask")) as engine:
        together = train_families(["budget", "welfare"], world.catalog, reference, FAST, engine, metrics=metrics)
        alone = train_family("welfare", world.catalog, reference, FAST, engine, metrics=metrics["welfare"])
    assert [t.family for t in together] == ["budget", "welfare"]
    assert [list(t.trainings) for t in together] == [metrics["budget"], metrics["welfare"]]
    pd.testing.assert_frame_equal(together[1].forecasts(), alone.forecasts())
    assert together[1].score == alone.score
    # each family its own cycle and registered version: the second welfare training is the next version
    assert together[0].run_id != together[1].run_id
    assert int(alone.registration.version) == int(together[1].registration.version) + 1


def test_a_family_without_a_panel_is_refused_before_any_fit(served_world, reference, tmp_path) -> None:
    world = copy_world(served_world, tmp_path)
    for path in world.catalog.panel.glob("waste*"):
        path.rename(path.with_name(f"gone-{path.name}"))
    with pytest.raises(ValueError, match="no panel for any monthly waste metric"):
        train_families(["budget", "waste"], world.catalog, reference, FAST, engine=None)  # never reached
