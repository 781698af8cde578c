"""synthkit: a Jupyter-centric workbench for synthetic machine-sensor data.

Pick a machine, make or bring its seed data, train a model on it while watching the loss, and
generate train/val/test splits that keep the real data's proportions and rare failures.
``import synthkit`` stays light: SDV and torch load when a model is first trained or loaded,
and widgets live in ``synthkit.widgets``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from synthkit._version import __version__
from synthkit.errors import (
    BusyError,
    IntegrityError,
    InvalidDataError,
    InvalidParameterError,
    MissingArtifactError,
    SynthkitError,
    TaskCancelledError,
    TaskFailedError,
)

# The rest of the public API loads on first use (PEP 562), so `import synthkit` and the CLI's
# light commands (`--help`, `machines`, `status`, `watch`) import neither pandas nor SDV/torch.
_LAZY = {
    "compare_models": "compare",
    "sample": "conditions",
    "EvaluationReport": "evaluation",
    "evaluate": "evaluation",
    "History": "events",
    "ProgressEvent": "events",
    "GenerateResult": "generation",
    "generate_synthetic_data": "generation",
    "Job": "jobs",
    "get_task_status": "jobs",
    "submit": "jobs",
    "Machine": "machines",
    "Sensor": "machines",
    "get_machine": "machines",
    "list_machines": "machines",
    "describe_file": "registration",
    "preview_roles": "registration",
    "register_machine": "registration",
    "update_roles": "registration",
    "Roles": "roles",
    "generate_seed_data": "seed",
    "JsonlSink": "sinks",
    "TqdmSink": "sinks",
    "Model": "store",
    "SeedResult": "store",
    "load_model": "store",
    "TrainResult": "training",
    "train_model": "training",
    "train_tvae": "training",
}
# Submodules that importing the whole API used to bind as attributes: `synthkit.store` still works.
_SUBMODULES = {
    *_LAZY.values(),
    "_checks",
    "_version",
    "_warning_filters",
    "column_plan",
    "early_stopping",
    "errors",
    "simulators",
    "workspace",
}
_HELPERS = {"annotations", "importlib", "TYPE_CHECKING", "Any", "_LAZY", "_SUBMODULES", "_HELPERS"}

if TYPE_CHECKING:
    from synthkit.compare import compare_models
    from synthkit.conditions import sample
    from synthkit.evaluation import EvaluationReport, evaluate
    from synthkit.events import History, ProgressEvent
    from synthkit.generation import GenerateResult, generate_synthetic_data
    from synthkit.jobs import Job, get_task_status, submit
    from synthkit.machines import Machine, Sensor, get_machine, list_machines
    from synthkit.registration import describe_file, preview_roles, register_machine, update_roles
    from synthkit.roles import Roles
    from synthkit.seed import generate_seed_data
    from synthkit.sinks import JsonlSink, TqdmSink
    from synthkit.store import Model, SeedResult, load_model
    from synthkit.training import TrainResult, train_model, train_tvae


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"synthkit.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"synthkit.{name}")
    else:
        raise AttributeError(f"module 'synthkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted((set(globals()) - _HELPERS - {"__getattr__", "__dir__"}) | set(_LAZY) | _SUBMODULES)


__all__ = [
    "__version__",
    "BusyError",
    "EvaluationReport",
    "GenerateResult",
    "History",
    "IntegrityError",
    "InvalidDataError",
    "InvalidParameterError",
    "Job",
    "JsonlSink",
    "Machine",
    "MissingArtifactError",
    "Model",
    "ProgressEvent",
    "Roles",
    "SeedResult",
    "Sensor",
    "SynthkitError",
    "TaskCancelledError",
    "TaskFailedError",
    "TqdmSink",
    "TrainResult",
    "evaluate",
    "generate_seed_data",
    "generate_synthetic_data",
    "get_machine",
    "get_task_status",
    "list_machines",
    "load_model",
    "sample",
    "compare_models",
    "describe_file",
    "preview_roles",
    "register_machine",
    "submit",
    "train_model",
    "train_tvae",
    "update_roles",
]
