"""The cluster layer: one engine (Dask or Ray) handed to every stage."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
from cluster.engine import DaskEngine, Engine, RayEngine, engine_kind, open_engine

__all__ = ["DaskEngine", "Engine", "RayEngine", "engine_kind", "open_engine"]
