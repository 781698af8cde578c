"""The project's own promises about itself: one dependency list, a light import, a curated API."""

import ast
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
    entries = {line.strip()[2:].strip().strip('"') for line in lines if line.startswith("      - ")}
    assert {"-e .", "-c constraints.txt"} <= entries
    assert entries - {"-e .", "-c constraints.txt"} == wanted


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(pair) == 2 for pair in pairs), "constraints.txt holds exact pins only"
    return {name.strip().lower(): version.strip() for name, version in pairs}


def test_constraints_pin_every_dependency_and_the_sdv_stack():
    pins = _pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    assert wanted - set(pins) == set()
    assert {"sdv", "ctgan", "rdt", "sdmetrics", "torch"} <= set(pins)
    assert pins["torch"] == "2.13.0"  # the CPU build on local disk (see the Makefile's TORCH_SPEC)


def test_constraints_hold_the_versions_synthkits_speed_ups_were_written_for():
    from synthkit import _sdv

    pins = _pins()
    assert {name: pins[name] for name in _sdv.PINNED_VERSIONS} == _sdv.PINNED_VERSIONS


def test_every_install_uses_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert 'pip install --quiet -c constraints.txt -e ".[test]"' in makefile
    assert re.search(r"^\$\(STAMP\): .*constraints\.txt", makefile, re.M)


def test_constraints_keep_jsonschema_below_the_release_that_adds_a_slow_import():
    """jsonschema 4.25's ``format-nongpl`` extra (asked for by jupyter-events) adds rfc3987-syntax,
    which compiles 38 grammars when jsonschema is imported: 0.85 s in every `synthkit run` and
    `batch` process, every kernel that shows a plotly figure (plotly imports nbformat) and every
    Jupyter server. `make constraints` freezes what is installed: uninstall it before."""
    pins = _pins()
    assert tuple(int(p) for p in pins["jsonschema"].split(".")[:2]) < (4, 25)
    assert "rfc3987-syntax" not in pins and "lark" not in pins


def _loaded_after(code: str, heavy: tuple[str, ...]) -> list[str]:
    """Which of ``heavy`` a fresh interpreter has imported after running ``code``."""
    probe = f"import sys\n{code}\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])


def test_import_synthkit_stays_light():
    heavy = ("ipywidgets", "plotly", "sdv", "torch", "sklearn")
    assert _loaded_after("import synthkit", heavy) == []


def test_the_public_api_loads_on_first_use():
    """Names resolve on first use (PEP 562); ``dir()`` and the submodules read as before."""
    code = "import synthkit\nfrom synthkit import train_tvae\nprint(sorted(dir(synthkit)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert set(synthkit.__all__) | {"store", "training", "evaluation"} <= set(ast.literal_eval(out))
    assert synthkit.store.load_model is synthkit.load_model


def test_the_light_commands_import_no_table_or_model_library(tmp_path):
    """`--help`, `machines`, `status` and `watch` are called many times a day: no pandas, no torch."""
    from synthkit.jobs import run_task
    from synthkit.workspace import Workspace

    run_task("seed", "pump_001", "seed-light-1", {}, lambda emitter: None, workspace=Workspace(tmp_path))
    heavy = ("numpy", "pandas", "pyarrow", "torch", "sdv", "sklearn", "plotly", "ipywidgets")
    for argv in (["--help"], ["machines"], ["status", "seed-light-1"], ["watch", "seed-light-1"]):
        code = f"from synthkit.cli import main\nassert main(['--workspace', {str(tmp_path)!r}, *{argv}]) == 0"
        assert _loaded_after(code, heavy) == [], argv


def test_public_api_is_explicit_and_importable():
    assert len(synthkit.__all__) == len(set(synthkit.__all__))
    for name in synthkit.__all__:
        assert hasattr(synthkit, name), name


# DESIGN.md's public surface ("Public surface"): the functions, the result types, the events and sinks.
DESIGNED = {
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
# What callers of those need besides: the version, the roles helpers, the types the functions
# return or take, and the errors of synthkit.errors' tree.
ALSO_PUBLIC = {
    "__version__",
    "preview_roles",
    "describe_file",
    "update_roles",
    "sample",
    "compare_models",
    "Machine",
    "Sensor",
    "Roles",
    "Model",
    "Job",
    "SynthkitError",
    "InvalidParameterError",
    "InvalidDataError",
    "MissingArtifactError",
    "IntegrityError",
    "BusyError",
    "TaskFailedError",
    "TaskCancelledError",
}


def test_the_public_api_is_exactly_the_designed_one():
    """Adding or removing a public name is a decision: make it here and in ``__all__`` together."""
    assert set(synthkit.__all__) == DESIGNED | ALSO_PUBLIC
