"""Small pieces every panel uses: styled widgets, one-line errors, a lock for thread updates."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from synthkit.errors import SynthkitError


def styled(widget: w.Widget, css_class: str) -> w.Widget:
    """Give a widget a stable CSS class (``sk-...``) for tests and styling."""
    widget.add_class(css_class)
    return widget


def error_line(error: BaseException) -> str:
    """One readable line for the panel, never a traceback."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    kind = "" if isinstance(error, SynthkitError) else f"{type(error).__name__}: "
    return f"<span style='color:#b00020'>&#9888; {html.escape(kind + message)}</span>"


def ok_line(text: str) -> str:
    return f"<span style='color:#1b5e20'>{html.escape(text)}</span>"


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding:2px 8px'>{html.escape(str(r.get(c, '')))}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def optional_int(text: str, name: str) -> int | None:
    """A text box that may be blank (None) or hold an int; anything else is a readable error."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number or blank. Got {text!r} instead.") from None


def int_tuple(text: str, name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise ValueError(f"{name} must be whole numbers separated by commas. Got {text!r} instead.") from None


class UiLock:
    """Serialises widget updates coming from the kernel thread and from job threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def run(self, update: Callable[[], None]) -> None:
        with self._lock:
            update()


class MachineJobPanel:
    """What the train and generate panels share: the machine they work on (shown in a title)
    and the background job they observe. Subclasses set ``title`` and create ``machine_label``."""

    title = "{machine_id}"
    machine_label: w.HTML
    job: Any = None

    @property
    def machine_id(self) -> str:
        return self._machine_id

    @machine_id.setter
    def machine_id(self, value: str) -> None:
        self._machine_id = value
        self.machine_label.value = f"<b>{html.escape(self.title.format(machine_id=value))}</b>"

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done
