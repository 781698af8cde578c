"""Speed-ups of ctgan's TVAE fit, and the version gate that switches them off.

``ctgan.TVAE.fit`` builds ``DataTransformer()``, ``DataLoader(dataset, batch_size,
shuffle=True)`` and scores batches with ``_loss_function``. ``EpochReportingTVAE.fit``
(``synthkit._sdv.epochs``) runs the same loop (same draws in the same order) with these pieces,
on synthkit's own instances only; ctgan's module is never changed, so a plain TVAE in the same
process is untouched:

- ``batched_loader``: ctgan's loader fetches every row on its own and stacks them, a fifth of
  each epoch; this one draws the same shuffled indices from the same ``RandomSampler`` and takes
  each batch with one index: same batches, same losses bit for bit.
- ``SynthkitDataTransformer``: each numeric column's Bayesian mixture (``SampledNormalizer``)
  fitted on at most ``FIT_ROWS`` rows, the mixtures of all columns at once (``fit_mixtures``: the
  same mixtures, 6-16x faster), components drawn for all rows at once instead of one
  ``np.random.choice`` per row.
- ``span_loss``: ctgan's loss in a few tensor operations instead of a handful per span; equal
  values and gradients (checked by tests/test_sdv_internals.py).

They are written for ``PINNED_VERSIONS``. When other sdv/ctgan/rdt versions are installed,
``speed_ups_enabled`` says so with one RuntimeWarning and the fit is ctgan's own (slower, same
model).
"""

from __future__ import annotations

import functools
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import torch
from ctgan.data_transformer import ColumnTransformInfo, DataTransformer, SpanInfo
from rdt.transformers import ClusterBasedNormalizer
from rdt.transformers.numerical import FloatFormatter
from sklearn.exceptions import ConvergenceWarning

from synthkit import _version
from synthkit._sdv.mixtures import fit_mixtures

PINNED_VERSIONS = {"sdv": "2.0.0", "ctgan": "0.12.1", "rdt": "2.0.0"}  # what the speed-ups were written for
FIT_ROWS = 10_000  # rows each numeric column's mixture is fitted on (its cost grows with the rows)

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
            found = _version.installed_versions()
            _speed_ups = found == PINNED_VERSIONS
            if not _speed_ups:
                warnings.warn(
                    f"synthkit's training speed-ups are off: installed {_version.versions_text(found)}, "
                    f"written for {_version.versions_text(PINNED_VERSIONS)}. Training uses ctgan's own code "
                    "(slower, same model); install the versions of constraints.txt to get them back.",
                    RuntimeWarning,
                    stacklevel=2,
                )
        return _speed_ups


class SampledNormalizer(ClusterBasedNormalizer):
    """rdt's ClusterBasedNormalizer, with its mixture fitted on a sample and vectorized draws.

    The Bayesian mixture runs its 100 iterations over every row. Columns of more than
    ``FIT_ROWS`` rows are fitted on a fixed sample of that many, so the cost stops growing with
    the seed (smaller samples were tried: 2,000 rows lost 0.012 quality on pump_002 in one run,
    so tables up to 10,000 rows are fitted whole). The mixture itself is scikit-learn's, fitted
    by ``fit_mixtures``; with ``defer_mixture`` set, ``fit`` leaves it to the caller, who fits
    the mixtures of many columns at once and hands each its own with ``use_mixture``.
    ``_transform`` draws each row's component from the same probabilities rdt uses, one
    uniform per row against their cumulative sum, instead of one ``np.random.choice`` per row.
    """

    defer_mixture = False

    def _fit(self, data: pd.Series) -> None:
        FloatFormatter._fit(self, data)
        values = FloatFormatter._transform(self, data)
        values = values[:, 0] if values.ndim > 1 else values
        if len(values) > FIT_ROWS:
            values = np.random.default_rng(0).choice(values, FIT_ROWS, replace=False)
        self.mixture_values, self.mixture_seed = values, self._get_current_random_seed()
        if not self.defer_mixture:
            self.use_mixture(fit_mixtures([values], [self.mixture_seed], self.max_clusters)[0])

    def use_mixture(self, mixture: Any) -> None:
        """Take ``mixture``, fitted on ``mixture_values`` with ``mixture_seed``, as this column's."""
        self._bgm_transformer = mixture
        self.valid_component_indicator = mixture.weights_ > self.weight_threshold
        del self.mixture_values, self.mixture_seed  # not kept in the saved model

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
            if name in discrete_columns:
                return self._fit_discrete(column)
            return self._fit_continuous(column, defer_mixture=True)

        # catch_warnings is process-wide, not per thread: the contexts the threads enter (sklearn's
        # check_array) interleave, and the last one out would leave its filters in place. One
        # context here gives the caller its own filters back once every thread is done.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # as rdt: the mixture's iterations
            threads = torch.get_num_threads()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                infos = list(pool.map(fit_column, raw_data.columns))
            normalizers = [info.transform for info in infos if info.column_type == "continuous"]
            mixtures = fit_mixtures(
                [normalizer.mixture_values for normalizer in normalizers],
                [normalizer.mixture_seed for normalizer in normalizers],
                min(len(raw_data), self._max_clusters),
                threads,
            )
        for normalizer, mixture in zip(normalizers, mixtures):
            normalizer.use_mixture(mixture)
        self._column_transform_info_list = [_with_components(info) for info in infos]
        self.output_info_list = [info.output_info for info in self._column_transform_info_list]
        self.output_dimensions = sum(info.output_dimensions for info in self._column_transform_info_list)

    def _fit_continuous(self, data: pd.DataFrame, defer_mixture: bool = False) -> ColumnTransformInfo:
        """The column's normalizer; with ``defer_mixture``, its mixture is left to ``fit``."""
        normalizer = SampledNormalizer(
            missing_value_generation="from_column",
            max_clusters=min(len(data), self._max_clusters),
            weight_threshold=self._weight_threshold,
        )
        normalizer.defer_mixture = defer_mixture
        normalizer.fit(data, data.columns[0])
        info = ColumnTransformInfo(data.columns[0], "continuous", normalizer, None, None)
        return info if defer_mixture else _with_components(info)


def _with_components(info: ColumnTransformInfo) -> ColumnTransformInfo:
    """A numeric column's spans, once its mixture says how many components it keeps."""
    if info.column_type != "continuous":
        return info
    components = int(sum(info.transform.valid_component_indicator))
    return info._replace(
        output_info=[SpanInfo(1, "tanh"), SpanInfo(components, "softmax")], output_dimensions=1 + components
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


def batched_loader(dataset: Any, batch_size: int, shuffle: bool = False, drop_last: bool = False) -> Any:
    """A DataLoader yielding the same batches as ctgan's, fetched with one index per batch."""
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

    sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(sampler, batch_size, drop_last), batch_size=None)
