import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from synthkit import generate_seed_data
from synthkit.errors import (
    BusyError,
    IntegrityError,
    InvalidParameterError,
    MissingArtifactError,
    TaskCancelledError,
)
from synthkit.events import CANCELLED, FAILURE, SUCCESS
from synthkit.jobs import get_task_status, submit
from synthkit.sinks import read_jsonl
from synthkit.store import load_model, model_manifest
from synthkit.training import train_tvae
from synthkit.workspace import Workspace
from tests.conftest import cli, snapshot, start_cli
from tests.test_events import EARLIER_MESSAGE

TINY = dict(epochs=3, batch_size=100, compress_dims=(32,), decompress_dims=(32,), embedding_dim=16)


@pytest.fixture
def seeded(workspace):
    generate_seed_data("cnc_machine_001", 300, seed=1)
    return workspace


def model_snapshot(workspace, machine_id="cnc_machine_001"):
    return {k: v for k, v in snapshot(workspace / "machines" / machine_id).items() if "model" in k}


def test_one_event_per_epoch_plus_stage_events(seeded):
    events = []
    result = train_tvae("cnc_machine_001", seed=1, sinks=[events.append], **TINY)
    epochs = [e for e in events if e.epoch is not None]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert [e.loss for e in epochs] == result.loss_history
    assert [e.progress for e in epochs] == [33.33, 66.67, 100.0]
    stages = [e.stage for e in events if e.epoch is None]
    assert stages == ["queued", "preprocessing", "training", "saving", "completed"]
    assert events[-1].status == SUCCESS
    for event in events:
        assert list(event.to_dict()) == list(EARLIER_MESSAGE)
    assert result.epochs_run == 3 and result.final_loss == result.loss_history[-1]
    assert result.num_features == 8 and os.path.isfile(result.model_path)


def test_events_are_logged_and_the_task_record_is_final(seeded):
    result = train_tvae("cnc_machine_001", seed=1, **TINY)
    logged = read_jsonl(seeded / "tasks" / f"{result.task_id}.jsonl")
    assert len([e for e in logged if e.epoch]) == 3
    status = get_task_status(result.task_id)
    assert status["status"] == SUCCESS
    assert status["result"]["model_path"] == result.model_path
    assert status["progress"]["stage"] == "completed"


def test_model_manifest_records_what_was_trained(seeded):
    result = train_tvae("cnc_machine_001", seed=4, **TINY)
    manifest = json.loads((seeded / "machines/cnc_machine_001/models/tvae/model.json").read_text())
    seed_manifest = json.loads((seeded / "machines/cnc_machine_001/seed/manifest.json").read_text())
    assert manifest["seed_sha256"] == seed_manifest["sha256"]
    assert manifest["loss_history"] == result.loss_history
    assert manifest["parameters"]["epochs"] == 3 and manifest["parameters"]["seed"] == 4
    assert {"sdv", "ctgan", "torch", "synthkit"} <= set(manifest["versions"])
    assert manifest["holdout_rows"] + manifest["training_rows"] == 300
    assert manifest["holdout_rows"] == pytest.approx(60, abs=6)
    holdout = load_model("cnc_machine_001").holdout()
    assert len(holdout) == manifest["holdout_rows"] and holdout["failure"].sum() >= 1


def test_the_mixture_mode_decoding_and_the_noise_are_chosen_on_held_out_rows_and_kept_with_the_model(seeded):
    import numpy as np
    import torch

    from synthkit.mode_choice import MODE_TEMPERATURES, NOISE_SCALES, PREFER_AS_LEARNED_BY

    train_tvae("cnc_machine_001", seed=4, **TINY)
    manifest = model_manifest("cnc_machine_001")
    chosen = {}
    for setting, scored, candidates in (
        ("mode_temperature", "mode_scores", MODE_TEMPERATURES),
        ("noise_scale", "noise_scores", NOISE_SCALES),
    ):
        scores = {float(v): q for v, q in manifest[scored].items()}
        assert set(scores) == set(candidates) and all(0 < q <= 1 for q in scores.values())
        chosen[setting] = manifest[setting]
        margin = PREFER_AS_LEARNED_BY[setting]
        if chosen[setting] == 1.0:  # as learned, unless another beats it by the margin
            assert scores[1.0] + margin >= max(scores.values())
        else:
            assert scores[chosen[setting]] == max(scores.values()) > scores[1.0] + margin
    # the noise scales were tried at the chosen mode temperature, so noise as learned scored the same
    assert manifest["noise_scores"]["1.0"] == manifest["mode_scores"][str(chosen["mode_temperature"])]
    model = load_model("cnc_machine_001").synthesizer._model
    # the model file samples the way it was chosen
    assert (model.mode_temperature, model.noise_scale) == (chosen["mode_temperature"], chosen["noise_scale"])

    # at mode temperature 0 each numeric column's mode is the decoder's most likely one, while
    # categories are still drawn from their softmax
    model.mode_temperature = 0.0
    raw = torch.randn(2000, sum(span.dim for column in model.transformer.output_info_list for span in column))
    compact, at, start, drawn_categories = model._finish(raw, {}), 0, 0, []
    for column in model.transformer.output_info_list:
        for span in column:
            if span.activation_fn == "softmax":
                most_likely = raw[:, start : start + span.dim].argmax(dim=1).numpy()
                agree = np.mean(compact[:, at] == most_likely)
                if column[0].activation_fn == "tanh":
                    assert agree == 1.0
                else:
                    drawn_categories.append(agree)
            at, start = at + 1, start + span.dim
    assert drawn_categories and min(drawn_categories) < 1.0


def test_a_raising_sink_does_not_break_training(seeded):
    def broken(event):
        raise ValueError("chart closed")

    with pytest.warns(RuntimeWarning, match="chart closed"):
        result = train_tvae("cnc_machine_001", seed=1, sinks=[broken], **TINY)
    assert result.epochs_run == 3


def test_seeded_runs_are_identical(seeded, tmp_path):
    from synthkit import _sdv

    first = train_tvae("cnc_machine_001", seed=11, **TINY)
    sample_a = load_model("cnc_machine_001").synthesizer
    _sdv.seed_sampling(sample_a, 5)
    rows_a = sample_a.sample(50)["sensor_log"]
    second = train_tvae("cnc_machine_001", seed=11, **TINY)
    sample_b = load_model("cnc_machine_001").synthesizer
    _sdv.seed_sampling(sample_b, 5)
    rows_b = sample_b.sample(50)["sensor_log"]
    assert first.loss_history == second.loss_history
    assert rows_a.equals(rows_b)
    other = train_tvae("cnc_machine_001", seed=12, **TINY)
    assert other.loss_history != first.loss_history


def test_stop_cancels_at_the_next_epoch_and_keeps_the_previous_model(seeded):
    train_tvae("cnc_machine_001", seed=1, **TINY)
    before = model_snapshot(seeded)
    stop = threading.Event()
    events = []

    def stop_after_first_epoch(event):
        events.append(event)
        if event.epoch == 1:
            stop.set()

    with pytest.raises(TaskCancelledError, match="after epoch 1"):
        train_tvae(
            "cnc_machine_001",
            seed=2,
            stop_event=stop,
            sinks=[stop_after_first_epoch],
            **{**TINY, "epochs": 50},
        )
    assert [e.epoch for e in events if e.epoch] == [1]
    assert events[-1].status == CANCELLED
    assert model_snapshot(seeded) == before
    assert not [p for p in (seeded / "machines/cnc_machine_001").iterdir() if p.name.startswith(".tmp-")]


def test_stop_before_preprocessing(seeded):
    stop = threading.Event()
    stop.set()
    with pytest.raises(TaskCancelledError, match="before preprocessing"):
        train_tvae("cnc_machine_001", stop_event=stop, **TINY)
    assert model_snapshot(seeded) == {}


def test_stop_during_preprocessing_ends_before_the_first_epoch(seeded):
    stop, events = threading.Event(), []

    def stop_while_preprocessing(event):
        events.append(event)
        if event.stage == "preprocessing":
            stop.set()

    with pytest.raises(TaskCancelledError, match="during preprocessing"):
        train_tvae("cnc_machine_001", stop_event=stop, sinks=[stop_while_preprocessing], **TINY)
    assert not [e for e in events if e.epoch] and events[-1].status == CANCELLED
    assert model_snapshot(seeded) == {}


def test_a_flipped_byte_is_refused_before_unpickling(seeded, monkeypatch):
    import cloudpickle

    train_tvae("cnc_machine_001", seed=1, **TINY)
    path = seeded / "machines/cnc_machine_001/models/tvae/model.pkl"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    calls = []
    monkeypatch.setattr(cloudpickle, "loads", lambda *a, **k: calls.append(a))
    with pytest.raises(IntegrityError, match="does not match the SHA-256"):
        load_model("cnc_machine_001")
    assert calls == []


def test_a_manifest_of_another_machine_is_refused(seeded):
    train_tvae("cnc_machine_001", seed=1, **TINY)
    manifest_path = seeded / "machines/cnc_machine_001/models/tvae/model.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["machine_id"] = "pump_001"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError, match="belongs to 'pump_001'"):
        load_model("cnc_machine_001")


def test_no_seed_data_says_what_to_run(workspace):
    with pytest.raises(MissingArtifactError, match="synthkit seed pump_001"):
        train_tvae("pump_001", **TINY)
    with pytest.raises(MissingArtifactError, match="synthkit train pump_001"):
        load_model("pump_001")
    assert not workspace.exists()


@pytest.mark.parametrize(
    "bad, name",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": -1}, "epochs"),
        ({"epochs": "abc"}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"compress_dims": ()}, "compress_dims"),
        ({"decompress_dims": "128"}, "decompress_dims"),
        ({"l2scale": -1.0}, "l2scale"),
        ({"seed": -1}, "seed"),
        ({"holdout_fraction": 0.9}, "holdout_fraction"),
        ({"enable_gpu": "yes"}, "enable_gpu"),
        ({"sinks": [1]}, "sinks"),
        ({"stop_event": True}, "stop_event"),
        ({"task_id": "../x"}, "task_id"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(seeded, bad, name):
    before = snapshot(seeded)
    with pytest.raises(InvalidParameterError, match=name):
        train_tvae("cnc_machine_001", **{**TINY, **bad})
    assert snapshot(seeded) == before


def test_submit_runs_in_the_background_and_refuses_a_second_training(seeded):
    generate_seed_data("pump_001", 300, seed=1)
    job = submit(train_tvae, "cnc_machine_001", seed=1, **{**TINY, "epochs": 400})
    try:
        with pytest.raises(BusyError, match="already has a train task running"):
            submit(train_tvae, "cnc_machine_001", **TINY)
        other = submit(train_tvae, "pump_001", seed=1, **TINY)  # another machine trains alongside
        assert other.result(timeout=120).epochs_run == 3
        assert job.status == "RUNNING" and not job.done
    finally:
        job.cancel()
    with pytest.raises(TaskCancelledError):
        job.result(timeout=120)
    assert job.status == CANCELLED
    assert get_task_status(job.task_id)["status"] == CANCELLED


def test_submit_raises_bad_input_at_once(seeded):
    with pytest.raises(InvalidParameterError, match="epochs"):
        submit(train_tvae, "cnc_machine_001", epochs=0)


def test_status_from_a_second_process(seeded):
    result = train_tvae("cnc_machine_001", seed=1, **TINY)
    code = (
        "import json, sys; from synthkit.jobs import get_task_status; "
        f"print(json.dumps(get_task_status({result.task_id!r}, sys.argv[1])))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(seeded)], capture_output=True, text=True)
    assert json.loads(out.stdout)["status"] == SUCCESS
    status = cli("status", result.task_id, "--json", workspace=seeded)
    assert json.loads(status.stdout)["result"]["final_loss"] == result.final_loss


def _start_cli_training(workspace, epochs=100_000):
    return start_cli(
        "train",
        "cnc_machine_001",
        "--epochs",
        str(epochs),
        "--batch-size",
        "100",
        "--seed",
        "1",
        "--replace",
        workspace=workspace,
    )


def _task_logs(workspace):
    return set((workspace / "tasks").glob("*.jsonl")) if (workspace / "tasks").exists() else set()


def _wait_for_epoch(workspace, process, known=frozenset(), deadline=120.0):
    """The task id of the CLI training once it has finished an epoch (logs in ``known`` are older)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        assert process.poll() is None, process.communicate()
        for log in _task_logs(workspace) - set(known):
            events = read_jsonl(log)
            if any(e.epoch for e in events):
                return events[0].task_id
        time.sleep(0.2)
    raise AssertionError("training never reached its first epoch")


def test_training_in_another_process_locks_the_machine(seeded):
    process = _start_cli_training(seeded)
    try:
        _wait_for_epoch(seeded, process)
        with pytest.raises(BusyError):
            train_tvae("cnc_machine_001", **TINY)
    finally:
        process.kill()
        process.wait()


@pytest.mark.faults
def test_ctrl_c_cancels_cleanly_with_exit_130(seeded):
    train_tvae("cnc_machine_001", seed=1, **TINY)
    before = model_snapshot(seeded)
    known = _task_logs(seeded)
    process = _start_cli_training(seeded)
    task_id = _wait_for_epoch(seeded, process, known)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "error: " in stderr and "Traceback" not in stderr
    assert get_task_status(task_id)["status"] == CANCELLED
    assert model_snapshot(seeded) == before


@pytest.mark.faults
def test_a_killed_training_reads_as_interrupted(seeded):
    process = _start_cli_training(seeded)
    task_id = _wait_for_epoch(seeded, process)
    process.kill()
    process.wait()
    status = get_task_status(task_id)
    assert status["status"] == FAILURE and "interrupted" in status["error"]


def test_cli_train_json(seeded):
    result = cli(
        "train",
        "cnc_machine_001",
        "--epochs",
        "2",
        "--batch-size",
        "100",
        "--seed",
        "1",
        "--json",
        workspace=seeded,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {
        "task_id",
        "machine_id",
        "model_path",
        "training_time",
        "final_loss",
        "trained_at",
        "num_features",
        "loss_history",
        "epochs_run",
    } <= set(payload)
    assert payload["epochs_run"] == 2
    assert "2/2" in result.stderr  # the progress bar went to stderr


def test_train_tvae_forwards_every_parameter_to_train_model(monkeypatch):
    from synthkit import training

    received = {}

    def train_model(machine_id, model, **options):
        received.update(options, machine_id=machine_id, model=model)

    monkeypatch.setattr(training, "train_model", train_model)
    values = {name: object() for name in inspect.signature(train_tvae).parameters}  # one marker each
    train_tvae(**values)
    assert received == {**values, "model": "tvae"}


def test_train_tvae_min_delta_reaches_the_task_record_and_the_manifest(seeded):
    result = train_tvae("cnc_machine_001", seed=1, min_delta=0.25, **TINY)
    record = json.loads(Workspace(seeded).task_record(result.task_id).read_text())
    assert record["params"]["min_delta"] == 0.25
    manifest = model_manifest("cnc_machine_001", seeded)
    assert manifest["parameters"]["early_stopping"]["min_delta"] == 0.25
