"""MachinePanel: choose a machine, see its sensors and the state of its seed data and model, make
seed data, register your own machine from an uploaded CSV, Excel, JSON or Parquet file, or replace
a registered machine's data.
Replacing anything asks first and says what will be replaced."""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from synthkit import (
    InvalidDataError,
    MissingArtifactError,
    ProgressEvent,
    describe_file,
    generate_seed_data,
    get_machine,
    get_task_status,
    list_machines,
    preview_roles,
    register_machine,
    submit,
)
from synthkit.store import model_manifest, seed_manifest
from synthkit.table_files import FILE_SUFFIXES
from synthkit.widgets._common import (
    LABEL_STYLE,
    STYLE_SHEET,
    Confirm,
    Form,
    button,
    error_line,
    note_line,
    ok_line,
    problem_list,
    styled,
    table,
)
from synthkit.widgets.roles_editor import RolesEditor
from synthkit.widgets.state import WorkbenchState


class MachinePanel(w.VBox):
    """The machine picker; the machine chosen is the shared state's ``machine_id``."""

    def __init__(
        self,
        workspace: str | os.PathLike | None = None,
        machine_id: str | None = None,
        state: WorkbenchState | None = None,
    ):
        self.state = state or WorkbenchState(workspace)
        self.workspace = self.state.workspace
        self._ui = self.state.ui
        self._listeners: list[Callable[[str], None]] = []
        self.seed_job: Any = None
        self._builtin = True
        self._read_as: list[str] = []  # how the uploaded file is read, in words
        self.machine = styled(
            w.Dropdown(description="machine", style=LABEL_STYLE, layout=w.Layout(width="32em")), "sk-machine"
        )
        self.description = styled(w.HTML(), "sk-description")
        self.sensors = styled(w.HTML(), "sk-sensors")
        self.seed_status = styled(w.HTML(), "sk-seed-status")
        self.model_status = styled(w.HTML(), "sk-model-status")
        self.form = Form(self._validate)
        self.samples = self.form.entry("samples", "samples", "samples", 10_000, "rows", "sk-samples")
        self.seed = self.form.entry("seed", "seed", "seed", None, "blank: random", "sk-seed-value")
        self.seed_button = button("Generate seed data", "sk-seed", icon="database")
        self.seed_progress = styled(w.Label(""), "sk-seed-progress")
        self.seed_problems = styled(w.HTML(""), "sk-seed-problems")
        self.simulate_row = w.VBox(
            [
                self.form.rows["samples"],
                w.HBox([self.form.rows["seed"], self.seed_button, self.seed_progress]),
                self.seed_problems,
            ]
        )
        self.replace_button = button("Replace its data...", "sk-replace-data", icon="upload")
        self.replace_row = w.HBox(
            [
                w.HTML(
                    "Its seed data is the file it was registered with. "
                    "To replace it, choose a new file below,"
                ),
                self.replace_button,
            ]
        )
        self.confirm = Confirm("sk-machine-confirm")
        self.upload = styled(
            w.FileUpload(accept=",".join(FILE_SUFFIXES), multiple=True, description="CSV / Excel / Parquet"),
            "sk-upload",
        )
        self.new_id = styled(
            w.Text(placeholder="my_machine_001", description="new id", style=LABEL_STYLE), "sk-register-id"
        )
        self.new_description = styled(
            w.Text(placeholder="what it is", description="about", style=LABEL_STYLE), "sk-register-about"
        )
        self.register_button = button("Register", "sk-register", icon="upload")
        self.problems = styled(w.HTML(), "sk-problems")
        self.roles = RolesEditor()
        self.roles.on_change(lambda: self.preview())
        self.upload.observe(lambda _: self._new_upload(), names="value")
        self.seed_button.on_click(lambda _: self.make_seed())
        self.replace_button.on_click(lambda _: self.replace_data())
        self.register_button.on_click(lambda _: self.register())
        self.machine.observe(lambda change: self._selected(change["new"]), names="value")
        super().__init__(
            [
                STYLE_SHEET,
                self.machine,
                self.description,
                self.sensors,
                w.HBox([self.seed_status, self.model_status]),
                self.simulate_row,
                self.replace_row,
                self.confirm,
                w.HTML("<b>Bring your own machine</b>"),
                w.HBox([self.upload, self.new_id, self.new_description, self.register_button]),
                self.roles,
                self.problems,
            ]
        )
        self.add_class("sk-machine-panel")
        self.state.observe(lambda change: self._follow(change["new"]), names="machine_id")
        self.state.observe(lambda change: self._task_ended(change["new"]), names="ended")
        self.refresh(machine_id or self.state.machine_id or None)

    @property
    def machine_id(self) -> str:
        return self.machine.value

    def on_select(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def refresh(self, select: str | None = None) -> None:
        """Reload the machine list (built-in and registered) and the selected machine's state."""
        machines = list_machines(self.workspace)
        self.machine.options = [(f"{m.machine_id} ({m.type})", m.machine_id) for m in machines]
        target = select or self.machine.value or machines[0].machine_id
        if self.machine.value != target:
            self.machine.value = target
        else:
            self._selected(target)

    def _follow(self, machine_id: str) -> None:
        """The shared state chose another machine (a panel alone, a notebook cell)."""
        if machine_id and machine_id != self.machine.value:
            self.machine.value = machine_id

    def _selected(self, machine_id: str | None) -> None:
        if not machine_id:
            return
        machine = get_machine(machine_id, self.workspace)
        self.confirm.hide()
        self.description.value = f"<b>{machine.machine_id}</b>: {html.escape(machine.description)}"
        self.sensors.value = table(
            [
                {"sensor": s.name, "unit": s.unit, "typical range": f"{s.low:g} - {s.high:g}"}
                for s in machine.sensors
            ],
            ["sensor", "unit", "typical range"],
        )
        self.simulate_row.layout.display = None if machine.builtin else "none"
        self.replace_row.layout.display = "none" if machine.builtin else None
        self._builtin = machine.builtin
        self.seed_progress.value = ""
        self.show_status()
        self._validate()
        self.state.machine_id = machine_id
        for listener in self._listeners:
            listener(machine_id)

    def show_status(self) -> None:
        """Seed data (rows, created) and model (trained at, epochs, quality) of the machine."""
        machine_id = self.machine.value
        try:
            seed = seed_manifest(machine_id, self.workspace)
            self.seed_status.value = f"seed data: {seed['rows']:,} rows, {seed['created_at']}"
        except MissingArtifactError:
            self.seed_status.value = "seed data: none yet"
        try:
            model = model_manifest(machine_id, self.workspace)
            quality = f", best quality {model['best_quality']:.3f}" if model.get("best_quality") else ""
            self.model_status.value = (
                f" | model: {model['model']}, {model['epochs_run']} epochs, {model['trained_at']}{quality}"
            )
        except MissingArtifactError:
            self.model_status.value = " | model: none yet"

    def _task_ended(self, status: dict[str, Any]) -> None:
        """A task of the machine shown ended (a training, seed data): show its new state."""
        if status.get("machine_id") == self.machine.value:
            self._ui.run(self.show_status)

    def _validate(self) -> None:
        _, problems = self.form.read()
        busy = self.seed_job is not None and not self.seed_job.done
        self.seed_button.disabled = busy or bool(problems) or not self._builtin
        self.seed_problems.value = problem_list(problems)

    # ---- seed data of a built-in machine ----

    def make_seed(self, confirmed: bool = False) -> Any:
        """Generate seed data for the selected machine in the background (the seed button)."""
        values, problems = self.form.read()
        if (self.seed_job is not None and not self.seed_job.done) or problems:
            return None
        machine_id = self.machine.value
        if not confirmed:
            try:
                seed = seed_manifest(machine_id, self.workspace)
            except MissingArtifactError:
                seed = None
            if seed is not None:
                self.confirm.ask(
                    f"This replaces the {seed['rows']:,} rows of seed data of {machine_id} "
                    f"made {seed['created_at']}. A model trained on them stays until you train again.",
                    lambda: self.make_seed(confirmed=True),
                )
                return None
        try:
            job = submit(
                generate_seed_data,
                machine_id,
                values["samples"],
                seed=values.get("seed"),
                workspace=self.workspace,
                sinks=[self._on_seed_event],
            )
        except Exception as error:
            self.seed_progress.value = ""
            self.problems.value = error_line(error)
            return None
        self.seed_job = job
        self.seed_button.disabled = True
        self.problems.value = ""
        threading.Thread(target=self._seed_done, args=(job,), daemon=True).start()
        return job

    def _on_seed_event(self, event: ProgressEvent) -> None:
        self._ui.run(lambda: setattr(self.seed_progress, "value", f"{event.stage}: {event.message}"))

    def _seed_done(self, job: Any) -> None:
        job.wait()

        def update() -> None:
            if job.error is not None:
                self.problems.value = error_line(job.error)
            else:
                self.seed_progress.value = f"done: {job.result().samples_generated:,} rows"
                self.show_status()
            self._validate()

        self._ui.run(update)
        self.state.task_ended(get_task_status(job.task_id, self.workspace))

    # ---- your own machine: register, or replace a registered machine's data ----

    def _uploaded(self) -> bytes | dict[str, bytes] | None:
        """The uploaded file's bytes; several files' bytes by name (a log's daily exports)."""
        files = self.upload.value
        if len(files) > 1:
            return {f["name"]: bytes(f["content"]) for f in files}
        return bytes(files[0]["content"]) if files else None

    def _new_upload(self) -> None:
        self.roles.reset()
        try:
            self._read_as = describe_file(self._uploaded()) if self._uploaded() is not None else []
        except Exception:  # the preview names what is wrong with the file
            self._read_as = []
        self.preview()

    def preview(self) -> None:
        """Show the uploaded table's column roles (with the user's changes) and any problem."""
        content = self._uploaded()
        if content is None:
            return
        try:
            roles, problems = preview_roles(content, self.roles.changed())
        except Exception as error:
            self.roles.show(None)
            self.problems.value = error_line(error)
            return
        self.roles.show(roles)
        read_as = note_line("Read as: " + "; ".join(self._read_as) + ".") if self._read_as else ""
        self.problems.value = read_as + (_problem_list(problems) if problems else "")

    def replace_data(self) -> None:
        """Replace the selected registered machine's data with the uploaded file, after a confirm."""
        machine_id = self.machine.value
        if self._uploaded() is None:
            self.problems.value = note_line(
                f"Choose the new file for {machine_id} with the CSV / Excel button below, "
                "then click Replace again."
            )
            return
        self._ask_replace(machine_id)

    def _ask_replace(self, machine_id: str) -> None:
        try:
            rows = f"its {seed_manifest(machine_id, self.workspace)['rows']:,} rows"
        except MissingArtifactError:
            rows = "its data"
        name = ", ".join(f["name"] for f in self.upload.value)
        self.confirm.ask(
            f"This replaces {rows} of {machine_id} with {name}. "
            "A model trained on the old data stays until you train again.",
            lambda: self.register(machine_id, replace=True),
        )

    def register(self, machine_id: str | None = None, replace: bool = False) -> None:
        """Register the uploaded file as a machine; every problem is listed in the panel. An id
        registered before asks first, then replaces that machine's data."""
        content = self._uploaded()
        if content is None:
            self.problems.value = error_line("Choose a CSV, text log or Excel file to upload first.")
            return
        machine_id = machine_id or self.new_id.value.strip()
        registered = {m.machine_id: m for m in list_machines(self.workspace) if not m.builtin}
        if machine_id in registered and not replace:
            self._ask_replace(machine_id)
            return
        description = self.new_description.value
        if machine_id in registered and not description:
            description = registered[machine_id].description
        try:
            machine = register_machine(
                machine_id,
                content,
                description,
                replace=replace,
                workspace=self.workspace,
                roles=self.roles.changed(),
            )
        except InvalidDataError as error:
            self.problems.value = _problem_list(error.problems)
            return
        except Exception as error:
            self.problems.value = error_line(error)
            return
        self.problems.value = ok_line(
            f"{'replaced the data of' if replace else 'registered'} {machine.machine_id}"
        )
        self.refresh(machine.machine_id)
        if replace:
            self.state.task_ended({"machine_id": machine.machine_id, "kind": "register", "status": "SUCCESS"})


def _problem_list(problems: list[str]) -> str:
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return error_line("The file cannot be used:") + f"<ul>{items}</ul>"
