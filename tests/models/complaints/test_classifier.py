"""The complaint classifiers on real tickets: Khlang's beats the baselines on a held-out split, every
ticket gets at least one type, thresholds come from data held out of the fit, and the Dask engine gives
the same model as this process."""

from __future__ import annotations

import numpy as np
import pytest

from cluster.engine import open_engine
from khlang.config import ClusterConfig
from models.complaints.classifier import CharTfidf, KeywordRules, MostFrequent, TypeClassifier, at_least_one
from models.complaints.evaluation import holdout_mask, summary
from models.complaints.labels import indicator, taxonomy
from models.complaints.train import labelled_tickets


@pytest.fixture(scope="module")
def split(real_tickets):
    frame = real_tickets.sample(n=12000, random_state=11)
    texts, labels, _ = labelled_tickets(frame)
    types = taxonomy(labels, min_support=60)
    Y = indicator(labels, types)
    keep = Y.any(axis=1)
    texts, Y = [t for t, k in zip(texts, keep, strict=True) if k], Y[keep]
    held = holdout_mask(texts, 0.25)
    return ([t for t, h in zip(texts, held, strict=True) if not h], Y[~held],
            [t for t, h in zip(texts, held, strict=True) if h], Y[held], types)


def test_khlang_beats_every_baseline_on_held_out_real_tickets(split) -> None:
    train, Y_train, test, Y_test, types = split
    scores = {}
    for classifier in (MostFrequent(), KeywordRules(), CharTfidf(), TypeClassifier()):
        predicted = classifier.fit(train, Y_train, types).predict(test)
        assert predicted.shape == Y_test.shape and predicted.any(axis=1).all()
        scores[classifier.name] = summary(Y_test, predicted)
    assert scores["khlang"]["f1_micro"] > 0.65
    for baseline in ("most_frequent", "keyword_rules", "char_tfidf_ovr"):
        assert scores["khlang"]["f1_micro"] > scores[baseline]["f1_micro"], scores
        assert scores["khlang"]["f1_macro"] > scores[baseline]["f1_macro"], scores


def test_at_least_one_type_even_when_no_score_passes() -> None:
    scores = np.array([[0.1, 0.2, 0.05], [0.9, 0.8, 0.1], [0.3, 0.3, 0.31]])
    chosen = at_least_one(scores, np.array([0.5, 0.5, 0.5]))
    assert chosen.tolist() == [[False, True, False], [True, True, False], [False, False, True]]


def test_the_dask_engine_fits_the_same_model_as_this_process(split) -> None:
    train, Y_train, test, _, types = split
    here = TypeClassifier().fit(train[:1500], Y_train[:1500], types)
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        there = TypeClassifier().fit(train[:1500], Y_train[:1500], types, engine)
    assert np.array_equal(here.thresholds, there.thresholds)
    np.testing.assert_allclose(here.scores(test[:300]), there.scores(test[:300]), rtol=1e-6)
    assert set(np.round(here.thresholds, 2)) <= set(np.round(np.arange(0.10, 0.65, 0.05), 2))


def test_the_dual_solver_reaches_the_primal_optimum(split) -> None:
    """Khlang's classifier solves each type's regression in the dual (faster where features outnumber
    tickets); it must land where the primal solver does, types with few and with many tickets alike."""
    from scipy import sparse

    from models.complaints.classifier import _fit_type, _vectorisers

    train, Y_train, _, _, _ = split
    X = sparse.hstack([v.fit_transform(train) for v in _vectorisers(True, 300_000)]).tocsr()
    assert X.shape[1] > X.shape[0]
    counts = Y_train.sum(axis=0)
    for j in (int(counts.argmin()), int(counts.argmax())):
        primal, dual = _fit_type(j, X, Y_train, 2.0), _fit_type(j, X, Y_train, 2.0, dual=True)
        p, d = X @ primal[0] + primal[1], X @ dual[0] + dual[1]
        assert np.abs(p - d).max() < 0.05, (j, np.abs(p - d).max())
        assert ((p > 0) == (d > 0)).mean() > 0.999


def test_word_features_are_segmented_once_inside_the_block_and_forgotten_after() -> None:
    from models.complaints import text as module
    from models.complaints.text import segmenting_once, word_features, words

    text = "ฝาท่อ ชำรุด ไฟ ดับ หน้า บ้าน"
    expected = words(text) + [f"{a} {b}" for a, b in zip(words(text), words(text)[1:], strict=False)]
    assert word_features(text) == expected and module._memo is None  # outside: nothing kept
    with segmenting_once():
        first = word_features(text)
        first.append("changed by the caller")
        assert word_features(text) == expected  # a fresh list from the memo, not the caller's
        assert list(module._memo) == [text]
        with segmenting_once():  # nested: the same memo
            assert list(module._memo) == [text]
    assert module._memo is None
