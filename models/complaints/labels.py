"""The problem types of a complaint: parsed from Traffy Fondue's `type` field, and the taxonomy learnt.

A ticket's `type` is a comma-separated list of Thai labels (some exports wrap it in braces). Two kinds of
label are not problem types and are dropped before training and scoring:
- UNLABELLED: อื่นๆ ("other") and an empty field. In 2022 the platform mostly left the category
  unassigned, so these tickets carry no label rather than a class of their own;
- MESSAGE_KINDS: ร้องเรียน (complaint), เสนอแนะ (suggestion), สอบถาม (question) say what kind of message it
  is, not what the problem is.
ALIASES fold a few spellings the platform used for the same type into one. The taxonomy is every type
with at least `min_support` labelled tickets in the training data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

__all__ = ["UNLABELLED", "MESSAGE_KINDS", "ALIASES", "parse_types", "taxonomy", "indicator", "MIN_SUPPORT"]

UNLABELLED = ("อื่นๆ", "อื่น ๆ", "")
MESSAGE_KINDS = ("ร้องเรียน", "เสนอแนะ", "สอบถาม")
ALIASES = {"เสียง": "เสียงรบกวน", "ฝุ่นควัน&กลิ่น&PM2.5": "PM2.5", "คนเร่ร่อน": "คนจรจัด",
           "สัตว์": "สัตว์จรจัด", "ไฟฟ้า": "แสงสว่าง"}
MIN_SUPPORT = 100


def parse_types(value: object) -> list[str]:
    """The problem types of one `type` field, aliases folded, non-types dropped, sorted, unique."""
    if value is None or value != value:  # None or NaN
        return []
    text = str(value).strip().strip("{}[]")
    found = set()
    for part in text.split(","):
        label = part.strip().strip("'\"").strip()
        label = ALIASES.get(label, label)
        if label not in UNLABELLED and label not in MESSAGE_KINDS:
            found.add(label)
    return sorted(found)


def taxonomy(labels: Iterable[list[str]], min_support: int = MIN_SUPPORT) -> tuple[str, ...]:
    """Every type with at least `min_support` tickets, in Thai sort order."""
    counts = Counter(t for ts in labels for t in ts)
    return tuple(sorted(t for t, n in counts.items() if n >= min_support))


def indicator(labels: Iterable[list[str]], types: tuple[str, ...]) -> np.ndarray:
    """bool [tickets, types]: ticket i has type j. Types outside the taxonomy are ignored."""
    column = {t: j for j, t in enumerate(types)}
    labels = list(labels)
    out = np.zeros((len(labels), len(types)), dtype=bool)
    for i, ts in enumerate(labels):
        for t in ts:
            if t in column:
                out[i, column[t]] = True
    return out
