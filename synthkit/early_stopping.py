"""Early stopping on quality: score the model on held-out rows while it trains, keep the best.

Every ``eval_every`` epochs ``QualityWatch`` samples from the model being fitted (without moving
the random generators training draws from), scores the rows against held-out seed rows with
SDMetrics' quality score (computed by ``synthkit.fast_quality``: the same number in milliseconds
instead of about 0.2 s), and keeps a copy of the best weights. After ``patience`` scores
without an improvement of more than ``min_delta`` training stops, and the best weights go back
into the model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthkit.column_plan import TABLE
from synthkit.fast_quality import quality_score

if TYPE_CHECKING:
    import pandas as pd

EVAL_ROWS = 2000


@dataclass(frozen=True)
class EarlyStopping:
    enabled: bool = False
    eval_every: int = 10
    patience: int = 3
    min_delta: float = 0.002


def quick_quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    """SDMetrics' overall quality score of ``synthetic`` against ``real``, the fast way."""
    return quality_score(real, synthetic, metadata)


def sdmetrics_quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    """The same score from SDMetrics' ``QualityReport`` itself (what ``quick_quality`` is checked against)."""
    import warnings

    from sdmetrics.reports import QualityReport

    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({TABLE: real}, {TABLE: synthetic}, metadata, verbose=False)
    return float(report.get_score())


class QualityWatch:
    """Scores the model every ``eval_every`` epochs, keeps the best weights, stops when stale."""

    def __init__(
        self,
        synthesizer: Any,
        holdout: pd.DataFrame,
        metadata: dict,
        rule: EarlyStopping,
        epochs: int,
        seed: int,
    ):
        self.synthesizer, self.rule, self.epochs, self.seed = synthesizer, rule, epochs, seed
        self.real = holdout.sample(n=min(EVAL_ROWS, len(holdout)), random_state=seed)
        self.metadata = metadata
        self.best: tuple[float, int] | None = None
        self.best_weights = None
        self.stale = 0
        self.history: list[tuple[int, float]] = []
        self.seconds = 0.0  # spent scoring, so callers can tell the model's time from the checks'

    def due(self, epoch: int) -> bool:
        return epoch % self.rule.eval_every == 0 or epoch == self.epochs

    def score(self, epoch: int) -> float:
        from synthkit import _sdv

        started = time.perf_counter()
        synthetic = _sdv.sample_during_fit(self.synthesizer, len(self.real), self.seed)
        quality = quick_quality(self.real, synthetic, self.metadata)
        self.history.append((epoch, quality))
        if self.best is None or quality > self.best[0] + self.rule.min_delta:
            self.best, self.best_weights, self.stale = (
                (quality, epoch),
                _sdv.model_weights(self.synthesizer),
                0,
            )
        else:
            self.stale += 1
        self.seconds += time.perf_counter() - started
        return quality

    def should_stop(self) -> bool:
        return self.stale >= self.rule.patience

    def restore_best(self) -> None:
        from synthkit import _sdv

        if self.best_weights is not None:
            _sdv.load_model_weights(self.synthesizer, self.best_weights)
