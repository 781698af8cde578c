"""synthkit: a Jupyter-centric workbench for synthetic machine-sensor data.

Pick a machine, make or bring its seed data, train a model on it while watching the loss, and
generate train/val/test splits that keep the real data's proportions and rare failures.
``import synthkit`` stays light: SDV and torch load when a model is first trained or loaded,
and widgets live in ``synthkit.widgets``.
"""

__version__ = "0.1.0"

from synthkit.errors import (  # noqa: E402
    BusyError,
    IntegrityError,
    InvalidDataError,
    InvalidParameterError,
    MissingArtifactError,
    SynthkitError,
    TaskCancelledError,
    TaskFailedError,
)
from synthkit.evaluation import EvaluationReport, evaluate  # noqa: E402
from synthkit.generation import GenerateResult, generate_synthetic_data  # noqa: E402
from synthkit.jobs import Job, get_task_status, submit  # noqa: E402
from synthkit.machines import Machine, Sensor, get_machine, list_machines  # noqa: E402
from synthkit.modelstore import Model, load_model  # noqa: E402
from synthkit.progress import History, JsonlSink, ProgressEvent, TqdmSink  # noqa: E402
from synthkit.registration import preview_roles, register_machine, update_roles  # noqa: E402
from synthkit.roles import Roles  # noqa: E402
from synthkit.seed import SeedResult, generate_seed_data  # noqa: E402
from synthkit.training import TrainResult, train_model, train_tvae  # noqa: E402

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
    "preview_roles",
    "register_machine",
    "submit",
    "train_model",
    "train_tvae",
    "update_roles",
]
