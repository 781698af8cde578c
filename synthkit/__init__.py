"""synthkit: a Jupyter-centric workbench for synthetic machine-sensor data.

Pick a machine, make or bring its seed data, train a model on it while watching the loss, and
generate train/val/test splits that keep the real data's proportions and rare failures.
``import synthkit`` stays light: SDV and torch load when a model is first trained or loaded,
and widgets live in ``synthkit.widgets``.
"""

from synthkit._version import __version__
from synthkit.compare import compare_models
from synthkit.conditions import sample
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
from synthkit.evaluation import EvaluationReport, evaluate
from synthkit.events import History, ProgressEvent
from synthkit.generation import GenerateResult, generate_synthetic_data
from synthkit.jobs import Job, get_task_status, submit
from synthkit.machines import Machine, Sensor, get_machine, list_machines
from synthkit.registration import preview_roles, register_machine, update_roles
from synthkit.roles import Roles
from synthkit.seed import generate_seed_data
from synthkit.sinks import JsonlSink, TqdmSink
from synthkit.store import Model, SeedResult, load_model
from synthkit.training import TrainResult, train_model, train_tvae

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
    "preview_roles",
    "register_machine",
    "submit",
    "train_model",
    "train_tvae",
    "update_roles",
]
