"""Batches on Dask: a local cluster, a real scheduler and workers on 127.0.0.1, a failing job."""

import csv
import json
import time
from pathlib import Path

import pytest

from synthkit.batch import parse_grid, plan_jobs, run_batch
from synthkit.errors import InvalidParameterError
from tests.conftest import ROOT, dask_processes, run_cli

PIPELINE = ROOT / "notebooks" / "pipeline.ipynb"
TINY = {"seed_samples": 300, "epochs": 2, "train": 200, "val": 50, "test": 50}


def test_plan_and_grid():
    grid = parse_grid(["epochs=2,3", "model=tvae"])
    assert grid == {"epochs": [2, 3], "model": ["tvae"]}
    jobs = plan_jobs(["pump_001", "motor_001"], {"seed": 1}, grid)
    assert [j.name for j in jobs] == [
        "pump_001-epochs-2-model-tvae",
        "pump_001-epochs-3-model-tvae",
        "motor_001-epochs-2-model-tvae",
        "motor_001-epochs-3-model-tvae",
    ]
    assert jobs[1].parameters == {
        "seed": 1,
        "epochs": 3,
        "model": "tvae",
        "model_name": "tvae-epochs-3",
        "machine_id": "pump_001",
    }
    assert plan_jobs(["pump_001"], {}, {})[0].parameters == {"machine_id": "pump_001"}  # no grid: no name
    with pytest.raises(InvalidParameterError, match="NAME=V1,V2"):
        parse_grid(["epochs"])


@pytest.mark.services
def test_batch_of_three_machines_on_the_local_cluster(tmp_path):
    events, done = [], []
    result = run_batch(
        PIPELINE,
        ["pump_001", "motor_001", "compressor_001"],
        parameters=TINY,
        out_dir=tmp_path / "out",
        workers=2,
        workspace=tmp_path / "ws",
        on_event=lambda job, e: events.append(job),
        on_done=done.append,
    )
    assert sorted(r["status"] for r in result.rows) == ["SUCCESS"] * 3
    assert {e for e in events} == {"pump_001", "motor_001", "compressor_001"}
    summary = json.loads(Path(result.summary_json).read_text())
    assert len(summary["jobs"]) == 3 and not summary["interrupted"]
    rows = list(csv.DictReader(open(result.summary_csv)))
    assert [r["job"] for r in rows] == ["compressor_001", "motor_001", "pump_001"]
    for row in rows:
        assert Path(row["output_path"]).is_file() and Path(row["result_path"]).is_file()
        assert 0 < float(row["quality"]) <= 1 and Path(row["report_path"]).is_file()


@pytest.mark.services
def test_a_model_grid_on_one_machine_trains_and_generates_from_each_model(tmp_path):
    result = run_batch(
        PIPELINE,
        ["pump_001"],
        parameters=TINY,
        grid={"model": ["tvae", "gaussian_copula"]},
        out_dir=tmp_path / "out",
        workers=2,
        workspace=tmp_path / "ws",
    )
    assert sorted(r["status"] for r in result.rows) == ["SUCCESS", "SUCCESS"], result.rows
    from synthkit.store import list_models

    assert sorted(m["name"] for m in list_models("pump_001", tmp_path / "ws")) == ["gaussian_copula", "tvae"]
    for row in result.rows:
        recorded = json.loads(Path(row["result_path"]).read_text())
        run = json.loads((Path(recorded["file_paths"]["train"]).parent / "manifest.json").read_text())
        assert run["model_name"] == recorded["model_name"] == recorded["model"]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real `dask scheduler` and `dask worker` processes on 127.0.0.1; fails if they cannot start."""
    with dask_processes(tmp_path) as (address, _):
        yield address


@pytest.mark.services
def test_batch_on_a_real_scheduler_streams_progress_before_jobs_finish(tmp_path, dask_cluster):
    received = []
    result = run_batch(
        PIPELINE,
        ["pump_001", "motor_001"],
        parameters=TINY,
        out_dir=tmp_path / "out",
        scheduler=dask_cluster,
        workspace=tmp_path / "ws",
        on_event=lambda job, event: received.append((job, time.time(), event)),
    )
    assert sorted(r["status"] for r in result.rows) == ["SUCCESS", "SUCCESS"]
    for row in result.rows:
        early = [t for job, t, e in received if job == row["job"] and e.epoch is not None]
        assert early and min(early) < row["finished"]  # live, not replayed at the end
    assert {e.stage for _, _, e in received} >= {"training", "generating", "completed"}


@pytest.mark.services
def test_a_bad_parameter_fails_one_job_and_not_the_others(tmp_path):
    args = [
        "batch",
        str(PIPELINE),
        "--machine",
        "pump_001",
        "--grid",
        "epochs=2,0",
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "2",
    ]
    for name, value in {k: v for k, v in TINY.items() if k != "epochs"}.items():
        args += ["-p", name, str(value)]
    result = run_cli(*args, workspace=tmp_path / "ws", timeout=600)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "1 of 2 jobs failed" in result.stderr
    jobs = {row["job"]: row for row in json.loads((tmp_path / "out/summary.json").read_text())["jobs"]}
    assert jobs["pump_001-epochs-2"]["status"] == "SUCCESS"
    failed = jobs["pump_001-epochs-0"]
    assert failed["status"] == "FAILURE" and failed["failed_cell"] is not None
    assert "'epochs' parameter" in failed["error"]
    assert Path(failed["output_path"]).is_file()  # the failed job keeps its executed notebook


def test_batch_needs_machines(tmp_path):
    with pytest.raises(InvalidParameterError, match="--machine"):
        run_batch(PIPELINE, out_dir=tmp_path)
