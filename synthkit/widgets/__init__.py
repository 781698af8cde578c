"""Jupyter widgets of the workbench. They hold no logic: they read controls, call the public
service API, and subscribe sinks to its progress events.

    from synthkit.widgets import Workbench
    Workbench()
"""

from synthkit.widgets.compare_panel import ComparePanel
from synthkit.widgets.generate_panel import GeneratePanel
from synthkit.widgets.machine_panel import MachinePanel
from synthkit.widgets.state import WorkbenchState
from synthkit.widgets.train_panel import TrainPanel
from synthkit.widgets.workbench import Workbench

__all__ = ["ComparePanel", "GeneratePanel", "MachinePanel", "TrainPanel", "Workbench", "WorkbenchState"]
