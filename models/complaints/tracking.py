"""The complaint classifier in MLflow: a pyfunc model (texts in, types and scores out), its run in the
experiment khlang-complaints, and its version of the registered model khlang-complaints.

A version takes `champion` when its held-out error (1 − micro F1) beats the champion's on the same data and
split (models.tracking.registry.decide; new training data makes the new version champion, as for the
forecasters). `classify` then uses the champion."""

from __future__ import annotations

import hashlib
from typing import Any

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import infer_signature

from khlang.catalog import Catalog
from models.complaints.text import clean_texts
from models.tracking.pyfunc import own_code_by_value, pinned_requirements
from models.tracking.registry import CHAMPION, load_alias

__all__ = ["FAMILY", "ComplaintModel", "classify_frame", "data_key", "load_champion", "score_column",
           "TEXT", "TYPE"]

FAMILY = "complaints"
TEXT, TYPE = "text", "type"
_REQUIREMENTS = ("scikit-learn", "scipy", "pythainlp", "numpy", "pandas", "cloudpickle")


def score_column(type_name: str) -> str:
    return f"score_{type_name}"


def data_key(texts: list[str], labels: list[list[str]], holdout_share: float) -> str:
    """The 'backtest key' of a classifier score: which tickets and labels, which split."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(("|" + ",".join(label) + "\n").encode("utf-8"))
    return f"snapshot={digest.hexdigest()};split=text_hash;holdout={holdout_share}"


def classify_frame(classifier: Any, texts: list[str]) -> pd.DataFrame:
    """`type` (comma-separated, at least one) and one score column per type, for raw texts."""
    clean = clean_texts(texts)
    scores = classifier.scores(clean)
    chosen = classifier.predict(clean) if len(clean) else np.zeros((0, len(classifier.types)), bool)
    types = np.array(classifier.types, dtype=object)
    out = pd.DataFrame({TYPE: [",".join(types[row]) for row in chosen]})
    for j, name in enumerate(classifier.types):
        out[score_column(name)] = np.round(scores[:, j].astype(np.float64), 6) if len(clean) else []
    return out


class ComplaintModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper: a frame with a `text` column in; `type` and the score columns out."""

    def __init__(self, classifier: Any) -> None:
        self.classifier = classifier

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        if TEXT not in model_input.columns:
            raise ValueError(f"the classifier reads a column {TEXT!r}; got {list(model_input.columns)}")
        return classify_frame(self.classifier, model_input[TEXT].fillna("").astype(str).tolist())


def log_classifier(classifier: Any, name: str, example: list[str]) -> str:
    """Log the fitted classifier as a pyfunc model into the active run; its models:/ URI."""
    wrapper = ComplaintModel(classifier)
    request = pd.DataFrame({TEXT: example})
    with own_code_by_value():
        info = mlflow.pyfunc.log_model(name=name, python_model=wrapper,
                                       signature=infer_signature(request, wrapper.predict(None, request)),
                                       input_example=request.head(2),
                                       pip_requirements=pinned_requirements(classifier, _REQUIREMENTS))
    return str(info.model_uri)


def load_champion(catalog: Catalog, alias: str = CHAMPION) -> Any:
    """The champion classifier itself (unwrapped from its pyfunc model)."""
    return load_alias(FAMILY, catalog, alias).unwrap_python_model().classifier
