"""Warning filters stay as the caller had them when synthkit works in several threads at once."""

import threading
import warnings

import pytest

from synthkit import generate_seed_data
from synthkit._warning_filters import keeps_warning_filters
from synthkit.jobs import submit
from synthkit.training import train_tvae

TINY = dict(batch_size=100, compress_dims=(32,), decompress_dims=(32,), embedding_dim=16)


def _interleaved(wrap):
    """Two threads whose catch_warnings contexts end out of order: A's starts first and ends first,
    so B, last out, restores the filters A had set (ignore everything)."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with warnings.catch_warnings():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=wrap(f)) for f in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def test_out_of_order_contexts_in_two_threads_change_the_filters_for_good():
    """The race itself, unguarded: the reason keeps_warning_filters exists."""
    with warnings.catch_warnings():
        before = list(warnings.filters)
        _interleaved(lambda f: f)
        assert warnings.filters[0][0] == "ignore" and warnings.filters != before


def test_the_last_synthkit_thread_out_puts_the_callers_filters_back():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before, showwarning = list(warnings.filters), warnings.showwarning
        _interleaved(keeps_warning_filters)
        assert warnings.filters == before and warnings.showwarning is showwarning
        warnings.warn("still heard", RuntimeWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["still heard"]


def test_an_error_inside_still_puts_the_filters_back():
    @keeps_warning_filters
    def fails():
        warnings.simplefilter("ignore")
        raise ValueError("boom")

    with warnings.catch_warnings():
        before = list(warnings.filters)
        with pytest.raises(ValueError, match="boom"):
            fails()
        assert warnings.filters == before


def test_trainings_side_by_side_with_early_stopping_leave_the_filters_as_they_were(workspace):
    generate_seed_data("cnc_machine_001", 300, seed=1)
    generate_seed_data("pump_001", 300, seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = list(warnings.filters)
        for _ in range(2):
            jobs = [
                submit(train_tvae, machine, seed=1, epochs=epochs, early_stopping=True, eval_every=1, **TINY)
                for machine, epochs in (("cnc_machine_001", 10), ("pump_001", 6))
            ]
            assert all(job.result(timeout=300).epochs_run > 0 for job in jobs)
            assert warnings.filters == before
        warnings.warn("still heard", RuntimeWarning, stacklevel=1)
    assert "still heard" in [str(w.message) for w in caught]
