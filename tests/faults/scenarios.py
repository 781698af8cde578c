"""Fault scenarios: each breaks something for real (kill -9, cancel, a hand-edited file, concurrent
use, a dead Dask worker, bad input) and checks that synthkit keeps working, says what happened and
loses nothing.

One catalogue, two users: tests/faults/test_scenarios.py runs each scenario as a test, and
benchmarks/fault_matrix.py runs them all and prints the table. A scenario raises AssertionError
when synthkit did not survive it; ``Case.check_nothing_lost`` records every artifact that was
there before the fault and is now changed or unreadable (the ``data_lost`` figure).
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from synthkit import generate_seed_data, load_model, train_tvae
from synthkit.errors import IntegrityError, MissingArtifactError, TaskCancelledError
from synthkit.evaluation import evaluate
from synthkit.generation import generate_synthetic_data
from synthkit.jobs import get_task_status
from synthkit.machines import list_machines
from synthkit.sinks import read_jsonl
from synthkit.store import list_runs, load_seed
from synthkit.workspace import sha256_file
from tests.conftest import ROOT, TINY_TVAE, dask_processes

MACHINE = "cnc_machine_001"
OTHERS = ("pump_001", "motor_001")
TINY_CLI = ("--epochs", "3", "--batch-size", "100", "--replace")  # the base workspace has a model
Scenario = Callable[["Case"], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(function: Scenario) -> Scenario:
    SCENARIOS[function.__name__.replace("_", "-")] = function
    return function


def prepare_base(root: Path) -> Path:
    """The workspace every scenario starts from: seeds, a trained model and one finished run."""
    generate_seed_data(MACHINE, 1500, seed=1, workspace=root)
    for machine_id in OTHERS:
        generate_seed_data(machine_id, 600, seed=1, workspace=root)
    train_tvae(MACHINE, seed=1, workspace=root, **TINY_TVAE)
    generate_synthetic_data(MACHINE, 300, 50, 50, seed=1, report=False, workspace=root)
    return root


def artifacts(root: Path) -> dict[str, str]:
    """What users rely on, as a reader sees it: machine, seed, model and run files with digests."""
    found = {}
    for machine in (root / "machines").iterdir():
        files = [machine / "machine.json"]
        for part in (
            "seed",
            "model",
            *(f"models/{m.name}" for m in sorted((machine / "models").glob("[!.]*"))),
        ):
            files += sorted((machine / part).glob("*")) if (machine / part).is_dir() else []
        runs = machine / "runs"
        for run in sorted(runs.iterdir()) if runs.is_dir() else []:
            if not run.name.startswith("."):
                files += [f for f in sorted(run.iterdir()) if not f.name.startswith("report.")]
        for path in files:
            if path.is_file():
                found[str(path.relative_to(root))] = sha256_file(path)
    return found


@dataclass
class Case:
    """One scenario's own copy of the base workspace, and what it must not lose."""

    root: Path
    protected: dict[str, str] = field(default_factory=dict)
    spared: set[str] = field(default_factory=set)  # protected paths the scenario changes on purpose
    lost: list[str] = field(default_factory=list)
    checked: bool = False
    note: str = ""  # what happened, for the matrix's table

    @classmethod
    def from_base(cls, base: Path, folder: Path) -> Case:
        root = folder / "ws"
        shutil.copytree(base, root, symlinks=True)
        return cls(root, artifacts(root))

    def path(self, relative: str) -> Path:
        return self.root / relative

    def start(self, *args: str, fault: str | None = None, limit_bytes: int | None = None) -> subprocess.Popen:
        """``synthkit ARGS`` in a new process (output captured), optionally with a fault point or a
        file-size limit."""
        env = {**os.environ, "SYNTHKIT_FAULT_POINT": fault or ""}

        def limit() -> None:
            if limit_bytes is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

        return subprocess.Popen(
            [sys.executable, "-m", "synthkit", "--workspace", str(self.root), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limit,
        )

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        process = self.start(*args)
        out, err = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def tasks(self, kind: str) -> set[Path]:
        return set((self.root / "tasks").glob(f"{kind}-*.jsonl"))

    def check_nothing_lost(self) -> None:
        """Record protected artifacts that changed or no longer verify."""
        self.checked = True
        now = artifacts(self.root)
        self.lost += [
            p for p, digest in self.protected.items() if p not in self.spared and now.get(p) != digest
        ]
        model = f"machines/{MACHINE}/models/tvae/model.pkl"
        edited = any(p.startswith(f"machines/{MACHINE}/models/tvae/") for p in self.spared)
        if model in self.protected and not edited:
            try:
                load_model(MACHINE, self.root)
            except Exception as error:  # noqa: BLE001 (any failure to load is a loss)
                self.lost.append(f"{model} ({type(error).__name__})")

    def assert_usable(self) -> None:
        """The workspace still works: a training and a generation succeed, nothing temporary shows."""
        train_tvae(MACHINE, seed=2, workspace=self.root, **TINY_TVAE)
        generate_synthetic_data(MACHINE, 100, 0, 0, seed=2, report=False, workspace=self.root)
        machine = self.root / "machines" / MACHINE
        assert not [p.name for p in machine.iterdir() if p.name.startswith(".tmp-")]
        assert not [p.name for p in (machine / "runs").iterdir() if p.name.startswith(".")]


def wait_for(case: Case, kind: str, before: set[Path], process, condition, timeout: float = 120) -> str:
    """Wait until the new task log of ``kind`` shows ``condition``; return the task id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = case.tasks(kind) - before
        log = max(logs, key=lambda p: p.stat().st_mtime) if logs else None
        if log is not None and condition(read_jsonl(log)):
            return log.stem
        assert process.poll() is None, (
            f"the process ended before the fault: {process.communicate()[1][-500:]}"
        )
        time.sleep(0.05)
    raise AssertionError("never reached the moment of the fault")


def wait_stopped(process, timeout: float = 120) -> None:
    """Wait until a process stopped itself at its SYNTHKIT_FAULT_POINT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (
            f"the process ended before its fault point: {process.communicate()[1][-500:]}"
        )
        if Path(f"/proc/{process.pid}/stat").read_text().split()[2] == "T":
            return
        time.sleep(0.05)
    raise AssertionError("the process never reached its fault point")


def kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate()


def assert_interrupted(case: Case, task_id: str) -> None:
    status = get_task_status(task_id, case.root)
    assert status["status"] == "FAILURE" and status["error"].startswith("interrupted"), status
    assert "FAILURE" in case.run("status", task_id).stdout


def any_stage(stage: str) -> Callable[[list], bool]:
    return lambda events: any(e.stage == stage for e in events)


def after_epoch(epoch: int) -> Callable[[list], bool]:
    return lambda events: any(e.epoch and e.epoch >= epoch for e in events)


TRAINING_MOMENTS = {"during-preprocessing": any_stage("preprocessing"), "during-epochs": after_epoch(2)}


def at_training_moments(action: str, interrupt: Callable[..., None]) -> None:
    """Registers ``{action}-train-{moment}``: ``interrupt(case, condition)`` at each moment."""
    for moment, condition in TRAINING_MOMENTS.items():
        SCENARIOS[f"{action}-train-{moment}"] = functools.partial(interrupt, condition=condition)


# -- kill -9 -------------------------------------------------------------------------------------


def _kill_training_when(case: Case, condition) -> None:
    before = case.tasks("train")
    process = case.start(
        "train", MACHINE, "--epochs", "100000", "--batch-size", "100", "--quiet", "--replace"
    )
    task_id = wait_for(case, "train", before, process, condition)
    kill(process)
    case.check_nothing_lost()
    assert_interrupted(case, task_id)
    case.assert_usable()


at_training_moments("kill", _kill_training_when)


def _kill_at_fault_point(case: Case, kind: str, args: tuple[str, ...], point: str) -> str:
    before = case.tasks(kind)
    process = case.start(*args, fault=point)
    wait_stopped(process)
    logs = case.tasks(kind) - before
    kill(process)
    case.check_nothing_lost()
    return max(logs, key=lambda p: p.stat().st_mtime).stem if logs else ""


def _kill_train_while_saving(case: Case, point: str) -> None:
    task_id = _kill_at_fault_point(case, "train", ("train", MACHINE, *TINY_CLI, "--quiet"), point)
    assert_interrupted(case, task_id)
    case.assert_usable()


for _step in ("rename", "swap"):
    SCENARIOS[f"kill-train-saving-before-{_step}"] = functools.partial(
        _kill_train_while_saving, point=f"publish-before-{_step}"
    )


@scenario
def kill_generate_while_writing(case: Case) -> None:
    before = case.tasks("generate")
    process = case.start("generate", MACHINE, "--train", "3000000", "--val", "0", "--test", "0", "--quiet")
    task_id = wait_for(case, "generate", before, process, any_stage("generating"))
    kill(process)
    case.check_nothing_lost()
    assert_interrupted(case, task_id)
    assert len(list_runs(MACHINE, case.root)) == 1
    case.assert_usable()


@scenario
def kill_generate_publishing(case: Case) -> None:
    args = ("generate", MACHINE, "--train", "500", "--val", "0", "--test", "0", "--no-report", "--quiet")
    task_id = _kill_at_fault_point(case, "generate", args, "publish-new-before-rename")
    assert_interrupted(case, task_id)
    assert len(list_runs(MACHINE, case.root)) == 1
    case.assert_usable()


@scenario
def kill_seed_replacement(case: Case) -> None:
    args = ("seed", MACHINE, "--samples", "800", "--seed", "9", "--replace")
    _kill_at_fault_point(case, "seed", args, "publish-before-swap")
    frame, _, _ = load_seed(MACHINE, case.root)  # verifies the seed's SHA-256
    assert len(frame) == 1500
    case.assert_usable()


@scenario
def kill_register(case: Case) -> None:
    csv = case.root.parent / "mine.csv"
    load_seed("pump_001", case.root)[0].to_csv(csv, index=False)
    _kill_at_fault_point(case, "register", ("register", "my_pump", str(csv)), "publish-before-swap")
    assert "my_pump" not in [m.machine_id for m in list_machines(case.root)]
    result = case.run("register", "my_pump", str(csv))  # the user simply registers again
    assert result.returncode == 0, result.stderr
    assert "my_pump" in [m.machine_id for m in list_machines(case.root)]


# -- cancel --------------------------------------------------------------------------------------


def _cancel_training_when(case: Case, condition) -> None:
    stop, events = threading.Event(), []

    def observe(event) -> None:
        events.append(event)
        if condition(events):
            stop.set()

    try:
        train_tvae(
            MACHINE, workspace=case.root, stop_event=stop, sinks=[observe], **{**TINY_TVAE, "epochs": 50}
        )
        raise AssertionError("training was not cancelled")
    except TaskCancelledError:
        pass
    case.check_nothing_lost()
    assert events[-1].status == "CANCELLED"
    assert get_task_status(events[-1].task_id, case.root)["status"] == "CANCELLED"
    case.assert_usable()


at_training_moments("cancel", _cancel_training_when)


@scenario
def cancel_generate_between_chunks(case: Case) -> None:
    stop, events = threading.Event(), []

    def observe(event) -> None:
        events.append(event)
        if event.stage == "generating":
            stop.set()

    try:
        generate_synthetic_data(
            MACHINE, 5000, 500, 500, chunk_rows=500, stop_event=stop, sinks=[observe], workspace=case.root
        )
        raise AssertionError("generation was not cancelled")
    except TaskCancelledError:
        pass
    case.check_nothing_lost()
    assert events[-1].status == "CANCELLED" and len(list_runs(MACHINE, case.root)) == 1
    case.assert_usable()


def _interrupt_cli(case: Case, kind: str, args: tuple[str, ...], condition) -> None:
    before, runs = case.tasks(kind), len(list_runs(MACHINE, case.root))
    process = case.start(*args, "--quiet")
    task_id = wait_for(case, kind, before, process, condition)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-500:]
    case.check_nothing_lost()
    assert get_task_status(task_id, case.root)["status"] == "CANCELLED"
    assert len(list_runs(MACHINE, case.root)) == runs
    case.assert_usable()


@scenario
def ctrl_c_train(case: Case) -> None:
    _interrupt_cli(
        case,
        "train",
        ("train", MACHINE, "--epochs", "100000", "--batch-size", "100", "--replace"),
        after_epoch(1),
    )


@scenario
def ctrl_c_generate(case: Case) -> None:
    args = ("generate", MACHINE, "--train", "3000000", "--val", "0", "--test", "0")
    _interrupt_cli(case, "generate", args, any_stage("generating"))


# -- hand-edited files ---------------------------------------------------------------------------

MODEL = f"machines/{MACHINE}/models/tvae/model.pkl"
MODEL_MANIFEST = f"machines/{MACHINE}/models/tvae/model.json"
SEED = f"machines/{MACHINE}/seed/seed.parquet"


def _refused(case: Case, args: tuple[str, ...], message: str, code: int = 2) -> None:
    """The CLI refuses with one line naming the problem and exit ``code`` (2 bad input, 3 a file
    failing its integrity check), and writes nothing."""
    runs = len(list_runs(MACHINE, case.root))
    result = case.run(*args)
    assert result.returncode == code and message in result.stderr, result.stderr[-1000:]
    assert result.stderr.strip().count("\n") == 0, result.stderr  # one line, no traceback
    assert len(list_runs(MACHINE, case.root)) == runs


def _edit_model_manifest(case: Case, **changes) -> None:
    manifest = json.loads(case.path(MODEL_MANIFEST).read_text())
    case.path(MODEL_MANIFEST).write_text(json.dumps({**manifest, **changes}))
    case.spared.add(MODEL_MANIFEST)


@scenario
def model_with_a_flipped_byte(case: Case) -> None:
    data = bytearray(case.path(MODEL).read_bytes())
    data[len(data) // 2] ^= 0x01
    case.path(MODEL).write_bytes(bytes(data))
    case.spared.add(MODEL)
    _refused(case, ("generate", MACHINE, "--train", "10", "--val", "0", "--test", "0"), "does not match", 3)
    case.check_nothing_lost()
    case.assert_usable()  # training again replaces the damaged model


@scenario
def model_manifest_of_another_machine(case: Case) -> None:
    _edit_model_manifest(case, machine_id="pump_001")
    _refused(
        case, ("generate", MACHINE, "--train", "10", "--val", "0", "--test", "0"), "belongs to 'pump_001'", 3
    )
    case.check_nothing_lost()
    case.assert_usable()


@scenario
def model_manifest_pointing_at_another_model(case: Case) -> None:
    train_tvae("pump_001", seed=1, workspace=case.root, **TINY_TVAE)
    _edit_model_manifest(case, sha256=sha256_file(case.path("machines/pump_001/models/tvae/model.pkl")))
    _refused(case, ("generate", MACHINE, "--train", "10", "--val", "0", "--test", "0"), "does not match", 3)
    case.check_nothing_lost()
    case.assert_usable()


@scenario
def model_file_deleted(case: Case) -> None:
    case.path(MODEL).unlink()
    case.spared.add(MODEL)
    try:
        load_model(MACHINE, case.root)
        raise AssertionError("a missing model file was not noticed")
    except MissingArtifactError as error:
        assert f"synthkit train {MACHINE}" in str(error)
    case.check_nothing_lost()
    case.assert_usable()


@scenario
def seed_truncated(case: Case) -> None:
    with open(case.path(SEED), "r+b") as handle:
        handle.truncate(case.path(SEED).stat().st_size // 2)
    case.spared.add(SEED)
    _refused(case, ("train", MACHINE, *TINY_CLI, "--quiet"), "does not match its manifest", 3)
    case.check_nothing_lost()


@scenario
def seed_with_an_edited_value(case: Case) -> None:
    frame = pd.read_parquet(case.path(SEED))
    frame.iloc[0, 0] = frame.iloc[1, 0]
    frame.to_parquet(case.path(SEED), index=False)  # a valid parquet file, just not the same data
    case.spared.add(SEED)
    _refused(case, ("train", MACHINE, *TINY_CLI, "--quiet"), "does not match its manifest", 3)
    case.check_nothing_lost()


@scenario
def run_file_truncated(case: Case) -> None:
    run = list_runs(MACHINE, case.root)[0]
    relative = f"machines/{MACHINE}/runs/{run['run_id']}/{run['files']['train']}"
    with open(case.path(relative), "r+b") as handle:
        handle.truncate(100)
    case.spared.add(relative)
    _refused(case, ("evaluate", MACHINE, "--run", run["run_id"]), "does not match its manifest", 3)
    case.check_nothing_lost()
    result = generate_synthetic_data(MACHINE, 200, 50, 50, seed=3, report=False, workspace=case.root)
    assert evaluate(MACHINE, result.run_id, case.root).quality > 0  # other runs still score


@scenario
def task_record_garbled(case: Case) -> None:
    result = generate_synthetic_data(MACHINE, 100, 0, 0, seed=3, report=False, workspace=case.root)
    record = case.root / "tasks" / f"{result.task_id}.json"
    record.write_text("{ not json")
    try:
        get_task_status(result.task_id, case.root)
        raise AssertionError("a garbled task record was read")
    except IntegrityError as error:
        assert "unreadable" in str(error)
    refused = case.run("status", result.task_id)
    assert refused.returncode == 3 and "unreadable" in refused.stderr, refused.stderr
    case.check_nothing_lost()


# -- concurrent use ------------------------------------------------------------------------------


@scenario
def two_trainings_of_one_machine(case: Case) -> None:
    # 120 epochs (about 10 s alone) outlast the few seconds between the two processes' starts
    first, second = (
        case.start("train", "pump_001", "--epochs", "120", "--batch-size", "100", "--quiet", "--replace")
        for _ in range(2)
    )
    results = [(p.communicate(timeout=600), p.returncode) for p in (first, second)]
    assert sorted(code for _, code in results) == [0, 3], results  # 3: busy
    refused = next(err for (_, err), code in results if code == 3)
    assert "already has a train task running" in refused
    case.spared.update(p for p in case.protected if p.startswith("machines/pump_001/model"))
    case.check_nothing_lost()
    load_model("pump_001", case.root)


@scenario
def two_trainings_of_two_machines(case: Case) -> None:
    processes = [case.start("train", m, *TINY_CLI, "--quiet", "--json") for m in OTHERS]
    results = [(p.communicate(timeout=600), p.returncode) for p in processes]
    assert [code for _, code in results] == [0, 0], results
    assert [json.loads(out)["machine_id"] for (out, _), _ in results] == list(OTHERS)
    case.check_nothing_lost()
    for machine_id in OTHERS:
        load_model(machine_id, case.root)


@scenario
def training_while_generating(case: Case) -> None:
    old_sha = load_model(MACHINE, case.root).sha256
    before = case.tasks("generate")
    generating = case.start(
        "generate", MACHINE, "--train", "600000", "--val", "0", "--test", "0", "--quiet", "--no-report"
    )
    wait_for(case, "generate", before, generating, any_stage("generating"))
    training = case.run("train", MACHINE, *TINY_CLI, "--seed", "5", "--quiet")
    _, err = generating.communicate(timeout=600)
    assert generating.returncode == 0 and training.returncode == 0, (err, training.stderr)
    newest = list_runs(MACHINE, case.root)[-1]
    assert newest["model_sha256"] == old_sha  # the run was made from one model, the one it names
    case.spared.update(p for p in case.protected if p.startswith(f"machines/{MACHINE}/model"))
    case.check_nothing_lost()
    assert load_model(MACHINE, case.root).sha256 != old_sha


KERNEL_CODE = """
import json, time
from synthkit.widgets import Workbench
bench = Workbench({root!r}, {machine!r})
panel = bench.train
panel.epochs.value, panel.batch_size.value, panel.seed.value = "{epochs}", "100", "1"
panel.compress_dims.value = panel.decompress_dims.value = "32"
panel.embedding_dim.value = "16"
attached = panel.task_id if panel.running else None  # another kernel's training, shown on open
panel.train_button.click()
if panel.confirm.layout.display == "flex":  # a model of that name exists: replace it, as a user would
    panel.confirm.yes.click()
while panel.running:
    time.sleep(0.1)
task_id = panel.job.task_id if panel.job else None
print("RESULT " + json.dumps({{"task_id": task_id, "attached": attached, "status": panel.status.value}}))
"""


def _run_in_kernels(codes: list[str], timeout: float = 600) -> list[dict]:
    """Run one code cell in each of several real Jupyter kernels at once; each prints a RESULT line."""
    from jupyter_client.manager import start_new_kernel

    kernels = [start_new_kernel(kernel_name="python3", cwd=str(ROOT)) for _ in codes]
    try:
        pending = {client.execute(code) for (_, client), code in zip(kernels, codes)}
        results: list[dict | None] = [None] * len(codes)
        deadline = time.monotonic() + timeout
        while pending:
            assert time.monotonic() < deadline, "the kernels did not finish"
            for index, (_, client) in enumerate(kernels):
                try:
                    message = client.get_iopub_msg(timeout=0.1)
                except Exception:  # noqa: BLE001 (queue.Empty: nothing from this kernel yet)
                    continue
                content, kind = message["content"], message["msg_type"]
                if kind == "stream" and content["text"].startswith("RESULT "):
                    results[index] = json.loads(content["text"].split("RESULT ", 1)[1])
                if kind == "error":
                    raise AssertionError("\n".join(content["traceback"])[-2000:])
                if kind == "status" and content["execution_state"] == "idle":
                    pending.discard(message["parent_header"].get("msg_id"))
        return results  # type: ignore[return-value]
    finally:
        for manager, client in kernels:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


@scenario
def two_workbench_kernels_on_one_workspace(case: Case) -> None:
    """Two kernels train at once: one machine each, then both the same machine (one refused)."""
    code = lambda machine, epochs: KERNEL_CODE.format(root=str(case.root), machine=machine, epochs=epochs)  # noqa: E731
    first, second = _run_in_kernels([code("pump_001", 30), code("motor_001", 30)])
    for result, machine_id in ((first, "pump_001"), (second, "motor_001")):
        status = get_task_status(result["task_id"], case.root)
        assert status["status"] == "SUCCESS" and status["machine_id"] == machine_id, status
        assert status["result"]["machine_id"] == machine_id
        log = read_jsonl(case.root / "tasks" / f"{result['task_id']}.jsonl")
        assert {e.task_id for e in log} == {result["task_id"]} and log[-1].status == "SUCCESS"
    same = _run_in_kernels([code("pump_001", 150), code("pump_001", 150)])
    started = [r for r in same if r["task_id"] is not None]
    assert len(started) == 1, same  # one training; the other kernel started no job
    trained, other = started[0], next(r for r in same if r is not started[0])
    assert get_task_status(trained["task_id"], case.root)["status"] == "SUCCESS"
    # The other kernel either opened while the training ran (its panel showed that task, its
    # Train button did nothing) or clicked first and was refused at the click, with a reason.
    assert other["attached"] == trained["task_id"] or (
        other["attached"] is None and "already has a train task running" in other["status"]
    ), same
    case.spared.update(p for p in case.protected if p.startswith("machines/pump_001/model"))
    case.check_nothing_lost()


# -- Dask ----------------------------------------------------------------------------------------


@scenario
def dask_worker_killed_mid_batch(case: Case) -> None:
    """kill -9 of a worker running a job: the job is retried or reported, the batch completes."""
    import psutil

    from synthkit.batch import run_batch

    killed: list[int] = []
    with dask_processes(case.root.parent) as (address, worker_pids):

        def kill_a_worker(job: str, event) -> None:
            """At the first epoch event, kill -9 one worker process (not its nanny): it runs a job."""
            if not killed and event.epoch and event.epoch >= 2:
                killed.append(worker_pids[0])
                psutil.Process(worker_pids[0]).kill()

        result = run_batch(
            ROOT / "notebooks" / "pipeline.ipynb",
            list(OTHERS),
            parameters={"seed_samples": 300, "epochs": 40, "train": 200, "val": 50, "test": 50},
            out_dir=case.root.parent / "out",
            scheduler=address,
            workspace=case.root,
            on_event=kill_a_worker,
        )
    assert killed, "no worker was killed"
    summary = json.loads((case.root.parent / "out" / "summary.json").read_text())
    assert sorted(row["machine_id"] for row in summary["jobs"]) == sorted(OTHERS)
    assert all(row["status"] in ("SUCCESS", "FAILURE") for row in summary["jobs"]), summary
    assert len(result.rows) == 2
    case.note = ", ".join(f"{row['machine_id']} {row['status']}" for row in summary["jobs"])
    # the batch's own machines get new seeds and models: that is its job, not a loss
    case.spared.update(p for p in case.protected if p.split("/")[1] in OTHERS)
    case.check_nothing_lost()


# -- bad input -----------------------------------------------------------------------------------


def _register_refused(case: Case, content: bytes, message: str) -> None:
    csv = case.root.parent / "input.csv"
    csv.write_bytes(content)
    result = case.run("register", "my_machine", str(csv))
    assert result.returncode == 2 and message in result.stderr, result.stderr[-1000:]
    assert not (case.root / "machines" / "my_machine").exists()
    case.check_nothing_lost()


@scenario
def register_binary_garbage(case: Case) -> None:
    _register_refused(case, bytes(range(256)) * 40, "CSV")


@scenario
def register_duplicate_headers(case: Case) -> None:
    rows = "\n".join(f"{i},{i * 2},{i % 3}" for i in range(100))
    _register_refused(case, ("a,b,a\n" + rows).encode(), "duplicate")


@scenario
def register_a_single_row(case: Case) -> None:
    _register_refused(case, b"temperature,failure\n21.5,0\n", "at least 50 are needed")


@scenario
def generate_too_many_rows(case: Case) -> None:
    _refused(case, ("generate", MACHINE, "--train", str(10**9), "--val", "0", "--test", "0"), "100,000,000")
    case.check_nothing_lost()


@scenario
def machine_id_escaping_the_workspace(case: Case) -> None:
    result = case.run("train", "../../etc", "--epochs", "1")
    assert result.returncode == 2 and "machine_id" in result.stderr, result.stderr
    case.check_nothing_lost()


@scenario
def generate_hits_the_file_size_limit(case: Case) -> None:
    """The disk (here: RLIMIT_FSIZE) refuses more bytes mid-write: the process dies, nothing is lost."""
    before = case.tasks("generate")
    process = case.start(
        "generate",
        MACHINE,
        "--train",
        "2000000",
        "--val",
        "0",
        "--test",
        "0",
        "--quiet",
        limit_bytes=2_000_000,
    )
    _, err = process.communicate(timeout=600)
    assert process.returncode != 0, "the write limit was never hit"
    case.check_nothing_lost()
    task_id = max(case.tasks("generate") - before, key=lambda p: p.stat().st_mtime).stem
    assert get_task_status(task_id, case.root)["status"] == "FAILURE"
    assert len(list_runs(MACHINE, case.root)) == 1
    case.assert_usable()
