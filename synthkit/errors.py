"""The exception tree of synthkit, drawn once.

    SynthkitError
    ├── InvalidParameterError (ValueError)     bad input: an id, a size, a file, a parameter
    │   └── InvalidDataError                   a table that cannot be used; lists every problem
    ├── MissingArtifactError (FileNotFoundError)   seed data, model or run not there yet
    ├── IntegrityError                         a file whose bytes do not match its manifest
    ├── BusyError                              the machine already has a job of that kind running
    ├── MissingDependencyError (ImportError)   an optional extra is not installed
    ├── TaskFailedError (RuntimeError)         a task failed while running
    └── TaskCancelledError                     a task was stopped on request

Messages name the parameter, what is allowed and what was given, so a user can fix the call
without reading the code.
"""

from __future__ import annotations


class SynthkitError(Exception):
    """Root of every error synthkit raises on purpose.

    Where the message tells a CLI or Python user what to run next, ``in_workbench`` says the same
    for someone clicking through the workbench (which panel, which button).
    """

    def __init__(self, *args: object, in_workbench: str | None = None):
        super().__init__(*args)
        self.in_workbench = in_workbench


class InvalidParameterError(SynthkitError, ValueError):
    """A parameter is outside what is allowed; raised before any work starts."""


class InvalidDataError(InvalidParameterError):
    """A table cannot be used; ``problems`` lists every reason at once."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = list(problems)
        super().__init__(f"{what} is not usable: " + "; ".join(self.problems))


class MissingArtifactError(SynthkitError, FileNotFoundError):
    """Something a step needs (seed data, a model, a run) has not been made yet."""


class IntegrityError(SynthkitError):
    """A file's bytes do not match the SHA-256 its manifest recorded; it is not loaded."""


class BusyError(SynthkitError):
    """A job of the same kind is already running for this machine."""


class MissingDependencyError(SynthkitError, ImportError):
    """An optional extra a feature needs is not installed; the message says what to install."""


class TaskFailedError(SynthkitError, RuntimeError):
    """A task failed while running."""


class TaskCancelledError(SynthkitError):
    """A task was stopped on request; nothing it would have written was published."""


def invalid_parameter(function: str, name: str, allowed: str, got: object) -> InvalidParameterError:
    """Build the one message shape used for bad parameters (as scikit-learn does)."""
    return InvalidParameterError(
        f"The {name!r} parameter of {function} must be {allowed}. Got {got!r} instead."
    )
