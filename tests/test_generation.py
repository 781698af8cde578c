import hashlib
import json
import threading

import pandas as pd
import pytest

from synthkit.errors import InvalidParameterError, MissingArtifactError, TaskCancelledError
from synthkit.events import CANCELLED
from synthkit.generation import generate_synthetic_data
from synthkit.machines import get_machine
from synthkit.store import list_runs
from tests.conftest import cli, snapshot


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_counts_schemas_and_manifest(trained):
    events = []
    result = generate_synthetic_data(
        "cnc_machine_001",
        700,
        150,
        0,
        seed=3,
        workspace=trained,
        chunk_rows=250,
        sinks=[events.append],
        report=False,
    )
    assert result.sample_counts == {"train": 700, "val": 150, "test": 0}
    columns = get_machine("cnc_machine_001").columns
    for split, count in result.sample_counts.items():
        frame = pd.read_parquet(result.file_paths[split])
        assert len(frame) == count and list(frame.columns) == columns
    manifest = json.loads(open(result.file_paths["train"].replace("train.parquet", "manifest.json")).read())
    assert manifest["sha256"] == {k: digest(v) for k, v in result.file_paths.items()}
    assert manifest["seed"] == 3 and manifest["model_sha256"] == result.model_sha256
    assert {"sdv", "torch", "synthkit"} <= set(manifest["versions"])
    chunks = [e for e in events if e.stage == "generating"]
    assert [e.current for e in chunks] == [250, 500, 700, 850]  # one event per chunk
    assert [e.stage for e in events if e.stage != "generating"] == ["queued", "init", "completed"]


def test_same_model_and_seed_give_identical_files(trained):
    first = generate_synthetic_data("cnc_machine_001", 300, 100, 100, seed=9, workspace=trained, report=False)
    second = generate_synthetic_data(
        "cnc_machine_001", 300, 100, 100, seed=9, workspace=trained, report=False
    )
    other = generate_synthetic_data(
        "cnc_machine_001", 300, 100, 100, seed=10, workspace=trained, report=False
    )
    assert first.run_id != second.run_id
    for split in ("train", "val", "test"):
        assert digest(first.file_paths[split]) == digest(second.file_paths[split])
    assert digest(first.file_paths["train"]) != digest(other.file_paths["train"])


def test_csv_format(trained):
    result = generate_synthetic_data(
        "cnc_machine_001", 120, 30, 30, seed=1, format="csv", workspace=trained, chunk_rows=100, report=False
    )
    frame = pd.read_csv(result.file_paths["train"])
    assert len(frame) == 120 and list(frame.columns) == get_machine("cnc_machine_001").columns


def test_cancel_leaves_no_run_and_no_temporary_files(trained):
    before = snapshot(trained / "machines/cnc_machine_001/runs")
    stop = threading.Event()

    def stop_after_first_chunk(event):
        if event.stage == "generating":
            stop.set()

    with pytest.raises(TaskCancelledError, match="no run was written"):
        generate_synthetic_data(
            "cnc_machine_001",
            1000,
            0,
            0,
            seed=1,
            chunk_rows=200,
            stop_event=stop,
            sinks=[stop_after_first_chunk],
            workspace=trained,
        )
    assert snapshot(trained / "machines/cnc_machine_001/runs") == before


def test_a_failed_generation_leaves_no_run(trained, monkeypatch):
    import synthkit.generation as generation

    calls = []

    def flaky(model, rows, seed, conditions=None):
        calls.append(rows)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(model, rows, seed, conditions)

    original = generation.sample_chunk
    monkeypatch.setattr(generation, "sample_chunk", flaky)
    before = snapshot(trained / "machines/cnc_machine_001/runs")
    with pytest.raises(Exception, match="disk full"):
        generate_synthetic_data("cnc_machine_001", 500, 0, 0, chunk_rows=200, workspace=trained)
    assert snapshot(trained / "machines/cnc_machine_001/runs") == before


@pytest.mark.parametrize(
    "sizes, match",
    [
        ((-1, 0, 0), "'train' parameter"),
        ((0, 0, 0), "At least one"),
        ((1.5, 0, 0), "'train' parameter"),
        ((10**9, 0, 0), "'train' parameter"),
        ((60_000_000, 60_000_000, 0), "at most 100,000,000"),
        (("100", 0, 0), "'train' parameter"),
        ((True, 0, 0), "'train' parameter"),
    ],
)
def test_bad_sizes_are_refused_before_any_work(trained, sizes, match):
    before = snapshot(trained)
    with pytest.raises(InvalidParameterError, match=match):
        generate_synthetic_data("cnc_machine_001", *sizes, workspace=trained)
    assert snapshot(trained) == before


def test_bad_format_run_id_and_existing_run(trained):
    with pytest.raises(InvalidParameterError, match="'parquet', 'csv'"):
        generate_synthetic_data("cnc_machine_001", 10, 0, 0, format="xlsx", workspace=trained)
    with pytest.raises(InvalidParameterError, match="run_id"):
        generate_synthetic_data("cnc_machine_001", 10, 0, 0, run_id="Bad Run", workspace=trained)
    done = generate_synthetic_data(
        "cnc_machine_001", 10, 0, 0, run_id="fixed", workspace=trained, report=False
    )
    with pytest.raises(InvalidParameterError, match="already exists"):
        generate_synthetic_data("cnc_machine_001", 10, 0, 0, run_id=done.run_id, workspace=trained)


def test_no_model_tells_the_user_to_train(workspace):
    from synthkit import generate_seed_data

    generate_seed_data("pump_001", 200, seed=1)
    before = snapshot(workspace)
    with pytest.raises(MissingArtifactError, match="synthkit train pump_001"):
        generate_synthetic_data("pump_001", 10, 0, 0)
    assert snapshot(workspace) == before


def test_runs_are_listed_oldest_first(trained):
    runs = list_runs("cnc_machine_001", trained)
    assert [r["created_at"] for r in runs] == sorted(r["created_at"] for r in runs)


def test_cli_generate_json_and_cancel_state(trained):
    result = cli(
        "generate",
        "cnc_machine_001",
        "--train",
        "200",
        "--val",
        "50",
        "--test",
        "50",
        "--seed",
        "2",
        "--json",
        workspace=trained,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) >= {
        "run_id",
        "machine_id",
        "file_paths",
        "sample_counts",
        "generation_time",
        "model_sha256",
    }
    assert payload["report_path"].endswith("report.html") and payload["quality"] > 0
    bad = cli("generate", "cnc_machine_001", "--train", "-5", "--val", "0", "--test", "0", workspace=trained)
    assert bad.returncode == 2 and bad.stderr.startswith("error: The 'train' parameter")
    assert CANCELLED == "CANCELLED"
