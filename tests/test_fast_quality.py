"""The vectorized quality score gives SDMetrics' QualityReport score, on the machines and on odd tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synthkit.early_stopping import quick_quality, sdmetrics_quality
from synthkit.fast_quality import quality_properties, quality_score
from synthkit.machines import BUILTIN_MACHINES
from synthkit.simulators import simulate
from synthkit.store import detect_metadata

TOLERANCE = 0.002  # issue 19's bound; on these tables the two agree to about 1e-15


def _report_properties(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> list[float]:
    import warnings

    from sdmetrics.reports import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({"t": real}, {"t": synthetic}, {"tables": {"t": metadata}}, verbose=False)
    return report.get_properties()["Score"].tolist()


def _perturbed(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Shuffled rows, noisy numbers, a fifth of each other column's values swapped between rows."""
    rng = np.random.default_rng(seed)
    out = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for column in out.columns:
        values = out[column].to_numpy().copy()
        if pd.api.types.is_float_dtype(out[column]):
            values = values * rng.normal(1.0, 0.05, len(out)) + rng.normal(
                0.0, 0.2 * np.nanstd(values), len(out)
            )
        else:
            rows = rng.choice(len(out), len(out) // 5, replace=False)
            values[rows] = values[rng.permutation(rows)]
        out[column] = values
    return out


@pytest.mark.parametrize("machine_id", sorted(BUILTIN_MACHINES))
def test_it_matches_the_report_on_every_builtin_machine(machine_id):
    machine = BUILTIN_MACHINES[machine_id]
    frame = simulate(machine, 4000, seed=11)
    metadata = detect_metadata(frame, machine).to_dict()
    real = frame.iloc[:2000].reset_index(drop=True)
    for synthetic in (_perturbed(real, 1), frame.iloc[2000:].reset_index(drop=True)):
        expected = sdmetrics_quality(real, synthetic, metadata)
        assert quick_quality(real, synthetic, metadata) == pytest.approx(expected, abs=TOLERANCE)


def _random_pair(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A real and a 'synthetic' table with what real logs bring: gaps, constants, rare and new
    categories, booleans, datetimes (typed and as text), integer columns and an id."""
    rng = np.random.default_rng(seed)

    def table(rows: int, shift: float, noise: float, extra_level: bool) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, rows)
        levels = np.array(["a", "b", "c", "rare"] + (["new"] if extra_level else []))
        weights = np.array([0.5, 0.3, 0.17, 0.03] + ([0.05] if extra_level else []))
        group = np.where(x > 0.8, "c", rng.choice(levels, rows, p=weights / weights.sum()))
        frame = pd.DataFrame(
            {
                "x": x,
                "y": 2.0 * x + rng.normal(0.0, noise, rows),
                "z": rng.exponential(1.0 + shift, rows).round(2),
                "count": rng.poisson(1.0 + 5.0 * (x > 0), rows),
                "flat": np.full(rows, 7.0),
                "group": group,
                "flag": rng.random(rows) < 0.05 + 0.8 * (x > 1),
                "when": pd.Timestamp("2024-01-01")
                + pd.to_timedelta((x + rng.normal(0, 1, rows)) * 1e5, unit="s"),
                "day": (
                    pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 90, rows), unit="D")
                ).strftime("%Y-%m-%d"),
                "row_id": np.arange(rows),
            }
        )
        for column, share in (("x", 0.05), ("z", 0.1), ("group", 0.08), ("when", 0.03)):
            frame.loc[rng.random(rows) < share * rng.random(), column] = None
        return frame

    real = table(int(rng.integers(80, 700)), 0.0, 0.8, extra_level=False)
    synthetic = table(
        int(rng.integers(80, 700)), rng.uniform(-0.5, 0.5), rng.uniform(0.3, 3.0), extra_level=True
    )
    if seed % 3 == 0:
        synthetic["group"] = "a"  # collapsed to one category, as plain TVAE does
    columns = {
        "x": {"sdtype": "numerical"},
        "y": {"sdtype": "numerical"},
        "z": {"sdtype": "numerical"},
        "count": {"sdtype": "numerical"},
        "flat": {"sdtype": "numerical"},
        "group": {"sdtype": "categorical"},
        "flag": {"sdtype": "boolean"},
        "when": {"sdtype": "datetime"},
        "day": {"sdtype": "datetime", "datetime_format": "%Y-%m-%d"},
        "row_id": {"sdtype": "id"},
    }
    return real, synthetic, {"columns": columns}


@pytest.mark.parametrize("seed", range(12))
def test_it_matches_the_report_on_random_tables(seed):
    real, synthetic, metadata = _random_pair(seed)
    expected = _report_properties(real, synthetic, metadata)
    assert quality_properties(real, synthetic, metadata) == pytest.approx(
        expected, abs=TOLERANCE, nan_ok=True
    )
    overall = sdmetrics_quality(real, synthetic, {"tables": {"sensor_log": metadata}})
    assert quality_score(real, synthetic, metadata) == pytest.approx(overall, abs=TOLERANCE)


def test_pairs_below_the_thresholds_do_not_count():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})  # |r| well under 0.5
    synthetic = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    metadata = {"columns": {"a": {"sdtype": "numerical"}, "b": {"sdtype": "numerical"}}}
    shapes, trends = quality_properties(real, synthetic, metadata)
    assert math.isnan(trends) and quality_score(real, synthetic, metadata) == shapes
    assert shapes == pytest.approx(_report_properties(real, synthetic, metadata)[0], abs=1e-12)


def test_identical_tables_score_one():
    machine = BUILTIN_MACHINES["cnc_machine_001"]
    frame = simulate(machine, 500, seed=2)
    metadata = detect_metadata(frame, machine).to_dict()
    assert quality_score(frame, frame.copy(), metadata) == pytest.approx(1.0, abs=1e-12)


def test_a_wide_tables_pairs_are_those_of_the_same_random_columns_here_and_in_the_report(monkeypatch):
    from synthkit import fast_quality
    from synthkit.column_plan import TABLE
    from synthkit.evaluation import quality_scores

    monkeypatch.setattr(fast_quality, "PAIR_COLUMNS", 8)  # 150 in use: 11,175 pairs, a minute in SDMetrics
    rng = np.random.default_rng(5)
    latent = rng.normal(size=(400, 3))
    frame = pd.DataFrame({f"s{k}": latent @ rng.normal(size=3) + rng.normal(0, 0.3, 400) for k in range(20)})
    frame["grade"] = np.where(frame["s0"] > 0, "H", "L")
    real, synthetic = frame.iloc[:200].reset_index(drop=True), _perturbed(frame.iloc[200:], 3)
    columns = {c: {"sdtype": "numerical"} for c in frame.columns[:-1]} | {"grade": {"sdtype": "categorical"}}
    paired = fast_quality.pair_columns(list(columns))
    assert len(paired) == 8 and paired == fast_quality.pair_columns(list(columns))  # the same every time
    report = quality_scores(real, synthetic, {"tables": {TABLE: {"columns": columns}}})
    assert report["pair_trends_columns"] == 8 and len(report["column_scores"]) == 21  # every shape
    fast = quality_properties(real, synthetic, {"columns": columns})
    assert fast == pytest.approx([report["column_shapes"], report["column_pair_trends"]], abs=TOLERANCE)
    every_pair = _report_properties(real, synthetic, {"columns": columns})[1]
    assert report["column_pair_trends"] != pytest.approx(every_pair, abs=1e-6)  # a sample, not all
    assert report["quality"] == pytest.approx(np.mean(fast), abs=TOLERANCE)
