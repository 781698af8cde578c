"""How the Generate panel shows a run's report: each score with a plain label, what it measures
and a verdict (``synthkit.verdicts``), the label rates real vs synthetic, and the distribution of
one column, its axes rebuilt for the column's kind."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go

from synthkit.report_html import REAL, SYNTHETIC, distribution_figure
from synthkit.verdicts import FAIR, GOOD, WARNING, Verdict
from synthkit.widgets._common import LABEL_STYLE, FigureView, styled

BADGES = {
    GOOD: ("#1b5e20", "&#10003; good"),
    FAIR: ("#8d6e00", "~ fair"),
    WARNING: ("#b00020", "&#9888; warning"),
}


def verdict_table(verdicts: list[Verdict]) -> str:
    """One row per score: label (its explanation on hover), value, verdict, what it means."""
    rows = []
    for v in verdicts:
        color, badge = BADGES.get(v.level, ("#555", html.escape(v.level)))
        rows.append(
            f"<tr class='sk-verdict sk-verdict-{html.escape(v.level)}'>"
            f"<td style='padding:2px 8px' title='{html.escape(v.explanation)}'>{html.escape(v.label)}</td>"
            f"<td style='padding:2px 8px;text-align:right'>{html.escape(v.shown)}</td>"
            f"<td style='padding:2px 8px;color:{color};white-space:nowrap'><b>{badge}</b></td>"
            f"<td style='padding:2px 8px'>{html.escape(v.verdict)}"
            f"<br><small style='color:#555'>{html.escape(v.explanation)}</small></td></tr>"
        )
    head = "".join(
        f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in ("check", "value", "verdict", "")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def label_name(name: str) -> str:
    return name.replace("=", ": ")


def style_label_rates(figure: go.Figure, title: str, note: str | None) -> None:
    """The layout of a failure-rate bar chart; ``note`` is shown instead of bars when there are none."""
    figure.update_layout(
        height=300,
        margin=dict(t=40, b=80, l=60, r=10),
        barmode="group",
        title=dict(text=title, x=0, xanchor="left"),
        xaxis=dict(type="category", title=dict(text="label or failure mode"), automargin=True),
        yaxis=dict(title=dict(text="% of rows"), rangemode="tozero", autorange=True),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
    )
    # assigned, not updated: update_layout(annotations=[]) keeps the old note over new bars
    figure.layout.annotations = (
        [] if note is None else [dict(text=note, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)]
    )


class LabelRates:
    """Bars of each label's rate, real vs synthetic: always on the panel, filled for each run."""

    def __init__(self) -> None:
        self.figure = go.Figure()
        self.view = FigureView(self.figure, "sk-labelfig")
        self.widget = self.view.widget
        self.show(None)

    def show(self, label_rates: dict[str, dict[str, Any]] | None) -> None:
        names = list(label_rates or {})
        note = (
            "generate splits to compare failure rates"
            if label_rates is None
            else "this machine has no label columns"
            if not names
            else None
        )
        self.figure.data = []
        for series, color in (("real", REAL), ("synthetic", SYNTHETIC)):
            self.figure.add_bar(
                x=[label_name(n) for n in names],
                y=[100 * (label_rates[n][series] or 0.0) for n in names],
                name=series,
                marker_color=color,
                customdata=[label_rates[n]["ratio"] for n in names],
                hovertemplate=f"%{{x}}<br>{series}: %{{y:.2f}}% of rows"
                + ("<br>synthetic / real: %{customdata:.2f}<extra></extra>" if series == "synthetic" else ""),
            )
        style_label_rates(self.figure, "Failure rates: real vs synthetic", note)
        self.view.show()


class Distribution(w.VBox):
    """A column picker and the real vs synthetic distribution of the chosen column."""

    def __init__(self) -> None:
        self.real = self.synthetic = None
        self.units: dict[str, str] = {}
        self.column = styled(
            w.Dropdown(options=[], description="column", style=LABEL_STYLE, layout=w.Layout(width="28em")),
            "sk-column",
        )
        self.figure = go.Figure(layout=dict(height=320, margin=dict(t=40, b=60, l=60, r=10)))
        self.view = FigureView(self.figure, "sk-distfig")
        self.column.observe(lambda change: self.show_column(change["new"]), names="value")
        super().__init__([self.column, self.view.widget])

    def show(self, real: Any, synthetic: Any, units: dict[str, str]) -> None:
        """Offer the columns of a run's samples (None: nothing to show) and draw the first."""
        self.real, self.synthetic, self.units = real, synthetic, units
        columns = [] if real is None else list(real.columns)
        self.column.options = columns
        if columns:
            self.column.value = columns[0]
            self.show_column(columns[0])
        else:
            self.figure.data = []
            self.figure.layout.title = None
            self.view.show()

    def show_column(self, column: str | None) -> None:
        """Draw ``column``, with the axes rebuilt for its kind: a numeric column is a histogram on a
        linear axis, a categorical one bars on a category axis; ranges start afresh each time."""
        if not column or self.real is None or column not in self.real.columns:
            return
        source = distribution_figure(self.real[column], self.synthetic[column])
        numeric = bool(source.data) and source.data[0].type == "histogram"
        unit = self.units.get(column)
        self.figure.data = []
        for trace in source.data:
            self.figure.add_trace(trace)
        self.figure.update_layout(
            title=dict(text=f"{column}: real vs synthetic", x=0, xanchor="left"),
            barmode=source.layout.barmode,
            legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
            xaxis=dict(
                type="linear" if numeric else "category",
                autorange=True,
                range=None,
                title=dict(text=f"{column} ({unit})" if unit else column),
            ),
            yaxis=dict(
                type="linear",
                autorange=True,
                range=None,
                title=dict(text="density" if numeric else "share of rows"),
            ),
        )
        self.view.show()
