"""Khlang (คลัง): distributed analytics and forecasting for Thai local government."""

__version__ = "0.1.0"
