"""Text of a complaint as model input: masked, normalised, segmented into Thai words.

Personal data is masked first (pipelines.complaints.privacy), so no phone number or name becomes a
feature of a model stored in MLflow. Words come from PyThaiNLP's newmm segmenter with its bundled
dictionary (nothing is downloaded; its data folder is kept in the work folder by khlang.runtime).
`word_features` adds word bigrams: Thai problem phrases are often two words (ฝา ท่อ, ไฟ ดับ)."""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Iterator

from pipelines.complaints.privacy import mask

__all__ = ["normalise", "words", "word_features", "clean_texts", "segmenting_once"]

_SPACE = re.compile(r"\s+")
_NOISE = re.compile(r"^[\W_]+$")


def normalise(text: object) -> str:
    """Masked, NFC, lower case (English words), whitespace collapsed."""
    masked = mask(None if text is None else str(text)).text
    return _SPACE.sub(" ", unicodedata.normalize("NFC", masked)).strip().lower()


def clean_texts(texts) -> list[str]:
    return [normalise(t) for t in texts]


@functools.cache
def _tokenizer():
    from pythainlp.tokenize import Tokenizer

    return Tokenizer(engine="newmm", keep_whitespace=False)


def words(text: str) -> list[str]:
    """Thai words (and Latin words, numbers) of a normalised text, punctuation dropped."""
    return [w for w in _tokenizer().word_tokenize(text) if w.strip() and not _NOISE.match(w)]


def word_features(text: str) -> list[str]:
    """Words and adjacent word pairs: the analyzer of the word TF-IDF. Inside `segmenting_once` each text
    is segmented once and remembered until the block ends."""
    memo = _memo
    if memo is None:
        return _word_features(text)
    found = memo.get(text)
    if found is None:
        found = memo[text] = tuple(_word_features(text))
    return list(found)


def _word_features(text: str) -> list[str]:
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)]


_memo: dict[str, tuple[str, ...]] | None = None


@contextlib.contextmanager
def segmenting_once() -> Iterator[None]:
    """Within the block, `word_features` segments each text once: training passes over the same texts up
    to three times (threshold fit, its validation slice, refit), and segmenting is most of the word
    TF-IDF's cost. The memo (masked, normalised texts only) is dropped when the block ends, so a long-lived
    process (the API, `khlang complaints classify`) keeps nothing."""
    global _memo
    outer = _memo
    _memo = {} if outer is None else outer
    try:
        yield
    finally:
        _memo = outer
