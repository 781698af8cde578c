"""Split generation: train/val/test files of any size, in bounded memory, published whole.

Rows are sampled in chunks and appended to each split's file (parquet row groups or CSV lines),
so memory holds one chunk at a time whatever the size. Everything is written into a temporary
folder that is renamed to ``machines/<id>/runs/<run_id>/`` only when complete: a crash or a
cancel never leaves half a split where a reader would take it. With a seed, each chunk's sample
is a pure function of (seed, split, chunk), so the same model and seed give identical files.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthkit._checks import (
    BOUNDS,
    check_bounded,
    check_choice,
    check_optional_seed,
    check_sinks,
    check_stop_event,
)
from synthkit._version import __version__
from synthkit._warning_filters import keeps_warning_filters
from synthkit.column_plan import ColumnPlan
from synthkit.conditions import Conditions, checked_conditions, draw
from synthkit.csv_dialect import written_times
from synthkit.errors import InvalidParameterError, TaskCancelledError, invalid_parameter
from synthkit.events import Emitter, Sink
from synthkit.jobs import cancel_signal, check_task_id, run_task
from synthkit.machines import get_machine
from synthkit.store import Model, load_model, resolve_model_name, run_folder, staged_run, verify_model
from synthkit.table_files import written_with
from synthkit.workspace import Workspace, validate_id

SPLITS = ("train", "val", "test")
FORMATS = ("parquet", "csv")
MAX_TOTAL_ROWS = int(BOUNDS["rows"].high)
CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class GenerateResult:
    run_id: str
    machine_id: str
    file_paths: dict[str, str]
    sample_counts: dict[str, int]
    generation_time: float
    model_sha256: str
    task_id: str = ""
    seed: int | None = None
    report_path: str | None = None
    quality: float | None = None
    model_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_run_id() -> str:
    return f"run-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def chunk_seed(seed: int, split_index: int, chunk_index: int) -> int:
    """An independent, reproducible seed for one chunk of one split."""
    return int(np.random.SeedSequence([seed, split_index, chunk_index]).generate_state(1)[0])


class _SplitWriter:
    """Appends chunks to one split file; parquet keeps the first chunk's schema for every chunk,
    CSV the delimiter, decimal mark, timestamp formats, units after numbers and numbers written
    for no reading of the CSV the machine was registered from."""

    def __init__(
        self,
        path: Path,
        file_format: str,
        csv_format: dict[str, str] | None = None,
        time_formats: dict[str, str] | None = None,
        number_formats: dict[str, str] | None = None,
        no_reading: dict[str, str] | None = None,
    ):
        self.path = path
        self.format = file_format
        self.csv_format = dict(csv_format or {})
        self.time_formats = dict(time_formats or {})
        self.number_formats = dict(number_formats or {})
        self.no_reading = dict(no_reading or {})
        self._parquet = None
        self._schema = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.format == "csv":
            written = {
                column: written_times(frame[column], written)
                for column, written in self.time_formats.items()
                if column in frame and pd.api.types.is_datetime64_any_dtype(frame[column])
            }
            written |= {
                column: written_with(frame[column], number_format, self.csv_format.get("decimal", "."))
                for column, number_format in self.number_formats.items()
                if column in frame and pd.api.types.is_numeric_dtype(frame[column])
            }
            written |= {c: frame[c].astype("Int64") for c in whole_numbers(frame) if c not in written}
            for column, mark in self.no_reading.items():  # where the logger wrote -9999 for none
                if column in frame:
                    cells = written.get(column, frame[column]).astype(object)
                    written[column] = cells.where(cells.notna(), mark)
            frame.assign(**written).to_csv(
                self.path, mode="a", header=self.rows == 0, index=False, **self.csv_format
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.path, self._schema)
            self._parquet.write_table(table)
        self.rows += len(frame)

    def close(self, empty_like: pd.DataFrame) -> None:
        """Finish the file; a split of zero rows still gets a file with the columns."""
        if self.rows == 0:
            self.write(empty_like.iloc[0:0])
        if self._parquet is not None:
            self._parquet.close()


def whole_numbers(frame: pd.DataFrame) -> list[str]:
    """Float columns holding only whole numbers (counts with empty cells, which make pandas read
    them as floats): written ``3117``, as the user's file has them, not ``3117.0``. Only those a
    float holds exactly (below 2**53), which an integer column can take."""
    whole = []
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            values = frame[column].dropna().to_numpy()
            if len(values) and (np.abs(values) < 2**53).all() and (np.mod(values, 1) == 0).all():
                whole.append(column)
    return whole


def sample_chunk(model: Model, rows: int, seed: int, conditions: Conditions | None = None) -> pd.DataFrame:
    """One chunk of model rows (under ``conditions``), a pure function of the model and ``seed``."""
    return draw(model, rows, conditions or Conditions(), seed)


def column_plan(model: Model) -> ColumnPlan | None:
    """How the model's rows become table rows (None for models trained before roles existed)."""
    columns = model.manifest.get("columns")
    return ColumnPlan.from_dict(columns) if columns else None


def _set_failure_ratio(model: Model, failure_ratio: float | None) -> None:
    if failure_ratio is not None:
        model.synthesizer._model.failure_ratio = failure_ratio


def _generate(
    emitter: Emitter,
    machine_id: str,
    counts: dict[str, int],
    seed: int,
    file_format: str,
    run_id: str,
    chunk_rows: int,
    report: bool,
    failure_ratio: float | None,
    stop_event: threading.Event | None,
    workspace: Workspace,
    model_name: str | None = None,
    conditions: Conditions | None = None,
) -> GenerateResult:
    started = time.perf_counter()
    total = sum(counts.values())
    emitter.emit("init", "loading model", 0, total)
    model = load_model(machine_id, workspace.root, name=model_name)
    _set_failure_ratio(model, failure_ratio)
    plan = column_plan(model)
    done = 0

    def before_publish() -> None:
        if stop_event is not None and stop_event.is_set():
            raise TaskCancelledError("generation stopped before publishing; no run was written")

    with staged_run(machine_id, run_id, workspace.root) as run:
        machine = get_machine(machine_id, workspace.root)
        paths = {split: run.split_path(split, file_format) for split in SPLITS}
        writers = {
            split: _SplitWriter(
                path,
                file_format,
                machine.csv_format,
                machine.time_formats,
                machine.number_formats,
                machine.no_reading,
            )
            for split, path in paths.items()
        }
        example = None
        for index, split in enumerate(SPLITS):
            for chunk_index, start in enumerate(range(0, counts[split], chunk_rows)):
                if stop_event is not None and stop_event.is_set():
                    raise TaskCancelledError(f"generation stopped after {done:,} rows; no run was written")
                rows = min(chunk_rows, counts[split] - start)
                frame = sample_chunk(model, rows, chunk_seed(seed, index, chunk_index), conditions)
                if plan is not None:  # ids made, constants set: rows like the seed's
                    frame = plan.restore(frame, done, total, seed)
                frame = machine.as_given(frame)
                writers[split].write(frame)
                example = frame.iloc[0:0].copy() if example is None else example  # a copy holds no rows
                del frame  # before the next chunk is sampled, so only one chunk is alive at a time
                done += rows
                emitter.emit(
                    "generating", f"{split}: {writers[split].rows:,}/{counts[split]:,} rows", done, total
                )
        for writer in writers.values():
            writer.close(example)
        generation_time = round(time.perf_counter() - started, 3)
        final = run.publish(
            {
                "run_id": run_id,
                "machine_id": machine_id,
                "task_id": emitter.task_id,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                "format": file_format,
                "seed": seed,
                "failure_ratio": failure_ratio,
                "conditions": {
                    "fixed": conditions.fixed,
                    "shares": conditions.shares,
                    "ranges": conditions.ranges,
                }
                if conditions
                else None,
                "chunk_rows": chunk_rows,
                "sample_counts": counts,
                "model_sha256": model.sha256,
                "model_kind": model.kind,
                "model_name": model.name,
                "generation_time": generation_time,
                "versions": model.manifest.get("versions", {}) | {"synthkit": __version__},
            },
            before_publish,
        )
    report_path, quality = None, None
    if report:
        from synthkit.evaluation import REPORT_HTML, evaluate

        emitter.emit("evaluating", "scoring the synthetic data", total, total)
        quality = evaluate(machine_id, run_id, workspace.root).quality
        report_path = str(final / REPORT_HTML)
    return GenerateResult(
        run_id=run_id,
        machine_id=machine_id,
        file_paths={split: str(final / run.files[split]) for split in SPLITS},
        sample_counts=dict(counts),
        generation_time=generation_time,
        model_sha256=model.sha256,
        model_name=model.name,
        task_id=emitter.task_id,
        seed=seed,
        report_path=report_path,
        quality=quality,
    )


@keeps_warning_filters
def generate_synthetic_data(
    machine_id: str,
    train: int,
    val: int,
    test: int,
    seed: int | None = None,
    format: str = "parquet",
    run_id: str | None = None,
    sinks: Iterable[Sink] = (),
    stop_event: threading.Event | None = None,
    task_id: str | None = None,
    workspace: str | os.PathLike | None = None,
    chunk_rows: int = CHUNK_ROWS,
    report: bool = True,
    failure_ratio: float | None = None,
    model: str | None = None,
    conditions: dict[str, Any] | None = None,
) -> GenerateResult:
    """Sample train/val/test splits from a machine's trained model into a new run folder.

    ``conditions`` asks for rows under conditions (``synthkit.conditions``: fixed values, shares of
    one column's values, numeric ranges), checked before any work. ``model`` names the model (or a
    kind that names one); without it the machine's only model, or
    else its most recently trained one, is used (``GenerateResult.model_name`` says which).

    With ``report`` (the default) the run is then scored (``synthkit.evaluation.evaluate``) and
    gets ``report.json`` and ``report.html`` beside its files. ``failure_ratio`` asks a TVAE
    model for that share of failing rows (each failure mode keeping its share of the failures),
    for training a failure classifier on more failures than the real data has.
    """
    function = "generate_synthetic_data"
    counts = {
        split: check_bounded(function, split, value, "rows")
        for split, value in zip(SPLITS, (train, val, test))
    }
    if sum(counts.values()) == 0:
        raise InvalidParameterError(
            f"At least one of train, val and test of {function} must be positive. Got 0, 0 and 0."
        )
    if sum(counts.values()) > MAX_TOTAL_ROWS:
        raise invalid_parameter(
            function, "train + val + test", f"at most {MAX_TOTAL_ROWS:,} rows", sum(counts.values())
        )
    seed = check_optional_seed(function, seed)
    file_format = check_choice(function, "format", format, FORMATS)
    chunk_rows = check_bounded(function, "chunk_rows", chunk_rows)
    sinks = check_sinks(function, sinks)
    stop_event = check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "generate")
    ws = Workspace(workspace)
    stop_event = cancel_signal(ws, task_id, stop_event)  # a Stop from any process
    get_machine(machine_id, ws.root)
    run_id = new_run_id() if run_id is None else validate_id(run_id, "run_id")
    if run_folder(machine_id, run_id, ws.root).exists():
        raise InvalidParameterError(
            f"Run {run_id!r} of {machine_id!r} already exists; choose another run_id."
        )
    if model is not None:
        validate_id(model, "model")
    model_name = resolve_model_name(machine_id, model, ws.root)
    model_manifest = verify_model(machine_id, ws.root, name=model_name)
    model_kind = model_manifest["model"]
    _, checked = checked_conditions(machine_id, model_manifest, conditions, ws.root, function)
    if checked and failure_ratio is not None:
        raise InvalidParameterError(f"{function}: give conditions or failure_ratio, not both.")
    if failure_ratio is not None:
        failure_ratio = check_bounded(function, "failure_ratio", failure_ratio)
        labels = model_manifest.get("columns", {}).get("normals") or (
            {"failure"} & set(get_machine(machine_id, ws.root).label_columns)
        )
        if model_kind != "tvae" or not labels:
            raise InvalidParameterError(
                "failure_ratio needs a tvae model of a machine with a label column. "
                f"Got a {model_kind!r} model with labels {sorted(labels) or 'none'}."
            )
    if seed is None:
        seed = secrets.randbelow(2**32)
    return run_task(
        "generate",
        machine_id,
        task_id,
        {
            "train": counts["train"],
            "val": counts["val"],
            "test": counts["test"],
            "seed": seed,
            "format": file_format,
            "run_id": run_id,
            "model": model_name,
        },
        lambda emitter: _generate(
            emitter,
            machine_id,
            counts,
            seed,
            file_format,
            run_id,
            chunk_rows,
            bool(report),
            failure_ratio,
            stop_event,
            ws,
            model_name,
            checked,
        ),
        sinks=sinks,
        workspace=ws,
        lock=False,
    )


generate_synthetic_data.task_kind = "generate"  # type: ignore[attr-defined]
