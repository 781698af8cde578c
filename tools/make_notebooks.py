"""Write the notebooks in notebooks/ from the cell sources below (committed without outputs).

python tools/make_notebooks.py
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}

PIPELINE = [
    new_markdown_cell(
        "# synthkit pipeline: seed data, training, splits, evaluation\n\n"
        "One machine from seed data to judged train/val/test splits. Run it headless with\n"
        "`synthkit run notebooks/pipeline.ipynb -p machine_id pump_001`, or for a fleet with\n"
        "`synthkit batch notebooks/pipeline.ipynb --all`. Parameters are in the next cell."
    ),
    new_code_cell(
        'machine_id = "cnc_machine_001"\n'
        "seed_samples = 10_000\n"
        "epochs = 100\n"
        'model = "tvae"\n'
        "model_name = None  # the model's name on the machine (default: the kind); batch grids set it\n"
        "early_stopping = False\n"
        "train = 8_000\n"
        "val = 1_000\n"
        "test = 1_000\n"
        "seed = 7\n"
        "workspace = None\n"
        'result_path = "result.json"',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import json\n"
        "import time\n\n"
        "import pandas as pd\n"
        "import plotly.graph_objects as go\n\n"
        "import synthkit\n"
        "from synthkit.errors import MissingArtifactError\n"
        "from synthkit.renderers import show_everywhere\n"
        "from synthkit.store import seed_manifest\n\n"
        "show_everywhere()  # figures as pictures too: the executed notebook reads on GitHub and in HTML\n"
        "timings = {}\n"
        "started = time.perf_counter()"
    ),
    new_markdown_cell("## Seed data (made once, kept in the workspace)"),
    new_code_cell(
        "try:\n"
        "    seed_info = seed_manifest(machine_id, workspace)\n"
        "    print(f\"seed data of {machine_id}: {seed_info['rows']:,} rows (kept)\", flush=True)\n"
        "except MissingArtifactError:\n"
        "    made = synthkit.generate_seed_data(machine_id, seed_samples, seed=seed, workspace=workspace)\n"
        '    print(f"seed data of {machine_id}: {made.samples_generated:,} rows made", flush=True)\n'
        'timings["seed_s"] = round(time.perf_counter() - started, 2)'
    ),
    new_markdown_cell("## Training"),
    new_code_cell(
        "def print_epoch(event):\n"
        "    if event.epoch is not None:\n"
        '        quality = event.metadata.get("quality")\n'
        '        extra = f" quality {quality:.4f}" if quality is not None else ""\n'
        '        print(f"epoch {event.epoch}/{event.total} loss {event.loss:.4f}{extra}", flush=True)\n\n\n'
        "t0 = time.perf_counter()\n"
        "trained = synthkit.train_model(\n"
        "    machine_id, model, epochs=epochs, seed=seed, early_stopping=early_stopping,\n"
        "    sinks=[print_epoch], workspace=workspace, name=model_name,\n"
        ")\n"
        'timings["train_s"] = round(time.perf_counter() - t0, 2)\n'
        'print(f"trained {trained.model}: {trained.epochs_run} epochs", flush=True)'
    ),
    new_code_cell(
        "if trained.loss_history:\n"
        '    figure = go.Figure(go.Scatter(y=trained.loss_history, mode="lines", name="loss"))\n'
        '    figure.update_layout(title=f"{machine_id}: loss per epoch", xaxis_title="epoch", height=320)\n'
        "    figure.show()"
    ),
    new_markdown_cell("## Splits and their evaluation"),
    new_code_cell(
        "t0 = time.perf_counter()\n"
        "run = synthkit.generate_synthetic_data(\n"
        "    machine_id, train, val, test, seed=seed, workspace=workspace, model=trained.name\n"
        ")\n"
        'timings["generate_s"] = round(time.perf_counter() - t0, 2)\n'
        "report = synthkit.evaluate(machine_id, run.run_id, workspace=workspace, save=False)\n"
        'pd.Series(report.summary(), name="value").to_frame()'
    ),
    new_code_cell(
        "figures = report.figures()\n"
        'figures["correlation_difference"].show()\n'
        'figures[f"distribution:{synthkit.get_machine(machine_id, workspace).columns[0]}"].show()'
    ),
    new_code_cell(
        "result = {\n"
        '    "status": "SUCCESS",\n'
        '    "machine_id": machine_id,\n'
        '    "model": trained.model,\n'
        '    "model_name": trained.name,\n'
        '    "epochs_run": trained.epochs_run,\n'
        '    "quality": report.quality,\n'
        '    "failure_rate_ratio": report.failure_rate_ratio,\n'
        '    "label_contradiction_rate": report.label_contradiction_rate,\n'
        '    "run_id": run.run_id,\n'
        '    "file_paths": run.file_paths,\n'
        '    "report_path": run.report_path,\n'
        '    "model_path": trained.model_path,\n'
        '    "timings": {**timings, "total_s": round(time.perf_counter() - started, 2)},\n'
        "}\n"
        'with open(result_path, "w") as handle:\n'
        "    json.dump(result, handle, indent=2)\n"
        'print(f"quality {report.quality:.4f}, failure-rate ratio {report.failure_rate_ratio}", flush=True)'
    ),
]


WORKBENCH = [
    new_markdown_cell(
        "# The synthkit workbench\n\n"
        "Synthetic sensor data for predictive maintenance, in three steps:\n\n"
        "1. **Machine**: pick a machine (or register your own CSV) and make its *seed data*, the real or\n"
        "   realistic table the model learns from. Failures are rare: a few percent of rows.\n"
        "2. **Train**: fit a TVAE, a variational autoencoder for tables. The chart shows the loss falling\n"
        "   epoch by epoch; with early stopping it also shows a quality score measured on held-out rows.\n"
        "3. **Generate**: sample train/val/test splits and judge them: does the synthetic data keep the\n"
        "   real distributions, the failure rate, and the relations between sensors?\n\n"
        "Everything is kept in the workspace folder, so the CLI and batch runs see the same machines\n"
        "and models.\n\n"
        "Trainings and generations run on when the page goes: if the workbench shows *Error displaying\n"
        "widget* after a page refresh, run the cell below again. The new workbench picks up a running\n"
        "training where it is, with its loss chart and a working Stop (`synthkit cancel TASK_ID` stops\n"
        "it from a terminal too)."
    ),
    new_code_cell('workspace = None\nmachine_id = "cnc_machine_001"', metadata={"tags": ["parameters"]}),
    new_code_cell(
        "from synthkit.widgets import Workbench\n\nworkbench = Workbench(workspace, machine_id)\nworkbench"
    ),
]


def write(name: str, cells: list) -> None:
    notebook = new_notebook(cells=cells, metadata=KERNEL)
    nbformat.validate(notebook)
    nbformat.write(notebook, ROOT / "notebooks" / name)


if __name__ == "__main__":
    write("pipeline.ipynb", PIPELINE)
    write("workbench.ipynb", WORKBENCH)
