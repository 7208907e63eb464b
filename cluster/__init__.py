"""The cluster layer: one engine (this process, Dask or Ray) handed to every stage."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
from cluster.engine import (
           IN_PROCESS,
           DaskEngine,
           Engine,
           EngineError,
           InProcessEngine,
           RayEngine,
           engine_kind,
           open_engine,
)

__all__ = ["IN_PROCESS", "DaskEngine", "Engine", "EngineError", "InProcessEngine", "RayEngine", "engine_kind",
           "open_engine"]
