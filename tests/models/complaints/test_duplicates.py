"""Near-duplicate complaints: close in space and time, a shared type and similar text make one group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.complaints.duplicates import DuplicateRule, group_duplicates


def _frame(rows):
    frame = pd.DataFrame(rows, columns=["ticket_id", "text", "types", "lon", "lat", "reported_at"])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    return frame


def test_re_reports_group_and_different_problems_do_not() -> None:
    frame = _frame([
        ("a", "ไฟทางดับทั้งซอย มืดมาก", "แสงสว่าง", 100.5000, 13.7500, "2023-01-01 10:00"),
        ("b", "ไฟทางดับทั้งซอย มืดมากครับ", "แสงสว่าง", 100.5003, 13.7502, "2023-01-03 09:00"),  # ~40 m, 2 days
        ("c", "ไฟทางดับทั้งซอยมืดมาก ช่วยด้วย", "แสงสว่าง", 100.5006, 13.7504, "2023-01-06 09:00"),  # chain to b
        ("d", "ไฟทางดับทั้งซอย มืดมาก", "แสงสว่าง", 100.5000, 13.7500, "2023-02-20 10:00"),  # weeks later
        ("e", "ไฟทางดับทั้งซอย มืดมาก", "แสงสว่าง", 100.5200, 13.7500, "2023-01-01 11:00"),  # ~2 km away
        ("f", "ไฟทางดับทั้งซอย มืดมาก", "ถนน", 100.5001, 13.7501, "2023-01-01 12:00"),  # another type
        ("g", "ขยะล้นถังส่งกลิ่นเหม็น", "แสงสว่าง", 100.5001, 13.7500, "2023-01-01 12:00"),  # other words
        ("h", "ไฟทางดับทั้งซอย มืดมาก", "แสงสว่าง", None, None, "2023-01-01 10:00"),  # no place
    ])
    groups = group_duplicates(frame)
    assert groups["group_id"].tolist() == ["a", "a", "a", "d", "e", "f", "g", "h"]
    assert groups["group_size"].tolist() == [3, 3, 3, 1, 1, 1, 1, 1]


def test_the_rule_decides_the_radius_and_the_days() -> None:
    frame = _frame([("a", "ถนนเป็นหลุมใหญ่", "ถนน", 100.5, 13.75, "2023-01-01"),
                    ("b", "ถนนเป็นหลุมใหญ่", "ถนน", 100.5015, 13.75, "2023-01-12")])  # ~160 m, 11 days
    assert group_duplicates(frame)["group_size"].tolist() == [1, 1]
    wide = DuplicateRule(radius_m=300, days=14)
    assert group_duplicates(frame, wide)["group_id"].tolist() == ["a", "a"]


def test_pairs_looked_up_a_chunk_at_a_time_are_every_close_pair_once() -> None:
    from models.complaints.duplicates import _EARTH_M, _pairs_near

    rng = np.random.default_rng(5)
    n = 600  # crowded: 600 points within about 300 m, over 30 days
    lat, lon = 13.75 + rng.normal(0, 0.001, n), 100.5 + rng.normal(0, 0.001, n)
    seconds = rng.uniform(0, 30 * 86400, n)
    # by hand: every pair within 100 m (haversine) and 7 days
    a, b = np.radians(lat), np.radians(lon)
    h = (np.sin((a[:, None] - a[None, :]) / 2) ** 2
         + np.cos(a[:, None]) * np.cos(a[None, :]) * np.sin((b[:, None] - b[None, :]) / 2) ** 2)
    near = 2 * _EARTH_M * np.arcsin(np.sqrt(h)) <= 100.0
    close = np.abs(seconds[:, None] - seconds[None, :]) <= 7 * 86400
    expected = {(int(i), int(j)) for i, j in zip(*np.nonzero(near & close), strict=True) if i < j}
    assert len(expected) > 1000
    for chunk in (7, 100, 10_000):
        i, j = _pairs_near(lat, lon, 100.0, seconds, 7 * 86400, chunk=chunk)
        assert len(i) == len(expected) and set(zip(i.tolist(), j.tolist(), strict=True)) == expected
