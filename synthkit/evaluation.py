"""Evaluation: can this run's synthetic data be trusted? One report per run, always the same checks.

- Quality and diagnostic: SDMetrics' QualityReport (Column Shapes, Column Pair Trends, per-column
  scores) and DiagnosticReport (validity, structure), synthetic against the real seed data.
- Labels: for ``failure`` and every failure mode, the synthetic rate over the real rate; the share
  of rows whose ``failure`` and ``failure_mode`` contradict each other; for every categorical
  column, the total-variation distance between real and synthetic proportions.
- Privacy: the share of synthetic rows that copy a training row exactly, and SDMetrics'
  DCROverfittingProtection: the share of synthetic rows closer to a training row than to any
  held-out row (about 0.5 when the model did not memorise its training rows).
- Utility: a gradient-boosted classifier for ``failure`` trained on synthetic rows and on real
  training rows, both tested on the held-out real rows (ROC AUC of each).
Large tables are scored on seeded subsamples (``max_rows``), so a report takes seconds.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthkit._checks import check_int
from synthkit._warning_filters import keeps_warning_filters
from synthkit.column_plan import TABLE, ColumnPlan, label_keys
from synthkit.csv_dialect import file_dialect, parse_format, read_options
from synthkit.fast_quality import pair_columns, scored_columns
from synthkit.machines import Machine, get_machine
from synthkit.roles import Normal, failing_mask, is_flag, label_text, normal_values
from synthkit.store import load_run, load_seed, resolve_model_name, saved_holdout, split_holdout, verify_model
from synthkit.table_files import read_with
from synthkit.workspace import Workspace, write_json

REPORT_JSON, REPORT_HTML = "report.json", "report.html"


@dataclass
class EvaluationReport:
    machine_id: str
    run_id: str
    model_kind: str
    rows_real: int
    rows_synthetic: int
    quality: float
    column_shapes: float
    column_pair_trends: float | None
    column_scores: dict[str, float]
    diagnostic: dict[str, float | None]
    label_rates: dict[str, dict[str, float | None]]
    failure_rate_ratio: float | None
    label_contradiction_rate: float | None
    category_tvd: dict[str, float]
    privacy: dict[str, float | None]
    utility: dict[str, float | None]
    loss_history: list[float] = field(default_factory=list)
    created_at: str = ""
    model_name: str = ""
    pair_trends_columns: int | None = None  # of a wide table: the columns whose pairs were scored
    real_sample: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    synthetic_sample: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("real_sample")
        data.pop("synthetic_sample")
        return data

    def figures(self) -> dict[str, Any]:
        """Plotly figures: distributions per column, correlation difference, loss curve."""
        from synthkit.report_html import build_figures

        return build_figures(self)

    def summary(self) -> dict[str, Any]:
        """The headline numbers, for a status line or a table."""
        return {
            "quality": round(self.quality, 4),
            "column_shapes": round(self.column_shapes, 4),
            "column_pair_trends": None
            if self.column_pair_trends is None
            else round(self.column_pair_trends, 4),
            "diagnostic_validity": self.diagnostic.get("validity"),
            "failure_rate_ratio": None
            if self.failure_rate_ratio is None
            else round(self.failure_rate_ratio, 3),
            "label_contradiction_rate": self.label_contradiction_rate,
            "exact_copy_share": self.privacy.get("exact_copy_share"),
            "roc_auc_synthetic": self.utility.get("roc_auc_synthetic"),
            "roc_auc_real": self.utility.get("roc_auc_real"),
            "pr_auc_synthetic": self.utility.get("pr_auc_synthetic"),
            "pr_auc_real": self.utility.get("pr_auc_real"),
            "pr_auc_augmented": self.utility.get("pr_auc_augmented"),
        }


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.sample(n=rows, random_state=seed).reset_index(drop=True)


def _read_split(
    path: Path, columns: list[str], dates: list[str], machine: Machine, text: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """A split's columns; CSV splits are read as the machine's own CSV was written: its timestamp
    formats, the marker of its empty cells (and a column's number for no reading), the units after
    its numbers, its ``text`` columns as text (codes like ``007`` keep their zeros)."""
    if path.suffix == ".csv":
        delimiter, decimal = file_dialect(path)
        parse = [c for c in dates if c in columns]
        written = {c: parse_format(machine.time_formats[c]) for c in parse if c in machine.time_formats}
        empty = [machine.csv_format["na_rep"]] if machine.csv_format.get("na_rep") else []
        marks = {c: [*empty, machine.no_reading[c]] if c in machine.no_reading else empty for c in columns}
        frame = pd.read_csv(
            path,
            **read_options(delimiter),
            decimal=decimal,
            usecols=columns,
            parse_dates=parse,
            date_format=written or None,
            na_values=marks if any(marks.values()) else None,
            dtype={c: str for c in columns if c in text} or None,
        )
        for column, number_format in machine.number_formats.items():
            if column in frame and frame[column].dtype == object:
                frame[column] = read_with(frame[column], number_format, decimal)
        return machine.as_seeded(frame[columns])
    return machine.as_seeded(pd.read_parquet(path, columns=columns))


def label_checks(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    labels: tuple[str, ...],
    normals: dict[str, Normal],
    outside: pd.Series | None = None,
) -> dict[str, Any]:
    """Rates of every failure flag and failing class, synthetic over real, and the share of
    synthetic rows whose label combination never occurs in the real rows (a contradiction, such
    as a failure mode on a row whose main label says healthy) or, where given, whose label says
    a number lies in a range it does not (``outside``: a warning at a remaining life of 80 cycles)."""
    rates: dict[str, dict[str, float | None]] = {}

    def rate(name: str, real_hits: pd.Series, synthetic_hits: pd.Series) -> None:
        real_rate, synthetic_rate = float(real_hits.mean()), float(synthetic_hits.mean())
        ratio = synthetic_rate / real_rate if real_rate else None
        rates[name] = {"real": real_rate, "synthetic": synthetic_rate, "ratio": ratio}

    for column in labels:
        normal = normals.get(column, "")
        real_text, synthetic_text = label_text(real[column]), label_text(synthetic[column])
        if is_flag(real[column]):
            rate(column, failing_mask(real[column], normal), failing_mask(synthetic[column], normal))
            continue
        if column == labels[0]:  # the main label's failure rate, whatever its classes
            rate(column, failing_mask(real[column], normal), failing_mask(synthetic[column], normal))
        for value in sorted(set(real_text[real[column].notna()]) - normal_values(normal)):
            rate(f"{column}={value}", real_text == value, synthetic_text == value)
    contradiction = None
    if len(labels) > 1 or outside is not None:
        broken = np.zeros(len(synthetic), dtype=bool) if outside is None else outside.to_numpy(dtype=bool)
        if len(labels) > 1:
            seen = set(label_keys(real, labels).unique())
            broken |= ~label_keys(synthetic, labels).isin(seen).to_numpy()
        contradiction = float(broken.mean())
    main = rates.get(labels[0], {}).get("ratio") if labels else None
    return {"label_rates": rates, "failure_rate_ratio": main, "label_contradiction_rate": contradiction}


def _outside(plan: ColumnPlan, rows: pd.DataFrame) -> pd.Series | None:
    """Rows outside their label's range, where the plan has label ranges (None where it has none)."""
    return plan.outside_label_ranges(rows) if plan.label_ranges else None


def category_tvd(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """Total-variation distance between real and synthetic proportions of each categorical column."""
    out = {}
    for column in columns:
        p = real[column].astype(str).value_counts(normalize=True)
        q = synthetic[column].astype(str).value_counts(normalize=True)
        out[column] = float(0.5 * p.sub(q, fill_value=0).abs().sum())
    return out


CLASSIFIER_CATEGORIES = 254  # the classifier's categories have codes under 255; the rest count as missing


def _commonest(values: pd.Series) -> list[str]:
    """A category's values for the classifier: all of them, or its most frequent ones (a part
    number of 449 values made the classifier refuse the whole utility check)."""
    counts = values.value_counts()
    return sorted(counts.index[:CLASSIFIER_CATEGORIES])


def _encode(frame: pd.DataFrame, categories: dict[str, list]) -> pd.DataFrame:
    encoded = frame.copy()
    for column, values in categories.items():
        encoded[column] = pd.Categorical(encoded[column].astype(str), categories=values).codes
    return encoded


UTILITY_KEYS = tuple(
    f"{metric}_{source}"
    for metric in ("roc_auc", "pr_auc", "recall_at_rate")
    for source in ("synthetic", "real", "augmented")
)


def utility(
    train_real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    plan: ColumnPlan,
    seed: int,
) -> dict[str, float | None]:
    """A classifier of the main label trained on synthetic rows, on real training rows, and on the
    real rows plus the synthetic failing rows (augmentation), each tested on the held-out real
    rows: ROC AUC; PR-AUC (average precision) and recall when as many rows are flagged as really
    fail, which say more when failures are rare. Features are the category and numeric columns;
    ids and timestamps never are."""
    empty: dict[str, float | None] = dict.fromkeys(UTILITY_KEYS)
    if not plan.labels or holdout.empty:
        return empty
    main = plan.labels[0]
    normal = plan.normals.get(main, "")
    truth = failing_mask(holdout[main], normal).astype(int)
    features = [c for c in plan.modelled if plan.roles[c] in ("category", "numeric")]
    if truth.nunique() < 2 or not features:
        return empty
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score, roc_auc_score
    from threadpoolctl import threadpool_limits

    categorical = [c for c in features if not pd.api.types.is_numeric_dtype(train_real[c])]
    categories = {c: _commonest(pd.concat([train_real[c], synthetic[c]]).astype(str)) for c in categorical}
    mask = [c in categorical for c in features]
    test = _encode(holdout[features], categories)
    failing_synthetic = synthetic[failing_mask(synthetic[main], normal)]
    sources = {
        "synthetic": synthetic,
        "real": train_real,
        "augmented": pd.concat([train_real, failing_synthetic], ignore_index=True),
    }
    scores = dict(empty)
    for name, frame in sources.items():
        target = failing_mask(frame[main], normal).astype(int)
        if target.nunique() < 2:
            continue
        model = HistGradientBoostingClassifier(categorical_features=mask or None, random_state=seed)
        # One OpenMP thread: the classifier opens thousands of tiny parallel regions per fit, and
        # their barriers stall whenever another process holds the cores (a training beside it):
        # 2-20x slower with 2 threads on a busy 2-core machine, no faster on an idle one
        # (benchmarks/bench_evaluate.py; training earlier in the same process makes no difference).
        with threadpool_limits(1):
            model.fit(_encode(frame[features], categories), target)
            predicted = model.predict_proba(test)[:, 1]
        flagged = np.argsort(-predicted, kind="stable")[: int(truth.sum())]
        scores[f"roc_auc_{name}"] = float(roc_auc_score(truth, predicted))
        scores[f"pr_auc_{name}"] = float(average_precision_score(truth, predicted))
        scores[f"recall_at_rate_{name}"] = float(truth.to_numpy()[flagged].sum() / truth.sum())
    return scores


def privacy(
    train_real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, metadata: dict, seed: int
) -> dict[str, float | None]:
    """Exact copies of training rows, and DCR against training rows versus held-out rows (of a
    wide table, on the columns whose pairs the quality scores: SDMetrics' DCR copies the table of
    row pairs once per column, so its time grows with the square of the columns; a wafer line's
    560 sensors took 440 s)."""
    copies = synthetic.merge(train_real.drop_duplicates(), how="inner", on=list(synthetic.columns))
    result: dict[str, float | None] = {"exact_copy_share": float(len(copies) / len(synthetic))}
    if holdout.empty:
        return result | {"dcr_closer_to_training_share": None, "dcr_overfitting_protection": None}
    from sdmetrics.single_table import DCROverfittingProtection

    rows = min(len(holdout), len(synthetic), 1000)
    narrowed, kept = _paired_only(metadata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        breakdown = DCROverfittingProtection.compute_breakdown(
            _sample(train_real, rows, seed)[kept],
            _sample(synthetic, rows, seed)[kept],
            _sample(holdout, rows, seed)[kept],
            narrowed,
            TABLE,
        )
    share = breakdown["synthetic_data_percentages"]["closer_to_training"]
    return result | {
        "dcr_closer_to_training_share": float(share),
        "dcr_overfitting_protection": float(breakdown["score"]),
    }


def quality_scores(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> dict[str, Any]:
    """SDMetrics quality (overall, properties, per column) and diagnostic of one table.

    Of a table wider than ``fast_quality.PAIR_COLUMNS`` scored columns, Column Pair Trends is
    SDMetrics' on the pairs of that many columns drawn at random (``pair_columns``), Column
    Shapes on every column, and the overall score their mean, as the report's own is."""
    from sdmetrics.reports import DiagnosticReport, QualityReport
    from sdmetrics.reports.single_table._properties import ColumnShapes

    in_pairs, kept = _paired_only(metadata)
    wide = len(kept) < len(metadata["tables"][TABLE]["columns"])
    quality, diagnostic = QualityReport(), DiagnosticReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quality.generate({TABLE: real[kept]}, {TABLE: synthetic[kept]}, in_pairs, verbose=False)
        diagnostic.generate({TABLE: real}, {TABLE: synthetic}, metadata, verbose=False)
        shapes = ColumnShapes()
        every_shape = shapes.get_score(real, synthetic, metadata["tables"][TABLE]) if wide else None
    props = quality.get_properties().set_index("Property")["Score"]
    diag = diagnostic.get_properties().set_index("Property")["Score"]
    details = shapes.details if wide else quality.get_details("Column Shapes")

    def clean(value: Any) -> float | None:
        return None if pd.isna(value) else float(value)

    column_shapes = float(every_shape) if wide else float(props["Column Shapes"])
    pair_trends = clean(props.get("Column Pair Trends"))
    overall = column_shapes if pair_trends is None else (column_shapes + pair_trends) / 2  # as the report's
    return {
        "quality": overall if wide else float(quality.get_score()),
        "column_shapes": column_shapes,
        "column_pair_trends": pair_trends,
        "pair_trends_columns": len(kept) if wide else None,
        "column_scores": {row["Column"]: float(row["Score"]) for _, row in details.iterrows()},
        "diagnostic": {
            "validity": clean(diag.get("Data Validity")),
            "structure": clean(diag.get("Data Structure")),
        },
    }


def _paired_only(metadata: dict) -> tuple[dict, list[str]]:
    """The metadata narrowed to the columns whose pairs are scored (``pair_columns``: all of them
    but of a wide table), and those columns."""
    columns = metadata["tables"][TABLE]["columns"]
    kept = pair_columns(scored_columns(columns))
    if len(kept) == len(scored_columns(columns)):
        return metadata, list(columns)
    return {
        **metadata,
        "tables": {TABLE: {**metadata["tables"][TABLE], "columns": {c: columns[c] for c in kept}}},
    }, kept


def column_plan_of(model_info: dict[str, Any], machine: Any, seed_frame: pd.DataFrame) -> ColumnPlan:
    """The columns as the model was trained on them (models from before roles: the machine's)."""
    if model_info.get("columns"):
        return ColumnPlan.from_dict(model_info["columns"])
    return ColumnPlan.from_seed(seed_frame, machine.roles_for(seed_frame))


def _training_and_holdout(
    real: pd.DataFrame,
    plan: ColumnPlan,
    model_info: dict[str, Any],
    seed_info: dict[str, Any],
    run: dict[str, Any],
    machine_id: str,
    workspace: Workspace,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows the model trained on and the rows it never saw, as they were at training.

    The held-out rows are the model's saved ``holdout.parquet``. When the seed changed since the
    model was trained, the training rows cannot be told apart any more: privacy and utility are
    then left out (with a warning) rather than scored against rows the model may have seen.
    """
    if run.get("model_sha256") != model_info.get("sha256"):
        warnings.warn(
            f"Run {run['run_id']!r} was generated by an earlier model of {machine_id!r} (retrained "
            "since); its privacy and utility are scored against the current model's held-out rows.",
            RuntimeWarning,
            stacklevel=3,
        )
    empty = real.iloc[0:0]
    if model_info.get("seed_sha256") not in (None, seed_info["sha256"]):
        warnings.warn(
            f"The seed data of {machine_id!r} changed after its model was trained: privacy and "
            f"utility are not scored; train again with `synthkit train {machine_id}`.",
            RuntimeWarning,
            stacklevel=3,
        )
        return empty, empty
    strata = list(plan.labels) if model_info.get("columns") else _legacy_strata(plan)
    fraction, split_seed = model_info.get("holdout_fraction", 0.0), model_info.get("holdout_seed", 0)
    train_real, holdout = split_holdout(real, fraction, split_seed, strata)
    saved = saved_holdout(machine_id, workspace.root, list(real.columns), name=model_info.get("name"))
    return train_real, holdout if saved is None else saved


def _legacy_strata(plan: ColumnPlan) -> str | None:
    """Models trained before roles held rows out per ``failure_mode`` (else ``failure``)."""
    return next((c for c in ("failure_mode", "failure") if c in plan.labels), None)


@keeps_warning_filters
def evaluate(
    machine_id: str,
    run_id: str | None = None,
    workspace: str | os.PathLike | None = None,
    max_rows: int = 5000,
    seed: int = 0,
    save: bool = True,
    model: str | None = None,
) -> EvaluationReport:
    """Score a run (the latest when ``run_id`` is None) and save report.json and report.html beside it.

    Privacy and utility are scored against the held-out rows of the model that made the run (its
    name is in the run's manifest), or of ``model`` when given."""
    max_rows = check_int("evaluate", "max_rows", max_rows, 100, 1_000_000)
    ws = Workspace(workspace)
    machine = get_machine(machine_id, ws.root)
    folder, manifest = load_run(machine_id, run_id, ws.root)
    name = resolve_model_name(machine_id, model or manifest.get("model_name"), ws.root)
    model_info = verify_model(machine_id, ws.root, name=name)  # read, not unpickled
    seed_frame, _, seed_info = load_seed(machine_id, ws.root)
    plan = column_plan_of(model_info, machine, seed_frame)
    real = plan.model_table(seed_frame)
    del seed_frame
    train_real, holdout = _training_and_holdout(real, plan, model_info, seed_info, manifest, machine_id, ws)
    columns = [c for c in plan.modelled]
    dates = [c for c in columns if plan.roles[c] == "datetime"]
    paths = [folder / manifest["files"][s] for s in ("train", "val", "test") if manifest["sample_counts"][s]]
    labels = plan.labels
    text = frozenset(c for c in columns if real[c].dtype == object)
    ranged = list(dict.fromkeys([*labels, *(n for numbers in plan.label_ranges.values() for n in numbers)]))
    all_labels = (
        pd.concat([_read_split(p, ranged, dates, machine, text) for p in paths], ignore_index=True)
        if labels
        else None
    )
    synthetic = pd.concat([_read_split(p, columns, dates, machine, text) for p in paths], ignore_index=True)
    synthetic_sample = _sample(synthetic, max_rows, seed)
    real_sample = _sample(real, max_rows, seed)
    del synthetic
    meta = plan.metadata().to_dict()
    categorical = [c for c in columns if plan.roles[c] in ("category", "label")]
    report = EvaluationReport(
        machine_id=machine_id,
        run_id=manifest["run_id"],
        model_kind=model_info["model"],
        model_name=name,
        rows_real=len(real),
        rows_synthetic=int(sum(manifest["sample_counts"].values())),
        **quality_scores(real_sample, synthetic_sample, meta),
        **(
            label_checks(real, all_labels, labels, plan.normals, _outside(plan, all_labels))
            if labels
            else {"label_rates": {}, "failure_rate_ratio": None, "label_contradiction_rate": None}
        ),
        category_tvd=category_tvd(real, synthetic_sample, categorical),
        privacy=privacy(_sample(train_real, max_rows, seed), synthetic_sample, holdout, meta, seed),
        utility=utility(_sample(train_real, max_rows, seed), synthetic_sample, holdout, plan, seed),
        loss_history=list(model_info.get("loss_history", [])),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        real_sample=real_sample,
        synthetic_sample=synthetic_sample,
    )
    if save:
        from synthkit.report_html import write_html

        write_json(folder / REPORT_JSON, report.to_dict())
        write_html(report, folder / REPORT_HTML)
    return report
