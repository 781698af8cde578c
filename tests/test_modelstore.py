"""Model files load only with the library versions they were saved with (major.minor)."""

import shutil
import warnings

import pytest

from synthkit import _sdv, load_model
from synthkit.errors import IntegrityError
from synthkit.modelstore import MANIFEST_FILE, model_folder
from synthkit.workspace import read_json, write_json


@pytest.fixture
def copied(trained, tmp_path):
    """A private copy of the module's trained workspace, to edit manifests in."""
    root = tmp_path / "ws"
    shutil.copytree(trained, root, symlinks=True)
    return root


def _record_versions(root, **versions):
    """Edit the manifest's recorded versions (its SHA-256 covers the model file, not the manifest)."""
    path = model_folder("cnc_machine_001", root) / MANIFEST_FILE
    manifest = read_json(path)
    manifest["versions"] = {**manifest["versions"], **versions}
    write_json(path, manifest)


def test_a_model_saved_with_the_installed_versions_loads_quietly(copied):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = load_model("cnc_machine_001", copied)
    assert model.manifest["versions"]["sdv"] == _sdv.installed_versions()["sdv"]


def test_other_patch_versions_load_with_a_warning(copied):
    installed = _sdv.installed_versions()
    major, minor, _ = installed["ctgan"].split(".")
    _record_versions(copied, ctgan=f"{major}.{minor}.99")
    with pytest.warns(
        RuntimeWarning, match=rf"ctgan {major}\.{minor}\.99.*installed: .*ctgan {installed['ctgan']}"
    ):
        model = load_model("cnc_machine_001", copied)
    assert model.synthesizer is not None


def test_other_major_minor_versions_are_refused_naming_both(copied):
    installed = _sdv.installed_versions()
    _record_versions(copied, sdv="1.9.0")
    with pytest.raises(IntegrityError) as refused:
        load_model("cnc_machine_001", copied)
    message = str(refused.value)
    assert "sdv 1.9.0" in message and f"sdv {installed['sdv']}" in message
    assert f"ctgan {installed['ctgan']}" in message and "synthkit train cnc_machine_001" in message
