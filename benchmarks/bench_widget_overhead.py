"""What the live chart costs: the same training with the TrainPanel's chart attached and without,
each in a fresh IPython kernel (a real kernel with its comm channel, no browser), alternated.

    python benchmarks/bench_widget_overhead.py [--quick]

Ends with one JSON line holding train_time_ratio_with_chart (median with / median without).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import alternated  # noqa: E402

MACHINE = "cnc_machine_001"

WITH_CHART = """
import time, threading
from synthkit.widgets import TrainPanel
panel = TrainPanel({machine!r}, {workspace!r})
panel.epochs.value = "{epochs}"  # the panel's fields are text, read with the service's bounds
started = time.perf_counter()
panel.train_button.click()
if panel.confirm.layout.display == "flex":  # a model from an earlier repeat: replace it
    panel.confirm.yes.click()
panel.job.wait()
while panel.train_button.disabled:
    time.sleep(0.01)
seconds = time.perf_counter() - started
assert len(panel.chart.figure.data[0].x) == {epochs}
print("SECONDS", seconds, "REDRAWS", panel.chart.redraws)
"""

WITHOUT_CHART = """
import time
from synthkit import submit, train_model
started = time.perf_counter()
job = submit(train_model, {machine!r}, "tvae", epochs={epochs}, batch_size=500, seed=None,
             holdout_fraction=0.2, workspace={workspace!r})
job.wait()
seconds = time.perf_counter() - started
print("SECONDS", seconds, "REDRAWS", 0)
"""


def run_in_kernel(code: str) -> float:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        lines = []
        reply = client.execute_interactive(
            code, timeout=900, output_hook=lambda msg: lines.append(msg["content"].get("text", ""))
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        words = "".join(lines).split()
        return float(words[words.index("SECONDS") + 1])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 pairs of 40 epochs")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()
    pairs = args.pairs or (3 if args.quick else 5)
    epochs = args.epochs or (40 if args.quick else 100)

    from synthkit import generate_seed_data

    workspace = tempfile.mkdtemp(prefix="bench-widgets-")
    generate_seed_data(MACHINE, 5000, seed=7, workspace=workspace)
    times = {"with": [], "without": []}
    for pair in range(pairs):
        for kind in alternated(pair, ("with", "without")):
            template = WITH_CHART if kind == "with" else WITHOUT_CHART
            seconds = run_in_kernel(template.format(machine=MACHINE, workspace=workspace, epochs=epochs))
            times[kind].append(seconds)
            print(f"  pair {pair + 1} {kind:7s} chart: {seconds:6.2f} s")
    with_chart, without = statistics.median(times["with"]), statistics.median(times["without"])
    print(
        json.dumps(
            {
                "benchmark": "widget_overhead",
                "pairs": pairs,
                "epochs": epochs,
                "median_with_chart_s": round(with_chart, 3),
                "median_without_chart_s": round(without, 3),
                "train_time_ratio_with_chart": round(with_chart / without, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
