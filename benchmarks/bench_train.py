"""Training cost: synthkit's train_tvae against plain SDV TVAESynthesizer.fit, side by side.

Both fit the same 10,000-row seed table (cnc_machine_001, seed 7) for the same epochs and batch
size, each run in a fresh process, alternated pair by pair so drift on a shared machine hits
both. synthkit trains with holdout_fraction=0 so both fit exactly the same rows. Time is the
fit call as the user waits for it (synthkit's includes loading the seed, events and saving);
memory is the peak RSS of the whole process tree (joblib workers included), sampled every 50 ms.

    python benchmarks/bench_train.py [--quick]

Ends with one JSON line: train_time_ratio_vs_sdv and peak_rss_ratio_vs_sdv (medians).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import alternated, median, run_measured  # noqa: E402

MACHINE, ROWS, SEED = "cnc_machine_001", 10_000, 7


def child(kind: str, workspace: str, epochs: int) -> None:
    """Runs in a fresh process: fit once and print {"fit_s": ...}."""
    if kind == "sdv":
        from sdv.single_table import TVAESynthesizer

        from synthkit.column_plan import TABLE
        from synthkit.store import load_seed

        frame, metadata, _ = load_seed(MACHINE, workspace)
        synthesizer = TVAESynthesizer(metadata, epochs=epochs, batch_size=500)
        started = time.perf_counter()
        synthesizer.fit({TABLE: frame})
        fit_s = time.perf_counter() - started
    else:
        import synthkit._sdv  # noqa: F401  (import SDV before the clock starts, as for plain SDV)
        from synthkit.training import train_tvae

        started = time.perf_counter()
        train_tvae(MACHINE, epochs=epochs, batch_size=500, holdout_fraction=0.0, workspace=workspace)
        fit_s = time.perf_counter() - started
    print(json.dumps({"kind": kind, "fit_s": round(fit_s, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 pairs of 30 epochs (about 3 minutes)")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--child", choices=["sdv", "synthkit"])
    parser.add_argument("--workspace")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workspace, args.epochs)
        return

    pairs = args.pairs or (3 if args.quick else 5)
    epochs = args.epochs or (30 if args.quick else 100)
    from synthkit import generate_seed_data

    workspace = tempfile.mkdtemp(prefix="bench-train-")
    generate_seed_data(MACHINE, ROWS, seed=SEED, workspace=workspace)
    runs: dict[str, list[dict]] = {"sdv": [], "synthkit": []}
    print(f"{pairs} pairs, {epochs} epochs, {ROWS:,} rows of {MACHINE}")
    for pair in range(pairs):
        for kind in alternated(pair):
            script = str(Path(__file__).resolve())
            result = run_measured(
                [script, "--child", kind, "--workspace", workspace, "--epochs", str(epochs)]
            )
            runs[kind].append(result)
            fit_s, rss = result["fit_s"], result["peak_rss_mib"]
            print(f"  pair {pair + 1} {kind:8s} fit {fit_s:7.2f} s  peak RSS {rss:7.1f} MiB")

    time_sdv = median([r["fit_s"] for r in runs["sdv"]])
    time_sk = median([r["fit_s"] for r in runs["synthkit"]])
    rss_sdv = median([r["peak_rss_mib"] for r in runs["sdv"]])
    rss_sk = median([r["peak_rss_mib"] for r in runs["synthkit"]])
    print(f"median fit: SDV {time_sdv:.2f} s, synthkit {time_sk:.2f} s")
    print(f"median peak RSS: SDV {rss_sdv:.0f} MiB, synthkit {rss_sk:.0f} MiB")
    print(
        json.dumps(
            {
                "benchmark": "train",
                "pairs": pairs,
                "epochs": epochs,
                "rows": ROWS,
                "sdv_fit_s_median": time_sdv,
                "synthkit_fit_s_median": time_sk,
                "sdv_peak_rss_mib_median": rss_sdv,
                "synthkit_peak_rss_mib_median": rss_sk,
                "train_time_ratio_vs_sdv": round(time_sk / time_sdv, 3),
                "peak_rss_ratio_vs_sdv": round(rss_sk / rss_sdv, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
