"""Follow a task from anywhere: its JSONL log in the workspace, or its Redis channel.

Works on a running task and on one that already finished; a task whose process died reads as
FAILURE (interrupted), so a watcher never waits forever for a task that cannot end.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from synthkit.errors import MissingArtifactError
from synthkit.events import FAILURE, ProgressEvent
from synthkit.jobs import get_task_status
from synthkit.redis_sink import DEFAULT_CHANNEL, _redis_module
from synthkit.sinks import read_jsonl
from synthkit.workspace import Workspace, validate_id

START_WAIT_S = 30.0


def _interrupted(task_id: str, workspace: str | os.PathLike | None) -> ProgressEvent | None:
    """A FAILURE event when the task's record says its process died before finishing."""
    try:
        status = get_task_status(task_id, workspace)
    except MissingArtifactError:
        return None
    if status["status"] == FAILURE and status["error"] and status["error"].startswith("interrupted"):
        last = status["progress"] or {}
        return ProgressEvent(
            task_id,
            status["machine_id"],
            last.get("timestamp", ""),
            last.get("current", 0),
            last.get("total", 0),
            last.get("progress", 0.0),
            FAILURE,
            status["error"],
            "failed",
        )
    return None


def follow_log(
    task_id: str,
    on_event: Callable[[ProgressEvent], None],
    workspace: str | os.PathLike | None = None,
    poll_s: float = 0.2,
) -> ProgressEvent:
    """Replay and then tail ``tasks/<task_id>.jsonl`` until its final event; returns that event."""
    path = Workspace(workspace).task_log(validate_id(task_id, "task_id"))
    waited = time.monotonic()
    while not path.exists():
        if time.monotonic() - waited > START_WAIT_S:
            raise MissingArtifactError(f"No task {task_id!r} in this workspace (no log at {path}).")
        time.sleep(poll_s)
    seen = 0
    while True:
        events = read_jsonl(path)
        for event in events[seen:]:
            on_event(event)
            if event.is_final:
                return event
        seen = len(events)
        died = _interrupted(task_id, workspace)
        if died is not None:
            on_event(died)
            return died
        time.sleep(poll_s)


def follow_redis(
    task_id: str,
    url: str,
    on_event: Callable[[ProgressEvent], None],
    workspace: str | os.PathLike | None = None,
    channel: str = DEFAULT_CHANNEL,
) -> ProgressEvent:
    """Listen on the task's Redis channel until its final event (a finished task is read from its
    record first, since pub/sub keeps no history)."""
    redis = _redis_module()
    pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel.format(task_id=validate_id(task_id, "task_id")))
    try:
        try:
            final = get_task_status(task_id, workspace)
        except MissingArtifactError:
            final = None
        if final is not None and final["status"] in ("SUCCESS", "FAILURE", "CANCELLED") and final["progress"]:
            event = ProgressEvent.from_dict({**final["progress"], "status": final["status"]})
            on_event(event)
            return event
        while True:
            message = pubsub.get_message(timeout=1.0)
            if message is None:
                died = _interrupted(task_id, workspace)
                if died is not None:
                    on_event(died)
                    return died
                continue
            event = ProgressEvent.from_dict(json.loads(message["data"]))
            on_event(event)
            if event.is_final:
                return event
    finally:
        pubsub.close()
