"""Imports follow the layers of DESIGN.md, and synthkit's modules import no cycle.

Every module under ``synthkit/`` is read with ``ast``: imports at the top and inside functions
alike (an import that runs later is still a dependency); imports under ``if TYPE_CHECKING:`` are
left out, since they never run. Each module has one layer, and imports only modules of its own
layer or of the layers below:

    front ends    synthkit (the package's __init__: the public API), __main__, cli, widgets/,
                  app (the workbench served by Voila), renderers (figures in executed notebooks)
    workflows     generation, evaluation, report_html, verdicts, batch, runner
    service       _sdv/, training, early_stopping, mode_choice, fast_quality, jobs, seed, watch
    foundations   workspace, machines, roles, column_plan, ids, raw_logs, simulators, registration,
                  table_files, long_tables, store, events, sinks, redis_sink
    base          errors, _checks, _version, _warning_filters

``seed`` (``generate_seed_data``) and ``watch`` are service: the first runs as a task through
``jobs``, the second follows tasks through ``jobs``; simulating and storing seed data are
foundations (``simulators``, ``store``). Nothing but a front end imports the package itself
(``from synthkit import __version__`` would run the whole public API first): shared values live
in a module of their own (``_version``). A new module fails this test until it is given a layer.

Besides the direction: ipywidgets and anywidget are imported by front ends only, plotly by front
ends and ``report_html`` only (the service never draws), and ctgan and rdt by ``_sdv`` only (the
one place that touches their internals).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "synthkit"

LAYERS: dict[str, set[str]] = {
    "base": {"errors", "_checks", "_version", "_warning_filters", "csv_dialect"},
    "foundations": {
        "workspace",
        "machines",
        "roles",
        "column_plan",
        "ids",
        "raw_logs",
        "simulators",
        "registration",
        "table_files",
        "long_tables",
        "store",
        "events",
        "sinks",
        "redis_sink",
    },
    "service": {
        "_sdv",
        "training",
        "early_stopping",
        "mode_choice",
        "fast_quality",
        "jobs",
        "seed",
        "watch",
        "conditions",
    },
    "workflows": {"generation", "evaluation", "compare", "report_html", "verdicts", "batch", "runner"},
    "front ends": {"", "__main__", "cli", "widgets", "app", "renderers"},  # "": the package's __init__
}
ORDER = list(LAYERS)

# third-party packages and the layers (or modules) allowed to import them
ONLY_IN = {
    "ipywidgets": lambda module: layer_of(module) == "front ends",
    "anywidget": lambda module: layer_of(module) == "front ends",
    "plotly": lambda module: (
        layer_of(module) == "front ends" or module in ("synthkit.report_html", "synthkit.compare")
    ),
    "ctgan": lambda module: _top(module) == "_sdv",
    "rdt": lambda module: _top(module) == "_sdv",
}


def _modules() -> dict[str, Path]:
    """Every synthkit module by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("synthkit", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _top(module: str) -> str:
    """The module's name under ``synthkit`` that places it: ``_sdv`` for ``synthkit._sdv.sampler``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(module: str) -> str | None:
    return next((name for name, tops in LAYERS.items() if _top(module) in tops), None)


class _Imports(ast.NodeVisitor):
    """Names a module imports (absolute, dotted), skipping ``if TYPE_CHECKING:`` blocks."""

    def __init__(self, module: str, is_package: bool):
        self.package = module if is_package else module.rpartition(".")[0]
        self.names: list[tuple[str, str | None]] = []  # (module, name imported from it)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.extend((alias.name, None) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parent = self.package.split(".")[: len(self.package.split(".")) - (node.level - 1)]
            base = ".".join([*parent, base] if base else parent)
        self.names.extend((base, alias.name) for alias in node.names)


def imports_of(module: str) -> list[str]:
    """What ``module`` imports: synthkit modules by dotted name, third-party packages by top name.

    ``from synthkit import _sdv`` imports the module ``synthkit._sdv``; ``from synthkit import
    train_tvae`` imports the package ``synthkit`` itself.
    """
    path = MODULES[module]
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    found = []
    for base, name in visitor.names:
        if base == "synthkit" or base.startswith("synthkit."):
            submodule = f"{base}.{name}" if name else None
            found.append(submodule if submodule in MODULES else base)
        elif base and base != "__future__":
            found.append(base.split(".")[0])
    return sorted(set(found))


GRAPH = {module: [m for m in imports_of(module) if m in MODULES and m != module] for module in MODULES}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == [], "add the new module to LAYERS"
    assert not set().union(*LAYERS.values()) - {_top(m) for m in MODULES}, (
        "LAYERS names a module that is gone"
    )


def test_imports_point_down_the_layers():
    upward = [
        f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if ORDER.index(layer_of(target)) > ORDER.index(layer_of(module))
    ]
    assert upward == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles() == []


def test_the_cycle_check_finds_a_cycle(monkeypatch):
    """The check itself: a module of a pair importing each other is reported."""
    monkeypatch.setitem(GRAPH, "synthkit.errors", [*GRAPH["synthkit.errors"], "synthkit._checks"])
    assert ["synthkit._checks", "synthkit.errors"] in _cycles()


@pytest.mark.parametrize("package", sorted(ONLY_IN))
def test_third_party_packages_stay_in_their_layers(package):
    assert [m for m in MODULES if package in imports_of(m) and not ONLY_IN[package](m)] == []


def test_reading_imports_covers_functions_and_skips_type_checking():
    assert "synthkit.evaluation" in imports_of("synthkit.generation")  # inside _generate
    assert "plotly" in imports_of("synthkit.report_html")  # inside functions
    assert "synthkit.evaluation" not in imports_of("synthkit.report_html")  # TYPE_CHECKING only
    assert "synthkit._sdv" in imports_of("synthkit.training")  # `from synthkit import _sdv`
