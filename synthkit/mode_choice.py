"""How a trained TVAE draws the mixture mode of each numeric column, chosen per model.

A numeric column reaches the TVAE as a value and a mode (one of up to 10 Gaussian components).
Drawing the mode from the decoder's softmax keeps each column's shape; but the draws are
independent per column, and on a wide table they blur the relations between columns. Measured on
one trained model of a 150-column log (``bench_realdata``): softmax modes gave column shapes 0.941
and pair trends 0.751, the most likely mode (argmax) 0.904 and 0.897. On the built-in machines
the softmax wins. So the choice is made per model, at the end of training, by the quality of
rows drawn each way against the held-out rows (the same fast scorer as early stopping, the same
noise draws for every candidate, so the comparison is paired).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from synthkit.early_stopping import EVAL_ROWS, quick_quality

MODE_TEMPERATURES = (1.0, 0.5, 0.0)  # softmax as learned, sharper, argmax
PREFER_SOFTMAX_BY = 0.003  # another choice must beat the softmax by this much (scoring noise)
MIN_HOLDOUT_ROWS = 50


def choose_mode_temperature(
    synthesizer: Any, holdout: pd.DataFrame, metadata: dict, seed: int
) -> tuple[float | None, dict[float, float]]:
    """Set the model's ``mode_temperature`` to the candidate that scores best on held-out rows.

    Returns the choice and every candidate's score; (None, {}) for models without mixture modes
    to choose (not a synthkit TVAE) or too few held-out rows to judge by.
    """
    from synthkit import _sdv

    model = getattr(synthesizer, "_model", None)
    if not hasattr(model, "mode_temperature") or len(holdout) < MIN_HOLDOUT_ROWS:
        return None, {}
    real = holdout.sample(n=min(EVAL_ROWS, len(holdout)), random_state=seed)
    scores = {}
    for temperature in MODE_TEMPERATURES:
        model.mode_temperature = temperature
        synthetic = _sdv.sample_during_fit(synthesizer, len(real), seed)
        scores[temperature] = round(quick_quality(real, synthetic, metadata), 5)
    softmax = MODE_TEMPERATURES[0]
    best = max(scores, key=lambda t: scores[t] + (PREFER_SOFTMAX_BY if t == softmax else 0.0))
    model.mode_temperature = best
    return best, scores
