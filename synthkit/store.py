"""Seed, model and run storage: the one module that writes, reads and verifies those folders.

    machines/<id>/seed/             seed.parquet, metadata.json (SDV's), manifest.json
    machines/<id>/models/<name>/    model.pkl, model.json (its manifest), holdout.parquet
    machines/<id>/runs/<run_id>/    train, val and test files, manifest.json (and the reports)

Seed and model folders are replaced whole, with one atomic swap; a run folder is new, renamed
into place once complete (``synthkit.workspace``). Every manifest records the SHA-256 of the
bytes it describes and every reader checks it: a pickle runs code when it is loaded, so
``load_model`` checks the file's SHA-256 against the manifest (and the manifest against the
machine) before it unpickles anything, and the library versions the model was saved with
against the installed ones: other major.minor versions of sdv, ctgan or rdt are refused (their
pickled classes may not mean the same), other patch versions load with a warning.

A machine holds several named models side by side (the name defaults to the kind: ``tvae``,
``tvae-300``, ``gaussian_copula``); each name is a link swapped atomically to its current
version. Workspaces from before names kept one model in ``machines/<id>/model/``: it reads as the
model named after its kind, and moves under ``models/`` (one link, atomically) on the machine's
next model write.

The holdout, the seed rows kept out of a model's fit, is split here and saved with the model,
so evaluation scores privacy and utility against exactly the rows the model never saw.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthkit import _version
from synthkit._checks import BOUNDS
from synthkit.errors import IntegrityError, MissingArtifactError
from synthkit.machines import Machine, get_machine
from synthkit.workspace import (
    Workspace,
    publish_dir,
    publish_new_dir,
    read_json,
    sha256_file,
    staging_dir,
    validate_id,
    write_json,
)

if TYPE_CHECKING:  # pandas loads on first use: reading a manifest (`synthkit machines`) needs none
    import pandas as pd

SEED_FILE = "seed.parquet"
METADATA_FILE = "metadata.json"
SEED_MANIFEST = "manifest.json"
MIN_SAMPLES, MAX_SAMPLES = int(BOUNDS["samples"].low), int(BOUNDS["samples"].high)
MODEL_FILE = "model.pkl"
MODEL_MANIFEST = "model.json"
HOLDOUT_FILE = "holdout.parquet"
RUN_MANIFEST = "manifest.json"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Seed data


@dataclass(frozen=True)
class SeedResult:
    machine_id: str
    file_path: str
    samples_generated: int
    file_size_mb: float
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_metadata(frame: pd.DataFrame, machine: Machine) -> Any:
    """SDV metadata of the columns a model of this machine learns, from the columns' roles.

    SDV's detection guesses from values (a unique integer column becomes a primary key, a
    low-cardinality number a category); the roles know better.
    """
    from synthkit.column_plan import ColumnPlan

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
            staged / SEED_MANIFEST,
            {
                "machine_id": machine.machine_id,
                "rows": len(frame),
                "columns": list(frame.columns),
                "sha256": sha256_file(staged / SEED_FILE),
                "created_at": created_at,
                "synthkit_version": _version.__version__,
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


def seed_manifest(machine_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """The seed manifest, or a MissingArtifactError saying how to make the seed data."""
    path = Workspace(workspace).seed_dir(machine_id) / SEED_MANIFEST
    if not path.is_file():
        raise MissingArtifactError(
            f"Machine {machine_id!r} has no seed data yet: run `synthkit seed {machine_id}` first.",
            in_workbench=f"{machine_id} has no seed data yet: make it on the Machine tab.",
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
    import pandas as pd
    from sdv.metadata import Metadata

    get_machine(machine_id, workspace)
    manifest = verify_seed(machine_id, workspace)
    folder: Path = Workspace(workspace).seed_dir(machine_id)
    frame = pd.read_parquet(folder / SEED_FILE)
    metadata = Metadata.load_from_json(folder / METADATA_FILE)
    return frame, metadata, manifest


# The holdout


def split_holdout(frame: pd.DataFrame, fraction: float, seed: int, strata: str | list[str] | None):
    """Keep ``fraction`` of the rows out of the fit, per label stratum (each combination of the
    label columns) so rare failures are in both."""
    import numpy as np

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


def _read_holdout(model_folder: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    import pandas as pd

    path = model_folder / HOLDOUT_FILE
    return pd.read_parquet(path, columns=columns) if path.is_file() else None


def saved_holdout(
    machine_id: str,
    workspace: str | os.PathLike | None = None,
    columns: list[str] | None = None,
    name: str | None = None,
) -> pd.DataFrame | None:
    """The held-out rows saved with the machine's model ``name`` (None if it kept none out)."""
    return _read_holdout(model_folder(machine_id, workspace, name), columns)


# Models


@dataclass
class Model:
    """A verified, loaded model: the SDV synthesizer and what its manifest says about it."""

    machine_id: str
    synthesizer: Any
    manifest: dict[str, Any]
    path: Path

    @property
    def sha256(self) -> str:
        return self.manifest["sha256"]

    @property
    def kind(self) -> str:
        return self.manifest["model"]

    @property
    def name(self) -> str:
        """The model's name on its machine (models from before names: their kind)."""
        return self.manifest.get("name") or self.kind

    def holdout(self) -> pd.DataFrame | None:
        """The seed rows kept out of the fit, for honest evaluation (None if there are none)."""
        return _read_holdout(self.path.parent)


MODELS_DIR, LEGACY_MODEL_DIR = "models", "model"


def _models_dir(workspace: Workspace, machine_id: str) -> Path:
    return workspace.machine_dir(machine_id) / MODELS_DIR


def _legacy_folder(workspace: Workspace, machine_id: str) -> Path | None:
    folder = workspace.machine_dir(machine_id) / LEGACY_MODEL_DIR
    return folder if (folder / MODEL_MANIFEST).is_file() else None


def model_folders(machine_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Path]:
    """Every model of the machine by name (a model from before names under its kind's name)."""
    ws = Workspace(workspace)
    found: dict[str, Path] = {}
    models = _models_dir(ws, machine_id)
    if models.is_dir():
        for entry in sorted(models.iterdir()):
            if not entry.name.startswith(".") and (entry / MODEL_MANIFEST).is_file():
                found[entry.name] = entry
    legacy = _legacy_folder(ws, machine_id)
    if legacy is not None:
        kind = _manifest_or_empty(legacy).get("model", "tvae")
        found.setdefault(kind, legacy)
    return found


def _manifest_or_empty(folder: Path) -> dict[str, Any]:
    try:
        return read_json(folder / MODEL_MANIFEST)
    except (OSError, ValueError):
        return {}


def resolve_model_name(machine_id: str, name: str | None, workspace: str | os.PathLike | None = None) -> str:
    """The model ``name`` refers to: itself, a kind that names exactly one model, or (None) the only
    model, else the most recently trained one."""
    folders = model_folders(machine_id, workspace)
    if not folders:
        raise MissingArtifactError(
            f"Machine {machine_id!r} has no trained model yet: run `synthkit train {machine_id}` first.",
            in_workbench=f"{machine_id} has no trained model yet: train one on the Train tab.",
        )
    if name is None:
        return max(folders, key=lambda n: (_manifest_or_empty(folders[n]).get("trained_at", ""), n))
    if name in folders:
        return name
    of_kind = [n for n, f in folders.items() if _manifest_or_empty(f).get("model") == name]
    if len(of_kind) == 1:
        return of_kind[0]
    raise MissingArtifactError(
        f"Machine {machine_id!r} has no model named {name!r}"
        + (f" (the {name!r} models are {', '.join(of_kind)}: name one)" if of_kind else "")
        + f"; its models are {', '.join(sorted(folders))}."
    )


def _migrate_legacy_model(ws: Workspace, machine_id: str) -> None:
    """Move a model from before names under ``models/<kind>``: one atomic link, then the old link
    goes. A reader in between finds the same model under either path."""
    legacy = ws.machine_dir(machine_id) / LEGACY_MODEL_DIR
    if not legacy.is_symlink() and not legacy.is_dir():
        return
    models = _models_dir(ws, machine_id)
    models.mkdir(parents=True, exist_ok=True)
    kind = validate_id(_manifest_or_empty(legacy).get("model", "tvae"), "name")
    if (models / kind).exists() or not (legacy / MODEL_MANIFEST).is_file():
        pass  # a newer model of that name exists, or nothing usable is left: drop the old link
    elif not legacy.is_symlink():  # a plain folder: renamed whole, in one step
        os.rename(legacy, models / kind)
        return
    else:
        tmp = models / f".tmp-{kind}-{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.path.relpath(legacy.resolve(), models), tmp)
        os.replace(tmp, models / kind)
    if legacy.is_symlink():
        legacy.unlink()


def write_model(
    workspace: Workspace,
    machine_id: str,
    save: Callable[[Path], None],
    holdout: pd.DataFrame,
    manifest: dict[str, Any],
    before_publish: Callable[[], None] = lambda: None,
    name: str = "tvae",
) -> Path:
    """Publish model ``name`` of the machine in one swap: ``save(path)`` writes the model file, then
    the held-out rows and the manifest (``manifest`` plus the machine, the name and the file's
    SHA-256) go beside it. ``before_publish`` may raise to leave the previous model in place.
    Returns the model file."""
    _migrate_legacy_model(workspace, machine_id)
    final = _models_dir(workspace, machine_id) / validate_id(name, "name")
    with staging_dir(final) as staged:
        save(staged / MODEL_FILE)
        if len(holdout):
            holdout.to_parquet(staged / HOLDOUT_FILE, index=False)
        write_json(
            staged / MODEL_MANIFEST,
            {**manifest, "machine_id": machine_id, "name": name, "sha256": sha256_file(staged / MODEL_FILE)},
        )
        before_publish()
        publish_dir(staged, final)
    return final / MODEL_FILE


def model_folder(
    machine_id: str, workspace: str | os.PathLike | None = None, name: str | None = None
) -> Path:
    """The published folder of model ``name`` (see ``resolve_model_name``), resolved once so
    manifest and pickle come from one version."""
    name = resolve_model_name(machine_id, name, workspace)
    return model_folders(machine_id, workspace)[name].resolve()


def model_manifest(
    machine_id: str, workspace: str | os.PathLike | None = None, name: str | None = None
) -> dict[str, Any]:
    """The model manifest, or a MissingArtifactError saying how to train one."""
    return read_json(model_folder(machine_id, workspace, name) / MODEL_MANIFEST)


def list_models(machine_id: str, workspace: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """One row per model of the machine: name, kind, epochs, trained at, best quality, size."""
    rows = []
    for name, folder in model_folders(machine_id, workspace).items():
        manifest = _manifest_or_empty(folder)
        path = folder / MODEL_FILE
        rows.append(
            {
                "name": name,
                "kind": manifest.get("model"),
                "epochs": manifest.get("epochs_run"),
                "trained_at": manifest.get("trained_at"),
                "best_quality": manifest.get("best_quality"),
                "size_mb": round(path.stat().st_size / 2**20, 3) if path.is_file() else None,
            }
        )
    return sorted(rows, key=lambda r: r["trained_at"] or "")


def _verified_bytes(machine_id: str, folder: Path) -> tuple[dict[str, Any], bytes]:
    try:
        manifest = read_json(folder / MODEL_MANIFEST)
    except ValueError:
        raise IntegrityError(
            f"The model manifest in {folder} is not valid JSON (edited by hand?): retrain with "
            f"`synthkit train {machine_id}`."
        ) from None
    if manifest.get("machine_id") != machine_id:
        raise IntegrityError(
            f"The model manifest in {folder} belongs to {manifest.get('machine_id')!r}, not "
            f"{machine_id!r}: retrain with `synthkit train {machine_id}`."
        )
    path = folder / MODEL_FILE
    if not path.is_file():
        raise MissingArtifactError(
            f"Model file {path} is missing (its manifest is there): retrain with "
            f"`synthkit train {machine_id}`."
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
        raise IntegrityError(
            f"Model file {path} does not match the SHA-256 in its manifest; it was not loaded. "
            f"Retrain with `synthkit train {machine_id}`."
        )
    return manifest, data


def verify_model(
    machine_id: str, workspace: str | os.PathLike | None = None, name: str | None = None
) -> dict[str, Any]:
    """Check manifest and bytes without unpickling; returns the manifest."""
    return _verified_bytes(machine_id, model_folder(machine_id, workspace, name))[0]


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split("+")[0].split(".")[:2])


def check_model_versions(machine_id: str, manifest: dict[str, Any]) -> None:
    """Refuse a model saved with other major.minor versions of the SDV stack; warn on other patches."""
    installed = _version.installed_versions()
    saved = {name: v for name, v in (manifest.get("versions") or {}).items() if name in installed}
    now = {name: installed[name] for name in saved}
    if saved == now:
        return
    text = f"The model of {machine_id!r} was saved with {_version.versions_text(saved)}; installed: "
    text += _version.versions_text(now)
    if any(_major_minor(saved[name]) != _major_minor(now[name]) for name in saved):
        raise IntegrityError(
            f"{text}. A model loads only with the same major.minor versions: install the saved "
            f"ones (constraints.txt) or retrain with `synthkit train {machine_id}`."
        )
    warnings.warn(f"{text} (patch versions differ).", RuntimeWarning, stacklevel=3)


def load_model(machine_id: str, workspace: str | os.PathLike | None = None, name: str | None = None) -> Model:
    """Load a machine's trained model; the bytes unpickled are the bytes whose SHA-256 was checked,
    saved with the installed major.minor versions of sdv, ctgan and rdt."""
    import cloudpickle

    get_machine(machine_id, workspace)
    folder = model_folder(machine_id, workspace, name)
    manifest, data = _verified_bytes(machine_id, folder)
    check_model_versions(machine_id, manifest)
    return Model(machine_id, cloudpickle.loads(data), manifest, folder / MODEL_FILE)


# Runs


def run_folder(machine_id: str, run_id: str, workspace: str | os.PathLike | None = None) -> Path:
    """Where run ``run_id`` of the machine is (or would be) published."""
    return Workspace(workspace).run_dir(machine_id, run_id)


class StagedRun:
    """A run being written: split files in a temporary folder, published whole by ``publish``."""

    def __init__(self, staged: Path, final: Path):
        self.staged, self.final = staged, final
        self.files: dict[str, str] = {}

    def split_path(self, split: str, file_format: str) -> Path:
        """Where to write one split's file."""
        self.files[split] = f"{split}.{file_format}"
        return self.staged / self.files[split]

    def publish(self, manifest: dict[str, Any], before_publish: Callable[[], None] = lambda: None) -> Path:
        """Write the run manifest (``manifest`` plus each split file's name and SHA-256) and rename
        the folder into place; ``before_publish`` may raise to publish nothing. Returns the folder."""
        write_json(
            self.staged / RUN_MANIFEST,
            {
                **manifest,
                "files": dict(self.files),
                "sha256": {split: sha256_file(self.staged / name) for split, name in self.files.items()},
            },
        )
        before_publish()
        publish_new_dir(self.staged, self.final)
        return self.final


@contextlib.contextmanager
def staged_run(
    machine_id: str, run_id: str, workspace: str | os.PathLike | None = None
) -> Iterator[StagedRun]:
    """A ``StagedRun`` for a new run; what is not published is removed when the block ends."""
    final = run_folder(machine_id, run_id, workspace)
    with staging_dir(final) as staged:
        yield StagedRun(staged, final)


def list_runs(machine_id: str, workspace: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Manifests of a machine's finished runs, oldest first."""
    folder = Workspace(workspace).runs_dir(machine_id)
    if not folder.is_dir():
        return []
    manifests = [
        read_json(p / RUN_MANIFEST)
        for p in folder.iterdir()
        if not p.name.startswith(".") and (p / RUN_MANIFEST).is_file()
    ]
    return sorted(manifests, key=lambda m: (m["created_at"], m["run_id"]))


def resolve_run(machine_id: str, run_id: str | None, workspace: str | os.PathLike | None = None) -> Path:
    """The folder of run ``run_id`` (the latest run when None), or a MissingArtifactError."""
    if run_id is None:
        runs = list_runs(machine_id, workspace)
        if not runs:
            raise MissingArtifactError(
                f"Machine {machine_id!r} has no runs yet: run `synthkit generate {machine_id}` first.",
                in_workbench=f"{machine_id} has no splits yet: generate them on the Generate tab.",
            )
        run_id = runs[-1]["run_id"]
    folder = run_folder(machine_id, validate_id(run_id, "run_id"), workspace)
    if not (folder / RUN_MANIFEST).is_file():
        raise MissingArtifactError(f"Run {run_id!r} of {machine_id!r} does not exist.")
    return folder


def verify_run(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a run whose split files are not the bytes its manifest records (edited, truncated)."""
    for split, name in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != manifest["sha256"][split]:
            raise IntegrityError(
                f"Run {manifest['run_id']!r}: {name} does not match its manifest (SHA-256 differs); "
                f"generate the splits again with `synthkit generate {manifest['machine_id']}`."
            )


def load_run(
    machine_id: str, run_id: str | None, workspace: str | os.PathLike | None = None
) -> tuple[Path, dict[str, Any]]:
    """A run's folder and manifest (the latest run when ``run_id`` is None), its files verified."""
    folder = resolve_run(machine_id, run_id, workspace)
    manifest = read_json(folder / RUN_MANIFEST)
    verify_run(folder, manifest)
    return folder, manifest
