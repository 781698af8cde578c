"""Long tables as historians export them (a time, an asset, a tag, its value, a unit, a quality
flag per reading) are registered one row per time and asset, with a column per tag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthkit import generate_synthetic_data, preview_roles, register_machine, train_tvae
from synthkit.errors import InvalidDataError, InvalidParameterError
from synthkit.store import load_seed
from tests.conftest import cli, snapshot

UNITS = {"Temperature": "degC", "Vibration": "mm/s", "Alarm": "", "State": ""}


def historian_export(minutes: int = 150, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long export, and the wide table it was made from (what a user would pivot by hand)."""
    rng = np.random.default_rng(seed)
    wide_rows, readings = [], []
    for minute in range(minutes):
        stamp = (pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        for asset in ("P-101", "P-102"):  # two pumps logged at the same times
            temperature = round(rng.normal(70, 3), 2)
            row = {
                "Timestamp": stamp,
                "Asset": asset,
                "Temperature": temperature if rng.random() > 0.05 else np.nan,  # a missed reading
                "Vibration": round(0.2 + 0.01 * (temperature - 70) + rng.normal(0, 0.01), 4),
                "Alarm": int(temperature > 75),
                "State": "RUN" if rng.random() > 0.1 else "IDLE",
            }
            wide_rows.append(row)
            for tag in UNITS:
                if not pd.isna(row[tag]):
                    quality = "Good" if rng.random() > 0.02 else "Uncertain"
                    readings.append(
                        {"Timestamp": stamp, "Asset": asset, "TagName": tag, "Value": row[tag]}
                        | {"Unit": UNITS[tag], "Quality": quality}
                    )
    return pd.DataFrame(readings), pd.DataFrame(wide_rows)


def test_a_historian_export_is_registered_one_row_per_time_and_asset(workspace, tmp_path):
    long, wide = historian_export()
    long.to_csv(tmp_path / "historian.csv", index=False)
    machine = register_machine("pumps", tmp_path / "historian.csv")
    assert machine.long_format == {
        "tag": "TagName",
        "value": "Value",
        "keys": ["Timestamp", "Asset"],
        "per_tag": ["Unit"],
        "per_reading": ["Quality"],  # varies per reading, says nothing about the machine
    }
    roles = machine.column_roles["roles"]
    assert roles["Alarm"] == "label" and roles["Timestamp"] == "datetime" and roles["Asset"] == "category"
    assert roles["Temperature"] == roles["Vibration"] == "numeric" and roles["State"] == "category"
    assert {s.name: s.unit for s in machine.sensors} == {"Temperature": "degC", "Vibration": "mm/s"}
    seed = load_seed("pumps")[0].sort_values(["Timestamp", "Asset"]).reset_index(drop=True)
    assert len(seed) == len(wide) and seed["Temperature"].isna().sum() == wide["Temperature"].isna().sum()
    assert np.allclose(seed["Vibration"], wide["Vibration"]) and (seed["State"] == wide["State"]).all()
    train_tvae("pumps", epochs=2, seed=1)
    run = generate_synthetic_data("pumps", 200, 0, 0, seed=2)
    made = pd.read_parquet(run.file_paths["train"])
    assert set(made.columns) == set(seed.columns) and run.quality is not None


def test_a_long_table_with_other_names_is_widened_when_asked_and_kept_when_not(workspace):
    long, wide = historian_export(80)
    long = long.drop(columns=["Unit", "Quality"]).rename(columns={"TagName": "signal_id", "Value": "v"})
    shown, problems = preview_roles(long, long_format=("signal_id", "v"))  # the panel's preview
    assert problems == [] and shown.roles["Temperature"] == "numeric" and "signal_id" not in shown.roles
    machine = register_machine("pumps", long, long_format=("signal_id", "v"))
    assert machine.long_format["keys"] == ["Timestamp", "Asset"] and len(load_seed("pumps")[0]) == len(wide)
    kept = register_machine("as_is", long.head(400), long_format=False)
    assert kept.long_format == {} and len(load_seed("as_is")[0]) == 400


def test_a_wide_log_with_a_sensor_and_a_reading_column_is_not_taken_for_a_long_one(workspace):
    rng = np.random.default_rng(2)
    times = pd.date_range("2024-01-01", periods=300, freq="min").strftime("%Y-%m-%d %H:%M")
    frame = pd.DataFrame(  # one probe read per minute, which probe it was, and the line pressure
        {"time": times, "sensor": rng.choice(["S1", "S2", "S3"], 300), "reading": rng.normal(5, 1, 300)}
    ).assign(pressure=rng.normal(2, 0.1, 300), fault=(rng.random(300) < 0.1).astype(int))
    machine = register_machine("probes", frame)
    assert machine.long_format == {} and len(load_seed("probes")[0]) == 300


def test_long_tables_that_cannot_be_widened_are_refused_and_change_nothing(workspace):
    long, _ = historian_export(80)
    with pytest.raises(InvalidParameterError, match=r"column\(s\) 'tag' that .* its columns are 'Timestamp'"):
        register_machine("pumps", long, long_format=("tag", "Value"))
    repeated = pd.concat([long, long])  # every reading twice: the time does not tell them apart
    with pytest.raises(InvalidDataError, match="each \\(time, tag\\) pair once"):
        register_machine("pumps", repeated.drop(columns="Quality"), long_format=("TagName", "Value"))
    with pytest.raises(InvalidParameterError, match="must be None .* Got 'yes'"):
        register_machine("pumps", long, long_format="yes")
    assert snapshot(workspace) == {}


def test_register_says_how_a_long_table_was_read(workspace, tmp_path):
    long, _ = historian_export(60)
    long.to_csv(tmp_path / "historian.csv", index=False)
    result = cli("register", "pumps", str(tmp_path / "historian.csv"), "--dry-run", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert "read as a long table: one row per Timestamp and Asset, a column per 'TagName'" in result.stdout
    assert "(left out: Unit, Quality)" in result.stdout
    result = cli(
        "register", "pumps", str(tmp_path / "historian.csv"), "--dry-run", "--not-long", workspace=workspace
    )
    assert result.returncode == 0 and "long table" not in result.stdout and "TagName" in result.stdout
