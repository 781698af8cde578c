"""The process's warning filters, as synthkit found them once its work in every thread is done.

Before Python 3.14 ``warnings.catch_warnings`` is process-wide, not per thread. pandas, sklearn,
SDV and synthkit enter it in their own code, and when two trainings run side by side the
contexts of different threads interleave: the last one out restores what it saved, which may be
another thread's filters. A process could end up with a filter changed for good, even one that
ignores every warning. ``keeps_warning_filters`` counts the threads inside synthkit's
operations: the first one in saves the filters, the last one out puts them back.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_inside = 0
_saved: warnings.catch_warnings | None = None


def _enter() -> None:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = warnings.catch_warnings()
            _saved.__enter__()
        _inside += 1


def _leave() -> None:
    global _inside, _saved
    with _lock:
        _inside -= 1
        if _inside == 0 and _saved is not None:
            _saved.__exit__(None, None, None)
            _saved = None


def keeps_warning_filters(function: F) -> F:
    """Runs ``function`` counted as one of synthkit's operations (see the module docstring)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _enter()
        try:
            return function(*args, **kwargs)
        finally:
            _leave()

    return wrapper  # type: ignore[return-value]
