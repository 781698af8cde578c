"""Bring your own machine: validate a table once, then treat it like a built-in machine.

Every problem with the table is collected and reported at once (as SDV's ``InvalidDataError``
does), before anything is written: a refused table leaves the workspace as it was.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from synthkit._checks import check_int
from synthkit.errors import InvalidDataError, InvalidParameterError, MissingArtifactError
from synthkit.machines import BUILTIN_MACHINES, MACHINE_FILE, Machine, Sensor
from synthkit.seed import MAX_SAMPLES, write_seed
from synthkit.workspace import Workspace, validate_id, write_json

MIN_ROWS, MIN_COLUMNS, MAX_COLUMNS = 50, 2, 500
LABELS = ("failure", "failure_mode")
NO_FAILURE_VALUES = {"none", "no_failure", "", "nan"}


def read_csv(path: str | os.PathLike | bytes) -> pd.DataFrame:
    """Read a CSV (a path, or its bytes from an upload) keeping its header exactly as written, so
    duplicates and blanks can be named."""
    if isinstance(path, bytes):
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            upload = Path(folder) / "upload.csv"
            upload.write_bytes(path)
            frame = read_csv(upload)
        return frame
    path = Path(path)
    if not path.is_file():
        raise MissingArtifactError(f"CSV file {str(path)!r} does not exist.")
    head = path.open("rb").read(8192)
    if b"\x00" in head:
        raise InvalidDataError(str(path), ["it is not a text CSV file (it contains NUL bytes)"])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise InvalidDataError(str(path), ["the file is empty: it has no header row"])
        frame = pd.read_csv(path, encoding="utf-8-sig", skipinitialspace=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as error:
        raise InvalidDataError(str(path), [f"it is not a readable CSV file ({error})"]) from None
    if len(header) == frame.shape[1]:
        frame.columns = header
    return frame


def _normalise(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Cast what SDV cannot take as it is, and list what cannot be used at all."""
    problems: list[str] = []
    names = [str(c) for c in frame.columns]
    blank = [i for i, name in enumerate(names) if not name.strip() or name.startswith("Unnamed: ")]
    if blank:
        problems.append(f"blank column header at position(s) {', '.join(map(str, blank))}")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"duplicate column header(s): {', '.join(map(repr, duplicated))}")
    if frame.shape[1] < MIN_COLUMNS:
        problems.append(f"it has {frame.shape[1]} column(s); at least {MIN_COLUMNS} are needed")
    if frame.shape[1] > MAX_COLUMNS:
        problems.append(f"it has {frame.shape[1]} columns; at most {MAX_COLUMNS} are supported")
    if len(frame) < MIN_ROWS:
        problems.append(f"it has {len(frame)} row(s); at least {MIN_ROWS} are needed")
    if len(frame) > MAX_SAMPLES:
        problems.append(f"it has {len(frame):,} rows; at most {MAX_SAMPLES:,} are supported")
    if problems:
        return frame, problems

    frame = frame.copy()
    frame.columns = names
    for name in names:
        column = frame[name]
        if column.isna().all():
            problems.append(f"column {name!r} is empty (all values missing)")
        elif isinstance(column.dtype, pd.CategoricalDtype):
            frame[name] = column.astype(object).where(column.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(column):
            if getattr(column.dt, "tz", None) is not None:
                frame[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_bool_dtype(column):
            frame[name] = column.astype("int64")
        elif pd.api.types.is_numeric_dtype(column):
            if pd.api.types.is_complex_dtype(column):
                problems.append(f"column {name!r} holds complex numbers, which are not supported")
            elif np.isinf(column.astype("float64")).any():
                problems.append(f"column {name!r} contains infinite values")
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            values = column.dropna()
            if values.map(lambda v: isinstance(v, (list, dict, set, tuple, bytes))).any():
                problems.append(f"column {name!r} holds lists, dicts or bytes; only scalars are supported")
            else:
                frame[name] = column.map(lambda v: v if pd.isna(v) else str(v)).astype(object)
        else:
            problems.append(f"column {name!r} has unsupported dtype {column.dtype}")
    if "failure" in frame.columns and not problems:
        values = set(pd.unique(frame["failure"].dropna()))
        if not values <= {0, 1}:
            problems.append("column 'failure' must hold only 0 and 1")
    return frame, problems


def _describe(machine_id: str, frame: pd.DataFrame, description: str) -> Machine:
    sensors = tuple(
        Sensor(name, "", float(frame[name].quantile(0.01)), float(frame[name].quantile(0.99)))
        for name in frame.columns
        if name not in LABELS and pd.api.types.is_numeric_dtype(frame[name])
    )
    labels = tuple(name for name in LABELS if name in frame.columns)
    modes = ()
    if "failure_mode" in frame.columns:
        seen = frame["failure_mode"].dropna().astype(str).unique()
        modes = tuple(sorted(m for m in seen if m.lower() not in NO_FAILURE_VALUES))
    return Machine(
        machine_id=machine_id,
        type="custom",
        description=description or f"Registered machine {machine_id}",
        sensors=sensors,
        label_columns=labels,
        failure_modes=modes,
        failure_rate_band=(0.0, 1.0),
        builtin=False,
    )


def register_machine(
    machine_id: str,
    data: pd.DataFrame | str | os.PathLike | bytes,
    description: str = "",
    replace: bool = False,
    workspace: str | os.PathLike | None = None,
) -> Machine:
    """Register a machine from a CSV path (or its bytes) or a DataFrame; its table becomes the
    machine's seed data."""
    validate_id(machine_id)
    if machine_id in BUILTIN_MACHINES:
        raise InvalidParameterError(
            f"{machine_id!r} is a built-in machine; choose another machine_id for your data."
        )
    if not isinstance(description, str):
        raise InvalidParameterError(f"The 'description' must be a string. Got {description!r} instead.")
    ws = Workspace(workspace)
    folder = ws.machine_dir(machine_id)
    if (folder / MACHINE_FILE).exists() and not replace:
        raise InvalidParameterError(
            f"Machine {machine_id!r} is already registered; pass replace=True (--replace) to replace it."
        )
    if isinstance(data, bytes):
        frame, what = read_csv(data), "the uploaded CSV"
    elif isinstance(data, (str, os.PathLike)):
        frame, what = read_csv(data), f"CSV file {os.fspath(data)!r}"
    elif isinstance(data, pd.DataFrame):
        frame, what = data, "the DataFrame"
    else:
        raise InvalidParameterError(
            f"The 'data' parameter of register_machine must be a CSV path or a pandas DataFrame. "
            f"Got {type(data).__name__} instead."
        )
    frame, problems = _normalise(frame)
    if problems:
        raise InvalidDataError(what, problems)
    check_int("register_machine", "rows", len(frame), MIN_ROWS, MAX_SAMPLES)
    machine = _describe(machine_id, frame, description)

    existed = folder.exists()
    try:
        write_seed(machine, frame.reset_index(drop=True), ws, source="registered")
        write_json(folder / MACHINE_FILE, machine.to_dict())
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return machine
