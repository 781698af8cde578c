"""What the panels share, and how they follow a task whether or not they started it.

``WorkbenchState`` is the small state object every panel observes (solara-style): the machine
selected, and the status of the last task that ended. A panel never keeps another machine's or
an older run's results: it redraws itself when either changes.

``TaskWatch`` follows one task for a panel. For a task the panel started, the events come from a
sink in the task's thread; for any other (started by an earlier panel, another kernel or the
CLI), from the task's event log in the workspace. Either way the panel gets the same events and
one call when the task ends, so a panel rebuilt at any moment reattaches to what is running.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import traitlets

from synthkit import ProgressEvent, get_task_status
from synthkit.jobs import task_events
from synthkit.widgets._common import FINAL, UiLock

POLL_S = 0.25
RECORD_WAIT_S = 5.0


class WorkbenchState(traitlets.HasTraits):
    """The selected machine and the last task that ended (its ``get_task_status``)."""

    machine_id = traitlets.Unicode("")
    ended = traitlets.Dict()

    def __init__(self, workspace: str | os.PathLike | None = None, machine_id: str = ""):
        super().__init__(machine_id=machine_id or "")
        self.workspace = workspace
        self.ui = UiLock()  # one lock for every panel of a workbench

    def task_ended(self, status: dict[str, Any]) -> None:
        """Tell every panel that a task ended (a training, a generation, seed data)."""
        self.ended = dict(status)


def final_status(task_id: str, workspace: str | os.PathLike | None) -> dict[str, Any]:
    """The task's status once its record says it ended (the log's last line comes first)."""
    deadline = time.monotonic() + RECORD_WAIT_S
    while True:
        status = get_task_status(task_id, workspace)
        if status["status"] in FINAL or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


class TaskWatch:
    """Feeds one task's events to ``on_events`` and its final status to ``on_end`` (once)."""

    def __init__(
        self,
        task_id: str,
        workspace: str | os.PathLike | None,
        on_events: Callable[[list[ProgressEvent]], None],
        on_end: Callable[[dict[str, Any]], None],
    ):
        self.task_id = task_id
        self.workspace = workspace
        self._on_events, self._on_end = on_events, on_end
        self._stopped = threading.Event()
        self._ended = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        """Stop feeding the panel (it shows another machine now); the task itself goes on."""
        self._stopped.set()

    # a task this panel started: events from its sink, the end from the job
    def push(self, event: ProgressEvent) -> None:
        if not self.stopped:
            self._on_events([event])

    def follow_job(self, job: Any) -> None:
        def wait() -> None:
            job.wait()
            self._end(final_status(self.task_id, self.workspace))

        threading.Thread(target=wait, daemon=True, name=f"watch-{self.task_id}").start()

    # any other task: its event log, from ``offset`` on, until it ends or its process died
    def follow_log(self, offset: int = 0) -> None:
        threading.Thread(target=self._tail, args=(offset,), daemon=True, name=f"tail-{self.task_id}").start()

    def _tail(self, offset: int) -> None:
        checked = time.monotonic()
        while not self.stopped:
            events, offset = task_events(self.task_id, self.workspace, offset)
            if events and not self.stopped:
                self._on_events(events)
            if any(e.is_final for e in events):
                self._end(final_status(self.task_id, self.workspace))
                return
            if time.monotonic() - checked >= 1.0:  # a process that died writes no final event
                checked = time.monotonic()
                status = get_task_status(self.task_id, self.workspace)
                if status["status"] in FINAL:
                    events, offset = task_events(self.task_id, self.workspace, offset)
                    if events and not self.stopped:
                        self._on_events(events)
                    self._end(status)
                    return
            time.sleep(POLL_S)

    def _end(self, status: dict[str, Any]) -> None:
        if not self.stopped and not self._ended.is_set():
            self._ended.set()
            self._on_end(status)


class FollowsState:
    """Mixin for panels that show one machine of a shared ``WorkbenchState``: the machine they show
    is the state's, and they refresh when it changes or when a task of theirs ends."""

    state: WorkbenchState
    active: bool = False

    def join_state(
        self, state: WorkbenchState | None, workspace: str | os.PathLike | None, machine_id: str | None = None
    ) -> None:
        """Share ``state`` (or a new one of its own): the workspace and the UI thread come with it."""
        self.state = state or WorkbenchState(workspace, machine_id)
        self.workspace = self.state.workspace
        self._ui = self.state.ui

    def models_after_training(self, status: dict[str, Any]) -> list[dict[str, Any]] | None:
        """This machine's models when ``status`` is a training of it that succeeded, else None."""
        if (status.get("machine_id"), status.get("kind"), status.get("status")) != (
            self.machine_id,
            "train",
            "SUCCESS",
        ):
            return None
        from synthkit.store import list_models

        return list_models(self.machine_id, self.workspace)

    def follow_state(self, machine_id: str | None) -> None:
        """Observe the state and show its machine (or ``machine_id`` when it has none yet)."""
        self.state.observe(lambda change: self.show_machine(change["new"]), names="machine_id")
        self.state.observe(lambda change: self._task_ended(change["new"]), names="ended")
        self.show_machine(self.state.machine_id or machine_id)

    @property
    def machine_id(self) -> str:
        return self.state.machine_id

    @machine_id.setter
    def machine_id(self, value: str) -> None:
        self.state.machine_id = value

    @property
    def running(self) -> bool:
        return self.active
