"""The live loss chart: a Plotly FigureWidget fed by training events, redrawn in place at most a
few times a second (always on the last event), quality on a second axis when it is scored."""

from __future__ import annotations

import time

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from synthkit.progress import ProgressEvent


class LossChart:
    """A progress sink that keeps every epoch's loss (and quality) and draws them."""

    def __init__(self, min_interval_s: float = 0.25, height: int = 300):
        figure = make_subplots(specs=[[{"secondary_y": True}]])
        figure.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="loss"), secondary_y=False)
        figure.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="quality"), secondary_y=True)
        figure.update_layout(
            height=height,
            margin=dict(t=30, b=40, l=50, r=50),
            xaxis_title="epoch",
            legend=dict(orientation="h", y=1.12),
            title="Training loss",
        )
        figure.update_yaxes(title_text="loss", secondary_y=False)
        figure.update_yaxes(title_text="quality", secondary_y=True, range=[0, 1], visible=False)
        self.figure = go.FigureWidget(figure)
        self.min_interval_s = min_interval_s
        self.epochs: list[int] = []
        self.losses: list[float] = []
        self.quality: list[tuple[int, float]] = []
        self._drawn = 0.0
        self.redraws = 0

    def reset(self) -> None:
        self.epochs, self.losses, self.quality = [], [], []
        self._draw()

    def __call__(self, event: ProgressEvent) -> None:
        if event.epoch is not None and event.loss is not None:
            self.epochs.append(event.epoch)
            self.losses.append(event.loss)
            if event.metadata.get("quality") is not None:
                self.quality.append((event.epoch, event.metadata["quality"]))
        now = time.monotonic()
        if event.is_final or now - self._drawn >= self.min_interval_s:
            self._draw()

    def _draw(self) -> None:
        self._drawn = time.monotonic()
        self.redraws += 1
        with self.figure.batch_update():
            self.figure.data[0].x, self.figure.data[0].y = list(self.epochs), list(self.losses)
            self.figure.data[1].x = [e for e, _ in self.quality]
            self.figure.data[1].y = [q for _, q in self.quality]
            self.figure.layout.yaxis2.visible = bool(self.quality)
