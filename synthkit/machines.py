"""The machine catalogue: built-in machines and the ones users register in their workspace.

A machine is a description of a data source: its sensors (with units and typical ranges), its
label columns (``failure`` 0/1 and a categorical ``failure_mode``) and, for some types, a
categorical variant column. Built-in machines also name the simulator type that makes their seed
data (see ``synthkit.seed``); registered machines bring their own data instead.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from synthkit.errors import InvalidParameterError
from synthkit.workspace import Workspace, read_json, validate_id

if TYPE_CHECKING:  # pandas and roles load on first use: `synthkit machines` reads no table
    import pandas as pd

    from synthkit.roles import Roles

MACHINE_FILE = "machine.json"


@dataclass(frozen=True)
class Sensor:
    name: str
    unit: str
    low: float
    high: float
    description: str = ""


@dataclass(frozen=True)
class Machine:
    machine_id: str
    type: str
    description: str
    sensors: tuple[Sensor, ...]
    label_columns: tuple[str, ...] = ("failure", "failure_mode")
    failure_modes: tuple[str, ...] = ()
    variant_column: str | None = None
    variant_levels: dict[str, float] = field(default_factory=dict)
    failure_rate_band: tuple[float, float] = (0.01, 0.06)
    settings: dict[str, float] = field(default_factory=dict)
    builtin: bool = True
    column_roles: dict[str, Any] = field(default_factory=dict)  # a registered table's Roles.to_dict()
    csv_format: dict[str, str] = field(default_factory=dict)  # to_csv options of the CSV it came from
    time_formats: dict[str, str] = field(default_factory=dict)  # strftime of its text timestamp columns
    number_formats: dict[str, str] = field(default_factory=dict)  # numbers written with a unit: "{:.1f} °C"
    long_format: dict[str, Any] = field(default_factory=dict)  # how a long table was widened
    status_cells: dict[str, list[str]] = field(default_factory=dict)  # statuses read as empty, per column
    no_reading: dict[str, str] = field(default_factory=dict)  # a logger's number for none: "-9999"
    dtypes: dict[str, str] = field(default_factory=dict)  # a DataFrame's dtypes the seed holds otherwise
    source: str = ""  # what it was registered from: "CSV file 'pump.csv'", "3 files (...)"

    @property
    def columns(self) -> list[str]:
        """Column order of this machine's seed table."""
        variant = [self.variant_column] if self.variant_column else []
        return variant + [s.name for s in self.sensors] + list(self.label_columns)

    def roles_for(self, frame: pd.DataFrame) -> Roles:
        """The role of each column of this machine's seed table.

        Registered machines keep the roles resolved at registration (or changed since); built-in
        machines and tables registered before roles existed read them from the catalogue: labels,
        the variant column as a category, the rest by their values.
        """
        import pandas as pd

        from synthkit.roles import Roles, status_normal

        if self.column_roles:
            return Roles.from_dict(self.column_roles)
        roles, normals = {}, {}
        for column in [c for c in self.label_columns if c in frame.columns]:
            roles[column] = "label"
            normals[column] = "0" if column == "failure" else (status_normal(frame[column]) or "none")
        for column in frame.columns:
            if column in roles:
                continue
            numeric = pd.api.types.is_numeric_dtype(frame[column]) and column != self.variant_column
            roles[column] = "numeric" if numeric else "category"
        return Roles(roles, normals)

    def as_given(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows in the dtypes of the DataFrame this machine was registered from (``dtypes``):
        bool columns bool (``boolean`` where a cell may be empty), nullable integers ``Int64``,
        timestamps in their time zone, categories; the seed and the model hold them as 0/1,
        numbers, UTC and text."""
        import pandas as pd

        given = {}
        for column, dtype in self.dtypes.items():
            if column not in rows:
                continue
            values = rows[column]
            if dtype.startswith("datetime64"):
                zone = pd.api.types.pandas_dtype(dtype).tz
                given[column] = pd.to_datetime(values).dt.tz_localize("UTC").dt.tz_convert(zone)
            elif dtype == "category":
                given[column] = values.astype("category")
            elif dtype == "bool" and values.notna().all():
                given[column] = pd.to_numeric(values).astype(bool)
            else:  # boolean, Int64 and the like take empty cells
                numbers = pd.to_numeric(values)
                given[column] = (numbers if dtype in ("bool", "boolean") else numbers.round()).astype(
                    "boolean" if dtype == "bool" else dtype
                )
        return rows.assign(**given) if given else rows

    def as_seeded(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows ``as_given`` wrote, with bools as 0/1, timestamps in UTC and nullable integers as
        floats, as the model gives them, to be scored."""
        import pandas as pd

        seeded = {}
        for column, dtype in self.dtypes.items():
            if column in rows and dtype.startswith("datetime64"):
                seeded[column] = pd.to_datetime(rows[column], utc=True).dt.tz_localize(None)
            elif column in rows and dtype == "category":
                seeded[column] = rows[column].astype(object)
            elif column in rows:
                numbers = rows[column].astype("Float64").astype("float64")
                whole = dtype in ("bool", "boolean") and numbers.notna().all()
                seeded[column] = numbers.astype("int64") if whole else numbers
        return rows.assign(**seeded) if seeded else rows

    def reading_notes(self) -> list[str]:
        """How this machine's file was read, in words (none for a built-in machine)."""
        from synthkit.table_files import reading_notes

        columns = list(self.column_roles.get("roles", {})) if self.column_roles else []
        if not columns:
            return []
        return reading_notes(
            columns,
            self.csv_format,
            long=self.long_format or None,
            what=self.source or None,
            number_formats=self.number_formats,
            status_cells=self.status_cells,
            no_reading=self.no_reading,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sensors"] = [asdict(s) for s in self.sensors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Machine:
        data = dict(data)
        data["sensors"] = tuple(Sensor(**s) for s in data["sensors"])
        data["label_columns"] = tuple(data.get("label_columns", ()))
        data["failure_modes"] = tuple(data.get("failure_modes", ()))
        data["failure_rate_band"] = tuple(data.get("failure_rate_band", (0.0, 1.0)))
        return cls(**data)


# Sensors and failure modes per simulator type; ranges are the typical operating range.
_CNC_SENSORS = (
    Sensor("air_temperature_k", "K", 295.0, 305.0, "ambient air temperature of the shop floor"),
    Sensor("process_temperature_k", "K", 305.0, 314.0, "temperature at the cutting zone"),
    Sensor("rotational_speed_rpm", "rpm", 1160.0, 2900.0, "spindle speed"),
    Sensor("torque_nm", "Nm", 3.0, 77.0, "spindle torque; falls as speed rises at constant power"),
    Sensor("tool_wear_min", "min", 0.0, 250.0, "minutes the current tool has been cutting"),
)
_CNC_MODES = (
    "tool_wear_failure",
    "heat_dissipation_failure",
    "power_failure",
    "overstrain_failure",
)

_PUMP_SENSORS = (
    Sensor("flow_rate_m3h", "m3/h", 60.0, 180.0, "volumetric flow delivered"),
    Sensor("suction_pressure_bar", "bar", 0.4, 2.0, "inlet pressure; low values risk cavitation"),
    Sensor("discharge_pressure_bar", "bar", 3.0, 8.5, "outlet pressure; follows the pump curve"),
    Sensor("motor_current_a", "A", 25.0, 50.0, "drive current; follows flow"),
    Sensor("vibration_mm_s", "mm/s", 1.0, 12.0, "bearing housing vibration velocity (RMS)"),
    Sensor("bearing_temperature_c", "°C", 40.0, 95.0, "drive-end bearing temperature"),
    Sensor("seal_leakage_ml_min", "ml/min", 0.0, 30.0, "mechanical seal leakage"),
    Sensor("hours_since_service", "h", 0.0, 8000.0, "running hours since the last overhaul"),
)
_PUMP_MODES = ("bearing_failure", "cavitation", "seal_failure")

_COMPRESSOR_SENSORS = (
    Sensor("ambient_temperature_c", "°C", 5.0, 40.0, "intake air temperature"),
    Sensor("load_pct", "%", 20.0, 100.0, "share of rated capacity in use"),
    Sensor("discharge_pressure_bar", "bar", 6.0, 8.5, "receiver pressure"),
    Sensor("motor_current_a", "A", 40.0, 130.0, "drive current; follows load"),
    Sensor("discharge_temperature_c", "°C", 70.0, 140.0, "air temperature after compression"),
    Sensor("oil_temperature_c", "°C", 50.0, 110.0, "lubricant temperature"),
    Sensor("vibration_mm_s", "mm/s", 1.0, 10.0, "casing vibration velocity (RMS)"),
    Sensor("hours_since_service", "h", 0.0, 4000.0, "running hours since the last oil and valve service"),
)
_COMPRESSOR_MODES = ("overheating", "valve_failure", "oil_degradation")

_MOTOR_SENSORS = (
    Sensor("ambient_temperature_c", "°C", 10.0, 40.0, "air temperature around the motor"),
    Sensor("load_pct", "%", 5.0, 120.0, "mechanical load as a share of rated power"),
    Sensor("speed_rpm", "rpm", 1440.0, 1500.0, "shaft speed; slips with load"),
    Sensor("current_a", "A", 8.0, 48.0, "stator current; follows load"),
    Sensor("winding_temperature_c", "°C", 50.0, 160.0, "stator winding temperature"),
    Sensor("vibration_mm_s", "mm/s", 0.5, 9.0, "bearing vibration velocity (RMS)"),
    Sensor("insulation_resistance_mohm", "MOhm", 5.0, 1000.0, "winding insulation to ground"),
    Sensor("operating_hours", "h", 0.0, 20000.0, "hours since the bearings were replaced"),
)
_MOTOR_MODES = ("winding_overheat", "bearing_failure", "insulation_breakdown")

_BUILTIN = (
    Machine(
        "cnc_machine_001",
        "cnc_mill",
        "3-axis CNC milling machine cutting mixed-grade parts",
        _CNC_SENSORS,
        failure_modes=_CNC_MODES,
        variant_column="product_quality",
        variant_levels={"L": 0.6, "M": 0.3, "H": 0.1},
        failure_rate_band=(0.035, 0.06),
        settings={"power_w": 6500.0, "wear_rate": 1.0},
    ),
    Machine(
        "cnc_machine_002",
        "cnc_mill",
        "5-axis CNC machining centre on high-grade aerospace parts",
        _CNC_SENSORS,
        failure_modes=_CNC_MODES,
        variant_column="product_quality",
        variant_levels={"L": 0.3, "M": 0.45, "H": 0.25},
        failure_rate_band=(0.035, 0.06),
        settings={"power_w": 6800.0, "wear_rate": 1.2},
    ),
    Machine(
        "pump_001",
        "centrifugal_pump",
        "Centrifugal water pump in a cooling loop",
        _PUMP_SENSORS,
        failure_modes=_PUMP_MODES,
        failure_rate_band=(0.015, 0.06),
        settings={"nominal_flow": 120.0},
    ),
    Machine(
        "pump_002",
        "centrifugal_pump",
        "Process pump feeding a boiler, with a variable suction head",
        _PUMP_SENSORS,
        failure_modes=_PUMP_MODES,
        failure_rate_band=(0.015, 0.06),
        settings={"nominal_flow": 110.0, "suction_spread": 1.3},
    ),
    Machine(
        "compressor_001",
        "air_compressor",
        "Oil-injected screw compressor for plant air",
        _COMPRESSOR_SENSORS,
        failure_modes=_COMPRESSOR_MODES,
        failure_rate_band=(0.015, 0.06),
        settings={"mean_load": 65.0},
    ),
    Machine(
        "motor_001",
        "electric_motor",
        "22 kW induction motor driving a conveyor",
        _MOTOR_SENSORS,
        failure_modes=_MOTOR_MODES,
        variant_column="duty_class",
        variant_levels={"S1": 0.6, "S3": 0.25, "S6": 0.15},
        failure_rate_band=(0.01, 0.04),
        settings={"load_shift": 0.0},
    ),
    Machine(
        "motor_002",
        "electric_motor",
        "22 kW induction motor on a crusher with heavy, cyclic load",
        _MOTOR_SENSORS,
        failure_modes=_MOTOR_MODES,
        variant_column="duty_class",
        variant_levels={"S1": 0.2, "S3": 0.3, "S6": 0.5},
        failure_rate_band=(0.025, 0.06),
        settings={"load_shift": 8.0},
    ),
)
BUILTIN_MACHINES: dict[str, Machine] = {m.machine_id: m for m in _BUILTIN}


def _registered(workspace: Workspace) -> dict[str, Machine]:
    found = {}
    machines_dir = workspace.root / "machines"
    if machines_dir.is_dir():
        for entry in sorted(os.listdir(machines_dir)):
            path = machines_dir / entry / MACHINE_FILE
            if path.is_file():
                machine = Machine.from_dict(read_json(path))
                found[machine.machine_id] = machine
    return found


def list_machines(workspace: str | os.PathLike | None = None) -> list[Machine]:
    """All machines: the built-in catalogue first, then those registered in the workspace."""
    registered = _registered(Workspace(workspace))
    return list(BUILTIN_MACHINES.values()) + [
        m for key, m in registered.items() if key not in BUILTIN_MACHINES
    ]


def known_ids(workspace: str | os.PathLike | None = None) -> list[str]:
    return [m.machine_id for m in list_machines(workspace)]


def get_machine(machine_id: str, workspace: str | os.PathLike | None = None) -> Machine:
    """The machine with this id; an unknown id gets an error listing the known ones, closest first."""
    validate_id(machine_id)
    if machine_id in BUILTIN_MACHINES:
        return BUILTIN_MACHINES[machine_id]
    path = Workspace(workspace).machine_dir(machine_id) / MACHINE_FILE
    if path.is_file():
        return Machine.from_dict(read_json(path))
    known = known_ids(workspace)
    close = difflib.get_close_matches(machine_id, known, n=len(known), cutoff=0.0)
    raise InvalidParameterError(
        f"Unknown machine_id {machine_id!r}. Known machines (closest first): {', '.join(close)}."
    )
