"""Cold start: how long the everyday commands take in a fresh process, before any work.

Setup: a workspace with 500 seed rows of pump_001 (which leaves a task record to ask about). Each
figure is the median over fresh processes, started one after the other:

- ``synthkit --help``, ``synthkit machines``, ``synthkit status <task>``, ``synthkit watch <task>``
  (the console script; target <= 0.3 s each: no pandas, torch, SDV, sklearn or plotly on those
  paths) and ``python -c "import synthkit"``;
- the time from starting ``python`` to the first epoch event of a tiny training (2 epochs), and
  what importing ``torch._dynamo`` costs in it: torch's optimizers import it when the first one is
  built (``Optimizer.add_param_group`` is wrapped by ``torch._disable_dynamo``), once per process.

    python benchmarks/bench_startup.py [--quick] [--repeats N]

Ends with one JSON line of named figures (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median  # noqa: E402

MACHINE = "pump_001"
LIGHT_TARGET_S = 0.3


def _synthkit_command() -> list[str]:
    script = Path(sys.executable).parent / "synthkit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "synthkit"]


def _wall(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def child_first_epoch(workspace: str, started: float) -> None:
    """Runs in a fresh process: train 2 epochs; print when the first epoch event came."""
    import synthkit

    first: list[float] = []

    def sink(event) -> None:
        if event.epoch is not None and not first:
            first.append(time.time())

    synthkit.train_tvae(MACHINE, epochs=2, seed=1, workspace=workspace, sinks=[sink], name="startup")
    print(json.dumps({"first_epoch_s": round(first[0] - started, 3)}))


def child_dynamo() -> None:
    """Runs in a fresh process: what ``import torch._dynamo`` costs once torch is imported."""
    import torch  # noqa: F401

    started = time.perf_counter()
    import torch._dynamo  # noqa: F401

    print(json.dumps({"torch_dynamo_import_s": round(time.perf_counter() - started, 3)}))


def _child_json(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 processes per figure instead of 5")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--child", choices=["first-epoch", "dynamo"])
    parser.add_argument("--workspace")
    parser.add_argument("--started", type=float)
    args = parser.parse_args()
    if args.child == "first-epoch":
        child_first_epoch(args.workspace, args.started)
        return
    if args.child == "dynamo":
        child_dynamo()
        return

    repeats = args.repeats or (3 if args.quick else 5)
    synthkit = _synthkit_command()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as workspace:
        subprocess.run(
            [*synthkit, "--workspace", workspace, "seed", MACHINE, "--samples", "500", "--seed", "1"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        task_id = next(p.stem for p in (Path(workspace) / "tasks").glob("*.json"))
        commands = {
            "help_s": [*synthkit, "--help"],
            "machines_s": [*synthkit, "--workspace", workspace, "machines"],
            "status_s": [*synthkit, "--workspace", workspace, "status", task_id],
            "watch_s": [*synthkit, "--workspace", workspace, "watch", task_id],
            "import_synthkit_s": [sys.executable, "-c", "import synthkit"],
            "python_s": [sys.executable, "-c", "pass"],  # the interpreter alone, for scale
        }
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):  # interleaved, so a busy moment does not hit one figure only
            for name, command in commands.items():
                timings[name].append(_wall(command))
        first_epoch, dynamo = [], []
        for _ in range(repeats):
            child = [__file__, "--child", "first-epoch", "--workspace", workspace]
            first_epoch.append(_child_json([*child, "--started", str(time.time())])["first_epoch_s"])
            dynamo.append(_child_json([__file__, "--child", "dynamo"])["torch_dynamo_import_s"])

    results = {name: median(values) for name, values in timings.items()}
    results["first_epoch_s"] = median(first_epoch)
    results["torch_dynamo_import_s"] = median(dynamo)
    light = [results[n] for n in ("help_s", "machines_s", "status_s", "watch_s")]
    results["slowest_light_command_s"] = max(light)
    results["light_commands_within_target"] = max(light) <= LIGHT_TARGET_S
    results["repeats"] = repeats
    results["cpus"] = os.cpu_count()
    for name, value in results.items():
        print(f"{name:32s} {value}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
