"""app.context: the planning years from the API's last month of data."""

from __future__ import annotations

import pytest

from app.context import planning_years


@pytest.mark.parametrize(("data_as_of", "years"), [
    ("2025-09", (2569, 2570)),  # a complete FY2568: this year is FY2569 (Oct 2025 - Sep 2026), plan FY2570
    ("2025-10", (2569, 2570)),
    ("2026-03", (2569, 2570)),
    ("2026-08", (2569, 2570)),
    ("2026-09", (2570, 2571)),
    ("2025-12", (2569, 2570)),
])
def test_planning_years(data_as_of, years):
    assert planning_years(data_as_of) == years
