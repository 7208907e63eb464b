"""Text of a complaint as model input: masked, normalised, segmented into Thai words.

Personal data is masked first (pipelines.complaints.privacy), so no phone number or name becomes a
feature of a model stored in MLflow. Words come from PyThaiNLP's newmm segmenter with its bundled
dictionary (nothing is downloaded; its data folder is kept in the work folder by khlang.runtime).
`word_features` adds word bigrams: Thai problem phrases are often two words (ฝา ท่อ, ไฟ ดับ)."""

from __future__ import annotations

import functools
import re
import unicodedata

from pipelines.complaints.privacy import mask

__all__ = ["normalise", "words", "word_features", "clean_texts", "WORD_CACHE"]

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
    """Words and adjacent word pairs: the analyzer of the word TF-IDF. Memoised (the last WORD_CACHE texts):
    training segments each text up to four times (threshold fit, its validation slice, refit, held-out
    scores), and segmenting is most of the word TF-IDF's cost."""
    return list(_word_features(text))


WORD_CACHE = 1 << 17  # texts; normalised texts are masked (PDPA) before they get here


@functools.lru_cache(maxsize=WORD_CACHE)
def _word_features(text: str) -> tuple[str, ...]:
    ws = words(text)
    return (*ws, *(f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)))
