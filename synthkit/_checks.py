"""Parameter checks shared by every public function, all raising the one message shape."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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
    return check_int(function, "seed", value, 0, int(BOUNDS["seed"].high))


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
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and 1 <= d <= BOUNDS["layer_size"].high
        for d in dims
    ):
        raise invalid_parameter(function, name, "a non-empty sequence of ints in [1, 4096]", value)
    return tuple(int(d) for d in dims)


def check_bool(function: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(function, name, "True or False", value)
    return value


def check_sinks(function: str, sinks: object) -> tuple[Callable[..., Any], ...]:
    """Progress sinks: an iterable of callables (each gets every event)."""
    if isinstance(sinks, (str, bytes)) or not isinstance(sinks, Iterable):
        raise invalid_parameter(function, "sinks", "an iterable of callables", sinks)
    sinks = tuple(sinks)
    if not all(callable(s) for s in sinks):
        raise invalid_parameter(function, "sinks", "an iterable of callables", sinks)
    return sinks


def check_stop_event(function: str, stop_event: object) -> Any:
    """A stop request: None or anything with ``is_set()`` (a ``threading.Event``)."""
    if stop_event is not None and not callable(getattr(stop_event, "is_set", None)):
        raise invalid_parameter(function, "stop_event", "None or a threading.Event", stop_event)
    return stop_event


@dataclass(frozen=True)
class Bounds:
    """What one parameter accepts: a whole number or a number in [low, high], blank if optional."""

    kind: str  # "int" or "float"
    low: float
    high: float
    optional: bool = False

    def describe(self) -> str:
        what = "a whole number" if self.kind == "int" else "a number"
        text = f"{what} from {self.low:,g} to {self.high:,g}" if self.kind == "float" else ""
        text = text or f"{what} from {int(self.low):,} to {int(self.high):,}"
        return text + (", or blank" if self.optional else "")


# The one place for the bounds of every numeric parameter: the public functions check against
# them (``check_bounded``) and the widgets read typed entries with them (``read_field``).
BOUNDS: dict[str, Bounds] = {
    "epochs": Bounds("int", 1, 100_000),
    "batch_size": Bounds("int", 1, 100_000),
    "eval_every": Bounds("int", 1, 100_000),
    "patience": Bounds("int", 1, 1000),
    "min_delta": Bounds("float", 0.0, 1.0),
    "holdout_fraction": Bounds("float", 0.0, 0.5),
    "embedding_dim": Bounds("int", 1, 4096),
    "layer_size": Bounds("int", 1, 4096),
    "l2scale": Bounds("float", 0.0, 1.0),
    "loss_factor": Bounds("float", 1e-6, 1000.0),
    "temperature": Bounds("float", 0.05, 10.0),
    "min_label_share": Bounds("float", 0.0, 0.5),
    "seed": Bounds("int", 0, 2**32 - 1, optional=True),
    "samples": Bounds("int", 100, 5_000_000),
    "rows": Bounds("int", 0, 100_000_000),  # each split, and all splits together
    "failure_ratio": Bounds("float", 0.0, 1.0, optional=True),
    "chunk_rows": Bounds("int", 100, 1_000_000),
    "compare_rows": Bounds("int", 100, 1_000_000),  # rows each model samples for a comparison
}


def check_bounded(function: str, name: str, value: object, field: str | None = None) -> int | float:
    """Check ``value`` against ``BOUNDS[field or name]`` (the message names ``name``)."""
    bounds = BOUNDS[field or name]
    if bounds.kind == "int":
        return check_int(function, name, value, int(bounds.low), int(bounds.high))
    return check_float(function, name, value, bounds.low, bounds.high)


def read_field(field: str, text: str) -> tuple[int | float | None, str | None]:
    """A typed entry for ``field`` as its value, or why it cannot be one.

    Returns ``(value, None)`` or ``(None, problem)``; the problem reads after the field's label
    ("must be a whole number from 1 to 100,000 (got '-5')"). Nothing is rounded or clamped:
    a value out of bounds is a problem, never a different value. Blank is None where allowed.
    """
    bounds = BOUNDS[field]
    cleaned = text.strip().replace(",", "").replace("_", "")
    problem = f"must be {bounds.describe()} (got {text.strip()!r})"
    if not cleaned:
        return (None, None) if bounds.optional else (None, f"must be {bounds.describe()}")
    try:
        value: int | float = int(cleaned) if bounds.kind == "int" else float(cleaned)
    except ValueError:
        return None, problem
    if not bounds.low <= value <= bounds.high:
        return None, problem
    return value, None


def read_sizes(text: str) -> tuple[tuple[int, ...] | None, str | None]:
    """Layer sizes typed as "128,128": the tuple, or why it cannot be one (as ``read_field``)."""
    bounds = BOUNDS["layer_size"]
    problem = (
        f"must be layer sizes from {int(bounds.low):,} to {int(bounds.high):,} separated by commas "
        f"(got {text.strip()!r})"
    )
    parts = [part.strip() for part in text.split(",")]
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        return None, problem
    if not sizes or not all(bounds.low <= size <= bounds.high for size in sizes):
        return None, problem
    return sizes, None
