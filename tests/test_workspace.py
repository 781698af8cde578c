import os

import pytest

from synthkit.errors import InvalidParameterError
from synthkit.workspace import (
    Workspace,
    atomic_path,
    publish_dir,
    resolve_root,
    sha256_file,
    staging_dir,
    validate_id,
    write_json,
)


@pytest.mark.parametrize("good", ["a", "cnc_machine_001", "pump-2", "x" * 64, "0"])
def test_valid_ids_pass(good):
    assert validate_id(good) == good


@pytest.mark.parametrize("bad", ["", "../x", "A B", "x" * 65, "Pump", "a/b", ".", "..", "é", None, 3])
def test_invalid_ids_are_refused_with_the_rule(bad):
    with pytest.raises(InvalidParameterError, match="lowercase letters, digits"):
        validate_id(bad)


def test_paths_cannot_escape_the_workspace(tmp_path):
    ws = Workspace(tmp_path)
    with pytest.raises(InvalidParameterError):
        ws.machine_dir("../../etc")
    assert ws.machine_dir("pump_001").is_relative_to(tmp_path)


def test_root_comes_from_argument_then_environment_then_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHKIT_WORKSPACE", str(tmp_path / "env"))
    assert resolve_root(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_root() == tmp_path / "env"
    monkeypatch.delenv("SYNTHKIT_WORKSPACE")
    monkeypatch.chdir(tmp_path)
    assert resolve_root() == tmp_path / "workspace"


def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "model.json"
    write_json(target, {"version": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("crash")
    assert os.listdir(tmp_path) == ["model.json"]
    assert '"version": 1' in target.read_text()


def test_publish_dir_swaps_folders_and_removes_the_old_version(tmp_path):
    link = tmp_path / "model"
    for version in ("one", "two"):
        with staging_dir(link) as staged:
            (staged / "v.txt").write_text(version)
            publish_dir(staged, link)
    assert link.is_symlink()
    assert (link / "v.txt").read_text() == "two"
    hidden = [p for p in os.listdir(tmp_path) if p != "model"]
    assert len(hidden) == 1 and hidden[0].startswith(".model-")


def test_a_failed_staging_leaves_nothing_behind(tmp_path):
    link = tmp_path / "seed"
    with pytest.raises(ValueError), staging_dir(link) as staged:
        (staged / "x").write_text("partial")
        raise ValueError("boom")
    assert os.listdir(tmp_path) == []


def test_sha256_file_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 1000)
    assert sha256_file(path) == hashlib.sha256(b"abc" * 1000).hexdigest()
