"""Multi-label classifiers of complaint types: Khlang's own, and the baselines it is measured against.

Every classifier has the same shape: `fit(texts, Y, types, engine)` on normalised texts (models.complaints
.text) and a bool indicator Y [tickets, types]; `scores(texts)` float [tickets, types] in [0, 1];
`predict(texts)` bool [tickets, types] with at least one type per ticket (the best-scoring one when no
score passes its threshold: every complaint is about something).

- `TypeClassifier` (Khlang's): TF-IDF of character 1–3-grams within words beside TF-IDF of PyThaiNLP words
  and word pairs, one logistic regression per type (one engine task each: training scales out on the
  cluster handed in), and a threshold per type chosen on a slice of the training data held out from the
  fit (then the model is refitted on all of it);
- `CharTfidf` (the anchor to beat): character n-gram TF-IDF, one-vs-rest logistic regression, threshold 0.5;
- `KeywordRules`: a type when its name or one of a few keywords occurs in the text;
- `MostFrequent`: the most frequent type for every ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cluster.engine import IN_PROCESS, Engine
from models.complaints.text import segmenting_once, word_features

__all__ = ["TypeClassifier", "CharTfidf", "KeywordRules", "MostFrequent", "at_least_one", "CLASSIFIERS",
           "KEYWORDS"]

_GRID = np.round(np.arange(0.10, 0.65, 0.05), 2)
_MIN_VALIDATION_POSITIVES = 30  # fewer: the type takes the threshold chosen over all types


def at_least_one(scores: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """bool [n, k]: scores at or above the thresholds, and each row's best type where none is."""
    chosen = scores >= thresholds
    if len(scores):
        chosen[np.arange(len(scores)), scores.argmax(axis=1)] = True
    return chosen


def _fit_type(j: int, X: Any, Y: np.ndarray, C: float, dual: bool = False) -> tuple[np.ndarray, float]:
    """One type's logistic regression (an engine task): coefficients and intercept. `dual`: liblinear solves
    the dual problem, the same optimum (its intercept regularised alike) reached 2.6-3.7x faster where the
    features outnumber the tickets (scikit-learn's own advice for that shape)."""
    y = Y[:, j]
    if y.all() or not y.any():
        return np.zeros(X.shape[1]), (30.0 if y.all() else -30.0)
    model = LogisticRegression(C=C, solver="liblinear", dual=dual, random_state=0).fit(X, y)  # dual: seeded order
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = float((y & p).sum())
    denominator = float(y.sum() + p.sum())
    return 2 * tp / denominator if denominator else 0.0


@dataclass
class _Linear:
    """TF-IDF vectorisers and one logistic regression per type."""

    vectorisers: list[TfidfVectorizer]
    coef: np.ndarray  # float32 [features, types]
    intercept: np.ndarray  # [types]

    def scores(self, texts: list[str]) -> np.ndarray:
        X = sparse.hstack([v.transform(texts) for v in self.vectorisers]).tocsr()
        return 1.0 / (1.0 + np.exp(-(np.asarray(X @ self.coef) + self.intercept)))


def _vectorisers(word_level: bool, max_features: int) -> list[TfidfVectorizer]:
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                           max_features=max_features, dtype=np.float32)
    if not word_level:
        return [char]
    return [char, TfidfVectorizer(analyzer=word_features, sublinear_tf=True, min_df=2, dtype=np.float32)]


def _fit_linear(texts: list[str], Y: np.ndarray, C: float, word_level: bool, max_features: int,
                engine: Engine, dual: bool = False) -> _Linear:
    vectorisers = _vectorisers(word_level, max_features)
    X = sparse.hstack([v.fit_transform(texts) for v in vectorisers]).tocsr()
    X.sort_indices()
    fitted = engine.map(_fit_type, list(range(Y.shape[1])), X=X, Y=Y, C=C, dual=dual and X.shape[1] > X.shape[0])
    coef = np.stack([c for c, _ in fitted], axis=1).astype(np.float32)
    return _Linear(vectorisers, coef, np.array([b for _, b in fitted]))


@dataclass
class TypeClassifier:
    """Khlang's classifier (module docstring)."""

    C: float = 2.0
    validation_share: float = 0.15
    max_char_features: int = 300_000
    seed: int = 2568
    name: str = "khlang"
    types: tuple[str, ...] = ()
    thresholds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model: _Linear | None = None

    def fit(self, texts: list[str], Y: np.ndarray, types: tuple[str, ...], engine: Engine = IN_PROCESS
            ) -> TypeClassifier:
        self.types = tuple(types)
        rng = np.random.default_rng(self.seed)
        held = rng.random(len(texts)) < self.validation_share
        fit_texts = [t for t, h in zip(texts, held, strict=True) if not h]
        with segmenting_once():  # the three passes below segment each text once
            first = _fit_linear(fit_texts, Y[~held], self.C, True, self.max_char_features, engine, dual=True)
            self.thresholds = self._choose_thresholds(
                first.scores([t for t, h in zip(texts, held, strict=True) if h]), Y[held])
            self.model = _fit_linear(texts, Y, self.C, True, self.max_char_features, engine, dual=True)
        return self

    @staticmethod
    def _choose_thresholds(scores: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Per type, the grid threshold with the best F1 on the held-out slice; the best common one where
        the slice has too few tickets of the type to say."""
        common = max(_GRID, key=lambda th: _f1(Y, scores >= th))
        out = np.full(Y.shape[1], common)
        for j in range(Y.shape[1]):
            if Y[:, j].sum() >= _MIN_VALIDATION_POSITIVES:
                out[j] = max(_GRID, key=lambda th: _f1(Y[:, j], scores[:, j] >= th))
        return out

    def scores(self, texts: list[str]) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("the classifier is not fitted")
        return self.model.scores(texts)

    def predict(self, texts: list[str]) -> np.ndarray:
        return at_least_one(self.scores(texts), self.thresholds)


@dataclass
class CharTfidf:
    """The anchor: character n-gram TF-IDF, one-vs-rest logistic regression (C 4), threshold 0.5."""

    C: float = 4.0
    name: str = "char_tfidf_ovr"
    types: tuple[str, ...] = ()
    model: _Linear | None = None

    def fit(self, texts, Y, types, engine: Engine = IN_PROCESS) -> CharTfidf:
        self.types = tuple(types)
        self.model = _fit_linear(texts, Y, self.C, False, 300_000, engine)
        return self

    def scores(self, texts):
        return self.model.scores(texts)

    def predict(self, texts):
        return at_least_one(self.scores(texts), 0.5)


KEYWORDS = {  # a few words a clerk would search for; each type's own name counts too
    "PM2.5": ("ฝุ่น", "pm2.5", "pm 2.5", "ควันดำ"), "กีดขวาง": ("ขวาง", "จอดรถ", "วางของ"),
    "ขยะ": ("ขยะ", "ทิ้ง"), "คนจรจัด": ("คนเร่ร่อน", "คนไร้บ้าน"), "คลอง": ("คลอง", "ผักตบ"),
    "ความปลอดภัย": ("อันตราย", "ปลอดภัย", "มิจฉาชีพ"), "ความสะอาด": ("สกปรก", "เหม็น", "ทำความสะอาด"),
    "จราจร": ("รถติด", "ไฟจราจร", "สัญญาณไฟ"), "ต้นไม้": ("ต้นไม้", "กิ่ง", "ตัดแต่ง"),
    "ถนน": ("ถนน", "หลุม", "ผิวจราจร"), "ทางเท้า": ("ทางเท้า", "ฟุตบาท", "ทางเดิน"),
    "ท่อระบายน้ำ": ("ท่อ", "ฝาท่อ", "ระบายน้ำ"), "น้ำท่วม": ("น้ำท่วม", "ท่วมขัง", "น้ำขัง"),
    "ป้าย": ("ป้าย",), "สะพาน": ("สะพาน",), "สัตว์จรจัด": ("สุนัข", "หมา", "แมว"),
    "สายไฟ": ("สายไฟ", "สายสื่อสาร", "เสาไฟ"), "เสียงรบกวน": ("เสียงดัง", "เสียง"),
    "แสงสว่าง": ("ไฟดับ", "ไฟฟ้าดับ", "มืด", "ไฟทาง"),
}


@dataclass
class KeywordRules:
    """A type when its name or one of its KEYWORDS occurs; the most frequent type where none does."""

    name: str = "keyword_rules"
    types: tuple[str, ...] = ()
    prior: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, texts, Y, types, engine: Engine = IN_PROCESS) -> KeywordRules:
        self.types, self.prior = tuple(types), Y.mean(axis=0)
        return self

    def scores(self, texts):
        out = np.zeros((len(texts), len(self.types)))
        for j, t in enumerate(self.types):
            words = (t.lower(), *KEYWORDS.get(t, ()))
            out[:, j] = [any(w in text for w in words) for text in texts]
        return out + 1e-3 * self.prior  # ties (no keyword) go to the most frequent type

    def predict(self, texts):
        return at_least_one(self.scores(texts), 0.5)


@dataclass
class MostFrequent:
    """The most frequent type of the training data, for every ticket."""

    name: str = "most_frequent"
    types: tuple[str, ...] = ()
    prior: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, texts, Y, types, engine: Engine = IN_PROCESS) -> MostFrequent:
        self.types, self.prior = tuple(types), Y.mean(axis=0)
        return self

    def scores(self, texts):
        return np.tile(self.prior, (len(texts), 1))

    def predict(self, texts):
        return at_least_one(self.scores(texts), 1.1)


CLASSIFIERS = {c.name: c for c in (TypeClassifier, CharTfidf, KeywordRules, MostFrequent)}
