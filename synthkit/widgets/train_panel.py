"""TrainPanel: model settings, Train and Stop, a progress bar with ETA, the live loss chart, and
a result card. Training runs as a task the panel only observes: built or rebuilt at any moment,
the panel reattaches to the machine's running (or latest) training from the workspace."""

from __future__ import annotations

import html
import os
from datetime import datetime, timezone
from typing import Any

import ipywidgets as w

from synthkit import MissingArtifactError, ProgressEvent, TrainResult, submit, train_model
from synthkit.jobs import find_task, new_task_id, request_cancel, task_events
from synthkit.store import list_models, seed_manifest
from synthkit.training import MODEL_KINDS
from synthkit.widgets._common import (
    FINAL,
    LABEL_STYLE,
    STYLE_SHEET,
    Confirm,
    Form,
    button,
    error_line,
    note_line,
    ok_line,
    problem_list,
    read_name,
    styled,
    table,
)
from synthkit.widgets.loss_chart import LossChart
from synthkit.widgets.state import FollowsState, TaskWatch, WorkbenchState

ETA_AFTER_EPOCHS = 3  # the first epochs carry set-up costs: an ETA from them misleads


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(max(seconds, 0)), 60)
    return f"{minutes}:{seconds:02d}"


def _time(event: ProgressEvent) -> datetime:
    return datetime.fromisoformat(event.timestamp)


class TrainPanel(FollowsState, w.VBox):
    """Train a model for one machine while the loss chart fills in."""

    def __init__(
        self,
        machine_id: str = "cnc_machine_001",
        workspace: str | os.PathLike | None = None,
        state: WorkbenchState | None = None,
    ):
        self.join_state(state, workspace, machine_id)
        self.job: Any = None  # the last job this panel started
        self.task_id: str | None = None  # the task shown (started here or elsewhere)
        self.watch: TaskWatch | None = None
        self.result: TrainResult | None = None
        self.active = False  # the task shown is running
        self._first: ProgressEvent | None = None
        self._epoch_one: ProgressEvent | None = None
        self._last: ProgressEvent | None = None
        self._has_seed = False
        self.machine_label = styled(w.HTML(), "sk-train-machine")
        self.form = Form(self._validate)
        entry = self.form.entry
        self.model = styled(
            w.Dropdown(options=MODEL_KINDS, value="tvae", description="model", style=LABEL_STYLE), "sk-model"
        )
        self.name = entry("name", read_name, "name", None, "blank: the kind", "sk-model-name")
        self.epochs = entry("epochs", "epochs", "epochs", 100, "passes over the data", "sk-epochs")
        self.batch_size = entry(
            "batch_size", "batch_size", "batch size", 500, "rows per step", "sk-batch-size"
        )
        self.seed = entry("seed", "seed", "seed", None, "blank: random", "sk-train-seed")
        self.early_stopping = styled(
            w.Checkbox(value=False, description="stop early when quality stops improving", indent=False),
            "sk-early-stopping",
        )
        self.embedding_dim = entry(
            "embedding_dim", "embedding_dim", "embedding", 128, "dimensions", "sk-embedding"
        )
        self.compress_dims = entry(
            "compress_dims", "sizes", "encoder", "128,128", "layer sizes, e.g. 128,128", "sk-encoder"
        )
        self.decompress_dims = entry(
            "decompress_dims", "sizes", "decoder", "128,128", "layer sizes, e.g. 128,128", "sk-decoder"
        )
        self.l2scale = entry("l2scale", "l2scale", "l2 scale", 1e-5, "weight decay", "sk-l2scale")
        self.loss_factor = entry(
            "loss_factor", "loss_factor", "loss factor", 2.0, "reconstruction weight", "sk-loss-factor"
        )
        self.temperature = entry(
            "temperature", "temperature", "temperature", 1.0, "sampling sharpness", "sk-temperature"
        )
        self.holdout = entry(
            "holdout_fraction",
            "holdout_fraction",
            "holdout",
            0.2,
            "share of seed rows kept out",
            "sk-holdout",
        )
        self.eval_every = entry("eval_every", "eval_every", "eval every", 10, "epochs", "sk-eval-every")
        self.patience = entry("patience", "patience", "patience", 3, "quality checks", "sk-patience")
        rows = self.form.rows
        advanced = styled(
            w.Accordion(
                children=[
                    w.VBox(
                        [
                            rows[key]
                            for key in (
                                "embedding_dim",
                                "compress_dims",
                                "decompress_dims",
                                "l2scale",
                                "loss_factor",
                                "temperature",
                                "holdout_fraction",
                                "eval_every",
                                "patience",
                            )
                        ]
                    )
                ]
            ),
            "sk-advanced",
        )
        advanced.set_title(0, "advanced")
        self.problems = styled(w.HTML(""), "sk-train-problems")
        self.train_button = button("Train", "sk-train", button_style="primary", icon="play")
        self.stop_button = button("Stop", "sk-stop", icon="stop", disabled=True)
        self.confirm = Confirm("sk-train-confirm")
        self.progress = styled(w.IntProgress(value=0, min=0, max=1, description="epoch"), "sk-progress")
        self.progress_label = styled(w.Label(""), "sk-progress-label")
        self.status = styled(w.HTML(""), "sk-status")
        self.result_card = styled(w.HTML(""), "sk-result")
        self.chart = LossChart()
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        super().__init__(
            [
                STYLE_SHEET,
                self.machine_label,
                w.HBox(
                    [
                        w.VBox([self.model, rows["epochs"], rows["batch_size"]]),
                        w.VBox([rows["name"], rows["seed"], self.early_stopping]),
                    ]
                ),
                advanced,
                self.problems,
                w.HBox([self.train_button, self.stop_button]),
                self.confirm,
                w.HBox([self.progress, self.progress_label]),
                self.chart.widget,
                self.status,
                self.result_card,
            ]
        )
        self.add_class("sk-train-panel")
        self.follow_state(machine_id)

    # ---- reading the controls ----

    def parameters(self) -> tuple[dict[str, Any], list[str]]:
        """The controls as train_model arguments, and the problems of the entries that are not."""
        values, problems = self.form.read()
        params: dict[str, Any] = {
            key: values.get(key)
            for key in ("epochs", "batch_size", "seed", "holdout_fraction", "eval_every", "patience")
        }
        params["early_stopping"] = self.early_stopping.value
        params["name"] = values.get("name")
        if self.model.value == "tvae":
            params |= {
                key: values.get(key)
                for key in (
                    "embedding_dim",
                    "compress_dims",
                    "decompress_dims",
                    "l2scale",
                    "loss_factor",
                    "temperature",
                )
            }
        return params, problems

    def _validate(self) -> None:
        _, problems = self.parameters()
        self.problems.value = problem_list(problems)
        self._buttons()

    def _buttons(self) -> None:
        _, problems = self.form.read()
        self.train_button.disabled = self.active or bool(problems) or not self._has_seed
        self.stop_button.disabled = not self.active

    # ---- what the panel shows: the machine's running or latest training ----

    def show_machine(self, machine_id: str) -> None:
        """Show ``machine_id``: its seed state, and its running training (reattached) or latest one."""
        self._ui.run(lambda: self._show_machine(machine_id))

    def _show_machine(self, machine_id: str) -> None:
        if self.watch is not None:
            self.watch.stop()
        self.watch, self.task_id, self.result, self.active = None, None, None, False
        self.machine_label.value = f"<b>Train a model for {html.escape(machine_id)}</b>"
        self.confirm.hide()
        self._clear()
        try:
            seed_manifest(machine_id, self.workspace)
            self._has_seed = True
        except MissingArtifactError:
            self._has_seed = False
            self.status.value = note_line(
                f"{machine_id} has no seed data yet: make it on the Machine tab, then train here."
            )
        task = find_task(machine_id, "train", self.workspace)
        if task is not None:
            self._attach(task)
        self._buttons()

    def _clear(self) -> None:
        self._first = self._epoch_one = self._last = None
        self.chart.reset()
        self.progress.value, self.progress.max = 0, 1
        self.progress_label.value = ""
        self.status.value = self.result_card.value = ""

    def _attach(self, status: dict[str, Any]) -> None:
        """Show a task this panel may not have started: its log so far, then live if it runs."""
        task_id = self.task_id = status["task_id"]
        events, offset = task_events(task_id, self.workspace)
        self._show_events(task_id, events)
        self.chart.flush()  # the whole log so far, drawn at once
        if status["status"] in FINAL:
            self._show_end(status)
            return
        self.active = True
        self.status.value = ok_line(
            f"training {self.machine_id} (task {task_id}, started {self._started_at()})..."
        )
        self.watch = TaskWatch(task_id, self.workspace, self._events, self._ended)
        self.watch.follow_log(offset)

    def _started_at(self) -> str:
        return _time(self._first).astimezone().strftime("%H:%M:%S") if self._first else "earlier"

    # ---- Train and Stop ----

    def start(self, confirmed: bool = False) -> Any:
        """Start training (the Train button); asks first when it would replace a model."""
        params, problems = self.parameters()
        if self.active or problems or not self._has_seed:
            return None
        machine_id = self.machine_id
        if not confirmed:
            model = self._existing_model()
            if model is not None:
                self.confirm.ask(
                    f"{machine_id} already has the model {model['name']} ({model['kind']}, "
                    f"{model['epochs']} epochs, trained {model['trained_at']}). "
                    "A finished training replaces it; a Stop keeps it.",
                    lambda: self.start(confirmed=True),
                    yes="Train and replace",
                )
                return None
        task_id = new_task_id("train")
        watch = TaskWatch(task_id, self.workspace, self._events, self._ended)

        def starting() -> None:
            if self.watch is not None:
                self.watch.stop()
            self._clear()  # nothing of the last run stays on screen
            self.watch, self.task_id, self.result, self.active = watch, task_id, None, True
            self.progress.max = max(1, params["epochs"])
            self.status.value = ok_line(
                f"training {self.model.value}"
                + (f" as {params['name']}" if params["name"] not in (None, self.model.value) else "")
                + f" for {machine_id}..."
            )
            self._buttons()

        self._ui.run(starting)
        try:
            job = submit(
                train_model,
                machine_id,
                self.model.value,
                workspace=self.workspace,
                sinks=[watch.push],
                task_id=task_id,
                **params,
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
        """Ask the task shown to stop at its next epoch, wherever it runs (the Stop button)."""
        if not self.active or self.task_id is None:
            return
        request_cancel(self.task_id, self.workspace)
        if self.job is not None and self.job.task_id == self.task_id:
            self.job.cancel()
        self.status.value = note_line("stopping at the end of this epoch...")

    # ---- events and the end, from the watch's thread ----

    def _events(self, events: list[ProgressEvent]) -> None:
        if events:
            self._ui.run(lambda: self._show_events(events[0].task_id, events))

    def _show_events(self, task_id: str, events: list[ProgressEvent]) -> None:
        if task_id != self.task_id or not events:
            return
        self._first = self._first or events[0]
        epochs = [e for e in events if e.epoch is not None and e.loss is not None]
        if epochs:
            self._epoch_one = self._epoch_one or epochs[0]
            self._last = epochs[-1]
            self.progress.max = max(1, self._last.total)
            self.progress.value = self._last.epoch
            self.progress_label.value = self._progress_text(self._last)
        self.chart.add(events)

    def _progress_text(self, last: ProgressEvent, ended: bool = False) -> str:
        quality = last.metadata.get("quality")
        extra = f", quality {quality:.3f}" if quality is not None else ""
        text = f"epoch {last.epoch}/{last.total}, loss {last.loss:.4f}{extra}"
        if self._first is None:
            return text
        now = _time(last) if ended else datetime.now(timezone.utc)
        text += f", elapsed {_duration((now - _time(self._first)).total_seconds())}"
        one = self._epoch_one
        if not ended and one is not None and last.epoch >= ETA_AFTER_EPOCHS and last.epoch < last.total:
            per_epoch = (_time(last) - _time(one)).total_seconds() / max(1, last.epoch - one.epoch)
            text += f", ETA {_duration(per_epoch * (last.total - last.epoch))}"
        return text

    def _ended(self, status: dict[str, Any]) -> None:
        self._ui.run(lambda: self._show_end(status))
        self.state.task_ended(status)

    def _show_end(self, status: dict[str, Any]) -> None:
        if status["task_id"] != self.task_id:
            return
        self.active = False
        self._buttons()
        if self._last is not None:
            self.progress_label.value = self._progress_text(self._last, ended=True)
        outcome = status["status"]
        if outcome == "SUCCESS" and status.get("result"):
            self.result = result = TrainResult(**status["result"])
            self.status.value = ok_line(
                f"trained {result.name}"
                + (f" ({result.model})" if result.name != result.model else "")
                + f" in {result.training_time:.1f} s"
            )
            self.result_card.value = _result_card(result)
        elif outcome == "CANCELLED":
            self.status.value = note_line(self._stopped_text())
        else:
            self.status.value = error_line(
                f"The training failed: {status.get('error') or 'no reason recorded'}"
            )

    def _stopped_text(self) -> str:
        done = (
            f"after epoch {self._last.epoch} of {self._last.total:,}"
            if self._last
            else "before its first epoch"
        )
        model = self._existing_model()
        kept = (
            f"The model trained before ({model['trained_at']}) is kept." if model else "No model was saved."
        )
        return f"Training stopped {done}. {kept}"

    def _existing_model(self) -> dict[str, Any] | None:
        """The machine's model a training replaces: the one of the name typed (blank: the kind)."""
        name = self.form.read()[0].get("name") or self.model.value
        models = {m["name"]: m for m in list_models(self.machine_id, self.workspace)}
        return models.get(name)

    def _task_ended(self, status: dict[str, Any]) -> None:
        """Another panel's task ended: new seed data makes Train possible."""
        if (
            status.get("machine_id") == self.machine_id
            and status.get("kind") in ("seed", "register")
            and not self.active
        ):
            self._ui.run(lambda: self.show_machine(self.machine_id))


def _result_card(result: TrainResult) -> str:
    best = f"{result.best_epoch} (quality {result.best_quality:.4f})" if result.best_epoch else "-"
    rows = [
        {"field": "model file", "value": result.model_path},
        {"field": "training time", "value": f"{result.training_time:.1f} s"},
        {"field": "final loss", "value": "-" if result.final_loss is None else f"{result.final_loss:.4f}"},
        {"field": "features", "value": result.num_features},
        {"field": "epochs run", "value": result.epochs_run},
        {"field": "best epoch", "value": best},
    ]
    rows += [{"field": "keys", "value": note} for note in result.key_notes]
    return table(rows, ["field", "value"])
