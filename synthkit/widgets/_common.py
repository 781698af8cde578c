"""Small pieces every panel uses: styled widgets, one-line messages, typed entries checked against
the service's bounds, a confirm step, and a lock for updates coming from job threads."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from synthkit._checks import BOUNDS, read_field, read_sizes
from synthkit.errors import InvalidParameterError, SynthkitError
from synthkit.workspace import validate_id

FINAL = ("SUCCESS", "FAILURE", "CANCELLED")
LABEL_STYLE = {"description_width": "8.5em"}  # wide enough for every label: none is cut off
ENTRY_WIDTH = "17em"
INVALID_CSS = "sk-invalid"
STYLE_SHEET = w.HTML(
    f"<style>.{INVALID_CSS} input{{border-color:#b00020 !important;background:#fdecea}}"
    ".sk-hint{color:#555;font-size:85%;line-height:28px;white-space:nowrap;margin-left:4px}</style>"
)


def styled(widget: w.Widget, css_class: str) -> w.Widget:
    """Give a widget a stable CSS class (``sk-...``) for tests and styling."""
    widget.add_class(css_class)
    return widget


def message_of(error: BaseException) -> str:
    """An error as one readable line: synthkit's messages in the workbench's words, others with
    their type."""
    if isinstance(error, SynthkitError) and error.in_workbench:
        return error.in_workbench
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return message if isinstance(error, SynthkitError) else f"{type(error).__name__}: {message}"


def error_line(error: BaseException | str) -> str:
    """One readable line for the panel, never a traceback."""
    text = error if isinstance(error, str) else message_of(error)
    return f"<span style='color:#b00020'>&#9888; {html.escape(text)}</span>"


def ok_line(text: str) -> str:
    return f"<span style='color:#1b5e20'>{html.escape(text)}</span>"


def note_line(text: str) -> str:
    """A neutral line: nothing went wrong, but something is worth knowing (a Stop, a next step)."""
    return f"<span style='color:#37474f'>{html.escape(text)}</span>"


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding:2px 8px'>{html.escape(str(r.get(c, '')))}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def model_label(model: dict[str, Any]) -> str:
    """A model as a picker shows it: name (kind, epochs)."""
    epochs = f", {model['epochs']} epochs" if model.get("epochs") else ""
    return f"{model['name']} ({model['kind']}{epochs})"


def button(description: str, css_class: str, **kwargs: Any) -> w.Button:
    """A button sized to its label (the default width cuts longer labels off)."""
    return styled(w.Button(description=description, layout=w.Layout(width="auto"), **kwargs), css_class)


PLOTLY_MIME = "application/vnd.plotly.v1+json"


class FigureView:
    """A plotly figure shown in an ``Output`` widget through JupyterLab's plotly renderer.

    Change ``figure`` in place, then ``show()``: the widget's state is the figure as drawn, so a
    refreshed page (or one more view) draws it again. A plotly ``FigureWidget`` could not do that
    reliably: each one is an anywidget carrying plotly's 5 MB bundle, which the page must load
    within anywidget's 2 s on every page load; under a training's CPU load it did not, and the
    workbench came back blank or "model not found".
    """

    def __init__(self, figure: Any, css_class: str):
        self.figure = figure
        self.widget = styled(w.Output(), css_class)
        self.shows = 0
        self.show()

    def show(self) -> None:
        data = json.loads(self.figure.to_json())
        self.widget.outputs = (
            {
                "output_type": "display_data",
                "data": {PLOTLY_MIME: data, "text/plain": "<plotly figure>"},
                "metadata": {},
            },
        )
        self.shows += 1

    def shown(self) -> dict[str, Any]:
        """The figure as the page was last given it (what a refreshed page draws)."""
        return self.widget.outputs[0]["data"][PLOTLY_MIME]


def _range(field: str) -> str:
    bounds = BOUNDS[field]
    if bounds.kind == "int":
        return f"{int(bounds.low):,}-{int(bounds.high):,}"
    return f"{bounds.low:,g}-{bounds.high:,g}"


Reader = Callable[[str], tuple[Any, str | None]]  # text -> (value, None) or (None, problem)


def read_entry(field: str | Reader, text: str) -> tuple[Any, str | None]:
    """A typed entry read as ``field`` (a key of BOUNDS, "sizes", or a reader of its own)."""
    if callable(field):
        return field(text)
    return read_sizes(text) if field == "sizes" else read_field(field, text)


def reader(parse: Callable[[str], Any]) -> Reader:
    """A reader from a service function that raises ``InvalidParameterError`` on bad text: its
    message becomes the problem, shown after the field's label."""

    def read(text: str) -> tuple[Any, str | None]:
        try:
            return parse(text), None
        except InvalidParameterError as error:
            return None, f"cannot be read: {str(error).rstrip('.')}"

    return read


def read_name(text: str) -> tuple[str | None, str | None]:
    """A name typed for a model (``validate_id``); blank is None (the service's default)."""
    name = text.strip()
    if not name:
        return None, None
    try:
        return validate_id(name, "name"), None
    except InvalidParameterError:
        return None, f"must be 1-64 lowercase letters, digits, '_' or '-', or blank (got {name!r})"


class Form:
    """Typed entries read with the service's bounds (``synthkit._checks``), never clamped.

    Each entry is a plain text box, so what was typed stays as typed; ``read()`` returns the
    values and the problems, each naming the field by its label. Invalid boxes are marked. A field
    the bounds do not cover (a name, conditions) is read by a ``Reader`` of its own.
    """

    def __init__(self, on_change: Callable[[], None]):
        self._on_change = on_change
        self.entries: dict[str, tuple[w.Text, str | Reader, str]] = {}
        self.rows: dict[str, w.HBox] = {}

    def entry(
        self, key: str, field: str | Reader, label: str, value: Any, unit: str, css_class: str
    ) -> w.Text:
        """A text box for ``field`` (a key of BOUNDS, "sizes" or a ``Reader``), with its unit and
        range beside it."""
        text = styled(
            w.Text(
                value="" if value is None else str(value),
                description=label,
                style=LABEL_STYLE,
                layout=w.Layout(width=ENTRY_WIDTH),
            ),
            css_class,
        )
        text.observe(lambda _: self._on_change(), names="value")
        bounds = None if callable(field) or field == "sizes" else BOUNDS[field]
        show_range = bounds is not None and not bounds.optional  # "blank: random" says enough
        hint = f"{unit} ({_range(field)})" if show_range else unit
        self.entries[key] = (text, field, label)
        self.rows[key] = w.HBox([text, styled(w.HTML(html.escape(hint)), "sk-hint")])
        return text

    def read(self) -> tuple[dict[str, Any], list[str]]:
        """The values by key, and one problem per invalid entry ("Epochs must be ...")."""
        values, problems = {}, []
        for key, (text, field, label) in self.entries.items():
            value, problem = read_entry(field, text.value)
            if problem:
                problems.append(f"{label[:1].upper()}{label[1:]} {problem}.")
                text.add_class(INVALID_CSS)
            else:
                values[key] = value
                text.remove_class(INVALID_CSS)
        return values, problems


def problem_list(problems: list[str]) -> str:
    return "<br>".join(error_line(p) for p in problems)


class Confirm(w.HBox):
    """A question with a Yes and a Cancel button, hidden until ``ask``; Yes runs the action."""

    def __init__(self, css_class: str):
        self.question = w.HTML()
        self.yes = button("Replace", f"{css_class}-yes", button_style="warning")
        self.no = button("Cancel", f"{css_class}-no")
        self._action: Callable[[], Any] | None = None
        self.yes.on_click(lambda _: self._answer(True))
        self.no.on_click(lambda _: self._answer(False))
        super().__init__([self.question, self.yes, self.no], layout=w.Layout(display="none"))
        self.add_class(css_class)

    @property
    def pending(self) -> bool:
        return self._action is not None

    def ask(self, question: str, action: Callable[[], Any], yes: str = "Replace") -> None:
        self.question.value = f"<b>{html.escape(question)}</b>"
        self.yes.description = yes
        self._action = action
        self.layout.display = "flex"

    def hide(self) -> None:
        self._action = None
        self.layout.display = "none"

    def _answer(self, yes: bool) -> None:
        action = self._action
        self.hide()
        if yes and action is not None:
            action()


class UiLock:
    """Serialises widget updates coming from the kernel thread and from job threads.

    Hold it only to change widgets, never while calling the service: a task's first event is
    delivered in the task's thread while the caller waits for it to start.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def run(self, update: Callable[[], None]) -> None:
        with self._lock:
            update()
