"""Batch and notebook costs: 4 pipeline runs one after another against one 2-worker batch, and
one pipeline run through papermill against the same steps called directly in Python.

Each pipeline run makes its seed data (2,000 rows), trains TVAE, generates and evaluates splits
in a fresh workspace. Sequential runs use `synthkit run` (all cores for torch); the batch uses
`synthkit batch --workers 2` (one torch thread per worker). The notebook overhead compares
`synthkit run` of one pipeline with a fresh Python process doing the same calls.

    python benchmarks/bench_batch.py [--quick]

Ends with one JSON line: batch_speedup_2_workers and notebook_overhead_s. The machine's busy CPU
seconds are counted for both phases: `speedup_bound_2_cores` is the most a 2-core machine can
give, the sequential wall time over the CPU time the same work needs spread on two cores (a single
run already overlaps its own steps, e.g. training threads and the figure browser's start).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "notebooks" / "pipeline.ipynb"
MACHINES = ("cnc_machine_001", "pump_001", "compressor_001", "motor_001")


def pipeline_parameters(epochs: int) -> dict:
    return {"seed_samples": 2000, "epochs": epochs, "train": 4000, "val": 500, "test": 500, "seed": 1}


def direct(machine_id: str, workspace: str, epochs: int) -> None:
    """The pipeline notebook's calls, without the notebook (runs in a fresh process)."""
    import synthkit

    p = pipeline_parameters(epochs)
    synthkit.generate_seed_data(machine_id, p["seed_samples"], seed=p["seed"], workspace=workspace)
    synthkit.train_model(machine_id, "tvae", epochs=epochs, seed=p["seed"], workspace=workspace)
    run = synthkit.generate_synthetic_data(
        machine_id, p["train"], p["val"], p["test"], seed=p["seed"], workspace=workspace
    )
    report = synthkit.evaluate(machine_id, run.run_id, workspace=workspace, save=False)
    report.figures()


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy (children, kernels and browsers included)."""
    import psutil

    times = psutil.cpu_times()
    return times.user + times.nice + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


CPU_S = {"total": 0.0}  # busy CPU seconds of every timed command, summed


def timed(command: list[str]) -> float:
    started, cpu = time.perf_counter(), busy_cpu_s()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    CPU_S["total"] += busy_cpu_s() - cpu
    return time.perf_counter() - started


def synthkit_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "synthkit", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 epochs per run")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--direct", nargs=2, metavar=("MACHINE", "WORKSPACE"))
    args = parser.parse_args()
    epochs = args.epochs or (20 if args.quick else 60)
    if args.direct:
        direct(*args.direct, epochs)
        return

    params = [x for name, value in pipeline_parameters(epochs).items() for x in ("-p", name, str(value))]
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    sequential = 0.0
    cpu_before = CPU_S["total"]
    for machine_id in MACHINES:
        seconds = timed(
            synthkit_cli(
                "--workspace",
                str(scratch / "seq"),
                "run",
                str(PIPELINE),
                "-p",
                "machine_id",
                machine_id,
                *params,
                "--out",
                str(scratch / "seq-out" / machine_id / "o.ipynb"),
            )
        )
        sequential += seconds
        print(f"  synthkit run {machine_id:16s} {seconds:6.1f} s")
    sequential_cpu = CPU_S["total"] - cpu_before
    batch = timed(
        synthkit_cli(
            "--workspace",
            str(scratch / "batch"),
            "batch",
            str(PIPELINE),
            *[x for m in MACHINES for x in ("--machine", m)],
            *params,
            "--workers",
            "2",
            "--out",
            str(scratch / "batch-out"),
        )
    )
    batch_cpu = CPU_S["total"] - cpu_before - sequential_cpu
    print(f"4 runs one after another: {sequential:.1f} s; one batch with 2 workers: {batch:.1f} s")
    print(f"busy CPU: {sequential_cpu:.1f} s one after another, {batch_cpu:.1f} s in the batch")

    notebook = timed(
        synthkit_cli(
            "--workspace",
            str(scratch / "nb"),
            "run",
            str(PIPELINE),
            "-p",
            "machine_id",
            "pump_001",
            *params,
            "--out",
            str(scratch / "nb-out" / "o.ipynb"),
        )
    )
    plain = timed(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--epochs",
            str(epochs),
            "--direct",
            "pump_001",
            str(scratch / "direct"),
        ]
    )
    print(f"one pipeline: through papermill {notebook:.1f} s, direct Python {plain:.1f} s")
    print(
        json.dumps(
            {
                "benchmark": "batch",
                "epochs": epochs,
                "sequential_s": round(sequential, 2),
                "batch_s": round(batch, 2),
                "batch_speedup_2_workers": round(sequential / batch, 3),
                "sequential_cpu_s": round(sequential_cpu, 2),
                "batch_cpu_s": round(batch_cpu, 2),
                "batch_cores_busy": round(batch_cpu / batch, 3),
                "speedup_bound_2_cores": round(sequential / (sequential_cpu / 2), 3),
                "notebook_s": round(notebook, 2),
                "direct_s": round(plain, 2),
                "notebook_overhead_s": round(notebook - plain, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
