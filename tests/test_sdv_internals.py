"""Pins the SDV/ctgan internals synthkit._sdv relies on: fails loudly when an upgrade moves them."""

import inspect

import ctgan
import sdv
from ctgan.data_transformer import DataTransformer
from ctgan.synthesizers.tvae import TVAE
from sdv.single_table import TVAESynthesizer
from sdv.single_table.base import BaseSingleTableSynthesizer

from synthkit import _sdv


def test_installed_versions_are_the_pinned_ones():
    assert {"sdv": sdv.__version__, "ctgan": ctgan.__version__} == _sdv.PINNED_VERSIONS, (
        "SDV or ctgan changed: re-check every assumption listed in synthkit/_sdv.py, then update "
        "PINNED_VERSIONS"
    )


def test_tvae_fit_rebinds_loss_values_once_per_epoch():
    source = inspect.getsource(TVAE).split("def fit(")[1].split("def sample(")[0]
    assert source.count("self.loss_values =") == 3  # at start, first epoch, later epochs
    assert "for i in iterator:" in source
    assert "'Epoch'" in source and "'Loss'" in source


def test_sdv_tvae_fit_builds_the_model_from_model_kwargs():
    source = inspect.getsource(TVAESynthesizer._fit)
    assert "TVAE(**self._model_kwargs)" in source
    assert "detect_discrete_columns" in source
    assert "_hyper_transformer.field_transformers" in source


def test_data_transformer_uses_joblib_parallel():
    assert "Parallel(n_jobs=-1)" in inspect.getsource(DataTransformer)


def test_sampling_state_hooks_exist():
    assert callable(BaseSingleTableSynthesizer._set_random_state)
    assert callable(BaseSingleTableSynthesizer.reset_sampling)
    assert "self.decoder" in inspect.getsource(TVAE).split("def sample(")[1]


def test_tvae_builds_its_loader_from_the_module_global():
    source = inspect.getsource(TVAE).split("def fit(")[1].split("def sample(")[0]
    assert "DataLoader(dataset, batch_size=self.batch_size, shuffle=True, drop_last=False)" in source


def test_batched_loader_trains_exactly_like_ctgan():
    """Same seed, same data: synthkit's lean fit and plain ctgan give bit-identical losses."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=300), "y": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)}
    )
    kwargs = dict(epochs=2, batch_size=64, compress_dims=(16,), decompress_dims=(16,), embedding_dim=8)

    plain = TVAE(**kwargs)
    plain.set_random_state(3)
    plain.fit(frame, discrete_columns=["c"])

    lean = _sdv.EpochReportingTVAE(**kwargs)
    lean.set_random_state(3)
    with _sdv.lean_fit(threads=__import__("torch").get_num_threads()):
        lean.fit(frame, discrete_columns=["c"])
    assert lean.loss_values["Loss"].tolist() == plain.loss_values["Loss"].tolist()
    assert _sdv.tvae_module.DataLoader is _sdv._CTGAN_DATALOADER  # swapped back
