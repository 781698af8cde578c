"""Raw logs as users bring them: synthkit vs plain SDV TVAE vs GaussianCopula on the same raw CSVs.

Eleven raw CSVs made by ``synthkit.raw_logs`` (row numbers and product codes, a main flag with mode
flags, a status with a rare class, 10-30 % empty cells, text timestamps, integer codes, constant
columns, a 150-column table, a historian's long export with one row per reading, a disk fleet's
daily snapshots with each drive's serial on every day's row, telemetry with event logs joined on
(labels empty where nothing failed), a plate line's log with numbers written with their unit and
classes written in several 0/1 columns, an oil-analysis report with readings at detection limits
(``<1``, ``<0.05``) and a graded severity, a part log with scrap verdicts, their reasons and shifts
by the hour, and a 1,000,000-row table) are written to disk as such logs are shared (the pump bench
and the oil lab ``;``-separated, the engines' text file separated by spaces, the plant export with
the row index pandas writes, the plate line with ``;`` and decimal commas) and
each registered raw with no hints, trained and generated. Plain SDV gets the same raw table with
its own metadata detection, readied by hand where it could not read it at all (the long export
widened, units and detection limits cut from numbers, day-first dates parsed day first). All
three are scored the same way, on the columns synthkit models (the roles it inferred), against
held-out real rows:

- ``roles_inferred_correct``: share of columns whose inferred role is the table's true role;
- quality (SDMetrics), every label flag and failing class's rate ratio (>= 10 training rows),
  each column's empty-cell share error (relative, with a 2.5 % floor, so 0.2 is "within 20 % or
  0.5 points"), label combinations never seen in the real rows;
- ``one_hot_rows_broken``: where one category is written in several 0/1 columns (one set on
  every seed row), the share of synthetic rows with none or several set;
- ``label_range_broken``: where a label is read from a number (the engines' ``label1`` set
  exactly when ``RUL`` <= 30), the share of synthetic rows whose number is outside their label's;
- ``label_bounds_broken``: where a label value's rows stay within a bound of a number that many
  other rows pass (oil samples rated ``Normal`` only up to 40 ppm of iron), the share of
  synthetic rows past it (or within a value's bounds their own stays out of), and of held-out
  real rows past the bounds learned from the training rows alone (``real_held_out``);
- ``repeating_keys``: where a key repeats in the seed (a drive's serial on each day), the share of
  synthetic keys with two rows at one time and the share whose numbers that are a seed key's own
  (its hours, +24 a day) do not move as in the seed;
- ``max_epoch_time_ratio_vs_without_ids``: seconds per epoch on the product-code table as
  registered, over the same table with its id columns removed by hand;
- ``peak_rss_mib_1m_rows``: the peak memory of registering, training and generating the
  1,000,000-row table in a fresh process (plain SDV is not run on it: its per-row transform alone
  takes many minutes there).

    python benchmarks/bench_realdata.py [--quick] [--epochs N] [--tables NAME ...]

Ends with one JSON line of named results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_measured  # noqa: E402

from synthkit import generate_synthetic_data, register_machine, train_tvae  # noqa: E402
from synthkit.column_plan import ColumnPlan  # noqa: E402
from synthkit.evaluation import label_checks, quality_scores  # noqa: E402
from synthkit.long_tables import long_layout, widen  # noqa: E402
from synthkit.raw_logs import MAKERS, write_shared  # noqa: E402
from synthkit.registration import day_first, units_apart  # noqa: E402
from synthkit.roles import one_hot_groups  # noqa: E402
from synthkit.store import load_seed, split_holdout  # noqa: E402
from synthkit.table_files import TableFile, read_csv  # noqa: E402

FULL = {
    "milling_log": 10_000,
    "pump_testbed": 20_000,
    "engine_run_to_failure": 20_000,
    "plant_sensor_wide": 50_000,
    "historian_export": 20_000,
    "drive_stats": 20_000,
    "telemetry_with_events": 20_000,
    "plate_inspection": 10_000,
    "oil_analysis": 5_000,
    "production_log": 10_000,
}
QUICK = {
    "milling_log": 5_000,
    "pump_testbed": 5_000,
    "engine_run_to_failure": 5_000,
    "plant_sensor_wide": 3_000,
    "historian_export": 5_000,
    "drive_stats": 5_000,
    "telemetry_with_events": 5_000,
    "plate_inspection": 5_000,
    "oil_analysis": 3_000,
    "production_log": 5_000,
}
LONG_ROWS = 1_000_000
SCORE_ROWS = 5_000
# Synthetic rows each model gives for the checks: at twice a 3,000-row table's held-out part (1,200
# rows) a perfect model's largest missing-share error over the wide table's 16 gappy columns is
# 0.19 (median of simulated draws; over 0.2 in 38 % of them), at 10,000 rows 0.08.
SYNTHETIC_ROWS = 10_000
KINDS = ("synthkit", "sdv_tvae", "gaussian_copula")


def missing_share_errors(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, float]:
    """Per column with empty cells: |synthetic share - real share| / max(real share, 2.5 %)."""
    return {
        c: round(
            abs(synthetic[c].isna().mean() - real[c].isna().mean()) / max(real[c].isna().mean(), 0.025), 3
        )
        for c in real.columns
        if real[c].isna().any() and c in synthetic
    }


def label_ratios(
    real: pd.DataFrame, synthetic: pd.DataFrame, plan: ColumnPlan, train_rows: int, seen: pd.DataFrame
) -> dict:
    """Rate ratio of every flag and failing class with at least 10 training rows, and the share
    of synthetic rows whose label combination none of the ``seen`` real rows has."""
    checks = label_checks(real, synthetic, plan.labels, plan.normals)
    combos = label_checks(seen, synthetic, plan.labels, plan.normals)
    enough = {k: r for k, r in checks["label_rates"].items() if r["real"] * train_rows >= 10}
    ratios = {k: round(r["ratio"], 3) for k, r in enough.items() if r["ratio"] is not None}
    return {"ratios": ratios, "contradictions": combos["label_contradiction_rate"] or 0.0}


def key_consistency(synthetic: pd.DataFrame, plan: ColumnPlan) -> dict[str, float]:
    """For a key that repeats in the seed, over the synthetic keys with two rows or more: the share
    with two rows at one time (where no seed key has), and the share whose numbers that are a
    seed key's own do not move at the seed's rate (off by over 1 % of the column's range)."""
    figures = {}
    for key, fmt in plan.id_formats.items():
        if fmt.get("repeats", 1) <= 1 or key not in synthetic:
            continue
        rows = synthetic[synthetic[key].duplicated(keep=False)]
        time = fmt.get("apart_in")
        moments = pd.to_datetime(rows[time], errors="coerce") if time in rows else None
        if moments is not None:
            twice = pd.DataFrame({"key": rows[key], "at": moments}).duplicated()
            figures["keys_twice_at_one_time"] = round(float(twice.groupby(rows[key]).any().mean()), 4)
        seconds = (moments - moments.min()).dt.total_seconds() if moments is not None else 0.0
        unsteady = pd.Series(False, index=rows[key].unique())
        for column, rate in fmt.get("steady", {}).items():
            base = pd.to_numeric(rows[column], errors="coerce") - rate * seconds
            spread = base.groupby(rows[key]).agg(lambda b: b.max() - b.min())
            width = synthetic[column].max() - synthetic[column].min()
            unsteady |= (spread > 0.01 * width).reindex(unsteady.index, fill_value=False)
        if fmt.get("steady"):
            figures["keys_with_unsteady_numbers"] = round(float(unsteady.mean()), 4)
    return figures


def one_hot_broken(real: pd.DataFrame, synthetic: pd.DataFrame, plan: ColumnPlan) -> dict[str, float]:
    """Where one category is written in several 0/1 columns (one set on every real row): the share
    of synthetic rows with none or several of a group set."""
    groups = one_hot_groups(real.drop(columns="_row", errors="ignore"), plan.roles)
    if not groups:
        return {}
    broken = np.zeros(len(synthetic), dtype=bool)
    for group in groups:
        ones = synthetic[group].apply(pd.to_numeric, errors="coerce").round().fillna(0)
        broken |= (ones.sum(axis=1) != 1).to_numpy()
    return {"one_hot_rows_broken": round(float(broken.mean()), 4)}


def ceiling(real_test: pd.DataFrame, real_train: pd.DataFrame, plan: ColumnPlan) -> float:
    """The score of other real rows against the same reference rows: what a perfect generator gets."""
    reference = real_test.sample(n=min(SCORE_ROWS, len(real_test)), random_state=0)
    others = real_train.sample(n=min(2 * len(real_test), len(real_train)), random_state=0)
    return round(quality_scores(reference, others[plan.modelled], plan.metadata().to_dict())["quality"], 4)


def by_hand(raw: pd.DataFrame, written: dict[str, str], roles: dict[str, str]) -> pd.DataFrame:
    """The raw table as a user readies it for plain SDV by hand: units cut from numbers written
    with them (``12,5 mm``), and day-first text dates parsed day first (SDV's own guess reads
    ``04.03.2024`` as April)."""
    raw = units_apart(TableFile(raw, "raw", written)).frame
    for column, role in roles.items():
        if role == "datetime" and column in raw and raw[column].dtype == object and day_first(raw[column]):
            raw[column] = pd.to_datetime(raw[column], dayfirst=True)
    return raw


def sdv_sample(kind: str, raw: pd.DataFrame, rows: int, epochs: int, seed: int) -> tuple[pd.DataFrame, float]:
    """Plain SDV on the raw table with its own metadata detection."""
    import torch
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

    np.random.seed(seed)
    torch.manual_seed(seed)
    metadata = Metadata.detect_from_dataframes({"t": raw})
    synth = (
        TVAESynthesizer(metadata, epochs=epochs)
        if kind == "sdv_tvae"
        else GaussianCopulaSynthesizer(metadata)
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synth.fit({"t": raw})
        fit_s = time.perf_counter() - started
        return synth.sample(rows)["t"], fit_s


def score(
    real_test: pd.DataFrame,
    synthetic: pd.DataFrame,
    plan: ColumnPlan,
    train_rows: int,
    real_all: pd.DataFrame,
) -> dict:
    columns = plan.modelled
    synthetic_rows = synthetic  # as written, keys included
    synthetic = plan.model_table(synthetic.reindex(columns=plan.columns))
    reference = real_test.sample(n=min(SCORE_ROWS, len(real_test)), random_state=0)
    # As many rows as the ceiling's real rows, so that the two scores carry the same sampling noise
    sample = synthetic.sample(n=min(SCORE_ROWS, 2 * len(real_test), len(synthetic)), random_state=0)
    for column in columns:  # plain SDV may return text where the seed holds timestamps
        if plan.roles[column] == "datetime":
            sample[column] = pd.to_datetime(sample[column], errors="coerce")
    quality = quality_scores(reference, sample[columns], plan.metadata().to_dict())["quality"]
    labels = label_ratios(real_test, synthetic, plan, train_rows, real_all)
    missing = missing_share_errors(real_all.drop(columns="_row", errors="ignore"), synthetic)  # all real rows
    keys = key_consistency(synthetic_rows, plan) | one_hot_broken(real_all, synthetic, plan)
    if plan.label_ranges:  # labels read from a number (a warning at RUL <= 30): rows that break it
        keys["label_range_broken"] = round(float(plan.outside_label_ranges(synthetic).mean()), 4)
    if plan.label_bounds:  # a label value's readings past where the seed ever has them (Normal at 90 ppm)
        keys["label_bounds_broken"] = round(float(plan.outside_label_bounds(synthetic).mean()), 4)
    return keys | {
        "quality": round(quality, 4),
        "label_ratios": labels["ratios"],
        "contradictions": round(labels["contradictions"], 4),
        "missing_share_error": max(missing.values(), default=0.0),
        "worst_missing_column": max(missing, key=missing.get, default=None),
    }


def run_table(name: str, rows: int, epochs: int, folder: Path, early_stopping: bool) -> dict:
    raw, truth = MAKERS[name](rows, 11)
    path = folder / f"{name}.csv"
    truth = write_shared(name, raw, path) | truth  # as such logs are shared: ";", a written index
    workspace = folder / "ws"
    started = time.perf_counter()
    machine = register_machine(name, path, workspace=workspace, replace=True)
    register_s = time.perf_counter() - started
    roles = machine.column_roles["roles"]
    correct = sum(roles[c] == truth[c] for c in truth)
    seed_frame, _, _ = load_seed(name, workspace)
    plan = ColumnPlan.from_seed(seed_frame, machine.roles_for(seed_frame))
    model_rows = plan.model_table(seed_frame).assign(_row=np.arange(len(seed_frame)))
    train_part, test_part = split_holdout(model_rows, 0.2, 0, list(plan.labels))  # synthkit's own split
    raw_file = read_csv(path)
    raw, written = raw_file.frame, raw_file.csv_format
    if machine.long_format:  # SDV gets it widened, as a user would pivot it by hand
        raw = widen(raw, long_layout(raw))[0]
    raw = by_hand(raw, written, roles)
    train_rows = np.sort(train_part.pop("_row").to_numpy())
    raw_train = raw.iloc[train_rows]  # SDV: same rows, raw
    test_part = test_part.drop(columns="_row")
    result = {"rows": rows, "columns": raw.shape[1], "roles_correct": correct, "roles_total": len(truth)}
    result["ceiling"] = ceiling(test_part, train_part.drop(columns="_row", errors="ignore"), plan)
    result["register_s"] = round(register_s, 2)
    learned = ColumnPlan.from_seed(seed_frame.iloc[train_rows], machine.roles_for(seed_frame))
    if learned.label_bounds:  # held-out real rows past the bounds learned from the training rows
        result["label_bounds_broken_real"] = round(float(learned.outside_label_bounds(test_part).mean()), 4)
    trained = train_tvae(
        name, epochs=epochs, seed=0, workspace=workspace, early_stopping=early_stopping, eval_every=10
    )
    wanted = max(len(test_part) * 2, SYNTHETIC_ROWS)
    run = generate_synthetic_data(name, wanted, 0, 0, seed=1, workspace=workspace, report=False)
    synthetic = pd.read_parquet(run.file_paths["train"])
    result["synthkit"] = score(test_part, synthetic, plan, len(train_part), model_rows) | {
        "fit_s": trained.training_time,
        "epochs_run": trained.epochs_run,
    }
    for kind in ("sdv_tvae", "gaussian_copula"):
        sample, fit_s = sdv_sample(kind, raw_train, wanted, epochs, 0)
        result[kind] = score(test_part, sample, plan, len(train_part), model_rows) | {
            "fit_s": round(fit_s, 2)
        }
    print(name, json.dumps(result), flush=True)
    return result


def epoch_seconds(workspace: Path, name: str, epochs: int) -> float:
    """Median seconds between epoch events of one training."""
    stamps: list[float] = []

    def sink(event) -> None:
        if event.epoch:
            stamps.append(time.perf_counter())

    train_tvae(name, epochs=epochs, seed=0, workspace=workspace, sinks=[sink])
    return float(np.median(np.diff(stamps)))


def epoch_time_ratio(rows: int, epochs: int, folder: Path) -> float:
    """Seconds per epoch with the raw ids in the table over the same table without them: a warm-up
    fit first, then three alternated pairs, the median ratio."""
    raw, truth = MAKERS["milling_log"](rows, 11)
    workspace = folder / "ws-ids"
    register_machine("with_ids", raw, workspace=workspace)
    ids = [c for c, role in truth.items() if role == "id"]
    register_machine("without_ids", raw.drop(columns=ids), workspace=workspace)
    epoch_seconds(workspace, "without_ids", 2)  # imports and first-fit costs out of the way
    ratios = []
    for index in range(3):
        order = ("with_ids", "without_ids") if index % 2 == 0 else ("without_ids", "with_ids")
        seconds = {name: epoch_seconds(workspace, name, epochs) for name in order}
        ratios.append(seconds["with_ids"] / seconds["without_ids"])
    return round(float(np.median(ratios)), 3)


def long_table_child(rows: int, epochs: int, folder: str) -> None:
    """In a fresh process: register, train and generate the long table; print one JSON line."""
    raw, truth = MAKERS["line_log_long"](rows, 11)
    path = Path(folder) / "line_log_long.csv"
    raw.to_csv(path, index=False)
    del raw
    workspace = Path(folder) / "ws-long"
    started = time.perf_counter()
    machine = register_machine("line", path, workspace=workspace)
    register_s = time.perf_counter() - started
    roles = machine.column_roles["roles"]
    trained = train_tvae("line", epochs=epochs, seed=0, workspace=workspace)
    run = generate_synthetic_data("line", rows, 0, 0, seed=1, workspace=workspace, report=False)
    synthetic = pd.read_parquet(run.file_paths["train"], columns=["event_id", "alarm", "error_code"])
    real = pd.read_csv(path, usecols=["alarm", "error_code"])
    plan = ColumnPlan.from_dict(
        json.loads((workspace / "machines/line/models/tvae/model.json").read_text())["columns"]
    )
    labels = label_ratios(real, synthetic, plan, len(real), real)
    print(
        json.dumps(
            {
                "roles_correct": sum(roles[c] == truth[c] for c in truth),
                "roles_total": len(truth),
                "register_s": round(register_s, 2),
                "fit_s": trained.training_time,
                "generate_s": run.generation_time,
                "ids_unique": bool(synthetic["event_id"].is_unique),
                "label_ratios": labels["ratios"],
                "contradictions": labels["contradictions"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller tables and fewer epochs")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 300, quick 30)")
    parser.add_argument("--tables", nargs="*", default=None, help="only these tables")
    parser.add_argument("--long-child", nargs=3, metavar=("ROWS", "EPOCHS", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.long_child:
        long_table_child(int(args.long_child[0]), int(args.long_child[1]), args.long_child[2])
        return
    sizes = QUICK if args.quick else FULL
    epochs = args.epochs or (30 if args.quick else 300)
    tables = args.tables or [*sizes, "line_log_long"]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in tables:
            if name == "line_log_long":
                long_epochs = 2 if args.quick else 20
                child = run_measured([__file__, "--long-child", str(LONG_ROWS), str(long_epochs), folder])
                results[name] = child
                print(name, json.dumps(child), flush=True)
            else:
                results[name] = run_table(name, sizes[name], epochs, Path(folder), not args.quick)
        id_ratio = epoch_time_ratio(sizes["milling_log"], 10 if args.quick else 30, Path(folder))
    figures = summarize(results, id_ratio)
    print(json.dumps(figures))


def summarize(results: dict[str, dict], id_ratio: float) -> dict:
    scored = {n: r for n, r in results.items() if "synthkit" in r}
    ratios = [v for r in results.values() for v in (r.get("synthkit", r)["label_ratios"]).values()]
    correct = sum(r["roles_correct"] for r in results.values())
    total = sum(r["roles_total"] for r in results.values())
    quality = {n: r["synthkit"]["quality"] for n, r in scored.items()}
    return {
        "tables": list(results),
        "roles_inferred_correct": round(correct / total, 4),
        "min_quality": min(quality.values(), default=None),
        "quality": quality,
        "quality_sdv_tvae": {n: r["sdv_tvae"]["quality"] for n, r in scored.items()},
        "quality_gaussian_copula": {n: r["gaussian_copula"]["quality"] for n, r in scored.items()},
        "ceiling": {n: r.get("ceiling") for n, r in scored.items()},
        "min_quality_minus_gaussian_copula": min(
            (r["synthkit"]["quality"] - r["gaussian_copula"]["quality"] for r in scored.values()),
            default=None,
        ),
        "min_label_rate_ratio": min(ratios, default=None),
        "max_label_rate_ratio": max(ratios, default=None),
        "sdv_tvae_label_rate_ratio_range": _range(scored, "sdv_tvae"),
        "gaussian_copula_label_rate_ratio_range": _range(scored, "gaussian_copula"),
        "max_missing_share_error": max(r["synthkit"]["missing_share_error"] for r in scored.values()),
        "max_epoch_time_ratio_vs_without_ids": id_ratio,
        "peak_rss_mib_1m_rows": results.get("line_log_long", {}).get("peak_rss_mib"),
        "label_contradictions": max(r.get("synthkit", r)["contradictions"] for r in results.values()),
        "one_hot_rows_broken": {
            n: {kind: r[kind]["one_hot_rows_broken"] for kind in KINDS}
            for n, r in scored.items()
            if "one_hot_rows_broken" in r["synthkit"]
        },
        "label_range_broken": {
            n: {kind: r[kind]["label_range_broken"] for kind in KINDS}
            for n, r in scored.items()
            if "label_range_broken" in r["synthkit"]
        },
        "label_bounds_broken": {
            n: {kind: r[kind]["label_bounds_broken"] for kind in KINDS}
            | {"real_held_out": r.get("label_bounds_broken_real")}
            for n, r in scored.items()
            if "label_bounds_broken" in r["synthkit"]
        },
        "repeating_keys": {
            n: {kind: {k: v for k, v in r[kind].items() if k.startswith("keys_")} for kind in KINDS}
            for n, r in scored.items()
            if "keys_twice_at_one_time" in r["synthkit"] or "keys_with_unsteady_numbers" in r["synthkit"]
        },
    }


def _range(scored: dict, kind: str) -> list[float | None]:
    values = [v for r in scored.values() for v in r[kind]["label_ratios"].values()]
    return [min(values, default=None), max(values, default=None)]


if __name__ == "__main__":
    main()
