"""app."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
