"""Progress events: the earlier system's message shape, the emitter, sinks that raise."""

import json
import re

import pytest

from synthkit.events import FAILURE, Emitter, ProgressEvent

# The earlier system's progress message, field for field (../shared/seed/).
EARLIER_MESSAGE = {
    "task_id": "train-task-123",
    "machine_id": "cnc_machine_001",
    "timestamp": "2024-01-15T10:30:00",
    "current": 50,
    "total": 300,
    "progress": 16.67,
    "status": "RUNNING",
    "message": "Training progress",
    "epoch": 50,
    "loss": 0.045,
    "stage": "training",
}


def test_event_has_exactly_the_earlier_message_shape():
    emitter = Emitter("train-task-123", "cnc_machine_001")
    event = emitter.emit("training", "Training progress", 50, 300, epoch=50, loss=0.045)
    data = event.to_dict()
    assert list(data) == list(EARLIER_MESSAGE)
    for key, value in EARLIER_MESSAGE.items():
        assert type(data[key]) is type(value), key
    assert data["progress"] == 16.67
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", data["timestamp"])
    assert json.loads(json.dumps(data)) == data


def test_extra_metadata_is_flattened_and_round_trips():
    event = Emitter("t", "m").emit("training", "x", 1, 2, epoch=1, loss=1.0, quality=0.9)
    assert event.to_dict()["quality"] == 0.9
    assert ProgressEvent.from_dict(event.to_dict()) == event


def test_failure_event_format():
    event = Emitter("t", "m").fail(FileNotFoundError("no seed"))
    assert (event.status, event.stage, event.message) == (FAILURE, "failed", "FileNotFoundError: no seed")


def test_a_raising_sink_warns_once_and_others_still_receive():
    received = []

    def broken(event):
        raise RuntimeError("display gone")

    emitter = Emitter("t", "m", [broken, received.append])
    with pytest.warns(RuntimeWarning, match="display gone") as caught:
        for i in range(5):
            emitter.emit("training", "x", i, 5)
    assert len(caught) == 1
    assert len(received) == 5
    assert len(emitter.history.events) == 5
