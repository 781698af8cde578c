"""Parameter checks shared by every public function, all raising the one message shape."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

from synthkit.errors import invalid_parameter


def check_int(function: str, name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` if it is an int in [low, high] (bools and floats are refused)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise invalid_parameter(function, name, f"an int in the range [{low:,}, {high:,}]", value)
    return int(value)


def check_optional_seed(function: str, value: object) -> int | None:
    """Seeds are None (fresh randomness) or an int that numpy and torch both accept."""
    if value is None:
        return None
    return check_int(function, "seed", value, 0, 2**32 - 1)


def check_float(function: str, name: str, value: object, low: float, high: float) -> float:
    """Return ``value`` as a float if it is a real number in [low, high]."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise invalid_parameter(function, name, f"a number in the range [{low}, {high}]", value)
    return float(value)


def check_choice(function: str, name: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise invalid_parameter(function, name, "one of " + ", ".join(map(repr, choices)), value)
    return value  # type: ignore[return-value]


def check_dims(function: str, name: str, value: object) -> tuple[int, ...]:
    """Layer sizes: a non-empty sequence of ints in [1, 4096]."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise invalid_parameter(function, name, "a sequence of ints in [1, 4096]", value)
    dims = tuple(value)
    if not dims or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and 1 <= d <= 4096 for d in dims
    ):
        raise invalid_parameter(function, name, "a non-empty sequence of ints in [1, 4096]", value)
    return tuple(int(d) for d in dims)
