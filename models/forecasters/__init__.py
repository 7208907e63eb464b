"""Forecasters and their registry: the baselines (naive, seasonal naive, drift, means), the statistical
family (statsforecast), Prophet, the global XGBoost (with its design matrix), combinations, and the one
list of candidates that `khlang evaluate` and `khlang train` build from (models.forecasters.candidates)."""

from models.forecasters.candidates import (
           CANDIDATES,
           BuildContext,
           Candidate,
           DataProfile,
           build_candidates,
           profile_block,
)
from models.forecasters.combination import Combination
from models.forecasters.statistical import STATISTICAL_MODELS, StatisticalForecaster

__all__ = ["CANDIDATES", "BuildContext", "Candidate", "DataProfile", "build_candidates", "profile_block",
           "Combination", "STATISTICAL_MODELS", "StatisticalForecaster"]
