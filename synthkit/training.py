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

import numpy as np
import pandas as pd

from synthkit import __version__
from synthkit._checks import check_choice, check_dims, check_float, check_int, check_optional_seed
from synthkit._warning_filters import keeps_warning_filters
from synthkit.column_plan import ColumnPlan
from synthkit.errors import InvalidParameterError, TaskCancelledError, invalid_parameter
from synthkit.jobs import check_task_id, run_task
from synthkit.machines import get_machine
from synthkit.modelstore import HOLDOUT_FILE, MANIFEST_FILE, MODEL_FILE
from synthkit.progress import Emitter, Sink
from synthkit.seed import TABLE, load_seed, utc_now, verify_seed
from synthkit.workspace import Workspace, publish_dir, sha256_file, staging_dir, write_json

MODEL_KINDS = ("tvae", "gaussian_copula", "ctgan")
NEURAL_KINDS = ("tvae", "ctgan")
MAX_EPOCHS = 100_000
EVAL_ROWS = 2000
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
    best_epoch: int | None = None
    stopped_early: bool = False
    best_quality: float | None = None
    quality_history: list[tuple[int, float]] = field(default_factory=list)
    scoring_time: float = 0.0  # seconds of training_time spent scoring for early stopping

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EarlyStopping:
    enabled: bool = False
    eval_every: int = 10
    patience: int = 3
    min_delta: float = 0.002


def _check_sinks(function: str, sinks: object) -> tuple[Sink, ...]:
    if isinstance(sinks, (str, bytes)) or not isinstance(sinks, Iterable):
        raise invalid_parameter(function, "sinks", "an iterable of callables", sinks)
    sinks = tuple(sinks)
    if not all(callable(s) for s in sinks):
        raise invalid_parameter(function, "sinks", "an iterable of callables", sinks)
    return sinks


def _check_stop_event(function: str, stop_event: object) -> threading.Event | None:
    if stop_event is not None and not callable(getattr(stop_event, "is_set", None)):
        raise invalid_parameter(function, "stop_event", "None or a threading.Event", stop_event)
    return stop_event  # type: ignore[return-value]


def _check_bool(function: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(function, name, "True or False", value)
    return value


def split_holdout(frame: pd.DataFrame, fraction: float, seed: int, strata: str | list[str] | None):
    """Keep ``fraction`` of the rows out of the fit, per label stratum (each combination of the
    label columns) so rare failures are in both."""
    if fraction == 0:
        return frame, frame.iloc[0:0]
    rng = np.random.default_rng(seed)
    if strata:
        groups = frame.groupby(strata, sort=True, dropna=False).indices.values()
    else:
        groups = [np.arange(len(frame))]
    held = [rng.permutation(rows)[: int(round(fraction * len(rows)))] for rows in groups]
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.concatenate(held)] = True
    return frame[~mask].reset_index(drop=True), frame[mask].reset_index(drop=True)


def expected_time_note(first_epoch_s: float, epochs: int) -> str:
    """After the first epoch, the whole run's expected time when it is long enough to matter."""
    total = first_epoch_s * epochs
    if epochs < 2 or total < 120:
        return ""
    minutes = total / 60
    text = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    return f" (at this pace the {epochs} epochs take about {text}; fewer epochs or early stopping shorten it)"


def quick_quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    """SDMetrics' overall quality score of ``synthetic`` against ``real`` (a few thousand rows)."""
    import warnings

    from sdmetrics.reports import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({TABLE: real}, {TABLE: synthetic}, metadata, verbose=False)
    return float(report.get_score())


class _QualityWatch:
    """Scores the model every ``eval_every`` epochs, keeps the best weights, stops when stale."""

    def __init__(
        self,
        synthesizer: Any,
        holdout: pd.DataFrame,
        metadata: dict,
        rule: EarlyStopping,
        epochs: int,
        seed: int,
    ):
        self.synthesizer, self.rule, self.epochs, self.seed = synthesizer, rule, epochs, seed
        self.real = holdout.sample(n=min(EVAL_ROWS, len(holdout)), random_state=seed)
        self.metadata = metadata
        self.best: tuple[float, int] | None = None
        self.best_weights = None
        self.stale = 0
        self.history: list[tuple[int, float]] = []
        self.seconds = 0.0  # spent scoring, so callers can tell the model's time from the checks'

    def due(self, epoch: int) -> bool:
        return epoch % self.rule.eval_every == 0 or epoch == self.epochs

    def score(self, epoch: int) -> float:
        from synthkit import _sdv

        started = time.perf_counter()
        synthetic = _sdv.sample_during_fit(self.synthesizer, len(self.real), self.seed)
        quality = quick_quality(self.real, synthetic, self.metadata)
        self.history.append((epoch, quality))
        if self.best is None or quality > self.best[0] + self.rule.min_delta:
            self.best, self.best_weights, self.stale = (
                (quality, epoch),
                _sdv.model_weights(self.synthesizer),
                0,
            )
        else:
            self.stale += 1
        self.seconds += time.perf_counter() - started
        return quality

    def should_stop(self) -> bool:
        return self.stale >= self.rule.patience

    def restore_best(self) -> None:
        from synthkit import _sdv

        if self.best_weights is not None:
            _sdv.load_model_weights(self.synthesizer, self.best_weights)


def _fit_model(
    emitter: Emitter,
    machine_id: str,
    kind: str,
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

    synthesizer = _sdv.build_synthesizer(kind, metadata, seed, plan.labels, params, plan.normals)
    watch = (
        _QualityWatch(synthesizer, holdout, metadata.to_dict(), rule, epochs, split_seed)
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

    emitter.emit("saving", "saving model", epochs, epochs)
    trained_at = utc_now()
    training_time = round(time.perf_counter() - started, 3)
    best_quality, best_epoch = watch.best if watch is not None and watch.best else (None, None)
    stopped_early = watch is not None and len(losses) < epochs
    final = workspace.model_dir(machine_id)
    with staging_dir(final) as staged:
        _sdv.move_to_cpu(synthesizer)
        synthesizer.save(str(staged / MODEL_FILE))
        if len(holdout):
            holdout.to_parquet(staged / HOLDOUT_FILE, index=False)
        write_json(
            staged / MANIFEST_FILE,
            {
                "machine_id": machine_id,
                "model": kind,
                "sha256": sha256_file(staged / MODEL_FILE),
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
                "columns": plan.to_dict(),
                "seed_sha256": seed_info["sha256"],
                "training_rows": len(train),
                "holdout_fraction": holdout_fraction,
                "holdout_rows": len(holdout),
                "holdout_seed": split_seed,
                "versions": _sdv.library_versions() | {"synthkit": __version__},
            },
        )
        check_stop("before publishing")
        publish_dir(staged, final)
    return TrainResult(
        task_id=emitter.task_id,
        machine_id=machine_id,
        model_path=str(final / MODEL_FILE),
        training_time=training_time,
        final_loss=losses[-1] if losses else None,
        trained_at=trained_at,
        num_features=frame.shape[1],
        loss_history=losses,
        epochs_run=len(losses),
        model=kind,
        best_epoch=best_epoch,
        stopped_early=stopped_early,
        best_quality=best_quality,
        quality_history=watch.history if watch is not None else [],
        scoring_time=round(watch.seconds, 3) if watch is not None else 0.0,
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
        "embedding_dim": lambda v: check_int(function, "embedding_dim", v, 1, 4096),
        "compress_dims": lambda v: check_dims(function, "compress_dims", v),
        "decompress_dims": lambda v: check_dims(function, "decompress_dims", v),
        "generator_dim": lambda v: check_dims(function, "generator_dim", v),
        "discriminator_dim": lambda v: check_dims(function, "discriminator_dim", v),
        "l2scale": lambda v: check_float(function, "l2scale", v, 0.0, 1.0),
        "loss_factor": lambda v: check_float(function, "loss_factor", v, 1e-6, 1000.0),
        "enable_gpu": lambda v: _check_bool(function, "enable_gpu", v),
        "temperature": lambda v: check_float(function, "temperature", v, 0.05, 10.0),
        "min_label_share": lambda v: check_float(function, "min_label_share", v, 0.0, 0.5),
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
        params["epochs"] = check_int(function, "epochs", epochs, 1, MAX_EPOCHS)
        params["batch_size"] = check_int(function, "batch_size", batch_size, 1, 100_000)
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
    **model_params: Any,
) -> TrainResult:
    """Train a model of kind ``model`` (tvae, gaussian_copula or ctgan) on a machine's seed data.

    Neural models send one progress event per epoch. With a seed, two runs give identical losses
    and samples. A stop request ends training at the next epoch boundary (TaskCancelledError) and
    leaves the previous model as it was. With ``early_stopping`` the model is scored on held-out
    rows every ``eval_every`` epochs (``quality`` in the epoch events); training stops after
    ``patience`` scores without an improvement of more than ``min_delta`` and keeps the weights
    of the best score.
    """
    function = "train_model" if model != "tvae" else "train_tvae"
    kind = check_choice(function, "model", model, MODEL_KINDS)
    params = _model_params(function, kind, epochs, batch_size, model_params)
    seed = check_optional_seed(function, seed)
    holdout_fraction = check_float(function, "holdout_fraction", holdout_fraction, 0.0, 0.5)
    rule = EarlyStopping(
        _check_bool(function, "early_stopping", early_stopping),
        check_int(function, "eval_every", eval_every, 1, MAX_EPOCHS),
        check_int(function, "patience", patience, 1, 1000),
        check_float(function, "min_delta", min_delta, 0.0, 1.0),
    )
    if rule.enabled and (kind not in NEURAL_KINDS or holdout_fraction == 0):
        raise InvalidParameterError(
            "early_stopping needs a neural model (tvae or ctgan) and held-out rows (holdout_fraction > 0)."
        )
    sinks = _check_sinks(function, sinks)
    stop_event = _check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "train")
    ws = Workspace(workspace)
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
        {"model": kind, **params, "seed": seed, "holdout_fraction": holdout_fraction, **asdict(rule)},
        lambda emitter: _fit_model(
            emitter, machine_id, kind, params, seed, holdout_fraction, rule, stop_event, ws
        ),
        sinks=sinks,
        workspace=ws,
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
) -> TrainResult:
    """Train synthkit's TVAE (SDV's TVAE with distribution-keeping sampling); see ``train_model``."""
    options = dict(locals())  # every parameter above, by name: none can be dropped on the way
    return train_model(options.pop("machine_id"), "tvae", **options)


train_tvae.task_kind = "train"  # type: ignore[attr-defined]
train_model.task_kind = "train"  # type: ignore[attr-defined]
