"""Rows under conditions, in memory and in splits, for every model kind; refused by name."""

from __future__ import annotations

import pandas as pd
import pytest

from synthkit import (
    InvalidParameterError,
    generate_seed_data,
    generate_synthetic_data,
    sample,
    train_model,
    train_tvae,
)
from synthkit.cli import main, parse_conditions
from synthkit.store import load_seed
from tests.conftest import snapshot

pytestmark = pytest.mark.slow  # a 100-epoch model (about 30 s) is what conditional sensors are judged on


@pytest.fixture(scope="module")
def pump(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    generate_seed_data("pump_001", 3_000, seed=4, workspace=root)
    train_tvae("pump_001", epochs=100, seed=1, workspace=root)  # enough to learn each mode's sensors
    train_model("pump_001", "gaussian_copula", seed=1, workspace=root)
    return root


def test_only_one_failure_mode_and_its_sensors_follow_the_real_failing_rows(pump):
    real = load_seed("pump_001", pump)[0]
    rows = sample("pump_001", 500, {"failure_mode": "bearing_failure"}, seed=1, model="tvae", workspace=pump)
    assert len(rows) == 500 and (rows["failure_mode"] == "bearing_failure").all()
    assert (rows["failure"] == 1).all()  # the labels never contradict each other
    mode = real[real["failure_mode"] == "bearing_failure"]
    column = "vibration_mm_s"
    spread = real[column].std()
    assert abs(rows[column].mean() - mode[column].mean()) < abs(rows[column].mean() - real[column].mean())
    assert abs(rows[column].mean() - mode[column].mean()) < 0.5 * spread


def test_shares_of_one_label_including_only_failures(pump):
    rows = sample("pump_001", 400, {"failure": {1: 1.0}}, seed=2, model="tvae", workspace=pump)
    assert (rows["failure"] == 1).all()
    half = sample("pump_001", 400, {"failure": {1: 0.5, 0: 0.5}}, seed=2, model="tvae", workspace=pump)
    assert (half["failure"] == 1).sum() == 200


def test_a_numeric_range_and_a_gaussian_copula_by_rejection(pump):
    real = load_seed("pump_001", pump)[0]
    high = float(real["bearing_temperature_c"].quantile(0.7))
    rows = sample(
        "pump_001",
        300,
        {"bearing_temperature_c": (high, None)},
        seed=3,
        model="gaussian_copula",
        workspace=pump,
    )
    assert len(rows) == 300 and (rows["bearing_temperature_c"] >= high).all()
    both = sample(
        "pump_001",
        50,
        {"failure": 1, "flow_rate_m3h": (None, 500)},
        seed=3,
        model="gaussian_copula",
        workspace=pump,
    )
    assert (both["failure"] == 1).all()


def test_splits_under_conditions(pump):
    run = generate_synthetic_data(
        "pump_001",
        300,
        100,
        0,
        seed=5,
        conditions={"failure_mode": "cavitation"},
        model="tvae",
        workspace=pump,
        report=False,
    )
    rows = pd.read_parquet(run.file_paths["train"])
    assert len(rows) == 300 and (rows["failure_mode"] == "cavitation").all()


BAD = {
    "unknown column": ({"nope": 1}, "no modelled column 'nope'"),
    "value never seen": ({"failure_mode": "meteor"}, "failure_mode='meteor' never occurs.*its values are"),
    "shares not summing to 1": ({"failure": {1: 0.7, 0: 0.7}}, "must be >= 0 and sum to 1"),
    "range on a category": ({"failure_mode": (0, 1)}, "never occurs|condition it with"),
    "value on a number": ({"flow_rate_m3h": 100}, "condition it with a \\(low, high\\) range"),
    "not a dict": (["failure"], "must be a dict"),
    "range outside the data": ({"flow_rate_m3h": (10_000, None)}, "no training row has 'flow_rate_m3h' in"),
    "a combination never seen": (
        {"failure_mode": "bearing_failure", "failure": 0},
        "no training row has failure_mode='bearing_failure' with failure='0'",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_conditions_that_cannot_be_met_are_refused_with_their_reason(pump, case):
    conditions, message = BAD[case]
    before = snapshot(pump / "machines")
    with pytest.raises(InvalidParameterError, match=message):
        sample("pump_001", 20, conditions, seed=1, model="gaussian_copula", workspace=pump)
    assert snapshot(pump / "machines") == before


def test_rejection_gives_up_after_bounded_draws_with_the_rate_achieved(pump, monkeypatch):
    from synthkit import conditions

    high = float(load_seed("pump_001", pump)[0]["bearing_temperature_c"].quantile(0.95))
    monkeypatch.setattr(conditions, "MAX_DRAW_FACTOR", 1)  # one batch of draws, 2 per row asked
    with pytest.raises(
        InvalidParameterError, match=r"could not be met: \d+ of 900 rows after [\d,]+ draws \(a rate of"
    ):  # a range is met by rejection for every kind; about 5 % of the 1,800 draws meet it
        sample(
            "pump_001",
            900,
            {"bearing_temperature_c": (high, None)},
            seed=1,
            model="gaussian_copula",
            workspace=pump,
        )


def test_too_many_rows_in_memory_point_to_generate(pump):
    with pytest.raises(InvalidParameterError, match="rows"):
        sample("pump_001", 2_000_000, workspace=pump)


def test_cli_condition_syntax(pump, capsys):
    assert parse_conditions(["failure_mode=seal_failure"]) == {"failure_mode": "seal_failure"}
    assert parse_conditions(["failure=1:0.3", "failure=0:0.7"]) == {"failure": {"1": 0.3, "0": 0.7}}
    assert parse_conditions(["load=0.8.."]) == {"load": (0.8, None)}
    args = ["--workspace", str(pump), "generate", "pump_001", "--train", "100", "--val", "0", "--test", "0"]
    assert (
        main([*args, "--model", "tvae", "--condition", "failure=1:1.0", "--no-report", "--quiet", "--json"])
        == 0
    )
    assert main([*args, "--condition", "failure_mode=meteor"]) == 2
    assert "never occurs" in capsys.readouterr().err


# GaussianCopula: SDV's conditional sampling (sdv.sampling.Condition) instead of rejection.
SIGNATURE = {
    "bearing_failure": ["vibration_mm_s", "bearing_temperature_c"],
    "seal_failure": ["seal_leakage_ml_min"],
}


@pytest.mark.parametrize("mode", list(SIGNATURE))
def test_a_gaussian_copula_draws_one_failure_mode_through_sdv_and_its_sensors_move_toward_it(pump, mode):
    """Every row is the mode, with the label it implies (rejection kept GaussianCopula rows with
    failure=0 beside a failure mode: about 88 % of them on this seed). The copula's sensors move
    toward the mode's real failing rows but only part of the way (about a quarter to a third of
    the gap on this seed: one normal correlation per column pair cannot hold a mode's own sensor
    levels), so the bound is "closer than the real mean of all rows, by three standard errors of
    the synthetic mean", not TVAE's "within half a spread"; rows drawn without the condition
    (the mean of all rows) fail it."""
    real = load_seed("pump_001", pump)[0]
    rows = sample("pump_001", 500, {"failure_mode": mode}, seed=1, model="gaussian_copula", workspace=pump)
    assert len(rows) == 500 and (rows["failure_mode"] == mode).all()
    assert (rows["failure"] == 1).all()
    failing = real[real["failure_mode"] == mode]
    for column in SIGNATURE[mode]:
        noise = 3 * rows[column].std() / len(rows) ** 0.5
        to_mode = abs(rows[column].mean() - failing[column].mean())
        assert to_mode < abs(real[column].mean() - failing[column].mean()) - noise, column
    again = sample("pump_001", 500, {"failure_mode": mode}, seed=1, model="gaussian_copula", workspace=pump)
    pd.testing.assert_frame_equal(rows, again)


def test_a_gaussian_copula_draws_shares_through_sdv(pump):
    half = sample(
        "pump_001", 400, {"failure": {1: 0.5, 0: 0.5}}, seed=2, model="gaussian_copula", workspace=pump
    )
    assert (half["failure"] == 1).sum() == 200 and (half["failure"] == 0).sum() == 200
    assert (half.loc[half["failure"] == 0, "failure_mode"] == "none").all()  # implied by failure=0
    modes = {"bearing_failure": 0.25, "seal_failure": 0.75}
    rows = sample("pump_001", 400, {"failure_mode": modes}, seed=2, model="gaussian_copula", workspace=pump)
    assert rows["failure_mode"].value_counts().to_dict() == {"seal_failure": 300, "bearing_failure": 100}
    assert (rows["failure"] == 1).all()


def test_a_gaussian_copula_condition_sdv_cannot_meet_is_refused_with_the_rate(pump, monkeypatch):
    from sdv.single_table import GaussianCopulaSynthesizer

    def unable(self, conditions, *args, **kwargs):  # SDV found no row meeting the condition
        return pd.DataFrame(columns=conditions.columns)

    monkeypatch.setattr(GaussianCopulaSynthesizer, "_sample_with_conditions", unable)
    with pytest.raises(
        InvalidParameterError, match=r"could not be met: 0 of 20 rows after 20 draws"
    ) as caught:
        sample(
            "pump_001", 20, {"failure_mode": "cavitation"}, seed=1, model="gaussian_copula", workspace=pump
        )
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_gaussian_copula_range_beside_a_mode_runs_out_of_draws_with_the_rate(pump, monkeypatch):
    from synthkit import conditions

    real = load_seed("pump_001", pump)[0]
    top = float(real["vibration_mm_s"].quantile(0.99))
    monkeypatch.setattr(conditions, "MAX_DRAW_FACTOR", 1)  # one ask of SDV: 2 rows per row wanted
    with pytest.raises(InvalidParameterError, match=r"could not be met: \d+ of 300 rows after 600 draws"):
        sample(
            "pump_001",
            300,
            {"failure_mode": "bearing_failure", "vibration_mm_s": (top, None)},
            seed=1,
            model="gaussian_copula",
            workspace=pump,
        )
