"""Models side by side: every named model of one machine scored on the same held-out rows.

Each model samples the same number of rows in memory (seeded), and is judged against the real
rows none of the compared models trained on (the rows every one of them held out), so the
leaderboard compares like with like: SDMetrics quality, Column Shapes and Pair Trends, label-rate
ratios, contradictions, privacy (DCR against the model's own training rows), train-on-synthetic /
test-on-real ROC AUC and PR-AUC, fit time, sampling speed and file size. ``compare.html`` puts the
figures side by side.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from synthkit._checks import check_bounded, check_stop_event
from synthkit._warning_filters import keeps_warning_filters
from synthkit.conditions import Conditions, draw
from synthkit.errors import InvalidParameterError, TaskCancelledError
from synthkit.evaluation import column_plan_of, label_checks, privacy, quality_scores, utility
from synthkit.machines import get_machine
from synthkit.store import load_model, load_seed, model_folders, resolve_model_name, split_holdout
from synthkit.workspace import Workspace, write_bytes

COMPARE_HTML = "compare.html"
MIN_COMMON_ROWS = 50


def _held_out(model: Any, real: pd.DataFrame, labels: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model's training rows and held-out rows (as the model saw them)."""
    info = model.manifest
    fraction, split_seed = info.get("holdout_fraction", 0.0), info.get("holdout_seed", 0)
    train, held = split_holdout(real, fraction, split_seed, list(labels))
    saved = model.holdout()
    return train, (held if saved is None else saved[list(real.columns)])


def _common_rows(holdouts: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows held out by every model (none of them trained on these)."""
    common = holdouts[0].drop_duplicates()
    for other in holdouts[1:]:
        common = common.merge(other.drop_duplicates(), how="inner", on=list(common.columns))
    return common


@keeps_warning_filters
def compare_models(
    machine_id: str,
    models: list[str] | None = None,
    rows: int = 2000,
    seed: int = 0,
    workspace: str | os.PathLike | None = None,
    save: bool = True,
    stop_event: Any = None,
) -> pd.DataFrame:
    """One row per model (all of the machine's by default): the leaderboard, best quality first.

    ``leaderboard.attrs["label_rates"]`` holds the share of rows of every failure flag and class,
    ``{"real": {label: share}, model: {label: share}, ...}`` (empty for a machine without labels).

    With ``save`` the table and its figures are written to ``machines/<id>/compare.html``.
    ``stop_event`` set (the workbench's Stop) ends the comparison before the next model with
    ``TaskCancelledError``; nothing is written.
    """
    rows = check_bounded("compare_models", "rows", rows, "compare_rows")
    stop_event = check_stop_event("compare_models", stop_event)
    ws = Workspace(workspace)
    machine = get_machine(machine_id, ws.root)
    wanted = models or list(model_folders(machine_id, ws.root))
    names = list(dict.fromkeys(resolve_model_name(machine_id, n, ws.root) for n in wanted))
    if not names:
        raise InvalidParameterError(f"Machine {machine_id!r} has no models to compare.")
    seed_frame, _, _ = load_seed(machine_id, ws.root)
    loaded = {name: load_model(machine_id, ws.root, name=name) for name in names}
    plan = column_plan_of(next(iter(loaded.values())).manifest, machine, seed_frame)
    real = plan.model_table(seed_frame)
    splits = {name: _held_out(model, real, plan.labels) for name, model in loaded.items()}
    reference = _common_rows([held for _, held in splits.values()])
    if len(reference) < MIN_COMMON_ROWS:
        warnings.warn(
            f"The models of {machine_id!r} hold out different rows ({len(reference)} in common): "
            f"scoring against the held-out rows of {names[0]!r}.",
            RuntimeWarning,
            stacklevel=2,
        )
        reference = splits[names[0]][1]
    meta = plan.metadata().to_dict()
    table = []
    samples = {}
    for name, model in loaded.items():
        _stop_if_asked(stop_event)
        started = time.perf_counter()
        sample = draw(model, rows, Conditions(), seed)[plan.modelled]  # as generation draws them
        seconds = time.perf_counter() - started
        samples[name] = sample
        labels = label_checks(real, sample, plan.labels, plan.normals) if plan.labels else {}
        ratios = [r["ratio"] for r in labels.get("label_rates", {}).values() if r["ratio"] is not None]
        scores = quality_scores(reference, sample, meta)
        train_rows = splits[name][0]
        table.append(
            {
                "model": name,
                "kind": model.kind,
                "quality": round(scores["quality"], 4),
                "column_shapes": round(scores["column_shapes"], 4),
                "column_pair_trends": scores["column_pair_trends"],
                "min_label_rate_ratio": min(ratios, default=None),
                "max_label_rate_ratio": max(ratios, default=None),
                "label_contradiction_rate": labels.get("label_contradiction_rate"),
                **privacy(train_rows, sample, reference, meta, seed),
                **utility(train_rows, sample, reference, plan, seed),
                "fit_s": model.manifest.get("training_time"),
                "rows_per_s": round(rows / seconds) if seconds else None,
                "size_mb": round(model.path.stat().st_size / 2**20, 3),
            }
        )
    leaderboard = pd.DataFrame(table).sort_values("quality", ascending=False).reset_index(drop=True)
    rates = label_rate_table(real, samples, plan) if plan.labels else pd.DataFrame()
    leaderboard.attrs["label_rates"] = {s: rates[s].to_dict() for s in rates.columns}
    _stop_if_asked(stop_event)
    if save:
        page = compare_html(machine.machine_id, leaderboard, real, samples, plan)
        write_bytes(compare_path(machine_id, ws.root), page.encode())
    return leaderboard


def _stop_if_asked(stop_event: Any) -> None:
    if stop_event is not None and stop_event.is_set():
        raise TaskCancelledError("The comparison was stopped: nothing was written.")


def label_rate_table(real: pd.DataFrame, samples: dict[str, pd.DataFrame], plan: Any) -> pd.DataFrame:
    """Share of rows of every failure flag and class: real, then each model."""
    real_rates = label_checks(real, real, plan.labels, plan.normals)["label_rates"]
    table = {"real": {k: r["real"] for k, r in real_rates.items()}}
    for name, sample in samples.items():
        rates = label_checks(real, sample, plan.labels, plan.normals)["label_rates"]
        table[name] = {k: r["synthetic"] for k, r in rates.items()}
    return pd.DataFrame(table)


def compare_html(machine_id: str, leaderboard: pd.DataFrame, real, samples, plan) -> str:
    """A self-contained page: the leaderboard, quality per model, label rates real vs each model."""
    import plotly.graph_objects as go

    quality = go.Figure(go.Bar(x=leaderboard["model"], y=leaderboard["quality"], name="quality"))
    quality.update_layout(title="Quality on the same held-out rows", yaxis_range=[0, 1], height=380)
    parts = [quality.to_html(full_html=False, include_plotlyjs="inline")]
    if plan.labels:
        rates = label_rate_table(real, samples, plan)
        bars = go.Figure([go.Bar(x=rates.index, y=rates[c], name=c) for c in rates.columns])
        bars.update_layout(title="Label rates: real vs each model", barmode="group", height=420)
        parts.append(bars.to_html(full_html=False, include_plotlyjs=False))
    table = leaderboard.to_html(index=False, float_format=lambda v: f"{v:.4g}")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{machine_id}: models side by side"
        f"</title></head><body><h1>{machine_id}: models side by side</h1>{table}"
        f"<div style='display:flex;flex-wrap:wrap'>{''.join(f'<div>{p}</div>' for p in parts)}</div>"
        "</body></html>"
    )


def compare_path(machine_id: str, workspace: str | os.PathLike | None = None) -> Path:
    return Workspace(workspace).machine_dir(machine_id) / COMPARE_HTML
