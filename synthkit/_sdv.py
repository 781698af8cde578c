"""The one place that touches SDV and ctgan internals (pinned by tests/test_sdv_internals.py).

What it relies on, checked against sdv 2.0.0 and ctgan 0.12.1:
- ``ctgan.TVAE.fit`` re-binds ``self.loss_values`` to a new DataFrame (columns Epoch, Batch,
  Loss) once at the start and once after every epoch. A property on a subclass turns that
  assignment into a per-epoch callback, without copying the training loop: the callback gets the
  epoch's mean batch loss and may raise ``StopTraining`` to end the fit at the epoch boundary.
- ``sdv.single_table.TVAESynthesizer._fit`` builds ``TVAE(**self._model_kwargs)`` and fits it;
  overriding it lets synthkit build its TVAE subclass and seed it.
- ``ctgan.TVAE.fit`` builds ``DataTransformer()``, ``DataLoader(dataset, batch_size,
  shuffle=True)`` and scores batches with ``_loss_function``. ``EpochReportingTVAE.fit`` runs
  the same loop (same draws in the same order) with synthkit's pieces, on synthkit's own
  instances only; ctgan's module is never changed, so a plain TVAE in the same process is
  untouched. The pieces: ``batched_loader`` (ctgan's loader fetches every row on its own and
  stacks them, a fifth of each epoch; this one draws the same shuffled indices from the same
  ``RandomSampler`` and takes each batch with one index: same batches, same losses bit for bit),
  ``SynthkitDataTransformer`` (each numeric column's Bayesian mixture fitted on at most
  ``FIT_ROWS`` rows, columns fitted side by side in threads, components drawn for all rows at
  once instead of one ``np.random.choice`` per row) and ``span_loss`` (ctgan's loss in a few
  tensor operations instead of a handful per span; equal values and gradients, checked by
  tests/test_sdv_internals.py).
- Those speed-ups are written for ``PINNED_VERSIONS``. When other sdv/ctgan/rdt versions are
  installed, ``speed_ups_enabled`` says so with one RuntimeWarning and the fit is ctgan's own
  (slower, same model); the epoch callback below still works.
- ``ctgan``'s ``DataTransformer`` starts joblib worker processes (``Parallel(n_jobs=-1)``) to
  transform columns; on small tables that costs seconds and hundreds of MiB per worker.
  ``joblib.parallel_config(backend="sequential")`` keeps the work in-process, same result.
- ``DataTransformer.inverse_transform`` turns each continuous column's (value, component) pair
  back with ``ClusterBasedNormalizer.reverse_transform`` (after ``np.random.normal`` noise of the
  decoder's sigma, column by column) and each discrete column with its encoder's ``dummies``.
  ``SynthkitTVAE.to_table`` does the same from drawn indices, without building and argmax-ing a
  one-hot matrix (tests/test_fidelity.py checks the two give equal tables).
- Sampling is seeded through ``BaseSingleTableSynthesizer._set_random_state`` and
  ``reset_sampling``.
Model classes live here, inside the installed package, so pickled models load anywhere synthkit
is installed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from ctgan import CTGAN, TVAE
from ctgan.data_transformer import ColumnTransformInfo, DataTransformer, SpanInfo
from ctgan.synthesizers.base import random_state
from ctgan.synthesizers.tvae import Decoder, Encoder
from rdt.transformers import ClusterBasedNormalizer
from rdt.transformers.numerical import FloatFormatter
from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer
from sdv.single_table.utils import detect_discrete_columns
from sklearn.exceptions import ConvergenceWarning
from torch.optim import Adam
from torch.utils.data import TensorDataset

PINNED_VERSIONS = {"sdv": "2.0.0", "ctgan": "0.12.1", "rdt": "2.0.0"}  # what the speed-ups were written for
FIT_ROWS = 10_000  # rows each numeric column's mixture is fitted on (its cost grows with the rows)

EpochCallback = Callable[[int, float], None]


def installed_versions() -> dict[str, str]:
    """The installed versions of the libraries whose internals synthkit reaches into.

    Tests replace this function to simulate other versions without installing anything.
    """
    from importlib.metadata import version

    return {name: version(name) for name in PINNED_VERSIONS}


_gate_lock = threading.Lock()
_speed_ups: bool | None = None  # decided once per process, on first use


def speed_ups_enabled() -> bool:
    """Whether synthkit's fit speed-ups may run: only on the versions they were written for.

    On others, one RuntimeWarning per process names what was found, and fits fall back to
    ctgan's own code (slower, same model). Set ``_speed_ups`` back to None to decide again.
    """
    global _speed_ups
    with _gate_lock:
        if _speed_ups is None:
            found = installed_versions()
            _speed_ups = found == PINNED_VERSIONS
            if not _speed_ups:
                warnings.warn(
                    f"synthkit's training speed-ups are off: installed {versions_text(found)}, "
                    f"written for {versions_text(PINNED_VERSIONS)}. Training uses ctgan's own code "
                    "(slower, same model); install the versions of constraints.txt to get them back.",
                    RuntimeWarning,
                    stacklevel=2,
                )
        return _speed_ups


def versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))


class StopTraining(Exception):
    """Raised by an epoch callback to end training at an epoch boundary (a cancel)."""


class EarlyStop(Exception):
    """Raised by an epoch callback once the best weights are restored: training is complete."""


class SampledNormalizer(ClusterBasedNormalizer):
    """rdt's ClusterBasedNormalizer, with its mixture fitted on a sample and vectorized draws.

    The Bayesian mixture runs its 100 iterations over every row: a fraction of a second per
    column per thousand rows. Columns of more than ``FIT_ROWS`` rows are fitted on a fixed sample
    of that many, so the cost stops growing with the seed (smaller samples were tried: 2,000 rows
    lost 0.012 quality on pump_002 in one run, so tables up to 10,000 rows are fitted whole).
    ``_transform`` draws each row's component from the same probabilities rdt uses, one
    uniform per row against their cumulative sum, instead of one ``np.random.choice`` per row.
    Fitted in a worker thread, it leaves the mixture's warnings to ``SynthkitDataTransformer``.
    """

    def _fit(self, data: pd.Series) -> None:
        from sklearn.mixture import BayesianGaussianMixture

        FloatFormatter._fit(self, data)
        values = FloatFormatter._transform(self, data)
        values = values[:, 0] if values.ndim > 1 else values
        if len(values) > FIT_ROWS:
            values = np.random.default_rng(0).choice(values, FIT_ROWS, replace=False)
        self._bgm_transformer = BayesianGaussianMixture(
            n_components=self.max_clusters,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            random_state=self._get_current_random_seed(),
        )
        self._bgm_transformer.fit(values.reshape(-1, 1))  # its warnings: see SynthkitDataTransformer.fit
        self.valid_component_indicator = self._bgm_transformer.weights_ > self.weight_threshold

    def _transform(self, data: pd.Series) -> np.ndarray:
        values = FloatFormatter._transform(self, data)
        missing = None
        if values.ndim > 1:
            values, missing = values[:, 0], values[:, 1]
        values = values.reshape(-1, 1)
        valid = self.valid_component_indicator
        means = self._bgm_transformer.means_.reshape(1, -1)[:, valid]
        stds = np.sqrt(self._bgm_transformer.covariances_).reshape(1, -1)[:, valid]
        normalized = (values - means) / (self.STD_MULTIPLIER * stds)
        cumulative = np.cumsum(self._bgm_transformer.predict_proba(values)[:, valid] + 1e-6, axis=1)
        threshold = np.random.random_sample(len(values)) * cumulative[:, -1]
        component = np.minimum((cumulative < threshold[:, None]).sum(axis=1), valid.sum() - 1)
        rows = [np.clip(normalized[np.arange(len(values)), component], -0.99, 0.99), component]
        if self.null_transformer and self.null_transformer.models_missing_values():
            rows.append(missing)
        return np.stack(rows, axis=1)


class SynthkitDataTransformer(DataTransformer):
    """ctgan's DataTransformer with ``SampledNormalizer`` for numeric columns, fitted side by side.

    Each column is fitted on its own (its mixture has its own random state), so fitting them in
    as many threads as torch may use gives the same transformer in less time.
    """

    def fit(self, raw_data: pd.DataFrame, discrete_columns: Any = ()) -> None:
        if not isinstance(raw_data, pd.DataFrame):  # as ctgan: numbered columns for arrays
            discrete_columns = [str(column) for column in discrete_columns]
            raw_data = pd.DataFrame(raw_data, columns=[str(n) for n in range(raw_data.shape[1])])
            self.dataframe = False
        else:
            self.dataframe = True
        self._column_raw_dtypes = raw_data.infer_objects().dtypes

        def fit_column(name: str) -> ColumnTransformInfo:
            column = raw_data[[name]]
            return self._fit_discrete(column) if name in discrete_columns else self._fit_continuous(column)

        # catch_warnings is process-wide, not per thread: the contexts the threads enter (sklearn's
        # check_array) interleave, and the last one out would leave its filters in place. One
        # context here gives the caller its own filters back once every thread is done.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # as rdt: the mixture's iterations
            with ThreadPoolExecutor(max_workers=torch.get_num_threads()) as pool:
                self._column_transform_info_list = list(pool.map(fit_column, raw_data.columns))
        self.output_info_list = [info.output_info for info in self._column_transform_info_list]
        self.output_dimensions = sum(info.output_dimensions for info in self._column_transform_info_list)

    def _fit_continuous(self, data: pd.DataFrame) -> ColumnTransformInfo:
        column_name = data.columns[0]
        normalizer = SampledNormalizer(
            missing_value_generation="from_column",
            max_clusters=min(len(data), self._max_clusters),
            weight_threshold=self._weight_threshold,
        )
        normalizer.fit(data, column_name)
        components = int(sum(normalizer.valid_component_indicator))
        return ColumnTransformInfo(
            column_name=column_name,
            column_type="continuous",
            transform=normalizer,
            output_info=[SpanInfo(1, "tanh"), SpanInfo(components, "softmax")],
            output_dimensions=1 + components,
        )


@functools.lru_cache(maxsize=16)
def _span_layout(
    spans: tuple[tuple[int, str], ...], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Columns of the value spans, and the one-hot spans as a padded (span, position) index."""
    values, one_hot, start = [], [], 0
    for dim, activation in spans:
        if activation == "softmax":
            one_hot.append((start, dim))
        else:
            values.append(start)
        start += dim
    width = max((dim for _, dim in one_hot), default=1)
    index = [[begin + min(j, dim - 1) for j in range(width)] for begin, dim in one_hot]
    mask = [[j < dim for j in range(width)] for _, dim in one_hot]
    return (
        torch.tensor(values, dtype=torch.long, device=device),
        torch.tensor(index, dtype=torch.long, device=device).reshape(len(one_hot), width),
        torch.tensor(mask, dtype=torch.bool, device=device).reshape(len(one_hot), width),
    )


def span_loss(
    recon_x: torch.Tensor,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    output_info: list,
    factor: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """ctgan's TVAE ``_loss_function`` with all spans at once: same value, same gradients.

    ctgan loops over spans (a Gaussian term per value span, a cross-entropy per one-hot span),
    some ten autograd operations each; on a small network that bookkeeping is most of a step.
    """
    spans = tuple((span.dim, span.activation_fn) for column in output_info for span in column)
    values, index, mask = _span_layout(spans, x.device)
    std = sigmas[values]
    error = x[:, values] - torch.tanh(recon_x[:, values])
    gaussian = (error**2 / 2 / std**2).sum() + torch.log(std).sum() * x.size(0)
    logits = recon_x[:, index].masked_fill(~mask, float("-inf"))
    target = x[:, index].masked_fill(~mask, -1.0).argmax(dim=2, keepdim=True)
    cross_entropy = -torch.log_softmax(logits, dim=2).gather(2, target).sum()
    kld = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp())
    return (gaussian + cross_entropy) * factor / x.size(0), kld / x.size(0)


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
        self.transformer.fit(train_data, discrete_columns)
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


@dataclass
class LabelPlan:
    """Which label combinations may be generated, and in which shares.

    ``keys`` are the label tuples seen in the training rows (so a combination the data never
    shows, like failure 0 with a failure mode, is never generated) and ``shares`` their share of
    those rows. ``spans`` locates each label column's one-hot span in the decoder output.
    """

    columns: tuple[str, ...]
    keys: list[tuple]
    shares: np.ndarray
    spans: list[tuple[int, list]]  # (offset of the span, category of each position)
    failing: np.ndarray | None = None  # per key: does any label say failure (None: plans saved before)

    def failing_keys(self) -> np.ndarray:
        if self.failing is not None:
            return self.failing
        if "failure" not in self.columns:  # a plan saved before labels had no-failure values
            return np.zeros(len(self.keys), dtype=bool)
        position = self.columns.index("failure")
        return np.array([str(key[position]) in ("1", "True") for key in self.keys])

    def with_failure_ratio(self, failure_ratio: float | None) -> LabelPlan:
        """The same plan with failing keys rescaled to ``failure_ratio`` of all rows (0 and 1
        allowed: only healthy rows, only failures), each failing key keeping its share of them."""
        failing = self.failing_keys()
        if failure_ratio is None or not failing.any() or failing.all():
            return self
        shares = self.shares.copy()
        shares[failing] *= failure_ratio / shares[failing].sum()
        shares[~failing] *= (1 - failure_ratio) / shares[~failing].sum()
        return LabelPlan(self.columns, self.keys, shares, self.spans, failing)


def build_label_plan(
    transformer: Any,
    data: pd.DataFrame,
    label_columns: tuple[str, ...],
    normals: dict[str, str] | None = None,
) -> LabelPlan | None:
    """Read the training rows' label shares and the label spans of ctgan's DataTransformer."""
    from synthkit.roles import normal_text

    offsets, offset = {}, 0
    for info in transformer._column_transform_info_list:
        if info.column_type == "discrete":
            offsets[info.column_name] = (offset, list(info.transform.dummies))
        offset += info.output_dimensions
    columns = tuple(c for c in label_columns if c in offsets)
    if not columns:
        return None
    counts = data[list(columns)].value_counts(normalize=True, dropna=False)
    keys = [key if isinstance(key, tuple) else (key,) for key in counts.index]
    failing = None
    if normals:
        failing = np.array(
            [
                any(
                    column in normals and not pd.isna(value) and normal_text(value) != normals[column]
                    for column, value in zip(columns, key)
                )
                for key in keys
            ]
        )
    return LabelPlan(columns, keys, counts.to_numpy(dtype=float), [offsets[c] for c in columns], failing)


def repeat_rare_labels(data: pd.DataFrame, label_columns: tuple[str, ...], min_share: float) -> pd.DataFrame:
    """Repeat the rows of rare label combinations until each has about ``min_share`` of the rows.

    The network then sees rare failures often enough to learn where they live; the sampler's
    quotas (taken from the original rows) put the real rates back. Deterministic: whole copies.
    """
    columns = [c for c in label_columns if c in data.columns]
    if min_share <= 0 or not columns:
        return data
    groups = data.groupby(columns, sort=True, dropna=False).indices
    copies = [
        np.repeat(rows, max(1, int(np.ceil(min_share * len(data) / len(rows))))) for rows in groups.values()
    ]
    return data.iloc[np.sort(np.concatenate(copies))].reset_index(drop=True)


def allocate(rows: int, shares: np.ndarray) -> np.ndarray:
    """Split ``rows`` into integer counts proportional to ``shares`` (largest remainder)."""
    exact = rows * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(exact - counts)[::-1][: rows - counts.sum()]] += 1
    return counts


def draw_from_softmax(logits: torch.Tensor) -> torch.Tensor:
    """Per column of ``logits`` (categories along dim 0), an index drawn from its softmax.

    One uniform per column against the cumulative sum: cheaper than Gumbel noise on every
    logit, and categories along dim 0 keep every step on contiguous rows of all samples.
    """
    cumulative = torch.exp(logits - logits.max(dim=0).values).cumsum(dim=0)
    threshold = torch.rand(logits.shape[1], device=logits.device) * cumulative[-1]
    return (cumulative < threshold).sum(dim=0).clamp_max(logits.shape[0] - 1)


class SynthkitTVAE(EpochReportingTVAE):
    """TVAE whose sampling keeps distributions: one-hot spans are drawn from the decoder's softmax.

    Training scores every one-hot span (categories, and the mixture component of each numeric
    column) by cross-entropy on the raw decoder output, so softmax(raw / temperature) at
    temperature 1 is the distribution the decoder learned; ctgan's argmax keeps only its mode.
    With a ``label_plan`` the label columns are drawn jointly among the combinations the training
    rows show (so they never contradict each other), and rows are drawn until every combination
    has its share of the training rows (stratified by rejection, decided before the costly part
    of decoding), so rare failures keep their rate and every failure mode its own.

    Decoded rows stay compact (one value per span: the tanh value, or the drawn index) and go
    back to table rows without ctgan's one-hot round trip; ``to_table`` gives the values ctgan's
    ``inverse_transform`` gives for the same draws.
    """

    temperature: float = 1.0
    decode: str = "softmax"  # "argmax" reproduces ctgan's sampling, for comparison
    label_plan: LabelPlan | None = None
    failure_ratio: float | None = None
    max_draw_factor: int = 200
    max_batch: int = 16_384

    def _draw(self, logits: torch.Tensor) -> torch.Tensor:
        """Per column of ``logits`` (categories along dim 0), an index drawn from
        softmax(logits / temperature), or the argmax."""
        if self.decode == "argmax":
            return logits.argmax(dim=0)
        return draw_from_softmax(logits / self.temperature)

    def _finish(self, raw: torch.Tensor, drawn: dict[int, torch.Tensor]) -> np.ndarray:
        """Decoder output to compact rows: tanh of each value span, a drawn index for the others.

        ``drawn`` holds indices already drawn for some spans (the labels), keyed by span offset.
        """
        columns = raw.T.contiguous()
        values, start = [], 0
        for column in self.transformer.output_info_list:
            for span in column:
                if span.activation_fn == "softmax":
                    index = drawn.get(start)
                    index = self._draw(columns[start : start + span.dim]) if index is None else index
                    values.append(index.to(raw.dtype))
                else:
                    values.append(torch.tanh(columns[start]))
                start += span.dim
        return torch.stack(values, dim=1).cpu().numpy()

    def to_table(self, compact: np.ndarray, sigmas: np.ndarray | None) -> pd.DataFrame:
        """ctgan's ``DataTransformer.inverse_transform`` for compact rows (same noise draws, same values)."""
        from rdt.transformers.utils import try_convert_to_dtype

        transformer, columns = self.transformer, {}
        at, offset = 0, 0
        for info in transformer._column_transform_info_list:
            if info.column_type == "continuous":
                value = compact[:, at].astype(float)
                if sigmas is not None:
                    value = np.random.normal(value, sigmas[offset])
                names = list(info.transform.get_output_sdtypes())
                pair = pd.DataFrame({names[0]: value, names[1]: compact[:, at + 1].astype(float)})
                columns[info.column_name] = info.transform.reverse_transform(pair)[info.column_name]
                at += 2
            else:
                encoder = info.transform
                chosen = np.asarray(encoder.dummies, dtype=object)[compact[:, at].astype(np.intp)]
                columns[info.column_name] = try_convert_to_dtype(pd.Series(chosen), encoder.dtype)
                at += 1
            offset += info.output_dimensions
        table = pd.DataFrame(columns).astype(transformer._column_raw_dtypes)
        return table if transformer.dataframe else table.to_numpy()

    @staticmethod
    def _key_positions(plan: LabelPlan) -> list[torch.Tensor]:
        """For each label span, the position of each allowed key's value in that span."""
        return [
            torch.tensor([cats.index(key[i]) for key in plan.keys], dtype=torch.long)
            for i, (_, cats) in enumerate(plan.spans)
        ]

    def _draw_keys(self, hidden: torch.Tensor, last: torch.nn.Linear, plan: LabelPlan) -> torch.Tensor:
        """Draw each row's label combination jointly, among the allowed ones only.

        P(key) is proportional to the product of the label spans' softmax probabilities of the
        key's values, so labels follow the decoder yet never contradict each other.
        """
        log_p = torch.zeros(hidden.shape[0], len(plan.keys), device=hidden.device)
        for (offset, cats), positions in zip(plan.spans, self._key_positions(plan)):
            rows = slice(offset, offset + len(cats))
            logits = (hidden @ last.weight[rows].T + last.bias[rows]) / self.temperature
            log_p += torch.log_softmax(logits, dim=1)[:, positions.to(hidden.device)]
        log_p = log_p.T.contiguous()
        return log_p.argmax(dim=0) if self.decode == "argmax" else draw_from_softmax(log_p)

    def _decode_batch(self, batch: int, plan: LabelPlan | None, need: np.ndarray):
        """Decode ``batch`` prior draws; keep rows whose labels still have room, up to ``need``.

        Labels are drawn first from the last layer's label outputs alone, so rows that are
        thrown away never pay for the rest of the last layer or the other spans. Returns the
        compact rows kept, how many of each key were kept, and how many of each were drawn.
        """
        *body, last = list(self.decoder.seq)
        hidden = torch.nn.Sequential(*body)(torch.randn(batch, self.embedding_dim, device=self._device))
        if plan is None:
            keep = torch.arange(min(batch, int(need[0])), device=hidden.device)
            return self._finish(last(hidden[keep]), {}), np.array([len(keep)]), np.array([batch])
        codes = self._draw_keys(hidden, last, plan).cpu().numpy()
        keep = np.concatenate([np.flatnonzero(codes == k)[: need[k]] for k in np.flatnonzero(need)])
        keep_t = torch.as_tensor(keep, device=hidden.device, dtype=torch.long)
        chosen = torch.as_tensor(codes[keep], dtype=torch.long)
        drawn = {
            offset: positions[chosen].to(hidden.device)
            for (offset, _), positions in zip(plan.spans, self._key_positions(plan))
        }
        taken = np.bincount(codes[keep], minlength=len(need))
        return self._finish(last(hidden[keep_t]), drawn), taken, np.bincount(codes, minlength=len(need))

    def _next_batch(self, need: np.ndarray, seen: np.ndarray, drawn: int) -> int:
        """Enough prior draws to fill every key's remaining quota at the rate seen so far."""
        if drawn == 0:
            return int(min(self.max_batch, max(1024, need.sum())))
        rates = (seen + 1) / (drawn + len(seen))
        wanted = 1.05 * (need / rates).max() + 256
        return int(min(self.max_batch, max(1024, wanted)))

    @random_state
    def sample(self, samples: int) -> pd.DataFrame:
        self.decoder.eval()
        plan = self.label_plan.with_failure_ratio(self.failure_ratio) if self.label_plan else None
        need = allocate(samples, plan.shares) if plan else np.array([samples])
        seen = np.zeros(len(need), dtype=np.int64)
        parts: list[np.ndarray] = []
        drawn = 0
        with torch.no_grad():
            while need.sum() > 0 and drawn < self.max_draw_factor * max(samples, 1000):
                batch = self._next_batch(need, seen, drawn)
                data, taken, counted = self._decode_batch(batch, plan, need)
                parts.append(data)
                need, seen, drawn = need - taken, seen + counted, drawn + batch
            if need.sum() > 0:  # the model almost never makes some combination
                warnings.warn(
                    f"{int(need.sum())} of {samples} rows could not be drawn with their label's share; "
                    "they follow the model's own label distribution instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
                fallback = np.array([need.sum()])
                while fallback[0] > 0:
                    data, taken, _ = self._decode_batch(int(fallback[0]), None, fallback)
                    parts.append(data)
                    fallback = fallback - taken
            sigmas = self.decoder.sigma.detach().cpu().numpy()
        # rows of rare labels come from later batches: scatter every part to shuffled positions
        # (one copy into one array, instead of concatenating and then permuting)
        order = torch.randperm(samples).numpy()
        width = sum(len(column) for column in self.transformer.output_info_list)
        data = np.empty((samples, width), dtype=np.float32)
        start = 0
        for part in parts:
            data[order[start : start + len(part)]] = part
            start += len(part)
        return self.to_table(data, sigmas)


class _FitHook:
    """SDV synthesizer mixin: builds synthkit's model class in ``_fit``, seeds it, reports epochs."""

    model_class: type = SynthkitTVAE

    def _setup_hook(self, fit_seed: int | None, label_columns: tuple[str, ...]) -> None:
        self.fit_seed = fit_seed
        self.label_columns = tuple(label_columns)
        self.epoch_callback: EpochCallback | None = None
        self.on_fit_start: Callable[[], None] | None = None

    def _configure(self, model: Any) -> None:
        """Set model attributes before fitting (subclasses add theirs)."""

    def _training_rows(self, processed_data: pd.DataFrame) -> pd.DataFrame:
        """The rows the network learns from (subclasses may rebalance them)."""
        return processed_data

    def _fit(self, processed_data: pd.DataFrame) -> None:
        if self.on_fit_start is not None:
            self.on_fit_start()
        transformers = self._data_processor._hyper_transformer.field_transformers
        discrete_columns = detect_discrete_columns(self.metadata, processed_data, transformers)
        self._model = self.model_class(**self._model_kwargs)
        self._configure(self._model)
        self._model.epoch_callback = self.epoch_callback
        if self.fit_seed is not None:
            self._model.set_random_state(self.fit_seed)
        fit_data = self._training_rows(processed_data)
        self._label_source = processed_data  # the rows whose label shares the sampler keeps
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*Attempting to run cuBLAS.*")
                self._model.fit(fit_data, discrete_columns=discrete_columns)
        except EarlyStop:
            pass  # the callback restored the best weights; the model is fitted
        finally:
            self._model.epoch_callback = None
            self._model.set_random_state(None)
            self._label_source = None
        self._plan_labels(processed_data)

    def _plan_labels(self, processed_data: pd.DataFrame) -> None:
        """Give a TVAE its label plan (needs the transformer, which ctgan builds inside fit)."""
        if isinstance(self._model, SynthkitTVAE) and getattr(self._model, "transformer", None) is not None:
            self._model.label_plan = build_label_plan(
                self._model.transformer,
                processed_data,
                self.label_columns,
                getattr(self, "label_normals", None),
            )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["epoch_callback"] = None
        state["on_fit_start"] = None
        state["_label_source"] = None
        return state


class SynthkitTVAESynthesizer(_FitHook, TVAESynthesizer):
    """SDV's TVAESynthesizer fitting a ``SynthkitTVAE``, optionally seeded."""

    model_class = SynthkitTVAE

    def __init__(
        self,
        metadata: Any,
        fit_seed: int | None = None,
        temperature: float = 1.0,
        min_label_share: float = 0.0,
        label_columns: tuple[str, ...] = (),
        **kwargs: Any,
    ):
        super().__init__(metadata, **kwargs)
        self._setup_hook(fit_seed, label_columns)
        self.temperature = temperature
        self.min_label_share = min_label_share

    def _configure(self, model: Any) -> None:
        model.temperature = self.temperature

    def _training_rows(self, processed_data: pd.DataFrame) -> pd.DataFrame:
        return repeat_rare_labels(processed_data, self.label_columns, self.min_label_share)


class SynthkitCTGANSynthesizer(_FitHook, CTGANSynthesizer):
    """SDV's CTGANSynthesizer fitting a ``SynthkitCTGAN``, optionally seeded."""

    model_class = SynthkitCTGAN

    def __init__(
        self, metadata: Any, fit_seed: int | None = None, label_columns: tuple[str, ...] = (), **kwargs: Any
    ):
        super().__init__(metadata, **kwargs)
        self._setup_hook(fit_seed, label_columns)


MODEL_KINDS = ("tvae", "gaussian_copula", "ctgan")


def build_synthesizer(
    kind: str,
    metadata: Any,
    fit_seed: int | None,
    label_columns: tuple[str, ...],
    params: dict[str, Any],
    label_normals: dict[str, str] | None = None,
) -> Any:
    """A synthkit synthesizer of ``kind``; GaussianCopula is SDV's own (it has no epochs).

    ``label_normals`` (each label's no-failure value) tells the sampler which label combinations
    are failures, for ``failure_ratio``.
    """
    if kind == "gaussian_copula":
        return GaussianCopulaSynthesizer(metadata, **params)
    model = SynthkitTVAESynthesizer if kind == "tvae" else SynthkitCTGANSynthesizer
    synthesizer = model(metadata, fit_seed=fit_seed, label_columns=label_columns, **params)
    synthesizer.label_normals = dict(label_normals or {})
    return synthesizer


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


def sample_during_fit(synthesizer: Any, rows: int, seed: int) -> pd.DataFrame:
    """Rows from a model that is still fitting (SDV's ``sample`` refuses until fit returns)."""
    model = synthesizer._model
    source = getattr(synthesizer, "_label_source", None)
    if source is not None and getattr(model, "label_plan", None) is None:
        synthesizer._plan_labels(source)  # score what users will get: labels planned as after fit
    fit_states, model.random_states = model.random_states, None  # draw from ``seed``, not the fit's
    try:
        with rng_preserved(), torch.no_grad():
            torch.manual_seed(seed)
            np.random.seed(seed)
            raw = model.sample(rows)
            return synthesizer._data_processor.reverse_transform(raw)
    finally:
        model.random_states = fit_states


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


def batched_loader(dataset: Any, batch_size: int, shuffle: bool = False, drop_last: bool = False) -> Any:
    """A DataLoader yielding the same batches as ctgan's, fetched with one index per batch."""
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

    sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(sampler, batch_size, drop_last), batch_size=None)


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
