"""Tasks and jobs: what every long step shares, whether it runs in the foreground or a thread.

``run_task`` wraps one task body with the parts no task should write twice: a task id, the JSONL
event log and the task record in ``workspace/tasks/``, a per-machine lock (so two trainings of
one machine cannot run at once, across processes), the failure and cancel events, and the
mapping of unexpected exceptions to ``TaskFailedError``.

``submit`` runs any task in a background thread and returns a ``Job``, an explicit state machine
(PENDING -> RUNNING -> SUCCESS | FAILURE | CANCELLED) that widgets and the CLI observe.

Any process can find a machine's tasks (``list_tasks``, ``find_task``), read a task's events
(``task_events``) and ask it to stop (``request_cancel``: ``tasks/<task_id>.cancel``, which the
task's stop check polls through ``cancel_signal``), so a panel rebuilt after a page refresh, another
kernel or ``synthkit cancel`` can stop a task they did not start.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from synthkit.errors import BusyError, SynthkitError, TaskCancelledError, TaskFailedError
from synthkit.events import (
    CANCELLED,
    FAILURE,
    FINAL_STATUSES,
    PENDING,
    RUNNING,
    SUCCESS,
    Emitter,
    ProgressEvent,
    Sink,
)
from synthkit.sinks import JsonlSink, environment_sinks
from synthkit.workspace import Workspace, pid_alive, read_json, validate_id, write_json

RECORD_INTERVAL_S = 1.0


def new_task_id(kind: str) -> str:
    return f"{kind}-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


def check_task_id(task_id: str | None, kind: str) -> str:
    return new_task_id(kind) if task_id is None else validate_id(task_id, "task_id")


class TaskRecord:
    """Sink that keeps ``tasks/<task_id>.json`` current: at every state change, and at most once a
    second for progress, so ``get_task_status`` in another process sees where the task is."""

    def __init__(self, workspace: Workspace, task_id: str, machine_id: str, kind: str, params: dict):
        self.path = workspace.task_record(task_id)
        self.data: dict[str, Any] = {
            "task_id": task_id,
            "machine_id": machine_id,
            "kind": kind,
            "params": params,
            "status": PENDING,
            "result": None,
            "error": None,
            "progress": None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "finished_at": None,
        }
        self._written = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        changed = event.status != self.data["status"]
        self.data["status"] = event.status
        self.data["progress"] = event.to_dict()
        if event.status == FAILURE:
            self.data["error"] = event.message
        if event.is_final:
            self.data["finished_at"] = event.timestamp
        if changed or event.is_final or time.monotonic() - self._written >= RECORD_INTERVAL_S:
            self.write()

    def write(self) -> None:
        write_json(self.path, self.data)
        self._written = time.monotonic()


@contextlib.contextmanager
def machine_lock(workspace: Workspace, machine_id: str, kind: str) -> Iterator[None]:
    """Hold ``machines/<id>/.<kind>.lock`` or raise BusyError; the OS frees it if the process dies."""
    path = workspace.lock_path(machine_id, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                task, _, name = kind.partition("-")
                of_model = f" for model {name!r}" if name else ""
                raise BusyError(
                    f"Machine {machine_id!r} already has a {task} task running{of_model}; wait for it "
                    "to finish or cancel it, then try again."
                ) from None
            raise
        yield
    finally:
        handle.close()


def run_task(
    kind: str,
    machine_id: str,
    task_id: str,
    params: dict[str, Any],
    body: Callable[[Emitter], Any],
    sinks: tuple[Sink, ...] = (),
    workspace: Workspace | None = None,
    lock: bool | str = True,
) -> Any:
    """Run ``body(emitter)`` as one recorded task; returns its result or raises a SynthkitError.

    ``lock`` holds the machine's lock of this kind of task (True), a named one (a string: the
    lock of one model name, so two names of a machine train side by side), or none (False)."""
    workspace = workspace or Workspace()
    lock_name = lock if isinstance(lock, str) else kind
    with machine_lock(workspace, machine_id, lock_name) if lock else contextlib.nullcontext():
        record = TaskRecord(workspace, task_id, machine_id, kind, params)
        cancel_path(workspace, task_id).unlink(missing_ok=True)  # left by an earlier task of this id
        record.write()
        emitter = Emitter(
            task_id,
            machine_id,
            [JsonlSink(workspace.task_log(task_id)), record, *sinks, *environment_sinks()],
        )
        emitter.emit("queued", f"{kind} task created", status=PENDING)
        try:
            result = body(emitter)
        except TaskCancelledError as error:
            emitter.emit("cancelled", str(error), status=CANCELLED)
            raise
        except KeyboardInterrupt:
            emitter.emit("cancelled", "interrupted by the user", status=CANCELLED)
            raise
        except SynthkitError as error:
            emitter.fail(error)
            raise
        except Exception as error:
            emitter.fail(error)
            raise TaskFailedError(
                f"{kind} of {machine_id!r} failed: {type(error).__name__}: {error}"
            ) from error
        record.data["result"] = result.to_dict() if hasattr(result, "to_dict") else result
        emitter.emit("completed", f"{kind} finished", 1, 1, status=SUCCESS)
        return result


def get_task_status(task_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{task_id, status, result, error, progress}`` of any task, from any process.

    A task whose process died without finishing (a kill, a crash) reads as FAILURE (interrupted)
    instead of RUNNING forever.
    """
    from synthkit.errors import IntegrityError, MissingArtifactError

    path = Workspace(workspace).task_record(task_id)
    if not path.is_file():
        raise MissingArtifactError(f"No task {task_id!r} in this workspace.")
    try:
        data = read_json(path)
        data["status"]
    except (ValueError, TypeError, KeyError) as error:
        raise IntegrityError(
            f"Task record {task_id!r} is unreadable ({type(error).__name__}); it was edited by hand "
            f"or by another program. Its events are still in {path.with_suffix('.jsonl').name}."
        ) from None
    if (
        data["status"] not in FINAL_STATUSES
        and data.get("host") == socket.gethostname()
        and not pid_alive(int(data.get("pid", 0)))
    ):
        data["status"] = FAILURE
        data["error"] = f"interrupted: process {data['pid']} ended before the task finished"
    return {k: data.get(k) for k in ("task_id", "status", "result", "error", "progress")} | {
        "kind": data.get("kind"),
        "machine_id": data.get("machine_id"),
    }


class Job:
    """A task running in a background thread; observe it, wait for it, or cancel it."""

    def __init__(self, target: Callable[..., Any], kwargs: dict[str, Any], task_id: str, args=()):
        self.task_id = task_id
        self.status = PENDING
        self.progress: ProgressEvent | None = None
        self.error: BaseException | None = None
        self.start_error: BaseException | None = None
        self._result: Any = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._started = threading.Event()
        kwargs = dict(kwargs, task_id=task_id, stop_event=self._stop)
        kwargs["sinks"] = (*kwargs.get("sinks", ()), self._observe)
        self._thread = threading.Thread(
            target=self._run, args=(target, args, kwargs), daemon=True, name=task_id
        )
        self._thread.start()

    def _observe(self, event: ProgressEvent) -> None:
        self.progress = event
        self._started.set()
        if event.status != PENDING:
            self.status = RUNNING if not event.is_final else event.status

    def _run(self, target: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> None:
        try:
            self._result = target(*args, **kwargs)
            self.status = SUCCESS
        except TaskCancelledError as error:
            self.error, self.status = error, CANCELLED
        except BaseException as error:
            self.error, self.status = error, FAILURE
            if not self._started.is_set():  # refused before it began: bad input, busy machine
                self.start_error = error
        finally:
            self._done.set()
            self._started.set()

    def wait_started(self) -> None:
        self._started.wait()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next safe point (an epoch or chunk boundary)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> Any:
        """The task's result; re-raises its error; TimeoutError if it is still running."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"task {self.task_id} still running after {timeout} s")
        if self.error is not None:
            raise self.error
        return self._result

    def __repr__(self) -> str:
        return f"Job({self.task_id!r}, status={self.status})"


def submit(task: Callable[..., Any], /, *args: Any, task_id: str | None = None, **kwargs: Any) -> Job:
    """Run ``task`` (``train_tvae``, ``generate_synthetic_data``, ...) in a background thread.

    Returns once the task has started. What stops it from starting (bad input, a machine that is
    busy, missing seed data) is raised here, in the caller's thread, and no job runs. The task
    must accept ``task_id``, ``stop_event`` and ``sinks``.
    """
    kind = getattr(task, "task_kind", task.__name__)
    job = Job(task, kwargs, check_task_id(task_id, kind), args)
    job.wait_started()
    if job.start_error is not None:
        raise job.start_error
    return job


# Tasks seen from any process: find a machine's task, read its events, ask it to stop. A panel
# rebuilt at any moment (a page refresh, a new kernel) reattaches from these, never from memory.


def cancel_path(workspace: Workspace, task_id: str) -> Path:
    """``tasks/<task_id>.cancel``: present once someone asked the task to stop."""
    return workspace.task_record(task_id).with_suffix(".cancel")


class CancelSignal:
    """The stop request a task polls: its caller's ``stop_event`` or a cancel request written to
    the workspace by any process (``request_cancel``, ``synthkit cancel``)."""

    def __init__(self, path: Path, stop_event: threading.Event | None = None):
        self.path = path
        self.stop_event = stop_event

    def is_set(self) -> bool:
        return (self.stop_event is not None and self.stop_event.is_set()) or self.path.exists()


def cancel_signal(workspace: Workspace, task_id: str, stop_event: threading.Event | None) -> CancelSignal:
    """Wrap a task's ``stop_event`` so a cancel request from another process stops it too."""
    return CancelSignal(cancel_path(workspace, task_id), stop_event)


def request_cancel(task_id: str, workspace: str | os.PathLike | None = None) -> dict[str, Any]:
    """Ask a task to stop at its next safe point (an epoch or chunk boundary), from any process.

    Returns the task's status as ``get_task_status`` reads it; a task that already ended is left
    as it is. The task ends CANCELLED, keeping the previous model or run, as a Stop in its own
    process would.
    """
    status = get_task_status(task_id, workspace)
    if status["status"] not in FINAL_STATUSES:
        ws = Workspace(workspace)
        write_json(
            cancel_path(ws, task_id),
            {
                "task_id": task_id,
                "requested_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "pid": os.getpid(),
                "host": socket.gethostname(),
            },
        )
    return status


def list_tasks(
    machine_id: str | None = None, kind: str | None = None, workspace: str | os.PathLike | None = None
) -> list[dict[str, Any]]:
    """Status of the workspace's tasks (``get_task_status``), oldest first, optionally only those
    of one machine and one kind (train, generate, seed); unreadable records are left out."""
    folder = Workspace(workspace).tasks_dir
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        try:
            data = read_json(path)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "task_id" not in data:
            continue
        if (machine_id is not None and data.get("machine_id") != machine_id) or (
            kind is not None and data.get("kind") != kind
        ):
            continue
        try:
            status = get_task_status(data["task_id"], workspace)
        except SynthkitError:
            continue
        found.append((data.get("started_at") or "", path.stat().st_mtime, status))
    return [status for *_, status in sorted(found, key=lambda item: item[:2])]


def find_task(
    machine_id: str, kind: str, workspace: str | os.PathLike | None = None
) -> dict[str, Any] | None:
    """The machine's running task of ``kind``, else its latest one, else None."""
    tasks = list_tasks(machine_id, kind, workspace)
    running = [t for t in tasks if t["status"] not in FINAL_STATUSES]
    return (running or tasks or [None])[-1]


def task_events(
    task_id: str, workspace: str | os.PathLike | None = None, offset: int = 0
) -> tuple[list[ProgressEvent], int]:
    """The events of a task's log from byte ``offset`` on, and the offset to read from next time.

    Only whole lines are read, so a line being written is picked up on the next call.
    """
    path = Workspace(workspace).task_log(task_id)
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    events = []
    for line in chunk[:end].decode("utf-8", errors="replace").splitlines():
        try:
            events.append(ProgressEvent.from_dict(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return events, offset + end
