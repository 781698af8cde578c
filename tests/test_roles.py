"""Column roles: inferred from raw logs without hints, overridden by the user, refused by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthkit import InvalidDataError, InvalidParameterError, preview_roles, register_machine
from synthkit.raw_logs import MAKERS, write_shared
from synthkit.registration import prepare
from synthkit.roles import failing_mask, infer_roles, name_words, one_hot_groups
from tests.conftest import snapshot


@pytest.mark.parametrize("maker", list(MAKERS))
def test_every_role_of_realistic_raw_logs_is_inferred_without_hints(maker):
    rows = 20_000 if maker == "line_log_long" else 1_500
    frame, expected = MAKERS[maker](rows, 3)
    roles = prepare(frame).roles
    wrong = {c: (roles.roles[c], expected[c]) for c in expected if roles.roles[c] != expected[c]}
    assert wrong == {}


@pytest.mark.parametrize("maker", [m for m in MAKERS if m != "line_log_long"])
def test_every_role_is_inferred_from_the_csv_as_such_logs_are_shared(maker, tmp_path):
    frame, expected = MAKERS[maker](1_500, 3)
    expected = write_shared(maker, frame, tmp_path / "log.csv") | expected  # ";", a written index
    roles = prepare(tmp_path / "log.csv").roles
    assert roles.roles == expected


@pytest.mark.parametrize(
    "name, values, normal",
    [
        ("Pruefergebnis", ["iO"] * 280 + ["niO"] * 20, "iO"),
        ("inspection", ["OK"] * 285 + ["NG"] * 15, "OK"),
        ("Störung", ["Nein"] * 290 + ["Ja"] * 10, "Nein"),
        ("Panne", ["non"] * 290 + ["oui"] * 10, "non"),
        ("Teil", ["Gut"] * 280 + ["Schlecht"] * 20, "Gut"),
    ],
)
def test_the_no_failure_value_is_read_in_the_plants_words(name, values, normal):
    roles = prepare(pd.DataFrame({name: values, "druck": np.linspace(1, 3, len(values))})).roles
    assert roles.roles[name] == "label" and roles.normals == {name: normal}


def test_the_main_label_comes_first_and_status_labels_get_their_no_failure_class():
    roles = prepare(MAKERS["pump_testbed"](1_500, 0)[0]).roles
    assert roles.labels[0] == "fault"
    assert roles.normals == {"fault": "normal", "anomaly": "0", "changepoint": "0"}
    roles = prepare(MAKERS["plant_sensor_wide"](800, 0)[0]).roles
    assert roles.normals == {"machine_status": "NORMAL"}


def test_a_status_that_also_logs_idle_and_stopped_states_fails_only_on_its_faults():
    rng = np.random.default_rng(3)
    state = rng.choice(
        ["RUN", "IDLE", "STOPPED", "FAULT", "MAINTENANCE"], 2_000, p=[0.6, 0.25, 0.09, 0.03, 0.03]
    )
    frame = pd.DataFrame({"power_kw": rng.normal(1500, 200, 2_000), "state": state})
    roles = prepare(frame).roles
    assert roles.labels == ("state",) and roles.normals == {"state": ["RUN", "IDLE", "STOPPED"]}
    assert (
        failing_mask(frame["state"], roles.normals["state"]).mean()
        == np.isin(state, ["FAULT", "MAINTENANCE"]).mean()
    )


def test_a_random_failure_flag_set_while_the_main_label_is_0_joins_the_mode_flags():
    frame, _ = MAKERS["milling_log"](3_000, 5)
    rnf = frame["RNF"] == 1
    assert rnf.sum() >= 2 and frame.loc[rnf, "Machine failure"].mean() < 0.5
    assert infer_roles(frame).roles["RNF"] == "label"


@pytest.mark.parametrize(
    "values, name, role",
    [
        (np.arange(300), "row", "id"),
        ([f"SN-{i:06d}" for i in range(300)], "serial", "id"),
        (np.tile([1, 2, 3, 4], 75), "grade_code", "category"),
        (np.tile([1, 2, 3, 4], 75), "spindle_count", "numeric"),
        (np.tile(np.arange(40), 8)[:300], "experiment", "category"),
        (np.linspace(0, 1, 300), "load", "numeric"),
        (["A"] * 300, "plant", "constant"),
        (pd.date_range("2024-01-01", periods=300, freq="h").astype(str), "logged", "datetime"),
        (np.r_[np.zeros(290), np.ones(10)].astype(int), "Broken", "label"),
        (np.r_[np.zeros(290), np.ones(10)].astype(int), "valve_open", "category"),
        (["OK"] * 280 + ["ALARM"] * 20, "state", "label"),
        (["open"] * 200 + ["closed"] * 100, "valve_state", "category"),
        (1_583_750_000 + 60 * np.arange(300), "timestamp", "numeric"),  # epoch seconds: a clock
        (1_583_750_000_000 + 60_000 * np.arange(300), "time_ms", "numeric"),
        (1_583_750_000 + np.arange(300), "record", "id"),  # not named like a time
        (np.arange(300), "time", "id"),  # named like one, but not epoch seconds
        # failures marked, the other rows left blank (an "x" in a spreadsheet, a joined event log)
        (["x"] * 10 + [None] * 290, "Failure?", "label"),
        (np.r_[np.ones(12), np.full(288, np.nan)], "breakdown", "label"),
        (["comp1", "comp2"] * 5 + [None] * 290, "failure", "label"),
        (["comp1", "comp2"] * 5 + [None] * 290, "maint_comp", "category"),  # not named like a failure
        (np.r_[np.arange(9) * 0.37, np.full(291, np.nan)], "fault_current", "numeric"),  # a reading
        # a key repeated on every day's row, and integers that never repeat but are readings
        ([f"ZA{i % 75:05d}" for i in range(300)], "serial_number", "id"),
        ([f"ZA{i % 75:05d}" for i in range(300)], "batch", "category"),
        (np.random.default_rng(1).choice(10**9, 300, replace=False), "smart_1_raw", "numeric"),
        (np.random.default_rng(1).choice(10**9, 300, replace=False), "order", "id"),
        (np.tile(np.arange(8), 38)[:300], "smart_197_raw", "numeric"),  # a counter, not a code
        # a digital signal logged as 0.0 / 1.0 is a switch, whatever it is named after
        (np.tile([0.0, 1.0, 1.0], 100), "Pressure_switch", "category"),
        (np.tile([0, 1, 1], 100), "Oil_level", "category"),
        (np.tile([0, 1, 2], 100), "Oil_level", "numeric"),
        # inspection results and yes/no as plants write them: the bad value says it is a label
        (["iO"] * 280 + ["niO"] * 20, "Pruefergebnis", "label"),
        (["i.O."] * 280 + ["n.i.O."] * 20, "Pruefung", "label"),
        (["OK"] * 285 + ["NOK"] * 15, "quality_check", "label"),
        (["OK"] * 285 + ["NG"] * 15, "inspection", "label"),
        (["Gut"] * 280 + ["Schlecht"] * 20, "Teil", "label"),
        (["non"] * 290 + ["oui"] * 10, "Panne", "label"),
        (["running"] * 200 + ["idle"] * 100, "mode", "category"),  # ng inside running says nothing
        # a check's result as neg/pos (a truck fleet's class), and the class to learn as 0/1
        (["neg"] * 295 + ["pos"] * 5, "class", "label"),
        (["Negative"] * 280 + ["Positive"] * 20, "result", "label"),
        (["negative"] * 150 + ["positive"] * 150, "polarity", "category"),  # not rare: a sign
        (np.r_[np.zeros(295), np.ones(5)].astype(int), "Class", "label"),
        (np.r_[np.zeros(295), np.ones(5)].astype(int), "classification_done", "category"),
        (np.r_[np.zeros(294), np.ones(6)].astype(int), "Response", "label"),  # a production line's
        # a machine's states alone are no failures (a pump's ON/OFF), with a fault among them they are
        (["ON"] * 285 + ["OFF"] * 15, "pump_state", "category"),
        (["RUN"] * 200 + ["IDLE"] * 90 + ["FAULT"] * 10, "state", "label"),
        # codes: a fault code names failures (up to 50 of them), other codes are categories
        (np.r_[np.zeros(255), np.arange(1001, 1046)].astype(int), "fault_code", "label"),
        (np.r_[np.full(255, np.nan), np.arange(2001, 2046)], "Error Nr", "label"),
        (np.tile(np.arange(100, 145), 7)[:300], "alarm_code", "category"),  # no no-failure value
        (np.tile(np.arange(700, 730), 10), "status_code", "category"),
        (np.r_[np.zeros(255), np.arange(-22, 23)].astype(int), "position_error", "numeric"),  # a reading
        # notes people write are left out; a name per row is still a key
        ([f"Replaced seal on line {i % 7}, leak stopped #{i}" for i in range(300)], "Comments", "ignore"),
        ([f"Operator {i:03d}" for i in range(300)], "operator", "id"),
        (["Heat Dissipation Failure"] * 20 + ["No Failure"] * 280, "Failure Type", "label"),
        # a production line's verdict on each part, and why it was scrapped (blank when it was not)
        (["No"] * 295 + ["Yes"] * 5, "Scrap", "label"),
        (["Burr", "Dimension"] * 3 + [None] * 294, "Reject Reason", "label"),
        (["i.O."] * 290 + ["Ausschuss"] * 10, "Ergebnis", "label"),  # in order, or scrap
        (["A"] * 290 + ["B"] * 10, "Ergebnis", "category"),
        (["N"] * 290 + ["Y"] * 10, "Ausschuss", "label"),
        # an oil analysis' severity, and a reading named with its unit (few whole numbers)
        (["Normal"] * 260 + ["Caution"] * 32 + ["Critical"] * 8, "Severity", "label"),
        (["Normal"] * 270 + ["Abnormal"] * 30, "Sample Condition", "label"),
        (np.tile(np.arange(1, 13), 25), "Cu (ppm)", "numeric"),
        (np.tile(np.arange(1, 13), 25), "Cu", "category"),
    ],
)
def test_one_column_roles(values, name, role):
    frame = pd.DataFrame({"temperature": np.random.default_rng(0).normal(size=300), name: values})
    assert infer_roles(frame).roles[name] == role


def _one_hot(classes: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    return {name: (classes == k).astype(int) for k, name in enumerate(names)}


def test_one_category_written_in_several_columns_is_found_side_by_side_or_by_its_prefix():
    rng = np.random.default_rng(4)
    rows = 400
    frame = pd.DataFrame(
        {
            "TypeOfSteel_A300": (rng.random(rows) < 0.4).astype(int),
            "grade_low": 0,
            "load": rng.normal(size=rows),
            **_one_hot(rng.choice(3, rows), ["Bumps", "Stains", "Dirtiness"]),
            "valve_open": rng.integers(0, 2, rows),
            "pair_a": 0,
        }
    )
    grades = rng.choice(3, rows)
    frame["grade_low"], frame["grade_mid"], frame["grade_high"] = (
        (grades == 0) * 1,
        (grades == 1) * 1,
        (grades == 2) * 1,
    )
    frame["pair_a"] = 1 - frame["TypeOfSteel_A300"]
    roles = infer_roles(frame)
    assert one_hot_groups(frame, roles.roles) == [
        ["Bumps", "Stains", "Dirtiness"],
        ["grade_low", "grade_mid", "grade_high"],
    ]
    assert {roles.roles[c] for c in ["Bumps", "grade_mid", "valve_open", "pair_a"]} == {"category"}
    assert "one of 3 columns ('Bumps' ... 'Dirtiness') set on every row" in roles.reasons["Stains"]
    broken = frame.assign(Bumps=1)  # two set in some rows
    gappy = frame.astype({"Stains": float}).assign(Stains=lambda f: f["Stains"].mask(f.index == 0))
    assert one_hot_groups(broken, roles.roles) == [["grade_low", "grade_mid", "grade_high"]]
    assert one_hot_groups(gappy, roles.roles) == [["grade_low", "grade_mid", "grade_high"]]


def test_classes_written_in_columns_are_one_label_when_one_is_named_as_a_failure_or_no_failure():
    rng = np.random.default_rng(5)
    rows = 500
    plates = pd.DataFrame(
        {
            "thickness": rng.normal(80, 20, rows),
            **_one_hot(rng.choice(3, rows), ["Pastry", "Bumps", "Other_Faults"]),
        }
    )
    roles = infer_roles(plates)
    assert roles.labels == ("Other_Faults", "Pastry", "Bumps")
    assert roles.normals == {"Pastry": "0", "Bumps": "0", "Other_Faults": "0"}
    status = pd.DataFrame(
        {
            "flow": rng.normal(size=rows),
            **_one_hot(
                rng.choice(3, rows, p=[0.9, 0.06, 0.04]),
                ["status_NORMAL", "status_BROKEN", "status_RECOVERING"],
            ),
        }
    )
    roles = infer_roles(status)
    assert set(roles.labels) == {"status_NORMAL", "status_BROKEN", "status_RECOVERING"}
    assert roles.normals["status_NORMAL"] == "1" and roles.normals["status_BROKEN"] == "0"
    failing = failing_mask(status["status_BROKEN"], "0") | failing_mask(status["status_NORMAL"], "1")
    assert failing.sum() == (status["status_NORMAL"] == 0).sum() > 0
    fixed = infer_roles(plates, fixed={"Pastry": "category"})
    assert fixed.roles["Pastry"] == "category" and fixed.roles["Bumps"] == "category"


def test_a_log_from_a_german_plant_gets_its_labels_by_their_own_words():
    rng = np.random.default_rng(2)
    rows = 600
    fault = rng.random(rows) < 0.04
    frame = pd.DataFrame(
        {
            "Temperatur [°C]": rng.normal(60, 3, rows).round(1),
            "Drehzahl": rng.normal(1500, 50, rows).round(0),
            "Störung": fault.astype(int),
            "Zustand": np.where(fault, "Störung", np.where(rng.random(rows) < 0.1, "Wartung", "Normal")),
        }
    )
    roles = infer_roles(frame)
    assert roles.roles == {
        "Temperatur [°C]": "numeric",
        "Drehzahl": "numeric",
        "Störung": "label",
        "Zustand": "label",
    }
    assert roles.normals == {"Störung": "0", "Zustand": "Normal"}


def test_events_joined_onto_telemetry_are_labels_whose_empty_cells_mean_no_failure(workspace):
    frame, _ = MAKERS["telemetry_with_events"](2_000, 1)
    roles = infer_roles(frame)
    assert roles.labels == ("failure", "errorID")  # a failure outranks an error as what failure means
    assert roles.normals == {"failure": "", "errorID": ""}
    assert "empty except on" in roles.reasons["failure"]
    machine = register_machine("fleet", frame)
    assert set(machine.failure_modes) == set(frame["failure"].dropna()) | set(frame["errorID"].dropna())


def test_a_key_given_to_a_column_of_a_few_values_is_refused_and_a_repeating_key_is_taken(workspace):
    frame, _ = MAKERS["drive_stats"](1_200, 2)
    with pytest.raises(InvalidDataError, match=r"'model' cannot be an id: its 5 values repeat .*'category'"):
        register_machine("drives", frame, roles={"model": "id"})
    machine = register_machine("drives", frame, roles={"serial_number": "id"})
    assert machine.column_roles["roles"]["serial_number"] == "id"


def test_columns_that_never_change_within_a_category_a_number_or_an_hour_follow_it_and_no_others():
    from synthkit.column_plan import ColumnPlan

    derived = {}
    for maker in [m for m in MAKERS if m != "line_log_long"]:
        prepared = prepare(MAKERS[maker](3_000, 4)[0])  # a long export widened
        rules = ColumnPlan.from_seed(prepared.frame, prepared.roles).derived
        if rules:
            derived[maker] = {(column, rule["from"]) for column, rule in rules.items()}
    assert derived == {
        "drive_stats": {  # each drive model has one capacity; a normalized value is one of the count's
            ("capacity_bytes", "model"),
            ("smart_5_normalized", "smart_5_raw"),
        },
        "telemetry_with_events": {("model", "machineID"), ("age", "machineID")},
        "production_log": {("Shift", "Finished")},  # by the hour a part finished
    }


def test_a_shift_follows_the_hour_and_a_weekend_the_day_of_its_timestamp_and_nothing_else_does():
    from synthkit.column_plan import ColumnPlan

    rng = np.random.default_rng(4)
    times = pd.Timestamp("2024-05-06 06:00") + pd.to_timedelta(
        np.sort(rng.uniform(0, 14 * 86_400, 3_000)), "s"
    )
    frame = pd.DataFrame(
        {
            "Finished": times,
            "Shift": np.where(
                times.hour < 6, "C", np.where(times.hour < 14, "A", np.where(times.hour < 22, "B", "C"))
            ),
            "Weekend": np.where(times.dayofweek >= 5, "yes", "no"),
            "Operator": rng.choice(["Keller", "Roth", "Novak"], len(times)),  # changes within an hour
            "Hour": times.hour,  # a number as well
            "Load": rng.normal(50, 5, len(times)),
            "Scrap": np.where(rng.random(len(times)) < 0.03, "Yes", "No"),
        }
    )
    plan = ColumnPlan.from_seed(frame, infer_roles(frame))
    assert {c: (r["from"], r.get("part")) for c, r in plan.derived.items()} == {
        "Shift": ("Finished", "hour"),
        "Hour": ("Finished", "hour"),
        "Weekend": ("Finished", "weekday"),
    }
    drawn = frame.assign(Shift="A", Weekend="no", Hour=0)  # as a model might draw them
    drawn["Finished"] = drawn["Finished"].sample(frac=1, random_state=1).to_numpy()
    agreed = plan.agreeing(drawn)
    hours = agreed["Finished"].dt.hour
    assert (agreed["Hour"] == hours).all() and (
        agreed["Weekend"] == np.where(agreed["Finished"].dt.dayofweek >= 5, "yes", "no")
    ).all()
    assert (
        agreed["Shift"]
        == np.where((hours >= 6) & (hours < 14), "A", np.where((hours >= 14) & (hours < 22), "B", "C"))
    ).all()
    assert (agreed["Operator"] == drawn["Operator"]).all()


def test_names_read_alike_whatever_their_case_and_separators():
    assert name_words("MachineFailure") == name_words("machine-failure") == name_words("Machine failure")


def test_roles_given_by_the_user_win_and_are_kept_in_machine_json(workspace):
    frame, _ = MAKERS["milling_log"](400, 1)
    machine = register_machine("mill", frame, roles={"Type": "ignore", "Tool wear [min]": "category"})
    roles = machine.column_roles["roles"]
    assert roles["Type"] == "ignore" and roles["Tool wear [min]"] == "category"
    assert machine.column_roles["reasons"]["Type"] == "set by you"
    assert machine.label_columns[0] == "Machine failure"
    assert set(machine.failure_modes) <= {"TWF", "HDF", "PWF", "OSF", "RNF"}


def test_a_category_too_wide_for_the_model_is_refused_with_the_options(workspace):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"part": [f"P{v}" for v in rng.integers(0, 900, 2_000)], "load": rng.normal(size=2_000)}
    )
    with pytest.raises(InvalidDataError, match="'part' has .* distinct values.*'id'.*'ignore'.*'category'"):
        register_machine("parts", frame)
    assert not workspace.exists() or snapshot(workspace) == {}
    machine = register_machine("parts", frame, roles={"part": "category"})
    assert machine.column_roles["roles"]["part"] == "category"


BAD_ROLES = {
    "unknown column": ({"roles": {"Nope": "label"}}, InvalidParameterError, "no column named 'Nope'"),
    "unknown role": ({"roles": {"UDI": "key"}}, InvalidParameterError, "role 'key' .* the roles are id"),
    "id on duplicates": ({"roles": {"Type": "id"}}, InvalidDataError, "'Type' cannot be an id: .* repeat"),
    "numeric on text": ({"roles": {"Type": "numeric"}}, InvalidDataError, "'Type' cannot be numeric"),
    "label with many values": (
        {"roles": {"Torque [Nm]": "label"}},
        InvalidDataError,
        "'Torque \\[Nm\\]' cannot be a label",
    ),
    "normal of a non-label": ({"normals": {"Type": "L"}}, InvalidParameterError, "not labels"),
    "normal not a value": (
        {"normals": {"Machine failure": ["0", "2"]}},
        InvalidParameterError,
        "'2' is not a value of label column 'Machine failure'; its values are '0', '1'",
    ),
    "not a dict": ({"roles": ["UDI"]}, InvalidParameterError, "must be a dict"),
}


@pytest.mark.parametrize("case", list(BAD_ROLES))
def test_bad_roles_are_refused_by_name_and_write_nothing(workspace, case):
    kwargs, error, message = BAD_ROLES[case]
    frame, _ = MAKERS["milling_log"](300, 1)
    with pytest.raises(error, match=message):
        register_machine("mill", frame, **kwargs)
    assert snapshot(workspace) == {}


def _flagged(failures: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    flag = np.zeros(200, dtype=int)
    flag[:failures] = 1
    return pd.DataFrame(
        {"pressure": rng.normal(size=200), "vibration": rng.normal(size=200), "failure": flag}
    )


def test_a_label_that_is_always_0_has_no_failures_to_learn_from(workspace):
    with pytest.raises(InvalidDataError, match="'failure' .* no failures to learn from.*no_label"):
        register_machine("quiet", _flagged(0))
    assert snapshot(workspace) == {}
    machine = register_machine("quiet", _flagged(0), no_label=True)
    assert machine.label_columns == () and machine.column_roles["roles"]["failure"] == "constant"


def test_a_label_with_a_single_failing_row_is_refused(workspace):
    with pytest.raises(InvalidDataError, match="'failure' has 1 failing row; at least 2"):
        register_machine("once", _flagged(1), roles={"failure": "label"})
    assert snapshot(workspace) == {}


def test_preview_lists_the_roles_and_the_problems_without_writing(workspace, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"part": [f"P{v}" for v in rng.integers(0, 900, 2_000)], "alarm": 0})
    frame.loc[:40, "alarm"] = 1
    roles, problems = preview_roles(frame)
    assert roles.roles == {"alarm": "label", "part": "category"}
    assert len(problems) == 1 and "'part'" in problems[0]
    roles, problems = preview_roles(frame, {"part": "ignore"})
    assert problems == [] and roles.roles["part"] == "ignore"
    assert snapshot(workspace) == {}
