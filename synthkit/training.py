"""Training: fit a model on a machine's seed data, report every epoch, keep the result safe.

``train_model`` (and ``train_tvae``, its TVAE entry point) is the public ``fit``: it validates
everything before any work, runs the task with progress events, a task record and a per-machine
lock, honours a stop request at the next epoch boundary, optionally stops early on quality, and
publishes the model folder in one atomic swap. The model internals live in ``synthkit._sdv``.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from synthkit._checks import (
    BOUNDS,
    check_bool,
    check_bounded,
    check_choice,
    check_dims,
    check_optional_seed,
    check_sinks,
    check_stop_event,
)
from synthkit._version import __version__
from synthkit._warning_filters import keeps_warning_filters
from synthkit.column_plan import TABLE, ColumnPlan
from synthkit.early_stopping import EarlyStopping, QualityWatch
from synthkit.errors import InvalidParameterError, TaskCancelledError, invalid_parameter
from synthkit.events import Emitter, Sink
from synthkit.jobs import cancel_signal, check_task_id, run_task
from synthkit.machines import get_machine
from synthkit.mode_choice import choose_sampling
from synthkit.store import load_seed, split_holdout, utc_now, verify_seed, write_model
from synthkit.workspace import Workspace, validate_id

MODEL_KINDS = ("tvae", "gaussian_copula", "ctgan")
NEURAL_KINDS = ("tvae", "ctgan")
MAX_EPOCHS = int(BOUNDS["epochs"].high)
DEFAULT_MIN_LABEL_SHARE = 0.05


@dataclass(frozen=True)
class TrainResult:
    task_id: str
    machine_id: str
    model_path: str
    training_time: float
    final_loss: float | None
    trained_at: str
    num_features: int
    loss_history: list[float] = field(default_factory=list)
    epochs_run: int = 0
    model: str = "tvae"
    name: str = "tvae"  # the model's name on its machine
    best_epoch: int | None = None
    stopped_early: bool = False
    best_quality: float | None = None
    quality_history: list[tuple[int, float]] = field(default_factory=list)
    scoring_time: float = 0.0  # seconds of training_time spent scoring for early stopping
    key_notes: list[str] = field(default_factory=list)  # how repeating keys come back, in words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def expected_time_note(first_epoch_s: float, epochs: int) -> str:
    """After the first epoch, the whole run's expected time when it is long enough to matter."""
    total = first_epoch_s * epochs
    if epochs < 2 or total < 120:
        return ""
    minutes = total / 60
    text = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    return f" (at this pace the {epochs} epochs take about {text}; fewer epochs or early stopping shorten it)"


def _fit_model(
    emitter: Emitter,
    machine_id: str,
    kind: str,
    name: str,
    params: dict[str, Any],
    seed: int | None,
    holdout_fraction: float,
    rule: EarlyStopping,
    stop_event: threading.Event | None,
    workspace: Workspace,
) -> TrainResult:
    from synthkit import _sdv

    started = time.perf_counter()
    epochs = params.get("epochs", 1)

    def check_stop(where: str) -> None:
        if stop_event is not None and stop_event.is_set():
            raise TaskCancelledError(f"training stopped {where}; the previous model is kept")

    check_stop("before preprocessing")
    emitter.emit("preprocessing", "loading and preparing seed data", 0, epochs)
    machine = get_machine(machine_id, workspace.root)
    seed_frame, _, seed_info = load_seed(machine_id, workspace.root)
    plan = ColumnPlan.from_seed(seed_frame, machine.roles_for(seed_frame))
    frame, metadata = plan.model_table(seed_frame), plan.metadata()
    del seed_frame
    split_seed = seed if seed is not None else secrets.randbelow(2**32)
    train, holdout = split_holdout(frame, holdout_fraction, split_seed, list(plan.labels))

    synthesizer = _sdv.build_synthesizer(
        kind, metadata, seed, plan.labels, params, plan.normals, plan.one_hot
    )
    watch = (
        QualityWatch(synthesizer, holdout, metadata.to_dict(), rule, epochs, split_seed)
        if rule.enabled
        else None
    )
    losses: list[float] = []
    fit_started: list[float] = []

    def on_epoch(epoch: int, loss: float) -> None:
        losses.append(loss)
        quality = watch.score(epoch) if watch is not None and watch.due(epoch) else None
        extra = {"quality": quality, "scoring_s": round(watch.seconds, 4)} if watch is not None else {}
        message = f"epoch {epoch}/{epochs}"
        if epoch == 1 and fit_started:
            message += expected_time_note(time.perf_counter() - fit_started[0], epochs)
        emitter.emit("training", message, epoch, epochs, epoch=epoch, loss=loss, **extra)
        if stop_event is not None and stop_event.is_set() and epoch < epochs:
            raise _sdv.StopTraining(epoch)
        if watch is not None and (watch.should_stop() or epoch == epochs):
            watch.restore_best()
            raise _sdv.EarlyStop(epoch)

    def on_fit_start() -> None:
        if stop_event is not None and stop_event.is_set():  # asked during preprocessing
            raise _sdv.StopTraining(0)
        fit_started.append(time.perf_counter())
        emitter.emit("training", "training started", 0, epochs)

    if kind in NEURAL_KINDS:
        synthesizer.epoch_callback = on_epoch
        synthesizer.on_fit_start = on_fit_start
    else:
        emitter.emit("training", "fitting", 0, epochs)
    with _sdv.lean_fit():
        if seed is not None:
            _sdv.seed_everything(seed)
        try:
            synthesizer.fit({TABLE: train})
        except _sdv.StopTraining as stop:
            where = f"after epoch {stop.args[0]}" if stop.args[0] else "during preprocessing"
            raise TaskCancelledError(f"training stopped {where}; the previous model is kept") from None
    check_stop("before saving")
    sampling = choose_sampling(synthesizer, holdout, metadata.to_dict(), split_seed)

    emitter.emit("saving", "saving model", epochs, epochs)
    trained_at = utc_now()
    training_time = round(time.perf_counter() - started, 3)
    best_quality, best_epoch = watch.best if watch is not None and watch.best else (None, None)
    stopped_early = watch is not None and len(losses) < epochs
    _sdv.move_to_cpu(synthesizer)
    model_path = write_model(
        workspace,
        machine_id,
        lambda path: synthesizer.save(str(path)),
        holdout,
        {
            "model": kind,
            "task_id": emitter.task_id,
            "trained_at": trained_at,
            "training_time": training_time,
            "parameters": {**params, "seed": seed, "early_stopping": asdict(rule)},
            "epochs_run": len(losses),
            "loss_history": losses,
            "quality_history": watch.history if watch is not None else [],
            "scoring_time": round(watch.seconds, 3) if watch is not None else 0.0,
            "best_epoch": best_epoch,
            "best_quality": best_quality,
            "stopped_early": stopped_early,
            "final_loss": losses[-1] if losses else None,
            "num_features": frame.shape[1],
            "mode_temperature": sampling.mode_temperature,
            "mode_scores": {str(t): q for t, q in sampling.mode_scores.items()},
            "noise_scale": sampling.noise_scale,
            "noise_scores": {str(g): q for g, q in sampling.noise_scores.items()},
            "columns": plan.to_dict(),
            "seed_sha256": seed_info["sha256"],
            "training_rows": len(train),
            "holdout_fraction": holdout_fraction,
            "holdout_rows": len(holdout),
            "holdout_seed": split_seed,
            "versions": _sdv.library_versions() | {"synthkit": __version__},
        },
        before_publish=lambda: check_stop("before publishing"),
        name=name,
    )
    return TrainResult(
        task_id=emitter.task_id,
        machine_id=machine_id,
        model_path=str(model_path),
        training_time=training_time,
        final_loss=losses[-1] if losses else None,
        trained_at=trained_at,
        num_features=frame.shape[1],
        loss_history=losses,
        epochs_run=len(losses),
        model=kind,
        name=name,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        best_quality=best_quality,
        quality_history=watch.history if watch is not None else [],
        scoring_time=round(watch.seconds, 3) if watch is not None else 0.0,
        key_notes=plan.key_notes(),
    )


def _model_params(function: str, kind: str, epochs: int, batch_size: int, options: dict[str, Any]) -> dict:
    """Checked constructor parameters of each model kind; unknown options are refused by name."""
    allowed = {
        "tvae": {
            "embedding_dim",
            "compress_dims",
            "decompress_dims",
            "l2scale",
            "loss_factor",
            "enable_gpu",
            "temperature",
            "min_label_share",
        },
        "ctgan": {"embedding_dim", "generator_dim", "discriminator_dim", "enable_gpu"},
        "gaussian_copula": {"default_distribution"},
    }[kind]
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidParameterError(
            f"{function} got parameter(s) {', '.join(map(repr, unknown))} that model {kind!r} does not take; "
            f"it takes {', '.join(sorted(allowed | {'epochs', 'batch_size'}))}."
        )
    checks = {
        "embedding_dim": lambda v: check_bounded(function, "embedding_dim", v),
        "compress_dims": lambda v: check_dims(function, "compress_dims", v),
        "decompress_dims": lambda v: check_dims(function, "decompress_dims", v),
        "generator_dim": lambda v: check_dims(function, "generator_dim", v),
        "discriminator_dim": lambda v: check_dims(function, "discriminator_dim", v),
        "l2scale": lambda v: check_bounded(function, "l2scale", v),
        "loss_factor": lambda v: check_bounded(function, "loss_factor", v),
        "enable_gpu": lambda v: check_bool(function, "enable_gpu", v),
        "temperature": lambda v: check_bounded(function, "temperature", v),
        "min_label_share": lambda v: check_bounded(function, "min_label_share", v),
        "default_distribution": lambda v: check_choice(
            function,
            "default_distribution",
            v,
            ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde"),
        ),
    }
    params = {name: checks[name](value) for name, value in options.items()}
    if kind == "tvae":
        params.setdefault("min_label_share", DEFAULT_MIN_LABEL_SHARE)
    if kind in NEURAL_KINDS:
        params["epochs"] = check_bounded(function, "epochs", epochs)
        params["batch_size"] = check_bounded(function, "batch_size", batch_size)
        if kind == "ctgan" and params["batch_size"] % 10:
            raise invalid_parameter(
                function, "batch_size", "a multiple of 10 for CTGAN (its pac size)", batch_size
            )
    return params


@keeps_warning_filters
def train_model(
    machine_id: str,
    model: str = "tvae",
    epochs: int = 300,
    batch_size: int = 500,
    seed: int | None = None,
    holdout_fraction: float = 0.2,
    early_stopping: bool = False,
    eval_every: int = 10,
    patience: int = 3,
    min_delta: float = 0.002,
    sinks: Iterable[Sink] = (),
    stop_event: threading.Event | None = None,
    task_id: str | None = None,
    workspace: str | os.PathLike | None = None,
    name: str | None = None,
    **model_params: Any,
) -> TrainResult:
    """Train a model of kind ``model`` (tvae, gaussian_copula or ctgan) on a machine's seed data.

    Neural models send one progress event per epoch. With a seed, two runs give identical losses
    and samples. A stop request ends training at the next epoch boundary (TaskCancelledError) and
    leaves the previous model as it was. With ``early_stopping`` the model is scored on held-out
    rows every ``eval_every`` epochs (``quality`` in the epoch events); training stops after
    ``patience`` scores without an improvement of more than ``min_delta`` and keeps the weights
    of the best score. The model is saved under ``name`` (default: the kind), beside the machine's
    other models; two names of one machine train side by side, the same name twice is refused.
    """
    function = "train_model" if model != "tvae" else "train_tvae"
    kind = check_choice(function, "model", model, MODEL_KINDS)
    name = validate_id(kind if name is None else name, "name")
    params = _model_params(function, kind, epochs, batch_size, model_params)
    seed = check_optional_seed(function, seed)
    holdout_fraction = check_bounded(function, "holdout_fraction", holdout_fraction)
    rule = EarlyStopping(
        check_bool(function, "early_stopping", early_stopping),
        check_bounded(function, "eval_every", eval_every),
        check_bounded(function, "patience", patience),
        check_bounded(function, "min_delta", min_delta),
    )
    if rule.enabled and (kind not in NEURAL_KINDS or holdout_fraction == 0):
        raise InvalidParameterError(
            "early_stopping needs a neural model (tvae or ctgan) and held-out rows (holdout_fraction > 0)."
        )
    sinks = check_sinks(function, sinks)
    stop_event = check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "train")
    ws = Workspace(workspace)
    stop_event = cancel_signal(ws, task_id, stop_event)  # a Stop from any process
    get_machine(machine_id, ws.root)
    rows = verify_seed(machine_id, ws.root)["rows"]
    if rows - round(rows * holdout_fraction) < 10:
        raise InvalidParameterError(
            f"Machine {machine_id!r} has {rows} seed rows; with holdout_fraction={holdout_fraction} "
            "fewer than 10 are left to train on."
        )
    return run_task(
        "train",
        machine_id,
        task_id,
        {
            "model": kind,
            "name": name,
            **params,
            "seed": seed,
            "holdout_fraction": holdout_fraction,
            **asdict(rule),
        },
        lambda emitter: _fit_model(
            emitter, machine_id, kind, name, params, seed, holdout_fraction, rule, stop_event, ws
        ),
        sinks=sinks,
        workspace=ws,
        lock=f"train-{name}",
    )


def train_tvae(
    machine_id: str,
    epochs: int = 300,
    batch_size: int = 500,
    embedding_dim: int = 128,
    compress_dims: tuple[int, ...] = (128, 128),
    decompress_dims: tuple[int, ...] = (128, 128),
    l2scale: float = 1e-5,
    loss_factor: float = 2,
    seed: int | None = None,
    enable_gpu: bool = True,
    temperature: float = 1.0,
    min_label_share: float = DEFAULT_MIN_LABEL_SHARE,
    holdout_fraction: float = 0.2,
    early_stopping: bool = False,
    eval_every: int = 10,
    patience: int = 3,
    min_delta: float = 0.002,
    sinks: Iterable[Sink] = (),
    stop_event: threading.Event | None = None,
    task_id: str | None = None,
    workspace: str | os.PathLike | None = None,
    name: str | None = None,
) -> TrainResult:
    """Train synthkit's TVAE (SDV's TVAE with distribution-keeping sampling); see ``train_model``."""
    options = dict(locals())  # every parameter above, by name: none can be dropped on the way
    return train_model(options.pop("machine_id"), "tvae", **options)


train_tvae.task_kind = "train"  # type: ignore[attr-defined]
train_model.task_kind = "train"  # type: ignore[attr-defined]
