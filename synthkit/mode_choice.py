"""How a trained TVAE draws the mixture mode of each numeric column, chosen per model.

A numeric column reaches the TVAE as a value and a mode (one of up to 10 Gaussian components).
Drawing the mode from the decoder's softmax keeps each column's shape; but the draws are
independent per column, and they blur the relations between columns. Measured on one trained
model of a 150-column log (``bench_realdata``): softmax modes gave column shapes 0.941 and pair
trends 0.751, the most likely mode (argmax) 0.904 and 0.897. On three built-in machines
(``bench_fidelity --quick``, 10,000 rows scored) a sharpened softmax was best: quality at mode
temperature 1 / 0.75 / 0.5 / 0.35 / 0 was 0.9645 / 0.9710 / 0.9767 / 0.9633 / 0.9211
(cnc_machine_001), 0.9616 / 0.9654 / 0.9672 / 0.9644 / 0.9541 (pump_001), 0.9502 / 0.9538 /
0.9527 / 0.9504 / 0.9361 (motor_002). The best differs by table, so it is chosen per model at the
end of training by the quality of rows drawn each way against the held-out rows (the fast scorer
of early stopping, the same noise draws for every candidate, so the comparison is paired; its
ranking agreed with the 10,000-row scores above).

Each candidate is scored with its own marginal map (``SynthkitTVAE.calibrate``: every numeric
column put back on the training rows' quantiles), and the chosen one keeps its map. With the map
the columns' shapes no longer depend on the softmax draws, so sharper choices win more often.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from synthkit.early_stopping import EVAL_ROWS, quick_quality

MODE_TEMPERATURES = (1.0, 0.75, 0.5, 0.25, 0.0)  # softmax as learned, sharper, ..., argmax
PREFER_SOFTMAX_BY = 0.001  # another choice must beat the softmax by this much (scoring noise)
MIN_HOLDOUT_ROWS = 50
CALIBRATION_ROWS = 10_000  # rows of the model whose quantiles its marginal map starts from


def choose_mode_temperature(
    synthesizer: Any, holdout: pd.DataFrame, metadata: dict, seed: int
) -> tuple[float | None, dict[float, float]]:
    """Set the model's ``mode_temperature`` to the candidate that scores best on held-out rows,
    each candidate with its own marginal map (``SynthkitTVAE.calibrate``), and keep that map.

    Returns the choice and every candidate's score; (None, {}) for models without mixture modes
    to choose (not a synthkit TVAE) or too few held-out rows to judge by (the model is still
    calibrated at its present temperature).
    """
    from synthkit import _sdv

    model = getattr(synthesizer, "_model", None)
    if not hasattr(model, "mode_temperature"):
        return None, {}
    if len(holdout) < MIN_HOLDOUT_ROWS:
        _sdv.calibrate_marginals(synthesizer, CALIBRATION_ROWS, seed)
        return None, {}
    real = holdout.sample(n=min(EVAL_ROWS, len(holdout)), random_state=seed)
    scores, maps = {}, {}
    for temperature in MODE_TEMPERATURES:
        model.mode_temperature = temperature
        _sdv.calibrate_marginals(synthesizer, CALIBRATION_ROWS, seed)
        maps[temperature] = model.marginal_map
        synthetic = _sdv.sample_during_fit(synthesizer, len(real), seed)
        scores[temperature] = round(quick_quality(real, synthetic, metadata), 5)
    softmax = MODE_TEMPERATURES[0]
    best = max(scores, key=lambda t: scores[t] + (PREFER_SOFTMAX_BY if t == softmax else 0.0))
    model.mode_temperature, model.marginal_map = best, maps[best]
    return best, scores
