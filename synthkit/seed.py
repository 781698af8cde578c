"""Seed data: the real (or realistic) table a machine's model is trained on.

Built-in machines get theirs from a seeded simulator (``synthkit.simulators``); registered
machines bring their own (``synthkit.registration``). Either way the workspace holds one folder
per machine, ``machines/<id>/seed/``, with ``seed.parquet``, SDV's ``metadata.json`` and a
``manifest.json`` recording the file's SHA-256, published in one atomic swap.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from synthkit import __version__
from synthkit._checks import check_int, check_optional_seed
from synthkit._warning_filters import keeps_warning_filters
from synthkit.column_plan import TABLE as TABLE  # where the table name has always been imported from
from synthkit.column_plan import ColumnPlan
from synthkit.errors import IntegrityError, InvalidParameterError, MissingArtifactError, TaskCancelledError
from synthkit.machines import Machine, get_machine
from synthkit.simulators import simulate
from synthkit.workspace import Workspace, publish_dir, read_json, sha256_file, staging_dir, write_json

SEED_FILE = "seed.parquet"
METADATA_FILE = "metadata.json"
MANIFEST_FILE = "manifest.json"
MIN_SAMPLES, MAX_SAMPLES = 100, 5_000_000


@dataclass(frozen=True)
class SeedResult:
    machine_id: str
    file_path: str
    samples_generated: int
    file_size_mb: float
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def detect_metadata(frame: pd.DataFrame, machine: Machine) -> Any:
    """SDV metadata of the columns a model of this machine learns, from the columns' roles.

    SDV's detection guesses from values (a unique integer column becomes a primary key, a
    low-cardinality number a category); the roles know better.
    """
    return ColumnPlan.from_seed(frame, machine.roles_for(frame)).metadata()


def write_seed(machine: Machine, frame: pd.DataFrame, workspace: Workspace, **manifest: Any) -> SeedResult:
    """Publish ``frame`` as the machine's seed data: parquet, metadata and manifest in one swap."""
    final = workspace.seed_dir(machine.machine_id)
    metadata = detect_metadata(frame, machine)
    with staging_dir(final) as staged:
        frame.to_parquet(staged / SEED_FILE, index=False)
        metadata.save_to_json(staged / METADATA_FILE)
        created_at = utc_now()
        write_json(
            staged / MANIFEST_FILE,
            {
                "machine_id": machine.machine_id,
                "rows": len(frame),
                "columns": list(frame.columns),
                "sha256": sha256_file(staged / SEED_FILE),
                "created_at": created_at,
                "synthkit_version": __version__,
                **manifest,
            },
        )
        size = (staged / SEED_FILE).stat().st_size
        publish_dir(staged, final)
    return SeedResult(
        machine_id=machine.machine_id,
        file_path=str(final / SEED_FILE),
        samples_generated=len(frame),
        file_size_mb=round(size / 2**20, 3),
        created_at=created_at,
    )


@keeps_warning_filters
def generate_seed_data(
    machine_id: str,
    samples: int = 10_000,
    seed: int | None = None,
    workspace: str | os.PathLike | None = None,
    sinks: Iterable[Any] = (),
    stop_event: Any = None,
    task_id: str | None = None,
) -> SeedResult:
    """Simulate ``samples`` rows of a built-in machine's sensor log and store them as its seed data.

    The same seed gives byte-identical files; without one a seed is drawn and recorded in the
    manifest so the table can be made again. Runs as a task (events, task record) like training.
    """
    from synthkit.jobs import check_task_id, run_task
    from synthkit.training import _check_sinks, _check_stop_event

    function = "generate_seed_data"
    machine = get_machine(machine_id, workspace)
    samples = check_int(function, "samples", samples, MIN_SAMPLES, MAX_SAMPLES)
    seed = check_optional_seed(function, seed)
    sinks = _check_sinks(function, sinks)
    stop_event = _check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "seed")
    if not machine.builtin:
        raise InvalidParameterError(
            f"Machine {machine_id!r} was registered with its own data; only built-in machines "
            "are simulated. Register it again to replace its seed data."
        )
    if seed is None:
        seed = secrets.randbelow(2**32)
    ws = Workspace(workspace)

    def body(emitter: Any) -> SeedResult:
        emitter.emit("simulating", f"simulating {samples:,} rows", 0, 2)
        frame = simulate(machine, samples, seed)
        if stop_event is not None and stop_event.is_set():
            raise TaskCancelledError("seed generation stopped; the previous seed data is kept")
        emitter.emit("writing", "writing seed.parquet and metadata", 1, 2)
        return write_seed(machine, frame, ws, seed=seed, source="simulator")

    return run_task(
        "seed", machine_id, task_id, {"samples": samples, "seed": seed}, body, sinks, ws, lock=False
    )


generate_seed_data.task_kind = "seed"  # type: ignore[attr-defined]


def seed_manifest(machine_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """The seed manifest, or a MissingArtifactError saying how to make the seed data."""
    path = Workspace(workspace).seed_dir(machine_id) / MANIFEST_FILE
    if not path.is_file():
        raise MissingArtifactError(
            f"Machine {machine_id!r} has no seed data yet: run `synthkit seed {machine_id}` first."
        )
    return read_json(path)


def verify_seed(machine_id: str, workspace: str | os.PathLike | None = None) -> dict:
    """The seed manifest, after checking that ``seed.parquet`` still has the SHA-256 it records."""
    manifest = seed_manifest(machine_id, workspace)
    path = Workspace(workspace).seed_dir(machine_id) / SEED_FILE
    if not path.is_file() or sha256_file(path) != manifest["sha256"]:
        raise IntegrityError(
            f"Seed data of {machine_id!r} does not match its manifest (SHA-256 differs): "
            f"run `synthkit seed {machine_id}` again."
        )
    return manifest


def load_seed(machine_id: str, workspace: str | os.PathLike | None = None) -> tuple[pd.DataFrame, Any, dict]:
    """The seed table, its SDV metadata and its manifest, after checking the file's SHA-256."""
    from sdv.metadata import Metadata

    get_machine(machine_id, workspace)
    manifest = verify_seed(machine_id, workspace)
    folder: Path = Workspace(workspace).seed_dir(machine_id)
    frame = pd.read_parquet(folder / SEED_FILE)
    metadata = Metadata.load_from_json(folder / METADATA_FILE)
    return frame, metadata, manifest
