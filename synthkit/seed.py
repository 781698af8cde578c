"""Seed data for built-in machines: a seeded simulator's table, stored as the machine's seed.

Built-in machines get theirs from a seeded simulator (``synthkit.simulators``); registered
machines bring their own (``synthkit.registration``). Either way the seed folder is written by
``synthkit.store``. ``generate_seed_data`` runs as a task (events, task record) like training.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from typing import Any

from synthkit._checks import check_bounded, check_optional_seed, check_sinks, check_stop_event
from synthkit._warning_filters import keeps_warning_filters
from synthkit.errors import InvalidParameterError, TaskCancelledError
from synthkit.jobs import cancel_signal, check_task_id, run_task
from synthkit.machines import get_machine
from synthkit.simulators import simulate
from synthkit.store import SeedResult, write_seed
from synthkit.workspace import Workspace


@keeps_warning_filters
def generate_seed_data(
    machine_id: str,
    samples: int = 10_000,
    seed: int | None = None,
    workspace: str | os.PathLike | None = None,
    sinks: Iterable[Any] = (),
    stop_event: Any = None,
    task_id: str | None = None,
) -> SeedResult:
    """Simulate ``samples`` rows of a built-in machine's sensor log and store them as its seed data.

    The same seed gives byte-identical files; without one a seed is drawn and recorded in the
    manifest so the table can be made again. Runs as a task (events, task record) like training.
    """
    function = "generate_seed_data"
    machine = get_machine(machine_id, workspace)
    samples = check_bounded(function, "samples", samples)
    seed = check_optional_seed(function, seed)
    sinks = check_sinks(function, sinks)
    stop_event = check_stop_event(function, stop_event)
    task_id = check_task_id(task_id, "seed")
    if not machine.builtin:
        raise InvalidParameterError(
            f"Machine {machine_id!r} was registered with its own data; only built-in machines "
            "are simulated. Register it again to replace its seed data."
        )
    if seed is None:
        seed = secrets.randbelow(2**32)
    ws = Workspace(workspace)
    stop_event = cancel_signal(ws, task_id, stop_event)  # a Stop from any process (synthkit cancel)

    def body(emitter: Any) -> SeedResult:
        emitter.emit("simulating", f"simulating {samples:,} rows", 0, 2)
        frame = simulate(machine, samples, seed)
        if stop_event is not None and stop_event.is_set():
            raise TaskCancelledError("seed generation stopped; the previous seed data is kept")
        emitter.emit("writing", "writing seed.parquet and metadata", 1, 2)
        return write_seed(machine, frame, ws, seed=seed, source="simulator")

    return run_task(
        "seed", machine_id, task_id, {"samples": samples, "seed": seed}, body, sinks, ws, lock=False
    )


generate_seed_data.task_kind = "seed"  # type: ignore[attr-defined]
