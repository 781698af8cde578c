"""The workbench without a browser: build it, set values, click, wait, and read what it shows."""

import subprocess
import sys
import time

import pytest

from synthkit import generate_seed_data
from synthkit.widgets import GeneratePanel, MachinePanel, TrainPanel, Workbench


def wait_until(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def bench(workspace):
    return Workbench(workspace, "pump_001")


def set_tiny(train: TrainPanel, epochs=3):
    train.epochs.value = epochs
    train.batch_size.value = 100
    train.compress_dims.value = train.decompress_dims.value = "32"
    train.embedding_dim.value = 16


def test_panels_share_the_selected_machine(bench):
    assert bench.train.machine_id == bench.generate.machine_id == "pump_001"
    bench.machines.machine.value = "motor_001"
    assert bench.train.machine_id == bench.generate.machine_id == "motor_001"
    assert "insulation_resistance_mohm" in bench.machines.sensors.value
    assert "none yet" in bench.machines.seed_status.value


def test_seed_train_and_generate_by_clicking(bench):
    bench.machines.samples.value = 400
    bench.machines.seed.value = "3"
    bench.machines.seed_button.click()
    wait_until(
        lambda: not bench.machines.seed_button.disabled and "400 rows" in bench.machines.seed_status.value
    )

    set_tiny(bench.train)
    bench.train.train_button.click()
    assert bench.train.train_button.disabled and not bench.train.stop_button.disabled
    bench.train.train_button.click()  # a second click starts nothing
    job = bench.train.job
    wait_until(lambda: bench.train.result is not None)
    assert bench.train.job is job
    figure = bench.train.chart.figure
    assert list(figure.data[0].x) == [1, 2, 3] and len(figure.data[0].y) == 3
    assert "epoch 3/3" in bench.train.progress_label.value and "ETA" in bench.train.progress_label.value
    assert "model.pkl" in bench.train.result_card.value
    assert not bench.train.train_button.disabled
    bench.machines.show_status()
    assert "tvae, 3 epochs" in bench.machines.model_status.value

    panel = bench.generate
    panel.train.value, panel.val.value, panel.test.value = 300, 50, 50
    panel.generate_button.click()
    # the panel sets ``report`` first and draws the figure last, from the job's thread
    wait_until(lambda: len(panel.figure.data) == 2 or "&#9888;" in panel.status.value)
    assert panel.results.value.count("<tr>") == 4  # header and three splits
    for path in panel.result.file_paths.values():
        assert path in panel.results.value
    assert "quality" in panel.quality.value and "failure_rate_ratio" in panel.quality.value
    assert len(panel.figure.data) == 2 and panel.column.value == panel.column.options[0]
    panel.column.value = "flow_rate_m3h"
    assert panel.figure.layout.title.text.startswith("flow_rate_m3h")
    assert "report.html" in panel.report_path.value


def test_a_bad_value_shows_one_error_line_and_starts_no_job(bench):
    bench.train.seed.value = "abc"
    bench.train.train_button.click()
    assert bench.train.job is None
    assert (
        "seed must be a whole number" in bench.train.status.value
        and "Traceback" not in bench.train.status.value
    )
    bench.train.seed.value = ""
    bench.train.train_button.click()  # no seed data yet: the service's error, as one line
    assert bench.train.job is None and "synthkit seed pump_001" in bench.train.status.value
    bench.generate.generate_button.click()
    assert bench.generate.job is None and "synthkit train pump_001" in bench.generate.status.value


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


def upload(name: str, content: bytes) -> dict:
    """A file as FileUpload.value holds it after the browser sent it."""
    import datetime as dt

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


def test_standalone_generate_panel_and_the_service_never_imports_widgets():
    assert GeneratePanel("pump_001").machine_id == "pump_001"
    code = (
        "import sys, synthkit, synthkit.training, synthkit.generation, synthkit.evaluation, synthkit.batch; "
        "print('ipywidgets' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )
