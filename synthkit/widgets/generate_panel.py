"""GeneratePanel: the model, split sizes, seed, format and conditions; Generate and Stop with
stage progress; the files made; the run's scores with verdicts; failure rates and a chosen
column, real vs synthetic.

Generation runs as a task the panel observes: built or rebuilt at any moment, the panel shows the
machine's running generation (reattached, Stop works) or its latest run, never another's."""

from __future__ import annotations

import html
import os
import threading
from typing import Any

import ipywidgets as w

from synthkit import (
    GenerateResult,
    ProgressEvent,
    evaluate,
    generate_synthetic_data,
    submit,
)
from synthkit.conditions import parse_condition_texts
from synthkit.generation import FORMATS
from synthkit.jobs import find_task, new_task_id, request_cancel, task_events
from synthkit.machines import get_machine
from synthkit.store import list_models
from synthkit.verdicts import judge
from synthkit.widgets._common import (
    FINAL,
    LABEL_STYLE,
    STYLE_SHEET,
    Form,
    button,
    error_line,
    model_label,
    note_line,
    ok_line,
    problem_list,
    reader,
    styled,
    table,
)
from synthkit.widgets.results import Distribution, LabelRates, verdict_table
from synthkit.widgets.state import FollowsState, TaskWatch, WorkbenchState


def _conditions(text: str) -> dict[str, Any] | None:
    """Conditions typed as the CLI's --condition texts, separated by ';' (blank: none)."""
    return parse_condition_texts(text.split(";")) or None


class GeneratePanel(FollowsState, w.VBox):
    """Generate train/val/test splits from a machine's model and judge them."""

    def __init__(
        self,
        machine_id: str = "cnc_machine_001",
        workspace: str | os.PathLike | None = None,
        state: WorkbenchState | None = None,
    ):
        self.join_state(state, workspace, machine_id)
        self.job: Any = None
        self.task_id: str | None = None
        self.watch: TaskWatch | None = None
        self.active = False
        self.result: GenerateResult | None = None
        self.report: Any = None
        self._has_model = False
        self.machine_label = styled(w.HTML(), "sk-generate-machine")
        self.model = styled(
            w.Dropdown(options=[], description="model", style=LABEL_STYLE, layout=w.Layout(width="28em")),
            "sk-gen-model",
        )
        self.form = Form(self._validate)
        entry = self.form.entry
        self.train = entry("train", "rows", "train", 8000, "rows", "sk-n-train")
        self.val = entry("val", "rows", "validation", 1000, "rows", "sk-n-val")
        self.test = entry("test", "rows", "test", 1000, "rows", "sk-n-test")
        self.seed = entry("seed", "seed", "seed", None, "blank: random", "sk-generate-seed")
        self.failure_ratio = entry(
            "failure_ratio",
            "failure_ratio",
            "failure share",
            None,
            "blank: as in the data",
            "sk-failure-ratio",
        )
        self.conditions = entry(
            "conditions",
            reader(_conditions),
            "conditions",
            "",
            "COL=VALUE, COL=VALUE:SHARE or COL=LOW..HIGH, separated by ';' (blank: none)",
            "sk-conditions",
        )
        self.conditions.layout.width = "34em"
        self.conditions.placeholder = "failure_mode=bearing; load=0.8.."
        self.format = styled(
            w.Dropdown(options=FORMATS, value="parquet", description="file format", style=LABEL_STYLE),
            "sk-format",
        )
        self.problems = styled(w.HTML(""), "sk-generate-problems")
        self.generate_button = button("Generate", "sk-generate", button_style="primary", icon="play")
        self.stop_button = button("Stop", "sk-gen-stop", icon="stop", disabled=True)
        self.progress = styled(
            w.FloatProgress(value=0, min=0, max=100, description="progress"), "sk-gen-progress"
        )
        self.stage = styled(w.Label(""), "sk-gen-stage")
        self.status = styled(w.HTML(""), "sk-gen-status")
        self.results = styled(w.HTML(""), "sk-results")
        self.quality = styled(w.HTML(""), "sk-quality")
        self.label_rates = LabelRates()
        self.distribution = Distribution()
        self.column, self.figure = self.distribution.column, self.distribution.figure
        self.report_path = styled(w.HTML(""), "sk-report")
        self.generate_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        rows = self.form.rows
        super().__init__(
            [
                STYLE_SHEET,
                self.machine_label,
                self.model,
                w.HBox(
                    [
                        w.VBox([rows["train"], rows["val"], rows["test"]]),
                        w.VBox([rows["seed"], rows["failure_ratio"], self.format]),
                    ]
                ),
                rows["conditions"],
                self.problems,
                w.HBox([self.generate_button, self.stop_button]),
                w.HBox([self.progress, self.stage]),
                self.status,
                self.results,
                self.quality,
                self.label_rates.widget,
                self.distribution,
                self.report_path,
            ]
        )
        self.add_class("sk-generate-panel")
        self.follow_state(machine_id)

    def parameters(self) -> tuple[dict[str, Any], list[str]]:
        values, problems = self.form.read()
        return values, problems

    def _validate(self) -> None:
        _, problems = self.form.read()
        self.problems.value = problem_list(problems)
        self._buttons()

    def _buttons(self) -> None:
        _, problems = self.form.read()
        self.generate_button.disabled = self.active or bool(problems) or not self._has_model
        self.stop_button.disabled = not self.active

    # ---- what the panel shows: the machine's running or latest generation ----

    def show_machine(self, machine_id: str) -> None:
        """Show ``machine_id``: its running generation (reattached) or its latest run."""
        self._ui.run(lambda: self._show_machine(machine_id))

    def _show_machine(self, machine_id: str) -> None:
        if self.watch is not None:
            self.watch.stop()
        self.watch, self.task_id, self.active = None, None, False
        self.machine_label.value = f"<b>Generate splits for {html.escape(machine_id)}</b>"
        self._clear()
        self._show_models(list_models(machine_id, self.workspace))
        if not self._has_model:
            self.status.value = note_line(
                f"{machine_id} has no trained model yet: train one on the Train tab, then generate here."
            )
        task = find_task(machine_id, "generate", self.workspace)
        if task is not None:
            self._attach(task)
        self._buttons()

    def _show_models(self, models: list[dict[str, Any]]) -> None:
        """Offer the machine's models, the most recently trained chosen."""
        self.model.options = [(model_label(m), m["name"]) for m in models]
        self.model.value = models[-1]["name"] if models else None
        self._has_model = bool(models)

    def _clear(self) -> None:
        self.result = self.report = None
        self.progress.value, self.stage.value = 0, ""
        self.status.value = self.results.value = self.quality.value = self.report_path.value = ""
        self.label_rates.show(None)
        self.distribution.show(None, None, {})

    def _attach(self, status: dict[str, Any]) -> None:
        task_id = self.task_id = status["task_id"]
        events, offset = task_events(task_id, self.workspace)
        self._show_events(task_id, events)
        if status["status"] in FINAL:
            self._show_end(status, fresh=False)
            return
        self.active = True
        self.status.value = ok_line(f"generating splits for {self.machine_id} (task {task_id})...")
        self.watch = TaskWatch(task_id, self.workspace, self._events, self._ended)
        self.watch.follow_log(offset)

    # ---- Generate and Stop ----

    def start(self) -> Any:
        """Start generating (the Generate button); nothing starts while a generation runs."""
        values, problems = self.parameters()
        if self.active or problems or not self._has_model:
            return None
        machine_id = self.machine_id
        task_id = new_task_id("generate")
        watch = TaskWatch(task_id, self.workspace, self._events, self._ended)

        def starting() -> None:
            if self.watch is not None:
                self.watch.stop()
            self._clear()  # nothing of the last run stays on screen
            self.watch, self.task_id, self.active = watch, task_id, True
            self.status.value = ok_line(f"generating splits for {machine_id}...")
            self._buttons()

        self._ui.run(starting)
        try:
            job = submit(
                generate_synthetic_data,
                machine_id,
                values["train"],
                values["val"],
                values["test"],
                seed=values.get("seed"),
                format=self.format.value,
                report=False,  # the panel scores the run itself, keeping the samples to draw
                failure_ratio=values.get("failure_ratio"),
                model=self.model.value,
                conditions=values.get("conditions"),
                workspace=self.workspace,
                sinks=[watch.push],
                task_id=task_id,
            )
        except Exception as error:  # refused before it began: one readable line, no job
            watch.stop()
            message = error_line(error)

            def refused() -> None:
                self.watch, self.task_id, self.active = None, None, False
                self.status.value = message
                self._buttons()

            self._ui.run(refused)
            return None
        self.job = job
        watch.follow_job(job)
        return job

    def stop(self) -> None:
        """Ask the generation shown to stop at its next chunk, wherever it runs (the Stop button)."""
        if not self.active or self.task_id is None:
            return
        request_cancel(self.task_id, self.workspace)
        if self.job is not None and self.job.task_id == self.task_id:
            self.job.cancel()
        self.status.value = note_line("stopping after this chunk of rows...")

    # ---- events and the end, from the watch's thread ----

    def _events(self, events: list[ProgressEvent]) -> None:
        if events:
            self._ui.run(lambda: self._show_events(events[0].task_id, events))

    def _show_events(self, task_id: str, events: list[ProgressEvent]) -> None:
        if task_id != self.task_id or not events:
            return
        last = events[-1]
        if not last.is_final:
            self.progress.value = last.progress
            self.stage.value = f"{last.stage}: {last.message}"

    def _ended(self, status: dict[str, Any]) -> None:
        self._ui.run(lambda: self._show_end(status, fresh=True))
        self.state.task_ended(status)

    def _show_end(self, status: dict[str, Any], fresh: bool) -> None:
        """Show how the task ended; a finished run is then scored in the background."""
        if status["task_id"] != self.task_id:
            return
        self.active = False
        self._buttons()
        outcome = status["status"]
        if outcome == "CANCELLED":
            self.stage.value = "stopped"
            self.status.value = note_line("Generation stopped: no run was written.")
            return
        if outcome != "SUCCESS" or not status.get("result"):
            self.status.value = error_line(
                f"The generation failed: {status.get('error') or 'no reason recorded'}"
            )
            return
        result = self.result = GenerateResult(**status["result"])
        self.progress.value, self.stage.value = 100, "scoring the synthetic data..."
        rows = sum(result.sample_counts.values())
        self.status.value = ok_line(f"run {result.run_id}: {rows:,} rows in {result.generation_time:.1f} s")
        self.results.value = table(
            [
                {"split": s, "rows": f"{result.sample_counts[s]:,}", "file": p}
                for s, p in result.file_paths.items()
            ],
            ["split", "rows", "file"],
        )
        threading.Thread(target=self._score, args=(result, status["task_id"], fresh), daemon=True).start()

    def _score(self, result: GenerateResult, task_id: str, save: bool) -> None:
        try:
            report = evaluate(result.machine_id, result.run_id, workspace=self.workspace, save=save)
            units = {s.name: s.unit for s in get_machine(result.machine_id, self.workspace).sensors}
        except Exception as error:
            message = error_line(f"The run could not be scored: {error}")

            def failed() -> None:
                if self.task_id == task_id:
                    self.stage.value, self.quality.value = "", message

            self._ui.run(failed)
            return

        def show() -> None:
            if self.task_id != task_id:  # the panel shows another machine or run by now
                return
            self.report = report
            self.quality.value = verdict_table(judge(report.summary()))
            self.label_rates.show(report.label_rates)
            self.distribution.show(report.real_sample, report.synthetic_sample, units)
            page = os.path.join(os.path.dirname(result.file_paths["train"]), "report.html")
            if os.path.isfile(page):
                self.report_path.value = f"full report: <code>{html.escape(page)}</code>"
            self.stage.value = "completed"  # last: everything above is drawn

        self._ui.run(show)

    def _task_ended(self, status: dict[str, Any]) -> None:
        """A training of this machine ended: its model may be new, the run shown from the old one."""
        models, machine_id = self.models_after_training(status), self.machine_id
        if models is None:
            return

        def update() -> None:
            if machine_id != self.machine_id:
                return
            self._show_models(models)  # the new model, chosen
            self._buttons()
            if self.result is not None:
                self.status.value = note_line(
                    f"The run shown ({self.result.run_id}) came from the model before this training: "
                    "generate again to judge the new model."
                )
            elif not self.active:
                self.status.value = ""

        self._ui.run(update)

    def show_column(self, column: str | None) -> None:
        """Draw real against synthetic distribution of ``column`` of the run shown."""
        self.distribution.show_column(column)
