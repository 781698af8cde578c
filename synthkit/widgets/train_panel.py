"""TrainPanel: model settings, Train and Stop, a progress bar with ETA, the live loss chart, and
a result card. Training runs in a background job; the panel only observes it."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import ipywidgets as w

from synthkit.jobs import Job, submit
from synthkit.progress import ProgressEvent
from synthkit.training import MODEL_KINDS, train_model
from synthkit.widgets._common import (
    MachineJobPanel,
    UiLock,
    error_line,
    int_tuple,
    ok_line,
    optional_int,
    styled,
    table,
)
from synthkit.widgets.loss_chart import LossChart


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class TrainPanel(MachineJobPanel, w.VBox):
    """Train a model for one machine while the loss chart fills in."""

    title = "Train a model for {machine_id}"

    def __init__(self, machine_id: str = "cnc_machine_001", workspace: str | os.PathLike | None = None):
        self.workspace = workspace
        self.job: Job | None = None
        self.result: Any = None
        self._ui = UiLock()
        self._started = 0.0
        self.machine_label = styled(w.HTML(), "sk-train-machine")
        self.model = styled(w.Dropdown(options=MODEL_KINDS, value="tvae", description="model"), "sk-model")
        self.epochs = styled(
            w.BoundedIntText(value=100, min=1, max=100_000, description="epochs"), "sk-epochs"
        )
        self.batch_size = styled(
            w.BoundedIntText(value=500, min=1, max=100_000, description="batch size"), "sk-batch-size"
        )
        self.seed = styled(w.Text(value="", placeholder="blank: random", description="seed"), "sk-train-seed")
        self.early_stopping = styled(
            w.Checkbox(value=False, description="early stopping on quality"), "sk-early-stopping"
        )
        self.embedding_dim = w.BoundedIntText(value=128, min=1, max=4096, description="embedding")
        self.compress_dims = w.Text(value="128,128", description="encoder")
        self.decompress_dims = w.Text(value="128,128", description="decoder")
        self.l2scale = w.FloatText(value=1e-5, description="l2scale")
        self.loss_factor = w.FloatText(value=2.0, description="loss factor")
        self.temperature = w.FloatText(value=1.0, description="temperature")
        self.holdout = w.FloatText(value=0.2, description="holdout")
        self.eval_every = w.BoundedIntText(value=10, min=1, max=100_000, description="eval every")
        self.patience = w.BoundedIntText(value=3, min=1, max=1000, description="patience")
        advanced = styled(
            w.Accordion(
                children=[
                    w.VBox(
                        [
                            self.embedding_dim,
                            self.compress_dims,
                            self.decompress_dims,
                            self.l2scale,
                            self.loss_factor,
                            self.temperature,
                            self.holdout,
                            self.eval_every,
                            self.patience,
                        ]
                    )
                ]
            ),
            "sk-advanced",
        )
        advanced.set_title(0, "advanced")
        self.train_button = styled(
            w.Button(description="Train", button_style="primary", icon="play"), "sk-train"
        )
        self.stop_button = styled(w.Button(description="Stop", icon="stop", disabled=True), "sk-stop")
        self.progress = styled(w.IntProgress(value=0, min=0, max=1, description="epoch"), "sk-progress")
        self.progress_label = styled(w.Label(""), "sk-progress-label")
        self.status = styled(w.HTML(""), "sk-status")
        self.result_card = styled(w.HTML(""), "sk-result")
        self.chart = LossChart()
        styled(self.chart.figure, "sk-lossfig")
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        super().__init__(
            [
                self.machine_label,
                w.HBox(
                    [
                        w.VBox([self.model, self.epochs, self.batch_size]),
                        w.VBox([self.seed, self.early_stopping]),
                    ]
                ),
                advanced,
                w.HBox([self.train_button, self.stop_button]),
                w.HBox([self.progress, self.progress_label]),
                self.chart.figure,
                self.status,
                self.result_card,
            ]
        )
        self.add_class("sk-train-panel")
        self.machine_id = machine_id

    def parameters(self) -> dict[str, Any]:
        """The controls as train_model arguments (text fields parsed; errors are ValueErrors)."""
        params: dict[str, Any] = {
            "epochs": self.epochs.value,
            "batch_size": self.batch_size.value,
            "seed": optional_int(self.seed.value, "seed"),
            "holdout_fraction": self.holdout.value,
            "early_stopping": self.early_stopping.value,
            "eval_every": self.eval_every.value,
            "patience": self.patience.value,
        }
        if self.model.value == "tvae":
            params |= {
                "embedding_dim": self.embedding_dim.value,
                "compress_dims": int_tuple(self.compress_dims.value, "encoder"),
                "decompress_dims": int_tuple(self.decompress_dims.value, "decoder"),
                "l2scale": self.l2scale.value,
                "loss_factor": self.loss_factor.value,
                "temperature": self.temperature.value,
            }
        return params

    def start(self) -> Job | None:
        """Start training (the Train button); a second click while a job runs starts nothing."""
        if self.running:
            return None
        try:
            params = self.parameters()
            self.chart.reset()
            self._started = time.monotonic()
            job = submit(
                train_model,
                self.machine_id,
                self.model.value,
                workspace=self.workspace,
                sinks=[self.chart, self._on_event],
                **params,
            )
        except Exception as error:  # bad input: one readable line, no job
            self.status.value = error_line(error)
            return None
        self.job, self.result = job, None
        self.progress.max, self.progress.value = max(1, params["epochs"]), 0
        self.status.value = ok_line(f"training {self.model.value} for {self.machine_id}...")
        self.result_card.value = ""
        self._set_running(True)
        threading.Thread(target=self._finish, args=(job,), daemon=True).start()
        return job

    def stop(self) -> None:
        """Ask the running job to stop at the next epoch boundary (the Stop button)."""
        if self.running:
            self.job.cancel()
            self.status.value = ok_line("stopping at the end of this epoch...")

    def _set_running(self, running: bool) -> None:
        self.train_button.disabled = running
        self.stop_button.disabled = not running

    def _on_event(self, event: ProgressEvent) -> None:
        if event.epoch is None:
            return

        def update() -> None:
            elapsed = time.monotonic() - self._started
            eta = elapsed / event.epoch * (event.total - event.epoch) if event.epoch else 0
            self.progress.value = event.epoch
            quality = event.metadata.get("quality")
            extra = f", quality {quality:.3f}" if quality is not None else ""
            self.progress_label.value = (
                f"epoch {event.epoch}/{event.total}, loss {event.loss:.4f}{extra}, "
                f"elapsed {_duration(elapsed)}, ETA {_duration(eta)}"
            )

        self._ui.run(update)

    def _finish(self, job: Job) -> None:
        job.wait()

        def update() -> None:
            self._set_running(False)
            if job.error is not None:
                self.status.value = error_line(job.error)
                return
            result = self.result = job.result()
            self.status.value = ok_line(f"trained in {result.training_time:.1f} s")
            best = f"{result.best_epoch} (quality {result.best_quality:.4f})" if result.best_epoch else "-"
            rows = [
                {"field": "model path", "value": result.model_path},
                {"field": "training time", "value": f"{result.training_time:.1f} s"},
                {
                    "field": "final loss",
                    "value": "-" if result.final_loss is None else f"{result.final_loss:.4f}",
                },
                {"field": "features", "value": result.num_features},
                {"field": "epochs run", "value": result.epochs_run},
                {"field": "best epoch", "value": best},
            ]
            self.result_card.value = table(rows, ["field", "value"])

        self._ui.run(update)
