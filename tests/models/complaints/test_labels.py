"""Problem types from Traffy's `type` field: message kinds and 'other' are not types; the taxonomy."""

from __future__ import annotations

import numpy as np

from models.complaints.labels import indicator, parse_types, taxonomy


def test_types_are_parsed_folded_and_non_types_dropped() -> None:
    assert parse_types("ทางเท้า,ถนน") == sorted(["ถนน", "ทางเท้า"])
    assert parse_types("{ถนน, ร้องเรียน}") == ["ถนน"]
    assert parse_types("อื่นๆ") == [] and parse_types("") == [] and parse_types(None) == []
    assert parse_types("เสียง,เสียงรบกวน") == ["เสียงรบกวน"]  # an alias and its type count once
    assert parse_types("สอบถาม,เสนอแนะ") == []


def test_the_taxonomy_keeps_types_with_enough_tickets() -> None:
    labels = [["ถนน"]] * 5 + [["ถนน", "น้ำท่วม"]] * 3 + [["ขยะ"]]
    assert taxonomy(labels, min_support=3) == ("ถนน", "น้ำท่วม")
    Y = indicator(labels, ("ถนน", "น้ำท่วม"))
    assert Y.shape == (9, 2) and Y[:, 0].sum() == 8 and Y[:, 1].sum() == 3 and not Y[-1].any()


def test_real_tickets_carry_problem_types_and_the_unlabelled_are_many(real_tickets) -> None:
    labels = [parse_types(v) for v in real_tickets["type"]]
    labelled = np.mean([bool(ls) for ls in labels])
    assert 0.3 < labelled < 0.6  # about half are อื่นๆ or empty (the data's README)
    types = taxonomy(labels)
    assert {"ถนน", "ทางเท้า", "น้ำท่วม", "แสงสว่าง"} <= set(types)
    assert not {"อื่นๆ", "ร้องเรียน", "สอบถาม"} & set(types)
