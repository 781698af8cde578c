"""Figures that show everywhere: in JupyterLab, on GitHub, in nbconvert HTML.

Plotly's default notebook output is a JSON mime bundle that only JupyterLab draws. Executed
notebooks (``synthkit run``/``batch``, the tutorial) are read on GitHub and exported to HTML too, so
``show_everywhere()`` adds a static PNG beside the interactive figure (kaleido, with one headless
browser kept for the whole notebook, about 0.2 s a figure) and, where no browser can be started,
plotly.js itself (an HTML page draws it; GitHub does not run scripts).

The browser takes about 3 s to start, a third of a short notebook's overhead, so it starts in the
background: the cells before the first figure run meanwhile, and that figure waits for it.
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

from plotly.io._base_renderers import PngRenderer

RENDERER = "plotly_mimetype+synthkit_png"

_started: threading.Thread | None = None
_kaleido_ready: list[bool] = []  # [True] once a probe figure rendered, [False] if it could not


def show_everywhere(width: int = 900, height: int = 450) -> str:
    """Set plotly's default renderer to interactive + static PNG (or + embedded plotly.js where no
    browser starts); returns the renderer's name. Returns at once; safe to call more than once."""
    global _started
    import plotly.io as pio

    if _started is None:
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # one browser: fine
        _started = threading.Thread(target=_start_kaleido, name="synthkit-kaleido", daemon=True)
        _started.start()
    pio.renderers["synthkit_png"] = _PngOnceReady(width, height)
    pio.renderers.default = RENDERER
    return RENDERER


def _start_kaleido(timeout: float = 60) -> None:
    """One browser for every PNG of this process; records whether it came up.

    Kaleido's server thread dies when its browser cannot start, and a figure sent to it then waits
    forever: so the browser is looked for first, and the first figure is drawn with a deadline.
    """
    try:
        import kaleido
        import plotly.graph_objects as go
        from choreographer.browsers.chromium import Chromium

        browser = os.environ.get("BROWSER_PATH") or Chromium.find_browser(skip_local=False)
        if not browser or not Path(browser).is_file():
            raise FileNotFoundError("no Chrome or Chromium for kaleido")
        kaleido.start_sync_server(silence_warnings=True)
        drawn: list[bytes] = []
        probe = threading.Thread(
            target=lambda: drawn.append(go.Figure().to_image(format="png", width=10, height=10)),
            daemon=True,
        )
        probe.start()
        probe.join(timeout)
        _kaleido_ready.append(bool(drawn))
    except Exception:  # no kaleido, no Chrome/Chromium: fall back to plotly.js in the page
        _kaleido_ready.append(False)


class _PngOnceReady(PngRenderer):
    """A PNG once the background browser is up; plotly.js embedded in the page where it is not."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(width=width, height=height)
        self.plotly_js_shown = False

    def to_mimebundle(self, fig_dict: dict) -> dict:
        if _started is not None:
            _started.join()  # kaleido's server answers one caller at a time, in order
        if _kaleido_ready == [True]:
            return super().to_mimebundle(fig_dict)
        import plotly.io as pio

        fallback = pio.renderers["notebook"]
        if not self.plotly_js_shown:
            fallback.activate()  # plotly.js once, in the output of the first figure's cell
            self.plotly_js_shown = True
        return fallback.to_mimebundle(fig_dict)
