import json
import re

import pandas as pd
import pytest

from synthkit.errors import MissingArtifactError
from synthkit.evaluation import category_tvd, evaluate, label_checks
from synthkit.generation import generate_synthetic_data
from tests.conftest import cli


@pytest.fixture(scope="module")
def run(trained):
    return generate_synthetic_data("cnc_machine_001", 800, 100, 100, seed=5, workspace=trained, report=False)


def test_report_values_are_in_range(trained, run):
    report = evaluate("cnc_machine_001", run.run_id, workspace=trained)
    assert report.run_id == run.run_id and report.rows_synthetic == 1000
    for score in (report.quality, report.column_shapes, report.diagnostic["validity"]):
        assert 0.0 <= score <= 1.0
    assert set(report.column_scores) == set(pd.read_parquet(run.file_paths["train"]).columns)
    assert set(report.label_rates) >= {
        "failure",
        "failure_mode=tool_wear_failure",
        "failure_mode=power_failure",
    }
    assert report.failure_rate_ratio is None or report.failure_rate_ratio >= 0
    assert 0 <= report.label_contradiction_rate <= 1
    assert 0 <= report.privacy["exact_copy_share"] <= 1
    assert 0 <= report.privacy["dcr_closer_to_training_share"] <= 1
    assert 0.5 <= report.utility["roc_auc_real"] <= 1.0
    assert set(report.category_tvd) == {"product_quality", "failure", "failure_mode"}
    assert len(report.loss_history) == 3


def test_latest_run_is_the_default_and_files_are_saved(trained, run):
    latest = generate_synthetic_data("cnc_machine_001", 300, 0, 0, seed=6, workspace=trained, report=False)
    report = evaluate("cnc_machine_001", workspace=trained)
    assert report.run_id == latest.run_id
    folder = trained / "machines/cnc_machine_001/runs" / latest.run_id
    saved = json.loads((folder / "report.json").read_text())
    assert saved["quality"] == report.quality


def test_html_report_is_one_self_contained_file(trained, run):
    evaluate("cnc_machine_001", run.run_id, workspace=trained)
    text = (trained / "machines/cnc_machine_001/runs" / run.run_id / "report.html").read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert not re.search(r"<script[^>]+src=", text)  # nothing fetched from elsewhere
    assert text.count("Plotly.newPlot") >= 3  # distributions, correlation difference, loss


def test_figures(trained, run):
    figures = evaluate("cnc_machine_001", run.run_id, workspace=trained, save=False).figures()
    assert {
        "distribution:torque_nm",
        "distribution:product_quality",
        "correlation_difference",
        "loss",
    } <= set(figures)
    assert len(figures["loss"].data[0].y) == 3


def test_label_checks_on_known_tables():
    real = pd.DataFrame(
        {"failure": [0] * 90 + [1] * 10, "failure_mode": ["none"] * 90 + ["a"] * 5 + ["b"] * 5}
    )
    synthetic = pd.DataFrame({"failure": [0] * 80 + [1] * 20, "failure_mode": ["none"] * 81 + ["a"] * 19})
    checks = label_checks(
        real, synthetic, ("failure", "failure_mode"), {"failure": "0", "failure_mode": "none"}
    )
    assert checks["failure_rate_ratio"] == pytest.approx(2.0)
    assert checks["label_rates"]["failure_mode=a"]["ratio"] == pytest.approx(3.8)
    assert checks["label_rates"]["failure_mode=b"]["ratio"] == 0.0
    assert checks["label_contradiction_rate"] == pytest.approx(0.01)
    assert category_tvd(real, synthetic, ["failure_mode"])["failure_mode"] == pytest.approx(0.14)


def test_no_runs_yet(workspace):
    from synthkit import generate_seed_data

    generate_seed_data("pump_001", 200, seed=1)
    with pytest.raises(MissingArtifactError, match="synthkit generate pump_001"):
        evaluate("pump_001")


def test_cli_evaluate(trained, run):
    result = cli("evaluate", "cnc_machine_001", "--run", run.run_id, "--json", workspace=trained)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["run_id"] == run.run_id
