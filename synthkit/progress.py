"""Progress events and the sinks that consume them.

Every task (seed, train, generate) reports through one ``Emitter``: it stamps a
``ProgressEvent`` in the earlier system's message format and hands it to each sink. The task
knows nothing about displays; a chart, a terminal bar, a log file or a Redis channel is one more
subscriber. A sink that raises is reported once as a warning and never stops the task.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

EVENTS_ENV = "SYNTHKIT_EVENTS"
REDIS_ENV = "SYNTHKIT_PROGRESS_REDIS"
EVENT_MARKER = "synthkit-event "
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


class JsonlSink:
    """Appends every event as one JSON line (``workspace/tasks/<task_id>.jsonl``)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __call__(self, event: ProgressEvent) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event.to_dict()) + "\n")


def read_jsonl(path: str | os.PathLike) -> list[ProgressEvent]:
    """Events from a JSONL log; a half-written last line (a crash mid-write) is skipped."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(ProgressEvent.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return events


class TqdmSink:
    """A terminal progress bar showing stage, step and loss; redraws at most every ``mininterval`` s."""

    def __init__(self, file=None, unit: str = "step", mininterval: float = 0.2, leave: bool = True):
        self.file = file or sys.stderr
        self.unit = unit
        self.mininterval = mininterval
        self.leave = leave
        self._bar = None

    def __call__(self, event: ProgressEvent) -> None:
        from tqdm import tqdm

        if event.total and self._bar is None and not event.is_final:
            self._bar = tqdm(
                total=event.total,
                file=self.file,
                mininterval=self.mininterval,
                leave=self.leave,
                unit=self.unit,
            )
        bar = self._bar
        if bar is not None:
            bar.set_description(event.stage, refresh=False)
            if event.status == SUCCESS:
                bar.n = bar.total
            elif event.total == bar.total:
                bar.n = min(event.current, bar.total)
            if event.loss is not None:
                postfix = {"loss": f"{event.loss:.4f}"}
                if event.metadata.get("quality") is not None:
                    postfix["quality"] = f"{event.metadata['quality']:.3f}"
                bar.set_postfix(postfix, refresh=False)
            bar.update(0)
        if event.is_final:
            if bar is not None:
                bar.refresh()
                bar.close()
                self._bar = None
            print(f"{event.status}: {event.message}", file=self.file, flush=True)


class StdoutEventSink:
    """Prints every event as one marked JSON line, for a runner reading a notebook's output."""

    def __call__(self, event: ProgressEvent) -> None:
        print(EVENT_MARKER + json.dumps(event.to_dict()), flush=True)


_redis_sinks: dict[str, Sink] = {}


def environment_sinks() -> list[Sink]:
    """Sinks a runner asks for through the environment (a notebook run by ``synthkit run`` or a
    batch inherits them): ``SYNTHKIT_EVENTS=stdout`` streams events back to the runner, and
    ``SYNTHKIT_PROGRESS_REDIS=URL`` publishes them on Redis (one sink per URL and process)."""
    sinks: list[Sink] = []
    if os.environ.get(EVENTS_ENV) == "stdout":
        sinks.append(StdoutEventSink())
    url = os.environ.get(REDIS_ENV)
    if url:
        if url not in _redis_sinks:
            from synthkit.redis_sink import RedisSink

            _redis_sinks[url] = RedisSink(url)
        sinks.append(_redis_sinks[url])
    return sinks


def parse_event_line(line: str) -> ProgressEvent | None:
    """The event in a line printed by ``StdoutEventSink``, or None for any other line."""
    if not line.startswith(EVENT_MARKER):
        return None
    try:
        return ProgressEvent.from_dict(json.loads(line[len(EVENT_MARKER) :]))
    except (json.JSONDecodeError, TypeError):
        return None
