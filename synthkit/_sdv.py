"""The one place that touches SDV and ctgan internals (pinned by tests/test_sdv_internals.py).

What it relies on, checked against sdv 2.0.0 and ctgan 0.12.1:
- ``ctgan.TVAE.fit`` re-binds ``self.loss_values`` to a new DataFrame (columns Epoch, Batch,
  Loss) once at the start and once after every epoch. A property on a subclass turns that
  assignment into a per-epoch callback, without copying the training loop: the callback gets the
  epoch's mean batch loss and may raise ``StopTraining`` to end the fit at the epoch boundary.
- ``sdv.single_table.TVAESynthesizer._fit`` builds ``TVAE(**self._model_kwargs)`` and fits it;
  overriding it lets synthkit build its TVAE subclass and seed it.
- ``ctgan.synthesizers.tvae.fit`` builds ``DataLoader(dataset, batch_size, shuffle=True)`` from
  the module global ``DataLoader``: it fetches every row on its own and stacks them, a fifth of
  each epoch. ``batched_loader`` draws the same shuffled indices from the same ``RandomSampler``
  and takes each batch with one index, so training sees the same batches in the same order
  (same losses, bit for bit). It is swapped in only while a synthkit fit runs.
- ``ctgan``'s ``DataTransformer`` starts joblib worker processes (``Parallel(n_jobs=-1)``) to
  transform columns; on small tables that costs seconds and hundreds of MiB per worker.
  ``joblib.parallel_config(backend="sequential")`` keeps the work in-process, same result.
- Sampling is seeded through ``BaseSingleTableSynthesizer._set_random_state`` and
  ``reset_sampling``.
Model classes live here, inside the installed package, so pickled models load anywhere synthkit
is installed.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import ctgan.synthesizers.tvae as tvae_module
import numpy as np
import pandas as pd
import torch
from ctgan import TVAE
from sdv.single_table import TVAESynthesizer
from sdv.single_table.utils import detect_discrete_columns

PINNED_VERSIONS = {"sdv": "2.0.0", "ctgan": "0.12.1"}
_CTGAN_DATALOADER = tvae_module.DataLoader

EpochCallback = Callable[[int, float], None]


class StopTraining(Exception):
    """Raised by an epoch callback to end training at an epoch boundary."""


class EpochReportingTVAE(TVAE):
    """ctgan's TVAE that calls ``epoch_callback(epoch, mean_loss)`` after every epoch."""

    epoch_callback: EpochCallback | None = None

    @property
    def loss_values(self) -> pd.DataFrame:
        return self._loss_values

    @loss_values.setter
    def loss_values(self, frame: pd.DataFrame) -> None:
        self._loss_values = frame
        if self.epoch_callback is not None and len(frame):
            last = frame["Epoch"].iloc[-1]
            mean_loss = float(frame.loc[frame["Epoch"] == last, "Loss"].mean())
            self.epoch_callback(int(last) + 1, mean_loss)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("epoch_callback", None)
        return state


class SynthkitTVAESynthesizer(TVAESynthesizer):
    """SDV's TVAESynthesizer fitting an ``EpochReportingTVAE``, optionally seeded."""

    def __init__(self, metadata: Any, fit_seed: int | None = None, **kwargs: Any):
        super().__init__(metadata, **kwargs)
        self.fit_seed = fit_seed
        self.epoch_callback: EpochCallback | None = None
        self.on_fit_start: Callable[[], None] | None = None

    def _fit(self, processed_data: pd.DataFrame) -> None:
        if self.on_fit_start is not None:
            self.on_fit_start()
        transformers = self._data_processor._hyper_transformer.field_transformers
        discrete_columns = detect_discrete_columns(self.metadata, processed_data, transformers)
        self._model = EpochReportingTVAE(**self._model_kwargs)
        self._model.epoch_callback = self.epoch_callback
        if self.fit_seed is not None:
            self._model.set_random_state(self.fit_seed)
        try:
            self._model.fit(processed_data, discrete_columns=discrete_columns)
        finally:
            self._model.epoch_callback = None
            self._model.set_random_state(None)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["epoch_callback"] = None
        state["on_fit_start"] = None
        return state


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


def batched_loader(dataset: Any, batch_size: int, shuffle: bool = False, drop_last: bool = False) -> Any:
    """A DataLoader yielding the same batches as ctgan's, fetched with one index per batch."""
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

    sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(sampler, batch_size, drop_last), batch_size=None)


_loader_lock = threading.Lock()
_loader_users = 0


@contextlib.contextmanager
def _batched_ctgan_loader() -> Iterator[None]:
    """Swap ctgan's DataLoader for ``batched_loader`` while any synthkit fit runs (thread-safe)."""
    global _loader_users
    with _loader_lock:
        if _loader_users == 0:
            tvae_module.DataLoader = batched_loader
        _loader_users += 1
    try:
        yield
    finally:
        with _loader_lock:
            _loader_users -= 1
            if _loader_users == 0:
                tvae_module.DataLoader = _CTGAN_DATALOADER


@contextlib.contextmanager
def lean_fit(threads: int | None = None) -> Iterator[None]:
    """Fit in-process (no joblib workers), with batched loading and bounded torch threads."""
    import joblib

    previous = torch.get_num_threads()
    torch.set_num_threads(threads or default_torch_threads())
    try:
        with joblib.parallel_config(backend="sequential"), _batched_ctgan_loader():
            yield
    finally:
        torch.set_num_threads(previous)


def seed_sampling(synthesizer: Any, seed: int) -> None:
    """Make the next samples of ``synthesizer`` a pure function of ``seed``."""
    synthesizer.reset_sampling()
    synthesizer._set_random_state(seed)


def decoder_state(synthesizer: SynthkitTVAESynthesizer) -> dict[str, torch.Tensor]:
    """A copy of the fitted decoder's weights (for keeping the best epoch)."""
    return {k: v.detach().clone() for k, v in synthesizer._model.decoder.state_dict().items()}


def load_decoder_state(synthesizer: SynthkitTVAESynthesizer, state: dict[str, torch.Tensor]) -> None:
    synthesizer._model.decoder.load_state_dict(state)


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
