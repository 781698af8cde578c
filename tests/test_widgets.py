"""The workbench without a browser: build it, set values, click, wait, and read what it shows."""

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from synthkit import (
    ProgressEvent,
    generate_seed_data,
    generate_synthetic_data,
    get_machine,
    get_task_status,
    train_tvae,
)
from synthkit.store import load_seed
from synthkit.widgets import GeneratePanel, MachinePanel, TrainPanel, Workbench
from tests.conftest import TINY_TVAE, cli, snapshot, start_cli


def wait_until(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def scored(panel: GeneratePanel) -> bool:
    """The panel has drawn its run's scores and figures (it says so last)."""
    return panel.stage.value == "completed"


@pytest.fixture
def bench(workspace):
    return Workbench(workspace, "pump_001")


@pytest.fixture(scope="module")
def pump_run(tmp_path_factory):
    """A workspace where pump_001 has seed data, a tiny model and one run (shared, copied per test)."""
    root = tmp_path_factory.mktemp("pump") / "ws"
    generate_seed_data("pump_001", 400, seed=3, workspace=root)
    train_tvae("pump_001", seed=1, workspace=root, **TINY_TVAE)
    generate_synthetic_data("pump_001", 300, 50, 50, seed=1, report=False, workspace=root)
    return root


@pytest.fixture
def ran(pump_run, workspace):
    shutil.copytree(pump_run, workspace, symlinks=True)
    return workspace


def set_tiny(train: TrainPanel, epochs=3):
    train.epochs.value = str(epochs)
    train.batch_size.value = "100"
    train.compress_dims.value = train.decompress_dims.value = "32"
    train.embedding_dim.value = "16"


def test_panels_share_the_selected_machine(bench):
    assert bench.train.machine_id == bench.generate.machine_id == "pump_001"
    bench.machines.machine.value = "motor_001"
    assert bench.train.machine_id == bench.generate.machine_id == "motor_001"
    assert "insulation_resistance_mohm" in bench.machines.sensors.value
    assert "none yet" in bench.machines.seed_status.value


def test_seed_train_and_generate_by_clicking(bench):
    bench.machines.samples.value = "400"
    bench.machines.seed.value = "3"
    bench.machines.seed_button.click()
    wait_until(
        lambda: not bench.machines.seed_button.disabled and "400 rows" in bench.machines.seed_status.value
    )

    set_tiny(bench.train)
    wait_until(lambda: not bench.train.train_button.disabled)  # the seed data made Train possible
    bench.train.train_button.click()
    assert bench.train.train_button.disabled and not bench.train.stop_button.disabled
    bench.train.train_button.click()  # a second click starts nothing
    job = bench.train.job
    wait_until(lambda: bench.train.result is not None)
    assert bench.train.job is job
    figure = bench.train.chart.figure
    assert list(figure.data[0].x) == [1, 2, 3] and len(figure.data[0].y) == 3
    assert "epoch 3/3" in bench.train.progress_label.value and "elapsed" in bench.train.progress_label.value
    assert "model.pkl" in bench.train.result_card.value
    assert "repeats" not in bench.train.result_card.value  # no key repeats in this machine
    assert not bench.train.train_button.disabled
    # the Machine tab follows by itself: no other machine picked and back
    wait_until(lambda: "tvae, 3 epochs" in bench.machines.model_status.value)

    panel = bench.generate
    wait_until(lambda: not panel.generate_button.disabled)
    panel.train.value, panel.val.value, panel.test.value = "300", "50", "50"
    panel.generate_button.click()
    # the panel shows the verdicts first and draws the figures last, from the job's thread
    wait_until(lambda: scored(panel) or "failed" in panel.status.value + panel.quality.value)
    assert panel.results.value.count("<tr>") == 4  # header and three splits
    for path in panel.result.file_paths.values():
        assert path in panel.results.value
    assert (
        "Overall quality" in panel.quality.value and "Failure rate, synthetic vs real" in panel.quality.value
    )
    assert len(panel.figure.data) == 2 and panel.column.value == panel.column.options[0]
    panel.column.value = "flow_rate_m3h"
    assert panel.figure.layout.title.text.startswith("flow_rate_m3h")
    assert panel.figure.layout.xaxis.title.text == "flow_rate_m3h (m3/h)"  # its unit
    assert "report.html" in panel.report_path.value


def test_missing_steps_are_said_in_words_and_start_nothing(bench):
    assert bench.train.train_button.disabled and bench.generate.generate_button.disabled
    assert "make it on the Machine tab" in bench.train.status.value
    assert "train one on the Train tab" in bench.generate.status.value
    bench.train.train_button.click()
    bench.generate.generate_button.click()
    assert bench.train.job is None and bench.generate.job is None
    assert "synthkit" not in bench.train.status.value + bench.generate.status.value


def test_service_errors_are_shown_in_the_workbench_words(workspace):
    from synthkit.errors import SynthkitError
    from synthkit.store import resolve_model_name, resolve_run, seed_manifest
    from synthkit.widgets._common import message_of

    for call, where in (
        (seed_manifest, "Machine tab"),
        (resolve_model_name, "Train tab"),
        (resolve_run, "Generate tab"),
    ):
        with pytest.raises(SynthkitError) as caught:
            call("pump_001", None, workspace) if call is not seed_manifest else call("pump_001", workspace)
        assert "`synthkit " in str(caught.value)  # the CLI and Python are told the command
        shown = message_of(caught.value)
        assert where in shown and "synthkit" not in shown and "pump_001" in shown


# ---- 1. tasks outlive the page ----


def test_a_rebuilt_workbench_reattaches_to_a_running_training_and_stops_it(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    first = Workbench(workspace, "pump_001")
    set_tiny(first.train, epochs=5000)
    first.train.train_button.click()
    job = first.train.job
    wait_until(lambda: len(first.train.chart.epochs) >= 3)

    again = Workbench(workspace, "pump_001")  # the cell run again after a page refresh
    panel = again.train
    assert panel.running and panel.task_id == job.task_id
    assert panel.train_button.disabled and not panel.stop_button.disabled
    assert len(panel.chart.epochs) >= 3  # the chart rebuilt from the task's event log
    assert job.task_id in panel.status.value
    wait_until(lambda: len(panel.chart.epochs) > len(first.train.chart.epochs) - 5)  # and live
    panel.stop_button.click()
    assert job.wait(60) and job.status == "CANCELLED"
    wait_until(lambda: not panel.running and not first.train.running)
    for shown in (panel, first.train):
        assert "stopped after epoch" in shown.status.value and "No model was saved" in shown.status.value
        assert "&#9888;" not in shown.status.value  # a Stop is not an error
        assert not shown.train_button.disabled and shown.stop_button.disabled


def test_the_cli_cancels_a_training_started_in_a_panel(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    panel = TrainPanel("pump_001", workspace)
    set_tiny(panel, epochs=5000)
    panel.train_button.click()
    wait_until(lambda: len(panel.chart.epochs) >= 2)
    result = cli("cancel", panel.task_id, "--wait", workspace=workspace)
    assert result.returncode == 130, result.stderr
    assert "CANCELLED" in result.stdout
    wait_until(lambda: not panel.running)
    assert panel.job.status == "CANCELLED" and "stopped after epoch" in panel.status.value
    assert cli("cancel", panel.task_id, workspace=workspace).returncode == 0  # ended: nothing to do


def test_a_panel_stops_a_training_started_by_the_cli(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    process = start_cli(
        "train", "pump_001", "--epochs", "5000", "--batch-size", "100", "--quiet", workspace=workspace
    )
    try:
        wait_until(lambda: any((workspace / "tasks").glob("train-*.json")) or process.poll() is not None)
        panel = TrainPanel("pump_001", workspace)
        wait_until(lambda: panel.running or process.poll() is not None, timeout=30)
        assert panel.running, process.communicate()[1]
        wait_until(lambda: len(panel.chart.epochs) >= 2)
        assert not panel.stop_button.disabled
        panel.stop_button.click()
        assert process.wait(60) == 130
    finally:
        if process.poll() is None:
            process.kill()
    wait_until(lambda: not panel.running)
    assert get_task_status(panel.task_id, workspace)["status"] == "CANCELLED"
    assert "stopped after epoch" in panel.status.value


def test_a_rebuilt_workbench_shows_the_latest_training_and_run(ran):
    bench = Workbench(ran, "pump_001")
    assert list(bench.train.chart.figure.data[0].x) == [1, 2, 3]  # from the event log
    assert "model.pkl" in bench.train.result_card.value and not bench.train.running
    wait_until(lambda: scored(bench.generate))
    assert bench.generate.result.sample_counts == {"train": 300, "val": 50, "test": 50}
    assert "Overall quality" in bench.generate.quality.value


# ---- 2. inputs validated, never clamped ----


def test_typed_values_are_never_changed_and_bad_ones_keep_the_action_disabled(ran):
    bench = Workbench(ran, "pump_001")
    train, generate, machines = bench.train, bench.generate, bench.machines
    before = snapshot(ran / "machines" / "pump_001" / "models")
    for typed in ("-5", "1000000", "abc", "2.5", ""):
        train.epochs.value = typed
        assert train.epochs.value == typed  # what was typed stays as typed
        assert train.train_button.disabled
        assert "Epochs must be a whole number from 1 to 100,000" in train.problems.value
        assert "sk-invalid" in train.epochs._dom_classes
        train.train_button.click()
        assert train.job is None and not train.confirm.pending
    train.epochs.value = "15"
    assert not train.train_button.disabled and train.problems.value == ""
    train.holdout.value = "1.5"
    assert train.train_button.disabled and "Holdout must be a number from 0 to 0.5" in train.problems.value
    train.holdout.value = "0.2"
    train.compress_dims.value = "128,0"
    assert train.train_button.disabled and "Encoder must be layer sizes" in train.problems.value
    assert snapshot(ran / "machines" / "pump_001" / "models") == before

    generate.train.value = "-10"
    assert generate.generate_button.disabled and "Train must be a whole number" in generate.problems.value
    generate.train.value = "10"
    generate.failure_ratio.value = "2"
    assert generate.generate_button.disabled and "Failure share must be a number" in generate.problems.value

    machines.samples.value = "0"
    assert machines.seed_button.disabled and "Samples must be a whole number from 100" in (
        machines.seed_problems.value
    )


def test_replacing_a_model_or_seed_data_asks_first(ran):
    bench = Workbench(ran, "pump_001")
    train = bench.train
    set_tiny(train, epochs=2)
    train.train_button.click()
    assert train.job is None and train.confirm.pending
    assert "already has the model tvae (tvae, 3 epochs" in train.confirm.question.value
    train.confirm.no.click()
    assert not train.confirm.pending and train.job is None
    train.train_button.click()
    train.confirm.yes.click()
    assert train.job is not None
    wait_until(lambda: train.result is not None)
    assert train.result.epochs_run == 2

    machines = bench.machines
    machines.samples.value = "300"
    machines.seed_button.click()
    assert (
        machines.seed_job is None and "replaces the 400 rows of seed data" in machines.confirm.question.value
    )


# ---- 3. panels follow the state ----


def test_switching_machines_leaves_no_results_of_the_other_machine(ran):
    bench = Workbench(ran, "pump_001")
    wait_until(lambda: scored(bench.generate))
    bench.machines.machine.value = "motor_001"
    assert bench.train.result is None and bench.train.result_card.value == ""
    assert list(bench.train.chart.figure.data[0].x) == []
    assert bench.generate.result is None and bench.generate.results.value == ""
    assert bench.generate.quality.value == "" and len(bench.generate.figure.data) == 0
    assert "motor_001" in bench.train.machine_label.value + bench.generate.machine_label.value
    bench.machines.machine.value = "pump_001"
    assert list(bench.train.chart.figure.data[0].x) == [1, 2, 3]


# ---- 4. results with verdicts ----


def test_results_have_plain_labels_verdicts_and_a_label_rate_chart(ran):
    panel = GeneratePanel("pump_001", ran)
    wait_until(lambda: scored(panel))
    shown = panel.quality.value
    assert "column_pair_trends" not in shown and "roc_auc_synthetic" not in shown
    for label in ("Overall quality", "Relations between columns", "Failure classifier trained on synthetic"):
        assert label in shown
    assert shown.count("sk-verdict ") == 9 and "verdict" in shown
    bars = panel.label_rates.figure.data
    assert [b.name for b in bars] == ["real", "synthetic"]
    assert "failure" in bars[0].x and any(x.startswith("failure_mode: ") for x in bars[0].x)
    assert not panel.label_rates.figure.layout.annotations  # no "generate splits..." over the bars


def test_the_distribution_plot_rebuilds_its_axes_for_each_column_kind(ran):
    panel = GeneratePanel("pump_001", ran)
    wait_until(lambda: scored(panel))
    layout = panel.figure.layout
    for column, kind, trace in (
        ("flow_rate_m3h", "linear", "histogram"),
        ("failure_mode", "category", "bar"),
        ("vibration_mm_s", "linear", "histogram"),
    ):
        panel.column.value = column
        assert layout.xaxis.type == kind and layout.xaxis.autorange is True
        assert [t.type for t in panel.figure.data] == [trace, trace]
    # what a refreshed page draws is the figure as it is now, not as it was first displayed
    shown = panel.distribution.view.shown()
    assert [t["type"] for t in shown["data"]] == ["histogram", "histogram"]
    assert shown["layout"]["xaxis"]["type"] == "linear"


def test_verdict_thresholds():
    from synthkit.verdicts import judge

    verdicts = {
        v.key: v.level
        for v in judge(
            {"quality": 0.9, "failure_rate_ratio": 1.3, "roc_auc_synthetic": 0.37, "roc_auc_real": 0.8}
        )
    }
    assert verdicts["quality"] == "good" and verdicts["failure_rate_ratio"] == "warning"
    assert verdicts["roc_auc_synthetic"] == "warning" and verdicts["column_shapes"] == "n/a"
    assert judge({"quality": 0.85})[0].level == "fair"
    assert judge({"failure_rate_ratio": 0.8})[4].level == "good"


# ---- 5. polish ----


def _epoch_event(epoch, seconds, total=100):
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=seconds)
    return ProgressEvent(
        "train-x", "pump_001", when.isoformat(), epoch, total, float(epoch), "RUNNING", "", "training",
        epoch=epoch, loss=1.0 / epoch,
    )  # fmt: skip


def test_eta_only_after_a_few_epochs_and_whole_epoch_ticks(workspace):
    panel = TrainPanel("pump_001", workspace)
    panel.task_id = "train-x"
    panel._show_events("train-x", [_epoch_event(1, 60), _epoch_event(2, 61)])  # the first epoch was slow
    assert "ETA" not in panel.progress_label.value
    assert panel.chart.figure.layout.xaxis.dtick == 1 and panel.chart.figure.layout.xaxis.tickformat == "d"
    panel._show_events("train-x", [_epoch_event(3, 62), _epoch_event(4, 63)])
    assert "ETA 1:36" in panel.progress_label.value  # 96 epochs left at 1 s each, not at the first's 60 s
    legend, title = panel.chart.figure.layout.legend, panel.chart.figure.layout.title
    assert legend.y < 0 and legend.yanchor == "top" and title.text  # the legend sits under the plot


def test_labels_are_not_cut_off_and_numeric_fields_carry_units(bench):
    for panel in (bench.machines, bench.train, bench.generate):
        for text, _, label in panel.form.entries.values():
            assert text.style.description_width == "8.5em" and len(label) <= 13
        hints = [row.children[1].value for row in panel.form.rows.values()]
        assert all(hints), hints
    assert "rows per step (1-100,000)" in bench.train.form.rows["batch_size"].children[1].value
    assert bench.machines.seed_button.layout.width == "auto"


def test_generation_can_be_stopped(ran):
    panel = GeneratePanel("pump_001", ran)
    wait_until(lambda: scored(panel))
    panel.train.value = "3000000"
    panel.generate_button.click()
    assert panel.running and not panel.stop_button.disabled
    panel.stop_button.click()
    wait_until(lambda: not panel.running)
    assert panel.job.status == "CANCELLED" and "Generation stopped" in panel.status.value
    assert panel.result is None and len(panel.figure.data) == 0


def upload(name: str, content: bytes) -> dict:
    """A file as FileUpload.value holds it after the browser sent it."""
    when = dt.datetime.now(dt.timezone.utc)
    return {
        "name": name,
        "type": "text/csv",
        "size": len(content),
        "content": memoryview(content),
        "last_modified": when,
    }


def test_register_an_uploaded_csv(workspace):
    panel = MachinePanel(workspace)
    rows = "".join(f"{i},{i % 7},{i % 2}\n" for i in range(80))
    panel.upload.value = (upload("m.csv", f"a,b,failure\n{rows}".encode()),)
    panel.new_id.value = "press_001"
    panel.register_button.click()
    assert "registered press_001" in panel.problems.value
    assert panel.machine.value == "press_001"
    panel.upload.value = (upload("bad.csv", b"a,a,\n1,2,3\n"),)
    panel.new_id.value = "press_002"
    panel.register_button.click()
    assert panel.problems.value.count("<li>") == 3


def test_several_uploaded_exports_register_as_one_machine(workspace):
    panel = MachinePanel(workspace)
    assert panel.upload.multiple
    days = [
        f"Station 7, day {day}\nZeit;Druck;Störung\n"
        + "".join(f"0{day}.03.2024 {i % 24:02d}:00;4,{i % 9};{int(i % 13 == 0)}\n" for i in range(60))
        + "Records: 60\n"
        for day in (1, 2)
    ]
    panel.upload.value = tuple(upload(f"day{k}.csv", text.encode()) for k, text in enumerate(days, 1))
    assert "2 files (day1.csv ... day2.csv): their rows joined in one table" in panel.problems.value
    assert panel.roles.dropdowns["Störung"].value == "label"
    panel.new_id.value = "station_7"
    panel.register_button.click()
    assert "registered station_7" in panel.problems.value
    assert len(load_seed("station_7", workspace)[0]) == 120
    other = days[1].replace("Druck;", "Druck;Strom;").replace(";4,", ";1,5;4,")
    panel.upload.value = (upload("day1.csv", days[0].encode()), upload("day2.csv", other.encode()))
    assert "&#x27;day2.csv&#x27; has other columns than &#x27;day1.csv&#x27;" in panel.problems.value


def test_json_messages_and_a_parquet_file_register_from_the_panel(workspace):
    panel = MachinePanel(workspace)
    assert ".parquet" in panel.upload.accept and ".jsonl" in panel.upload.accept
    messages = [
        {"id": f"{i:08x}", "body": {"temp": 50.5 + i % 9, "rpm": 1400 + i % 17}, "fault": int(i % 11 == 0)}
        for i in range(80)
    ]
    lines = "".join(json.dumps(m) + "\n" for m in messages)
    panel.upload.value = (upload("messages.jsonl", lines.encode()),)
    assert (
        "JSON records: nested values as columns named by their path (body.temp, body.rpm)"
        in panel.problems.value
    )
    assert (
        panel.roles.dropdowns["fault"].value == "label"
        and panel.roles.dropdowns["body.temp"].value == "numeric"
    )
    buffer = io.BytesIO()
    pd.DataFrame({"temp": np.arange(80) % 9 + 50.5, "jam_fault": np.arange(80) % 11 == 0}).to_parquet(buffer)
    panel.upload.value = (upload("line.parquet", buffer.getvalue()),)
    assert panel.roles.dropdowns["jam_fault"].value == "label"
    panel.new_id.value = "line_3"
    panel.register_button.click()
    assert "registered line_3" in panel.problems.value
    assert get_machine("line_3", workspace).dtypes == {"jam_fault": "bool"}


def test_the_panel_says_how_an_uploaded_file_is_read(workspace):
    panel = MachinePanel(workspace)
    rows = "".join(f"{i};{i % 7},5;{i % 5},25;{i % 2}\n" for i in range(80))
    panel.upload.value = (upload("bench.csv", f"Zeit;Druck;Strom;Störung\n;bar;A;\n{rows}".encode()),)
    read_as = "Read as: fields separated by &#x27;;&#x27; and decimal commas; a row of units under the header"
    assert f"{read_as}: Druck [bar], Strom [A]." in panel.problems.value
    assert panel.roles.dropdowns["Störung"].value == "label"
    panel.upload.value = (upload("m.csv", f"a|b|c|failure\n{rows.replace(';', '|')}".encode()),)
    assert "Read as: fields separated by &#x27;|&#x27;" in panel.problems.value
    plain = "".join(f"{i},{i % 7},{i % 2}\n" for i in range(80))
    panel.upload.value = (upload("m.csv", f"a,b,failure\n{plain}".encode()),)
    assert panel.problems.value == ""  # a plain CSV: nothing to say


def test_a_registered_machines_data_is_replaced_from_the_panel(workspace):
    bench = Workbench(workspace)
    panel = bench.machines
    rows = "".join(f"{i},{i % 7},{i % 2}\n" for i in range(80))
    panel.upload.value = (upload("m.csv", f"a,b,failure\n{rows}".encode()),)
    panel.new_id.value = "press_001"
    panel.register_button.click()
    assert panel.machine.value == "press_001" and "80 rows" in panel.seed_status.value
    assert panel.simulate_row.layout.display == "none" and panel.replace_row.layout.display is None
    more = "".join(f"{i},{i % 5},{i % 2}\n" for i in range(120))
    panel.upload.value = (upload("more.csv", f"a,b,failure\n{more}".encode()),)
    panel.replace_button.click()
    assert "replaces its 80 rows of press_001 with more.csv" in panel.confirm.question.value
    panel.confirm.yes.click()
    assert "replaced the data of press_001" in panel.problems.value
    assert "120 rows" in panel.seed_status.value
    assert not bench.train.train_button.disabled  # the other panels heard of the new data
    panel.new_id.value = "press_001"  # registering the same id again asks too
    panel.register_button.click()
    assert panel.confirm.pending


def test_the_panel_shows_names_from_a_csv_as_text_not_markup(workspace):
    panel = MachinePanel(workspace)
    rows = "".join(f"{(i * 37) % 11 * 0.5 + 3},{i % 7},{int(i % 9 == 0)}\n" for i in range(80))
    panel.upload.value = (upload("m.csv", f"<b>x</b>,b,failure\n{rows}".encode()),)
    panel.new_id.value = "press_001"
    panel.new_description.value = "<i>press</i>"
    panel.register_button.click()
    assert "registered press_001" in panel.problems.value
    assert "&lt;b&gt;x&lt;/b&gt;" in panel.sensors.value and "<b>x</b>" not in panel.sensors.value
    assert panel.description.value.endswith(": &lt;i&gt;press&lt;/i&gt;")
    panel.upload.value = (upload("bad.csv", b"<b>x</b>,<b>x</b>\n1,2\n"),)
    panel.new_id.value = "press_002"
    panel.register_button.click()
    assert "&lt;b&gt;x&lt;/b&gt;" in panel.problems.value and "<b>x</b>" not in panel.problems.value


def test_stop_cancels_within_one_epoch(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    panel = TrainPanel("pump_001", workspace)
    set_tiny(panel, epochs=5000)
    panel.train_button.click()
    wait_until(lambda: len(panel.chart.epochs) >= 2)
    panel.stop_button.click()
    stopped_at = len(panel.chart.epochs)
    panel.job.wait(60)
    wait_until(lambda: not panel.train_button.disabled)
    assert panel.job.status == "CANCELLED"
    assert len(panel.chart.epochs) <= stopped_at + 1
    assert "stopped after epoch" in panel.status.value
    assert not panel.train_button.disabled


def test_chart_updates_are_throttled(workspace):
    generate_seed_data("pump_001", 400, seed=1)
    panel = TrainPanel("pump_001", workspace)
    panel.chart.min_interval_s = 10.0  # at most one redraw besides the last
    set_tiny(panel, epochs=20)
    panel.train_button.click()
    wait_until(lambda: panel.result is not None)
    assert len(panel.chart.figure.data[0].x) == 20
    assert panel.chart.redraws <= 4


def test_standalone_generate_panel_and_the_service_never_imports_widgets():
    assert GeneratePanel("pump_001").machine_id == "pump_001"
    code = (
        "import sys, synthkit, synthkit.training, synthkit.generation, synthkit.evaluation, synthkit.batch; "
        "print('ipywidgets' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


# ---- 6. models side by side (issue 15) ----


def test_the_train_card_says_how_repeating_keys_come_back(workspace):
    from synthkit import register_machine
    from synthkit.raw_logs import drive_stats

    register_machine("drives", drive_stats(1_200, 3)[0], workspace=workspace)
    panel = TrainPanel("drives", workspace)
    set_tiny(panel, epochs=1)
    panel.train_button.click()
    wait_until(lambda: panel.result is not None)
    assert "serial_number repeats: about 4 rows per key; never two with one date" in panel.result_card.value
    assert "smart_9_raw (+24 a day)" in panel.result_card.value


def test_a_model_named_in_the_train_panel_lands_under_that_name(ran):
    from synthkit.store import list_models

    bench = Workbench(ran, "pump_001")
    train = bench.train
    set_tiny(train, epochs=2)
    train.name.value = "Tvae small"
    assert train.train_button.disabled and "sk-invalid" in train.name._dom_classes
    assert "Name must be 1-64 lowercase letters" in train.problems.value
    train.name.value = "tvae-small"
    assert not train.train_button.disabled and train.problems.value == ""
    train.train_button.click()
    assert not train.confirm.pending  # a new name replaces nothing
    wait_until(lambda: train.result is not None)
    assert train.result.name == "tvae-small" and "trained tvae-small (tvae)" in train.status.value
    epochs = {m["name"]: m["epochs"] for m in list_models("pump_001", ran)}
    assert epochs == {"tvae": 3, "tvae-small": 2}  # the model of the kind's name is untouched
    # the other tabs offer the new model, the Generate tab choosing it
    wait_until(lambda: bench.generate.model.value == "tvae-small")
    assert [name for _, name in bench.generate.model.options] == ["tvae", "tvae-small"]
    assert set(bench.compare.models.value) == {"tvae", "tvae-small"}
    # the replace confirm names the model the name typed would replace
    train.train_button.click()
    assert train.confirm.pending and "already has the model tvae-small (tvae, 2 epochs" in (
        train.confirm.question.value
    )
    train.confirm.no.click()
    train.name.value = ""
    train.train_button.click()
    assert train.confirm.pending
    assert "already has the model tvae (tvae, 3 epochs" in train.confirm.question.value
    train.confirm.no.click()


def test_the_generate_panel_uses_the_chosen_model_and_a_typed_condition(ran):
    import html

    import pandas as pd

    from synthkit import train_model

    train_model("pump_001", "gaussian_copula", seed=1, workspace=ran)
    panel = GeneratePanel("pump_001", ran)
    wait_until(lambda: scored(panel))
    assert panel.model.value == "gaussian_copula"  # the latest is chosen first
    panel.model.value = "tvae"
    panel.train.value, panel.val.value, panel.test.value = "200", "20", "20"

    panel.conditions.value = "failure_mode bearing_failure"
    assert panel.generate_button.disabled and "sk-invalid" in panel.conditions._dom_classes
    problem = "Conditions cannot be read: 'failure_mode bearing_failure' is not COL=VALUE"
    assert problem in html.unescape(panel.problems.value)
    panel.generate_button.click()
    assert panel.job is None
    panel.conditions.value = "failure_mode=bearing_failure; flow_rate_m3h=100.."
    assert not panel.generate_button.disabled and panel.problems.value == ""
    assert "sk-invalid" not in panel.conditions._dom_classes

    panel.generate_button.click()
    wait_until(lambda: panel.result is not None or "failed" in panel.status.value)
    assert panel.result is not None, panel.status.value
    assert panel.result.model_name == "tvae"
    rows = pd.read_parquet(panel.result.file_paths["train"])
    assert len(rows) == 200
    assert (rows["failure_mode"] == "bearing_failure").all() and (rows["flow_rate_m3h"] >= 100).all()
    wait_until(lambda: scored(panel) or "could not be scored" in panel.quality.value)

    panel.conditions.value = "no_such_column=1"  # read, then refused by the service, in words
    panel.generate_button.click()
    assert "no modelled column 'no_such_column'" in html.unescape(panel.status.value)


def test_the_compare_tab_ranks_the_models_and_forgets_them_on_another_machine(ran):
    from synthkit import train_model

    train_model("pump_001", "gaussian_copula", seed=1, workspace=ran)
    bench = Workbench(ran, "pump_001")
    assert bench.get_title(3) == "4 Compare"
    panel = bench.compare
    assert set(panel.models.value) == {"tvae", "gaussian_copula"} and not panel.compare_button.disabled
    panel.compare_button.click()
    assert panel.running and panel.compare_button.disabled
    wait_until(lambda: not panel.running)
    assert panel.leaderboard is not None, panel.status.value
    shown = panel.table.value
    assert shown.count("<tr>") == 3 and "gaussian_copula" in shown and "tvae" in shown
    assert "quality" in shown and "compare.html" in panel.report_path.value
    models = list(panel.leaderboard["model"])
    figure = panel.view.shown()  # what the page draws
    assert [t["name"] for t in figure["data"]] == ["real", *models]
    assert "failure" in figure["data"][0]["x"] and all(t["type"] == "bar" for t in figure["data"])

    bench.machines.machine.value = "motor_001"
    assert panel.leaderboard is None and panel.table.value == "" and panel.view.shown()["data"] == []
    assert panel.models.options == () and panel.compare_button.disabled
    bench.machines.machine.value = "pump_001"
    assert panel.table.value == "" and set(panel.models.value) == {"tvae", "gaussian_copula"}
    # a comparison that ends after a switch is not shown on the other machine
    thread = panel.start()
    bench.machines.machine.value = "motor_001"
    thread.join(120)
    assert not thread.is_alive() and panel.leaderboard is None and panel.table.value == ""
    assert not panel.running and "motor_001" in panel.machine_label.value


def test_the_compare_tab_reads_its_rows_box_and_stops_on_request(ran):
    import html

    from synthkit import train_model
    from synthkit.compare import compare_path

    train_model("pump_001", "gaussian_copula", seed=1, workspace=ran)
    panel = Workbench(ran, "pump_001").compare
    page = compare_path("pump_001", ran)
    panel.rows.value = "50"
    assert panel.compare_button.disabled and "sk-invalid" in panel.rows._dom_classes
    assert "Rows each must be a whole number from 100 to 1,000,000 (got '50')" in html.unescape(
        panel.problems.value
    )
    assert panel.start() is None
    panel.rows.value = "300"
    assert not panel.compare_button.disabled and panel.problems.value == ""
    panel.compare_button.click()
    assert "on 300 rows each" in panel.status.value and not panel.stop_button.disabled
    panel.stop_button.click()  # before the second model at the latest
    wait_until(lambda: not panel.running)
    assert "Comparison stopped: nothing was written" in panel.status.value
    assert panel.leaderboard is None and not page.exists() and panel.stop_button.disabled
    panel.compare_button.click()
    wait_until(lambda: not panel.running)
    assert panel.leaderboard is not None and page.exists(), panel.status.value
