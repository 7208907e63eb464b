"""models.training.ahead: the next item's work runs while the caller handles this one's result."""

import threading

import pytest

from models.training.ahead import ahead


def test_results_come_in_order_each_once():
    assert list(ahead(["a", "bb", "ccc"], len)) == [("a", 1), ("bb", 2), ("ccc", 3)]
    assert list(ahead([], len)) == []


def test_the_next_items_work_runs_while_the_caller_handles_this_one():
    started = {n: threading.Event() for n in (1, 2, 3)}

    def work(n: int) -> int:
        started[n].set()
        return n

    for n, result in ahead([1, 2, 3], work):
        assert result == n
        if n < 3:  # handling n: the work of n + 1 starts without the caller asking for it
            assert started[n + 1].wait(timeout=30)


def test_an_error_is_raised_where_its_result_was_due_and_nothing_after_it_starts():
    begun = []

    def work(n: int) -> int:
        begun.append(n)
        if n == 2:
            raise ValueError("fit 2 failed")
        return n

    handed = []
    with pytest.raises(ValueError, match="fit 2 failed"):
        for n, _ in ahead([1, 2, 3, 4], work):
            handed.append(n)
    assert handed == [1] and begun == [1, 2]


def test_closing_early_waits_for_the_work_in_flight_and_starts_no_more():
    begun = []
    items = ahead([1, 2, 3], lambda n: begun.append(n) or n)
    assert next(items) == (1, 1)
    items.close()  # the work of 2 was in flight: it finishes, 3 never starts
    assert begun == [1, 2]


def test_at_depth_two_two_items_are_in_flight_at_once():
    both = threading.Barrier(2, timeout=30)  # passes only when two works wait on it together

    def work(n: int) -> int:
        if n in (1, 2):
            both.wait()
        return n

    assert [n for n, _ in ahead([1, 2, 3], work, depth=2)] == [1, 2, 3]
    with pytest.raises(ValueError, match="depth"):
        list(ahead([1], work, depth=0))
