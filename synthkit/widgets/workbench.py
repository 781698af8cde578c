"""The Workbench: the machine, training, generation and comparison panels, following one shared
state."""

from __future__ import annotations

import os

import ipywidgets as w

from synthkit.widgets.compare_panel import ComparePanel
from synthkit.widgets.generate_panel import GeneratePanel
from synthkit.widgets.machine_panel import MachinePanel
from synthkit.widgets.state import WorkbenchState
from synthkit.widgets.train_panel import TrainPanel


class Workbench(w.Tab):
    """Pick a machine, train while the loss chart fills in, generate and judge splits, and compare
    the machine's models side by side.

    The panels observe one ``WorkbenchState`` (the machine chosen, the last task that ended), and
    each reattaches to its machine's running or latest task from the workspace: a workbench made
    again (after a page refresh, in another kernel) picks up a training where it is.
    """

    def __init__(self, workspace: str | os.PathLike | None = None, machine_id: str | None = None):
        self.state = WorkbenchState(workspace)
        self.machines = MachinePanel(workspace, machine_id, state=self.state)
        self.train = TrainPanel(self.state.machine_id, workspace, state=self.state)
        self.generate = GeneratePanel(self.state.machine_id, workspace, state=self.state)
        self.compare = ComparePanel(self.state.machine_id, workspace, state=self.state)
        super().__init__(children=[self.machines, self.train, self.generate, self.compare])
        for index, title in enumerate(("1 Machine", "2 Train", "3 Generate", "4 Compare")):
            self.set_title(index, title)
        self.add_class("sk-workbench")
