"""Two jobs in one process (two panels of one kernel) keep their own task records."""

import pytest

from synthkit import generate_seed_data, train_tvae
from synthkit.jobs import get_task_status, submit
from tests.conftest import TINY_TVAE

pytestmark = pytest.mark.faults


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
