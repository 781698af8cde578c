"""Runtime helpers around a fit or a sample: seeds, random states, torch threads, weights.

What it relies on, checked against sdv 2.0.0 and ctgan 0.12.1:
- Sampling is seeded through ``BaseSingleTableSynthesizer._set_random_state`` and
  ``reset_sampling``.
- ``ctgan``'s ``DataTransformer`` starts joblib worker processes (``Parallel(n_jobs=-1)``) to
  transform columns; on small tables that costs seconds and hundreds of MiB per worker.
  ``joblib.parallel_config(backend="sequential")`` keeps the work in-process, same result.
- Conditional sampling without a progress bar goes through ``_make_condition_dfs``,
  ``_validate_conditions`` and ``_sample_with_conditions(frame, max_tries, batch_size,
  progress_bar)``, the steps of ``sample_from_conditions``.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import torch


@contextlib.contextmanager
def rng_preserved() -> Iterator[None]:
    """Run a side computation without moving the generators training draws from."""
    torch_state, numpy_state, python_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        torch.set_rng_state(torch_state)
        np.random.set_state(numpy_state)
        random.setstate(python_state)


@contextlib.contextmanager
def drawing_from(model: Any, seed: int) -> Iterator[None]:
    """Draw from ``seed`` instead of the model's own states, without moving any generator."""
    fit_states, model.random_states = model.random_states, None
    try:
        with rng_preserved(), torch.no_grad():
            torch.manual_seed(seed)
            np.random.seed(seed)
            yield
    finally:
        model.random_states = fit_states


def sample_during_fit(synthesizer: Any, rows: int, seed: int) -> pd.DataFrame:
    """Rows from a model that is still fitting (SDV's ``sample`` refuses until fit returns)."""
    model = synthesizer._model
    source = getattr(synthesizer, "_label_source", None)
    if source is not None and getattr(model, "label_plan", None) is None:
        synthesizer._plan_labels(source)  # score what users will get: labels planned as after fit
    with drawing_from(model, seed):
        return synthesizer._data_processor.reverse_transform(model.sample(rows))


def calibrate_marginals(synthesizer: Any, rows: int, seed: int) -> bool:
    """Fit a synthkit TVAE's marginal map (``SynthkitTVAE.calibrate``) from ``rows`` rows drawn
    from ``seed``; False for models without one."""
    model = getattr(synthesizer, "_model", None)
    if not hasattr(model, "calibrate"):
        return False
    with drawing_from(model, seed):
        model.calibrate(rows)
    return True


def model_weights(synthesizer: Any) -> dict[str, torch.Tensor]:
    """A copy of the generating network's weights (TVAE decoder or CTGAN generator)."""
    network = getattr(synthesizer._model, "decoder", None) or synthesizer._model._generator
    return {k: v.detach().clone() for k, v in network.state_dict().items()}


def load_model_weights(synthesizer: Any, state: dict[str, torch.Tensor]) -> None:
    network = getattr(synthesizer._model, "decoder", None) or synthesizer._model._generator
    network.load_state_dict(state)


def seed_everything(seed: int) -> None:
    """Seed every generator a fit may draw from (SDV does not seed fitting)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


THREADS_ENV = "SYNTHKIT_TORCH_THREADS"


def default_torch_threads() -> int:
    """torch threads for one fit: $SYNTHKIT_TORCH_THREADS, else torch's default, at most 4.

    A batch running several fits side by side sets the variable so that workers x threads
    stays within the cores; oversubscribed threads stall for seconds per epoch.
    """
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, torch.get_num_threads()))


_threads_lock = threading.Lock()
_threads_users = 0
_threads_saved = 0


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Bound torch's threads while synthkit fits run; the caller's count comes back afterwards.

    The count is partly process-wide (new threads and MKL take it) and partly per thread
    (OpenMP's), so fits in threads side by side count themselves in: the first in saves the
    process's count, the last out restores it, and each other one gives its own thread back
    the count it found (saving and restoring per fit let the last one out restore another
    fit's bound).
    """
    global _threads_users, _threads_saved
    own = torch.get_num_threads()
    with _threads_lock:
        if _threads_users == 0:
            _threads_saved = own
        _threads_users += 1
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        with _threads_lock:
            _threads_users -= 1
            torch.set_num_threads(_threads_saved if _threads_users == 0 else own)


@contextlib.contextmanager
def lean_fit(threads: int | None = None) -> Iterator[None]:
    """Fit in-process (no joblib workers; joblib's setting is per thread) with bounded torch threads."""
    import joblib

    with torch_threads(threads or default_torch_threads()), joblib.parallel_config(backend="sequential"):
        yield


def seed_sampling(synthesizer: Any, seed: int) -> None:
    """Make the next samples of ``synthesizer`` a pure function of ``seed``."""
    synthesizer.reset_sampling()
    synthesizer._set_random_state(seed)


def move_to_cpu(synthesizer: Any) -> None:
    """Save models on the CPU so a model trained on a GPU loads on any machine."""
    model = getattr(synthesizer, "_model", None)
    if model is not None and hasattr(model, "set_device"):
        model.set_device(torch.device("cpu"))


def library_versions() -> dict[str, str]:
    import ctgan
    import rdt
    import sdmetrics
    import sdv

    return {
        "sdv": sdv.__version__,
        "ctgan": ctgan.__version__,
        "rdt": rdt.__version__,
        "sdmetrics": sdmetrics.__version__,
        "torch": torch.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def sample_rows(synthesizer: Any, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` synthetic rows, a pure function of the fitted synthesizer and ``seed``."""
    seed_sampling(synthesizer, seed)
    sampled = synthesizer.sample(rows)
    return next(iter(sampled.values())) if isinstance(sampled, dict) else sampled


def samples_conditions(synthesizer: Any) -> bool:
    """Whether SDV meets conditions on the model itself: a GaussianCopula conditions its normal.
    SDV 2.0's TVAE and CTGAN synthesizers refuse conditions in ``_sample`` and SDV falls back to
    filtering unconditioned rows, which synthkit does itself, bounded."""
    from sdv.single_table import GaussianCopulaSynthesizer

    return isinstance(synthesizer, GaussianCopulaSynthesizer)


def sample_conditioned(synthesizer: Any, asks: list[tuple[dict[str, Any], int]], seed: int) -> pd.DataFrame:
    """Rows under SDV's conditions, ``rows`` for each ``(column_values, rows)`` of ``asks``
    (``sdv.sampling.Condition``), a pure function of the fitted synthesizer and ``seed``; it may
    return fewer rows than asked, and raises ValueError when it cannot sample any.

    These are the steps of SDV's ``sample_from_conditions`` (sdv 2.0.0) with a silent progress
    bar: the public call always draws one on stderr, and hiding it would mean swapping the
    process's stderr.
    """
    import tqdm
    from sdv.sampling import Condition

    seed_sampling(synthesizer, seed)
    conditions = synthesizer._make_condition_dfs(
        [Condition(column_values=values, num_rows=rows) for values, rows in asks]
    )
    synthesizer._validate_conditions(conditions)
    with tqdm.tqdm(total=sum(rows for _, rows in asks), disable=True) as bar:
        parts = [synthesizer._sample_with_conditions(frame, 100, None, bar) for frame in conditions]
    sampled = pd.concat(parts, ignore_index=True)
    if sampled.empty:
        raise ValueError("Unable to sample any rows for the given conditions.")
    return sampled
