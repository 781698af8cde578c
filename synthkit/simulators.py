"""Seeded simulators that make seed data worth modelling, one per machine type.

Each simulator draws rows of one machine's sensor log. Rows are consecutive samples, so slow
processes (ambient temperature, wear since the last service) are autoregressive or saw-toothed,
and sensors follow physics more than noise: torque falls as speed rises at constant power,
temperatures follow load, vibration grows with bearing wear. Failures are rare (a few percent)
and each failure mode has its own rule on the sensors, softened by a logistic so that it is a
risk, not a hard threshold. ``failure_mode`` is ``"none"`` exactly when ``failure`` is 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from synthkit.machines import Machine

NO_FAILURE = "none"


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series with standard deviation ``sd`` (slow drifts like ambient air)."""
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    level = rng.normal(0.0, sd)
    for i in range(n):
        level = phi * level + shocks[i]
        out[i] = level
    return out


def _sawtooth(rng: np.random.Generator, steps: np.ndarray, life: tuple[float, float]):
    """Counter that grows by ``steps`` and resets after a random life; returns (value, cycle factor).

    The cycle factor (0.7-1.3, drawn per cycle) lets wear grow faster on some cycles than others.
    """
    n = len(steps)
    value = np.empty(n)
    factor = np.empty(n)
    current = rng.uniform(0, life[0])
    limit, cycle = rng.uniform(*life), rng.uniform(0.7, 1.3)
    for i in range(n):
        current += steps[i]
        if current > limit:
            current, limit, cycle = 0.0, rng.uniform(*life), rng.uniform(0.7, 1.3)
        value[i], factor[i] = current, cycle
    return value, factor


def _risk(rng: np.random.Generator, stress: np.ndarray, at: float, width: float, top: float):
    """Draw failures whose probability rises as a logistic of ``stress`` around ``at``."""
    probability = top / (1.0 + np.exp(-(stress - at) / width))
    return rng.random(len(stress)) < probability


def _labels(modes: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """First triggered mode wins, in catalogue order; failure is 1 exactly when a mode is named."""
    mode = np.full(n, NO_FAILURE, dtype=object)
    for name, hit in reversed(list(modes.items())):
        mode[hit] = name
    return (mode != NO_FAILURE).astype("int64"), mode


def _variant(rng: np.random.Generator, machine: Machine, n: int) -> np.ndarray:
    levels = list(machine.variant_levels)
    weights = np.array([machine.variant_levels[k] for k in levels])
    return rng.choice(np.array(levels, dtype=object), size=n, p=weights / weights.sum())


def simulate_cnc_mill(machine: Machine, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """After the AI4I 2020 milling data set: wear, heat dissipation, power and overstrain failures."""
    quality = _variant(rng, machine, n)
    air = 300.0 + _ar1(rng, n, 0.98, 2.0)
    process = air + 10.0 + rng.normal(0.0, 1.0, n)
    speed = rng.normal(1540.0, 170.0, n).clip(1160, 2900)
    power = rng.normal(machine.settings["power_w"], 1100.0, n)
    torque = (power / (speed * 2 * np.pi / 60) + rng.normal(0.0, 2.0, n)).clip(3, 77)
    wear_step = np.select([quality == "H", quality == "M"], [5.0, 3.0], 2.0)
    wear, _ = _sawtooth(rng, wear_step * machine.settings["wear_rate"], (200.0, 250.0))
    actual_power = torque * speed * 2 * np.pi / 60
    strain_limit = np.select([quality == "H", quality == "M"], [13000.0, 12000.0], 11000.0)
    failure, mode = _labels(
        {
            "tool_wear_failure": _risk(rng, wear, 205.0, 4.0, 0.12),
            "heat_dissipation_failure": (process - air < 8.6) & (speed < 1380) & (rng.random(n) < 0.9),
            "power_failure": _risk(rng, np.abs(actual_power - 6300.0), 2850.0, 120.0, 0.9),
            "overstrain_failure": _risk(rng, wear * torque - strain_limit, 0.0, 300.0, 0.9),
        },
        n,
    )
    return pd.DataFrame(
        {
            "product_quality": quality,
            "air_temperature_k": air.round(1),
            "process_temperature_k": process.round(1),
            "rotational_speed_rpm": speed.round().astype("int64"),
            "torque_nm": torque.round(1),
            "tool_wear_min": wear.round().astype("int64"),
            "failure": failure,
            "failure_mode": mode,
        }
    )


def simulate_centrifugal_pump(machine: Machine, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Pump curve, bearing wear over the service interval, cavitation at low suction head."""
    nominal = machine.settings["nominal_flow"]
    hours, cycle = _sawtooth(rng, rng.uniform(4.0, 12.0, n), (5000.0, 8000.0))
    wear = (hours / 7000.0) ** 2 * cycle
    flow = (nominal + _ar1(rng, n, 0.9, 0.15 * nominal)).clip(0.5 * nominal, 1.5 * nominal)
    suction = (1.2 + _ar1(rng, n, 0.95, 0.25 * machine.settings.get("suction_spread", 1.0))).clip(0.3, 2.2)
    relative = flow / nominal
    discharge = 8.3 - 3.0 * relative**2 + rng.normal(0.0, 0.15, n)
    current = 20.0 + 18.0 * relative + rng.normal(0.0, 1.2, n)
    starved = np.clip(0.8 - suction, 0, None) * relative
    vibration = 1.8 + 5.5 * wear**2 + 3.0 * starved + 1.5 * np.abs(relative - 1) + rng.normal(0, 0.3, n)
    bearing_temp = 45.0 + 20.0 * wear + 8.0 * relative + rng.normal(0.0, 2.0, n)
    leakage = np.exp(rng.normal(np.log1p(12.0 * hours / 8000.0 * cycle), 0.3))
    failure, mode = _labels(
        {
            "bearing_failure": _risk(rng, vibration, 6.0, 0.8, 0.12),
            "cavitation": _risk(rng, starved, 0.3, 0.05, 0.6),
            "seal_failure": _risk(rng, leakage, 14.0, 1.2, 0.35),
        },
        n,
    )
    return pd.DataFrame(
        {
            "flow_rate_m3h": flow.round(1),
            "suction_pressure_bar": suction.round(2),
            "discharge_pressure_bar": discharge.round(2),
            "motor_current_a": current.round(1),
            "vibration_mm_s": vibration.clip(0.5).round(2),
            "bearing_temperature_c": bearing_temp.round(1),
            "seal_leakage_ml_min": leakage.round(2),
            "hours_since_service": hours.round().astype("int64"),
            "failure": failure,
            "failure_mode": mode,
        }
    )


def simulate_air_compressor(machine: Machine, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Load drives current and heat; valve wear and ageing oil push temperatures up."""
    hours, cycle = _sawtooth(rng, rng.uniform(2.0, 6.0, n), (3000.0, 4000.0))
    age = hours / 4000.0
    valve_wear = age**2 * cycle
    ambient = 22.0 + _ar1(rng, n, 0.97, 5.0)
    load = (machine.settings["mean_load"] + _ar1(rng, n, 0.8, 15.0)).clip(20, 100)
    pressure = 7.0 + 0.015 * (load - 60.0) + rng.normal(0.0, 0.12, n)
    current = 30.0 + 0.9 * load + rng.normal(0.0, 2.5, n)
    discharge_temp = ambient + 50.0 + 0.35 * load + 22.0 * valve_wear + rng.normal(0.0, 3.0, n)
    oil_temp = 0.55 * discharge_temp + 20.0 + 15.0 * age + rng.normal(0.0, 2.0, n)
    vibration = 2.0 + 4.0 * valve_wear + rng.normal(0.0, 0.35, n)
    failure, mode = _labels(
        {
            "overheating": _risk(rng, discharge_temp, 121.0, 2.0, 0.5),
            "valve_failure": _risk(rng, vibration, 5.4, 0.5, 0.15),
            "oil_degradation": _risk(rng, oil_temp + 10.0 * age, 105.0, 1.5, 0.4),
        },
        n,
    )
    return pd.DataFrame(
        {
            "ambient_temperature_c": ambient.round(1),
            "load_pct": load.round(1),
            "discharge_pressure_bar": pressure.round(2),
            "motor_current_a": current.round(1),
            "discharge_temperature_c": discharge_temp.round(1),
            "oil_temperature_c": oil_temp.round(1),
            "vibration_mm_s": vibration.clip(0.5).round(2),
            "hours_since_service": hours.round().astype("int64"),
            "failure": failure,
            "failure_mode": mode,
        }
    )


def simulate_electric_motor(machine: Machine, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Duty class shapes the load; heat follows load squared; insulation ages with hours and heat."""
    duty = _variant(rng, machine, n)
    mean = np.select([duty == "S1", duty == "S3"], [75.0, 60.0], 50.0)
    spread = np.select([duty == "S1", duty == "S3"], [8.0, 18.0], 25.0)
    load = (mean + machine.settings["load_shift"] + spread * rng.standard_normal(n)).clip(5, 120)
    hours, cycle = _sawtooth(rng, rng.uniform(15.0, 45.0, n), (15000.0, 20000.0))
    bearing_wear = (hours / 18000.0) ** 3 * cycle
    ambient = 25.0 + _ar1(rng, n, 0.99, 5.0)
    speed = 1497.0 - 0.35 * load + rng.normal(0.0, 1.5, n)
    current = 8.0 + 0.33 * load + rng.normal(0.0, 0.8, n)
    winding = ambient + 25.0 + 0.006 * load**2 + rng.normal(0.0, 3.0, n)
    vibration = 1.0 + 6.0 * bearing_wear + rng.normal(0.0, 0.25, n)
    insulation = 800.0 * np.exp(-hours / 25000.0 - (winding - 80.0) / 60.0) * rng.lognormal(0, 0.35, n)
    failure, mode = _labels(
        {
            "winding_overheat": _risk(rng, winding, 113.0, 3.0, 0.6),
            "bearing_failure": _risk(rng, vibration, 6.0, 0.6, 0.12),
            "insulation_breakdown": _risk(rng, -np.log(insulation), -np.log(190.0), 0.15, 0.5),
        },
        n,
    )
    return pd.DataFrame(
        {
            "duty_class": duty,
            "ambient_temperature_c": ambient.round(1),
            "load_pct": load.round(1),
            "speed_rpm": speed.round(1),
            "current_a": current.round(2),
            "winding_temperature_c": winding.round(1),
            "vibration_mm_s": vibration.clip(0.3).round(2),
            "insulation_resistance_mohm": insulation.round(1),
            "operating_hours": hours.round().astype("int64"),
            "failure": failure,
            "failure_mode": mode,
        }
    )


SIMULATORS: dict[str, Callable[[Machine, np.random.Generator, int], pd.DataFrame]] = {
    "cnc_mill": simulate_cnc_mill,
    "centrifugal_pump": simulate_centrifugal_pump,
    "air_compressor": simulate_air_compressor,
    "electric_motor": simulate_electric_motor,
}


def simulate(machine: Machine, n: int, seed: int) -> pd.DataFrame:
    """Rows of ``machine``'s sensor log, identical for the same seed."""
    return SIMULATORS[machine.type](machine, np.random.default_rng(seed), n)
