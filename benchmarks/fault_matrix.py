"""Fault matrix: every scenario of tests/faults/scenarios.py against real processes and files.

Each scenario starts from a copy of one prepared workspace (seeds, a trained model, a finished
run), breaks something for real (kill -9 at every phase, cancel, Ctrl-C, hand-edited model, seed,
run and task files, concurrent trainings and kernels, a Dask worker killed mid-batch, bad input, a
file-size limit mid-write) and checks that synthkit survived: the right typed error or state, the
workspace still usable. ``data_lost`` counts artifacts that were there before the fault and are
changed or unreadable after it (files a scenario edits on purpose excepted).

    python benchmarks/fault_matrix.py [--only NAME ...]

Prints one row per scenario, then one JSON line: scenarios, survived, data_lost, failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.faults.scenarios import SCENARIOS, Case, prepare_base  # noqa: E402


def run_one(name: str, base: Path, folder: Path) -> dict:
    case = Case.from_base(base, folder)
    started = time.perf_counter()
    survived, detail = True, ""
    try:
        SCENARIOS[name](case)
        if not case.checked:
            case.check_nothing_lost()
    except Exception as error:  # noqa: BLE001 (a scenario that raises did not survive)
        survived = False
        detail = "".join(traceback.format_exception_only(error)).strip().splitlines()[-1][:160]
    return {
        "scenario": name,
        "survived": survived,
        "lost": len(case.lost),
        "seconds": round(time.perf_counter() - started, 1),
        "detail": detail or ", ".join(case.lost) or case.note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run these scenarios only")
    args = parser.parse_args()
    names = args.only or list(SCENARIOS)
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        print(f"preparing the base workspace, then {len(names)} scenarios")
        base = prepare_base(Path(tmp) / "base" / "ws")
        rows = []
        for index, name in enumerate(names):
            row = run_one(name, base, Path(tmp) / f"case-{index}")
            rows.append(row)
            mark = "ok  " if row["survived"] and not row["lost"] else "FAIL"
            figures = f"{row['seconds']:6.1f} s  lost {row['lost']}  {row['detail']}"
            print(f"  {mark} {name:42s} {figures}", flush=True)
    print(
        json.dumps(
            {
                "benchmark": "fault_matrix",
                "scenarios": len(rows),
                "survived": sum(r["survived"] for r in rows),
                "data_lost": sum(r["lost"] for r in rows),
                "failed": [r["scenario"] for r in rows if not r["survived"] or r["lost"]],
            }
        )
    )


if __name__ == "__main__":
    main()
