"""Where synthkit keeps its state, and how it writes it without ever leaving half a file.

One folder holds everything (machines, seed data, models, runs, task records), so a kernel, the
CLI, a papermill run and a Dask worker on a shared filesystem all see the same state. Every
artifact is written under a temporary name and renamed into place; folders that get replaced
(seed data, a model) are published by swapping a symlink, which is atomic, so a reader sees the
old folder or the new one and never a mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from synthkit.errors import InvalidParameterError

ENV_VAR = "SYNTHKIT_WORKSPACE"
FAULT_ENV = "SYNTHKIT_FAULT_POINT"
DEFAULT_ROOT = "workspace"
ID_PATTERN = re.compile(r"^[a-z0-9_-]{1,64}$")
TMP_PREFIX = ".tmp-"


def validate_id(value: object, what: str = "machine_id") -> str:
    """Ids become folder names: lowercase letters, digits, '_' and '-', 1-64 characters."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidParameterError(
            f"The {what!r} must be 1-64 characters of lowercase letters, digits, '_' or '-'. "
            f"Got {value!r} instead."
        )
    return value


def resolve_root(root: str | os.PathLike | None = None) -> Path:
    """The workspace root: the argument, else $SYNTHKIT_WORKSPACE, else ./workspace."""
    if root is None:
        root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return Path(root).expanduser().absolute()


class Workspace:
    """Paths inside one workspace folder; creates folders only when something is written."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = resolve_root(root)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def machine_dir(self, machine_id: str) -> Path:
        return self.root / "machines" / validate_id(machine_id)

    def seed_dir(self, machine_id: str) -> Path:
        return self.machine_dir(machine_id) / "seed"

    def model_dir(self, machine_id: str) -> Path:
        return self.machine_dir(machine_id) / "model"

    def runs_dir(self, machine_id: str) -> Path:
        return self.machine_dir(machine_id) / "runs"

    def run_dir(self, machine_id: str, run_id: str) -> Path:
        return self.runs_dir(machine_id) / validate_id(run_id, "run_id")

    @property
    def tasks_dir(self) -> Path:
        return self.root / "tasks"

    def task_record(self, task_id: str) -> Path:
        return self.tasks_dir / f"{validate_id(task_id, 'task_id')}.json"

    def task_log(self, task_id: str) -> Path:
        return self.tasks_dir / f"{validate_id(task_id, 'task_id')}.jsonl"

    def lock_path(self, machine_id: str, kind: str) -> Path:
        return self.machine_dir(machine_id) / f".{kind}.lock"


def _tmp_sibling(path: Path) -> Path:
    """A temporary name beside ``path`` that records the writing process (for ``sweep_stale``)."""
    return path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{uuid.uuid4().hex[:12]}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(name: str) -> int | None:
    """The pid written into a temporary or version name, if any."""
    parts = name.rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def sweep_stale(folder: Path) -> None:
    """Remove what a killed writer left in ``folder``: temporary files and folders, and version
    folders no link points to, whose writing process is gone. Live writers' files are kept."""
    if not folder.is_dir():
        return
    targets = {os.readlink(p) for p in folder.iterdir() if p.is_symlink()}
    for entry in folder.iterdir():
        name = entry.name
        if not name.startswith(".") or name in targets or entry.is_symlink():
            continue
        pid = _owner(name)
        if pid is None or pid_alive(pid):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(path.parent)
    tmp = _tmp_sibling(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode())


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


@contextlib.contextmanager
def staging_dir(final: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; it is removed if the block fails.

    Publishing is the caller's job (``publish_dir`` or ``publish_new_dir``), inside the block.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(final.parent)
    tmp = _tmp_sibling(final)
    tmp.mkdir()
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def fault_point(name: str) -> None:
    """Fault-test hook: with SYNTHKIT_FAULT_POINT=name the process stops itself here (SIGSTOP),
    so a test can kill it at exactly this moment. Does nothing otherwise."""
    if os.environ.get(FAULT_ENV) == name:
        # sent to this thread, so this thread stops before its next instruction (a signal sent to
        # the process may be taken by another thread while this one runs on)
        signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)


def publish_dir(staged: Path, link: Path) -> None:
    """Make ``link`` show the finished folder ``staged``, replacing what it showed, atomically.

    The content moves to ``.<name>-<id>``; ``link`` is a symlink to it, swapped with one rename.
    """
    for child in staged.iterdir():
        _fsync(child)
    version = link.with_name(f".{link.name}-{os.getpid()}-{uuid.uuid4().hex[:12]}")
    fault_point("publish-before-rename")
    os.replace(staged, version)
    fault_point("publish-before-swap")
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():  # a plain folder from an older layout
        shutil.rmtree(link)
    tmp_link = _tmp_sibling(link)
    os.symlink(version.name, tmp_link)
    os.replace(tmp_link, link)
    if previous is not None and previous != version:
        shutil.rmtree(previous, ignore_errors=True)


def publish_new_dir(staged: Path, final: Path) -> None:
    """Rename a finished folder to a name that must not exist yet (a new run)."""
    for child in staged.iterdir():
        _fsync(child)
    if final.exists():
        raise InvalidParameterError(f"{final} already exists; choose another id.")
    fault_point("publish-new-before-rename")
    os.rename(staged, final)


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    if path.is_file():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
