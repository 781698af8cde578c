"""Progress on a real redis-server started here on 127.0.0.1, and `synthkit watch`."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from synthkit import generate_seed_data, submit, train_tvae
from synthkit.errors import TaskCancelledError
from synthkit.redis_sink import RedisSink
from synthkit.sinks import read_jsonl
from tests.conftest import ROOT, TINY_TVAE, cli, free_port
from tests.test_events import EARLIER_MESSAGE


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server on a free port; the test fails (not skips) when it cannot start, unless
    SYNTHKIT_SKIP_REDIS_TESTS=1 opts out explicitly."""
    if os.environ.get("SYNTHKIT_SKIP_REDIS_TESTS") == "1":
        pytest.skip("SYNTHKIT_SKIP_REDIS_TESTS=1")
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (make test installs it with tools/system-deps.sh)"
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and process.poll() is None, "redis-server did not start"
            time.sleep(0.1)
    process.url = f"redis://127.0.0.1:{port}/2"
    yield process
    process.kill()
    process.wait()


class Listener:
    """Collects every message published on gan:training:* while it runs."""

    def __init__(self, url: str):
        import redis

        self.pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe("gan:training:*")
        self.messages: list[tuple[str, dict]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            message = self.pubsub.get_message(timeout=0.1)
            if message:
                self.messages.append((message["channel"].decode(), json.loads(message["data"])))

    def wait_for(self, status: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(m["status"] == status for _, m in self.messages):
            assert time.monotonic() < deadline, f"no {status} message"
            time.sleep(0.05)

    def close(self):
        self._stop.set()
        self._thread.join()
        self.pubsub.close()


@pytest.fixture
def seeded(workspace):
    generate_seed_data("pump_001", 300, seed=1)
    return workspace


@pytest.mark.services
def test_one_message_per_event_in_the_earlier_format(seeded, redis_server):
    listener = Listener(redis_server.url)
    time.sleep(0.2)
    result = train_tvae(
        "pump_001", seed=1, task_id="train-redis-1", sinks=[RedisSink(redis_server.url)], **TINY_TVAE
    )
    listener.wait_for("SUCCESS")
    listener.close()
    logged = [e.to_dict() for e in read_jsonl(seeded / "tasks" / f"{result.task_id}.jsonl")]
    assert [m for _, m in listener.messages] == logged
    assert {channel for channel, _ in listener.messages} == {"gan:training:train-redis-1"}
    assert len([m for _, m in listener.messages if m["epoch"] is not None]) == 3
    for _, message in listener.messages:
        assert list(message) == list(EARLIER_MESSAGE)
        for key in ("task_id", "machine_id", "timestamp", "status", "message", "stage"):
            assert isinstance(message[key], str)
        assert isinstance(message["current"], int) and isinstance(message["progress"], float)
    assert listener.messages[-1][1]["status"] == "SUCCESS"


@pytest.mark.services
def test_training_goes_on_when_redis_goes_away(seeded, redis_server):
    sink = RedisSink(redis_server.url)
    stopped = threading.Event()

    def stop_redis_after_first_epoch(event):
        if event.epoch == 1 and not stopped.is_set():
            redis_server.kill()
            redis_server.wait()
            stopped.set()

    with pytest.warns(RuntimeWarning, match="unreachable"):
        result = train_tvae(
            "pump_001", seed=1, sinks=[stop_redis_after_first_epoch, sink], **{**TINY_TVAE, "epochs": 6}
        )
    assert stopped.is_set() and result.epochs_run == 6
    assert (seeded / "machines/pump_001/models/tvae/model.pkl").is_file()


def test_a_sink_pointing_nowhere_never_stops_training(seeded):
    sink = RedisSink(f"redis://127.0.0.1:{free_port()}/2")
    with pytest.warns(RuntimeWarning, match="unreachable"):
        result = train_tvae("pump_001", seed=1, sinks=[sink], **TINY_TVAE)
    assert result.epochs_run == 3


def _watch(*args, workspace):
    return subprocess.Popen(
        [sys.executable, "-m", "synthkit", "--workspace", str(workspace), "watch", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.services
@pytest.mark.parametrize("mode", ["log", "redis"])
def test_watch_in_a_second_process_follows_training_to_the_end(seeded, redis_server, mode):
    sinks = [RedisSink(redis_server.url)] if mode == "redis" else []
    task_id = f"train-watch-{mode}"
    extra = ["--redis", redis_server.url] if mode == "redis" else []
    watcher = _watch(task_id, "--json", *extra, workspace=seeded)
    time.sleep(1.5)  # the watcher is listening before the task starts
    job = submit(train_tvae, "pump_001", seed=1, task_id=task_id, sinks=sinks, **{**TINY_TVAE, "epochs": 30})
    job.result(timeout=300)
    out, err = watcher.communicate(timeout=120)
    assert watcher.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["status"] == "SUCCESS"
    assert len([m for m in lines if m["epoch"] is not None]) == 30


def test_watch_a_finished_or_cancelled_task(seeded):
    done = train_tvae("pump_001", seed=1, **TINY_TVAE)
    finished = cli("watch", done.task_id, workspace=seeded)
    assert finished.returncode == 0 and "SUCCESS" in finished.stderr
    stop = threading.Event()
    stop.set()
    with pytest.raises(TaskCancelledError):
        train_tvae("pump_001", stop_event=stop, task_id="train-cancelled", **TINY_TVAE)
    assert cli("watch", "train-cancelled", workspace=seeded).returncode == 130


@pytest.mark.services
def test_cli_train_publishes_with_progress_redis(seeded, redis_server):
    listener = Listener(redis_server.url)
    time.sleep(0.2)
    result = cli(
        "train",
        "pump_001",
        "--epochs",
        "2",
        "--batch-size",
        "100",
        "--progress-redis",
        redis_server.url,
        "--quiet",
        workspace=seeded,
    )
    assert result.returncode == 0, result.stderr
    listener.wait_for("SUCCESS")
    listener.close()
    assert len([m for _, m in listener.messages if m["epoch"] is not None]) == 2
