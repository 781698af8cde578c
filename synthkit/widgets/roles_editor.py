"""RolesEditor: the role of each column of an uploaded table, shown before Register and editable.

One row per column: its name, a role dropdown set to the inferred role, and why it was chosen.
The editor holds no logic: ``synthkit.registration.preview_roles`` infers and checks, and
``changed()`` hands the roles the user picked to ``register_machine``.
"""

from __future__ import annotations

import html

import ipywidgets as w

from synthkit.roles import ROLES, Roles, shown_normal
from synthkit.widgets._common import styled


class RolesEditor(w.VBox):
    """A dropdown per column; ``changed()`` is what the user picked."""

    def __init__(self) -> None:
        self.inferred: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        self.dropdowns: dict[str, w.Dropdown] = {}
        self._listeners: list = []
        super().__init__([])
        self.add_class("sk-roles")

    def on_change(self, listener) -> None:
        """``listener()`` runs after the user changes a role (the panel previews again)."""
        self._listeners.append(listener)

    def reset(self) -> None:
        """Forget the user's roles (a new file was chosen)."""
        self.overrides = {}
        self.show(None)

    def _picked(self, column: str, role: str) -> None:
        self.overrides[column] = role
        for listener in self._listeners:
            listener()

    def show(self, roles: Roles | None) -> None:
        """Show one row per column of ``roles`` (nothing when None)."""
        self.inferred = dict(roles.roles) if roles is not None else {}
        self.dropdowns = {}
        rows = []
        for column, role in self.inferred.items():
            dropdown = styled(w.Dropdown(options=ROLES, value=role, layout=w.Layout(width="9em")), "sk-role")
            dropdown.observe(lambda change, c=column: self._picked(c, change["new"]), names="value")
            self.dropdowns[column] = dropdown
            normal = roles.normals.get(column)
            why = roles.reasons.get(column, "")
            why += f"; no failure = {shown_normal(normal)!r}" if normal else ""
            rows.append(
                w.HBox(
                    [
                        w.HTML(f"<code>{html.escape(column)}</code>", layout=w.Layout(width="16em")),
                        dropdown,
                        w.HTML(f"<small>{html.escape(why)}</small>"),
                    ]
                )
            )
        header = [w.HTML("<b>Column roles</b> (change any before registering)")] if rows else []
        self.children = header + rows

    def changed(self) -> dict[str, str]:
        """The roles the user picked (for the columns of the table shown)."""
        return {c: r for c, r in self.overrides.items() if c in self.dropdowns}
