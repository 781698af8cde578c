"""Progress on Redis pub/sub, in the earlier system's channel and message format.

Dashboards built for the earlier system listen on ``gan:training:{task_id}`` (Redis DB 2) for
its JSON progress messages; ``RedisSink`` publishes every ``ProgressEvent`` there unchanged.
Publishing happens on a background thread, so training never waits for Redis. When Redis is
unreachable or goes away, the sink warns once, keeps the newest events and retries with
back-off; the task goes on either way.
"""

from __future__ import annotations

import collections
import json
import threading
import time
import warnings
from typing import Any

from synthkit.errors import MissingDependencyError
from synthkit.events import ProgressEvent

DEFAULT_URL = "redis://localhost:6379/2"
DEFAULT_CHANNEL = "gan:training:{task_id}"
MAX_PENDING = 10_000
FLUSH_TIMEOUT_S = 3.0


def _redis_module() -> Any:
    try:
        import redis
    except ImportError:
        raise MissingDependencyError(
            "Publishing progress to Redis needs the redis client: pip install 'synthkit[redis]'"
        ) from None
    return redis


class RedisSink:
    """Publishes each event as the earlier system's JSON message on ``channel`` (formatted with
    the event's task_id)."""

    def __init__(self, url: str = DEFAULT_URL, channel: str = DEFAULT_CHANNEL, max_backoff_s: float = 10.0):
        redis = _redis_module()
        self.url, self.channel, self.max_backoff_s = url, channel, max_backoff_s
        self._client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self._errors = (redis.RedisError, OSError)
        self._pending: collections.deque = collections.deque(maxlen=MAX_PENDING)
        self._wake = threading.Condition()
        self._warned = False
        self._failure: Exception | None = None  # the first publish that failed, to warn about
        self.published = 0
        self._thread = threading.Thread(target=self._run, daemon=True, name="synthkit-redis-sink")
        self._thread.start()

    def __repr__(self) -> str:
        return f"RedisSink({self.url!r}, {self.channel!r})"

    def __call__(self, event: ProgressEvent) -> None:
        with self._wake:
            self._pending.append(event)
            self._wake.notify()
        if event.is_final:
            self.flush(FLUSH_TIMEOUT_S)
        self._warn_once()

    def _warn_once(self) -> None:
        """Say that Redis is unreachable, from the task's thread: a warning raised on the
        publishing thread could fall inside another thread's ``catch_warnings`` that ignores
        everything (the process's filters are shared) and be lost."""
        if self._failure is not None and not self._warned:
            self._warned = True
            warnings.warn(
                f"Redis at {self.url} is unreachable ({self._failure}); progress is kept and "
                "retried, the task goes on",
                RuntimeWarning,
                stacklevel=3,
            )

    def flush(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for queued events to go out; True when none are left."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending and time.monotonic() < deadline:
                self._wake.wait(0.05)
            return not self._pending

    def _run(self) -> None:
        backoff = 0.25
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                event = self._pending[0]
            try:
                channel = self.channel.format(task_id=event.task_id)
                self._client.publish(channel, json.dumps(event.to_dict()))
            except self._errors as error:
                if self._failure is None:
                    self._failure = error
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            backoff = 0.25
            with self._wake:
                if self._pending and self._pending[0] is event:
                    self._pending.popleft()
                self.published += 1
                self._wake.notify_all()
