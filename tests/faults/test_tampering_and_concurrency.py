"""Hand-edited files are refused before any unpickling or training; concurrent use is safe."""

import json
import os

import pytest

from synthkit import generate_seed_data, train_tvae
from synthkit.errors import IntegrityError
from synthkit.jobs import get_task_status, submit
from tests.conftest import TINY_TVAE, snapshot, start_cli


def test_a_truncated_seed_is_refused_before_training(workspace):
    result = generate_seed_data("pump_001", 500, seed=1)
    with open(result.file_path, "r+b") as handle:
        handle.truncate(os.path.getsize(result.file_path) // 2)
    before = snapshot(workspace / "machines")
    with pytest.raises(IntegrityError, match="does not match its manifest"):
        train_tvae("pump_001", **TINY_TVAE)
    assert snapshot(workspace / "machines") == before  # no model folder, nothing half-made


def test_two_cli_trainings_of_one_machine_and_of_two_machines(workspace):
    for machine_id in ("pump_001", "motor_001"):
        generate_seed_data(machine_id, 600, seed=1)

    def train(machine_id, epochs):
        return start_cli(
            "train",
            machine_id,
            "--epochs",
            str(epochs),
            "--batch-size",
            "100",
            "--quiet",
            "--json",
            workspace=workspace,
        )

    first, second, other = train("pump_001", 400), train("pump_001", 400), train("motor_001", 3)
    results = [p.communicate(timeout=300) + (p.returncode,) for p in (first, second, other)]
    codes = sorted(code for _, _, code in results[:2])
    assert codes == [0, 2], results  # one trains, the other is refused at once
    refused = next(err for _, err, code in results[:2] if code == 2)
    assert "already has a train task running" in refused and refused.count("\n") == 1
    assert results[2][2] == 0 and json.loads(results[2][0])["machine_id"] == "motor_001"


def test_jobs_in_two_threads_keep_their_own_task_records(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    generate_seed_data("motor_001", 400, seed=1)
    jobs = [submit(train_tvae, m, seed=1, **TINY_TVAE) for m in ("pump_001", "motor_001")]
    for job in jobs:
        job.result(timeout=300)
    for job, machine_id in zip(jobs, ("pump_001", "motor_001")):
        status = get_task_status(job.task_id)
        assert status["status"] == "SUCCESS" and status["machine_id"] == machine_id
        assert status["result"]["machine_id"] == machine_id
