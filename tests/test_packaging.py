"""The project's own promises about itself: one dependency list, a light import, a curated API."""

import re
import subprocess
import sys

import tomllib

import synthkit
from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement.strip().strip('"'), maxsplit=1)[0].lower()


def test_environment_yml_installs_the_same_set_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {r.strip() for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {r.strip() for r in extra}
    lines = (ROOT / "environment.yml").read_text().splitlines()
    listed = {
        line.strip()[2:].strip().strip('"')
        for line in lines
        if line.startswith("      - ") and "-e ." not in line
    }
    assert listed == wanted


def test_import_synthkit_stays_light():
    heavy = ("ipywidgets", "plotly", "sdv", "torch")
    code = f"import sys, synthkit; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api_is_explicit_and_importable():
    assert len(synthkit.__all__) == len(set(synthkit.__all__))
    for name in synthkit.__all__:
        assert hasattr(synthkit, name), name


def test_the_designed_public_surface_is_exported():
    designed = {
        "list_machines",
        "get_machine",
        "register_machine",
        "generate_seed_data",
        "train_tvae",
        "train_model",
        "load_model",
        "generate_synthetic_data",
        "evaluate",
        "get_task_status",
        "submit",
        "SeedResult",
        "TrainResult",
        "GenerateResult",
        "EvaluationReport",
        "ProgressEvent",
        "History",
        "TqdmSink",
        "JsonlSink",
    }
    assert designed <= set(synthkit.__all__)
