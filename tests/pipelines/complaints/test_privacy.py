"""Masking of personal data in Thai free text (PDPA): the corpus, the ID checksum, near misses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.complaints.privacy import TOKENS, mask, mask_many, thai_id_valid
from pipelines.complaints.privacy_corpus import CORPUS, corpus_scores, valid_id


def test_every_span_of_the_corpus_is_masked_and_nothing_else() -> None:
    scores = corpus_scores(mask)
    for kind, row in scores.items():
        assert row["precision"] == 1.0 and row["recall"] == 1.0, (kind, row)
    assert scores["all"]["spans"] >= 18


def test_no_personal_value_survives_and_near_misses_are_left_as_written() -> None:
    for text, spans in CORPUS:
        masked = mask(text).text
        for _, value in spans:
            assert value not in masked, (text, masked)
        if not spans:
            assert masked == text


@given(st.text(alphabet="0123456789", min_size=12, max_size=12).filter(lambda d: d[0] != "0"))
def test_a_thirteen_digit_number_is_an_id_exactly_when_its_check_digit_holds(first12: str) -> None:
    good = valid_id(first12)
    assert thai_id_valid(good)
    assert mask(f"เลขบัตร {good} ค่ะ").text == f"เลขบัตร {TOKENS['national_id']} ค่ะ"
    for wrong in {str(d) for d in range(10)} - {good[-1]}:
        assert not thai_id_valid(first12 + wrong)
        assert mask(f"เลขบัตร {first12 + wrong} ค่ะ").found["national_id"] == 0


@given(st.sampled_from(["06", "08", "09"]), st.text(alphabet="0123456789", min_size=8, max_size=8),
       st.sampled_from(["", "-", " "]))
def test_mobile_numbers_are_masked_in_any_common_layout(prefix: str, rest: str, sep: str) -> None:
    number = f"{prefix}{rest[0]}{sep}{rest[1:4]}{sep}{rest[4:]}"
    masked = mask(f"โทรหาผมที่ {number} นะครับ")
    assert masked.found["phone"] == 1 and number not in masked.text


def test_masking_twice_changes_nothing_more_and_counts_add_up() -> None:
    texts = [text for text, _ in CORPUS]
    once, counts = mask_many(texts)
    twice, again = mask_many(once)
    assert twice == once and sum(again.values()) == 0
    assert sum(counts.values()) == sum(len(spans) for _, spans in CORPUS)


def test_missing_text_is_empty_not_an_error() -> None:
    assert mask(None).text == "" and mask(float("nan")).text == ""
