"""Complaint types from Thai text: labels, text features, classifiers and baselines, scoring, MLflow."""

from models.complaints.classifier import CLASSIFIERS, CharTfidf, KeywordRules, MostFrequent, TypeClassifier
from models.complaints.labels import indicator, parse_types, taxonomy

__all__ = ["CLASSIFIERS", "CharTfidf", "KeywordRules", "MostFrequent", "TypeClassifier", "indicator",
           "parse_types", "taxonomy"]
