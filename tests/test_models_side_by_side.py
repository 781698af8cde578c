"""Named models per machine: trained side by side, chosen by name or kind, listed, compared, and
migrated from the one-model layout of earlier workspaces."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from synthkit import (
    BusyError,
    MissingArtifactError,
    evaluate,
    generate_seed_data,
    generate_synthetic_data,
    load_model,
    train_model,
    train_tvae,
)
from synthkit.cli import main
from synthkit.compare import compare_models, compare_path
from synthkit.store import list_models, resolve_model_name
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "workspace_flat_sdv"


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    generate_seed_data("pump_001", 600, seed=1, workspace=root)
    train_tvae("pump_001", epochs=2, seed=1, workspace=root)
    train_model("pump_001", "gaussian_copula", seed=1, workspace=root)
    train_tvae("pump_001", epochs=3, seed=2, name="tvae-3", workspace=root)
    return root


def test_each_name_keeps_its_own_model(two_models):
    names = [row["name"] for row in list_models("pump_001", two_models)]
    assert sorted(names) == ["gaussian_copula", "tvae", "tvae-3"]
    assert load_model("pump_001", two_models, name="tvae").manifest["epochs_run"] == 2
    assert load_model("pump_001", two_models, name="tvae-3").manifest["epochs_run"] == 3
    assert load_model("pump_001", two_models, name="gaussian_copula").kind == "gaussian_copula"


def test_without_a_name_the_latest_model_is_used_and_a_kind_names_its_only_model(two_models):
    assert resolve_model_name("pump_001", None, two_models) == "tvae-3"
    assert resolve_model_name("pump_001", "gaussian_copula", two_models) == "gaussian_copula"
    with pytest.raises(MissingArtifactError, match="no model named 'ctgan'.*its models are"):
        resolve_model_name("pump_001", "ctgan", two_models)


def test_generate_and_evaluate_use_the_named_model(two_models):
    run = generate_synthetic_data(
        "pump_001", 300, 0, 0, seed=1, model="gaussian_copula", workspace=two_models
    )
    assert run.model_name == "gaussian_copula"
    manifest = json.loads((Path(run.file_paths["train"]).parent / "manifest.json").read_text())
    assert manifest["model_name"] == "gaussian_copula" and manifest["model_kind"] == "gaussian_copula"
    report = evaluate("pump_001", run.run_id, workspace=two_models, save=False)
    assert report.model_name == "gaussian_copula" and report.model_kind == "gaussian_copula"


def test_two_names_of_one_machine_train_side_by_side_and_one_name_twice_is_refused(two_models):
    started, release, errors = threading.Event(), threading.Event(), []

    def hold(event):  # side-a stays in training until the checks below are done
        started.set()
        release.wait(120)

    def train_a() -> None:
        try:
            train_tvae("pump_001", epochs=3, seed=1, name="side-a", workspace=two_models, sinks=[hold])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=train_a)
    thread.start()
    try:
        assert started.wait(60)
        train_tvae("pump_001", epochs=1, seed=1, name="side-b", workspace=two_models)  # not busy
        with pytest.raises(BusyError):
            train_tvae("pump_001", epochs=1, seed=1, name="side-a", workspace=two_models)
    finally:
        release.set()
        thread.join()
    assert errors == []


def test_compare_scores_every_model_on_the_same_rows_and_writes_the_page(two_models):
    table = compare_models("pump_001", ["tvae", "gaussian_copula"], rows=400, workspace=two_models)
    assert set(table["model"]) == {"tvae", "gaussian_copula"}
    expected = {"quality", "column_shapes", "min_label_rate_ratio", "roc_auc_synthetic", "pr_auc_synthetic"}
    assert expected | {"dcr_closer_to_training_share", "fit_s", "rows_per_s", "size_mb"} <= set(table.columns)
    assert table["quality"].is_monotonic_decreasing
    page = compare_path("pump_001", two_models).read_text()
    assert "models side by side" in page and "Label rates" in page


def test_cli_models_compare_and_named_train_generate(two_models, capsys):
    ws = ["--workspace", str(two_models)]
    assert main([*ws, "models", "pump_001", "--json"]) == 0
    assert {r["name"] for r in json.loads(capsys.readouterr().out)} >= {"tvae", "tvae-3"}
    assert (
        main([*ws, "generate", "pump_001", "--train", "200", "--val", "0", "--test", "0", "--no-report"]) == 0
    )
    assert "(the most recently trained; --model NAME to choose)" in capsys.readouterr().out
    assert (
        main(
            [
                *ws,
                "generate",
                "pump_001",
                "--train",
                "200",
                "--val",
                "0",
                "--test",
                "0",
                "--no-report",
                "--model",
                "tvae-3",
                "--quiet",
            ]
        )
        == 0
    )
    assert "from model 'tvae-3'" in capsys.readouterr().out
    assert main([*ws, "compare", "pump_001", "--models", "tvae", "tvae-3", "--rows", "300"]) == 0
    out = capsys.readouterr().out
    assert "tvae-3" in out and "figures:" in out
    assert (
        main([*ws, "generate", "pump_001", "--train", "10", "--val", "0", "--test", "0", "--model", "nope"])
        == 2
    )


def test_a_workspace_with_one_model_folder_keeps_working_and_moves_on_the_next_training(tmp_path):
    old = tmp_path / "old"
    shutil.copytree(FIXTURE, old, symlinks=True)
    legacy = old / "machines" / "cnc_machine_001" / "model"
    assert (legacy / "model.json").is_file() and not (legacy.parent / "models").exists()
    assert resolve_model_name("cnc_machine_001", None, old) == "tvae"
    before = load_model("cnc_machine_001", old).sha256
    train_model("cnc_machine_001", "gaussian_copula", seed=1, workspace=old)
    assert not legacy.exists()  # the old link moved under models/
    assert load_model("cnc_machine_001", old, name="tvae").sha256 == before
    assert sorted(r["name"] for r in list_models("cnc_machine_001", old)) == ["gaussian_copula", "tvae"]
