"""GeneratePanel: split sizes, seed and format; Generate with stage progress; the files made; the
quality verdict; real against synthetic distributions of a chosen column; the report's path."""

from __future__ import annotations

import os
import threading
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go

from synthkit.evaluation import EvaluationReport, evaluate
from synthkit.generation import FORMATS, generate_synthetic_data
from synthkit.jobs import Job, submit
from synthkit.progress import ProgressEvent
from synthkit.report_html import distribution_figure
from synthkit.widgets._common import MachineJobPanel, UiLock, error_line, ok_line, optional_int, styled, table


class GeneratePanel(MachineJobPanel, w.VBox):
    """Generate train/val/test splits from a machine's model and judge them."""

    title = "Generate splits for {machine_id}"

    def __init__(self, machine_id: str = "cnc_machine_001", workspace: str | os.PathLike | None = None):
        self.workspace = workspace
        self.job: Job | None = None
        self.result: Any = None
        self.report: EvaluationReport | None = None
        self._ui = UiLock()
        self.machine_label = styled(w.HTML(), "sk-generate-machine")
        self.train = styled(
            w.BoundedIntText(value=8000, min=0, max=100_000_000, description="train"), "sk-n-train"
        )
        self.val = styled(w.BoundedIntText(value=1000, min=0, max=100_000_000, description="val"), "sk-n-val")
        self.test = styled(
            w.BoundedIntText(value=1000, min=0, max=100_000_000, description="test"), "sk-n-test"
        )
        self.seed = styled(
            w.Text(value="", placeholder="blank: random", description="seed"), "sk-generate-seed"
        )
        self.format = styled(w.Dropdown(options=FORMATS, value="parquet", description="format"), "sk-format")
        self.failure_ratio = styled(
            w.Text(value="", placeholder="blank: as in the data", description="failures"), "sk-failure-ratio"
        )
        self.generate_button = styled(
            w.Button(description="Generate", button_style="primary", icon="play"), "sk-generate"
        )
        self.progress = styled(
            w.FloatProgress(value=0, min=0, max=100, description="progress"), "sk-gen-progress"
        )
        self.stage = styled(w.Label(""), "sk-gen-stage")
        self.status = styled(w.HTML(""), "sk-gen-status")
        self.results = styled(w.HTML(""), "sk-results")
        self.quality = styled(w.HTML(""), "sk-quality")
        self.column = styled(w.Dropdown(options=[], description="column"), "sk-column")
        self.figure = styled(go.FigureWidget(layout=dict(height=300, margin=dict(t=40, b=40))), "sk-distfig")
        self.report_path = styled(w.HTML(""), "sk-report")
        self.generate_button.on_click(lambda _: self.start())
        self.column.observe(lambda change: self.show_column(change["new"]), names="value")
        super().__init__(
            [
                self.machine_label,
                w.HBox(
                    [
                        w.VBox([self.train, self.val, self.test]),
                        w.VBox([self.seed, self.format, self.failure_ratio]),
                    ]
                ),
                self.generate_button,
                w.HBox([self.progress, self.stage]),
                self.status,
                self.results,
                self.quality,
                self.column,
                self.figure,
                self.report_path,
            ]
        )
        self.add_class("sk-generate-panel")
        self.machine_id = machine_id

    def start(self) -> Job | None:
        """Start generating (the Generate button); nothing starts while a job runs."""
        if self.running:
            return None
        try:
            ratio = self.failure_ratio.value.strip()
            job = submit(
                generate_synthetic_data,
                self.machine_id,
                self.train.value,
                self.val.value,
                self.test.value,
                seed=optional_int(self.seed.value, "seed"),
                format=self.format.value,
                report=False,
                failure_ratio=float(ratio) if ratio else None,
                workspace=self.workspace,
                sinks=[self._on_event],
            )
        except Exception as error:
            self.status.value = error_line(error)
            return None
        self.job, self.result, self.report = job, None, None
        self.generate_button.disabled = True
        self.status.value = ok_line(f"generating splits for {self.machine_id}...")
        self.results.value = self.quality.value = self.report_path.value = ""
        threading.Thread(target=self._finish, args=(job,), daemon=True).start()
        return job

    def _on_event(self, event: ProgressEvent) -> None:
        def update() -> None:
            self.progress.value = event.progress
            self.stage.value = f"{event.stage}: {event.message}"

        self._ui.run(update)

    def _finish(self, job: Job) -> None:
        job.wait()
        report = error = None
        if job.error is None:
            self._ui.run(lambda: setattr(self.stage, "value", "evaluating: scoring the synthetic data"))
            try:
                report = evaluate(self.machine_id, job.result().run_id, workspace=self.workspace)
            except Exception as failure:
                error = failure

        def update() -> None:
            self.generate_button.disabled = False
            if job.error is not None or error is not None:
                self.status.value = error_line(job.error or error)
                return
            self.result, self.report = job.result(), report
            result = self.result
            self.progress.value, self.stage.value = 100, "completed"
            self.status.value = ok_line(f"run {result.run_id} in {result.generation_time:.1f} s")
            self.results.value = table(
                [
                    {"split": s, "rows": f"{result.sample_counts[s]:,}", "file": p}
                    for s, p in result.file_paths.items()
                ],
                ["split", "rows", "file"],
            )
            summary = report.summary()
            self.quality.value = table(
                [{"check": k, "value": "-" if v is None else round(v, 4)} for k, v in summary.items()],
                ["check", "value"],
            )
            folder = os.path.dirname(result.file_paths["train"])
            self.report_path.value = f"report: <code>{os.path.join(folder, 'report.html')}</code>"
            columns = list(report.real_sample.columns)
            self.column.options = columns
            self.column.value = columns[0]
            self.show_column(columns[0])

        self._ui.run(update)

    def show_column(self, column: str | None) -> None:
        """Draw real against synthetic distribution of ``column`` of the last run."""
        if not column or self.report is None or self.report.real_sample is None:
            return
        source = distribution_figure(self.report.real_sample[column], self.report.synthetic_sample[column])
        with self.figure.batch_update():
            self.figure.data = []
            for trace in source.data:
                self.figure.add_trace(trace)
            self.figure.layout.barmode = source.layout.barmode
            self.figure.layout.title = f"{column}: real vs synthetic"
