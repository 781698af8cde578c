"""Figures in executed notebooks: a PNG beside each figure, or plotly.js where no browser starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SHOW = """
import json, plotly.graph_objects as go, plotly.io as pio
from synthkit.renderers import show_everywhere
name = show_everywhere()
bundle = pio.renderers["synthkit_png"].to_mimebundle(go.Figure(go.Bar(y=[1, 2])).to_dict())
print("BUNDLE " + json.dumps({"name": name, "default": pio.renderers.default,
                              "bundle": {k: v[:40] for k, v in bundle.items()}}))
"""


def _show(**env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SHOW],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("BUNDLE "))
    return json.loads(line.removeprefix("BUNDLE "))


@pytest.mark.browser
def test_figures_come_with_a_png_drawn_by_a_headless_browser():
    shown = _show()
    assert shown["name"] == shown["default"] == "plotly_mimetype+synthkit_png"
    assert list(shown["bundle"]) == ["image/png"]
    assert shown["bundle"]["image/png"].startswith("iVBORw0KGgo")  # base64 of the PNG signature


def test_without_a_browser_figures_carry_plotly_js_instead_of_waiting_forever():
    shown = _show(BROWSER_PATH=os.devnull + "-missing")
    assert list(shown["bundle"]) == ["text/html"]
    assert shown["bundle"]["text/html"].startswith("<div")  # drawn by plotly.js, embedded once
