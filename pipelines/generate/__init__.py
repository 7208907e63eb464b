"""Deterministic generator of realistic per-LAO monthly data (budget, waste, welfare): raw agency
files as delivered plus the clean ground truth, calibrated to real Thai figures."""

from pipelines.generate.dataset import GenerateReport, generate_dataset
from pipelines.generate.scales import SCALES

__all__ = ["GenerateReport", "SCALES", "generate_dataset"]
