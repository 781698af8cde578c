"""Plotly figures of an evaluation report, and the one self-contained ``report.html``."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import pandas as pd

from synthkit.workspace import atomic_path

if TYPE_CHECKING:
    from synthkit.evaluation import EvaluationReport

REAL, SYNTHETIC = "#1f77b4", "#ff7f0e"


def distribution_figure(real: pd.Series, synthetic: pd.Series, title: str | None = None) -> Any:
    """Real against synthetic distribution of one column: histograms or category shares."""
    import plotly.graph_objects as go

    figure = go.Figure()
    if pd.api.types.is_numeric_dtype(real) and real.nunique() > 10:
        for name, values, color in (("real", real, REAL), ("synthetic", synthetic, SYNTHETIC)):
            figure.add_histogram(
                x=values,
                name=name,
                histnorm="probability density",
                opacity=0.6,
                marker_color=color,
                nbinsx=40,
            )
        figure.update_layout(barmode="overlay")
    else:
        shares = pd.DataFrame(
            {
                "real": real.astype(str).value_counts(normalize=True),
                "synthetic": synthetic.astype(str).value_counts(normalize=True),
            }
        ).fillna(0)
        for name, color in (("real", REAL), ("synthetic", SYNTHETIC)):
            figure.add_bar(x=shares.index, y=shares[name], name=name, marker_color=color)
        figure.update_layout(barmode="group", yaxis_title="share of rows")
    figure.update_layout(title=title or str(real.name), height=320, margin=dict(t=40, b=30, l=40, r=10))
    return figure


def correlation_difference_figure(real: pd.DataFrame, synthetic: pd.DataFrame) -> Any:
    """Heatmap of synthetic minus real Pearson correlation between numeric columns."""
    import plotly.graph_objects as go

    numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c]) and real[c].nunique() > 2]
    difference = synthetic[numeric].astype(float).corr() - real[numeric].astype(float).corr()
    figure = go.Figure(
        go.Heatmap(
            z=difference.values, x=numeric, y=numeric, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True
        )
    )
    figure.update_layout(title="Correlation difference (synthetic - real)", height=420)
    return figure


def loss_figure(losses: list[float]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=list(range(1, len(losses) + 1)), y=losses, mode="lines+markers"))
    figure.update_layout(title="Training loss per epoch", xaxis_title="epoch", yaxis_title="loss", height=320)
    return figure


def build_figures(report: EvaluationReport) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    real, synthetic = report.real_sample, report.synthetic_sample
    if real is not None and synthetic is not None:
        for column in real.columns:
            figures[f"distribution:{column}"] = distribution_figure(real[column], synthetic[column])
        figures["correlation_difference"] = correlation_difference_figure(real, synthetic)
    if report.loss_history:
        figures["loss"] = loss_figure(report.loss_history)
    return figures


def _table(rows: list[tuple[str, Any]]) -> str:
    def fmt(value: Any) -> str:
        return (
            "-" if value is None else f"{value:.4f}" if isinstance(value, float) else html.escape(str(value))
        )

    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{fmt(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def write_html(report: EvaluationReport, path: str | os.PathLike) -> None:
    """One self-contained HTML file (plotly.js inlined once) with the summary and every figure."""
    import plotly.io as pio

    labels = [(name, rates["ratio"]) for name, rates in report.label_rates.items()]
    parts = [
        f"<h1>synthkit report: {html.escape(report.machine_id)} / {html.escape(report.run_id)}</h1>",
        f"<p>{report.rows_synthetic:,} synthetic rows from a {html.escape(report.model_kind)} model, "
        f"scored against {report.rows_real:,} real rows on {report.created_at}.</p>",
        "<h2>Summary</h2>",
        _table(list(report.summary().items())),
        *(
            [
                f"<p>A wide table: column_pair_trends scores the pairs of {report.pair_trends_columns} of "
                f"its {len(report.column_scores)} columns, drawn at random (the same ones every time).</p>"
            ]
            if report.pair_trends_columns
            else []
        ),
        "<h2>Label rates (synthetic / real)</h2>",
        _table(labels),
        "<h2>Category total-variation distance</h2>",
        _table(list(report.category_tvd.items())),
        "<h2>Privacy</h2>",
        _table(list(report.privacy.items())),
        "<h2>Per-column scores</h2>",
        _table(list(report.column_scores.items())),
    ]
    first = True
    for name, figure in build_figures(report).items():
        parts.append(
            pio.to_html(
                figure,
                full_html=False,
                include_plotlyjs="inline" if first else False,
                div_id=name.replace(":", "-"),
            )
        )
        first = False
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}"
    )
    document = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>synthkit report</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(document, encoding="utf-8")
