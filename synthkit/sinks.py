"""Sinks: where progress events go besides the emitter's own ``History``.

A JSONL log per task (and its reader), a terminal bar, marked JSON lines on stdout for a runner
reading a notebook's output (and their parser), and the sinks a runner asks for through the
environment, among them the Redis publisher of ``synthkit.redis_sink``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from synthkit.events import SUCCESS, ProgressEvent, Sink

EVENTS_ENV = "SYNTHKIT_EVENTS"
REDIS_ENV = "SYNTHKIT_PROGRESS_REDIS"
EVENT_MARKER = "synthkit-event "


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
