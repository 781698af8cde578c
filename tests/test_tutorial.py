"""The teaching notebooks: jupytext sources in step with their notebooks, run headless, figures out.

The ``.py`` files are what people edit and review; the ``.ipynb`` files are what they open. Both
are committed; a test fails as soon as they drift apart.
"""

from __future__ import annotations

import json

import jupytext
import nbformat
import pytest

from tests.conftest import ROOT, cli

PAIRED = sorted(p for p in (ROOT / "notebooks").glob("*.py") if "jupytext" in p.read_text()[:300])
TINY = {
    "tutorial": {"epochs": 3, "seed_samples": 600},
    "compare": {"epochs": 3, "seed_samples": 600},
}
PLOTLY = "application/vnd.plotly.v1+json"


def _cells(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def test_the_teaching_notebooks_have_jupytext_sources():
    assert {p.stem for p in PAIRED} >= {"tutorial", "compare"}


@pytest.mark.parametrize("source", PAIRED, ids=[p.stem for p in PAIRED])
def test_each_notebook_matches_its_jupytext_source(source):
    from_source = jupytext.read(source)
    committed = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert _cells(committed) == _cells(from_source), (
        f"{source.name} and its notebook differ: run `jupytext --sync {source.relative_to(ROOT)}`"
    )
    tags = [cell.metadata.get("tags", []) for cell in committed.cells]
    assert any("parameters" in t for t in tags)
    assert all(not cell.get("outputs") for cell in committed.cells if cell.cell_type == "code")


@pytest.mark.services
@pytest.mark.parametrize("name", list(TINY))
def test_teaching_notebook_runs_and_shows_its_figures(name, tmp_path):
    args = ["run", str(ROOT / "notebooks" / f"{name}.ipynb"), "--out", str(tmp_path / "out.ipynb"), "--json"]
    args += ["-p", "workspace", str(tmp_path / "ws")]
    for key, value in TINY[name].items():
        args += ["-p", key, str(value)]
    result = cli(*args, workspace=tmp_path / "ws")
    assert result.returncode == 0, result.stderr[-3000:]
    executed = nbformat.read(json.loads(result.stdout)["output_path"], as_version=4)
    figures = [
        o for c in executed.cells if c.cell_type == "code" for o in c.outputs if PLOTLY in o.get("data", {})
    ]
    assert len(figures) >= (7 if name == "tutorial" else 2)
    static = [o for o in figures if "image/png" in o["data"] or "text/html" in o["data"]]
    assert len(static) == len(figures)  # every figure also shows where plotly.js does not run
    tables = [o for c in executed.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert tables
