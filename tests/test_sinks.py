"""Sinks: the JSONL log, the terminal bar, marked stdout lines and the environment's sinks."""

import io

from synthkit.events import SUCCESS, Emitter
from synthkit.sinks import (
    EVENTS_ENV,
    REDIS_ENV,
    JsonlSink,
    StdoutEventSink,
    TqdmSink,
    environment_sinks,
    parse_event_line,
    read_jsonl,
)


def test_jsonl_sink_writes_one_line_per_event(tmp_path):
    path = tmp_path / "tasks" / "t.jsonl"
    emitter = Emitter("t", "m", [JsonlSink(path)])
    for i in range(3):
        emitter.emit("training", "x", i, 3, epoch=i, loss=float(i))
    with path.open("a") as handle:
        handle.write('{"half a line')  # a crash mid-write
    events = read_jsonl(path)
    assert [e.epoch for e in events] == [0, 1, 2]


def test_tqdm_sink_shows_epoch_and_loss_and_the_final_status():
    out = io.StringIO()
    emitter = Emitter("t", "m", [TqdmSink(file=out, unit="epoch", mininterval=0)])
    for epoch in (1, 2, 3):
        emitter.emit("training", f"epoch {epoch}/3", epoch, 3, epoch=epoch, loss=1.0 / epoch)
    emitter.emit("completed", "done", 1, 1, status=SUCCESS)
    text = out.getvalue()
    assert "3/3" in text and "loss=0.3333" in text and "SUCCESS: done" in text


def test_stdout_event_lines_parse_back_and_other_lines_do_not(capsys):
    event = Emitter("t", "m", [StdoutEventSink()]).emit("training", "x", 1, 2, epoch=1, loss=0.5, quality=0.8)
    (line,) = capsys.readouterr().out.splitlines()
    assert parse_event_line(line) == event
    assert parse_event_line("epoch 1 done") is None
    assert parse_event_line(line[:-5]) is None  # a line cut short


def test_environment_sinks_follow_the_runners_variables(monkeypatch):
    monkeypatch.delenv(EVENTS_ENV, raising=False)
    monkeypatch.delenv(REDIS_ENV, raising=False)
    assert environment_sinks() == []
    monkeypatch.setenv(EVENTS_ENV, "stdout")
    (sink,) = environment_sinks()
    assert isinstance(sink, StdoutEventSink)
