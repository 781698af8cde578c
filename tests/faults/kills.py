"""kill -9 at every phase of training and generation: nothing lost, nothing half-visible, and the
task reads as FAILURE (interrupted) instead of RUNNING forever.

Run with `make faults` (not part of `make test` yet: one of these failed once in about ten runs on
a loaded machine, cause not found; see the closing note of the session that wrote it)."""

import signal
import time
from pathlib import Path

import pytest

from synthkit import generate_seed_data, load_model, train_tvae
from synthkit.generation import generate_synthetic_data, list_runs
from synthkit.jobs import get_task_status
from synthkit.progress import read_jsonl
from synthkit.workspace import sha256_file
from tests.conftest import TINY_TVAE, run_cli, start_cli

MACHINE = "cnc_machine_001"


@pytest.fixture
def trained(workspace):
    generate_seed_data(MACHINE, 1500, seed=1)
    train_tvae(MACHINE, seed=1, **TINY_TVAE)
    generate_synthetic_data(MACHINE, 300, 50, 50, seed=1, report=False)
    return workspace


def start(workspace, *args, fault=None):
    return start_cli(
        *args, "--quiet", workspace=workspace, env={"SYNTHKIT_FAULT_POINT": fault} if fault else None
    )


def newest_task(workspace, kind, before):
    logs = set((workspace / "tasks").glob(f"{kind}-*.jsonl")) - before
    return max(logs, key=lambda p: p.stat().st_mtime) if logs else None


def wait_for(workspace, kind, before, process, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = newest_task(workspace, kind, before)
        if log is not None and condition(read_jsonl(log)):
            return log.stem
        assert process.poll() is None, "the process ended before the fault"
        time.sleep(0.05)
    raise AssertionError("never reached the moment to kill")


def wait_stopped(process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Path(f"/proc/{process.pid}/stat").read_text().split()[2]
        if state == "T":
            return
        assert process.poll() is None
        time.sleep(0.05)
    raise AssertionError("the process never reached its fault point")


def state(workspace):
    """What a reader sees: the model bytes and the finished runs."""
    model = load_model(MACHINE)  # verifies the SHA-256 before unpickling
    runs = list_runs(MACHINE)
    for run in runs:
        folder = workspace / "machines" / MACHINE / "runs" / run["run_id"]
        for split, name in run["files"].items():
            assert sha256_file(folder / name) == run["sha256"][split]
    return sha256_file(model.path), [r["run_id"] for r in runs]


def assert_clean_after(workspace, before_state, task_id):
    assert state(workspace) == before_state
    status = get_task_status(task_id)
    assert status["status"] == "FAILURE" and status["error"].startswith("interrupted")
    cli = run_cli("status", task_id, workspace=workspace)
    assert "FAILURE" in cli.stdout
    # a later write sweeps what the killed process left; no temporary name is visible as a model or run
    train_tvae(MACHINE, seed=2, **TINY_TVAE)
    generate_synthetic_data(MACHINE, 100, 0, 0, seed=2, report=False)
    leftovers = [p.name for p in (workspace / "machines" / MACHINE).iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert all(not p.name.startswith(".") for p in (workspace / "machines" / MACHINE / "runs").iterdir())


@pytest.mark.parametrize("phase", ["preprocessing", "epochs"])
def test_kill_training(trained, phase):
    before, logs = state(trained), set((trained / "tasks").glob("*.jsonl"))
    process = start(trained, "train", MACHINE, "--epochs", "100000", "--batch-size", "100")
    if phase == "preprocessing":
        condition = lambda events: any(e.stage == "preprocessing" for e in events)  # noqa: E731
    else:
        condition = lambda events: any(e.epoch and e.epoch >= 2 for e in events)  # noqa: E731
    task_id = wait_for(trained, "train", logs, process, condition)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_clean_after(trained, before, task_id)


@pytest.mark.parametrize("point", ["publish-before-rename", "publish-before-swap"])
def test_kill_training_during_the_model_save(trained, point):
    before, logs = state(trained), set((trained / "tasks").glob("*.jsonl"))
    process = start(trained, "train", MACHINE, "--epochs", "2", "--batch-size", "100", fault=point)
    wait_stopped(process)
    task_id = newest_task(trained, "train", logs).stem
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_clean_after(trained, before, task_id)


def test_kill_generation_while_writing(trained):
    before, logs = state(trained), set((trained / "tasks").glob("*.jsonl"))
    process = start(trained, "generate", MACHINE, "--train", "3000000", "--val", "0", "--test", "0")
    task_id = wait_for(
        trained, "generate", logs, process, lambda events: any(e.stage == "generating" for e in events)
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_clean_after(trained, before, task_id)
