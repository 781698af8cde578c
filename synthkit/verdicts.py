"""Plain-language verdicts on an evaluation report's scores, with the thresholds in one table.

Each score gets a label a newcomer can read, one line saying what it measures, and a verdict:
``good``, ``fair`` or ``warning`` (or ``info`` for a reference figure, ``n/a`` when it was not
scored). The thresholds are documented in the README ("Judging a run"); change them here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GOOD, FAIR, WARNING, INFO, NOT_SCORED = "good", "fair", "warning", "info", "n/a"

QUALITY_GOOD, QUALITY_FAIR = 0.9, 0.8
RATE_RATIO_RANGE = (0.8, 1.25)
TSTR_AUC_WARNING = 0.6
VALIDITY_GOOD = 0.99
CONTRADICTION_WARNING = 0.01
COPY_WARNING = 0.01


@dataclass(frozen=True)
class Verdict:
    key: str  # the score's name in ``EvaluationReport.summary()``
    label: str
    explanation: str
    value: float | None
    level: str
    verdict: str

    @property
    def shown(self) -> str:
        return "-" if self.value is None else f"{self.value:.3f}"


def _quality(value: float) -> tuple[str, str]:
    if value >= QUALITY_GOOD:
        return GOOD, "close to the real data"
    if value >= QUALITY_FAIR:
        return FAIR, "usable; look at the weakest columns below"
    return WARNING, "far from the real data: train longer or with more seed rows"


def _rate_ratio(value: float) -> tuple[str, str]:
    low, high = RATE_RATIO_RANGE
    if value < low:
        return WARNING, f"too few failures ({value:.0%} of the real rate)"
    if value > high:
        return WARNING, f"too many failures ({value:.0%} of the real rate)"
    return GOOD, "failures as frequent as in the real data"


def _tstr(value: float) -> tuple[str, str]:
    if value < TSTR_AUC_WARNING:
        return WARNING, "no better than guessing: train longer before using these rows to train models"
    return GOOD, "a model trained on these rows finds real failures"


def _validity(value: float) -> tuple[str, str]:
    if value >= VALIDITY_GOOD:
        return GOOD, "values stay within the real ranges and categories"
    return WARNING, "some values fall outside the real ranges or categories"


def _at_most(limit: float, good: str, bad: str) -> Callable[[float], tuple[str, str]]:
    return lambda value: (GOOD, good) if value <= limit else (WARNING, bad)


def _reference(value: float) -> tuple[str, str]:
    return INFO, "the same classifier trained on real rows, for comparison"


# key in the report summary -> (label, one-line explanation, judge)
CHECKS: dict[str, tuple[str, str, Callable[[float], tuple[str, str]]]] = {
    "quality": (
        "Overall quality",
        "How closely the synthetic rows match the real ones, column by column and in pairs (0 to 1).",
        _quality,
    ),
    "column_shapes": (
        "Column distributions",
        "How closely each column's distribution matches the real one (0 to 1).",
        _quality,
    ),
    "column_pair_trends": (
        "Relations between columns",
        "How closely correlations between pairs of columns match the real ones (0 to 1).",
        _quality,
    ),
    "diagnostic_validity": (
        "Valid values",
        "Share of values within the real data's ranges and categories (1 is best).",
        _validity,
    ),
    "failure_rate_ratio": (
        "Failure rate, synthetic vs real",
        "Synthetic failure rate divided by the real one (1 is the same rate).",
        _rate_ratio,
    ),
    "label_contradiction_rate": (
        "Contradictory labels",
        "Share of synthetic rows whose labels never occur together in the real data.",
        _at_most(CONTRADICTION_WARNING, "labels agree as in the real data", "labels contradict each other"),
    ),
    "exact_copy_share": (
        "Copied training rows",
        "Share of synthetic rows that are exact copies of a training row (privacy).",
        _at_most(COPY_WARNING, "no more than a few copies", "the model copies training rows"),
    ),
    "roc_auc_synthetic": (
        "Failure classifier trained on synthetic rows",
        "ROC AUC on held-out real rows of a classifier trained on synthetic rows (0.5 is guessing).",
        _tstr,
    ),
    "roc_auc_real": (
        "Failure classifier trained on real rows",
        "ROC AUC of the same classifier trained on real rows: what the synthetic one aims for.",
        _reference,
    ),
}


def judge(summary: dict[str, Any]) -> list[Verdict]:
    """A verdict for each score of ``EvaluationReport.summary()``, in the order of ``CHECKS``."""
    verdicts = []
    for key, (label, explanation, rule) in CHECKS.items():
        value = summary.get(key)
        if value is None:
            level, text = NOT_SCORED, "not scored for this run"
        else:
            level, text = rule(float(value))
        verdicts.append(
            Verdict(key, label, explanation, None if value is None else float(value), level, text)
        )
    return verdicts
