"""The Workbench: the machine, training and generation panels, sharing the selected machine."""

from __future__ import annotations

import os

import ipywidgets as w

from synthkit.widgets.generate_panel import GeneratePanel
from synthkit.widgets.machine_panel import MachinePanel
from synthkit.widgets.train_panel import TrainPanel


class Workbench(w.Tab):
    """Pick a machine, train while the loss chart fills in, then generate and judge splits."""

    def __init__(self, workspace: str | os.PathLike | None = None, machine_id: str | None = None):
        self.machines = MachinePanel(workspace)
        self.train = TrainPanel(self.machines.machine_id, workspace)
        self.generate = GeneratePanel(self.machines.machine_id, workspace)
        self.machines.on_select(self._select)
        super().__init__(children=[self.machines, self.train, self.generate])
        for index, title in enumerate(("1 Machine", "2 Train", "3 Generate")):
            self.set_title(index, title)
        self.add_class("sk-workbench")
        if machine_id is not None:
            self.machines.refresh(machine_id)

    def _select(self, machine_id: str) -> None:
        self.train.machine_id = machine_id
        self.generate.machine_id = machine_id
