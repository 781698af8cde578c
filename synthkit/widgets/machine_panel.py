"""MachinePanel: choose a machine, see its sensors and the state of its seed data and model, make
seed data, or register your own machine from an uploaded CSV."""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable

import ipywidgets as w

from synthkit.errors import InvalidDataError, MissingArtifactError
from synthkit.jobs import submit
from synthkit.machines import get_machine, list_machines
from synthkit.modelstore import model_manifest
from synthkit.progress import ProgressEvent
from synthkit.registration import preview_roles, register_machine
from synthkit.seed import generate_seed_data, seed_manifest
from synthkit.widgets._common import UiLock, error_line, ok_line, optional_int, styled, table
from synthkit.widgets.roles_editor import RolesEditor


class MachinePanel(w.VBox):
    """The machine picker; ``on_select(machine_id)`` callbacks hear every change of machine."""

    def __init__(self, workspace: str | os.PathLike | None = None, machine_id: str | None = None):
        self.workspace = workspace
        self._listeners: list[Callable[[str], None]] = []
        self._ui = UiLock()
        self.seed_job = None
        self.machine = styled(w.Dropdown(description="machine"), "sk-machine")
        self.description = styled(w.HTML(), "sk-description")
        self.sensors = styled(w.HTML(), "sk-sensors")
        self.seed_status = styled(w.HTML(), "sk-seed-status")
        self.model_status = styled(w.HTML(), "sk-model-status")
        self.samples = styled(
            w.BoundedIntText(value=10_000, min=100, max=5_000_000, description="samples"), "sk-samples"
        )
        self.seed = styled(w.Text(value="", placeholder="blank: random", description="seed"), "sk-seed-value")
        self.seed_button = styled(w.Button(description="Generate seed data", icon="database"), "sk-seed")
        self.seed_progress = styled(w.Label(""), "sk-seed-progress")
        self.upload = styled(w.FileUpload(accept=".csv", multiple=False, description="CSV"), "sk-upload")
        self.new_id = styled(w.Text(placeholder="my_machine_001", description="new id"), "sk-register-id")
        self.new_description = styled(
            w.Text(placeholder="what it is", description="about"), "sk-register-about"
        )
        self.register_button = styled(w.Button(description="Register", icon="upload"), "sk-register")
        self.problems = styled(w.HTML(), "sk-problems")
        self.roles = RolesEditor()
        self.roles.on_change(lambda: self.preview())
        self.upload.observe(lambda _: self._new_upload(), names="value")
        self.seed_button.on_click(lambda _: self.make_seed())
        self.register_button.on_click(lambda _: self.register())
        self.machine.observe(lambda change: self._selected(change["new"]), names="value")
        super().__init__(
            [
                self.machine,
                self.description,
                self.sensors,
                w.HBox([self.seed_status, self.model_status]),
                w.HBox([self.samples, self.seed, self.seed_button, self.seed_progress]),
                w.HTML("<b>Bring your own machine</b>"),
                w.HBox([self.upload, self.new_id, self.new_description, self.register_button]),
                self.roles,
                self.problems,
            ]
        )
        self.add_class("sk-machine-panel")
        self.refresh(machine_id)

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

    def _selected(self, machine_id: str | None) -> None:
        if not machine_id:
            return
        machine = get_machine(machine_id, self.workspace)
        self.description.value = f"<b>{machine.machine_id}</b>: {html.escape(machine.description)}"
        self.sensors.value = table(
            [
                {"sensor": s.name, "unit": s.unit, "typical range": f"{s.low:g} - {s.high:g}"}
                for s in machine.sensors
            ],
            ["sensor", "unit", "typical range"],
        )
        self.show_status()
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

    def make_seed(self):
        """Generate seed data for the selected machine in the background (the seed button)."""
        if self.seed_job is not None and not self.seed_job.done:
            return None
        try:
            job = submit(
                generate_seed_data,
                self.machine.value,
                self.samples.value,
                seed=optional_int(self.seed.value, "seed"),
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

    def _seed_done(self, job) -> None:
        job.wait()

        def update() -> None:
            self.seed_button.disabled = False
            if job.error is not None:
                self.problems.value = error_line(job.error)
            else:
                self.seed_progress.value = f"done: {job.result().samples_generated:,} rows"
                self.show_status()

        self._ui.run(update)

    def _uploaded(self) -> bytes | None:
        files = self.upload.value
        return bytes(files[0]["content"]) if files else None

    def _new_upload(self) -> None:
        self.roles.reset()
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
        self.problems.value = _problem_list(problems) if problems else ""

    def register(self) -> None:
        """Register the uploaded CSV as a new machine; every problem is listed in the panel."""
        content = self._uploaded()
        if content is None:
            self.problems.value = error_line(ValueError("Choose a CSV file to upload first."))
            return
        try:
            machine = register_machine(
                self.new_id.value.strip(),
                content,
                self.new_description.value,
                workspace=self.workspace,
                roles=self.roles.changed(),
            )
        except InvalidDataError as error:
            self.problems.value = _problem_list(error.problems)
            return
        except Exception as error:
            self.problems.value = error_line(error)
            return
        self.problems.value = ok_line(f"registered {machine.machine_id}")
        self.refresh(machine.machine_id)


def _problem_list(problems: list[str]) -> str:
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return error_line(ValueError("The CSV cannot be used:")) + f"<ul>{items}</ul>"
