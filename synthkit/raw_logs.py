"""Raw maintenance logs as people bring them, for tests, benchmarks and teaching.

Each maker returns a table shaped like a kind of public maintenance log, and the role a careful
person would give each column. They are not tuned to synthkit: row numbers and serials, flags
named as people name them (``Machine failure``, ``TWF``, ``anomaly``), statuses in capitals with
a class of a handful of rows, integer codes, text timestamps, constant columns and empty cells.
Seeded: the same arguments give the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

Maker = Callable[[int, int], tuple[pd.DataFrame, dict[str, str]]]


def _with_gaps(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(float)
    values[rng.random(len(values)) < share] = np.nan
    return values


def milling_log(rows: int = 10_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A milling machine's process log: a row number, a product code per row, a quality grade,
    five sensors (one with 15 % empty cells), a main failure flag and five failure-mode flags (the
    random-failure flag is set while the main flag is 0)."""
    rng = np.random.default_rng(seed)
    grade = rng.choice(["L", "M", "H"], rows, p=[0.6, 0.3, 0.1])
    air = rng.normal(300, 2, rows).round(1)
    process = (air + 10 + rng.normal(0, 1, rows)).round(1)
    speed = rng.normal(1540, 180, rows).round().astype(int)
    torque = np.clip(40 + (1540 - speed) * 0.06 + rng.normal(0, 8, rows), 3, 77).round(1)
    wear = rng.integers(0, 254, rows)
    twf = (wear > 235) & (rng.random(rows) < 0.35)
    hdf = ((process - air) < 8.7) & (speed < 1380) & (rng.random(rows) < 0.9)
    power = speed * torque * 2 * np.pi / 60
    pwf = ((power < 3600) | (power > 9000)) & (rng.random(rows) < 0.6)
    osf = wear * torque > np.where(grade == "L", 11_000, np.where(grade == "M", 12_000, 13_000))
    rnf = rng.random(rows) < 0.002
    failure = (twf | hdf | pwf | osf | (rnf & (rng.random(rows) < 0.05))).astype(int)
    codes = rng.choice(np.arange(10_000, 100_000), rows, replace=False)
    frame = pd.DataFrame(
        {
            "UDI": np.arange(1, rows + 1),
            "Product ID": [f"{g}{c}" for g, c in zip(grade, codes)],
            "Type": grade,
            "Air temperature [K]": air,
            "Process temperature [K]": process,
            "Rotational speed [rpm]": speed,
            "Torque [Nm]": _with_gaps(rng, torque, 0.15),
            "Tool wear [min]": wear,
            "Machine failure": failure,
            "TWF": twf.astype(int),
            "HDF": hdf.astype(int),
            "PWF": pwf.astype(int),
            "OSF": osf.astype(int),
            "RNF": rnf.astype(int),
        }
    )
    roles = {"UDI": "id", "Product ID": "id", "Type": "category"}
    roles |= {c: "numeric" for c in frame.columns[3:8]}
    roles |= {c: "label" for c in frame.columns[8:]}
    return frame, roles


PUMP_FAULTS = {
    "normal": 0.55,
    "valve1_closed": 0.12,
    "valve2_closed": 0.1,
    "rotor_imbalance": 0.09,
    "cavitation": 0.07,
    "fluid_leak": 0.04,
    "bearing_wear": 0.0235,
    "sensor_drift": 0.0065,
}


def pump_testbed(rows: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A pump test bench: text timestamps, eight sensors (two with 20-30 % empty cells), an
    experiment number, an ``anomaly`` flag, a rare ``changepoint`` flag and a ``fault`` status of
    eight classes, the rarest under 1 %."""
    rng = np.random.default_rng(seed)
    fault = rng.choice(list(PUMP_FAULTS), rows, p=list(PUMP_FAULTS.values()))
    faulty = fault != "normal"
    start = pd.Timestamp("2020-03-09 10:14:33")
    times = start + pd.to_timedelta(np.sort(rng.integers(0, 86_400 * 30, rows)), unit="s")
    shift = {"normal": 0.0, "valve1_closed": 1.0, "valve2_closed": -1.0, "rotor_imbalance": 2.0}
    bias = np.array([shift.get(f, 0.5) for f in fault])
    frame = pd.DataFrame(
        {
            "datetime": times.strftime("%Y-%m-%d %H:%M:%S"),
            "Accelerometer1RMS": (0.21 + 0.02 * bias + rng.normal(0, 0.01, rows)).round(6),
            "Accelerometer2RMS": (0.27 + 0.03 * bias + rng.normal(0, 0.01, rows)).round(6),
            "Current": _with_gaps(rng, 1.5 + 0.4 * bias + rng.normal(0, 0.3, rows), 0.2).round(4),
            "Pressure": (0.05 * bias + rng.normal(0.2, 0.05, rows)).round(4),
            "Temperature": (75 + 2 * faulty + rng.normal(0, 1.5, rows)).round(3),
            "Thermocouple": (25 + rng.normal(0, 0.8, rows)).round(3),
            "Voltage": _with_gaps(rng, 230 + 5 * bias + rng.normal(0, 8, rows), 0.3).round(2),
            "Volume Flow RateRMS": (32 + 2 * bias + rng.normal(0, 1, rows)).round(0),
            "experiment": rng.integers(1, 36, rows),
            "anomaly": (faulty & (rng.random(rows) < 0.5)).astype(float),
            "changepoint": (faulty & (rng.random(rows) < 0.006)).astype(float),
            "fault": fault,
        }
    )
    roles = {"datetime": "datetime", "experiment": "category"}
    roles |= {c: "numeric" for c in frame.columns[1:9]}
    roles |= {"anomaly": "label", "changepoint": "label", "fault": "label"}
    return frame, roles


def engine_run_to_failure(rows: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Engines run until they fail: an engine number and cycle, three settings, 21 sensors of which
    six never change (plus one constant setting), the remaining useful life and two labels derived
    from it (a 0/1 warning and a three-stage code)."""
    rng = np.random.default_rng(seed)
    engines = max(2, rows // 200)
    lives = rng.integers(130, 360, engines)
    unit = np.repeat(np.arange(1, engines + 1), lives)[:rows]
    cycle = np.concatenate([np.arange(1, life + 1) for life in lives])[:rows]
    if len(unit) < rows:  # short tables: more engines
        extra = rows - len(unit)
        unit = np.concatenate([unit, np.full(extra, engines + 1)])
        cycle = np.concatenate([cycle, np.arange(1, extra + 1)])
        lives = np.append(lives, extra)
    rul = lives[unit - 1] - cycle
    wear = 1 - rul / lives[unit - 1]
    data = {"unit_number": unit, "time_cycles": cycle}
    data["setting_1"] = rng.normal(0, 0.002, rows).round(4)
    data["setting_2"] = rng.normal(0, 0.0003, rows).round(4)
    data["setting_3"] = np.full(rows, 100.0)
    roles = {"unit_number": "category", "time_cycles": "numeric", "setting_1": "numeric"}
    roles |= {"setting_2": "numeric", "setting_3": "constant"}
    constant = {1: 518.67, 5: 14.62, 10: 1.3, 16: 0.03, 18: 2388, 19: 100.0}
    for i in range(1, 22):
        name = f"s_{i}"
        if i in constant:
            data[name], roles[name] = np.full(rows, constant[i]), "constant"
        else:
            data[name] = (500 + 10 * i + 3 * wear**2 * (i % 3 - 1) + rng.normal(0, 0.5, rows)).round(2)
            roles[name] = "numeric"
    data["RUL"], roles["RUL"] = rul, "numeric"
    data["label1"], roles["label1"] = (rul <= 30).astype(int), "label"
    data["label2"], roles["label2"] = np.where(rul <= 15, 2, np.where(rul <= 30, 1, 0)), "label"
    return pd.DataFrame(data), roles


def plant_sensor_wide(rows: int = 5_000, seed: int = 0, sensors: int = 146) -> tuple[pd.DataFrame, dict]:
    """A plant's wide sensor export: a record number, a timestamp, ``sensors`` readings that move
    with a few hidden factors (some with empty cells), a ``machine_status`` of NORMAL, RECOVERING
    and a handful of BROKEN rows, and an operator note that is mostly empty."""
    rng = np.random.default_rng(seed)
    status = rng.choice(["NORMAL", "RECOVERING", "BROKEN"], rows, p=[0.925, 0.07, 0.005])
    status[:3] = "BROKEN"  # a real export always has a few
    factors = rng.normal(0, 1, (rows, 4)) + (status != "NORMAL")[:, None] * np.array([1.5, -1.0, 0.5, 0.0])
    loadings = rng.normal(0, 1, (4, sensors))
    readings = factors @ loadings + rng.normal(0, 0.5, (rows, sensors))
    data: dict[str, object] = {
        "record": np.arange(rows),
        "timestamp": (pd.Timestamp("2018-04-01") + pd.to_timedelta(np.arange(rows), unit="min")).astype(str),
    }
    roles = {"record": "id", "timestamp": "datetime"}
    for j in range(sensors):
        name = f"sensor_{j:03d}"
        values = (50 + 10 * readings[:, j]).round(3)
        data[name] = _with_gaps(rng, values, 0.1) if j % 10 == 0 else values
        roles[name] = "numeric"
    data["machine_status"], roles["machine_status"] = status, "label"
    note = np.where(
        rng.random(rows) < 0.02, rng.choice(["checked", "cleaned filter", "re-greased"], rows), None
    )
    data["operator_note"], roles["operator_note"] = note, "category"
    return pd.DataFrame(data), roles


def line_log_long(rows: int = 1_000_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A production line's long log, 12 columns: event number, time, line letter, shift code,
    six sensors, an ``alarm`` flag and an ``error_code`` (0 when all is well)."""
    rng = np.random.default_rng(seed)
    line = rng.choice(list("ABCD"), rows, p=[0.4, 0.3, 0.2, 0.1])
    load = rng.beta(4, 2, rows)
    temp = 40 + 30 * load + rng.normal(0, 2, rows)
    vibration = np.abs(1.5 + 2 * load**3 + rng.normal(0, 0.4, rows))
    risk = 0.004 + 0.05 * (vibration > 3.5) + 0.03 * (temp > 68)
    error = np.where(
        rng.random(rows) < risk, rng.choice([1, 2, 3, 4, 5], rows, p=[0.4, 0.3, 0.15, 0.1, 0.05]), 0
    )
    frame = pd.DataFrame(
        {
            "event_id": np.arange(1_000_001, 1_000_001 + rows),
            "time": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows) * 7, unit="s")).astype(str),
            "line": line,
            "shift": rng.integers(1, 4, rows),
            "load_pct": (100 * load).round(1),
            "temperature_c": temp.round(2),
            "vibration_mm_s": vibration.round(3),
            "pressure_bar": _with_gaps(rng, 6 + load + rng.normal(0, 0.2, rows), 0.12).round(3),
            "current_a": (20 + 15 * load + rng.normal(0, 1, rows)).round(2),
            "speed_rpm": (1450 + 40 * load + rng.normal(0, 5, rows)).round(0),
            "alarm": (error > 0).astype(int),
            "error_code": error,
        }
    )
    roles = {"event_id": "id", "time": "datetime", "line": "category", "shift": "category"}
    roles |= {c: "numeric" for c in frame.columns[4:10]}
    roles |= {"alarm": "label", "error_code": "label"}
    return frame, roles


HISTORIAN_TAGS = {  # tag: unit, share of readings the historian missed
    "SuctionPressure": ("bar", 0.03),
    "DischargePressure": ("bar", 0.03),
    "DischargeTemp": ("degC", 0.03),
    "MotorCurrent": ("A", 0.03),
    "Vibration": ("mm/s", 0.15),
    "Mode": ("", 0.0),
    "Alarm": ("", 0.0),
}


def historian_export(rows: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A compressor station's historian export, long: one row per reading (``Timestamp``,
    ``Asset``, ``TagName``, ``Value``, ``Unit``, ``Quality``) of three compressors every five
    minutes, ``rows`` times and assets in all; the vibration probe drops out 15 % of the time. The
    roles are those of the table widened to one row per time and asset."""
    rng = np.random.default_rng(seed)
    assets = np.array(["K-101", "K-102", "K-103"])
    times = pd.Timestamp("2023-06-01") + pd.to_timedelta(np.arange(rows) // len(assets) * 5, unit="min")
    asset = assets[np.arange(rows) % len(assets)]
    load = np.clip(rng.beta(5, 2, rows) + (asset == "K-103") * 0.1, 0, 1)
    running = rng.random(rows) > 0.08
    wear = rng.gamma(2, 0.5, rows)
    temperature = 60 + 45 * load * running + 4 * wear + rng.normal(0, 2, rows)
    vibration = np.abs(1.2 + 2.5 * load * running + 0.8 * wear + rng.normal(0, 0.3, rows))
    alarm = (((temperature > 108) | (vibration > 5.2)) & (rng.random(rows) < 0.8)).astype(int)
    values = {
        "SuctionPressure": (1.8 + 0.2 * load + rng.normal(0, 0.05, rows)).round(3),
        "DischargePressure": (1.8 + 6.5 * load * running + rng.normal(0, 0.15, rows)).round(3),
        "DischargeTemp": temperature.round(2),
        "MotorCurrent": (12 + 95 * load * running + rng.normal(0, 2, rows)).round(1),
        "Vibration": vibration.round(3),
        "Mode": np.where(running, "RUN", "IDLE"),
        "Alarm": alarm,
    }
    stamps = times.strftime("%Y-%m-%d %H:%M:%S")
    parts = []
    for tag, (unit, missed) in HISTORIAN_TAGS.items():
        kept = rng.random(rows) >= missed
        quality = np.where(rng.random(rows) < 0.02, "Uncertain", "Good")
        part = {"Timestamp": stamps, "Asset": asset, "TagName": tag, "Value": values[tag].astype(object)}
        parts.append(pd.DataFrame(part | {"Unit": unit, "Quality": quality})[kept])
    frame = pd.concat(parts).sort_values(["Timestamp", "Asset"], kind="stable").reset_index(drop=True)
    roles = {"Timestamp": "datetime", "Asset": "category", "Mode": "category", "Alarm": "label"}
    roles |= {tag: "numeric" for tag in list(HISTORIAN_TAGS)[:5]}
    return frame, roles


DRIVE_MODELS = {  # model: capacity in bytes, serial shape (A letter, 9 digit), share of drives
    "ST4000DM000": (4_000_787_030_016, "AA9AAA9A", 0.35),
    "ST12000NM0008": (12_000_138_625_024, "AAA99AAA", 0.25),
    "HGST HMS5C4040BLE640": (4_000_787_030_016, "AA9999AAAA9A9A", 0.15),
    "TOSHIBA MG07ACA14TA": (14_000_519_643_136, "999A9AAAAA9A", 0.15),
    "WDC WUH721816ALE6L4": (16_000_900_661_248, "9AAAAAAA", 0.1),
}


def _serials(rng: np.random.Generator, shapes: np.ndarray) -> np.ndarray:
    letters, digits = np.array(list("ABCDEFGHJKLMNPQRSTVWXYZ")), np.array(list("0123456789"))
    made = set()
    out = []
    for shape in shapes:
        serial = "".join(rng.choice(letters) if c == "A" else rng.choice(digits) for c in shape)
        while serial in made:
            serial = "".join(rng.choice(letters) if c == "A" else rng.choice(digits) for c in shape)
        made.add(serial)
        out.append(serial)
    return np.array(out)


def drive_stats(rows: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A disk fleet's daily SMART snapshot, a row per drive per day over four days: the date, the
    drive's serial (repeated every day, alphanumeric, shaped by maker), its model and capacity, a
    ``failure`` flag set on about 0.2 % of rows (more often on drives with reallocated sectors),
    SMART attributes normalized and raw (one raw counter is a large number that never repeats, one
    is always 0). The attributes a fleet does not report at all (empty columns) are left out:
    registration refuses those until they are ignored."""
    rng = np.random.default_rng(seed)
    days = 4
    drives = max(rows // days, 10)
    names = list(DRIVE_MODELS)
    model = rng.choice(names, drives, p=[DRIVE_MODELS[m][2] for m in names])
    serial = _serials(rng, np.array([DRIVE_MODELS[m][1] for m in model]))
    hours = rng.integers(200, 60_000, drives)
    sectors = np.where(rng.random(drives) < 0.06, rng.geometric(0.02, drives), 0)
    frame = pd.DataFrame(
        {
            "date": np.repeat(pd.date_range("2023-04-01", periods=days).strftime("%Y-%m-%d"), drives)[:rows],
            "serial_number": np.tile(serial, days)[:rows],
            "model": np.tile(model, days)[:rows],
            "capacity_bytes": np.tile([DRIVE_MODELS[m][0] for m in model], days)[:rows],
        }
    )
    n = len(frame)
    day = np.repeat(np.arange(days), drives)[:n]
    reallocated = np.tile(sectors, days)[:n] + day * (np.tile(sectors, days)[:n] > 0)
    risk = 0.0008 + 0.02 * (reallocated > 0) + 0.02 * (reallocated > 100)
    seagate = frame["model"].str.startswith("ST").to_numpy()
    data = {
        "failure": (rng.random(n) < risk).astype(int),
        "smart_1_normalized": np.where(seagate, rng.integers(75, 120, n), 100),
        "smart_1_raw": np.where(seagate, 10**6 + rng.choice(2 * 10**9, n, replace=False), 0),
        "smart_5_normalized": np.where(reallocated > 0, np.clip(100 - reallocated // 20, 60, 99), 100),
        "smart_5_raw": reallocated,
        "smart_9_raw": np.tile(hours, days)[:n] + 24 * day,
        "smart_194_raw": (28 + 6 * rng.standard_normal(n)).round().astype(int),
        "smart_197_raw": np.where(reallocated > 0, rng.poisson(3, n), 0),
        "smart_3_raw": np.zeros(n, dtype=int),
    }
    frame = frame.assign(**data)
    roles = {"date": "datetime", "serial_number": "id", "model": "category", "capacity_bytes": "category"}
    roles |= {"failure": "label", "smart_5_normalized": "numeric", "smart_3_raw": "constant"}
    roles |= {c: "numeric" for c in data if c not in roles}
    return frame, roles


def telemetry_with_events(rows: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Hourly telemetry of a fleet of machines with the event logs joined on (the way a fleet's
    separate telemetry, error, maintenance and failure files are merged): 12-hour US timestamps,
    a machine number, four sensors, the machine's model and age, and three event columns that are
    empty except when something happened: ``errorID`` (about 2 % of rows), ``maint_comp`` (a
    component replaced) and ``failure`` (the component that failed, about 0.5 %)."""
    rng = np.random.default_rng(seed)
    machines = 40
    times = pd.date_range("2015-01-01 06:00:00", periods=-(-rows // machines), freq="h")
    machine = np.tile(np.arange(1, machines + 1), len(times))[:rows]
    n = len(machine)
    age = (machine * 7) % 21
    component = rng.choice(["comp1", "comp2", "comp3", "comp4"], n, p=[0.2, 0.35, 0.15, 0.3])
    failing = rng.random(n) < 0.003 + 0.0002 * age
    shift = {"comp1": (18, 0, 0, 0), "comp2": (0, -90, 0, 0), "comp3": (0, 0, 20, 0), "comp4": (0, 0, 0, 9)}
    bias = np.array([shift[c] if f else (0, 0, 0, 0) for c, f in zip(component, failing)], dtype=float)
    errors = rng.random(n) < 0.015 + 0.3 * failing
    frame = pd.DataFrame(
        {
            "datetime": np.repeat(times.strftime("%m/%d/%Y %I:%M:%S %p"), machines)[:n],
            "machineID": machine,
            "volt": (170 + bias[:, 0] + rng.normal(0, 15, n)).round(6),
            "rotate": (446 + bias[:, 1] + rng.normal(0, 50, n)).round(6),
            "pressure": (100 + bias[:, 2] + rng.normal(0, 10, n)).round(6),
            "vibration": (40 + bias[:, 3] + rng.normal(0, 5, n)).round(6),
            "model": np.array(["model1", "model2", "model3", "model4"])[machine % 4],
            "age": age,
            "errorID": np.where(
                errors, rng.choice(["error1", "error2", "error3", "error4", "error5"], n), None
            ),
            "maint_comp": np.where(
                rng.random(n) < 0.01, rng.choice(["comp1", "comp2", "comp3", "comp4"], n), None
            ),
            "failure": np.where(failing, component, None),
        }
    )
    roles = {"datetime": "datetime", "machineID": "category", "model": "category", "age": "numeric"}
    roles |= {c: "numeric" for c in ("volt", "rotate", "pressure", "vibration")}
    roles |= {"errorID": "label", "maint_comp": "category", "failure": "label"}
    return frame, roles


PLATE_FAULTS = ("Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults")


def plate_inspection(rows: int = 5_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A steel plate line's inspection log, as a European plant writes it: a plate number, a text
    timestamp, numbers written with their unit (``12,5 mm``; a roll force of ``-`` when not
    measured), the steel type in three 0/1 columns, a stop code, a grade, and the fault class
    found, one of seven 0/1 columns set on every row (``Other_Faults`` the commonest)."""
    rng = np.random.default_rng(seed)
    steel = rng.choice(3, rows, p=[0.5, 0.35, 0.15])
    thickness = np.clip(rng.lognormal(np.log(np.array([8.0, 20.0, 60.0])[steel]), 0.3), 2, 300)
    speed = np.clip(2.4 - 0.012 * thickness + rng.normal(0, 0.15, rows), 0.2, 3.0)
    force = 800 + 35 * thickness + rng.normal(0, 60, rows)
    luminosity = rng.normal(0, 0.12, rows) - 0.002 * thickness
    scores = np.stack(
        [
            -1.0 - 0.02 * thickness,  # pastry on thin plates
            -2.2 + 0.8 * (steel == 2),  # z-scratch on the hardest steel
            -0.3 + 1.2 * (steel == 0),  # k-scratch on the softest
            -2.0 + 6 * (luminosity > 0.15),  # stains on bright plates
            -1.9 + 0.2 * speed,
            -0.2 + 0.01 * thickness,  # bumps on thick plates
            0.6 + 0.0 * speed,
        ]
    )
    chances = np.exp(scores - scores.max(axis=0))
    chances /= chances.sum(axis=0)
    fault = (chances.cumsum(axis=0) < rng.random(rows)).sum(axis=0).clip(max=6)
    start = pd.Timestamp("2024-03-04 06:00")
    times = start + pd.to_timedelta(np.sort(rng.integers(0, 60 * 24 * 30, rows)), unit="min")
    stops = np.r_[0, 10 * np.arange(11, 40, dtype=int)[np.arange(29) % 3 != 2]]  # 0: no stop
    stop_share = np.r_[0.6, np.full(len(stops) - 1, 0.4 / (len(stops) - 1))]
    written_force = np.array([f"{v:.0f} kN" for v in force], dtype=object)
    written_force[rng.random(rows) < 0.08] = "-"
    frame = pd.DataFrame(
        {
            "Plate No": 240_000 + np.arange(rows),
            "Inspected": times.strftime("%d.%m.%Y %H:%M"),
            "Thickness": [f"{v:.1f} mm".replace(".", ",") for v in thickness],
            "Speed": [f"{v:.2f} m/s".replace(".", ",") for v in speed],
            "Roll force": written_force,
            "Luminosity_Index": luminosity.round(4),
            **{f"TypeOfSteel_{t}": (steel == k).astype(int) for k, t in enumerate(("A300", "A400", "A500"))},
            "Stop code": rng.choice(stops, rows, p=stop_share),
            "Grade": rng.choice(["I", "II", "III"], rows, p=[0.7, 0.25, 0.05]),
            **{name: (fault == k).astype(int) for k, name in enumerate(PLATE_FAULTS)},
        }
    )
    roles = {"Plate No": "id", "Inspected": "datetime", "Stop code": "category", "Grade": "category"}
    roles |= {c: "numeric" for c in ("Thickness", "Speed", "Roll force", "Luminosity_Index")}
    roles |= {f"TypeOfSteel_{t}": "category" for t in ("A300", "A400", "A500")}
    roles |= {name: "label" for name in PLATE_FAULTS}
    return frame, roles


def oil_analysis(rows: int = 5_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """An oil-analysis lab's report on a mining fleet's samples: sample numbers counted up, the
    unit and its compartment, a day-first date, the oil's hours, wear metals in ppm (copper under
    the detection limit written ``<1``), water written ``<0.05`` below its limit (most samples),
    viscosity, and the lab's severity (``Normal``, ``Caution``, a rare ``Critical``)."""
    rng = np.random.default_rng(seed)
    compartment = rng.choice(
        ["Engine", "Transmission", "Hydraulic", "Final Drive"], rows, p=[0.4, 0.25, 0.25, 0.1]
    )
    hours = rng.integers(50, 600, rows)
    iron = np.round(rng.gamma(2, 8, rows) + hours * 0.03 + 6 * (compartment == "Final Drive"))
    copper = rng.gamma(1.2, 2, rows)
    silicon = np.round(rng.gamma(2, 3, rows))
    water = rng.exponential(0.04, rows) + 0.05 * (rng.random(rows) < 0.03)  # a leaking cooler
    days = pd.Timestamp("2024-01-02") + pd.to_timedelta(np.sort(rng.integers(0, 365, rows)), unit="D")
    severity = np.where(
        (iron > 60) | (water > 0.2), "Critical", np.where((iron > 40) | (silicon > 20), "Caution", "Normal")
    )
    frame = pd.DataFrame(
        {
            "Sample No.": [f"OA{2_400_000 + i}" for i in range(rows)],
            "Unit": rng.choice([f"HT-{i:03d}" for i in range(101, 125)], rows),
            "Compartment": compartment,
            "Sampled": days.strftime("%d.%m.%Y"),
            "Oil Hrs": hours,
            "Fe (ppm)": iron.astype(int),
            "Cu (ppm)": ["<1" if v < 1 else str(round(v)) for v in copper],
            "Si (ppm)": silicon.astype(int),
            "Visc 40C (cSt)": rng.normal(68, 3, rows).round(1),
            "Water (%)": ["<0.05" if v < 0.05 else f"{v:.2f}" for v in water],
            "Severity": severity,
        }
    )
    roles = {"Sample No.": "id", "Unit": "category", "Compartment": "category", "Sampled": "datetime"}
    roles |= {
        c: "numeric" for c in ("Oil Hrs", "Fe (ppm)", "Cu (ppm)", "Si (ppm)", "Visc 40C (cSt)", "Water (%)")
    }
    return frame, roles | {"Severity": "label"}


def production_log(rows: int = 5_000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """A machining cell's part log from its MES: part numbers counted up under a year prefix, the
    time each part finished on a 12-hour clock, the shift that made it (by the hour), operator,
    machine and program, cycle time, spindle load, the tool's remaining life, and the verdict:
    ``Scrap`` ``Yes``/``No`` (rare, more often on a worn tool) with the reason written only for
    scrapped parts."""
    rng = np.random.default_rng(seed)
    times = pd.Timestamp("2024-05-06 06:00") + pd.to_timedelta(np.cumsum(rng.exponential(90, rows)), unit="s")
    load = rng.normal(55, 10, rows).clip(10, 100)
    tool = rng.integers(0, 400, rows)
    scrap = rng.random(rows) < 0.01 + 0.1 * (tool < 40) + 0.05 * (load > 75)
    reasons = rng.choice(
        ["Dimension", "Surface finish", "Burr", "Chatter marks"], rows, p=[0.45, 0.3, 0.15, 0.1]
    )
    hour = times.hour
    frame = pd.DataFrame(
        {
            "Part ID": [f"P24-{i:06d}" for i in range(1, rows + 1)],
            "Finished": times.strftime("%m/%d/%Y %I:%M %p"),
            "Shift": np.where((hour >= 6) & (hour < 14), "A", np.where((hour >= 14) & (hour < 22), "B", "C")),
            "Operator": rng.choice(
                ["M. Keller", "A. Roth", "J. Novak", "S. Weber", "T. Braun", "L. Fischer"], rows
            ),
            "Machine": rng.choice(["CNC-01", "CNC-02", "CNC-03"], rows),
            "Program": rng.choice(["O1001", "O1002", "O2040"], rows),
            "Cycle Time (s)": rng.normal(84, 6, rows).round(1),
            "Spindle Load %": load.round().astype(int),
            "Tool Life Remaining": tool,
            "Scrap": np.where(scrap, "Yes", "No"),
            "Reject Reason": np.where(scrap, reasons, ""),
        }
    )
    roles = {"Part ID": "id", "Finished": "datetime"}
    roles |= {c: "category" for c in ("Shift", "Operator", "Machine", "Program")}
    roles |= {c: "numeric" for c in ("Cycle Time (s)", "Spindle Load %", "Tool Life Remaining")}
    return frame, roles | {"Scrap": "label", "Reject Reason": "label"}


MAKERS: dict[str, Maker] = {
    "milling_log": milling_log,
    "pump_testbed": pump_testbed,
    "engine_run_to_failure": engine_run_to_failure,
    "plant_sensor_wide": plant_sensor_wide,
    "historian_export": historian_export,
    "line_log_long": line_log_long,
    "drive_stats": drive_stats,
    "telemetry_with_events": telemetry_with_events,
    "plate_inspection": plate_inspection,
    "oil_analysis": oil_analysis,
    "production_log": production_log,
}

# How logs like these are shared: the pump bench's files are ";"-separated, the engines' text
# files separate their fields with spaces, the plant export carries the row index pandas writes
# (a blank header over 0, 1, 2, ...), the plate line writes as much of Europe does.
SHARED_AS: dict[str, dict] = {
    "pump_testbed": {"sep": ";"},
    "engine_run_to_failure": {"sep": " "},
    "plant_sensor_wide": {"index": True},
    "plate_inspection": {"sep": ";", "decimal": ","},
    "oil_analysis": {"sep": ";"},
}


def write_shared(name: str, frame: pd.DataFrame, path: Path) -> dict[str, str]:
    """Write log ``name`` to ``path`` as such logs are shared; the roles of the columns the file
    adds (the written index: an id)."""
    options = {"index": False} | SHARED_AS.get(name, {})
    frame.to_csv(path, **options)
    return {"Unnamed: 0": "id"} if options["index"] else {}
