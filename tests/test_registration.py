import csv
import gzip
import json

import numpy as np
import pandas as pd
import pytest

from synthkit import (
    describe_file,
    generate_synthetic_data,
    get_machine,
    list_machines,
    preview_roles,
    register_machine,
    sample,
    train_tvae,
)
from synthkit.errors import InvalidDataError, InvalidParameterError, MissingArtifactError
from synthkit.store import load_seed
from tests.conftest import snapshot


def sensor_table(rows: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    load = rng.uniform(10, 90, rows)
    return pd.DataFrame(
        {
            "load": load,
            "temperature": 20 + 0.5 * load + rng.normal(0, 1, rows),
            "line": pd.Categorical(rng.choice(["a", "b"], rows)),
            "stamp": pd.date_range("2026-01-01", periods=rows, freq="h", tz="Europe/Berlin"),
            "ok": rng.random(rows) > 0.5,
            "failure": (load > 85).astype(int),
            "failure_mode": np.where(load > 85, "overload", "none"),
        }
    )


def test_register_from_dataframe_behaves_like_builtin(workspace):
    machine = register_machine("press_001", sensor_table(), description="Hydraulic press")
    assert machine.type == "custom" and not machine.builtin
    assert machine.label_columns == ("failure", "failure_mode")
    assert machine.failure_modes == ("overload",)
    assert "press_001" in [m.machine_id for m in list_machines()]
    assert get_machine("press_001") == machine
    frame, metadata, manifest = load_seed("press_001")
    assert len(frame) == 120 and manifest["source"] == "registered"
    assert frame["line"].dtype == object  # category cast to object for SDV
    assert str(frame["stamp"].dtype).startswith("datetime64")
    assert metadata.to_dict()["tables"]["sensor_log"]["columns"]["stamp"]["sdtype"] == "datetime"


def test_register_from_csv(workspace, tmp_path):
    path = tmp_path / "press.csv"
    sensor_table().drop(columns=["stamp"]).to_csv(path, index=False)
    machine = register_machine("press_002", path)
    assert {s.name for s in machine.sensors} >= {"load", "temperature"}
    assert len(load_seed("press_002")[0]) == 120


def test_registering_twice_needs_replace(workspace):
    register_machine("press_001", sensor_table())
    before = snapshot(workspace)
    with pytest.raises(InvalidParameterError, match="already registered"):
        register_machine("press_001", sensor_table(200))
    assert snapshot(workspace) == before
    register_machine("press_001", sensor_table(200), replace=True)
    assert len(load_seed("press_001")[0]) == 200


def _csv(tmp_path, text: str | bytes, name="bad.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


GOOD_ROWS = "".join(f"{i},{i * 2}\n" for i in range(60))

BAD_CSVS = {
    "empty": ("", "empty"),
    "header only": ("a,b\n", "at least 50 are needed"),
    "one column": ("a\n" + "".join(f"{i}\n" for i in range(60)), "at least 2 are needed"),
    "all-NaN column": ("a,b\n" + "".join(f"{i},\n" for i in range(60)), "'b' is empty"),
    "duplicate headers": ("a,a\n" + GOOD_ROWS, "duplicate column header"),
    "blank header": ("a,\n" + GOOD_ROWS, "blank column header"),
    "too few rows": ("a,b\n1,2\n3,4\n", r"2 row\(s\)"),
    "not a CSV": (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a text CSV"),
    "not text": (b"a,b\n\x81\x8d,1\n" * 3, "not a readable CSV"),  # neither UTF-8 nor Windows-1252
    "ragged rows": ("a,b\n1,2\n1,2,3,4,5\n" + GOOD_ROWS, "not a readable CSV"),
    "broken JSON lines": ('{"a": 1, "b": 2}\n{"a": 2, "b": }\n', "line 2 is not a JSON object"),
    "JSON of no records": ('[{"a": 1, "b": 2}, 3, "x"]', "no JSON records"),
    "damaged Parquet": (b"PAR1\x15\x04\x00broken", "not a readable Parquet file"),
    "a number past 1e150": ("a,b\n1,2e200\n" + GOOD_ROWS, "holds 2e\\+200: numbers beyond 1e\\+150"),
}


@pytest.mark.parametrize("name", list(BAD_CSVS))
def test_bad_csvs_are_refused_and_change_nothing(workspace, tmp_path, name):
    text, expected = BAD_CSVS[name]
    path = _csv(tmp_path, text)
    with pytest.raises(InvalidDataError, match=expected):
        register_machine("mine", path)
    assert not workspace.exists()


def test_all_problems_are_reported_at_once(workspace, tmp_path):
    path = _csv(tmp_path, "a,a,\n1,2,3\n")
    with pytest.raises(InvalidDataError) as info:
        register_machine("mine", path)
    assert len(info.value.problems) == 3  # duplicate header, blank header, too few rows


BENCH_ROLES = {"datetime": "datetime", "Current": "numeric", "Voltage": "numeric", "anomaly": "label"}


def _bench_log(rows: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "datetime": pd.date_range("2020-03-09 10:00", periods=rows, freq="s").strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "Current": rng.normal(1.5, 0.3, rows).round(4),
            "Voltage": rng.normal(230, 8, rows).round(2),
            "anomaly": (rng.random(rows) < 0.3).astype(int),
        }
    )


@pytest.mark.parametrize(("delimiter", "decimal"), [(";", "."), (";", ","), ("\t", "."), ("|", ".")])
def test_csvs_written_with_other_delimiters_and_decimal_commas_are_read_as_written(
    workspace, tmp_path, delimiter, decimal
):
    frame = _bench_log()
    path = tmp_path / "bench.csv"
    frame.to_csv(path, sep=delimiter, decimal=decimal, index=False)
    machine = register_machine("bench", path)
    assert machine.column_roles["roles"] == BENCH_ROLES
    seed = load_seed("bench")[0]
    assert np.allclose(seed["Current"], frame["Current"]) and np.allclose(seed["Voltage"], frame["Voltage"])


def test_the_row_index_pandas_writes_is_kept_as_an_id_and_other_blank_headers_are_refused(
    workspace, tmp_path
):
    path = tmp_path / "sensor.csv"
    _bench_log().to_csv(path)  # pandas' default: the index, under a blank header
    machine = register_machine("sensor", path)
    assert machine.column_roles["roles"]["Unnamed: 0"] == "id"
    assert list(load_seed("sensor")[0]["Unnamed: 0"][:3]) == [0, 1, 2]
    shuffled = _bench_log().sample(frac=1.0, random_state=0)  # a blank header over other values
    shuffled.insert(1, "", np.arange(len(shuffled)) % 3)
    shuffled.to_csv(path, index=False)
    with pytest.raises(InvalidDataError, match=r"blank column header at position\(s\) 1"):
        register_machine("sensor2", path)


def test_a_column_with_no_value_is_refused_with_the_way_out_and_taken_when_ignored(workspace, tmp_path):
    frame = _bench_log().assign(sensor_15=np.nan)
    with pytest.raises(InvalidDataError, match=r"'sensor_15' is empty .*--ignore sensor_15"):
        register_machine("plant", frame)
    assert not workspace.exists()
    shown, problems = preview_roles(frame)  # the panel's roles table, to pick 'ignore' in
    assert shown.roles["sensor_15"] == "constant" and shown.roles["Current"] == "numeric"
    assert len(problems) == 1 and "'sensor_15' is empty" in problems[0]
    assert preview_roles(frame, {"sensor_15": "ignore"})[1] == []
    machine = register_machine("plant", frame, roles={"sensor_15": "ignore"})
    assert machine.column_roles["roles"]["sensor_15"] == "ignore"


def test_many_empty_columns_are_one_problem_with_one_way_out_for_all(workspace):
    """A disk fleet's export leaves every attribute it does not report empty: one message names
    them all, with the roles and the flags that ignore them in one go."""
    frame = _bench_log().assign(smart_13_raw=np.nan, smart_13_normalized=np.nan, **{"smart 15": np.nan})
    _, problems = preview_roles(frame)
    assert len(problems) == 1
    assert problems[0].startswith("3 columns are empty (all values missing): 'smart_13_raw', ")
    assert "--ignore smart_13_raw --ignore smart_13_normalized --ignore 'smart 15'" in problems[0]
    ignored = {"smart_13_raw": "ignore", "smart_13_normalized": "ignore", "smart 15": "ignore"}
    assert f"roles={ignored}" in problems[0]
    assert register_machine("fleet", frame, roles=ignored).column_roles["roles"]["smart 15"] == "ignore"


def test_numbers_whose_empty_cells_are_written_as_markers_are_numbers(workspace, tmp_path):
    frame = _bench_log()
    current = frame["Current"].astype(object)
    current[[3, 10, 11]] = ["?", "-", "n/a"]
    voltage = frame["Voltage"].astype(object)
    voltage[[5, 6]] = ["#DIV/0!", "#VALUE!"]  # a spreadsheet's formulas that failed
    status = np.where(np.arange(len(frame)) % 7 == 0, "-", "running")  # words with a dash stay text
    path = tmp_path / "bench.csv"
    frame.assign(Current=current, Voltage=voltage, mode=status).to_csv(path, index=False)
    machine = register_machine("bench", path)
    assert machine.column_roles["roles"]["Current"] == "numeric"
    assert machine.column_roles["roles"]["Voltage"] == "numeric"
    assert machine.column_roles["roles"]["mode"] == "category"
    seed = load_seed("bench")[0]
    assert seed["Current"].isna().tolist() == [i in (3, 10, 11) for i in range(len(frame))]
    assert np.allclose(seed["Current"].drop([3, 10, 11]), frame["Current"].drop([3, 10, 11]))
    assert seed["Voltage"].isna().sum() == 2


@pytest.mark.parametrize(
    "written",
    [
        "%d.%m.%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%m/%d/%Y %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%-m/%-d/%Y %-I:%M:%S %p",  # as a fleet's telemetry export writes them: 3/9/2020 5:00:00 PM
    ],
)
def test_timestamps_are_read_day_first_or_month_first_as_written(workspace, tmp_path, written):
    times = pd.date_range("2020-03-09 10:00", periods=80, freq="7h")  # days 9 to 31: both sides of 12
    frame = _bench_log().assign(datetime=times.strftime(written))
    frame.to_csv(tmp_path / "bench.csv", index=False)
    machine = register_machine("bench", tmp_path / "bench.csv")
    assert load_seed("bench")[0]["datetime"].tolist() == list(times)
    assert machine.time_formats == {"datetime": written}  # the splits write them back alike


def test_a_csv_exported_in_windows_1252_is_read_with_its_accents(workspace, tmp_path):
    frame = _bench_log().rename(columns={"Voltage": "Spannung [V]", "Current": "Strom [A]"})
    frame["Temperatur [°C]"] = np.linspace(20, 80, len(frame)).round(1)
    frame["Zustand"] = np.where(np.arange(len(frame)) % 9 == 0, "Störung", "läuft")
    frame.to_csv(tmp_path / "export.csv", sep=";", decimal=",", index=False, encoding="cp1252")
    register_machine("presse", tmp_path / "export.csv")
    seed = load_seed("presse")[0]
    assert "Temperatur [°C]" in seed.columns and set(seed["Zustand"]) == {"Störung", "läuft"}
    assert seed["Temperatur [°C]"].max() == 80.0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_export_is_read_as_its_text(workspace, tmp_path, encoding):
    """Excel's "Unicode Text" is UTF-16 with a byte-order mark and tabs; some tools write none."""
    frame = _bench_log().assign(Zustand=lambda f: np.where(np.arange(len(f)) % 9 == 0, "Störung", "läuft"))
    frame.to_csv(tmp_path / "unicode.txt", sep="\t", index=False, encoding=encoding)
    assert b"\x00" in (tmp_path / "unicode.txt").read_bytes()[:8]
    register_machine("presse", tmp_path / "unicode.txt")
    seed = load_seed("presse")[0]
    assert list(seed.columns) == list(frame.columns) and set(seed["Zustand"]) == {"Störung", "läuft"}
    assert seed["Voltage"].tolist() == pytest.approx(frame["Voltage"].tolist())


def _engine_lines(units: int = 3) -> tuple[list[list[float]], str]:
    """A run-to-failure log as NASA-style text files carry it: fields separated by spaces, no
    header row, two trailing spaces on every line."""
    rng = np.random.default_rng(3)
    rows = [
        [unit, cycle, round(rng.normal(0, 0.002), 4), 100.0, round(rng.normal(642, 0.5), 2)]
        for unit in range(1, units + 1)
        for cycle in range(1, 41)
    ]
    text = "".join(f"{u} {c} {o:.4f} {s:.1f} {t:.2f}  \n" for u, c, o, s, t in rows)
    return rows, text


def test_a_whitespace_separated_log_without_a_header_is_read_with_columns_named_by_position(
    workspace, tmp_path
):
    rows, text = _engine_lines()
    machine = register_machine("engine", _csv(tmp_path, text, "train_FD001.txt"))
    seed = load_seed("engine")[0]
    assert list(seed.columns) == ["column_1", "column_2", "column_3", "column_4", "column_5"]
    assert seed.to_numpy().tolist() == rows  # the first line is data, not names
    assert machine.column_roles["roles"]["column_4"] == "constant"
    assert machine.csv_format == {"sep": " ", "decimal": ".", "na_rep": "NaN"}


def test_a_log_without_a_header_is_read_by_position_with_its_timestamps_and_states(workspace, tmp_path):
    frame = _bench_log().assign(state=np.where(np.arange(80) % 5 == 0, "IDLE", "RUN"))
    frame.to_csv(tmp_path / "export.csv", index=False, header=False)
    register_machine("bench", tmp_path / "export.csv")
    seed = load_seed("bench")[0]
    assert list(seed.columns) == [f"column_{i}" for i in range(1, 6)] and len(seed) == 80
    assert seed["column_1"].tolist() == pd.to_datetime(frame["datetime"]).tolist()
    assert seed["column_5"].tolist() == frame["state"].tolist()


def test_columns_aligned_with_spaces_under_a_header_are_read_by_name(workspace, tmp_path):
    frame = _bench_log().drop(columns="datetime").assign(cycle=np.arange(80) + 1)
    register_machine("bench", _csv(tmp_path, frame.to_string(index=False), "bench.txt"))
    seed = load_seed("bench")[0]
    assert list(seed.columns) == list(frame.columns)
    assert np.allclose(seed["Voltage"], frame["Voltage"]) and seed["cycle"].tolist() == list(range(1, 81))


def test_a_header_of_numbers_naming_frequency_bins_is_kept_as_the_header(workspace, tmp_path):
    rng = np.random.default_rng(4)
    spectrum = pd.DataFrame(
        rng.uniform(0, 0.05, (60, 6)).round(4), columns=["10", "20", "40", "80", "160", "320"]
    )
    spectrum.assign(alarm=(rng.random(60) < 0.2).astype(int)).to_csv(tmp_path / "fft.csv", index=False)
    register_machine("fft", tmp_path / "fft.csv")
    seed = load_seed("fft")[0]
    assert list(seed.columns)[:6] == ["10", "20", "40", "80", "160", "320"] and len(seed) == 60


def _grouped(value: float, group: str, decimal: str) -> str:
    return f"{value:,.2f}".replace(",", "G").replace(".", decimal).replace("G", group)


@pytest.mark.parametrize(
    ("delimiter", "decimal", "group"), [(",", ".", ","), (";", ",", "."), (";", ",", " "), (",", ".", "'")]
)
def test_numbers_written_with_thousands_separators_are_numbers(
    workspace, tmp_path, delimiter, decimal, group
):
    rng = np.random.default_rng(6)
    speed = rng.uniform(200, 24_000, 80).round(2)
    cells = [_grouped(v, group, decimal) for v in speed]
    torque = [_grouped(v, group, decimal) for v in speed * 3]  # no cell missed
    cells[7] = "?"  # a reading the logger missed
    lines = [f"speed{delimiter}torque{delimiter}anomaly"] + [
        f'"{cell}"{delimiter}"{t}"{delimiter}{int(v > 20_000)}' for cell, t, v in zip(cells, torque, speed)
    ]
    register_machine("spindle", _csv(tmp_path, "\n".join(lines) + "\n", "spindle.csv"))
    seed = load_seed("spindle")[0]
    assert seed["speed"].dtype == "float64" and seed["speed"].isna().tolist() == [i == 7 for i in range(80)]
    assert np.allclose(seed["speed"].drop(7), np.delete(speed, 7))
    assert seed["torque"].dtype == "float64" and np.allclose(seed["torque"], speed * 3)


def test_an_excel_workbook_is_read_from_the_sheet_that_holds_the_table(workspace, tmp_path):
    frame = _bench_log().assign(logged=lambda f: pd.to_datetime(f["datetime"]) + pd.Timedelta("1s"))
    path = tmp_path / "bench.xlsx"
    with pd.ExcelWriter(path) as workbook:  # a cover sheet before the data, as exports often have
        pd.DataFrame({"Notes": ["exported from the bench PC", "units: A, V"]}).to_excel(
            workbook, sheet_name="Read me", index=False
        )
        frame.to_excel(workbook, sheet_name="Data", index=False)
    machine = register_machine("bench", path)
    assert machine.column_roles["roles"] == BENCH_ROLES | {"logged": "datetime"}
    assert machine.reading_notes() == [  # kept with the machine, as `synthkit roles` shows them
        "an Excel workbook: its sheet 'Data' was read (the one with the most filled cells)"
    ]
    seed = load_seed("bench")[0]
    assert (
        np.allclose(seed["Voltage"], frame["Voltage"]) and seed["logged"].tolist() == frame["logged"].tolist()
    )
    shown, problems = preview_roles(path.read_bytes())  # the Machine panel's upload
    assert problems == [] and shown.roles["anomaly"] == "label"
    assert describe_file(path.read_bytes()) == [
        "an Excel workbook: its sheet 'Data' was read (the one with the most filled cells)"
    ]
    assert describe_file(frame) == []  # a DataFrame is read as it is


def _iot_messages(rows: int = 300) -> list[dict]:
    """Messages as an IoT platform exports them: ids, a device, a time, the readings nested."""
    rng = np.random.default_rng(5)
    messages = []
    for i in range(rows):
        temperature = rng.normal(55, 4)
        body = {"temperature": round(temperature, 2), "vibration": round(rng.gamma(2, 0.5), 3)}
        if i % 12 == 5:
            body.pop("vibration")  # a message without it: an empty cell
        messages.append(
            {
                "messageId": f"{rng.integers(0, 16**12):012x}",
                "deviceId": f"pump-{rng.integers(1, 6):02d}",
                "enqueuedTime": f"2025-06-01T{i // 120:02d}:{i // 2 % 60:02d}:{i % 2 * 30:02d}.000Z",
                "body": body,
                "status": "FAULT" if temperature > 61 else "OK",
            }
        )
    return messages


IOT_ROLES = {
    "messageId": "id",
    "deviceId": "category",
    "enqueuedTime": "datetime",
    "body.temperature": "numeric",
    "body.vibration": "numeric",
    "status": "label",
}


def test_json_messages_register_with_nested_readings_as_columns(workspace, tmp_path):
    messages = _iot_messages()
    lines = "\n".join(json.dumps(m) for m in messages) + "\n"
    (tmp_path / "iot.jsonl").write_text(lines)
    with gzip.open(tmp_path / "iot.jsonl.gz", "wt") as packed:
        packed.write(lines)
    (tmp_path / "export.json").write_text(json.dumps({"messages": messages}))  # an array under a key
    for name in ("iot.jsonl.gz", "export.json"):
        shown, problems = preview_roles(tmp_path / name)
        assert problems == [] and shown.roles == IOT_ROLES, name
    machine = register_machine("iot", tmp_path / "iot.jsonl")
    assert machine.column_roles["roles"] == IOT_ROLES and machine.column_roles["normals"] == {"status": "OK"}
    assert machine.reading_notes() == [
        "JSON records: nested values as columns named by their path (body.temperature, body.vibration)"
    ]
    assert load_seed("iot")[0]["body.vibration"].isna().sum() == 25
    train_tvae("iot", epochs=2, seed=1)
    run = generate_synthetic_data("iot", 200, 0, 0, seed=2, format="csv")
    cells = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert cells["messageId"].str.fullmatch(r"[0-9a-f]{12}").all() and cells["messageId"].is_unique
    assert cells["enqueuedTime"].str.fullmatch(r"2025-06-01T0\d:\d\d:[03]0\.000Z").all()


def test_a_parquet_file_registers_in_its_own_dtypes_and_samples_come_back_in_them(workspace, tmp_path):
    rng = np.random.default_rng(8)
    rows = 400
    frame = pd.DataFrame(
        {
            "ts": pd.date_range("2025-01-01", periods=rows, freq="min", tz="UTC"),
            "line": pd.Categorical(rng.choice(["L1", "L2", "L3"], rows, p=[0.6, 0.35, 0.05])),
            "speed": rng.normal(1200, 50, rows),
            "stops": pd.array(np.where(rng.random(rows) < 0.1, None, rng.integers(0, 4, rows)), "Int64"),
            "jam_fault": rng.random(rows) < 0.05,
        }
    )
    frame.to_parquet(tmp_path / "line.parquet")
    machine = register_machine("line", tmp_path / "line.parquet")
    assert machine.column_roles["roles"]["jam_fault"] == "label" and machine.dtypes["line"] == "category"
    assert machine.reading_notes() == []  # a table in its own types: nothing to say
    train_tvae("line", epochs=2, seed=1)
    assert sample("line", 50, seed=3).dtypes.to_dict() == frame.dtypes.to_dict()
    run = generate_synthetic_data("line", 900, 0, 0, seed=2, chunk_rows=300)  # chunks of other categories
    written = pd.read_parquet(run.file_paths["train"])
    assert written.dtypes.to_dict() == frame.dtypes.to_dict() and len(written) == 900
    assert set(written["line"]) <= {"L1", "L2", "L3"}


@pytest.mark.parametrize("codes", [["E101", "E203", "E17"], ["e12", "e4", "e100"], ["1E", "2E", "3E"]])
def test_error_codes_shaped_like_an_exponent_are_categories(workspace, tmp_path, codes):
    rows = "".join(f"2025-01-01 00:{i % 60:02d}:00,{50 + i % 7}.{i % 9},{codes[i % 3]}\n" for i in range(60))
    path = _csv(tmp_path, "time,temp,code\n" + rows)
    shown, problems = preview_roles(path)  # E101 crashed registration: read as an exponent
    assert problems == [] and shown.roles["code"] == "category"


def test_numbers_keep_the_format_their_sheet_shows_them_in(workspace, tmp_path):
    import openpyxl

    rng = np.random.default_rng(3)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Logged", "Pressure", "Energy", "Repair cost", "Share", "Count", "Breakdown"])
    shown = {2: "0.00", 3: '#,##0.0 "kWh"', 4: "[$€-407] #,##0.00;[Red]-[$€-407] #,##0.00", 5: "0.0%", 6: "0"}
    for i in range(120):
        breakdown = int(i % 9 == 0)
        cost = rng.gamma(3, 300) if breakdown else rng.gamma(2, 60)
        when = f"2025-03-01 {i // 60:02d}:{i % 60:02d}"
        sheet.append(
            [when, rng.normal(4, 0.3), rng.normal(12_000, 900), cost, rng.random(), i % 40, breakdown]
        )
        for column, code in shown.items():
            sheet.cell(i + 2, column).number_format = code
    book.save(tmp_path / "log.xlsx")
    machine = register_machine("shown", tmp_path / "log.xlsx")
    assert machine.number_formats == {
        "Pressure": "{:.2f}",
        "Energy": "{:,.1f} kWh",
        "Repair cost": "€ {:,.2f}",
        "Count": "{:.0f}",
    }  # a percentage is shown otherwise than the number: written as it is
    assert {s.name: s.unit for s in machine.sensors}["Energy"] == "kWh"
    train_tvae("shown", epochs=2, seed=1)
    run = generate_synthetic_data("shown", 200, 0, 0, seed=2, format="csv")
    cells = pd.read_csv(run.file_paths["train"], dtype=str, keep_default_na=False)
    assert cells["Pressure"].str.fullmatch(r"\d\.\d\d").all()
    assert cells["Energy"].str.fullmatch(r"\d{1,2},\d{3}\.\d kWh").all()
    assert cells["Repair cost"].str.fullmatch(r"€ (\d{1,3},)?\d{1,3}\.\d\d").all()


def test_a_report_sheet_with_a_title_over_its_table_is_read_from_its_header(workspace, tmp_path):
    frame = _bench_log()
    path = tmp_path / "report.xlsx"
    with pd.ExcelWriter(path) as workbook:  # a title, an export date and a blank row first
        pd.DataFrame([["Shift report - bench 2"], ["Exported 2026-02-03"]]).to_excel(
            workbook, sheet_name="Data", index=False, header=False
        )
        frame.to_excel(workbook, sheet_name="Data", index=False, startrow=3)
    register_machine("bench", path)
    seed = load_seed("bench")[0]
    assert list(seed.columns) == list(frame.columns) and len(seed) == len(frame)
    assert np.allclose(seed["Voltage"], frame["Voltage"]) and seed["Voltage"].dtype == "float64"


def test_codes_written_as_text_in_a_workbook_keep_their_leading_zeros(workspace, tmp_path):
    frame = _bench_log()
    frame["station"] = [f"{i % 12:03d}" for i in range(len(frame))]  # text cells: 000, 001, ...
    frame["temp"] = [f"{v:.1f}" for v in np.linspace(20, 80, len(frame))]  # numbers stored as text
    frame.to_excel(tmp_path / "bench.xlsx", index=False)
    machine = register_machine("bench", tmp_path / "bench.xlsx")
    seed = load_seed("bench")[0]
    assert seed["station"].tolist() == frame["station"].tolist()
    assert machine.column_roles["roles"]["station"] == "category" and seed["temp"].dtype == "float64"


def test_rows_of_delimiters_only_that_a_spreadsheet_leaves_under_its_table_are_no_rows(workspace, tmp_path):
    frame = _bench_log()
    table = frame.to_csv(sep=";", decimal=",", index=False)
    rows = table.splitlines(keepends=True)
    (tmp_path / "export.csv").write_text("".join(rows[:30]) + ";;;\n" + "".join(rows[30:]) + ";;;\n" * 6)
    register_machine("bench", tmp_path / "export.csv")
    assert len(load_seed("bench")[0]) == len(frame)
    pd.concat([frame, pd.DataFrame(index=range(4))]).to_excel(tmp_path / "export.xlsx", index=False)
    register_machine("bench", tmp_path / "export.xlsx", replace=True)
    assert len(load_seed("bench")[0]) == len(frame)


def _daily_exports(folder, days: int = 3) -> list:
    """A station's daily exports as its SCADA writes them: a title line (with a comma, in a file
    separated by ``;``), the table, a count under it."""
    rng = np.random.default_rng(8)
    paths = []
    for day in range(1, days + 1):
        times = pd.date_range(f"2024-03-0{day}", periods=60, freq="10min")
        frame = pd.DataFrame(
            {
                "Timestamp": times.strftime("%d.%m.%Y %H:%M"),
                "Temp": rng.normal(60, 5, len(times)).round(1),
                "Alarm": (np.arange(len(times)) % 15 == day).astype(int),
            }
        )
        path = folder / f"log_2024-03-0{day}.csv"
        table = frame.to_csv(sep=";", decimal=",", index=False)
        path.write_text(f"Station 7 export, day {day}\n{table}Records: {len(frame)}\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_daily_exports_register_as_one_table_from_a_list_or_their_folder(workspace, tmp_path):
    paths = _daily_exports(tmp_path)
    assert "3 files (log_2024-03-01.csv ... log_2024-03-03.csv)" in describe_file(tmp_path)[0]
    machine = register_machine("station", [str(p) for p in paths])
    seed = load_seed("station")[0]
    assert len(seed) == 180 and seed["Timestamp"].is_monotonic_increasing  # in the files' order
    assert machine.csv_format == {"sep": ";", "decimal": ","} and machine.label_columns == ("Alarm",)
    register_machine("station", tmp_path, replace=True)  # the folder: its files by name
    assert load_seed("station")[0].equals(seed)


def test_the_cli_registers_several_files_given_one_after_another(workspace, tmp_path, capsys):
    from synthkit.cli import main

    paths = _daily_exports(tmp_path)
    assert main(["register", "station", *map(str, paths[:2]), "--dry-run"]) == 0
    assert "2 files (log_2024-03-01.csv ... log_2024-03-02.csv): their rows joined" in capsys.readouterr().out
    assert main(["register", "station", *map(str, paths)]) == 0
    assert len(load_seed("station")[0]) == 180
    assert "3 files (log_2024-03-01.csv ... log_2024-03-03.csv): their rows joined" in capsys.readouterr().out


def test_exports_with_other_columns_are_refused_by_name_and_change_nothing(workspace, tmp_path):
    paths = _daily_exports(tmp_path)
    text = paths[1].read_text(encoding="utf-8").replace(";Alarm", ";Alarm;Pressure")
    paths[1].write_text(text.replace(";0\n", ";0;4,1\n").replace(";1\n", ";1;4,2\n"), encoding="utf-8")
    refused = r"03-02\.csv' has other columns than 'log_2024-03-01.csv': with \['Pressure'\] besides"
    with pytest.raises(InvalidDataError, match=refused):
        register_machine("station", paths)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidDataError, match="the folder holds no CSV, text, JSON, Parquet or Excel file"):
        register_machine("station", tmp_path / "empty")
    assert not workspace.exists()


@pytest.mark.parametrize("packed", ["bench.csv.gz", "bench.zip"])
def test_a_compressed_csv_is_read_as_written(workspace, tmp_path, packed):
    frame = _bench_log()
    frame.to_csv(tmp_path / packed, sep=";", decimal=",", index=False)  # pandas packs by the suffix
    machine = register_machine("bench", tmp_path / packed)
    assert machine.csv_format == {"sep": ";", "decimal": ","}
    assert np.allclose(load_seed("bench")[0]["Current"], frame["Current"])


def test_workbooks_and_archives_that_cannot_be_read_are_refused_by_name(workspace, tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(
        InvalidDataError, match=r"Excel 97-2003 workbook \(\.xls\): save it as \.xlsx or as CSV"
    ):
        register_machine("old", tmp_path / "old.xls")
    import zipfile

    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("line1.csv", "a,b\n" + GOOD_ROWS)
        archive.writestr("line2.csv", "a,b\n" + GOOD_ROWS)
    with pytest.raises(
        InvalidDataError, match="exactly one CSV, text, JSON or Parquet file; it holds line1.csv, line2.csv"
    ):
        register_machine("two", tmp_path / "two.zip")
    (tmp_path / "cut.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))
    with pytest.raises(InvalidDataError, match="cannot be unpacked"):
        register_machine("cut", tmp_path / "cut.gz")
    assert not workspace.exists()


def _logger_export(frame: pd.DataFrame, units: list[str]) -> str:
    """A data logger's export: notes and a blank line before the table, units under the header."""
    notes = "Logger: DL-200 (serial 4711)\nExported: 2020-03-10 08:00\n\n"
    return (
        notes
        + frame.iloc[:0].to_csv(sep=";", index=False)
        + ";".join(units)
        + "\n"
        + frame.to_csv(sep=";", decimal=",", index=False, header=False)
    )


def test_a_logger_export_is_read_past_its_notes_with_the_units_under_its_header(workspace, tmp_path):
    frame = _bench_log()
    text = _logger_export(frame, ["", "A", "V", ""])
    machine = register_machine("bench", _csv(tmp_path, text, "export.csv"))
    seed = load_seed("bench")[0]
    assert len(seed) == len(frame) and np.allclose(seed["Current"], frame["Current"])
    assert {s.name: s.unit for s in machine.sensors} == {"Current": "A", "Voltage": "V"}
    assert machine.csv_format == {"sep": ";", "decimal": ","}
    excel_hint = "sep=;\n" + frame.to_csv(sep=";", index=False)  # the line Excel writes first
    register_machine("hinted", _csv(tmp_path, excel_hint, "hinted.csv"))
    assert list(load_seed("hinted")[0].columns) == list(frame.columns)


def test_a_campbell_logger_table_is_read_past_its_wider_title_line_with_its_units(workspace, tmp_path):
    frame = _bench_log()
    title = '"TOA5","CR1000_Pump","CR1000","12345","CR1000.Std.32","CPU:pump.CR1","4521","Table15"'
    quoted = frame.to_csv(index=False, header=False, quoting=csv.QUOTE_NONNUMERIC)
    header = ['"TIMESTAMP","Current","Voltage","Alarm"', '"TS","A","V",""', '"","Avg","Avg","Smp"']
    text = "\r\n".join([title, *header])
    machine = register_machine("pump", _csv(tmp_path, text + "\r\n" + quoted, "CR1000_Table15.dat"))
    seed = load_seed("pump")[0]
    assert list(seed.columns) == ["TIMESTAMP", "Current", "Voltage", "Alarm"] and len(seed) == len(frame)
    assert np.allclose(seed["Current"], frame["Current"])
    assert {s.name: s.unit for s in machine.sensors} == {"Current": "A", "Voltage": "V"}
    assert machine.column_roles["labels"] == ["Alarm"]


@pytest.mark.parametrize(
    "top", ["Time,Temperature,Temperature,Pressure,Pressure,Alarm", "Time,Temperature,,Pressure,,Alarm"]
)
def test_a_header_over_two_rows_names_each_column_by_both(top, workspace, tmp_path):
    rng = np.random.default_rng(3)
    readings = rng.random((120, 4)) + [20, 25, 4, 1]
    rows = [
        f"2024-01-01 {i // 6:02d}:{i % 6}0,"
        + ",".join(f"{v:.2f}" for v in readings[i])
        + f",{int(i % 40 == 7)}"
        for i in range(120)
    ]
    text = top + "\n,Inlet,Outlet,Main,Aux,\n" + "\n".join(rows) + "\n"  # merged cells, as exported
    machine = register_machine("station", _csv(tmp_path, text, "station.csv"))
    names = ["Time", "Temperature Inlet", "Temperature Outlet", "Pressure Main", "Pressure Aux", "Alarm"]
    assert list(load_seed("station")[0].columns) == names
    assert {s.unit for s in machine.sensors} == {""}  # the second row named, it held no units


def test_a_first_row_of_missed_readings_is_data_not_units(workspace, tmp_path):
    frame = _bench_log().astype({"Current": object, "Voltage": object})
    frame.loc[0, ["Current", "Voltage"]] = "n/a"  # the sensors were still warming up
    frame.to_csv(tmp_path / "bench.csv", index=False)
    machine = register_machine("bench", tmp_path / "bench.csv")
    seed = load_seed("bench")[0]
    assert len(seed) == len(frame) and seed["Current"].isna().tolist()[:2] == [True, False]
    assert {s.unit for s in machine.sensors} == {""}


def test_a_workbook_with_units_under_its_header_gives_numbers_and_units(workspace, tmp_path):
    frame = _bench_log()
    units = pd.DataFrame([["", "A", "V", ""]], columns=frame.columns)
    pd.concat([units, frame.astype(object)]).to_excel(tmp_path / "bench.xlsx", index=False)
    machine = register_machine("bench", tmp_path / "bench.xlsx")
    seed = load_seed("bench")[0]
    assert seed["Voltage"].dtype == "float64" and np.allclose(seed["Voltage"], frame["Voltage"])
    assert {s.name: s.unit for s in machine.sensors} == {"Current": "A", "Voltage": "V"}


def test_missing_file_is_refused(workspace, tmp_path):
    with pytest.raises(MissingArtifactError, match="does not exist"):
        register_machine("mine", tmp_path / "nope.csv")
    assert not workspace.exists()


@pytest.mark.parametrize(
    "frame, expected",
    [
        (pd.DataFrame({"a": [1.0, np.inf] * 30, "b": range(60)}), "infinite"),
        (pd.DataFrame({"a": [[1], [2]] * 30, "b": range(60)}), "lists, dicts or bytes"),
        (pd.DataFrame({"a": [1j, 2j] * 30, "b": range(60)}), "complex"),
        (pd.DataFrame({"a": [pd.Timedelta(1)] * 60, "b": range(60)}), "unsupported dtype"),
    ],
)
def test_bad_dataframes_are_refused(workspace, frame, expected):
    with pytest.raises(InvalidDataError, match=expected):
        register_machine("mine", frame)
    assert not workspace.exists()


@pytest.mark.parametrize("machine_id", ["cnc_machine_001", "Bad Id", "../up"])
def test_bad_or_builtin_ids_are_refused(workspace, machine_id):
    with pytest.raises(InvalidParameterError):
        register_machine(machine_id, sensor_table())
    assert not workspace.exists()


def test_data_of_the_wrong_type_is_refused(workspace):
    with pytest.raises(
        InvalidParameterError, match="CSV, JSON, Parquet or Excel file.s path .*or a pandas DataFrame"
    ):
        register_machine("mine", [[1, 2], [3, 4]])
