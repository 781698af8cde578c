"""Raw logs end to end with the real SDV stack: registered raw, trained, generated, evaluated.

Ids come back unique in their format, every label shape keeps its rates, empty cells keep their
share, integers stay integers, timestamps stay in range, and roles can change after training.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthkit import (
    evaluate,
    generate_synthetic_data,
    get_machine,
    register_machine,
    sample,
    train_model,
    train_tvae,
    update_roles,
)
from synthkit.cli import main
from synthkit.column_plan import ColumnPlan, steady_numbers, steady_within_keys, time_step
from synthkit.csv_dialect import csv_dialect, records
from synthkit.generation import whole_numbers
from synthkit.raw_logs import (
    PLATE_FAULTS,
    drive_stats,
    engine_run_to_failure,
    milling_log,
    oil_analysis,
    plate_inspection,
    production_log,
    pump_testbed,
    telemetry_with_events,
    write_shared,
)
from synthkit.registration import (
    StaleModelWarning,
    currency_numbers,
    duration_seconds,
    grouped_numbers,
    guessed_format,
    limit_cells,
    no_reading_mark,
    number_suffix,
    scientific_numbers,
    status_cells,
)
from synthkit.roles import failing_mask, infer_roles
from synthkit.store import load_model, load_seed
from synthkit.table_files import read_csv, read_with, written_with


def _run(workspace, name, frame, rows=3_000, **train):
    register_machine(name, frame, workspace=workspace)
    train_tvae(name, epochs=train.pop("epochs", 3), seed=1, workspace=workspace, **train)
    result = generate_synthetic_data(name, rows, 0, 0, seed=2, workspace=workspace, report=False)
    return pd.read_parquet(result.file_paths["train"]), result


@pytest.fixture(scope="module")
def milling(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("ws")
    frame, _ = milling_log(1_200, 4)
    synthetic, run = _run(workspace, "mill", frame)
    return workspace, frame, synthetic, run


@pytest.fixture(scope="module")
def pump(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("ws")
    frame, _ = pump_testbed(1_500, 4)
    synthetic, run = _run(workspace, "bench", frame)
    return workspace, frame, synthetic, run


def test_ids_are_regenerated_unique_in_the_observed_format(milling):
    _, real, synthetic, _ = milling
    assert list(synthetic.columns) == list(real.columns)
    assert synthetic["UDI"].is_unique and synthetic["UDI"].is_monotonic_increasing
    assert synthetic["UDI"].iloc[0] == real["UDI"].iloc[0] and synthetic["UDI"].dtype.kind == "i"
    assert synthetic["Product ID"].is_unique
    assert synthetic["Product ID"].str.fullmatch(r"[LMH]\d{5}").all()
    shares = synthetic["Product ID"].str[0].value_counts(normalize=True)
    assert abs(shares["L"] - real["Product ID"].str[0].eq("L").mean()) < 0.05


def test_ids_stay_unique_across_splits_and_chunks(milling):
    workspace = milling[0]
    result = generate_synthetic_data(
        "mill", 700, 300, 250, seed=5, chunk_rows=200, workspace=workspace, report=False
    )
    ids = pd.concat(pd.read_parquet(p, columns=["UDI", "Product ID"]) for p in result.file_paths.values())
    assert len(ids) == 1_250 and ids["UDI"].is_unique and ids["Product ID"].is_unique


def _rate_ratios(real: pd.DataFrame, synthetic: pd.DataFrame, labels: dict[str, str]) -> dict[str, float]:
    ratios = {}
    for column, normal in labels.items():
        real_text, synthetic_text = real[column].astype(str), synthetic[column].astype(str)
        if real[column].nunique() == 2:
            hits = {column: (failing_mask(real[column], normal), failing_mask(synthetic[column], normal))}
        else:
            hits = {f"{column}={v}": (real_text == v, synthetic_text == v) for v in set(real_text) - {normal}}
        for name, (real_hits, synthetic_hits) in hits.items():
            if real_hits.sum() >= 10:
                ratios[name] = synthetic_hits.mean() / real_hits.mean()
    return ratios


def test_a_main_flag_with_mode_flags_keeps_every_rate(milling):
    _, real, synthetic, _ = milling
    flags = {c: "0" for c in ("Machine failure", "TWF", "HDF", "PWF", "OSF")}
    ratios = _rate_ratios(real, synthetic, flags)
    assert len(ratios) >= 3
    assert all(0.8 <= r <= 1.25 for r in ratios.values()), ratios


def test_label_combinations_never_seen_in_training_are_never_produced(milling, pump):
    from synthkit import get_machine

    for (workspace, real, synthetic, _), name in ((milling, "mill"), (pump, "bench")):
        labels = list(get_machine(name, workspace).label_columns)
        assert len(labels) >= 3
        seen = set(map(tuple, real[labels].astype(str).to_numpy()))
        made = set(map(tuple, synthetic[labels].astype(str).to_numpy()))
        assert made <= seen


def test_a_status_and_two_flags_keep_their_rates(pump):
    _, real, synthetic, _ = pump
    ratios = _rate_ratios(real, synthetic, {"fault": "normal", "anomaly": "0", "changepoint": "0"})
    assert "fault=cavitation" in ratios and "anomaly" in ratios
    assert all(0.8 <= r <= 1.25 for r in ratios.values()), ratios


@pytest.mark.parametrize("kind", ["tvae", "gaussian_copula"])
def test_labels_derived_from_a_number_stay_true_to_it_at_their_rates(kind, tmp_path):
    frame, _ = engine_run_to_failure(1_500, 3)  # label1: RUL <= 30; label2: stage 2 at <= 15, 1 at <= 30
    machine = register_machine("engines", frame, workspace=tmp_path)
    assert machine.column_roles["labels"] == ["label1", "label2"]
    train_model("engines", model=kind, epochs=3, seed=1, workspace=tmp_path)
    plan = json.loads((tmp_path / "machines/engines/models" / kind / "model.json").read_text())["columns"]
    assert plan["label_ranges"] == {
        "label1": {"RUL": {"1": [0, 30], "0": [31, frame["RUL"].max()]}},
        "label2": {"RUL": {"2": [0, 15], "1": [16, 30], "0": [31, frame["RUL"].max()]}},
    }
    run = generate_synthetic_data("engines", 2_000, 0, 0, seed=2, workspace=tmp_path)
    synthetic = pd.read_parquet(run.file_paths["train"])
    assert synthetic["RUL"].dtype == frame["RUL"].dtype
    seen = set(map(tuple, frame[["label1", "label2"]].to_numpy()))  # a copula draws each label alone
    assert set(map(tuple, synthetic[["label1", "label2"]].to_numpy())) <= seen
    assert (synthetic["label1"] == (synthetic["RUL"] <= 30)).all()
    stage = np.where(synthetic["RUL"] <= 15, 2, np.where(synthetic["RUL"] <= 30, 1, 0))
    assert (synthetic["label2"] == stage).all()
    for value in (1, 2) if kind == "tvae" else ():  # the plan's rates: rows redrawn, not relabelled
        assert 0.8 <= (synthetic["label2"] == value).mean() / (frame["label2"] == value).mean() <= 1.25
    assert evaluate("engines", workspace=tmp_path).label_contradiction_rate == 0.0
    rows = sample("engines", 300, conditions={"label2": 1}, seed=3, workspace=tmp_path)
    assert rows["RUL"].between(16, 30).all() and (rows["label1"] == 1).all()
    high = float(frame["s_2"].quantile(0.75))  # rows drawn again into a label's range keep the asked range
    rows = sample("engines", 300, conditions={"s_2": (high, None)}, seed=4, workspace=tmp_path)
    assert (rows["s_2"] >= high).all() and (rows["label1"] == (rows["RUL"] <= 30)).all()


def test_one_category_written_in_several_columns_comes_back_one_per_row_following_the_rest(tmp_path):
    rng = np.random.default_rng(6)
    rows = 1_500
    kind, fault = rng.choice(3, rows, p=[0.6, 0.3, 0.1]), rng.choice(3, rows, p=[0.5, 0.3, 0.2])
    frame = pd.DataFrame(
        {
            "load": rng.normal(kind * 5.0, 1.0).round(2),
            "temp": rng.normal(60 + 4 * fault, 1.0).round(1),
            **{f"Type_{t}": (kind == k).astype(int) for k, t in enumerate("LMH")},
            **{name: (fault == k).astype(int) for k, name in enumerate(["Pastry", "Bumps", "Other_Faults"])},
        }
    )
    synthetic, _ = _run(tmp_path, "plates", frame, rows=3_000, epochs=100)
    types, faults = ["Type_L", "Type_M", "Type_H"], ["Pastry", "Bumps", "Other_Faults"]
    assert (synthetic[types].sum(axis=1) == 1).all() and (synthetic[faults].sum(axis=1) == 1).all()
    for column in types + faults:
        assert 0.8 <= synthetic[column].mean() / frame[column].mean() <= 1.25, column
    load = [synthetic.loc[synthetic[t] == 1, "load"].mean() for t in types]
    temp = [synthetic.loc[synthetic[f] == 1, "temp"].mean() for f in faults]
    assert load[0] + 2 < min(load[1:]) and temp[0] + 2 < temp[2]  # real: 5 and 10 apart, 4 and 8


@pytest.mark.parametrize("kind", ["gaussian_copula", "ctgan"])
def test_every_kind_keeps_one_set_in_classes_written_in_several_columns_even_under_conditions(kind, tmp_path):
    frame, _ = plate_inspection(1_200, 5)
    register_machine("plates", frame, workspace=tmp_path)
    train_model("plates", model=kind, epochs=2, seed=1, workspace=tmp_path)
    steel = ["TypeOfSteel_A300", "TypeOfSteel_A400", "TypeOfSteel_A500"]
    for conditions in (None, {"Pastry": 1}, {"TypeOfSteel_A500": 1, "Other_Faults": 0}):
        rows = sample("plates", 400, conditions=conditions, seed=2, workspace=tmp_path)
        assert (rows[list(PLATE_FAULTS)].astype(int).sum(axis=1) == 1).all(), conditions
        assert (rows[steel].astype(int).sum(axis=1) == 1).all(), conditions
        for column, value in (conditions or {}).items():
            assert (rows[column].astype(int) == value).all()


def test_empty_cells_integers_rounding_and_timestamps_follow_the_real_data(pump, milling):
    _, real, synthetic, _ = pump
    for column in ("Current", "Voltage"):
        real_share, synthetic_share = real[column].isna().mean(), synthetic[column].isna().mean()
        assert abs(synthetic_share - real_share) <= max(0.2 * real_share, 0.005), column
    times = pd.to_datetime(real["datetime"])
    assert synthetic["datetime"].dtype.kind == "M"
    assert synthetic["datetime"].between(times.min(), times.max()).all()
    assert synthetic["experiment"].dtype.kind == "i"
    decimals = (
        synthetic["Voltage"].dropna().map(lambda v: len(repr(v).split(".")[-1]) if "." in repr(v) else 0)
    )
    assert decimals.max() <= 2
    _, real, synthetic, _ = milling
    assert synthetic["Rotational speed [rpm]"].dtype.kind == "i"
    assert (
        synthetic["Tool wear [min]"]
        .between(real["Tool wear [min]"].min(), real["Tool wear [min]"].max())
        .all()
    )


def test_kept_values_of_columns_with_empty_cells_have_no_spike_at_the_filled_in_mean(pump):
    _, real, synthetic, _ = pump
    for column in ("Current", "Voltage"):
        real_top = real[column].value_counts(normalize=True).iloc[0]
        synthetic_top = synthetic[column].value_counts(normalize=True).iloc[0]
        assert synthetic_top <= max(3 * real_top, 0.01), (column, synthetic_top, real_top)


def test_which_cells_are_empty_follows_the_other_columns(tmp_path):
    rng = np.random.default_rng(3)
    rows = 2_000
    offline = rng.random(rows) < 0.15
    frame = pd.DataFrame(
        {
            "load": rng.normal(50, 5, rows).round(2),
            "temperature": (60 + 10 * offline + rng.normal(0, 1, rows)).round(2),
            "vibration": np.where(
                offline | (rng.random(rows) < 0.02), np.nan, rng.normal(3, 0.3, rows).round(3)
            ),
        }
    )
    synthetic, _ = _run(tmp_path, "gappy", frame, rows=4_000, epochs=300)  # about 10 s
    hot, real_hot = synthetic["temperature"] > 65, frame["temperature"] > 65
    assert frame.loc[real_hot, "vibration"].isna().mean() > 0.95
    # emptied at random rows (SDV's default), both shares would be the overall 0.17
    assert synthetic.loc[hot, "vibration"].isna().mean() > 0.5, "empty where the machine runs hot"
    assert synthetic.loc[~hot, "vibration"].isna().mean() < 0.12
    assert abs(synthetic["vibration"].isna().mean() - frame["vibration"].isna().mean()) < 0.03


def test_a_status_with_empty_cells_keeps_every_share_the_empty_one_included(tmp_path):
    from synthkit import get_machine

    rng = np.random.default_rng(5)
    status = rng.choice(["OK", "WARN", "FAIL"], 1_500, p=[0.85, 0.1, 0.05]).astype(object)
    status[rng.random(1_500) < 0.06] = None  # the logger wrote nothing
    frame = pd.DataFrame({"temp": rng.normal(70, 5, 1_500).round(1), "status": status})
    synthetic, _ = _run(tmp_path, "status_gaps", frame)
    assert get_machine("status_gaps", tmp_path).label_columns == ("status",)
    real = frame["status"].fillna("<empty>").value_counts(normalize=True)
    made = synthetic["status"].fillna("<empty>").value_counts(normalize=True)
    assert set(made.index) == set(real.index)
    assert all(0.8 <= made[value] / real[value] <= 1.25 for value in real.index), (made, real)


def test_splits_written_as_csv_keep_the_delimiter_and_decimal_mark_of_the_registered_csv(tmp_path):
    frame, _ = pump_testbed(600, 2)
    path = tmp_path / "bench.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)  # as benches in many countries write it
    register_machine("bench_eu", path, workspace=tmp_path)
    train_tvae("bench_eu", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("bench_eu", 300, 60, 60, seed=2, format="csv", workspace=tmp_path)
    text = open(run.file_paths["train"], encoding="utf-8").read().splitlines()
    assert text[0] == ";".join(frame.columns)
    assert "," in text[1].split(";")[1] and "." not in text[1].split(";")[1]  # Accelerometer1RMS
    written = pd.read_csv(run.file_paths["train"], sep=";", decimal=",")
    assert written["Accelerometer1RMS"].dtype.kind == "f" and len(written) == 300
    assert run.quality is not None  # the report read the splits back


def test_splits_written_as_csv_keep_the_timestamp_format_of_the_registered_csv_after_roles_change(tmp_path):
    frame, _ = pump_testbed(600, 2)
    times = pd.to_datetime(frame["datetime"])
    frame["datetime"] = times.dt.strftime("%d.%m.%Y %H:%M")  # day first, as written in much of Europe
    frame.to_csv(tmp_path / "bench.csv", sep=";", decimal=",", index=False)
    register_machine("bench_de", tmp_path / "bench.csv", workspace=tmp_path)
    update_roles("bench_de", {"experiment": "numeric"}, workspace=tmp_path)  # the format stays
    train_tvae("bench_de", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("bench_de", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], sep=";", decimal=",")
    assert written["datetime"].str.fullmatch(r"\d\d\.\d\d\.2020 \d\d:\d\d").all()
    made = pd.to_datetime(written["datetime"], format="%d.%m.%Y %H:%M")
    assert made.between(times.min().floor("min"), times.max()).all()
    assert run.quality is not None and "datetime" in evaluate("bench_de", workspace=tmp_path).column_scores


def test_a_log_with_date_and_time_apart_and_question_marks_for_gaps_is_written_back_alike(tmp_path):
    rng = np.random.default_rng(9)
    rows = 800
    times = pd.date_range("2007-01-01 17:24", periods=rows, freq="7min")
    power = np.abs(rng.normal(1.1, 1.0, rows)).round(3)
    frame = pd.DataFrame(
        {
            "Date": times.strftime("%-d/%-m/%Y"),  # as a household meter exports it
            "Time": times.strftime("%H:%M:%S"),
            "Global_active_power": power.astype(object),
            "Voltage": rng.normal(240, 3, rows).round(2).astype(object),
        }
    )
    frame.loc[rng.random(rows) < 0.05, ["Global_active_power", "Voltage"]] = "?"
    frame.to_csv(tmp_path / "power.csv", sep=";", index=False)
    register_machine("meter", tmp_path / "power.csv", workspace=tmp_path)
    train_tvae("meter", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("meter", 600, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], sep=";", dtype=str, keep_default_na=False)
    assert written["Time"].str.fullmatch(r"\d\d:\d\d:\d\d").all()  # a time of day, not today's date
    assert written["Date"].str.fullmatch(r"[1-9]\d?/[1-9]\d?/2007").all()
    assert (written["Voltage"] == "?").mean() > 0.01 and not (written == "").any().any()
    report = evaluate("meter", workspace=tmp_path)  # reads the splits back, "?" as empty
    assert {"Time", "Voltage"} <= set(report.column_scores) and report.column_scores["Time"] > 0.5


def test_a_historians_export_with_statuses_in_place_of_readings_and_a_12_hour_clock(tmp_path):
    rng = np.random.default_rng(14)
    rows = 900
    times = pd.date_range("2026-01-05", periods=rows, freq="1min")
    flow = rng.normal(120, 8, rows).round(2).astype(object)
    down = rng.random(rows) < 0.08
    flow[down] = rng.choice(["Bad Input", "I/O Timeout", "Shutdown"], down.sum(), p=[0.5, 0.3, 0.2])
    frame = pd.DataFrame(
        {
            "Timestamp": times.strftime("%m/%d/%Y %I:%M:%S %p"),  # a PI DataLink sheet saved as CSV
            "FIC101.PV": flow,
            "TT205.PV": rng.normal(65, 2, rows).round(1),
            "Trip": (rng.random(rows) < 0.05).astype(int),
        }
    )
    frame.to_csv(tmp_path / "historian.csv", index=False)
    machine = register_machine("historian", tmp_path / "historian.csv", workspace=tmp_path)
    assert machine.column_roles["roles"]["FIC101.PV"] == "numeric"
    assert machine.status_cells == {"FIC101.PV": ["Bad Input", "I/O Timeout", "Shutdown"]}
    assert machine.time_formats == {"Timestamp": "%m/%d/%Y %I:%M:%S %p"}
    assert any("statuses in place of readings" in note for note in machine.reading_notes())
    seed, _, _ = load_seed("historian", tmp_path)
    assert seed["FIC101.PV"].dtype == "float64" and seed["FIC101.PV"].isna().sum() == down.sum()
    train_tvae("historian", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("historian", 500, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert written["Timestamp"].str.fullmatch(r"01/0[5-6]/2026 (0\d|1[0-2]):\d\d:00 [AP]M").all()
    assert written["FIC101.PV"].str.fullmatch(r"\d+\.\d+|").all()
    assert "FIC101.PV" in evaluate("historian", workspace=tmp_path).column_scores  # read back


def test_a_workbook_with_statuses_among_its_numbers_and_true_false_cells(tmp_path):
    rng = np.random.default_rng(17)
    rows = 400
    flow = rng.normal(120, 8, rows).round(2).astype(object)
    flow[rng.random(rows) < 0.06] = "Bad Input"
    frame = pd.DataFrame(
        {
            "Timestamp": pd.date_range("2026-02-01", periods=rows, freq="10min"),
            "Flow": flow,  # numbers and text in one column of cells
            "Alarm": rng.random(rows) < 0.06,  # Excel's TRUE/FALSE cells
            "Door open": rng.random(rows) < 0.3,
        }
    )
    frame.to_excel(tmp_path / "shift.xlsx", index=False)
    machine = register_machine("shift", tmp_path / "shift.xlsx", workspace=tmp_path)
    assert machine.status_cells == {"Flow": ["Bad Input"]} and machine.column_roles["normals"] == {
        "Alarm": "FALSE"
    }
    train_tvae("shift", epochs=1, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("shift", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert set(written["Door open"]) == {"TRUE", "FALSE"} and set(written["Alarm"]) <= {"TRUE", "FALSE"}


@pytest.mark.parametrize(
    "cells, statuses",
    [
        ([f"{v:.2f}" for v in range(40)] + ["Bad Input"] * 5 + [" Shutdown"] * 9, ["Shutdown", "Bad Input"]),
        ([str(v) for v in range(40)] + ["OVF", "#####", "ERR", None, "n/a"], ["OVF", "#####", "ERR"]),
        (["1", "2", "3", "Night"] * 20, None),  # a code: few readings
        ([f"{v:.1f}" for v in range(30)] + ["Shutdown"] * 31, None),  # statuses in most cells
        ([f"{v:.1f}" for v in range(30)] + [f"state {k}" for k in "ABCDEFGHIJK"], None),  # too many kinds
        ([f"2026-01-0{d} 10:00" for d in range(1, 10)] * 5, None),  # nothing without a digit
    ],
)
def test_statuses_in_place_of_readings_are_found_only_beside_many_readings(cells, statuses):
    column = pd.Series(cells, dtype=object)
    found = status_cells(column)
    assert (found and found[1]) == statuses
    if statuses:
        assert found[0].isna().sum() == column.isna().sum() + column.str.strip().isin(statuses).sum()


@pytest.mark.parametrize(
    "written, dayfirst, expected",
    [
        ("01/05/2026 12:00:00 AM", False, "%m/%d/%Y %I:%M:%S %p"),
        ("2026-01-05 01:07:00PM", False, "%Y-%m-%d %I:%M:%S%p"),
        ("05/01/2026 01:07 PM", True, "%d/%m/%Y %I:%M %p"),
        ("2026-01-05 13:07:00", False, "%Y-%m-%d %H:%M:%S"),
        ("Shutdown PM", False, None),
        # a year of two digits after the day and month, as German and US spreadsheets shorten it
        ("15.03.23 07:10", True, "%d.%m.%y %H:%M"),
        ("03/15/23 07:10 PM", False, "%m/%d/%y %I:%M %p"),
        ("2023-03-15", False, "%Y-%m-%d"),
        ("15.03.2023", True, "%d.%m.%Y"),
    ],
)
def test_a_12_hour_clock_or_a_short_year_has_its_format_guessed(written, dayfirst, expected):
    assert guessed_format(written, dayfirst) == expected


@pytest.mark.parametrize("ending", [",", ""])
def test_a_reports_export_with_notes_after_the_table_and_a_delimiter_ending_each_line(ending, tmp_path):
    rng = np.random.default_rng(15)
    times = pd.date_range("2026-02-01", periods=300, freq="5min")
    fault = (rng.random(300) < 0.05).astype(int)
    lines = [f"Time,Temp,Pressure,Fault{ending}"] + [
        f"{t:%Y-%m-%d %H:%M},{rng.normal(60, 3):.1f},{rng.normal(5, 0.2):.2f},{f}{ending}"
        for t, f in zip(times, fault)
    ]
    notes = ["", "Records: 300", "Exported 2026-02-03 08:00 by SCADA"]
    (tmp_path / "report.csv").write_text("\n".join(lines + notes) + "\n")
    frame = read_csv(tmp_path / "report.csv").frame
    assert list(frame.columns) == ["Time", "Temp", "Pressure", "Fault"] and len(frame) == 300
    assert frame["Temp"].dtype == "float64" and frame["Fault"].dtype == "int64"
    machine = register_machine("report", tmp_path / "report.csv", workspace=tmp_path)
    assert machine.column_roles["roles"]["Time"] == "datetime"  # not an id made unique by a note


def test_header_cells_wrapped_over_lines_name_columns_on_one_line(tmp_path):
    rng = np.random.default_rng(18)
    rows = 200
    lines = [
        "Logged by line 3 PLC",
        '"Time\nstamp","Temperature\n[outlet]","Pressure\n(main)",Fault',
        ",degC,bar,",
    ]
    lines += [
        f"2026-02-01 {h // 60:02d}:{h % 60:02d},{rng.normal(60, 2):.1f},{rng.normal(5, 0.2):.2f},{f}"
        for h, f in zip(range(0, 5 * rows, 5), (rng.random(rows) < 0.05).astype(int))
    ]
    (tmp_path / "wrapped.csv").write_text("\r\n".join(lines) + "\r\n")
    table = read_csv(tmp_path / "wrapped.csv")
    frame, units = table.frame, table.units
    assert list(frame.columns) == ["Time stamp", "Temperature [outlet]", "Pressure (main)", "Fault"]
    assert len(frame) == rows and units == {"Temperature [outlet]": "degC", "Pressure (main)": "bar"}
    machine = register_machine("wrapped", tmp_path / "wrapped.csv", workspace=tmp_path)
    assert machine.label_columns == ("Fault",) and machine.column_roles["roles"]["Time stamp"] == "datetime"


@pytest.mark.parametrize(
    "lines, expected",
    [
        (['a,"b', 'x",c', "1,2,3"], ['a,"b\nx",c', "1,2,3"]),
        (['note: a 3" pipe', "a,b", "1,2", "3,4", "5,6"], ['note: a 3" pipe', "a,b", "1,2", "3,4", "5,6"]),
        (["a,b\r\n", '"x ""y""",2\r\n'], ["a,b", '"x ""y""",2']),
    ],
)
def test_records_join_lines_only_within_quoted_cells(lines, expected):
    assert list(records(lines)) == expected


@pytest.mark.parametrize(
    "cells, decimal",
    [
        (['"60,1"', '"5,07"', "0"], ","),  # quoted: the only way a decimal comma fits between commas
        (['"1,234"', '"12,345"', "7"], "."),  # quoted thousands
        (['"60,1"', "12.5", "0"], "."),  # a decimal point elsewhere says point
    ],
)
def test_decimal_commas_quoted_in_a_comma_separated_file(cells, decimal):
    head = "a,b,c\n" + "\n".join(",".join(cells) for _ in range(5)) + "\n"
    assert csv_dialect(head, whole=True) == (",", decimal)


def test_a_comma_separated_export_with_quoted_decimal_commas_is_read_and_written_alike(tmp_path):
    rng = np.random.default_rng(19)
    rows = 300
    frame = pd.DataFrame(
        {
            "Zeitstempel": pd.date_range("2026-02-01", periods=rows, freq="5min").strftime("%d.%m.%Y %H:%M"),
            "Temperatur": rng.normal(60, 2, rows).round(1),
            "Druck": rng.normal(5, 0.2, rows).round(2),
            "Stoerung": (rng.random(rows) < 0.05).astype(int),
        }
    )
    frame.to_csv(tmp_path / "anlage.csv", index=False, decimal=",")  # pandas quotes "60,1"
    machine = register_machine("anlage", tmp_path / "anlage.csv", workspace=tmp_path)
    assert machine.csv_format == {"sep": ",", "decimal": ","}
    assert machine.column_roles["roles"]["Temperatur"] == "numeric" and machine.label_columns == ("Stoerung",)
    train_tvae("anlage", epochs=1, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("anlage", 200, 0, 0, seed=2, format="csv", workspace=tmp_path)
    text = open(run.file_paths["train"], encoding="utf-8").read().splitlines()
    assert re.fullmatch(r'\S+ \S+,"\d+,\d","\d,\d+",[01]', text[1])


@pytest.mark.parametrize("sep, decimal", [(",", "."), (";", ",")])
def test_daily_files_joined_by_hand_repeat_their_header_and_read_as_one_table(sep, decimal, tmp_path):
    rng = np.random.default_rng(20)
    days = []
    for day in range(1, 5):  # cat day1.csv day2.csv ...: each day's header within the table
        rows = 100
        days.append(
            pd.DataFrame(
                {
                    "timestamp": pd.date_range(f"2026-02-0{day}", periods=rows, freq="5min"),
                    "temp": rng.normal(60, 2, rows).round(1),
                    "code": [f"{v:03d}" for v in rng.integers(1, 9, rows)],
                    "fault": (rng.random(rows) < 0.05).astype(int),
                }
            ).to_csv(index=False, sep=sep, decimal=decimal)
        )
    (tmp_path / "joined.csv").write_text("".join(days))
    frame = read_csv(tmp_path / "joined.csv").frame
    assert len(frame) == 400 and frame["temp"].dtype == "float64" and frame["fault"].dtype == "int64"
    assert frame["code"].str.fullmatch(r"00\d").all()  # codes stay text
    machine = register_machine("joined", tmp_path / "joined.csv", workspace=tmp_path)
    assert machine.column_roles["roles"]["timestamp"] == "datetime" and machine.label_columns == ("fault",)


def test_a_fleet_log_under_a_license_with_na_for_gaps_is_written_back_alike(tmp_path):
    rng = np.random.default_rng(4)
    rows = 600
    positive = rng.random(rows) < 0.05
    counts = {f"a{k}_000": np.round(rng.lognormal(7, 1, rows) * (1 + positive)).astype(int) for k in range(3)}
    frame = pd.DataFrame({"class": np.where(positive, "pos", "neg"), **counts}).astype(object)
    frame.loc[rng.random(rows) < 0.3, "a1_000"] = "na"  # a counter some trucks do not have
    notice = "This file is part of a public fleet dataset.\n\nCopyright (c) its owner\n----------\n\n"
    (tmp_path / "fleet.csv").write_text(notice + frame.to_csv(index=False))
    machine = register_machine("trucks", tmp_path / "fleet.csv", workspace=tmp_path)
    assert machine.csv_format == {"na_rep": "na"} and machine.label_columns == ("class",)
    train_tvae("trucks", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("trucks", 400, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert written["a1_000"].eq("na").mean() > 0.1 and not written.eq("").any().any()
    assert written[list(counts)].apply(lambda c: c.str.fullmatch(r"\d+|na")).all().all()  # no 3117.0
    report = evaluate("trucks", workspace=tmp_path)  # reads the splits back, "na" as empty
    assert report.column_scores["a1_000"] > 0.5


def test_a_wafer_lines_sensors_register_and_a_wide_table_is_scored_on_pairs_of_sampled_columns(
    tmp_path, monkeypatch
):
    from synthkit import fast_quality

    rng = np.random.default_rng(8)
    rows, latent = 80, rng.normal(size=(80, 4))
    sensors = {str(k): (latent @ rng.normal(size=4) * 10 ** (k % 5)).round(3) for k in range(505)}
    frame = pd.DataFrame({**sensors, "Pass/Fail": np.where(np.arange(rows) % 10 == 0, 1, -1)})
    frame.loc[rng.random(rows) < 0.2, "7"] = np.nan
    frame.to_csv(tmp_path / "wafers.csv", index=False)
    machine = register_machine("wafers", tmp_path / "wafers.csv", workspace=tmp_path)  # was: at most 500
    assert len(machine.sensors) == 505 and machine.label_columns == ("Pass/Fail",)
    # learned and scored as any table; 40 sensors and 12 paired columns keep the test short
    monkeypatch.setattr(fast_quality, "PAIR_COLUMNS", 12)  # 150 in use: 11,175 pairs
    register_machine("narrow", frame.iloc[:, -41:], workspace=tmp_path)
    train_tvae("narrow", epochs=1, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("narrow", 200, 0, 0, seed=2, workspace=tmp_path)
    folder = Path(run.report_path).parent
    report = json.loads((folder / "report.json").read_text())
    assert report["pair_trends_columns"] == 12 and len(report["column_scores"]) == 41
    assert 0 < report["quality"] <= 1 and report["privacy"]["dcr_overfitting_protection"] is not None
    assert (
        "column_pair_trends scores the pairs of 12 of its 41 columns" in (folder / "report.html").read_text()
    )


def test_only_float_columns_of_whole_numbers_a_float_holds_exactly_are_written_whole():
    frame = pd.DataFrame(
        {
            "count": [3117.0, np.nan, 42.0],
            "reading": [1.5, 2.0, np.nan],
            "huge": [1e20, 2e20, 3e20],
            "empty": [np.nan] * 3,
            "ints": [1, 2, 3],
        }
    )
    assert whole_numbers(frame) == ["count"]


def test_a_status_logging_a_turbines_working_states_counts_only_its_failures(tmp_path):
    rng = np.random.default_rng(6)
    rows = 1_500
    state = rng.choice(
        ["RUN", "IDLE", "STOPPED", "FAULT", "MAINTENANCE"], rows, p=[0.6, 0.25, 0.09, 0.03, 0.03]
    )
    power = np.where(state == "RUN", rng.normal(1500, 200, rows), rng.normal(5, 3, rows)).round(1)
    frame = pd.DataFrame({"wind_speed_ms": rng.weibull(2, rows).round(2), "power_kw": power, "state": state})
    frame.to_csv(tmp_path / "scada.csv", index=False)
    machine = register_machine("turbine", tmp_path / "scada.csv", workspace=tmp_path)
    assert machine.column_roles["normals"] == {"state": ["RUN", "IDLE", "STOPPED"]}
    assert machine.failure_modes == ("FAULT", "MAINTENANCE")
    # planned maintenance is no failure either: said on the command line, one value at a time
    given = [f"--normal=state={v}" for v in ("RUN", "IDLE", "STOPPED", "MAINTENANCE")]
    assert main(["--workspace", str(tmp_path), "roles", "turbine", *given]) == 0
    assert get_machine("turbine", workspace=tmp_path).failure_modes == ("FAULT",)
    train_tvae("turbine", epochs=2, seed=1, workspace=tmp_path)
    generate_synthetic_data("turbine", 3_000, 0, 0, seed=2, workspace=tmp_path, report=False)
    report = evaluate("turbine", workspace=tmp_path, save=False)
    assert set(report.label_rates) == {"state", "state=FAULT"}
    assert report.label_rates["state"]["real"] == pytest.approx((state == "FAULT").mean(), abs=0.02)
    assert 0.5 <= report.failure_rate_ratio <= 1.5


@pytest.mark.parametrize(
    "cells, written",
    [
        (["63.7 °C", "59.8 °C", "?"], "{:.1f} °C"),
        (["10.48 kW", "9.5 kW", "12 kW"], "{} kW"),
        (["85%", "90.5%", "100%"], "{}%"),
        (["1200rpm", "1350rpm", "1425rpm"], "{}rpm"),
        (["1001B", "1002B", "1003B"], None),  # part numbers, not amps
        (["12 kW", "13 bar", "14 kW"], None),  # two units: text
        (["63.7", "59.8", "61.0"], None),  # plain numbers are read as such by the CSV reader
    ],
)
def test_numbers_written_with_their_unit_are_read_as_numbers(cells, written):
    found = number_suffix(pd.Series(cells, dtype=object))
    assert (found[1] if found else None) == written
    if found:
        assert found[0].dtype == "float64" and found[0].notna().sum() == sum(c != "?" for c in cells)


@pytest.mark.parametrize(
    "name, cells, seconds, written",
    [
        ("runtime", ["1234:05:33", "0:00:59", "-"], [4_442_733, 59, float("nan")], "[h]:mm:ss"),
        ("Laufzeit", ["08:30", "12:15"], [30_600, 44_100], "[hh]:mm"),  # named as a duration
        ("shift_start", ["08:30", "12:15"], None, None),  # under a day, not named so: times of day
        ("uptime", ["12:5", "1:30"], None, None),
    ],
)
def test_durations_written_in_hours_and_minutes_are_seconds(name, cells, seconds, written):
    found = duration_seconds(pd.Series(cells, dtype=object), name)
    assert (found[1] if found else None) == written
    if found:
        assert found[0].tolist()[: len(seconds)] == pytest.approx(seconds, nan_ok=True)
        assert written_with(found[0], written).dropna().tolist() == [c for c in cells if c != "-"]


def test_a_log_with_units_in_its_cells_is_trained_on_numbers_and_written_back_with_them(tmp_path):
    rng = np.random.default_rng(10)
    rows = 600
    temp = rng.normal(60, 5, rows)
    frame = pd.DataFrame(
        {
            "part": [f"{1000 + i}B" for i in range(rows)],
            "temp": [f"{v:.1f} °C".replace(".", ",") for v in temp],
            "load": [f"{v:.0f}%" for v in np.clip(temp + rng.normal(20, 3, rows), 0, 100)],
            "pressure": rng.normal(4, 0.3, rows).round(2),  # decimal commas, as the file is written
            "Betriebsstunden": [
                f"{h}:{m:02d}" for h, m in zip(rng.integers(900, 1400, rows), rng.integers(0, 60, rows))
            ],
            "alarm": (temp > 68).astype(int),
        }
    )
    frame.loc[::50, "temp"] = "-"
    frame.to_csv(tmp_path / "line.csv", sep=";", decimal=",", index=False)
    machine = register_machine("line", tmp_path / "line.csv", workspace=tmp_path)
    assert machine.number_formats == {"temp": "{:.1f} °C", "load": "{}%", "Betriebsstunden": "[hh]:mm"}
    units = {s.name: s.unit for s in machine.sensors}
    assert units == {"temp": "°C", "load": "%", "pressure": "", "Betriebsstunden": "hh:mm"}
    assert "numbers written with their unit: temp [°C], load [%]" in machine.reading_notes()[0]
    train_tvae("line", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("line", 400, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], sep=";", dtype=str, keep_default_na=False)
    assert written["temp"].str.fullmatch(r"\d+,\d °C|-").all() and (written["temp"] == "-").any()
    assert written["load"].str.fullmatch(r"\d+%").all()
    assert written["Betriebsstunden"].str.fullmatch(r"1[0-4]\d\d:[0-5]\d|9\d\d:[0-5]\d").mean() > 0.9
    report = evaluate("line", workspace=tmp_path)  # reads the numbers back from under their units
    assert min(report.column_scores[c] for c in ("temp", "load", "Betriebsstunden")) > 0.5


@pytest.mark.parametrize(
    "cells, decimal, written",
    [
        (["1,234.50", "999.00", "-", "12,345,678.25"], ".", "{:,.2f}"),
        (["1.234,5", "17,0", "2.000,5"], ",", "{:,.1f}"),  # where the decimal mark is a comma
        (["1,234", "17"], ".", "{:,}"),
        (["1 234.5", "12.5"], ".", "{: .1f}"),
        (["1'234.50", "-12'345.00"], ".", "{:'.2f}"),  # as Swiss exports group them
        (["1\u202f234,5", "12,5"], ",", "{:\u202f.1f}"),  # a narrow no-break space
        (["1,234.5", "1'234.5"], ".", None),  # two marks: read as numbers, written plain
        (["12.5", "1.5"], ".", None),  # nothing grouped
    ],
)
def test_numbers_with_their_thousands_grouped_are_written_back_grouped(cells, decimal, written):
    found = grouped_numbers(pd.Series(cells, dtype=object), decimal)
    assert (found[1] if found else None) == written
    if found:
        assert written_with(found[0], written, decimal).dropna().tolist() == [c for c in cells if c != "-"]


@pytest.mark.parametrize(
    "cells, decimal, numbers, written",
    [
        (["<1", "3", "12", "<1", "7", "2", "5"], ".", [0, 3, 12, 0, 7, 2, 5], "<1 {}"),
        (
            ["<0.05", "0.12", "-", "0.31", "0.07", "0.50", "0.09"],
            ".",
            [0.04, 0.12, np.nan, 0.31, 0.07, 0.5, 0.09],
            "<0.05 {:.2f}",
        ),
        (
            ["< 0,5", "1,2", "3,4", "2,2", ">10", "9,9", "5,0"],  # over the range, decimal commas
            ",",
            [0.4, 1.2, 3.4, 2.2, 11, 9.9, 5],
            "<0,5 >10 {:.1f}",
        ),
        # a lab that changed its method: each limit read beyond itself, readings between kept
        (
            ["<1", "<0.5", "3", "12", "0.7", "2", "5", "<0.5"],
            ".",
            [0, 0.4, 3, 12, 0.7, 2, 5, 0.4],
            "<0.5 <1 {}",
        ),
        (["<1", "<2", "<3", "<4", "12", "7", "2", "5", "9"], ".", None, None),  # limits of anything
        (["<1", "3", "2", "<1"], ".", None, None),  # too few readings beside it
        (["<A", "3", "12", "7", "2", "5"], ".", None, None),  # not a number behind the mark
    ],
)
def test_readings_at_a_detection_limit_are_read_beyond_it_and_written_back_as_the_limit(
    cells, decimal, numbers, written
):
    found = limit_cells(pd.Series(cells, dtype=object), decimal)
    assert (found[1] if found else None) == written
    if found:
        assert found[0].tolist() == pytest.approx(numbers, nan_ok=True)
        back = written_with(found[0], written, decimal).fillna("-")
        assert back.tolist() == [c.replace(" ", "") for c in cells]
        assert read_with(back, written, decimal).tolist() == pytest.approx(numbers, nan_ok=True)


@pytest.mark.parametrize(
    "cells, decimal, written",
    [
        (["1.10E-03", "5.41E-04", "-", "2.00E+05"], ".", "{:.2E}"),
        (["1,1e-03", "5,4e-04"], ",", "{:.1e}"),  # with decimal commas
        (["1.1E-03", "5.41E-04"], ".", None),  # mantissas of several lengths: written as they are
        (["1.10E-03", "0.5"], ".", "mixed"),  # not one format: left to other finders
    ],
)
def test_numbers_in_scientific_notation_are_written_back_so(cells, decimal, written):
    found = scientific_numbers(pd.Series(cells, dtype=object), decimal)
    if written == "mixed":
        assert found is None
        return
    numbers, number_format = found
    assert number_format == written
    assert numbers.tolist() == pytest.approx(
        [float(c.replace(",", ".")) if c != "-" else np.nan for c in cells], nan_ok=True
    )
    if written:
        assert written_with(numbers, written, decimal).fillna("-").tolist() == cells


FIXED = ["4.20", "4.35", "3.10", "4.05", "", "4.50", "4.15"]  # a spreadsheet's 0.00 format, one gap


@pytest.mark.parametrize(
    "sep, cells, later, written",
    [
        (",", FIXED, "4.25", "{:.2f}"),
        (";", [c.replace(".", ",") for c in FIXED], "4,25", "{:.2f}"),  # decimal commas
        (",", ["3117.0", "2980.0", "3002.0", "2875.0", "3050.0"], "2999.0", "{:.1f}"),  # floats pandas wrote
        (",", FIXED, "4.255", None),  # a row past the first lines with more decimals
        (",", ["4.2", "4.35", "3.1", "4.05", "4.5"], "4.25", None),  # as many decimals as each needs
        (",", ["4.21", "4.35", "3.11", "4.05", "4.57"], "4.25", None),  # no trailing zero shows a format
        (",", ["4.20", "4.35", "3.10", "4.05"], None, None),  # too few numbers to tell
    ],
)
def test_numbers_written_with_fixed_decimals_keep_them(sep, cells, later, written, tmp_path):
    written_cells = cells * (300 if later else 1) + ([later] * 5 if later else [])  # later: past 8 KB
    rows = [f"{i}{sep}{c}{sep}{i % 2}" for i, c in enumerate(written_cells)]
    (tmp_path / "log.csv").write_text(f"Cycle{sep}Pressure{sep}Alarm\n" + "\n".join(rows) + "\n")
    table = read_csv(tmp_path / "log.csv")
    assert table.number_formats == ({"Pressure": written} if written else {})
    if written:
        back = written_with(table.frame["Pressure"], written, table.decimal)
        assert back[: len(cells)].fillna("").tolist() == cells


def test_a_loggers_fixed_decimals_are_written_back_fixed(tmp_path):
    rng = np.random.default_rng(31)
    rows = 400
    temperature = rng.normal(61, 4, rows)
    temperature[rng.random(rows) < 0.1] = np.nan
    frame = pd.DataFrame(
        {
            "Zeitstempel": pd.date_range("2025-03-01", periods=rows, freq="10min").strftime("%d.%m.%Y %H:%M"),
            "Druck_bar": [f"{v:.2f}".replace(".", ",") for v in rng.normal(4.1, 0.3, rows)],
            "Temp_C": ["" if np.isnan(v) else f"{v:.1f}".replace(".", ",") for v in temperature],
            "Strom_A": [f"{v:.3f}".replace(".", ",") for v in rng.normal(12, 1.5, rows)],
            "Störung": (rng.random(rows) < 0.05).astype(int),
        }
    )
    frame.to_csv(tmp_path / "anlage.csv", sep=";", index=False)
    machine = register_machine("anlage", tmp_path / "anlage.csv", workspace=tmp_path)
    assert machine.number_formats == {"Druck_bar": "{:.2f}", "Temp_C": "{:.1f}", "Strom_A": "{:.3f}"}
    notes = " ".join(machine.reading_notes())
    assert "numbers with fixed decimals: Druck_bar (2), Temp_C (1), Strom_A (3)" in notes
    train_tvae("anlage", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("anlage", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], sep=";", dtype=str, keep_default_na=False)
    for column, places in (("Druck_bar", 2), ("Temp_C", 1), ("Strom_A", 3)):
        filled = cells[column][cells[column] != ""]
        assert filled.str.fullmatch(rf"-?\d+,\d{{{places}}}").all()
        assert filled.str.endswith("0").any()  # the zeros a plain number would drop
    assert (cells["Temp_C"] == "").any()
    assert "Strom_A" in evaluate("anlage", workspace=tmp_path).column_scores  # read back as numbers


READINGS = [40.0 + (i * 7.3) % 20 for i in range(200)]  # 40-60


@pytest.mark.parametrize(
    "marks, found",
    [
        ([-9999.0] * 5, -9999.0),  # a weather station's or a logger's
        ([3.4028235e38] * 3, 3.4028235e38),  # float32's largest
        ([9.96921e36] * 8, 9.96921e36),  # NetCDF's fill value
        ([99999.9] * 4, 99999.9),
        ([-32768.0] * 6, -32768.0),  # an int16 register's end
        ([0.0] * 10, None),  # far below, but a reading
        ([-9999.0], None),  # once: a wrong reading, not a mark
        ([-9999.0, -9998.0] * 3, None),  # not one number
        ([9999.0] * 5 + [9000.0], None),  # a reading near it: not far beyond every reading
    ],
)
def test_a_number_written_for_no_reading_is_found_at_an_end_of_a_column(marks, found):
    assert no_reading_mark(pd.Series(READINGS + marks)) == found


def test_a_loggers_number_for_no_reading_is_read_as_empty_and_written_back(tmp_path):
    rng = np.random.default_rng(41)
    rows = 400
    gaps, fills = rng.random(rows) < 0.08, rng.random(rows) < 0.05
    frame = pd.DataFrame(
        {
            "TIMESTAMP": pd.date_range("2025-04-01", periods=rows, freq="15min").strftime("%Y-%m-%d %H:%M"),
            "AirTemp": np.where(gaps, "-9999", [f"{v:.2f}" for v in rng.normal(12, 4, rows)]),
            "Flow": np.where(fills, "3.402823E+38", [f"{v:.3f}" for v in rng.gamma(4, 2, rows)]),
            "Alarm": (rng.random(rows) < 0.06).astype(int),
        }
    )
    frame.to_csv(tmp_path / "station.csv", index=False)
    machine = register_machine("station", tmp_path / "station.csv", workspace=tmp_path)
    assert machine.no_reading == {"AirTemp": "-9999", "Flow": "3.402823e+38"}
    assert machine.number_formats == {"AirTemp": "{:.2f}", "Flow": "{:.3f}"}  # the mark set apart
    notes = " ".join(machine.reading_notes())
    assert (
        "no reading, read as an empty cell (and written back so): AirTemp -9999; Flow 3.402823e+38" in notes
    )
    seed = load_seed("station", tmp_path)[0]
    assert seed["AirTemp"].isna().sum() == gaps.sum() and seed["AirTemp"].max() < 100
    train_tvae("station", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("station", 400, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert cells["AirTemp"].str.fullmatch(r"-9999|-?\d+\.\d\d").all() and (cells["AirTemp"] == "-9999").any()
    assert cells["Flow"].str.fullmatch(r"3\.402823e\+38|\d+\.\d{3}").all()
    scores = evaluate("station", workspace=tmp_path).column_scores  # the marks read back as empty
    assert min(scores["AirTemp"], scores["Flow"]) > 0.6


@pytest.mark.parametrize(
    "cells, decimal, numbers, written",
    [
        (["$1,250.00", "$84.50", "-", "$12,000.00"], ".", [1250, 84.5, np.nan, 12000], "${:,.2f}"),
        (["€ 84,50", "€ 1.250,00"], ",", [84.5, 1250], "€ {:,.2f}"),
        (["USD 12.5", "USD 3"], ".", [12.5, 3], "USD {}"),
        (["£0.99", "£-3.50"], ".", [0.99, -3.5], "£{:.2f}"),
        (["$1", "€2"], ".", None, None),  # two currencies
        (["$1", "x"], ".", None, None),
        (["USD12", "USD3"], ".", None, None),  # a code run into a number: a part number
    ],
)
def test_amounts_written_after_their_currency_are_numbers_written_back_so(cells, decimal, numbers, written):
    found = currency_numbers(pd.Series(cells, dtype=object), decimal)
    assert (found[1] if found else None) == written
    if found:
        assert found[0].tolist() == pytest.approx(numbers, nan_ok=True)
        back = written_with(found[0], written, decimal)
        assert read_with(back.fillna(""), written, decimal).tolist() == pytest.approx(numbers, nan_ok=True)


def test_a_work_order_exports_costs_keep_their_currency(tmp_path):
    rng = np.random.default_rng(52)
    rows = 300
    hours = rng.gamma(2, 1.5, rows).round(1)
    breakdown = rng.random(rows) < 0.08
    frame = pd.DataFrame(
        {
            "WO Number": [f"WO-{i:06d}" for i in range(1001, 1001 + rows)],
            "Asset": rng.choice(["PUMP-01", "PUMP-02", "FAN-07"], rows),
            "Downtime (h)": hours,
            "Labor Cost": [f"${v:,.2f}" for v in hours * 85 + rng.normal(0, 20, rows).round(2) + 200],
            "Parts Cost": [f"€ {v:.2f}" if b else "" for v, b in zip(rng.gamma(3, 400, rows), breakdown)],
            "Breakdown": np.where(breakdown, "Yes", "No"),
        }
    )
    frame.to_csv(tmp_path / "work_orders.csv", index=False)
    machine = register_machine("orders", tmp_path / "work_orders.csv", workspace=tmp_path)
    formats = machine.number_formats
    assert formats["Labor Cost"] == "${:,.2f}" and formats["Parts Cost"] == "€ {:.2f}"
    assert machine.column_roles["roles"]["Labor Cost"] == "numeric"
    assert machine.label_columns == ("Breakdown",)
    assert {s.name: s.unit for s in machine.sensors}["Labor Cost"] == "$"
    train_tvae("orders", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("orders", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert cells["Labor Cost"].str.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d").all()
    assert cells["Parts Cost"].str.fullmatch(r"€ \d+\.\d\d|").all()
    scores = evaluate("orders", workspace=tmp_path).column_scores  # the amounts read back
    assert min(scores["Labor Cost"], scores["Parts Cost"]) > 0.5


def test_a_leak_test_log_in_scientific_notation_with_decimal_commas_is_written_back_alike(tmp_path):
    rng = np.random.default_rng(24)
    rows = 300
    frame = pd.DataFrame(
        {
            "Zeit": pd.date_range("2024-01-01", periods=rows, freq="min").strftime("%d.%m.%Y %H:%M"),
            "Druck": [f"{v:.2f}".replace(".", ",") for v in rng.normal(4, 0.3, rows)],
            "Leckrate": [f"{v:.2E}".replace(".", ",") for v in rng.lognormal(-7, 1, rows)],
            "Störung": (rng.random(rows) < 0.05).astype(int),
        }
    )
    frame.to_csv(tmp_path / "leak.csv", sep=";", index=False)
    machine = register_machine("leak", tmp_path / "leak.csv", workspace=tmp_path)
    assert machine.number_formats == {"Druck": "{:.2f}", "Leckrate": "{:.2E}"}
    assert "decimal commas and scientific notation in Leckrate" in machine.reading_notes()[0]
    train_tvae("leak", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("leak", 200, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], sep=";", dtype=str)
    assert cells["Leckrate"].str.fullmatch(r"\d,\d\dE-0\d").all()
    assert "Leckrate" in evaluate("leak", workspace=tmp_path).column_scores  # read back as numbers


def test_label_bounds_are_a_limit_someone_set_not_a_class_merely_shifted():
    rng = np.random.default_rng(3)
    iron, silicon = rng.gamma(4, 7, 4_000).round(), rng.gamma(3, 5, 4_000).round()
    severity = np.where((iron > 40) | (silicon > 20), "Caution", "Normal")
    shifted = rng.normal(0, 1, 4_000) + np.where(severity == "Caution", 1.5, 0)  # a bell for each class
    frame = pd.DataFrame({"Fe": iron, "Si": silicon, "shifted": shifted, "Severity": severity})
    roles = infer_roles(frame, {"Severity": "label"})
    plan = ColumnPlan.from_seed(frame, roles)
    assert plan.bounds_for({"Severity": "Normal"}) == {"Fe": (None, 40), "Si": (None, 20)}
    assert plan.label_exclusions == {"Severity": {"Caution": ["Normal"]}}
    rows = pd.DataFrame({"Fe": [30, 50, 30, 30, np.nan], "Si": [10, 10, 25, 10, 30]})
    rows["shifted"] = 9.0
    rows["Severity"] = ["Normal", "Normal", "Normal", "Caution", "Caution"]
    assert plan.outside_label_bounds(rows).tolist() == [False, True, True, True, False]


def test_an_oil_analysis_report_keeps_its_limits_its_severity_and_its_sample_numbers(tmp_path):
    frame, _ = oil_analysis(500, 20)
    write_shared("oil_analysis", frame, tmp_path / "oil.csv")  # ;-separated
    machine = register_machine("oil", tmp_path / "oil.csv", workspace=tmp_path)
    assert machine.label_columns == ("Severity",)
    assert machine.column_roles["normals"] == {"Severity": "Normal"}
    assert machine.column_roles["roles"]["Cu (ppm)"] == "numeric"  # few whole numbers, named with a unit
    assert machine.number_formats == {
        "Visc 40C (cSt)": "{:.1f}",
        "Cu (ppm)": "<1 {}",
        "Water (%)": "<0.05 {:.2f}",
    }
    assert "Cu (ppm) <1 (as 0); Water (%) <0.05 (as 0.04)" in " ".join(machine.reading_notes())
    train_tvae("oil", epochs=3, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("oil", 400, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], sep=";", dtype=str, keep_default_na=False)
    assert cells["Cu (ppm)"].str.fullmatch(r"<1|[1-9]\d*").all() and (cells["Cu (ppm)"] == "<1").any()
    assert cells["Water (%)"].str.fullmatch(r"<0\.05|\d+\.\d\d").all()
    assert (cells["Water (%)"] == "<0.05").any()
    numbers = cells["Sample No."].str.removeprefix("OA").astype(int)
    assert cells["Sample No."].str.fullmatch(r"OA\d{7}").all() and numbers.is_monotonic_increasing
    assert set(cells["Severity"]) <= {"Normal", "Caution", "Critical"}
    # the lab's limit: Normal only up to 40 ppm of iron (500 rows show it; silicon's needs more)
    plan = ColumnPlan.from_dict(load_model("oil", workspace=tmp_path).manifest["columns"])
    assert plan.bounds_for({"Severity": "Normal"}) == {"Fe (ppm)": (None, 40)}
    iron = pd.to_numeric(cells["Fe (ppm)"])
    assert iron[cells["Severity"] == "Normal"].max() <= 40 < iron[cells["Severity"] != "Normal"].max()
    report = evaluate("oil", workspace=tmp_path)  # reads the limits back as the numbers trained on
    assert min(report.column_scores[c] for c in ("Cu (ppm)", "Water (%)")) > 0.5


@pytest.mark.parametrize(
    "sep, decimal, group", [(",", ".", ","), (";", ",", "."), (",", ".", "'"), (";", ",", " ")]
)
def test_a_spreadsheet_export_with_thousands_grouped_is_trained_on_numbers_and_written_back_grouped(
    sep, decimal, group, tmp_path
):
    rng = np.random.default_rng(12)
    rows = 500
    energy = rng.normal(25_000, 4_000, rows)

    def grouped(value: float, places: int) -> str:
        return f"{value:,.{places}f}".translate(str.maketrans({",": group, ".": decimal}))

    frame = pd.DataFrame(
        {
            "energy_kwh": [grouped(v, 1) for v in energy],
            "cycles": [grouped(v, 0) for v in np.round(rng.normal(40_000, 8_000, rows), -2)],  # 51.000
            "temp": rng.normal(60, 5, rows).round(1),
            "fault": (energy > 31_000).astype(int),
        }
    )
    frame.loc[::40, "energy_kwh"] = ""
    frame.to_csv(tmp_path / "export.csv", sep=sep, decimal=decimal, index=False)
    machine = register_machine("export", tmp_path / "export.csv", workspace=tmp_path)
    mark = "," if group in ",." else group
    assert machine.number_formats == {
        "energy_kwh": f"{{:{mark}.1f}}",
        "cycles": f"{{:{mark}}}",
        "temp": "{:.1f}",
    }
    assert "thousands grouped in energy_kwh, cycles" in " ".join(machine.reading_notes())
    assert {s.name: s.unit for s in machine.sensors} == {"energy_kwh": "", "cycles": "", "temp": ""}
    train_tvae("export", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("export", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], sep=sep, dtype=str, keep_default_na=False)
    g, d = re.escape(group), re.escape(decimal)
    assert cells["energy_kwh"].str.fullmatch(rf"-?\d{{1,3}}({g}\d{{3}})*{d}\d|").all()
    assert cells["energy_kwh"].str.contains(g).mean() > 0.9 and (cells["energy_kwh"] == "").any()
    assert cells["cycles"].str.fullmatch(rf"-?\d{{1,3}}({g}\d{{3}})*").all()
    report = evaluate("export", workspace=tmp_path)  # reads the grouped numbers back as numbers
    assert min(report.column_scores[c] for c in ("energy_kwh", "cycles")) > 0.5


@pytest.mark.parametrize(
    "written, form",
    [
        ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S UTC"),  # a warehouse's export
        ("%Y-%m-%dT%H:%M:%S.%f+0000", "%Y-%m-%dT%H:%M:%S.%L+0000"),  # milliseconds, cut below
        ("%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M:%S"),  # a year of two digits
    ],
)
def test_utc_written_out_and_milliseconds_are_written_back_as_read(written, form, tmp_path):
    rng = np.random.default_rng(21)
    rows = 300
    times = pd.date_range("2026-02-01", periods=rows, freq="1250ms")
    text = times.strftime(written).str.replace(r"(\.\d{3})\d{3}", r"\1", regex=True)
    frame = pd.DataFrame({"event_time": text, "temp": rng.normal(50, 3, rows).round(2)})
    frame.to_csv(tmp_path / "events.csv", index=False)
    machine = register_machine("events", tmp_path / "events.csv", workspace=tmp_path)
    assert machine.time_formats == {"event_time": form}
    train_tvae("events", epochs=1, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("events", 200, 0, 0, seed=2, format="csv", workspace=tmp_path)
    made = pd.read_csv(run.file_paths["train"])["event_time"]
    shape = text.str.replace(r"\d", "0", regex=True)[0]
    assert made.str.replace(r"\d", "0", regex=True).eq(shape).all()
    assert "event_time" in evaluate("events", workspace=tmp_path).column_scores  # read back


@pytest.mark.parametrize("zone, offset", [("Europe/Berlin", "+02:00"), ("UTC", "Z")])  # Berlin: mostly summer
def test_timestamps_written_with_their_offset_come_back_with_it_at_the_same_instants(zone, offset, tmp_path):
    rng = np.random.default_rng(11)
    rows = 700
    times = pd.date_range("2024-03-28", periods=rows, freq="15min", tz=zone)  # over the switch to +02:00
    written = times.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"\+0000$", "Z", regex=True)
    written = written.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    frame = pd.DataFrame({"timestamp": written, "temp": rng.normal(50, 3, rows).round(2)})
    frame.to_csv(tmp_path / "log.csv", index=False)
    machine = register_machine("zoned", tmp_path / "log.csv", workspace=tmp_path)
    assert machine.time_formats == {"timestamp": "%Y-%m-%dT%H:%M:%S" + offset}
    train_tvae("zoned", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("zoned", 400, 0, 0, seed=2, format="csv", workspace=tmp_path)
    made = pd.read_csv(run.file_paths["train"])["timestamp"]
    assert made.str.endswith(offset).all() and made.str.fullmatch(r"\S+T\d\d:\d\d:00\S+").all()
    instants = pd.to_datetime(made, utc=True)
    assert instants.between(times.min(), times.max() + pd.Timedelta("15min")).all()
    assert "timestamp" in evaluate("zoned", workspace=tmp_path).column_scores  # read back


def test_codes_with_leading_zeros_stay_codes_and_a_wide_category_is_scored(tmp_path):
    rng = np.random.default_rng(12)
    rows = 900
    frame = pd.DataFrame(
        {
            "Station": [f"{v:03d}" for v in rng.integers(1, 16, rows)],
            "Part": [
                f"{v:06d}" for v in rng.integers(1, 400, rows)
            ],  # over 255 values: wide for the classifier
            "temp": rng.normal(50, 3, rows).round(2),
            "fault": (rng.random(rows) < 0.08).astype(int),
        }
    )
    frame.to_csv(tmp_path / "line.csv", index=False)
    machine = register_machine("line", tmp_path / "line.csv", workspace=tmp_path)
    assert machine.column_roles["roles"]["Station"] == "category" == machine.column_roles["roles"]["Part"]
    train_tvae("line", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("line", 500, 100, 100, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], dtype=str)
    assert (
        written["Station"].str.fullmatch(r"0[01]\d").all()
        and written["Part"].str.fullmatch(r"000\d{3}").all()
    )
    assert (
        run.quality is not None and evaluate("line", workspace=tmp_path).utility["roc_auc_real"] is not None
    )


def test_a_production_log_keeps_its_scrap_verdicts_its_reasons_and_its_shifts_by_the_clock(tmp_path):
    frame, _ = production_log(900, 22)
    write_shared("production_log", frame, tmp_path / "parts.csv")
    machine = register_machine("cnc", tmp_path / "parts.csv", workspace=tmp_path)
    assert machine.label_columns == ("Scrap", "Reject Reason")
    assert machine.column_roles["normals"] == {"Scrap": "No", "Reject Reason": ""}
    train_tvae("cnc", epochs=3, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("cnc", 600, 0, 0, seed=2, format="csv", workspace=tmp_path)
    cells = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert cells["Part ID"].tolist()[:2] == ["P24-000001", "P24-000002"] and cells["Part ID"].is_unique
    finished = pd.to_datetime(cells["Finished"], format="%m/%d/%Y %I:%M %p")  # the 12-hour clock kept
    hours = finished.dt.hour
    shift = np.where((hours >= 6) & (hours < 14), "A", np.where((hours >= 14) & (hours < 22), "B", "C"))
    assert (cells["Shift"] == shift).all()
    assert ((cells["Scrap"] == "Yes") == (cells["Reject Reason"] != "")).all()


def test_a_dataframes_bools_nullable_integers_and_time_zone_come_back_in_their_dtypes(tmp_path):
    rng = np.random.default_rng(21)
    rows = 400
    temp = rng.normal(60, 5, rows)
    frame = pd.DataFrame(
        {
            "when": pd.date_range("2024-03-20", periods=rows, freq="h", tz="Europe/Berlin"),  # over DST
            "temp": temp,
            "door_open": rng.random(rows) < 0.3,
            "checked": pd.array(np.where(rng.random(rows) < 0.1, None, rng.random(rows) < 0.5), "boolean"),
            "stops": pd.array(np.where(rng.random(rows) < 0.05, None, rng.integers(0, 5, rows)), "Int64"),
            "failure": temp > 68,
        }
    )
    machine = register_machine("frame", frame, workspace=tmp_path)
    assert machine.dtypes == {
        "when": "datetime64[ns, Europe/Berlin]",
        "door_open": "bool",
        "checked": "boolean",
        "stops": "Int64",
        "failure": "bool",
    }
    assert machine.label_columns == ("failure",)
    # a roles change keeps what registration read (the dtypes were lost)
    assert update_roles("frame", {"stops": "numeric"}, workspace=tmp_path).dtypes == machine.dtypes
    train_tvae("frame", epochs=2, seed=1, workspace=tmp_path)
    rows_back = sample("frame", 200, seed=3, workspace=tmp_path)
    assert rows_back.dtypes.to_dict() == frame.dtypes.to_dict()
    assert rows_back["when"].between(frame["when"].min(), frame["when"].max()).all()
    run = generate_synthetic_data("frame", 300, 0, 0, seed=2, workspace=tmp_path)  # scored: read back
    assert pd.read_parquet(run.file_paths["train"]).dtypes.to_dict() == frame.dtypes.to_dict()
    report = json.loads(Path(run.report_path).with_name("report.json").read_text())
    assert run.quality > 0.5 and report["failure_rate_ratio"] is not None
    csv = generate_synthetic_data("frame", 300, 0, 0, seed=2, format="csv", run_id="c", workspace=tmp_path)
    cells = pd.read_csv(csv.file_paths["train"], dtype=str, keep_default_na=False)
    assert set(cells["door_open"]) == {"True", "False"} and set(cells["checked"]) <= {"True", "False", ""}
    assert cells["when"].str.fullmatch(r"2024-0[34]-\d\d \d\d:00:00\+0[12]:00").all()
    assert cells["stops"].str.fullmatch(r"\d|").all()


def test_true_false_flags_of_a_spreadsheet_export_are_written_back_as_spelled(tmp_path):
    frame, truth = milling_log(800, 13)
    frame["Machine failure"] = frame["Machine failure"].map({0: "FALSE", 1: "TRUE"})  # as Excel writes
    door = np.where(np.arange(len(frame)) % 5 == 0, "true", "false").astype(object)
    door[np.arange(len(frame)) % 11 == 3] = ""
    frame["Door open"] = door  # a switch beside the label, spelled in lower case, some cells empty
    frame.to_csv(tmp_path / "export.csv", index=False)
    machine = register_machine("export", tmp_path / "export.csv", workspace=tmp_path)
    roles = machine.column_roles
    assert roles["roles"] == truth | {"Door open": "category"}
    assert roles["normals"]["Machine failure"] == "FALSE"
    train_tvae("export", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("export", 500, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert set(written["Machine failure"]) == {"TRUE", "FALSE"}
    assert set(written["Door open"]) == {"true", "false", ""}


def test_splits_of_a_whitespace_separated_log_are_written_with_spaces_and_read_back(tmp_path):
    rng = np.random.default_rng(8)
    cycle = np.tile(np.arange(1, 101), 4)
    wear = cycle / 100 + rng.normal(0, 0.05, 400)
    lines = [
        f"{c} {w:.4f} {642 + 2 * w + rng.normal(0, 0.3):.2f} {int(w > 0.9)}  " for c, w in zip(cycle, wear)
    ]
    (tmp_path / "train_FD001.txt").write_text("\n".join(lines) + "\n")
    register_machine("engine", tmp_path / "train_FD001.txt", roles={"column_4": "label"}, workspace=tmp_path)
    train_tvae("engine", epochs=2, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("engine", 300, 0, 0, seed=2, format="csv", workspace=tmp_path)
    text = open(run.file_paths["train"], encoding="utf-8").read().splitlines()
    assert text[0] == "column_1 column_2 column_3 column_4" and len(text[1].split(" ")) == 4
    assert run.quality is not None and run.quality > 0.3  # the report read the splits back


def test_a_high_rate_loggers_times_come_back_on_its_millisecond_step(tmp_path):
    rng = np.random.default_rng(5)
    times = pd.date_range("2020-03-09 10:00", periods=400, freq="1250ms")
    frame = pd.DataFrame({"timestamp": times.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]})
    frame = frame.assign(current=rng.normal(5, 1, 400).round(3), trip=(rng.random(400) < 0.1).astype(int))
    frame.to_csv(tmp_path / "fast.csv", index=False)
    register_machine("fast", tmp_path / "fast.csv", workspace=tmp_path)
    train_tvae("fast", epochs=1, seed=1, workspace=tmp_path)
    rows = sample("fast", 200, seed=2, workspace=tmp_path)
    offsets = (rows["timestamp"] - times[0]).dt.total_seconds() * 1000
    assert (offsets % 250 == 0).all() and rows["timestamp"].between(times[0], times[-1]).all()


@pytest.mark.parametrize(
    "times, step",
    [
        (pd.date_range("2020-02-01", periods=50, freq="10s"), 10),
        (pd.date_range("2015-01-01 06:00", periods=50, freq="h"), 3_600),
        (pd.date_range("2023-04-01", periods=4, freq="D").repeat(3), 86_400),
        (pd.Series(pd.date_range("2020-02-01", periods=50, freq="10s")).sample(frac=1, random_state=1), 10),
        (pd.date_range("2020-02-01", periods=50, freq="1500ms"), 0.5),  # a high-rate logger's
        (pd.date_range("2020-02-01", periods=50, freq="1001ms"), 0.001),
        (pd.date_range("2020-02-01", periods=50, freq="1001us"), None),  # finer than a millisecond
        (pd.date_range("2020-02-01", periods=50, freq="h", tz="Europe/Berlin"), None),
        (pd.Series([pd.Timestamp("2020-02-01"), pd.NaT, pd.NaT]), None),
    ],
)
def test_the_step_every_seed_timestamp_falls_on(times, step):
    assert time_step(pd.Series(times)) == step


def test_events_joined_onto_telemetry_keep_their_rates_and_stay_empty_where_nothing_happened(tmp_path):
    frame, _ = telemetry_with_events(3_000, 3)
    frame.to_csv(tmp_path / "fleet.csv", index=False)
    register_machine("fleet", tmp_path / "fleet.csv", workspace=tmp_path)
    train_tvae("fleet", epochs=3, seed=1, workspace=tmp_path)
    run = generate_synthetic_data("fleet", 3_000, 0, 0, seed=2, format="csv", workspace=tmp_path)
    written = pd.read_csv(run.file_paths["train"])
    for column in ("failure", "errorID"):  # empty cells on the CSV where nothing failed
        assert set(written[column].dropna()) <= set(frame[column].dropna())
        assert 0.8 <= written[column].notna().mean() / frame[column].notna().mean() <= 1.25, column
    assert written["datetime"].str.fullmatch(r"\d\d/\d\d/2015 \d\d:\d\d:\d\d [AP]M").all()
    assert written["datetime"].str.endswith(":00:00 AM").sum() > 0  # hourly readings stay on the hour
    assert written["datetime"].str.fullmatch(r".* \d\d:00:00 [AP]M").all()
    rates = evaluate("fleet", run.run_id, workspace=tmp_path, save=False).label_rates
    assert 0.8 <= rates["failure"]["ratio"] <= 1.25 and rates["failure=comp2"]["real"] > 0
    per_machine = written.groupby("machineID")  # each machine keeps its one model and age
    assert per_machine["model"].nunique().max() == 1 and per_machine["age"].nunique().max() == 1
    real_model = frame.groupby("machineID")["model"].first()
    assert (written["model"] == written["machineID"].map(real_model)).all()
    under = sample("fleet", 300, {"model": "model2"}, seed=3, workspace=tmp_path)  # a condition on one
    assert (under["model"] == "model2").all() and (under["machineID"].map(real_model) == "model2").all()


def test_numbers_that_are_a_repeating_keys_own_are_found_with_their_change_in_time():
    frame, _ = drive_stats(2_000, 3)
    roles = infer_roles(frame)
    steady = steady_numbers(frame, "serial_number", roles.of("numeric"), "date")
    assert steady["smart_9_raw"] == pytest.approx(1 / 3600)  # 24 hours a day
    assert "smart_194_raw" not in steady and "smart_1_raw" not in steady  # readings of the day
    assert steady_numbers(frame, "serial_number", ["smart_9_raw"], None) == {"smart_9_raw": 0.0}


def test_a_key_written_twice_once_owns_no_numbers_and_no_categories():
    rng = np.random.default_rng(23)
    rows = 1_500
    orders = np.arange(100_000, 100_000 + rows)
    orders[7] = orders[6]  # one order on two rows: every other column seems not to change within keys
    frame = pd.DataFrame(
        {
            "order_id": orders,
            "power": rng.normal(50, 5, rows),
            "grade": rng.choice(list("ABC"), rows),
            "failure": (rng.random(rows) < 0.05).astype(int),
        }
    )
    plan = ColumnPlan.from_seed(frame, infer_roles(frame))
    assert plan.roles["order_id"] == "id" and plan.id_formats["order_id"]["repeats"] > 1
    assert not {"steady", "per_key"} & set(plan.id_formats["order_id"])
    frame["order_id"] = np.repeat(np.arange(rows // 3), 3)  # now every key repeats, and power is a reading
    assert "per_key" in ColumnPlan.from_seed(frame, infer_roles(frame)).id_formats["order_id"]


def test_numbers_made_a_keys_own_keep_their_decimals():
    rng = np.random.default_rng(16)
    keys = pd.Series(np.repeat(np.arange(50), 4))
    times = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(np.tile(np.arange(4), 50), unit="D"))
    wear = pd.Series(rng.normal(20, 3, 200).round(2))  # as the model gives it: the seed's decimals
    made = steady_within_keys(wear, keys, times, 0.5 / 86_400)
    assert made.notna().all() and (made == made.round(2)).all() and (made != made.round(1)).any()
    base = (made - 0.5 * (times - times.min()).dt.days).round(6)
    assert (base.groupby(keys).nunique() == 1).mean() > 0.9  # a key's own, moving half a unit a day


def test_a_drive_serial_repeated_each_day_comes_back_repeated_and_true_to_its_drive(tmp_path):
    frame, _ = drive_stats(2_000, 3)
    synthetic, _ = _run(tmp_path, "drives", frame, rows=2_400)
    per_drive = synthetic.groupby("serial_number")
    assert per_drive.size().max() == 4 and per_drive.size().mean() > 3.4
    assert not synthetic.duplicated(["serial_number", "date"]).any(), "one snapshot per drive and day"
    assert (synthetic["date"] == synthetic["date"].dt.normalize()).all()  # days, as in the seed
    # a drive's power-on hours are its own: they grow by 24 a day, as in the seed
    # (but for a drive or two at the very top or bottom, kept within the rows' own range)
    hours_at_start = synthetic["smart_9_raw"] - 24 * (synthetic["date"] - synthetic["date"].min()).dt.days
    assert (hours_at_start.groupby(synthetic["serial_number"]).nunique() > 1).sum() <= 2
    old = sample("drives", 400, {"smart_9_raw": (30_000, None)}, seed=4, workspace=tmp_path)
    assert (old["smart_9_raw"] >= 30_000).all() and old.groupby("serial_number").size().max() > 1
    assert per_drive["model"].nunique().max() == 1 and per_drive["capacity_bytes"].nunique().max() == 1
    seagate = synthetic["serial_number"].str.fullmatch(r"[A-Z]{2}\d[A-Z]{3}\d[A-Z]|[A-Z]{3}\d\d[A-Z]{3}")
    shapes = r"[A-Z]{2}\d{4}[A-Z]{4}\d[A-Z]\d[A-Z]|\d{3}[A-Z]\d[A-Z]{5}\d[A-Z]|\d[A-Z]{7}"
    assert (seagate | synthetic["serial_number"].str.fullmatch(shapes)).all()
    assert not synthetic["serial_number"].isin(frame["serial_number"]).any()
    assert synthetic["smart_1_raw"].dtype.kind == "i"  # modelled as a reading, not made up as a key
    # a normalized value is a step function of its raw count, as in the seed (after the counts
    # were made steady within each drive)
    seen = frame.drop_duplicates("smart_5_raw").set_index("smart_5_raw")["smart_5_normalized"]
    known = synthetic[synthetic["smart_5_raw"].isin(seen.index)]
    assert len(known) > 0.9 * len(synthetic)
    assert (known["smart_5_normalized"].to_numpy() == seen[known["smart_5_raw"]].to_numpy()).all()
    assert synthetic.sort_values("smart_5_raw")["smart_5_normalized"].is_monotonic_decreasing


def test_the_report_scores_labels_by_their_own_names(milling):
    workspace, real, _, run = milling
    report = evaluate("mill", run.run_id, workspace=workspace)
    assert set(report.label_rates) >= {"Machine failure", "TWF", "HDF", "PWF", "OSF"}
    assert report.failure_rate_ratio == pytest.approx(report.label_rates["Machine failure"]["ratio"])
    assert report.label_contradiction_rate == 0.0
    assert {"roc_auc_synthetic", "pr_auc_synthetic", "pr_auc_real"} <= set(report.utility)
    assert report.utility["pr_auc_real"] is not None
    assert "UDI" not in report.column_scores and "Product ID" not in report.column_scores


def test_a_timestamped_log_is_evaluated_without_treating_time_as_a_category(pump):
    workspace, _, _, run = pump
    report = evaluate("bench", run.run_id, workspace=workspace)
    assert report.failure_rate_ratio is not None
    assert "fault=sensor_drift" in report.label_rates or "fault=bearing_wear" in report.label_rates
    assert report.utility["roc_auc_synthetic"] is not None


def test_failure_ratio_works_whatever_the_labels_are_called(pump):
    workspace = pump[0]
    result = generate_synthetic_data(
        "bench", 1_000, 0, 0, seed=3, failure_ratio=1.0, workspace=workspace, report=False
    )
    rows = pd.read_parquet(result.file_paths["train"])
    assert (rows["fault"] != "normal").all() or (rows[["anomaly", "changepoint"]] != 0).any(axis=1).all()
    result = generate_synthetic_data(
        "bench", 1_000, 0, 0, seed=3, failure_ratio=0.7, workspace=workspace, report=False
    )
    rows = pd.read_parquet(result.file_paths["train"])
    failing = (rows["fault"] != "normal") | (rows["anomaly"] != 0) | (rows["changepoint"] != 0)
    assert failing.mean() == pytest.approx(0.7, abs=0.01)


def test_roles_changed_after_training_say_the_model_is_stale(workspace):
    frame, _ = milling_log(400, 2)
    register_machine("mill2", frame)
    train_tvae("mill2", epochs=1, seed=1)
    with pytest.warns(StaleModelWarning, match="train it again"):
        machine = update_roles("mill2", {"Type": "ignore"})
    assert machine.column_roles["roles"]["Type"] == "ignore"
    result = generate_synthetic_data("mill2", 200, 0, 0, seed=1, report=False)
    assert "Type" in pd.read_parquet(result.file_paths["train"]).columns  # the model's own columns
    train_tvae("mill2", epochs=1, seed=1)
    result = generate_synthetic_data("mill2", 200, 0, 0, seed=1, report=False)
    assert "Type" not in pd.read_parquet(result.file_paths["train"]).columns
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleModelWarning)
        update_roles("mill2", {"Type": "ignore"})  # the model now has these roles


def test_cli_register_with_roles_and_the_roles_command(workspace, tmp_path, capsys):
    frame, _ = milling_log(300, 1)
    path = tmp_path / "mill.csv"
    frame.to_csv(path, index=False)
    assert main(["--workspace", str(workspace), "register", "m", str(path), "--dry-run"]) == 0
    assert "(dry run: nothing registered)" in capsys.readouterr().out
    assert not (workspace / "machines" / "m").exists()
    code = main(
        [
            "--workspace",
            str(workspace),
            "register",
            "m",
            str(path),
            "--ignore",
            "Type",
            "--id",
            "UDI",
            "--json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["column_roles"]["roles"]["Type"] == "ignore"
    assert main(["--workspace", str(workspace), "roles", "m", "--category", "Type", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["roles"]["Type"] == "category"
    assert main(["--workspace", str(workspace), "roles", "m"]) == 0
    assert re.search(r"Type\s+category\s+set by you", capsys.readouterr().out)
    assert main(["--workspace", str(workspace), "roles", "m", "--label", "Nope"]) == 2
    assert "no column named 'Nope'" in capsys.readouterr().err


def test_the_panel_previews_roles_and_registers_with_the_users_changes(workspace):
    pytest.importorskip("ipywidgets")
    from synthkit.widgets import MachinePanel
    from tests.test_widgets import upload

    frame, _ = milling_log(300, 1)
    panel = MachinePanel(workspace)
    panel.upload.value = (upload("mill.csv", frame.to_csv(index=False).encode()),)
    assert panel.roles.dropdowns["UDI"].value == "id"
    assert panel.roles.dropdowns["Machine failure"].value == "label"
    panel.roles.dropdowns["Type"].value = "ignore"
    panel.new_id.value = "panel_mill"
    panel.register()
    assert "registered panel_mill" in panel.problems.value
    from synthkit import get_machine

    assert get_machine("panel_mill", workspace).column_roles["roles"]["Type"] == "ignore"


def test_rows_of_raw_logs_have_no_nan_in_label_columns_and_no_unknown_classes(pump):
    _, real, synthetic, _ = pump
    assert set(synthetic["fault"]) <= set(real["fault"])
    assert synthetic[["anomaly", "changepoint"]].isin([0.0, 1.0]).all().all()
    assert np.isfinite(synthetic["Accelerometer1RMS"]).all()


def test_utility_reports_recall_at_the_real_rate_and_an_augmentation_score(milling):
    workspace, _, _, run = milling
    utility = evaluate("mill", run.run_id, workspace=workspace, save=False).utility
    for source in ("synthetic", "real", "augmented"):
        assert 0.0 <= utility[f"recall_at_rate_{source}"] <= 1.0
        assert 0.0 <= utility[f"pr_auc_{source}"] <= 1.0


def test_each_label_keeps_the_readings_its_own_rows_have(tmp_path):
    """Half the oil samples rated `Critical` are rated so for iron over 60 ppm; the decoder blurs
    that toward the fleet's usual iron. Each label value with rows enough gets its own marginal
    map, so its readings keep its own distribution, not only the whole table's."""
    from scipy.stats import ks_2samp

    from synthkit import _sdv

    frame, _ = oil_analysis(2500, 4)
    write_shared("oil_analysis", frame, tmp_path / "oil.csv")
    register_machine("oil", tmp_path / "oil.csv", workspace=tmp_path)
    train_tvae("oil", epochs=10, seed=1, workspace=tmp_path)
    model = load_model("oil", workspace=tmp_path)
    network = model.synthesizer._model
    assert {"Normal", "Caution", "Critical"} <= set(network.label_marginal_map)
    real = load_seed("oil", tmp_path)[0]
    mapped = _sdv.sample_rows(model.synthesizer, 4000, 3)
    saved, network.label_marginal_map = network.label_marginal_map, None
    whole_table_map_only = _sdv.sample_rows(model.synthesizer, 4000, 3)
    network.label_marginal_map = saved

    def distance(rows: pd.DataFrame, severity: str) -> float:
        own = rows["Severity"] == severity
        return ks_2samp(
            rows.loc[own, "Fe (ppm)"], real.loc[real["Severity"] == severity, "Fe (ppm)"]
        ).statistic

    for severity in ("Normal", "Caution", "Critical"):
        assert distance(mapped, severity) < 0.2, severity
    assert distance(whole_table_map_only, "Critical") > 2 * distance(mapped, "Critical")
    critical = mapped.loc[mapped["Severity"] == "Critical", "Fe (ppm)"]
    assert critical.median() == pytest.approx(
        real.loc[real["Severity"] == "Critical", "Fe (ppm)"].median(), abs=8
    )
