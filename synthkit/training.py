"""Training: fit a model on a machine's seed data, report every epoch, keep the result safe.

``train_tvae`` is public ``fit``: it validates everything before any work, runs the task with
progress events, a task record and a per-machine lock, honours a stop request at the next epoch
boundary, and publishes the model folder in one atomic swap. ``_fit_tvae`` does the work through
``synthkit._sdv``, the only module that knows SDV's and ctgan's internals.
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
from synthkit._checks import check_dims, check_float, check_int, check_optional_seed
from synthkit.errors import InvalidParameterError, TaskCancelledError, invalid_parameter
from synthkit.jobs import check_task_id, run_task
from synthkit.machines import get_machine
from synthkit.modelstore import HOLDOUT_FILE, MANIFEST_FILE, MODEL_FILE
from synthkit.progress import Emitter, Sink
from synthkit.seed import TABLE, load_seed, seed_manifest, utc_now
from synthkit.workspace import Workspace, publish_dir, sha256_file, staging_dir, write_json

MAX_EPOCHS = 100_000


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TVAEParams:
    epochs: int = 300
    batch_size: int = 500
    embedding_dim: int = 128
    compress_dims: tuple[int, ...] = (128, 128)
    decompress_dims: tuple[int, ...] = (128, 128)
    l2scale: float = 1e-5
    loss_factor: float = 2.0
    enable_gpu: bool = True


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


def split_holdout(frame: pd.DataFrame, fraction: float, seed: int, strata: str | None):
    """Keep ``fraction`` of the rows out of the fit, per label stratum so rare failures are in both."""
    if fraction == 0:
        return frame, frame.iloc[0:0]
    rng = np.random.default_rng(seed)
    groups = frame.groupby(strata, sort=True).indices.values() if strata else [np.arange(len(frame))]
    held = [rng.permutation(rows)[: int(round(fraction * len(rows)))] for rows in groups]
    mask = np.zeros(len(frame), dtype=bool)
    mask[np.concatenate(held)] = True
    return frame[~mask].reset_index(drop=True), frame[mask].reset_index(drop=True)


def _fit_tvae(
    emitter: Emitter,
    machine_id: str,
    params: TVAEParams,
    seed: int | None,
    holdout_fraction: float,
    stop_event: threading.Event | None,
    workspace: Workspace,
) -> TrainResult:
    from synthkit import _sdv

    started = time.perf_counter()
    epochs = params.epochs

    def check_stop(where: str) -> None:
        if stop_event is not None and stop_event.is_set():
            raise TaskCancelledError(f"training stopped {where}; the previous model is kept")

    emitter.emit("preprocessing", "loading and preparing seed data", 0, epochs)
    check_stop("before preprocessing")
    machine = get_machine(machine_id, workspace.root)
    frame, metadata, seed_info = load_seed(machine_id, workspace.root)
    split_seed = seed if seed is not None else secrets.randbelow(2**32)
    strata = next((c for c in ("failure_mode", "failure") if c in machine.label_columns), None)
    train, holdout = split_holdout(frame, holdout_fraction, split_seed, strata)

    losses: list[float] = []

    def on_epoch(epoch: int, loss: float) -> None:
        losses.append(loss)
        emitter.emit("training", f"epoch {epoch}/{epochs}", epoch, epochs, epoch=epoch, loss=loss)
        if stop_event is not None and stop_event.is_set() and epoch < epochs:
            raise _sdv.StopTraining(epoch)

    synthesizer = _sdv.SynthkitTVAESynthesizer(metadata, fit_seed=seed, **asdict(params))
    synthesizer.epoch_callback = on_epoch
    synthesizer.on_fit_start = lambda: emitter.emit("training", "training started", 0, epochs)
    with _sdv.lean_fit():
        if seed is not None:
            _sdv.seed_everything(seed)
        try:
            synthesizer.fit({TABLE: train})
        except _sdv.StopTraining as stop:
            raise TaskCancelledError(
                f"training stopped after epoch {stop.args[0]}; the previous model is kept"
            ) from None
    check_stop("before saving")

    emitter.emit("saving", "saving model", epochs, epochs)
    trained_at = utc_now()
    training_time = round(time.perf_counter() - started, 3)
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
                "model": "tvae",
                "sha256": sha256_file(staged / MODEL_FILE),
                "task_id": emitter.task_id,
                "trained_at": trained_at,
                "training_time": training_time,
                "parameters": {**asdict(params), "seed": seed},
                "epochs_run": len(losses),
                "loss_history": losses,
                "final_loss": losses[-1] if losses else None,
                "num_features": frame.shape[1],
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
    holdout_fraction: float = 0.2,
    sinks: Iterable[Sink] = (),
    stop_event: threading.Event | None = None,
    task_id: str | None = None,
    workspace: str | os.PathLike | None = None,
) -> TrainResult:
    """Train SDV's TVAE on a machine's seed data with one progress event per epoch.

    With a seed, two runs give identical losses and samples. A stop request ends training at the
    next epoch boundary (TaskCancelledError) and leaves the previous model as it was.
    """
    function = "train_tvae"
    params = TVAEParams(
        epochs=check_int(function, "epochs", epochs, 1, MAX_EPOCHS),
        batch_size=check_int(function, "batch_size", batch_size, 1, 100_000),
        embedding_dim=check_int(function, "embedding_dim", embedding_dim, 1, 4096),
        compress_dims=check_dims(function, "compress_dims", compress_dims),
        decompress_dims=check_dims(function, "decompress_dims", decompress_dims),
        l2scale=check_float(function, "l2scale", l2scale, 0.0, 1.0),
        loss_factor=check_float(function, "loss_factor", loss_factor, 1e-6, 1000.0),
        enable_gpu=enable_gpu,
    )
    if not isinstance(enable_gpu, bool):
        raise invalid_parameter(function, "enable_gpu", "True or False", enable_gpu)
    seed = check_optional_seed(function, seed)
    holdout_fraction = check_float(function, "holdout_fraction", holdout_fraction, 0.0, 0.5)
    sinks = _check_sinks(function, sinks)
    stop_event = _check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "train")
    ws = Workspace(workspace)
    get_machine(machine_id, ws.root)
    rows = seed_manifest(machine_id, ws.root)["rows"]
    if rows - round(rows * holdout_fraction) < 10:
        raise InvalidParameterError(
            f"Machine {machine_id!r} has {rows} seed rows; with holdout_fraction={holdout_fraction} "
            "fewer than 10 are left to train on."
        )
    return run_task(
        "train",
        machine_id,
        task_id,
        {**asdict(params), "seed": seed, "holdout_fraction": holdout_fraction},
        lambda emitter: _fit_tvae(emitter, machine_id, params, seed, holdout_fraction, stop_event, ws),
        sinks=sinks,
        workspace=ws,
    )


train_tvae.task_kind = "train"  # type: ignore[attr-defined]
