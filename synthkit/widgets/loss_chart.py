"""The live loss chart: a Plotly figure fed by training events, redrawn at most twice a second
(always on the last event), quality on a second axis when it is scored."""

from __future__ import annotations

import time
from collections.abc import Iterable

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from synthkit import ProgressEvent
from synthkit.widgets._common import FigureView


class LossChart:
    """A progress sink that keeps every epoch's loss (and quality) and draws them."""

    def __init__(self, min_interval_s: float = 0.5, height: int = 320, css_class: str = "sk-lossfig"):
        figure = make_subplots(specs=[[{"secondary_y": True}]])
        figure.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="loss"), secondary_y=False)
        figure.add_trace(
            go.Scatter(x=[], y=[], mode="lines+markers", name="quality (held-out rows)"), secondary_y=True
        )
        figure.update_layout(
            height=height,
            margin=dict(t=40, b=80, l=60, r=60),
            title=dict(text="Training loss per epoch", x=0, xanchor="left"),
            legend=dict(orientation="h", x=0, xanchor="left", y=-0.3, yanchor="top"),  # under the plot
        )
        figure.update_xaxes(title_text="epoch", tickformat="d")
        figure.update_yaxes(title_text="loss", secondary_y=False)
        figure.update_yaxes(  # its own ticks (0, 0.2, ...), not ones synced to the loss grid
            title_text="quality (0-1)",
            secondary_y=True,
            range=[0, 1],
            tickmode="linear",
            tick0=0,
            dtick=0.2,
            tickformat=".1f",
            showgrid=False,
            visible=False,
        )
        self.figure = figure
        self.view = FigureView(figure, css_class)
        self.min_interval_s = min_interval_s
        self.epochs: list[int] = []
        self.losses: list[float] = []
        self.quality: list[tuple[int, float]] = []
        self._drawn = 0.0
        self.redraws = 0

    @property
    def widget(self):
        return self.view.widget

    def reset(self) -> None:
        self.epochs, self.losses, self.quality = [], [], []
        self._draw()

    def __call__(self, event: ProgressEvent) -> None:
        self.add([event])

    def add(self, events: Iterable[ProgressEvent]) -> None:
        """Take a batch of events (a live one, or a whole log replayed) and draw at most once."""
        final = False
        for event in events:
            final = final or event.is_final
            if event.epoch is None or event.loss is None:
                continue
            if self.epochs and event.epoch <= self.epochs[-1]:
                continue  # already drawn (a log replayed while the live events arrive)
            self.epochs.append(event.epoch)
            self.losses.append(event.loss)
            if event.metadata.get("quality") is not None:
                self.quality.append((event.epoch, event.metadata["quality"]))
        if final or time.monotonic() - self._drawn >= self.min_interval_s:
            self._draw()

    def flush(self) -> None:
        """Draw what was held back by the throttle (a replayed log, the last events)."""
        if len(self.figure.data[0].x or ()) != len(self.epochs):
            self._draw()

    def _draw(self) -> None:
        self._drawn = time.monotonic()
        self.redraws += 1
        figure = self.figure
        figure.data[0].x, figure.data[0].y = list(self.epochs), list(self.losses)
        figure.data[1].x = [e for e, _ in self.quality]
        figure.data[1].y = [q for _, q in self.quality]
        figure.layout.yaxis2.visible = bool(self.quality)
        # whole epochs only: a tick every epoch while there are few, plotly's choice after
        figure.layout.xaxis.dtick = 1 if len(self.epochs) <= 10 else None
        self.view.show()
