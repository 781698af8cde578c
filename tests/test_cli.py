import json
import re

import pytest

from synthkit import __version__, errors
from synthkit.cli import build_parser
from tests.conftest import ROOT, cli, snapshot

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = cli(command, "--help")
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
    for entry in ([script], [sys.executable, "-m", "synthkit"]):
        version = subprocess.run([*entry, "--version"], capture_output=True, text=True)
        assert (version.returncode, version.stdout) == (0, f"synthkit {__version__}\n"), version.stderr


def test_machines_json_lists_id_and_type(workspace):
    result = cli("machines", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert len(items) >= 6
    assert all({"machine_id", "type"} <= set(item) for item in items)


def test_seed_then_machines_shows_rows(workspace):
    result = cli("seed", "pump_001", "--samples", "300", "--seed", "3", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["samples_generated"] == 300
    assert set(payload) == {"machine_id", "file_path", "samples_generated", "file_size_mb", "created_at"}
    table = cli("machines", workspace=workspace).stdout
    assert re.search(r"pump_001 .* 300 ", table)


def test_replacing_seed_data_or_a_model_asks_first(workspace, monkeypatch):
    """Off a terminal --replace is required (exit 2, nothing changed); on one a prompt asks."""
    assert cli("seed", "pump_001", "--samples", "300", "--seed", "3", workspace=workspace).returncode == 0
    again = ("seed", "pump_001", "--samples", "400", "--seed", "4")
    before = snapshot(workspace)
    refused = cli(*again, workspace=workspace)
    assert refused.returncode == 2 and "pump_001 already has 300 rows of seed data" in refused.stderr
    assert "--replace" in refused.stderr and snapshot(workspace) == before

    train = ("train", "pump_001", "--epochs", "2", "--batch-size", "100", "--quiet")
    assert cli(*train, workspace=workspace).returncode == 0
    before = snapshot(workspace)
    refused = cli(*train, "--name", "tvae", workspace=workspace)
    assert refused.returncode == 2 and "already has the model tvae (tvae, 2 epochs, trained" in refused.stderr
    assert snapshot(workspace) == before
    assert cli(*train, "--name", "second", workspace=workspace).returncode == 0  # a new name: no question

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    before = snapshot(workspace)
    declined = cli(*again, workspace=workspace)
    assert declined.returncode == 130 and "Nothing was replaced" in declined.stderr
    assert snapshot(workspace) == before
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert cli(*again, workspace=workspace).returncode == 0
    assert cli(*train, "--replace", workspace=workspace).returncode == 0  # no prompt needed
    machines = json.loads(cli("machines", "--json", workspace=workspace).stdout)
    assert {m["machine_id"]: m["seed_rows"] for m in machines}["pump_001"] == 400


def test_seed_all_prints_the_fleet_summary(workspace):
    result = cli("seed", "--all", "--samples", "200", "--seed", "1", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert "failure_rate" in result.stdout
    assert len([line for line in result.stdout.splitlines() if "seed.parquet" in line]) >= 6


def test_register_from_csv(workspace, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(80)))
    result = cli("register", "my_machine", str(path), "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["machine_id"] == "my_machine"
    listed = json.loads(cli("machines", "--json", workspace=workspace).stdout)
    assert "my_machine" in [m["machine_id"] for m in listed]


def test_register_says_when_a_file_has_no_header_row(workspace, tmp_path):
    path = tmp_path / "train_FD001.txt"
    path.write_text("".join(f"1 {cycle} {0.001 * cycle:.4f} {640 + cycle % 7}  \n" for cycle in range(1, 81)))
    result = cli("register", "engine", str(path), "--dry-run", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert "no header row: its columns are named by position (column_1 ... column_4)" in result.stdout
    assert "fields separated by runs of spaces" in result.stdout
    assert snapshot(workspace) == {}


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
    result = cli(*args, workspace=workspace)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert snapshot(workspace) == {}


def test_version_prints_and_exits_0():
    result = cli("--version")
    assert (result.returncode, result.stdout) == (0, f"synthkit {__version__}\n")


@pytest.mark.parametrize(
    "error, code",
    [
        (errors.InvalidParameterError("bad epochs"), 2),
        (errors.InvalidDataError("the table", ["no rows"]), 2),
        (errors.MissingArtifactError("no seed data"), 2),
        (errors.TaskFailedError("train failed: ValueError: x"), 1),
        (errors.IntegrityError("model file does not match"), 3),
        (errors.BusyError("already training"), 3),
        (errors.TaskCancelledError("stopped"), 130),
        (KeyboardInterrupt(), 130),
    ],
)
def test_exit_status_tells_the_kind_of_error(workspace, monkeypatch, error, code):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("synthkit.cli.list_machines", fail)
    result = cli("machines", workspace=workspace)
    assert result.returncode == code
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_an_unexpected_error_is_one_line_with_its_type_and_exit_1(workspace, monkeypatch):
    def fail(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nin a second line")

    monkeypatch.setattr("synthkit.cli.list_machines", fail)
    result = cli("machines", workspace=workspace)
    assert result.returncode == 1
    assert result.stderr == "error: ZeroDivisionError: division by zero in a second line\n"


def test_an_unreadable_task_record_exits_3(workspace):
    from synthkit.workspace import Workspace

    path = Workspace(workspace).task_record("train-unreadable")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = cli("status", "train-unreadable", workspace=workspace)
    assert result.returncode == 3 and result.stderr.startswith("error: Task record")


def test_batch_passes_progress_redis_on(workspace, monkeypatch, tmp_path):
    from synthkit import batch

    calls = []

    def run_batch(notebook, **options):
        calls.append(options)
        return batch.BatchResult(str(tmp_path))

    monkeypatch.setattr(batch, "run_batch", run_batch)
    args = ["batch", "nb.ipynb", "--machine", "pump_001", "--progress-redis", "redis://127.0.0.1:1/0"]
    result = cli(*args, "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    assert calls[0]["progress_redis"] == "redis://127.0.0.1:1/0"


def test_train_takes_min_label_share_for_tvae_only(workspace):
    from synthkit.store import list_models, load_model

    assert cli("seed", "pump_001", "--samples", "300", "--seed", "3", workspace=workspace).returncode == 0
    trained = cli(
        "train",
        "pump_001",
        "--epochs",
        "2",
        "--min-label-share",
        "0.3",
        "--quiet",
        "--json",
        workspace=workspace,
    )
    assert trained.returncode == 0, trained.stderr
    assert load_model("pump_001", workspace).manifest["parameters"]["min_label_share"] == 0.3
    for args, expected in (
        (["--min-label-share", "0.9"], "'min_label_share' parameter"),
        (["--model", "gaussian_copula", "--min-label-share", "0.3"], "'min_label_share'"),
    ):
        refused = cli("train", "pump_001", "--quiet", "--replace", *args, workspace=workspace)
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
    assert [m["name"] for m in list_models("pump_001", workspace)] == ["tvae"]


def test_train_says_how_repeating_keys_come_back(workspace, tmp_path):
    from synthkit.raw_logs import drive_stats

    drive_stats(2_000, 3)[0].to_csv(tmp_path / "drives.csv", index=False)
    assert cli("register", "drives", str(tmp_path / "drives.csv"), workspace=workspace).returncode == 0
    trained = cli("train", "drives", "--epochs", "1", "--quiet", workspace=workspace)
    assert trained.returncode == 0, trained.stderr
    keys = [line for line in trained.stdout.splitlines() if line.startswith("keys: ")]
    assert len(keys) == 1
    assert keys[0].startswith(
        "keys: serial_number repeats: about 4 rows per key; never two with one date; "
        "its rows share capacity_bytes, model; its own: "
    )
    assert "smart_9_raw (+24 a day)" in keys[0]
    assert cli("seed", "pump_001", "--samples", "300", workspace=workspace).returncode == 0  # no such key
    plain = cli("train", "pump_001", "--epochs", "1", "--quiet", workspace=workspace)
    assert plain.returncode == 0 and "keys: " not in plain.stdout
