import json
import re

import pytest

from synthkit.cli import build_parser
from tests.conftest import ROOT, run_cli, snapshot

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "--json" in result.stdout
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"synthkit (\[--workspace DIR\] |--workspace \S+ )?{command}\b", readme), command


def test_python_dash_m_and_console_script_agree():
    import shutil
    import subprocess
    import sys

    script = shutil.which("synthkit", path=str(ROOT / ".venv/bin")) or str(
        __import__("pathlib").Path(sys.executable).parent / "synthkit"
    )
    assert subprocess.run([script, "--help"], capture_output=True).returncode == 0


def test_machines_json_lists_id_and_type(workspace):
    result = run_cli("machines", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert len(items) >= 6
    assert all({"machine_id", "type"} <= set(item) for item in items)


def test_seed_then_machines_shows_rows(workspace):
    result = run_cli("seed", "pump_001", "--samples", "300", "--seed", "3", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["samples_generated"] == 300
    assert set(payload) == {"machine_id", "file_path", "samples_generated", "file_size_mb", "created_at"}
    table = run_cli("machines", workspace=workspace).stdout
    assert re.search(r"pump_001 .* 300 ", table)


def test_seed_all_prints_the_fleet_summary(workspace):
    result = run_cli("seed", "--all", "--samples", "200", "--seed", "1", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert "failure_rate" in result.stdout
    assert len([line for line in result.stdout.splitlines() if "seed.parquet" in line]) >= 6


def test_register_from_csv(workspace, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(80)))
    result = run_cli("register", "my_machine", str(path), "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["machine_id"] == "my_machine"
    listed = json.loads(run_cli("machines", "--json", workspace=workspace).stdout)
    assert "my_machine" in [m["machine_id"] for m in listed]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["seed", "../x"], "lowercase letters"),
        (["seed", "pump_001", "--samples", "abc"], "invalid int value"),
        (["seed", "pump_001", "--samples", "0"], "'samples' parameter"),
        (["seed", "pump_001", "--samples", str(10**12)], "'samples' parameter"),
        (["seed", "nope_1"], "Unknown machine_id"),
        (["seed"], "at least one MACHINE_ID"),
        (["register", "x1", "/no/such.csv"], "does not exist"),
        (["bogus"], "invalid choice"),
    ],
)
def test_errors_are_one_line_with_exit_2_and_change_nothing(workspace, args, expected):
    result = run_cli(*args, workspace=workspace)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(workspace) == {}
