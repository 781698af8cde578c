"""Generation cost: synthkit's chunked split generation against plain SDV ``sample(N)``.

Setup: 10,000 seed rows of cnc_machine_001; a plain SDV TVAESynthesizer and a synthkit TVAE are
trained with the same epochs. Then, for N = 200,000 and 2,000,000, each of them generates N rows
in a fresh process: SDV with ``sample(N)`` and its defaults (all rows in memory, nothing written),
synthkit with ``generate_synthetic_data(N, 0, 0, report=False)`` (rows written to parquet, with
label stratification and SHA-256 of the file). Peak RSS is the whole process tree's.

    python benchmarks/bench_generate.py [--quick]

Ends with one JSON line: throughput_ratio_vs_sdv (at 2M rows), peak_rss_ratio_vs_sdv_2m and
rss_growth_2m_over_200k (synthkit).
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
SIZES = (200_000, 2_000_000)


def child(kind: str, workspace: str, rows: int) -> None:
    """Runs in a fresh process: generate ``rows`` once and print {"seconds": ...}."""
    if kind == "sdv":
        from sdv.utils import load_synthesizer

        synthesizer = load_synthesizer(str(Path(workspace) / "plain_tvae.pkl"))
        started = time.perf_counter()
        sampled = synthesizer.sample(rows)
        seconds = time.perf_counter() - started
        assert len(next(iter(sampled.values())) if isinstance(sampled, dict) else sampled) == rows
    else:
        import synthkit._sdv  # noqa: F401  (imports before the clock, as for SDV)
        from synthkit.generation import generate_synthetic_data

        started = time.perf_counter()
        generate_synthetic_data(MACHINE, rows, 0, 0, seed=1, report=False, workspace=workspace)
        seconds = time.perf_counter() - started
    print(json.dumps({"kind": kind, "rows": rows, "seconds": round(seconds, 3)}))


def setup(workspace: str, epochs: int) -> None:
    from sdv.single_table import TVAESynthesizer

    from synthkit import generate_seed_data, train_tvae
    from synthkit.column_plan import TABLE
    from synthkit.store import load_seed

    generate_seed_data(MACHINE, ROWS, seed=SEED, workspace=workspace)
    frame, metadata, _ = load_seed(MACHINE, workspace)
    plain = TVAESynthesizer(metadata, epochs=epochs)
    plain.fit({TABLE: frame})
    plain.save(str(Path(workspace) / "plain_tvae.pkl"))
    train_tvae(MACHINE, epochs=epochs, seed=SEED, holdout_fraction=0.0, workspace=workspace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per size, 30 training epochs")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--child", choices=["sdv", "synthkit"])
    parser.add_argument("--workspace")
    parser.add_argument("--rows", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workspace, args.rows)
        return

    repeats = args.repeats or (1 if args.quick else 3)
    epochs = args.epochs or (30 if args.quick else 100)
    workspace = tempfile.mkdtemp(prefix="bench-generate-")
    print(f"training both models: {epochs} epochs on {ROWS:,} rows of {MACHINE}")
    setup(workspace, epochs)
    script = str(Path(__file__).resolve())
    results: dict[tuple[str, int], list[dict]] = {}
    for rows in SIZES:
        for repeat in range(repeats):
            for kind in alternated(repeat):
                result = run_measured(
                    [script, "--child", kind, "--workspace", workspace, "--rows", str(rows)]
                )
                results.setdefault((kind, rows), []).append(result)
                rate = rows / result["seconds"]
                print(
                    f"  {kind:8s} {rows:>9,} rows  {result['seconds']:7.2f} s  {rate:>9,.0f} rows/s  "
                    f"peak RSS {result['peak_rss_mib']:7.1f} MiB"
                )

    def med(kind: str, rows: int, key: str) -> float:
        return median([r[key] for r in results[(kind, rows)]])

    big, small = SIZES[1], SIZES[0]
    figures = {
        "benchmark": "generate",
        "epochs": epochs,
        "repeats": repeats,
        "sdv_rows_per_s_2m": round(big / med("sdv", big, "seconds")),
        "synthkit_rows_per_s_2m": round(big / med("synthkit", big, "seconds")),
        "sdv_peak_rss_mib_2m": med("sdv", big, "peak_rss_mib"),
        "synthkit_peak_rss_mib_2m": med("synthkit", big, "peak_rss_mib"),
        "synthkit_peak_rss_mib_200k": med("synthkit", small, "peak_rss_mib"),
    }
    figures["throughput_ratio_vs_sdv"] = round(
        figures["synthkit_rows_per_s_2m"] / figures["sdv_rows_per_s_2m"], 3
    )
    figures["peak_rss_ratio_vs_sdv_2m"] = round(
        figures["synthkit_peak_rss_mib_2m"] / figures["sdv_peak_rss_mib_2m"], 3
    )
    figures["rss_growth_2m_over_200k"] = round(
        figures["synthkit_peak_rss_mib_2m"] / figures["synthkit_peak_rss_mib_200k"], 3
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
