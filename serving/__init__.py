"""Serving: the read model over the forecast, history and quality stores, and the HTTP API (`khlang serve`)."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
