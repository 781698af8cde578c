"""How a trained TVAE samples: the mixture mode of each numeric column and the decoder's noise,
chosen per model.

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

Then, at the chosen mode temperature, the decoder's noise on numeric values is scaled. ctgan adds
it to every value, independently per column, with the spread the decoder learned for its
reconstructions; from prior draws that noise blurs the relations between columns, and the map
now restores the columns' spread without it. Measured on one trained model each (quality of
10,000 rows vs held-out rows, noise scale 1 / 0.5 / 0.25 / 0): 0.9335 / 0.9527 / 0.9582 / 0.9556
on a 150-column log (pair trends 0.928 -> 0.978 at 0.25), 0.9746 / 0.9764 / 0.9767 / 0.9771 on
pump_002, 0.9674 / 0.9683 / 0.9687 / 0.9691 on compressor_001. It is chosen the same way, but a
smaller noise must beat the learned one by more than the scoring noise: gains as small as the
built-in machines' are within it, and did not hold on other rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from synthkit.early_stopping import EVAL_ROWS, quick_quality

MODE_TEMPERATURES = (1.0, 0.75, 0.5, 0.25, 0.0)  # softmax as learned, sharper, ..., argmax
NOISE_SCALES = (1.0, 0.5, 0.25, 0.0)  # the decoder's noise as learned, ..., none
# Another choice must beat the model as learned by this much. The noise scale needs more: its
# gains on the built-in machines (0.001-0.006) are within the scoring noise (on cnc_machine_001's
# model, noise scale 0.25 minus 1 over 12 paired draws of 2,000 rows: +0.006, sd 0.007) and
# changed sign against 5,000 training rows (-0.002); on the 150-column log it gains 0.025.
PREFER_AS_LEARNED_BY = {"mode_temperature": 0.001, "noise_scale": 0.01}
MIN_HOLDOUT_ROWS = 50
CALIBRATION_ROWS = 10_000  # rows of the model whose quantiles its marginal map starts from


@dataclass(frozen=True)
class SamplingChoice:
    """How a model samples, and the held-out score of each candidate tried."""

    mode_temperature: float | None = None
    noise_scale: float | None = None
    mode_scores: dict[float, float] = field(default_factory=dict)  # at noise scale 1
    noise_scores: dict[float, float] = field(default_factory=dict)  # at the chosen mode temperature


def choose_sampling(synthesizer: Any, holdout: pd.DataFrame, metadata: dict, seed: int) -> SamplingChoice:
    """Set the model's ``mode_temperature``, then its ``noise_scale``, to the candidates that
    score best on held-out rows, each with its own marginal map (``SynthkitTVAE.calibrate``),
    and keep the chosen map.

    An empty choice for models without mixture modes to choose (not a synthkit TVAE) or too few
    held-out rows to judge by (the model is then calibrated as it samples now).
    """
    from synthkit import _sdv

    model = getattr(synthesizer, "_model", None)
    if not hasattr(model, "mode_temperature"):
        return SamplingChoice()
    if len(holdout) < MIN_HOLDOUT_ROWS:
        _sdv.calibrate_marginals(synthesizer, CALIBRATION_ROWS, seed)
        return SamplingChoice()
    real = holdout.sample(n=min(EVAL_ROWS, len(holdout)), random_state=seed)

    def choose(setting: str, candidates: tuple[float, ...], known: dict) -> tuple[float, dict[float, float]]:
        """Try each candidate value of ``setting`` (``known``: value -> (score, map) already had)."""
        tried = dict(known)
        for value in candidates:
            if value not in tried:
                setattr(model, setting, value)
                _sdv.calibrate_marginals(synthesizer, CALIBRATION_ROWS, seed)
                synthetic = _sdv.sample_during_fit(synthesizer, len(real), seed)
                tried[value] = (round(quick_quality(real, synthetic, metadata), 5), _calibration(model))
        scores = {value: tried[value][0] for value in candidates}
        as_learned, margin = candidates[0], PREFER_AS_LEARNED_BY[setting]
        best = max(scores, key=lambda v: scores[v] + (margin if v == as_learned else 0.0))
        setattr(model, setting, best)
        model.marginal_map, model.category_shift, model.label_marginal_map = tried[best][1]
        return best, scores

    model.noise_scale = NOISE_SCALES[0]
    temperature, mode_scores = choose("mode_temperature", MODE_TEMPERATURES, {})
    as_learned = {NOISE_SCALES[0]: (mode_scores[temperature], _calibration(model))}
    noise_scale, noise_scores = choose("noise_scale", NOISE_SCALES, as_learned)
    return SamplingChoice(temperature, noise_scale, mode_scores, noise_scores)


def _calibration(model: Any) -> tuple[Any, Any, Any]:
    """What ``SynthkitTVAE.calibrate`` set: the marginal maps and the categories' shifts."""
    return model.marginal_map, model.category_shift, model.label_marginal_map
