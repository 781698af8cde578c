import json

import numpy as np
import pandas as pd
import pytest

from synthkit import generate_seed_data
from synthkit.errors import IntegrityError, InvalidParameterError, MissingArtifactError
from synthkit.machines import BUILTIN_MACHINES
from synthkit.simulators import NO_FAILURE, simulate
from synthkit.store import load_seed
from synthkit.workspace import sha256_file
from tests.conftest import snapshot


@pytest.mark.parametrize("machine", list(BUILTIN_MACHINES.values()), ids=list(BUILTIN_MACHINES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_data_is_realistic(machine, seed):
    frame = simulate(machine, 10_000, seed)
    low, high = machine.failure_rate_band
    assert low <= frame["failure"].mean() <= high
    assert 0.01 <= frame["failure"].mean() <= 0.06
    assert set(frame["failure_mode"]) == set(machine.failure_modes) | {NO_FAILURE}
    assert ((frame["failure"] == 1) == (frame["failure_mode"] != NO_FAILURE)).all()
    assert not frame.isna().any().any()
    numeric = frame[[s.name for s in machine.sensors]].astype(float)
    correlation = numeric.corr().abs().to_numpy()
    np.fill_diagonal(correlation, 0)
    assert correlation.max() > 0.5
    if machine.variant_column:
        shares = frame[machine.variant_column].value_counts(normalize=True)
        for level, share in machine.variant_levels.items():
            assert abs(shares[level] - share) < 0.03


def test_same_seed_gives_identical_bytes(tmp_path):
    first = generate_seed_data("pump_001", 10_000, seed=5, workspace=tmp_path / "a")
    second = generate_seed_data("pump_001", 10_000, seed=5, workspace=tmp_path / "b")
    other = generate_seed_data("pump_001", 10_000, seed=6, workspace=tmp_path / "c")
    assert sha256_file(first.file_path) == sha256_file(second.file_path)
    assert sha256_file(first.file_path) != sha256_file(other.file_path)


def test_seed_result_and_files(workspace):
    result = generate_seed_data("motor_001", 500, seed=1)
    assert result.samples_generated == 500 and result.machine_id == "motor_001"
    assert result.file_size_mb > 0 and result.created_at.endswith("+00:00")
    folder = workspace / "machines" / "motor_001" / "seed"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"] == sha256_file(folder / "seed.parquet")
    assert manifest["seed"] == 1 and manifest["rows"] == 500
    frame, metadata, _ = load_seed("motor_001")
    assert len(frame) == 500
    columns = metadata.to_dict()["tables"]["sensor_log"]["columns"]
    assert columns["duty_class"]["sdtype"] == "categorical"
    assert columns["failure"]["sdtype"] == "categorical"
    assert columns["load_pct"]["sdtype"] == "numerical"


def test_without_a_seed_one_is_drawn_and_recorded(workspace):
    generate_seed_data("pump_001", 200)
    manifest = json.loads((workspace / "machines/pump_001/seed/manifest.json").read_text())
    again = generate_seed_data("pump_001", 200, seed=manifest["seed"], workspace=workspace / "again")
    assert sha256_file(again.file_path) == manifest["sha256"]


def test_regenerating_replaces_the_seed_whole(workspace):
    generate_seed_data("pump_001", 200, seed=1)
    generate_seed_data("pump_001", 300, seed=2)
    assert len(pd.read_parquet(workspace / "machines/pump_001/seed/seed.parquet")) == 300
    hidden = [p.name for p in (workspace / "machines/pump_001").iterdir() if p.name.startswith(".")]
    assert len(hidden) == 1  # the previous version was removed


@pytest.mark.parametrize("samples", [0, -1, 99, 10**12, 5_000_001, "abc", 1.5, True, None])
def test_bad_sample_counts_are_refused_and_change_nothing(workspace, samples):
    generate_seed_data("pump_001", 200, seed=1)
    before = snapshot(workspace)
    with pytest.raises(InvalidParameterError, match=r"'samples' parameter .* \[100, 5,000,000\]"):
        generate_seed_data("pump_001", samples)
    assert snapshot(workspace) == before


@pytest.mark.parametrize("machine_id", ["../x", "A B", "", "x" * 65, "no_such_machine"])
def test_bad_machine_ids_are_refused_and_change_nothing(workspace, machine_id):
    with pytest.raises(InvalidParameterError):
        generate_seed_data(machine_id, 200)
    assert not workspace.exists()


def test_bad_seed_is_refused(workspace):
    with pytest.raises(InvalidParameterError, match="'seed'"):
        generate_seed_data("pump_001", 200, seed=-3)
    assert not workspace.exists()


def test_missing_seed_tells_the_user_what_to_run(workspace):
    with pytest.raises(MissingArtifactError, match="synthkit seed pump_001"):
        load_seed("pump_001")


def test_tampered_seed_is_refused(workspace):
    result = generate_seed_data("pump_001", 200, seed=1)
    frame = pd.read_parquet(result.file_path)
    frame.loc[0, "flow_rate_m3h"] = 1e6
    frame.to_parquet(result.file_path + ".new")
    import os

    os.replace(result.file_path + ".new", result.file_path)
    with pytest.raises(IntegrityError, match="does not match its manifest"):
        load_seed("pump_001")


def test_a_cancel_request_from_another_process_stops_seed_generation(workspace, monkeypatch):
    """`synthkit cancel TASK_ID` (a cancel file in the workspace) stops a seed task after its
    simulation; the previous seed data is kept."""
    import threading
    import time

    from synthkit import seed as seed_module
    from synthkit.errors import TaskCancelledError
    from synthkit.jobs import get_task_status
    from tests.conftest import cli

    generate_seed_data("pump_001", 300, seed=1)
    before = snapshot(workspace / "machines")
    cancelled = threading.Event()

    def simulate_then_wait(machine, samples, seed):  # the real simulator; the cancel lands meanwhile
        frame = simulate(machine, samples, seed)
        assert cancelled.wait(60)
        return frame

    monkeypatch.setattr(seed_module, "simulate", simulate_then_wait)
    outcome = []
    thread = threading.Thread(
        target=lambda: outcome.append(
            pytest.raises(
                TaskCancelledError, generate_seed_data, "pump_001", 500, 2, task_id="seed-cancel-me"
            )
        )
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not (workspace / "tasks" / "seed-cancel-me.json").is_file() or (
        get_task_status("seed-cancel-me", workspace)["status"] != "RUNNING"
    ):
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.05)
    assert cli("cancel", "seed-cancel-me", workspace=workspace).returncode == 0
    cancelled.set()
    thread.join(60)
    assert outcome and "previous seed data is kept" in str(outcome[0].value)
    assert get_task_status("seed-cancel-me", workspace)["status"] == "CANCELLED"
    assert snapshot(workspace / "machines") == before
