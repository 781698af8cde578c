"""Conditional generation: rows of one failure mode, scored against that mode's real rows.

For each machine: seed rows (seed 7); a synthkit TVAE trained with early stopping on 20 % held-out
rows; beside it, plain SDV's TVAESynthesizer fit on the same training rows for the same epochs,
and a synthkit GaussianCopula. For each failure mode with at least 30 real rows, each model gives
1,000 rows under ``failure_mode=X``:

- synthkit (TVAE: its label plan; GaussianCopula: SDV's conditional sampling), through
  ``synthkit.conditions.draw`` and ``ColumnPlan.restore``, what ``synthkit.sample`` does after
  loading the model;
- plain SDV: ``TVAESynthesizer.sample_from_conditions`` (SDV filters unconditioned rows, up to
  ``max_tries_per_batch`` tries: SDV's default 100, 10 with ``--quick``, each of up to 10,000
  rows); when it gives no row its error is recorded.

Figures per machine and mode:

- quality: ``synthkit.fast_quality.quality_score`` (SDMetrics QualityReport's overall score, held
  to within 0.002 of the report by tests/test_fast_quality.py) of the rows' sensor and category
  columns against all real rows of X; the label columns, constant under the condition, are left
  out so they cannot inflate it;
- ceiling: the same score for 1,000 fresh simulator rows of X (another seed): what a perfect
  generator gets against so few real rows;
- draws per kept row: rows asked of the model (synthkit: ``sample``/``sample_from_conditions`` of
  the synthesizer, counted on the instance; plain SDV: rows its reject-sampling loop decoded,
  counted on the instance's ``_sample``) per row returned; for synthkit's TVAE also the prior
  draws its label plan decodes (the label outputs only) to find rows of the mode, counted on the
  instance's ``_decode_batch``;
- rows/s: 1,000 rows over the seconds of the draw (the model already loaded).

Augmentation (synthkit TVAE): ``generate_synthetic_data(failure_ratio=0.5)`` as many rows as the
model's training rows; ``synthkit.evaluation.utility`` trains its classifier on the real training
rows plus the synthetic failing rows, and on the real training rows alone, both scored on the
model's held-out real rows (PR-AUC). That adds about ten synthetic failing rows per real one; the
``as_many`` figures add a random subset of them, as many as the real training failures (the
minority doubled, as an oversampler would). Beside both, the augmentation ceiling: the same counts
of fresh simulator failing rows (seed 8), what a perfect generator would add. It lowers PR-AUC on
some machines too (compressor_001: -0.035 with as many, -0.040 with ten per real one), so
"augmentation does not lower PR-AUC" is judged against it: ``augmentation_min_delta_minus_ceiling``.

    python benchmarks/bench_conditions.py [--quick] [--epochs N] [--rows N] [--machines ID ...]

Ends with one JSON line of named results.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import time
import warnings

import pandas as pd

from synthkit import generate_seed_data, generate_synthetic_data, load_model, train_model, train_tvae
from synthkit.column_plan import TABLE, ColumnPlan
from synthkit.conditions import checked_conditions, draw
from synthkit.evaluation import utility
from synthkit.fast_quality import quality_score
from synthkit.machines import list_machines
from synthkit.roles import failing_mask
from synthkit.store import load_seed, split_holdout
from synthkit.training import DEFAULT_MIN_LABEL_SHARE

SEED, ROWS_WANTED, MIN_REAL, FRESH_ROWS = 7, 1_000, 30, 300_000


def counted(synthesizer, private: bool = False) -> dict:
    """Count the rows asked of ``synthesizer`` (its public sampling methods, or SDV's ``_sample``)."""
    counter = {"rows": 0}
    if private:
        inner = synthesizer._sample

        def sample_rows(num_rows, conditions=None):
            counter["rows"] += num_rows
            return inner(num_rows, conditions)

        synthesizer._sample = sample_rows
        return counter
    sample, conditional = synthesizer.sample, synthesizer.sample_from_conditions

    def plain(num_rows, *args, **kwargs):
        counter["rows"] += num_rows
        return sample(num_rows, *args, **kwargs)

    def conditioned(conditions, *args, **kwargs):
        counter["rows"] += sum(c.get_num_rows() for c in conditions)
        return conditional(conditions, *args, **kwargs)

    synthesizer.sample, synthesizer.sample_from_conditions = plain, conditioned
    return counter


def scored(real_mode, rows, columns, meta, seconds, draws) -> dict:
    return {
        "quality": round(quality_score(real_mode[columns], rows[columns], meta), 4),
        "draws_per_kept_row": round(draws / max(len(rows), 1), 3),
        "rows_per_s": round(len(rows) / seconds, 1),
    }


def synthkit_rows(machine_id, workspace, name, mode, real_mode, columns, meta) -> dict:
    model = load_model(machine_id, workspace, name=name)
    plan, checked = checked_conditions(
        machine_id, model.manifest, {"failure_mode": mode}, workspace, "bench_conditions"
    )
    counter = counted(model.synthesizer)
    tvae, prior = getattr(model.synthesizer, "_model", None), {"rows": 0}
    if hasattr(tvae, "_decode_batch"):
        decode = tvae._decode_batch

        def decode_counted(batch, plan, need):
            prior["rows"] += batch
            return decode(batch, plan, need)

        tvae._decode_batch = decode_counted
    started = time.perf_counter()
    rows = plan.restore(draw(model, ROWS_WANTED, checked, SEED), 0, ROWS_WANTED, SEED)
    seconds = time.perf_counter() - started
    assert (rows["failure_mode"] == mode).all()
    figures = scored(real_mode, rows, columns, meta, seconds, counter["rows"])
    if prior["rows"]:
        figures["prior_draws_per_kept_row"] = round(prior["rows"] / len(rows), 1)
    return figures


def sdv_rows(synthesizer, mode, real_mode, columns, meta, tries: int) -> dict:
    from sdv.sampling import Condition

    counter = counted(synthesizer, private=True)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # SDV's progress bar
            out = synthesizer.sample_from_conditions(
                [Condition({"failure_mode": mode}, num_rows=ROWS_WANTED)], max_tries_per_batch=tries
            )
    except ValueError as error:
        return {"error": str(error).splitlines()[0], "draws": counter["rows"]}
    seconds = time.perf_counter() - started
    rows = next(iter(out.values())) if isinstance(out, dict) else out
    return scored(real_mode, rows, columns, meta, seconds, counter["rows"]) | {"rows": len(rows)}


def run_machine(machine_id: str, rows: int, epochs: int, sdv_tries: int, min_label_share: float) -> dict:
    from sdv.single_table import TVAESynthesizer

    from synthkit import _sdv

    begun = time.perf_counter()
    workspace = tempfile.mkdtemp(prefix="bench-conditions-")
    generate_seed_data(machine_id, rows, seed=SEED, workspace=workspace)
    started = time.perf_counter()
    trained = train_tvae(
        machine_id,
        epochs=epochs,
        seed=SEED,
        early_stopping=True,
        min_label_share=min_label_share,
        workspace=workspace,
    )
    tvae_fit = time.perf_counter() - started
    train_model(machine_id, "gaussian_copula", seed=SEED, workspace=workspace)
    model = load_model(machine_id, workspace, name="tvae")
    plan = ColumnPlan.from_dict(model.manifest["columns"])
    real = plan.model_table(load_seed(machine_id, workspace)[0])
    train, holdout = split_holdout(
        real, model.manifest["holdout_fraction"], model.manifest["holdout_seed"], list(plan.labels)
    )
    metadata = plan.metadata()
    meta = metadata.to_dict()
    columns = [c for c in plan.modelled if c not in plan.labels]
    meta["tables"][TABLE]["columns"] = {c: meta["tables"][TABLE]["columns"][c] for c in columns}

    started = time.perf_counter()
    plain = TVAESynthesizer(metadata, epochs=epochs)
    _sdv.seed_everything(SEED)
    with _sdv.lean_fit():
        plain.fit({TABLE: train})
    plain_fit = time.perf_counter() - started

    fresh_ws = tempfile.mkdtemp(prefix="bench-conditions-fresh-")
    generate_seed_data(machine_id, FRESH_ROWS, seed=SEED + 1, workspace=fresh_ws)
    fresh = plan.model_table(load_seed(machine_id, fresh_ws)[0])

    counts = real["failure_mode"].value_counts()
    modes = {}
    normal = plan.normals.get("failure_mode")
    for mode in [m for m in counts.index if m != normal and counts[m] >= MIN_REAL]:
        real_mode = real[real["failure_mode"] == mode]
        fresh_mode = fresh[fresh["failure_mode"] == mode].head(ROWS_WANTED)
        modes[mode] = {
            "real_rows": int(counts[mode]),
            "ceiling": round(quality_score(real_mode[columns], fresh_mode[columns], meta), 4),
            "synthkit_tvae": synthkit_rows(machine_id, workspace, "tvae", mode, real_mode, columns, meta),
            "sdv_tvae": sdv_rows(plain, mode, real_mode, columns, meta, sdv_tries),
            "synthkit_gaussian_copula": synthkit_rows(
                machine_id, workspace, "gaussian_copula", mode, real_mode, columns, meta
            ),
        }

    run = generate_synthetic_data(
        machine_id,
        len(train),
        0,
        0,
        seed=SEED,
        failure_ratio=0.5,
        model="tvae",
        workspace=workspace,
        report=False,
    )
    synthetic = pd.read_parquet(run.file_paths["train"])[plan.modelled]
    main = plan.labels[0]
    scores = utility(train, synthetic, holdout, plan, SEED)
    real_failures = int(failing_mask(train[main], plan.normals[main]).sum())
    failing = synthetic[failing_mask(synthetic[main], plan.normals[main])]
    as_many = utility(
        train, failing.sample(n=min(real_failures, len(failing)), random_state=SEED), holdout, plan, SEED
    )
    fresh_failing = fresh[failing_mask(fresh[main], plan.normals[main])]
    perfect, perfect_as_many = (
        utility(train, fresh_failing.sample(n=n, random_state=SEED), holdout, plan, SEED)
        for n in (min(len(failing), len(fresh_failing)), min(real_failures, len(fresh_failing)))
    )
    return {
        "modes": modes,
        "tvae_fit_s": round(tvae_fit, 1),
        "tvae_epochs_run": trained.epochs_run,
        "tvae_best_quality": trained.best_quality,
        "sdv_tvae_fit_s": round(plain_fit, 1),
        "pr_auc_real": round(scores["pr_auc_real"], 4),
        "pr_auc_augmented": round(scores["pr_auc_augmented"], 4),
        "pr_auc_delta": round(scores["pr_auc_augmented"] - scores["pr_auc_real"], 4),
        "pr_auc_augmented_as_many": round(as_many["pr_auc_augmented"], 4),
        "pr_auc_delta_as_many": round(as_many["pr_auc_augmented"] - scores["pr_auc_real"], 4),
        "pr_auc_delta_fresh_real": round(perfect["pr_auc_augmented"] - scores["pr_auc_real"], 4),
        "pr_auc_delta_fresh_real_as_many": round(
            perfect_as_many["pr_auc_augmented"] - scores["pr_auc_real"], 4
        ),
        "real_training_failures": real_failures,
        "synthetic_failures_added": int(failing_mask(synthetic[main], plan.normals[main]).sum()),
        "holdout_failures": int(failing_mask(holdout[main], plan.normals[main]).sum()),
        "seconds": round(time.perf_counter() - begun, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 machines, 4,000 seed rows, 60 epochs")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--machines", nargs="*")
    parser.add_argument("--sdv-tries", type=int, help="plain SDV's max_tries_per_batch (100; --quick 10)")
    parser.add_argument(
        "--min-label-share",
        type=float,
        default=DEFAULT_MIN_LABEL_SHARE,
        help=f"synthkit TVAE's min_label_share (default {DEFAULT_MIN_LABEL_SHARE})",
    )
    args = parser.parse_args()
    sdv_tries = args.sdv_tries or (10 if args.quick else 100)
    epochs = args.epochs or (60 if args.quick else 300)
    rows = args.rows or (4_000 if args.quick else 10_000)
    machines = args.machines or (
        ["pump_001", "cnc_machine_001"] if args.quick else [m.machine_id for m in list_machines()]
    )
    warnings.simplefilter("ignore")
    table = {}
    for machine_id in machines:
        table[machine_id] = row = run_machine(machine_id, rows, epochs, sdv_tries, args.min_label_share)
        print(
            f"{machine_id}: TVAE {row['tvae_epochs_run']} epochs in {row['tvae_fit_s']} s; "
            f"PR-AUC real {row['pr_auc_real']}, augmented {row['pr_auc_augmented']} "
            f"(as many synthetic failing rows as real ones: {row['pr_auc_augmented_as_many']}; "
            f"delta with fresh real failing rows instead, a perfect generator: "
            f"{row['pr_auc_delta_fresh_real']} / as many {row['pr_auc_delta_fresh_real_as_many']}) "
            f"({row['synthetic_failures_added']} synthetic failing rows added to "
            f"{row['real_training_failures']} real ones; {row['holdout_failures']} held-out failures); "
            f"{row['seconds']} s in all"
        )
        for mode, figures in row["modes"].items():
            print(f"  {mode} ({figures['real_rows']} real rows, ceiling {figures['ceiling']})")
            for kind in ("synthkit_tvae", "sdv_tvae", "synthkit_gaussian_copula"):
                print(f"    {kind:26s} {json.dumps(figures[kind])}", flush=True)

    cells = [(m, mode, f) for m, row in table.items() for mode, f in row["modes"].items()]
    ours = [f["synthkit_tvae"] for _, _, f in cells]
    plain = [f["sdv_tvae"] for _, _, f in cells]
    copula = [f["synthkit_gaussian_copula"] for _, _, f in cells]
    plain_ok = [p for p in plain if "quality" in p]
    print(
        json.dumps(
            {
                "benchmark": "conditions",
                "machines": machines,
                "seed_rows": rows,
                "epochs": epochs,
                "sdv_max_tries_per_batch": sdv_tries,
                "min_label_share": args.min_label_share,
                "modes_scored": len(cells),
                "quality_scorer": "synthkit.fast_quality (SDMetrics QualityReport overall), labels left out",
                "min_conditional_quality": min(r["quality"] for r in ours),
                "modes_below_0_9": [
                    f"{m}:{mode}" for m, mode, f in cells if f["synthkit_tvae"]["quality"] < 0.9
                ],
                "min_ceiling_fresh_real_rows": min(f["ceiling"] for _, _, f in cells),
                "median_quality_minus_ceiling": round(
                    statistics.median(f["synthkit_tvae"]["quality"] - f["ceiling"] for _, _, f in cells), 4
                ),
                "modes_within_0_05_of_ceiling": sum(
                    f["synthkit_tvae"]["quality"] >= f["ceiling"] - 0.05 for _, _, f in cells
                ),
                "tvae_best_quality": {m: row["tvae_best_quality"] for m, row in table.items()},
                "min_quality_minus_ceiling": round(
                    min(f["synthkit_tvae"]["quality"] - f["ceiling"] for _, _, f in cells), 4
                ),
                "median_draws_per_kept_row": round(
                    statistics.median(r["draws_per_kept_row"] for r in ours), 3
                ),
                "median_prior_draws_per_kept_row": statistics.median(
                    r.get("prior_draws_per_kept_row", 0) for r in ours
                ),
                "min_rows_per_s": min(r["rows_per_s"] for r in ours),
                "sdv_tvae_min_conditional_quality": min((p["quality"] for p in plain_ok), default=None),
                "sdv_tvae_median_draws_per_kept_row": (
                    round(statistics.median(p["draws_per_kept_row"] for p in plain_ok), 1)
                    if plain_ok
                    else None
                ),
                "sdv_tvae_min_rows_per_s": min((p["rows_per_s"] for p in plain_ok), default=None),
                "sdv_tvae_modes_failed": [f"{m}:{mode}" for m, mode, f in cells if "error" in f["sdv_tvae"]],
                "gaussian_copula_min_conditional_quality": min(r["quality"] for r in copula),
                "gaussian_copula_median_draws_per_kept_row": round(
                    statistics.median(r["draws_per_kept_row"] for r in copula), 3
                ),
                "augmentation_pr_auc_delta_min": min(row["pr_auc_delta"] for row in table.values()),
                "augmentation_pr_auc_deltas": {m: row["pr_auc_delta"] for m, row in table.items()},
                "augmentation_as_many_pr_auc_delta_min": min(
                    row["pr_auc_delta_as_many"] for row in table.values()
                ),
                "augmentation_as_many_pr_auc_deltas": {
                    m: row["pr_auc_delta_as_many"] for m, row in table.items()
                },
                "augmentation_ceiling_pr_auc_deltas": {
                    m: row["pr_auc_delta_fresh_real"] for m, row in table.items()
                },
                "augmentation_ceiling_as_many_pr_auc_deltas": {
                    m: row["pr_auc_delta_fresh_real_as_many"] for m, row in table.items()
                },
                "augmentation_min_delta_minus_ceiling": round(
                    min(row["pr_auc_delta"] - row["pr_auc_delta_fresh_real"] for row in table.values()), 4
                ),
                "augmentation_ceiling_lowers_pr_auc_on": [
                    m
                    for m, row in table.items()
                    if min(row["pr_auc_delta_fresh_real"], row["pr_auc_delta_fresh_real_as_many"]) < 0
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
