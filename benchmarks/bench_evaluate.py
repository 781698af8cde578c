"""Evaluation right after a training: as fast as in a fresh process?

Setup: 10,000 seed rows of cnc_machine_001, a TVAE trained on them, and a run of 10,000 synthetic
rows (8,000/1,000/1,000). Then ``evaluate`` of that run (5,000-row samples, as by default) is
timed in fresh processes, in two ways, while a second process trains another model beside them
(as in a pipeline or a batch on a busy machine):

- fresh: the process imports what ``evaluate`` uses, then evaluates;
- after training: the process trains a small model (another name, same machine) first, then
  evaluates the same run.

Each also reports the seconds of the report's utility check (the gradient-boosted classifiers,
5,000 rows). The same pair again with the classifiers' thread pools left as they are (no
``threadpool_limits``) shows what the bound buys; ``--quick`` leaves that pair out.

    python benchmarks/bench_evaluate.py [--quick] [--repeats N]

Ends with one JSON line: after_training_over_fresh (median over median; target <= 1.2),
utility_s (target <= 2), and the medians of each way.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, alternated, median  # noqa: E402

MACHINE, BESIDE_MACHINE, ROWS, SEED = "cnc_machine_001", "pump_002", 10_000, 7
SPLITS = (8_000, 1_000, 1_000)


def child(kind: str, workspace: str, epochs: int, limits: bool) -> None:
    """Runs in a fresh process: (train, then) evaluate the run; print the seconds."""
    import sdmetrics.reports  # noqa: F401  (what evaluate imports, before the clock in both ways)
    import sklearn.ensemble  # noqa: F401

    import synthkit._sdv  # noqa: F401
    import synthkit.report_html  # noqa: F401
    from synthkit import evaluation, training

    if not limits:  # the classifiers as before the bound: threadpoolctl's limit does nothing
        import threadpoolctl

        threadpoolctl.threadpool_limits = lambda *args, **kwargs: contextlib.nullcontext()
    utility_seconds: list[float] = []
    timed_utility = evaluation.utility

    def utility(*args, **kwargs):
        started = time.perf_counter()
        try:
            return timed_utility(*args, **kwargs)
        finally:
            utility_seconds.append(time.perf_counter() - started)

    evaluation.utility = utility
    if kind == "after-training":
        training.train_tvae(MACHINE, epochs=epochs, seed=2, workspace=workspace, name="warm")
    started = time.perf_counter()
    evaluation.evaluate(MACHINE, workspace=workspace, model="tvae", save=False)
    seconds = time.perf_counter() - started
    print(json.dumps({"kind": kind, "seconds": round(seconds, 3), "utility_s": round(utility_seconds[0], 3)}))


def beside(workspace: str) -> None:
    """Runs in its own process for as long as the measurement: one training after another."""
    from synthkit import generate_seed_data, train_tvae

    generate_seed_data(BESIDE_MACHINE, ROWS, seed=SEED, workspace=workspace)
    while True:
        train_tvae(BESIDE_MACHINE, epochs=50, seed=3, workspace=workspace)


def setup(workspace: str, epochs: int) -> None:
    from synthkit import generate_seed_data, generate_synthetic_data, train_tvae

    generate_seed_data(MACHINE, ROWS, seed=SEED, workspace=workspace)
    train_tvae(MACHINE, epochs=epochs, seed=SEED, workspace=workspace)
    generate_synthetic_data(MACHINE, *SPLITS, seed=1, workspace=workspace, report=False)


def _run_child(kind: str, workspace: str, epochs: int, limits: bool) -> dict:
    args = [__file__, "--child", kind, "--workspace", workspace, "--epochs", str(epochs)]
    out = subprocess.run(
        [sys.executable, *args, *([] if limits else ["--no-limits"])],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each way, with the bound only")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--epochs", type=int, help="epochs of the training before evaluate")
    parser.add_argument("--child", choices=["fresh", "after-training", "beside"])
    parser.add_argument("--workspace")
    parser.add_argument("--no-limits", action="store_true")
    args = parser.parse_args()
    if args.child == "beside":
        beside(args.workspace)
        return
    if args.child:
        child(args.child, args.workspace, args.epochs, not args.no_limits)
        return

    repeats = args.repeats or (1 if args.quick else 3)
    epochs = args.epochs or (10 if args.quick else 30)
    bounds = (True,) if args.quick else (True, False)
    with (
        tempfile.TemporaryDirectory(prefix="bench-evaluate-") as workspace,
        tempfile.TemporaryDirectory(prefix="bench-evaluate-beside-") as beside_workspace,
    ):
        setup(workspace, epochs)
        neighbour = subprocess.Popen(
            [sys.executable, __file__, "--child", "beside", "--workspace", beside_workspace],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(15)  # its imports and seed data, so that it is training when we measure
            runs: dict[tuple[str, bool], list[dict]] = {}
            for index in range(repeats):
                for limits in bounds:
                    for kind in alternated(index, ("fresh", "after-training")):
                        result = _run_child(kind, workspace, epochs, limits)
                        runs.setdefault((kind, limits), []).append(result)
                        print(f"{kind:15s} bound={limits!s:5s} {result}", flush=True)
        finally:
            neighbour.terminate()
            neighbour.wait()

    def figures(kind: str, limits: bool) -> tuple[float, float]:
        found = runs[(kind, limits)]
        return median([r["seconds"] for r in found]), median([r["utility_s"] for r in found])

    results: dict[str, object] = {}
    for limits in bounds:
        suffix = "" if limits else "_unbounded"
        fresh, fresh_utility = figures("fresh", limits)
        after, after_utility = figures("after-training", limits)
        results |= {
            f"fresh_s{suffix}": fresh,
            f"after_training_s{suffix}": after,
            f"after_training_over_fresh{suffix}": round(after / fresh, 3),
            f"utility_fresh_s{suffix}": fresh_utility,
            f"utility_after_training_s{suffix}": after_utility,
        }
    results["utility_s"] = max(results["utility_fresh_s"], results["utility_after_training_s"])
    results |= {"repeats": repeats, "training_epochs": epochs, "cpus": os.cpu_count()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
