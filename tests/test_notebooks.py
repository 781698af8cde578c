"""Every notebook runs headless with tiny parameters, is committed without outputs, has parameters."""

import json
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT, cli

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TINY = {
    "pipeline": {
        "machine_id": "pump_001",
        "seed_samples": 300,
        "epochs": 2,
        "train": 200,
        "val": 50,
        "test": 50,
    },
    "workbench": {},
}


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"pipeline"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs_and_with_a_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    assert any("parameters" in cell.metadata.get("tags", []) for cell in notebook.cells)


RUN_HERE = [p for p in NOTEBOOKS if p.stem in TINY]  # the teaching notebooks run in test_tutorial.py


def test_every_notebook_runs_in_some_test():
    assert {p.stem for p in NOTEBOOKS} == set(TINY) | {"tutorial", "compare"}


@pytest.mark.services
@pytest.mark.parametrize("path", RUN_HERE, ids=[p.stem for p in RUN_HERE])
def test_notebook_runs_headless_through_synthkit_run(path, tmp_path):
    args = ["run", str(path), "--out", str(tmp_path / "out" / "output.ipynb"), "--json"]
    for name, value in TINY[path.stem].items():
        args += ["-p", name, str(value)]
    result = cli(*args, workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr[-3000:]
    payload = json.loads(result.stdout)
    assert payload["status"] == "SUCCESS"
    executed = nbformat.read(payload["output_path"], as_version=4)
    assert any(cell.get("outputs") for cell in executed.cells if cell.cell_type == "code")
    assert Path(payload["output_path"]).stat().st_size < 2_000_000  # widget state not stored
    if path.stem == "pipeline":
        assert "epoch 2/2 loss" in result.stderr  # the notebook's lines streamed as it ran
        recorded = json.loads(Path(payload["result_path"]).read_text())
        assert recorded["status"] == "SUCCESS" and 0 < recorded["quality"] <= 1
        assert Path(recorded["report_path"]).is_file()


@pytest.mark.services
def test_a_failing_notebook_keeps_its_output_and_names_the_cell(tmp_path):
    args = [
        "run",
        str(ROOT / "notebooks/pipeline.ipynb"),
        "--out",
        str(tmp_path / "o.ipynb"),
        "-p",
        "machine_id",
        "pump_001",
        "-p",
        "seed_samples",
        "300",
        "-p",
        "epochs",
        "0",
    ]
    result = cli(*args, workspace=tmp_path / "ws")
    assert result.returncode == 1
    assert "error: notebook failed at cell" in result.stderr and "'epochs' parameter" in result.stderr
    recorded = json.loads((tmp_path / "result.json").read_text())
    assert recorded["status"] == "FAILURE" and recorded["failed_cell"] is not None
    assert (tmp_path / "o.ipynb").is_file()


def test_missing_notebook_is_bad_input(tmp_path):
    result = cli("run", str(tmp_path / "nope.ipynb"))
    assert result.returncode == 2 and "does not exist" in result.stderr
