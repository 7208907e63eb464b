"""Held-out split by text and the F1 tables of the complaint classifier."""

from __future__ import annotations

import numpy as np

from models.complaints.evaluation import f1_table, holdout_mask, summary


def test_the_same_text_always_lands_on_the_same_side() -> None:
    texts = [f"ถนนเป็นหลุม ซอย {i}" for i in range(2000)]
    held = holdout_mask(texts + texts, 0.2)
    assert (held[:2000] == held[2000:]).all()
    assert 0.15 < held[:2000].mean() < 0.25


def test_micro_and_macro_f1_by_hand() -> None:
    Y = np.array([[1, 0], [1, 1], [0, 1], [1, 0]], dtype=bool)
    P = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
    s = summary(Y, P)
    assert np.isclose(s["f1_micro"], 2 * 3 / (4 + 5))  # tp 3, predicted 4, actual 5
    table = f1_table(Y, P, ("a", "b"))
    assert np.allclose(table["precision"], [1.0, 0.5]) and np.allclose(table["recall"], [2 / 3, 0.5])
    assert np.isclose(s["f1_macro"], table["f1"].mean()) and s["exact_match"] == 0.5
