"""Run one notebook headless through papermill, streaming its progress back.

The notebook's own prints come back line by line as it runs; tasks inside it (training,
generation) also print their progress events as marked JSON lines (``SYNTHKIT_EVENTS=stdout``),
which the runner turns back into ``ProgressEvent`` objects. A failing cell does not lose the run:
the executed notebook is saved with the failure marked, and ``result.json`` records the failing
cell and the error.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from synthkit.errors import MissingArtifactError
from synthkit.events import ProgressEvent
from synthkit.sinks import EVENTS_ENV, parse_event_line
from synthkit.workspace import read_json, write_json

RESULT_FILE = "result.json"


@dataclass
class RunResult:
    notebook: str
    output_path: str
    result_path: str
    status: str
    duration_s: float
    result: dict[str, Any] | None = None
    error: str | None = None
    failed_cell: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_value(text: str) -> Any:
    """A ``-p NAME VALUE`` value as papermill's CLI reads it: int, float, bool, None or text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class _LineStream:
    """File-like object for papermill's ``stdout_file``: calls back once per complete line."""

    def __init__(self, on_line: Callable[[str], None]):
        self.on_line = on_line
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self.on_line(line)
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for kernels started inside the block."""
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_notebook(
    notebook: str | os.PathLike,
    parameters: dict[str, Any] | None = None,
    output: str | os.PathLike | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    start_timeout: float = 120,
) -> RunResult:
    """Execute ``notebook`` with ``parameters``; save it to ``output`` and ``result.json`` beside it.

    ``result_path`` is passed to the notebook as a parameter, so a notebook that records its
    result writes it there. Returns a RunResult; a failing cell is a FAILURE result, not an error.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook)
    if not notebook.is_file():
        raise MissingArtifactError(f"Notebook {str(notebook)!r} does not exist.")
    output = Path(output) if output is not None else Path("out") / notebook.stem / "output.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    result_path = output.parent / RESULT_FILE
    result_path.unlink(missing_ok=True)
    parameters = {"result_path": str(result_path.absolute()), **(parameters or {})}

    def route(line: str) -> None:
        event = parse_event_line(line)
        if event is not None:
            if on_event is not None:
                on_event(event)
        elif on_line is not None:
            on_line(line)

    started = time.perf_counter()
    error, failed_cell = None, None
    try:
        with _environment(**{EVENTS_ENV: "stdout"}):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                progress_bar=False,
                log_output=False,
                stdout_file=_LineStream(route),
                start_timeout=start_timeout,
                cwd=str(notebook.parent.absolute()),
                store_widget_state=False,
            )
    except PapermillExecutionError as failure:
        error, failed_cell = f"{failure.ename}: {failure.evalue}", failure.cell_index
    duration = round(time.perf_counter() - started, 2)
    recorded = read_json(result_path) if result_path.is_file() else None
    status = "FAILURE" if error else (recorded or {}).get("status", "SUCCESS")
    summary = {
        **(recorded or {}),
        "status": status,
        "duration_s": duration,
        "error": error,
        "failed_cell": failed_cell,
        "notebook": str(notebook),
        "output_path": str(output),
    }
    write_json(result_path, summary)
    return RunResult(
        str(notebook), str(output), str(result_path), status, duration, summary, error, failed_cell
    )
