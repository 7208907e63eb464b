"""Scoring a complaint classifier: a held-out split that keeps repeated texts together, and F1 tables.

The split is by the hash of each ticket's normalised text: the same text posted twice (Traffy has many
re-posts) lands on the same side, so the held-out score is not inflated by copies of training tickets."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

__all__ = ["holdout_mask", "f1_table", "summary"]


def holdout_mask(texts: list[str], share: float = 0.2) -> np.ndarray:
    """bool [tickets]: True for the held-out ones (about `share` of them), decided by each text's hash."""
    buckets = np.array([int(hashlib.sha1(t.encode("utf-8")).hexdigest()[:8], 16) % 1000 for t in texts])
    return buckets < int(round(share * 1000))


def f1_table(Y: np.ndarray, P: np.ndarray, types: tuple[str, ...]) -> pd.DataFrame:
    """Per type: support, precision, recall, F1 (0 where undefined)."""
    tp = (Y & P).sum(axis=0).astype(float)
    predicted, actual = P.sum(axis=0).astype(float), Y.sum(axis=0).astype(float)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    f1 = np.divide(2 * tp, predicted + actual, out=np.zeros_like(tp), where=(predicted + actual) > 0)
    return pd.DataFrame({"type": list(types), "support": actual.astype(int), "precision": precision,
                         "recall": recall, "f1": f1})


def summary(Y: np.ndarray, P: np.ndarray) -> dict[str, float]:
    """Micro F1 (over every ticket-type pair), macro F1 (mean over types with support), exact-match share."""
    tp, predicted, actual = float((Y & P).sum()), float(P.sum()), float(Y.sum())
    micro = 2 * tp / (predicted + actual) if predicted + actual else 0.0
    per_type = f1_table(Y, P, tuple(str(j) for j in range(Y.shape[1])))
    macro = float(per_type.loc[per_type["support"] > 0, "f1"].mean()) if (per_type["support"] > 0).any() else 0.0
    return {"f1_micro": micro, "f1_macro": macro, "exact_match": float((Y == P).all(axis=1).mean()),
            "tickets": int(len(Y))}
