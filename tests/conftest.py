"""Shared fixtures: a fresh workspace per test and a way to prove a call changed nothing."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_exit_status = {"code": None}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


def pytest_unconfigure(config):
    """Leave without the interpreter's teardown once pytest has reported everything.

    pyarrow's and torch's thread pools can abort a finished process at shutdown
    (apache/arrow#34314), which would turn a green run red after its summary was printed.
    """
    if _exit_status["code"] is not None and config.pluginmanager.has_plugin("terminalreporter"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """An empty workspace folder, also set as $SYNTHKIT_WORKSPACE for code that reads it."""
    root = tmp_path / "ws"
    monkeypatch.setenv("SYNTHKIT_WORKSPACE", str(root))
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a digest of its bytes (or its link target, or 'dir')."""
    state = {}
    if not root.exists():
        return state
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                state[rel] = "->" + os.readlink(path)
            elif path.is_dir():
                state[rel] = "dir"
            else:
                state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def start_cli(*args: str, workspace: Path, env: dict | None = None, capture: bool = True) -> subprocess.Popen:
    """Start ``python -m synthkit --workspace W ARGS`` in the background, output captured as text
    (or discarded, for a process the test will kill)."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "synthkit", "--workspace", str(workspace), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=output,
        stderr=output,
        text=True,
    )


def cli(*args: str, workspace: Path | None = None) -> subprocess.CompletedProcess:
    """Run the ``synthkit`` command in this process (``synthkit.cli.main``), output captured as
    text: what ``run_cli`` gives without a fresh interpreter, for tests where the process
    boundary is not what is tested."""
    from synthkit.cli import main

    argv = [*(["--workspace", str(workspace)] if workspace is not None else []), *args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return subprocess.CompletedProcess(["synthkit", *argv], code, out.getvalue(), err.getvalue())


def run_cli(*args: str, workspace: Path | None = None, timeout: float = 300, **kwargs):
    """Run ``python -m synthkit`` in a fresh process and return the CompletedProcess (for what
    needs a process of its own: signals, kills, the entry points themselves)."""
    prefix = ["--workspace", str(workspace)] if workspace is not None else []
    return subprocess.run(
        [sys.executable, "-m", "synthkit", *prefix, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=kwargs.pop("cwd", ROOT),
        **kwargs,
    )


TINY_TVAE = dict(epochs=3, batch_size=100, compress_dims=(32,), decompress_dims=(32,), embedding_dim=16)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A workspace with seed data and a tiny trained TVAE for cnc_machine_001 (shared by a module)."""
    from synthkit import generate_seed_data, train_tvae

    root = tmp_path_factory.mktemp("trained") / "ws"
    generate_seed_data("cnc_machine_001", 600, seed=1, workspace=root)
    train_tvae("cnc_machine_001", seed=1, workspace=root, **TINY_TVAE)
    return root


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def dask_processes(folder: Path):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1; yields the scheduler
    address and the workers' pids. Fails if they cannot start; stops them afterwards."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    with open(folder / "dask.log", "w") as log:
        scheduler = subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers = subprocess.Popen(
            [
                dask,
                "worker",
                address,
                "--nthreads",
                "1",
                "--nworkers",
                "2",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SYNTHKIT_TORCH_THREADS": "1"},
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    if len(client.scheduler_info()["workers"]) >= 2:
                        pids = list(client.run(os.getpid).values())
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the dask scheduler and workers did not start"
            assert scheduler.poll() is None and workers.poll() is None, "a dask process exited"
            time.sleep(0.5)
        yield address, pids
    finally:
        for process in (workers, scheduler):
            process.terminate()
        for process in (workers, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
