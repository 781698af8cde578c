"""Progress events: the message every task sends, and the emitter that sends it.

Every task (seed, train, generate) reports through one ``Emitter``: it stamps a
``ProgressEvent`` in the earlier system's message format and hands it to each sink. The task
knows nothing about displays; a chart, a terminal bar, a log file or a Redis channel is one more
subscriber (``synthkit.sinks``). A ``History`` is always attached, so a task's story can be read
afterwards. A sink that raises is reported once as a warning and never stops the task.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

PENDING, RUNNING, SUCCESS, FAILURE, CANCELLED = "PENDING", "RUNNING", "SUCCESS", "FAILURE", "CANCELLED"
STATUSES = (PENDING, RUNNING, SUCCESS, FAILURE, CANCELLED)
FINAL_STATUSES = (SUCCESS, FAILURE, CANCELLED)


@dataclass(frozen=True)
class ProgressEvent:
    """One progress message; ``to_dict()`` is the earlier system's JSON message, field for field."""

    task_id: str
    machine_id: str
    timestamp: str
    current: int
    total: int
    progress: float
    status: str
    message: str
    stage: str
    epoch: int | None = None
    loss: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "machine_id": self.machine_id,
            "timestamp": self.timestamp,
            "current": self.current,
            "total": self.total,
            "progress": self.progress,
            "status": self.status,
            "message": self.message,
            "epoch": self.epoch,
            "loss": self.loss,
            "stage": self.stage,
            **self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProgressEvent:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "metadata"}
        extra = {k: v for k, v in data.items() if k not in cls.__dataclass_fields__}
        return cls(**known, metadata=extra)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


Sink = Callable[[ProgressEvent], None]


class History:
    """Keeps every event in memory; always attached, so a task's story can be read afterwards."""

    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append(event)

    @property
    def epochs(self) -> list[ProgressEvent]:
        return [e for e in self.events if e.epoch is not None and e.stage == "training"]


class Emitter:
    """Stamps events for one task and fans them out to its sinks."""

    def __init__(self, task_id: str, machine_id: str, sinks: Iterable[Sink] = ()):
        self.task_id = task_id
        self.machine_id = machine_id
        self.history = History()
        self.sinks: list[Sink] = [self.history, *sinks]
        self._failed_sinks: set[int] = set()
        self._lock = threading.Lock()

    def emit(
        self,
        stage: str,
        message: str,
        current: int = 0,
        total: int = 0,
        status: str = RUNNING,
        epoch: int | None = None,
        loss: float | None = None,
        **metadata: Any,
    ) -> ProgressEvent:
        progress = round(100.0 * current / total, 2) if total else (100.0 if status == SUCCESS else 0.0)
        event = ProgressEvent(
            task_id=self.task_id,
            machine_id=self.machine_id,
            timestamp=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            current=int(current),
            total=int(total),
            progress=progress,
            status=status,
            message=message,
            stage=stage,
            epoch=epoch,
            loss=None if loss is None else float(loss),
            metadata=metadata,
        )
        with self._lock:
            for sink in self.sinks:
                self._deliver(sink, event)
        return event

    def fail(self, error: BaseException, current: int = 0, total: int = 0) -> ProgressEvent:
        """The one failure event: status FAILURE, stage 'failed', message 'ErrorType: message'."""
        return self.emit("failed", f"{type(error).__name__}: {error}", current, total, status=FAILURE)

    def _deliver(self, sink: Sink, event: ProgressEvent) -> None:
        try:
            sink(event)
        except Exception as error:  # a display must never stop the work
            if id(sink) not in self._failed_sinks:
                self._failed_sinks.add(id(sink))
                warnings.warn(
                    f"progress sink {sink!r} raised {type(error).__name__}: {error}; "
                    "it keeps receiving events, further errors are not reported",
                    RuntimeWarning,
                    stacklevel=2,
                )
