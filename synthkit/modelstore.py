"""Trained models on disk: ``machines/<id>/model/`` with ``model.pkl``, ``model.json`` and the
held-out rows, published in one atomic swap.

A pickle runs code when it is loaded, so ``load_model`` checks the file's SHA-256 against the
manifest (and the manifest against the machine) before it unpickles anything, and the library
versions the model was saved with against the installed ones: other major.minor versions of
sdv, ctgan or rdt are refused (their pickled classes may not mean the same), other patch
versions load with a warning.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synthkit.errors import IntegrityError, MissingArtifactError
from synthkit.machines import get_machine
from synthkit.workspace import Workspace, read_json

MODEL_FILE = "model.pkl"
MANIFEST_FILE = "model.json"
HOLDOUT_FILE = "holdout.parquet"


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

    def holdout(self) -> pd.DataFrame | None:
        """The seed rows kept out of the fit, for honest evaluation (None if there are none)."""
        path = self.path.parent / HOLDOUT_FILE
        return pd.read_parquet(path) if path.is_file() else None


def model_folder(machine_id: str, workspace: str | os.PathLike | None = None) -> Path:
    """The published model folder, resolved once so manifest and pickle come from one version."""
    folder = Workspace(workspace).model_dir(machine_id)
    if not (folder / MANIFEST_FILE).is_file():
        raise MissingArtifactError(
            f"Machine {machine_id!r} has no trained model yet: run `synthkit train {machine_id}` first."
        )
    return folder.resolve()


def model_manifest(machine_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """The model manifest, or a MissingArtifactError saying how to train one."""
    return read_json(model_folder(machine_id, workspace) / MANIFEST_FILE)


def _verified_bytes(machine_id: str, folder: Path) -> tuple[dict[str, Any], bytes]:
    try:
        manifest = read_json(folder / MANIFEST_FILE)
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


def verify_model(machine_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """Check manifest and bytes without unpickling; returns the manifest."""
    return _verified_bytes(machine_id, model_folder(machine_id, workspace))[0]


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split("+")[0].split(".")[:2])


def check_model_versions(machine_id: str, manifest: dict[str, Any]) -> None:
    """Refuse a model saved with other major.minor versions of the SDV stack; warn on other patches."""
    from synthkit import _sdv

    installed = _sdv.installed_versions()
    saved = {name: v for name, v in (manifest.get("versions") or {}).items() if name in installed}
    now = {name: installed[name] for name in saved}
    if saved == now:
        return
    text = f"The model of {machine_id!r} was saved with {_sdv.versions_text(saved)}; installed: "
    text += _sdv.versions_text(now)
    if any(_major_minor(saved[name]) != _major_minor(now[name]) for name in saved):
        raise IntegrityError(
            f"{text}. A model loads only with the same major.minor versions: install the saved "
            f"ones (constraints.txt) or retrain with `synthkit train {machine_id}`."
        )
    warnings.warn(f"{text} (patch versions differ).", RuntimeWarning, stacklevel=3)


def load_model(machine_id: str, workspace: str | os.PathLike | None = None) -> Model:
    """Load a machine's trained model; the bytes unpickled are the bytes whose SHA-256 was checked,
    saved with the installed major.minor versions of sdv, ctgan and rdt."""
    import cloudpickle

    get_machine(machine_id, workspace)
    folder = model_folder(machine_id, workspace)
    manifest, data = _verified_bytes(machine_id, folder)
    check_model_versions(machine_id, manifest)
    return Model(machine_id, cloudpickle.loads(data), manifest, folder / MODEL_FILE)
