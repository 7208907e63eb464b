"""Khlang (คลัง): distributed analytics and forecasting for Thai local government."""

from khlang.telemetry import telemetry_off

__version__ = "0.1.0"

telemetry_off()
