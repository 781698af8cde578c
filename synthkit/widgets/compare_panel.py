"""ComparePanel: a machine's models side by side (``synthkit.compare_models``). Pick models,
Compare, then the leaderboard (every model scored on the same held-out rows) and the label rates,
real vs each model, as bars.

A comparison samples and scores every model chosen, seconds to minutes: it runs in a thread of
its own, Stop ends it before the next model, and a panel switched to another machine meanwhile
drops its result when it comes."""

from __future__ import annotations

import html
import math
import os
import threading
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go

from synthkit import compare_models
from synthkit.compare import compare_path
from synthkit.errors import TaskCancelledError
from synthkit.report_html import REAL
from synthkit.store import list_models
from synthkit.widgets._common import (
    LABEL_STYLE,
    FigureView,
    Form,
    button,
    error_line,
    model_label,
    note_line,
    ok_line,
    problem_list,
    styled,
    table,
)
from synthkit.widgets.results import label_name, style_label_rates
from synthkit.widgets.state import FollowsState, WorkbenchState

ROWS = 2000  # rows each model samples for the comparison, at first (compare_models' default)


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class ComparePanel(FollowsState, w.VBox):
    """Compare the models of one machine: a leaderboard and the label rates of each."""

    def __init__(
        self,
        machine_id: str = "cnc_machine_001",
        workspace: str | os.PathLike | None = None,
        state: WorkbenchState | None = None,
    ):
        self.join_state(state, workspace, machine_id)
        self.active = False
        self._stop: threading.Event | None = None
        self.leaderboard: Any = None  # the comparison shown (a DataFrame), None before one
        self._asked = 0  # counts Compare clicks and machine switches: a result for an older one is dropped
        self.machine_label = styled(w.HTML(), "sk-compare-machine")
        self.models = styled(
            w.SelectMultiple(
                options=[], description="models", rows=5, style=LABEL_STYLE, layout=w.Layout(width="28em")
            ),
            "sk-compare-models",
        )
        self.form = Form(self._validate)
        self.rows = self.form.entry("rows", "compare_rows", "rows each", ROWS, "rows", "sk-compare-rows")
        self.problems = styled(w.HTML(""), "sk-compare-problems")
        self.compare_button = button("Compare", "sk-compare", button_style="primary", icon="play")
        self.stop_button = button("Stop", "sk-compare-stop", icon="stop", disabled=True)
        self.status = styled(w.HTML(""), "sk-compare-status")
        self.table = styled(w.HTML(""), "sk-leaderboard")
        self.figure = go.Figure()
        self.view = FigureView(self.figure, "sk-compare-labelfig")
        self.report_path = styled(w.HTML(""), "sk-compare-report")
        self.models.observe(lambda _: self._buttons(), names="value")
        self.compare_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        super().__init__(
            [
                self.machine_label,
                self.models,
                self.form.rows["rows"],
                self.problems,
                w.HBox([self.compare_button, self.stop_button]),
                self.status,
                self.table,
                self.view.widget,
                self.report_path,
            ]
        )
        self.add_class("sk-compare-panel")
        self.follow_state(machine_id)

    def _validate(self) -> None:
        self.problems.value = problem_list(self.form.read()[1])
        self._buttons()

    def _buttons(self) -> None:
        problems = self.form.read()[1]
        self.compare_button.disabled = self.active or not self.models.value or bool(problems)
        self.stop_button.disabled = not self.active

    # ---- what the panel shows: the machine's models, and the comparison asked for ----

    def show_machine(self, machine_id: str) -> None:
        """Show ``machine_id``'s models, every one chosen, and no comparison."""
        models = list_models(machine_id, self.workspace)
        self._ui.run(lambda: self._show_machine(machine_id, models))

    def _show_machine(self, machine_id: str, models: list[dict[str, Any]]) -> None:
        self._asked += 1
        if self._stop is not None:
            self._stop.set()  # a comparison of the other machine would be dropped: end it early
        self.active = False
        self.machine_label.value = f"<b>Compare the models of {html.escape(machine_id)}</b>"
        self._clear()
        self._show_models(models, chosen=[m["name"] for m in models])
        if not models:
            self.status.value = note_line(
                f"{machine_id} has no trained model yet: train some on the Train tab, then compare here."
            )
        self._buttons()

    def _show_models(self, models: list[dict[str, Any]], chosen: list[str]) -> None:
        self.models.options = [(model_label(m), m["name"]) for m in models]
        self.models.value = tuple(m["name"] for m in models if m["name"] in chosen)

    def _clear(self) -> None:
        self.leaderboard = None
        self.status.value = self.table.value = self.report_path.value = ""
        self._draw_label_rates(None, [])

    # ---- Compare ----

    def start(self) -> threading.Thread | None:
        """Compare the models chosen (the Compare button), in a thread; nothing starts while one runs."""
        names = list(self.models.value)
        values, problems = self.form.read()
        if self.active or not names or problems:
            return None
        machine_id, rows = self.machine_id, values["rows"]
        self._stop = stop = threading.Event()

        asked = 0

        def starting() -> None:
            nonlocal asked
            self._asked = asked = self._asked + 1
            self._clear()
            self.active = True
            self.status.value = ok_line(f"comparing {', '.join(names)} on {rows:,} rows each...")
            self._buttons()

        self._ui.run(starting)
        thread = threading.Thread(
            target=self._run_comparison,
            args=(machine_id, names, rows, asked, stop),
            daemon=True,
            name="compare",
        )
        thread.start()
        return thread

    def stop(self) -> None:
        """End the comparison running before its next model (the Stop button)."""
        if self.active and self._stop is not None:
            self._stop.set()
            self._ui.run(lambda: setattr(self.status, "value", note_line("stopping after this model...")))

    def _run_comparison(
        self, machine_id: str, names: list[str], rows: int, asked: int, stop: threading.Event
    ) -> None:
        try:
            leaderboard = compare_models(
                machine_id, names, rows=rows, workspace=self.workspace, stop_event=stop
            )
            page = compare_path(machine_id, self.workspace)
        except Exception as error:  # one readable line, never a traceback
            stopped = isinstance(error, TaskCancelledError)
            message = note_line("Comparison stopped: nothing was written.") if stopped else error_line(error)

            def failed() -> None:
                if self._asked == asked:
                    self.status.value = message
                    self.active = False
                    self._buttons()

            self._ui.run(failed)
            return

        def show() -> None:
            if self._asked != asked:  # another machine or another comparison by now
                return
            self.leaderboard = leaderboard
            rows = [{c: _shown(v) for c, v in row.items()} for row in leaderboard.to_dict("records")]
            self.table.value = f"<div style='overflow-x:auto'>{table(rows, list(leaderboard.columns))}</div>"
            self._draw_label_rates(leaderboard.attrs.get("label_rates", {}), list(leaderboard["model"]))
            self.report_path.value = f"figures side by side: <code>{html.escape(str(page))}</code>"
            self.status.value = ok_line(
                f"compared {len(leaderboard)} models of {machine_id}, best quality first"
            )
            self.active = False  # last: everything above is drawn
            self._buttons()

        self._ui.run(show)

    def _draw_label_rates(self, rates: dict[str, dict[str, float]] | None, models: list[str]) -> None:
        """Bars of each label's share of rows: real, then each model (None: nothing compared yet)."""
        series = [] if not rates else ["real", *[m for m in models if m in rates]]
        labels = list(rates["real"]) if series else []
        self.figure.data = []
        for name in series:
            self.figure.add_bar(
                x=[label_name(n) for n in labels],
                y=[100 * (rates[name].get(n) or 0.0) for n in labels],
                name=name,
                marker_color=REAL if name == "real" else None,
                hovertemplate=f"%{{x}}<br>{html.escape(name)}: %{{y:.2f}}% of rows<extra></extra>",
            )
        note = (
            "compare models to see their failure rates"
            if rates is None
            else "this machine has no label columns"
            if not series
            else None
        )
        style_label_rates(self.figure, "Failure rates: real vs each model", note)
        self.view.show()

    def _task_ended(self, status: dict[str, Any]) -> None:
        """A training of this machine ended: its model joins the list (and the choice)."""
        models, machine_id = self.models_after_training(status), self.machine_id
        if models is None:
            return

        def update() -> None:
            if machine_id != self.machine_id:
                return
            known = {name for _, name in self.models.options}
            chosen = [*self.models.value, *(m["name"] for m in models if m["name"] not in known)]
            self._show_models(models, chosen)
            if self.leaderboard is not None:
                self.status.value = note_line("A model was trained since: compare again to include it.")
            self._buttons()

        self._ui.run(update)
