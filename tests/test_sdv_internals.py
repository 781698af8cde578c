"""Pins the SDV/ctgan internals synthkit._sdv relies on: fails loudly when an upgrade moves them."""

import inspect
import threading
import warnings

import cloudpickle
import ctgan
import ctgan.synthesizers.tvae as tvae_module
import numpy as np
import pandas as pd
import pytest
import rdt
import sdv
import torch
from ctgan.data_transformer import DataTransformer
from ctgan.synthesizers.tvae import TVAE
from rdt.transformers import ClusterBasedNormalizer, FloatFormatter
from sdv.metadata import Metadata
from sdv.single_table import TVAESynthesizer
from sdv.single_table.base import BaseSingleTableSynthesizer

from synthkit import _sdv, _version, generate_seed_data, train_tvae
from synthkit._sdv import speedups
from tests.conftest import TINY_TVAE


def test_installed_versions_are_the_pinned_ones():
    installed = {"sdv": sdv.__version__, "ctgan": ctgan.__version__, "rdt": rdt.__version__}
    assert installed == _sdv.installed_versions() == _sdv.PINNED_VERSIONS, (
        "SDV, ctgan or rdt changed: re-check every assumption listed in synthkit/_sdv/, then update "
        "PINNED_VERSIONS and constraints.txt"
    )
    assert _sdv.speed_ups_enabled()


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


def test_fit_preprocessing_assigns_transformers_that_can_model_empty_cells():
    source = inspect.getsource(BaseSingleTableSynthesizer._preprocess)
    assert "self._data_processor.fit(table_data)" in source  # assigns only what is not assigned yet
    assert "prepare_for_fitting" in inspect.getsource(BaseSingleTableSynthesizer._auto_assign_transformers)
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0]})
    formatter = rdt.transformers.FloatFormatter(missing_value_generation="from_column")
    assert list(formatter.fit_transform(frame, "x").columns) == ["x", "x.is_null"]
    assert formatter.reverse_transform(pd.DataFrame({"x": [2.0, 2.0], "x.is_null": [0.0, 1.0]}))[
        "x"
    ].isna().tolist() == [False, True]


def test_data_transformer_uses_joblib_parallel():
    assert "Parallel(n_jobs=-1)" in inspect.getsource(DataTransformer)


def test_sampling_state_hooks_exist():
    assert callable(BaseSingleTableSynthesizer._set_random_state)
    assert callable(BaseSingleTableSynthesizer.reset_sampling)
    assert "self.decoder" in inspect.getsource(TVAE).split("def sample(")[1]


def test_conditional_sampling_steps_are_those_of_sample_from_conditions():
    source = inspect.getsource(BaseSingleTableSynthesizer.sample_from_conditions)
    assert "conditions = self._make_condition_dfs(conditions)" in source
    assert "self._validate_conditions(conditions)" in source
    assert "self._sample_with_conditions(" in source and "progress_bar," in source
    parameters = list(inspect.signature(BaseSingleTableSynthesizer._sample_with_conditions).parameters)
    assert parameters[:5] == ["self", "conditions", "max_tries_per_batch", "batch_size", "progress_bar"]


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


def test_batched_loader_trains_exactly_like_ctgan(small_frame, monkeypatch):
    """Same seed, same data: ctgan with the batched loader gives bit-identical losses."""
    kwargs = dict(epochs=2, batch_size=64, compress_dims=(16,), decompress_dims=(16,), embedding_dim=8)
    plain = TVAE(**kwargs)
    plain.set_random_state(3)
    plain.fit(small_frame, discrete_columns=["c"])

    monkeypatch.setattr(tvae_module, "DataLoader", _sdv.batched_loader)
    batched = TVAE(**kwargs)
    batched.set_random_state(3)
    batched.fit(small_frame, discrete_columns=["c"])
    assert batched.loss_values["Loss"].tolist() == plain.loss_values["Loss"].tolist()


@pytest.fixture
def small_frame(frame):
    """Both modes of ``frame`` in under 500 rows, which ctgan transforms without joblib workers."""
    return frame.iloc[::3].reset_index(drop=True)


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
    for loss in (tvae_module._loss_function, _sdv.span_loss):
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
    assert sampled._bgm_transformer.n_iter_ == rdt_normalizer._bgm_transformer.n_iter_
    np.testing.assert_allclose(
        sampled._bgm_transformer.means_, rdt_normalizer._bgm_transformer.means_, rtol=1e-7
    )
    np.testing.assert_array_equal(sampled.valid_component_indicator, rdt_normalizer.valid_component_indicator)
    assert not hasattr(sampled, "mixture_values")  # the fitted rows are not saved with the model

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
    fitted_rows = []
    original = speedups.fit_mixtures

    def counting_fit(columns, *args, **kwargs):
        fitted_rows.extend(len(column) for column in columns)
        return original(columns, *args, **kwargs)

    monkeypatch.setattr(speedups, "fit_mixtures", counting_fit)
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 20_000), rng.normal(8, 1, 20_000)]})
    normalizer = _sdv.SampledNormalizer(missing_value_generation="from_column", max_clusters=10)
    normalizer.fit(big, "x")
    assert fitted_rows == [_sdv.FIT_ROWS] and _sdv.FIT_ROWS < len(big)
    means = normalizer._bgm_transformer.means_[normalizer.valid_component_indicator].ravel()
    assert min(abs(means - 0)) < 0.5 and min(abs(means - 8)) < 0.5  # both modes found


def mixture_columns(rows: int) -> list[np.ndarray]:
    """Columns as sensors log them: two modes, few integer levels, skew, a rare flag, a big offset."""
    rng = np.random.default_rng(7)
    return [
        np.where(rng.random(rows) < 0.3, rng.normal(5, 1, rows), rng.normal(-2, 0.3, rows)),
        rng.integers(0, 4, rows).astype(float),
        rng.exponential(3, rows),
        (rng.random(rows) < 0.03).astype(float),
        1e6 + rng.normal(0, 0.01, rows),
        np.round(rng.gamma(2, 50, rows), 1),
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("rows, n_components", [(1_500, 10), (40, 10), (12, 3)])
def test_mixtures_fitted_all_at_once_are_scikit_learns_fitted_one_by_one(rows, n_components, monkeypatch):
    from sklearn.mixture import BayesianGaussianMixture

    from synthkit._sdv import mixtures

    monkeypatch.setattr(mixtures, "BLOCK_CELLS", rows * n_components * 2)  # blocks of 2 columns, 2 threads
    columns = mixture_columns(rows)
    seeds = [11, 42, 7, 42, 3, 99]
    batched = mixtures.fit_mixtures(columns, seeds, n_components, threads=2)
    for column, seed, fast in zip(columns, seeds, batched):
        one = BayesianGaussianMixture(
            n_components=n_components,
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            random_state=seed,
        ).fit(column.reshape(-1, 1))
        assert set(vars(fast)) == set(vars(one))
        assert (fast.n_iter_, fast.converged_) == (one.n_iter_, one.converged_)
        # rounding apart: 1e-13 on most columns, 1e-5 on the one whose spread is 1e-8 of its mean
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_", "mean_precision_"):
            np.testing.assert_allclose(
                getattr(fast, name), getattr(one, name), rtol=1e-4, atol=1e-12, err_msg=name
            )
        np.testing.assert_allclose(fast.lower_bounds_, one.lower_bounds_, rtol=1e-7)
        probe = column[:50].reshape(-1, 1)
        np.testing.assert_allclose(fast.predict_proba(probe), one.predict_proba(probe), atol=1e-5)


def test_data_transformer_fit_is_the_one_synthkit_fits_side_by_side():
    source = inspect.getsource(DataTransformer.fit)
    assert "self._column_raw_dtypes = raw_data.infer_objects().dtypes" in source
    assert "self._fit_discrete(raw_data[[column_name]])" in source
    assert "self._fit_continuous(raw_data[[column_name]])" in source


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # fitted outside the transformer
def test_mixtures_fitted_all_at_once_give_the_transformer_fitted_column_by_column(frame):
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
    np.testing.assert_allclose(
        side_by_side.transform(frame), expected, rtol=1e-9
    )  # mixtures equal to rounding


@pytest.mark.slow
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


TINY_FIT = dict(epochs=2, batch_size=64, compress_dims=(16,), decompress_dims=(16,), embedding_dim=8)
CTGAN_PIECES = ("DataLoader", "DataTransformer", "_loss_function")


def _losses(model, frame):
    model.set_random_state(3)
    model.fit(frame, discrete_columns=["c"])
    return model.loss_values["Loss"].tolist()


def test_synthkit_fit_is_ctgans_loop_with_synthkits_pieces(small_frame, monkeypatch):
    """The copied loop draws what ctgan's draws: bit-identical losses to ctgan's own fit with
    synthkit's transformer, loader and loss put in its module."""
    swaps = (_sdv.batched_loader, _sdv.SynthkitDataTransformer, _sdv.span_loss)
    with monkeypatch.context() as patch:
        for name, replacement in zip(CTGAN_PIECES, swaps):
            patch.setattr(tvae_module, name, replacement)
        expected = _losses(TVAE(**TINY_FIT), small_frame)
    model = _sdv.EpochReportingTVAE(**TINY_FIT)
    assert _losses(model, small_frame) == expected
    assert type(model.transformer) is _sdv.SynthkitDataTransformer


def test_synthkit_fits_leave_ctgans_module_alone(small_frame):
    originals = {name: getattr(tvae_module, name) for name in CTGAN_PIECES}
    seen = []
    model = _sdv.EpochReportingTVAE(**TINY_FIT)
    model.epoch_callback = lambda epoch, loss: seen.append({n: getattr(tvae_module, n) for n in CTGAN_PIECES})
    with _sdv.lean_fit(threads=1):
        model.fit(small_frame, discrete_columns=["c"])
    assert seen == [originals, originals]


@pytest.fixture
def other_versions(monkeypatch):
    """Installed versions the speed-ups were not written for (nothing is installed)."""
    found = {"sdv": "2.1.0", "ctgan": "0.12.2", "rdt": "2.0.0"}
    monkeypatch.setattr(_version, "installed_versions", lambda: dict(found))
    monkeypatch.setattr(speedups, "_speed_ups", None)  # decide again, and again after the test
    return found


def _speed_up_warnings(caught):
    return [w for w in caught if w.category is RuntimeWarning and "speed-ups are off" in str(w.message)]


def test_with_other_versions_the_fit_is_ctgans_own(small_frame, other_versions):
    with pytest.warns(RuntimeWarning, match="speed-ups are off"):
        model = _sdv.EpochReportingTVAE(**TINY_FIT)
        losses = _losses(model, small_frame)
    assert losses == _losses(TVAE(**TINY_FIT), small_frame)
    assert type(model.transformer) is DataTransformer


def test_training_falls_back_with_one_warning_on_other_versions(workspace, other_versions):
    generate_seed_data("pump_001", 400, seed=1, workspace=workspace)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train_tvae("pump_001", seed=1, workspace=workspace, **TINY_TVAE)
        assert not _sdv.speed_ups_enabled()  # decided once: no second warning
    assert len(result.loss_history) == result.epochs_run == TINY_TVAE["epochs"]
    (warning,) = _speed_up_warnings(caught)
    message = str(warning.message)
    assert "sdv 2.1.0" in message and "ctgan 0.12.2" in message  # found
    assert "sdv 2.0.0" in message and "ctgan 0.12.1" in message  # expected
    with open(result.model_path, "rb") as file:
        synthesizer = cloudpickle.load(file)
    assert type(synthesizer._model.transformer) is DataTransformer  # ctgan's, not synthkit's
    assert len(_sdv.sample_rows(synthesizer, 50, seed=1)) == 50


def test_a_plain_sdv_tvae_fitted_beside_a_synthkit_training_gets_ctgans_losses(workspace, monkeypatch):
    """While a synthkit training is inside its fit (held at its first epoch, so it draws nothing
    from the shared random generators meanwhile), a plain SDV TVAE fits in another thread."""
    monkeypatch.setenv(_sdv.THREADS_ENV, str(torch.get_num_threads()))  # same torch threads as alone
    rng = np.random.default_rng(2)
    table = pd.DataFrame(  # under 500 rows: ctgan transforms in-process
        {"x": rng.normal(size=300), "y": rng.exponential(size=300), "c": rng.choice(["a", "b"], 300)}
    )
    metadata = Metadata.detect_from_dataframes({"table": table})

    def plain_fit():
        synthesizer = TVAESynthesizer(metadata, **TINY_FIT)
        np.random.seed(7)
        torch.manual_seed(7)
        synthesizer.fit({"table": table})
        return synthesizer.get_loss_values()["Loss"].tolist()

    alone = plain_fit()
    generate_seed_data("pump_001", 300, seed=1, workspace=workspace)
    inside, release = threading.Event(), threading.Event()

    def hold_first_epoch(event):
        if event.epoch == 1:
            inside.set()
            release.wait(120)

    training = threading.Thread(
        target=train_tvae,
        args=("pump_001",),
        kwargs=dict(seed=1, workspace=workspace, sinks=[hold_first_epoch], **TINY_TVAE),
    )
    training.start()
    try:
        assert inside.wait(120), "the synthkit training did not reach its first epoch"
        beside = []
        plain = threading.Thread(target=lambda: beside.append(plain_fit()))
        plain.start()
        plain.join(120)
    finally:
        release.set()
        training.join(120)
    assert beside == [alone]


def test_torch_threads_come_back_when_fits_overlap():
    """Two fits in threads, entering and leaving in the order that used to leave the first
    fit's bound behind for the process (the second saved the first's bound and restored it)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(3)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with _sdv.torch_threads(1):
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with _sdv.torch_threads(1):
            second_in.set()
            first_out.wait(10)

    def count_in_a_new_thread():
        counts = []
        thread = threading.Thread(target=lambda: counts.append(torch.get_num_threads()))
        thread.start()
        thread.join()
        return counts[0]

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert torch.get_num_threads() == 3
        assert count_in_a_new_thread() == 3
    finally:
        torch.set_num_threads(previous)


def logged_table(rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "load": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(50, 5, rows)),
            "count": rng.integers(0, 9, rows),
            "grade": rng.choice(["L", "M", "H", None], rows),
            "at": pd.date_range("2024-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M"),
            "ok": rng.random(rows) < 0.9,
            "flow": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(7, 1, rows).round(2)),
            "wear": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(3, 1, rows)),
            "cycles": rng.integers(100, 900, rows),
        },
        index=np.arange(rows) * 2,  # not a plain range: taken by position, as rdt's concat does
    )


def test_a_columnwise_hyper_transformer_gives_rdts_tables_and_errors():
    import copy

    from rdt import HyperTransformer
    from rdt.errors import InvalidDataError

    from synthkit._sdv.columnwise import ColumnwiseHyperTransformer, floats_back

    table = logged_table()
    rdts = HyperTransformer()
    rdts.detect_initial_config(table)
    as_sdv = {"learn_rounding_scheme": True, "enforce_min_max_values": True}  # SDV's numbers
    rdts.update_transformers(
        {
            "load": ClusterBasedNormalizer(missing_value_generation="from_column"),
            "flow": FloatFormatter(missing_value_generation="from_column", **as_sdv),
            "wear": FloatFormatter(missing_value_generation="random", **as_sdv),  # gaps drawn at random
            "cycles": FloatFormatter(missing_value_generation="random", **as_sdv),
        }
    )
    rdts.fit(table)
    columnwise = copy.deepcopy(rdts)  # same fitted transformers, same random states
    columnwise.__class__ = ColumnwiseHyperTransformer
    transformed = rdts.transform(table)
    assert "load.is_null" in transformed and "at" in transformed
    pd.testing.assert_frame_equal(columnwise.transform(table), transformed)
    subset = table[["load", "grade"]]
    pd.testing.assert_frame_equal(columnwise.transform_subset(subset), rdts.transform_subset(subset))
    pd.testing.assert_frame_equal(
        columnwise.reverse_transform(transformed), rdts.reverse_transform(transformed)
    )
    rng = np.random.default_rng(5)  # as a model gives them: off the seed's rounding and range
    drawn = transformed.assign(
        **{c: transformed[c] * rng.uniform(0.5, 1.5, len(transformed)) for c in ("flow", "wear", "cycles")}
    )
    turned = rdts.field_transformers
    assert floats_back(turned["flow"], drawn[["flow", "flow.is_null"]]) is not None  # without rdt
    assert floats_back(turned["cycles"], drawn[["cycles"]]) is not None
    assert floats_back(turned["wear"], drawn[["wear"]]) is None  # gaps drawn at random: rdt's way
    for _ in range(2):  # the random states move on alike
        restored = columnwise.reverse_transform(drawn)
        pd.testing.assert_frame_equal(restored, rdts.reverse_transform(drawn))
    flow = restored["flow"].dropna()
    assert restored["cycles"].between(100, 899).all() and (flow == flow.round(2)).all()
    assert restored["wear"].isna().any() and restored["flow"].isna().any()
    part = transformed[["load.normalized", "load.component", "load.is_null", "ok"]]
    pd.testing.assert_frame_equal(
        columnwise.reverse_transform_subset(part), rdts.reverse_transform_subset(part)
    )

    for call, bad in (
        ("transform", table.assign(extra=1)),
        ("transform", table[["load"]]),
        ("transform_subset", table.assign(extra=1)),
        ("reverse_transform", transformed.assign(extra=1)),
        ("reverse_transform", transformed[["ok"]]),
    ):
        messages = []
        for hyper in (rdts, columnwise):
            with pytest.raises(InvalidDataError) as raised:
                getattr(hyper, call)(bad)
            messages.append(str(raised.value))
        assert messages[0] == messages[1], call


def test_synthkits_synthesizers_transform_column_by_column():
    from synthkit._sdv.columnwise import ColumnwiseHyperTransformer
    from synthkit._sdv.synthesizers import build_synthesizer

    metadata = Metadata.detect_from_dataframes({"machine": logged_table()})
    for kind in ("tvae", "ctgan", "gaussian_copula"):
        synthesizer = build_synthesizer(kind, metadata, 0, (), {})
        assert type(synthesizer._data_processor._hyper_transformer) is ColumnwiseHyperTransformer, kind


@pytest.mark.parametrize("settings", [{}, {"enforce_min_max_values": True, "learn_rounding_scheme": True}])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_numbers_are_turned_back_from_mixture_components_as_rdt_does(settings, dtype):
    from synthkit._sdv.sampler import normalized_back

    rng = np.random.default_rng(6)
    column = pd.DataFrame({"load": np.concatenate([rng.normal(10, 1, 300), rng.normal(30, 3, 200)]).round(1)})
    column = column.astype(dtype)
    normalizer = ClusterBasedNormalizer(missing_value_generation="from_column", max_clusters=10, **settings)
    normalizer.fit(column, "load")  # as ctgan fits it: no empty cells
    values = rng.uniform(-1.2, 1.2, 400)
    components = rng.integers(0, int(normalizer.valid_component_indicator.sum()), 400).astype(float)
    pair = pd.DataFrame({"load.normalized": values, "load.component": components})
    pd.testing.assert_series_equal(
        normalized_back(normalizer, values, components), normalizer.reverse_transform(pair)["load"]
    )
