"""SDV's synthesizers, fitting synthkit's models.

What it relies on, checked against sdv 2.0.0: ``sdv.single_table.TVAESynthesizer._fit`` (and
CTGAN's) builds the model from ``self._model_kwargs`` and fits it; overriding it lets synthkit
build its model subclass, seed it and hand it the epoch callback; ``_preprocess`` (the fit's
preprocessing, given the rows the constraints transformed) and
``_data_processor.prepare_for_fitting`` let it change the transformers SDV assigns.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer
from sdv.single_table.utils import detect_discrete_columns

from synthkit._sdv.columnwise import use_columnwise_transforms
from synthkit._sdv.epochs import EarlyStop, EpochCallback, SynthkitCTGAN
from synthkit._sdv.sampler import SynthkitTVAE, build_joint_groups, build_label_plan, repeat_rare_labels

if TYPE_CHECKING:
    from synthkit.roles import Normal


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

    def _preprocess(self, table_data: pd.DataFrame) -> pd.DataFrame:
        self._data_processor.prepare_for_fitting(table_data)  # the rows as the constraints left them
        gappy = empty_cells_as_columns(self.get_transformers(), table_data)
        if gappy:
            self.update_transformers(gappy)
        return super()._preprocess(table_data)

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
        self._model.transformer_rows = processed_data  # column modes fitted to the real mix of rows
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*Attempting to run cuBLAS.*")
                self._model.fit(fit_data, discrete_columns=discrete_columns)
        except EarlyStop:
            pass  # the callback restored the best weights; the model is fitted
        finally:
            self._model.epoch_callback = None
            self._model.set_random_state(None)
            self._model.transformer_rows = None
            self._label_source = None
        self._plan_labels(processed_data)

    def _plan_labels(self, processed_data: pd.DataFrame) -> None:
        """Give a TVAE its label plan, its joint groups and the training rows' marginals (all
        need the transformer, which ctgan builds inside fit)."""
        if isinstance(self._model, SynthkitTVAE) and getattr(self._model, "transformer", None) is not None:
            self._model.label_plan = build_label_plan(
                self._model.transformer,
                processed_data,
                self.label_columns,
                getattr(self, "label_normals", None),
            )
            self._model.learn_real_marginals(processed_data)  # per label combination too: after the plan
            categories = [
                g for g in getattr(self, "joint_groups", ()) if not set(g) & set(self.label_columns)
            ]
            self._model.joint_groups = build_joint_groups(self._model.transformer, processed_data, categories)

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


def empty_cells_as_columns(transformers: dict[str, Any], table: pd.DataFrame) -> dict[str, Any]:
    """Copies of the transformers of columns with empty cells that model which cells are empty in
    a column of their own (``<column>.is_null``), learned with the other columns.

    SDV's default fills empty cells with the column's mean and empties random rows at sampling. The
    filled means are a spike the model reproduces in rows that keep their value: on a pump log with
    20-30 % empty cells, 19 % of the kept values of those columns were the mean (Column Shapes 0.83
    against 0.96 real-vs-real), and which cells are empty lost its relation to the other columns.
    """
    gappy = {}
    for column, transformer in transformers.items():
        if transformer is None or getattr(transformer, "missing_value_generation", None) != "random":
            continue
        if column in table and table[column].isna().any():
            gappy[column] = copy.deepcopy(transformer)
            gappy[column].missing_value_generation = "from_column"
    return gappy


def build_synthesizer(
    kind: str,
    metadata: Any,
    fit_seed: int | None,
    label_columns: tuple[str, ...],
    params: dict[str, Any],
    label_normals: dict[str, Normal] | None = None,
    joint_groups: Sequence[Sequence[str]] = (),
) -> Any:
    """A synthkit synthesizer of ``kind``; GaussianCopula is SDV's own (it has no epochs).

    ``label_normals`` (each label's no-failure value) tells the sampler which label combinations
    are failures, for ``failure_ratio``; a TVAE draws each of the ``joint_groups`` of category
    columns together (one category written in several 0/1 columns).
    """
    if kind == "gaussian_copula":
        synthesizer = GaussianCopulaSynthesizer(metadata, **params)
        return use_columnwise_transforms(_one_hot_kept(synthesizer, joint_groups))
    model = SynthkitTVAESynthesizer if kind == "tvae" else SynthkitCTGANSynthesizer
    synthesizer = model(metadata, fit_seed=fit_seed, label_columns=label_columns, **params)
    synthesizer.label_normals = dict(label_normals or {})
    synthesizer.joint_groups = [list(group) for group in joint_groups]
    if kind != "tvae":
        synthesizer = _one_hot_kept(synthesizer, joint_groups)
    return use_columnwise_transforms(synthesizer)


def _one_hot_kept(synthesizer: Any, groups: Sequence[Sequence[str]]) -> Any:
    """A synthesizer that learns each group of 0/1 columns with one set per row as one category
    (SDV's ``OneHotEncoding`` constraint), so that its rows have one set too. A TVAE draws the
    groups jointly instead (``SynthkitTVAE.joint_groups``, and the label plan for labels)."""
    from sdv.cag import OneHotEncoding

    if groups:
        synthesizer.add_constraints(
            [OneHotEncoding(list(g), learning_strategy="categorical") for g in groups]
        )
    return synthesizer
