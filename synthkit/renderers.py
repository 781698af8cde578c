"""Figures that show everywhere: in JupyterLab, on GitHub, in nbconvert HTML.

Plotly's default notebook output is a JSON mime bundle that only JupyterLab draws. Executed
notebooks (``synthkit run``/``batch``, the tutorial) are read on GitHub and exported to HTML too, so
``show_everywhere()`` adds a static PNG beside the interactive figure (kaleido, with one headless
browser kept for the whole notebook, about 0.2 s a figure) and, where no browser can be started,
plotly.js itself (an HTML page draws it; GitHub does not run scripts).
"""

from __future__ import annotations

import warnings

_chosen: str | None = None


def show_everywhere(width: int = 900, height: int = 450) -> str:
    """Set plotly's default renderer to interactive + static PNG (or + embedded plotly.js); returns
    the renderer chosen. Safe to call more than once."""
    global _chosen
    import plotly.io as pio

    if _chosen is None:
        _chosen = "plotly_mimetype+png" if _start_kaleido() else "plotly_mimetype+notebook"
    pio.renderers.default = _chosen
    if "png" in _chosen:
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # one browser: fine
        pio.renderers["png"].width, pio.renderers["png"].height = width, height
    return _chosen


def _start_kaleido() -> bool:
    """One browser for every PNG of this process; False when kaleido or a browser is missing."""
    try:
        import kaleido
        import plotly.graph_objects as go

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.start_sync_server(silence_warnings=True)
            go.Figure().to_image(format="png", width=10, height=10)
        return True
    except Exception:  # no kaleido, no Chrome/Chromium: fall back to plotly.js in the page
        return False
