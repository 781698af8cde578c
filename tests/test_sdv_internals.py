"""Pins the SDV/ctgan internals synthkit._sdv relies on: fails loudly when an upgrade moves them."""

import inspect
import warnings

import ctgan
import numpy as np
import pandas as pd
import pytest
import sdv
import torch
from ctgan.data_transformer import DataTransformer
from ctgan.synthesizers.tvae import TVAE
from rdt.transformers import ClusterBasedNormalizer
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


def test_tvae_fit_takes_its_transformer_and_loss_from_module_globals():
    source = inspect.getsource(TVAE).split("def fit(")[1].split("def sample(")[0]
    assert "self.transformer = DataTransformer()" in source
    assert "_loss_function(" in source


def test_cluster_based_normalizer_is_the_one_sampled_normalizer_copies():
    fit = inspect.getsource(ClusterBasedNormalizer._fit)
    assert "weight_concentration_prior_type='dirichlet_process'" in fit
    assert "weight_concentration_prior=0.001" in fit
    transform = inspect.getsource(ClusterBasedNormalizer._transform)
    assert "component_probs[i] + 1e-6" in transform and "np.clip(normalized, -0.99, 0.99)" in transform


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x": np.r_[rng.normal(size=500), rng.normal(6, 0.5, 500)],
            "y": rng.exponential(size=1000),
            "c": rng.choice(["a", "b", "c"], 1000, p=[0.7, 0.2, 0.1]),
        }
    )


def test_batched_loader_trains_exactly_like_ctgan(frame, monkeypatch):
    """Same seed, same data: ctgan with the batched loader gives bit-identical losses."""
    kwargs = dict(epochs=2, batch_size=64, compress_dims=(16,), decompress_dims=(16,), embedding_dim=8)
    plain = TVAE(**kwargs)
    plain.set_random_state(3)
    plain.fit(frame, discrete_columns=["c"])

    monkeypatch.setattr(_sdv.tvae_module, "DataLoader", _sdv.batched_loader)
    batched = TVAE(**kwargs)
    batched.set_random_state(3)
    batched.fit(frame, discrete_columns=["c"])
    assert batched.loss_values["Loss"].tolist() == plain.loss_values["Loss"].tolist()


def test_span_loss_gives_ctgans_loss_and_gradients(frame):
    transformer = DataTransformer()
    transformer.fit(frame, ["c"])
    data = torch.tensor(transformer.transform(frame), dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)
    recon = torch.randn(data.shape, generator=generator, requires_grad=True)
    sigmas = (torch.rand(data.shape[1], generator=generator) * 0.5 + 0.05).requires_grad_()
    mu = torch.randn(len(data), 8, generator=generator, requires_grad=True)
    logvar = torch.randn(len(data), 8, generator=generator, requires_grad=True)
    inputs = [recon, sigmas, mu, logvar]

    results = []
    for loss in (_sdv.tvae_module._loss_function, _sdv.span_loss):
        terms = loss(recon, data, sigmas, mu, logvar, transformer.output_info_list, 2)
        results.append((terms, torch.autograd.grad(sum(terms), inputs)))
    (ctgan_terms, ctgan_grads), (span_terms, span_grads) = results
    for ctgan_value, span_value in zip([*ctgan_terms, *ctgan_grads], [*span_terms, *span_grads]):
        torch.testing.assert_close(span_value, ctgan_value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # fitted outside the transformer
def test_sampled_normalizer_fits_rdts_mixture_and_draws_its_components(frame):
    column = frame[["x"]]
    rdt_normalizer, sampled = (
        kind(missing_value_generation="from_column", max_clusters=10)
        for kind in (ClusterBasedNormalizer, _sdv.SampledNormalizer)
    )
    for normalizer in (rdt_normalizer, sampled):
        normalizer.fit(column, "x")
    assert len(column) <= _sdv.FIT_ROWS  # so both fit all rows: the same mixture
    np.testing.assert_array_equal(sampled._bgm_transformer.means_, rdt_normalizer._bgm_transformer.means_)

    np.random.seed(0)
    encoded = sampled.transform(column)
    components = encoded["x.component"].to_numpy().astype(int)
    probabilities = sampled._bgm_transformer.predict_proba(column.to_numpy())
    probabilities = probabilities[:, sampled.valid_component_indicator]
    drawn_share = np.bincount(components, minlength=probabilities.shape[1]) / len(column)
    np.testing.assert_allclose(drawn_share, probabilities.mean(axis=0), atol=0.03)
    decoded = sampled.reverse_transform(encoded)["x"].to_numpy()
    inside = encoded["x.normalized"].abs().to_numpy() < 0.99  # values rdt does not clip
    np.testing.assert_allclose(decoded[inside], frame["x"].to_numpy()[inside], rtol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # fitted outside the transformer
def test_sampled_normalizer_fits_a_bounded_sample_of_big_columns(monkeypatch):
    from sklearn.mixture import BayesianGaussianMixture

    fitted_rows = []
    original_fit = BayesianGaussianMixture.fit

    def counting_fit(self, x, y=None):
        fitted_rows.append(len(x))
        return original_fit(self, x)

    monkeypatch.setattr(BayesianGaussianMixture, "fit", counting_fit)
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 20_000), rng.normal(8, 1, 20_000)]})
    normalizer = _sdv.SampledNormalizer(missing_value_generation="from_column", max_clusters=10)
    normalizer.fit(big, "x")
    assert fitted_rows == [_sdv.FIT_ROWS] and _sdv.FIT_ROWS < len(big)
    means = normalizer._bgm_transformer.means_[normalizer.valid_component_indicator].ravel()
    assert min(abs(means - 0)) < 0.5 and min(abs(means - 8)) < 0.5  # both modes found


def test_data_transformer_fit_is_the_one_synthkit_fits_side_by_side():
    source = inspect.getsource(DataTransformer.fit)
    assert "self._column_raw_dtypes = raw_data.infer_objects().dtypes" in source
    assert "self._fit_discrete(raw_data[[column_name]])" in source
    assert "self._fit_continuous(raw_data[[column_name]])" in source


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # fitted outside the transformer
def test_columns_fitted_side_by_side_give_the_sequential_transformer(frame):
    transformers = []
    for threads, fit in ((1, DataTransformer.fit), (2, _sdv.SynthkitDataTransformer.fit)):
        transformer = _sdv.SynthkitDataTransformer()
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            fit(transformer, frame, ["c"])
        finally:
            torch.set_num_threads(previous)
        transformers.append(transformer)
    sequential, side_by_side = transformers
    assert side_by_side.output_info_list == sequential.output_info_list
    assert side_by_side.output_dimensions == sequential.output_dimensions
    np.random.seed(5)
    expected = sequential.transform(frame)
    np.random.seed(5)
    np.testing.assert_array_equal(side_by_side.transform(frame), expected)


def test_lean_fit_swaps_ctgans_globals_and_puts_them_back():
    with _sdv.lean_fit(threads=1):
        assert _sdv.tvae_module.DataTransformer is _sdv.SynthkitDataTransformer
        assert _sdv.tvae_module._loss_function is _sdv.span_loss
    assert all(getattr(_sdv.tvae_module, name) is value for name, value in _sdv._CTGAN_GLOBALS.items())


def test_columns_fitted_side_by_side_leave_the_callers_warning_filters_alone():
    """catch_warnings is process-wide: contexts entered and left by the threads (sklearn's
    check_array, the mixture fit) interleave, and the last one out used to leave its own filters
    in place, so a warning raised later (a Redis sink's) could be ignored."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=3_000) * (i + 1) for i in range(12)})
    previous = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            filters, showwarning = list(warnings.filters), warnings.showwarning
            for _ in range(8):
                _sdv.SynthkitDataTransformer().fit(frame)
                assert warnings.filters == filters and warnings.showwarning is showwarning
            warnings.warn("still heard", RuntimeWarning, stacklevel=1)
    finally:
        torch.set_num_threads(previous)
    assert [str(w.message) for w in caught] == ["still heard"]
