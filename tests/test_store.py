"""Seed, model and run storage: what is published, what is verified, the holdout, the versions."""

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from synthkit import _version, load_model
from synthkit.errors import IntegrityError, MissingArtifactError, TaskCancelledError
from synthkit.store import (
    MODEL_MANIFEST,
    list_runs,
    load_run,
    model_folder,
    saved_holdout,
    split_holdout,
    staged_run,
    verify_model,
    write_model,
)
from synthkit.workspace import Workspace, read_json, write_json


@pytest.fixture
def copied(trained, tmp_path):
    """A private copy of the module's trained workspace, to edit manifests in."""
    root = tmp_path / "ws"
    shutil.copytree(trained, root, symlinks=True)
    return root


def _record_versions(root, **versions):
    """Edit the manifest's recorded versions (its SHA-256 covers the model file, not the manifest)."""
    path = model_folder("cnc_machine_001", root) / MODEL_MANIFEST
    manifest = read_json(path)
    manifest["versions"] = {**manifest["versions"], **versions}
    write_json(path, manifest)


def test_a_model_saved_with_the_installed_versions_loads_quietly(copied):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = load_model("cnc_machine_001", copied)
    assert model.manifest["versions"]["sdv"] == _version.installed_versions()["sdv"]


def test_other_patch_versions_load_with_a_warning(copied):
    installed = _version.installed_versions()
    major, minor, _ = installed["ctgan"].split(".")
    _record_versions(copied, ctgan=f"{major}.{minor}.99")
    with pytest.warns(
        RuntimeWarning, match=rf"ctgan {major}\.{minor}\.99.*installed: .*ctgan {installed['ctgan']}"
    ):
        model = load_model("cnc_machine_001", copied)
    assert model.synthesizer is not None


def test_other_major_minor_versions_are_refused_naming_both(copied):
    installed = _version.installed_versions()
    _record_versions(copied, sdv="1.9.0")
    with pytest.raises(IntegrityError) as refused:
        load_model("cnc_machine_001", copied)
    message = str(refused.value)
    assert "sdv 1.9.0" in message and f"sdv {installed['sdv']}" in message
    assert f"ctgan {installed['ctgan']}" in message and "synthkit train cnc_machine_001" in message


MACHINE = "cnc_machine_001"


def _cancel() -> None:
    raise TaskCancelledError("stopped before publishing")


def _write_model(root, payload: bytes, holdout: pd.DataFrame, before_publish=lambda: None):
    return write_model(
        Workspace(root),
        MACHINE,
        lambda path: path.write_bytes(payload),
        holdout,
        {"model": "tvae"},
        before_publish,
    )


def test_a_model_is_published_with_its_manifest_and_holdout(workspace):
    holdout = pd.DataFrame({"x": [1.0, 2.0]})
    path = _write_model(workspace, b"first", holdout)
    assert path.read_bytes() == b"first"
    manifest = verify_model(MACHINE, workspace)
    assert (manifest["machine_id"], manifest["model"]) == (MACHINE, "tvae")
    assert saved_holdout(MACHINE, workspace).equals(holdout)


def test_a_model_stopped_before_publishing_leaves_the_previous_one(workspace):
    _write_model(workspace, b"first", pd.DataFrame())
    before = read_json(model_folder(MACHINE, workspace) / MODEL_MANIFEST)
    with pytest.raises(TaskCancelledError):
        _write_model(workspace, b"second", pd.DataFrame({"x": [1]}), before_publish=_cancel)
    assert verify_model(MACHINE, workspace) == before
    assert saved_holdout(MACHINE, workspace) is None
    assert [p.name for p in (workspace / "machines" / MACHINE).iterdir() if p.name.startswith(".tmp")] == []


def test_without_a_model_the_folder_says_how_to_train_one(workspace):
    with pytest.raises(MissingArtifactError, match="synthkit train cnc_machine_001"):
        model_folder(MACHINE, workspace)


def _publish_run(root, run_id: str, created_at: str, before_publish=lambda: None):
    with staged_run(MACHINE, run_id, root) as run:
        for split in ("train", "test"):
            pd.DataFrame({"x": [1, 2, 3]}).to_csv(run.split_path(split, "csv"), index=False)
        return run.publish(
            {"run_id": run_id, "machine_id": MACHINE, "created_at": created_at}, before_publish
        )


def test_a_run_is_published_whole_and_verified_on_reading(workspace):
    folder = _publish_run(workspace, "run-a", "2026-01-01T00:00:00")
    _publish_run(workspace, "run-b", "2026-01-02T00:00:00")
    assert [m["run_id"] for m in list_runs(MACHINE, workspace)] == ["run-a", "run-b"]
    latest, manifest = load_run(MACHINE, None, workspace)
    assert latest.name == "run-b" and manifest["files"] == {"train": "train.csv", "test": "test.csv"}
    (folder / "test.csv").write_text("x\n9\n")
    with pytest.raises(IntegrityError, match="test.csv does not match"):
        load_run(MACHINE, "run-a", workspace)
    with pytest.raises(MissingArtifactError, match="run-c"):
        load_run(MACHINE, "run-c", workspace)


def test_a_run_stopped_before_publishing_leaves_nothing(workspace):
    with pytest.raises(TaskCancelledError):
        _publish_run(workspace, "run-a", "2026-01-01T00:00:00", before_publish=_cancel)
    assert list_runs(MACHINE, workspace) == []
    assert list((workspace / "machines" / MACHINE / "runs").iterdir()) == []
    with pytest.raises(MissingArtifactError, match="no runs yet"):
        load_run(MACHINE, None, workspace)


def test_the_holdout_keeps_every_label_combination_on_both_sides():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "failure": np.r_[np.zeros(950, dtype=int), np.ones(50, dtype=int)],
            "mode": ["none"] * 950 + ["heat"] * 30 + ["wear"] * 20,
            "x": rng.normal(size=1000),
        }
    )
    train, holdout = split_holdout(frame, 0.2, seed=1, strata=["failure", "mode"])
    assert len(train) + len(holdout) == len(frame) and len(holdout) == 200
    assert holdout["mode"].value_counts().to_dict() == {"none": 190, "heat": 6, "wear": 4}
    assert set(train["mode"]) == {"none", "heat", "wear"}
    again = split_holdout(frame, 0.2, seed=1, strata=["failure", "mode"])[1]
    assert again.equals(holdout)
    assert split_holdout(frame, 0.0, seed=1, strata=None)[1].empty
