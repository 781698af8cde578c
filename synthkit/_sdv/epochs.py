"""The epoch hook and synthkit's TVAE fit loop.

What it relies on, checked against ctgan 0.12.1 (pinned by tests/test_sdv_internals.py):
``ctgan.TVAE.fit`` and ``ctgan.CTGAN.fit`` re-bind ``self.loss_values`` to a new DataFrame
(columns Epoch, Batch, Loss; CTGAN: Generator Loss) once at the start and once after every epoch.
A property on a subclass turns that assignment into a per-epoch callback, without copying the
training loop: the callback gets the epoch's mean loss and may raise ``StopTraining`` to end the
fit at the epoch boundary (a cancel) or ``EarlyStop`` once the best weights are back.
``EpochReportingTVAE.fit`` is ctgan's TVAE loop with the pieces of ``synthkit._sdv.speedups``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import torch
from ctgan import CTGAN, TVAE
from ctgan.synthesizers.base import random_state
from ctgan.synthesizers.tvae import Decoder, Encoder
from torch.optim import Adam
from torch.utils.data import TensorDataset

from synthkit._sdv.speedups import SynthkitDataTransformer, batched_loader, span_loss, speed_ups_enabled

EpochCallback = Callable[[int, float], None]


class StopTraining(Exception):
    """Raised by an epoch callback to end training at an epoch boundary (a cancel)."""


class EarlyStop(Exception):
    """Raised by an epoch callback once the best weights are restored: training is complete."""


class EpochReporting:
    """Mixin for ctgan models: calls ``epoch_callback(epoch, mean_loss)`` after every epoch.

    ctgan's TVAE and CTGAN both re-bind ``self.loss_values`` once per epoch; this property
    turns that assignment into the callback (TVAE logs one row per batch, CTGAN one per epoch).
    """

    epoch_callback: EpochCallback | None = None

    @property
    def loss_values(self) -> pd.DataFrame:
        return self._loss_values

    @loss_values.setter
    def loss_values(self, frame: pd.DataFrame | None) -> None:
        self._loss_values = frame
        if self.epoch_callback is not None and frame is not None and len(frame):
            last = frame["Epoch"].iloc[-1]
            column = "Loss" if "Loss" in frame.columns else "Generator Loss"
            mean_loss = float(frame.loc[frame["Epoch"] == last, column].mean())
            self.epoch_callback(int(last) + 1, mean_loss)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("epoch_callback", None)
        return state


class EpochReportingTVAE(EpochReporting, TVAE):
    """ctgan's TVAE with the per-epoch callback, fitted with synthkit's speed-ups.

    ``fit`` is ctgan 0.12.1's ``TVAE.fit`` loop with synthkit's transformer, loader and loss,
    on this instance only (ctgan's module globals stay as they are). When the installed
    versions are not the pinned ones it is ctgan's own ``fit``.
    """

    def fit(self, train_data: Any, discrete_columns: Any = ()) -> None:
        if not speed_ups_enabled():
            return super().fit(train_data, discrete_columns)
        return self._fit_with_speed_ups(train_data, discrete_columns)

    @random_state
    def _fit_with_speed_ups(self, train_data: Any, discrete_columns: Any = ()) -> None:
        """ctgan's loop, step for step: the same random draws in the same order, so the same losses."""
        self.transformer = SynthkitDataTransformer()
        rows = getattr(self, "transformer_rows", None)
        self.transformer.fit(train_data if rows is None else rows, discrete_columns)
        train_data = self.transformer.transform(train_data)
        dataset = TensorDataset(torch.from_numpy(train_data.astype("float32")).to(self._device))
        loader = batched_loader(dataset, batch_size=self.batch_size, shuffle=True, drop_last=False)
        data_dim = self.transformer.output_dimensions
        encoder = Encoder(data_dim, self.compress_dims, self.embedding_dim).to(self._device)
        self.decoder = Decoder(self.embedding_dim, self.decompress_dims, data_dim).to(self._device)
        parameters = list(encoder.parameters()) + list(self.decoder.parameters())
        optimizer = Adam(parameters, weight_decay=self.l2scale)
        self.loss_values = pd.DataFrame(columns=["Epoch", "Batch", "Loss"])
        for epoch in range(self.epochs):
            losses = [self._train_step(encoder, optimizer, batch[0]) for batch in loader]
            batches = range(len(losses))
            frame = pd.DataFrame({"Epoch": [epoch] * len(losses), "Batch": batches, "Loss": losses})
            # re-bound once per epoch, as ctgan does: the assignment is the epoch callback
            if self.loss_values.empty:
                self.loss_values = frame
            else:
                self.loss_values = pd.concat([self.loss_values, frame]).reset_index(drop=True)

    def _train_step(self, encoder: torch.nn.Module, optimizer: Adam, real: torch.Tensor) -> float:
        optimizer.zero_grad()
        real = real.to(self._device)
        mu, std, logvar = encoder(real)
        emb = torch.randn_like(std) * std + mu
        rec, sigmas = self.decoder(emb)
        loss_1, loss_2 = span_loss(
            rec, real, sigmas, mu, logvar, self.transformer.output_info_list, self.loss_factor
        )
        loss = loss_1 + loss_2
        loss.backward()
        optimizer.step()
        self.decoder.sigma.data.clamp_(0.01, 1.0)
        return loss.detach().cpu().item()


class SynthkitCTGAN(EpochReporting, CTGAN):
    """ctgan's CTGAN with the per-epoch callback (generator loss)."""
