"""Fidelity: distributions and rare labels kept, labels consistent, early stopping, model kinds."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from synthkit import _sdv, generate_seed_data, load_model
from synthkit._sdv.runtime import drawing_from
from synthkit._sdv.sampler import label_key_texts
from synthkit.early_stopping import quick_quality
from synthkit.errors import InvalidParameterError
from synthkit.generation import generate_synthetic_data
from synthkit.training import train_model, train_tvae
from tests.conftest import ROOT

SMALL = dict(batch_size=200, compress_dims=(64,), decompress_dims=(64,), embedding_dim=32)


@pytest.fixture(scope="module")
def cnc(tmp_path_factory):
    root = tmp_path_factory.mktemp("fidelity") / "ws"
    generate_seed_data("cnc_machine_001", 2000, seed=3, workspace=root)
    train_tvae("cnc_machine_001", epochs=15, seed=2, workspace=root, **SMALL)
    return root


@pytest.mark.slow  # the module's model (2,000 rows, 15 epochs) takes about 25 s
def test_softmax_sampling_keeps_a_skewed_category_where_argmax_does_not(cnc):
    real = pd.read_parquet(cnc / "machines/cnc_machine_001/seed/seed.parquet")["product_quality"]
    real_shares = real.value_counts(normalize=True)
    model = load_model("cnc_machine_001", cnc).synthesizer
    model._model.label_plan = None  # judge the decoder alone, without label quotas
    softmax = _sdv.sample_rows(model, 5000, 1)["product_quality"].value_counts(normalize=True)
    model._model.decode = "argmax"
    argmax = _sdv.sample_rows(model, 5000, 1)["product_quality"].value_counts(normalize=True)
    tvd = lambda q: 0.5 * real_shares.sub(q, fill_value=0).abs().sum()  # noqa: E731
    assert tvd(softmax) < 0.08
    assert tvd(argmax) > 0.2


@pytest.mark.slow
def test_labels_keep_their_rates_and_never_contradict(cnc):
    result = generate_synthetic_data("cnc_machine_001", 4000, 500, 500, seed=1, workspace=cnc, report=False)
    frame = pd.concat(pd.read_parquet(p) for p in result.file_paths.values())
    seed = pd.read_parquet(cnc / "machines/cnc_machine_001/seed/seed.parquet")
    assert ((frame["failure"] == 1) == (frame["failure_mode"] != "none")).all()
    for mode, share in seed["failure_mode"].value_counts(normalize=True).items():
        assert (frame["failure_mode"] == mode).mean() == pytest.approx(share, rel=0.25), mode
    assert 0.8 <= frame["failure"].mean() / seed["failure"].mean() <= 1.25


@pytest.mark.slow
def test_a_different_failure_ratio_can_be_asked_for(cnc):
    result = generate_synthetic_data(
        "cnc_machine_001", 3000, 0, 0, seed=2, failure_ratio=0.25, workspace=cnc, report=False
    )
    frame = pd.read_parquet(result.file_paths["train"])
    assert frame["failure"].mean() == pytest.approx(0.25, abs=0.002)
    assert frame.loc[frame["failure"] == 1, "failure_mode"].nunique() == 4
    assert ((frame["failure"] == 1) == (frame["failure_mode"] != "none")).all()
    with pytest.raises(InvalidParameterError, match="failure_ratio"):
        generate_synthetic_data("cnc_machine_001", 10, 0, 0, failure_ratio=1.5, workspace=cnc)


@pytest.mark.slow
def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    ws = tmp_path / "ws"
    generate_seed_data("pump_001", 1500, seed=1, workspace=ws)
    events = []
    result = train_tvae(
        "pump_001",
        epochs=60,
        seed=4,
        early_stopping=True,
        eval_every=2,
        patience=2,
        min_delta=0.01,
        sinks=[events.append],
        workspace=ws,
        **SMALL,
    )
    scored = [e for e in events if e.metadata.get("quality") is not None]
    assert [e.epoch for e in scored] == [epoch for epoch, _ in result.quality_history]
    assert result.best_quality == max(q for _, q in result.quality_history[:-2])
    assert result.stopped_early and result.epochs_run < 60
    # the seconds spent scoring go out with each score and add up to the result's
    spent = [e.metadata["scoring_s"] for e in scored]
    assert 0 < spent[0] and spent == sorted(spent)
    assert result.scoring_time == pytest.approx(spent[-1], abs=1e-3)
    assert result.scoring_time < result.training_time
    assert load_model("pump_001", ws).manifest["scoring_time"] == result.scoring_time
    # the saved model is the best one: re-scoring it exactly as during training gives the best score
    model = load_model("pump_001", ws)
    manifest = model.manifest
    holdout = model.holdout()
    real = holdout.sample(n=min(2000, len(holdout)), random_state=manifest["holdout_seed"])
    network = model.synthesizer._model
    chosen, noise_scale, saved_map = network.mode_temperature, network.noise_scale, network.marginal_map
    network.mode_temperature, network.noise_scale, network.marginal_map = None, 1.0, None  # as in training
    synthetic = _sdv.sample_during_fit(model.synthesizer, len(real), manifest["holdout_seed"])
    metadata = json.loads((ws / "machines/pump_001/seed/metadata.json").read_text())
    assert quick_quality(real, synthetic, metadata) == pytest.approx(result.best_quality, abs=1e-12)
    # the sampling choice at the end scored its choice on the same rows, with the marginal map kept
    network.mode_temperature, network.noise_scale, network.marginal_map = chosen, noise_scale, saved_map
    synthetic = _sdv.sample_during_fit(model.synthesizer, len(real), manifest["holdout_seed"])
    chosen_score = manifest["noise_scores"][str(noise_scale)]
    assert quick_quality(real, synthetic, metadata) == pytest.approx(chosen_score, abs=1e-5)
    # and scoring did not change the course of training
    plain = train_tvae("pump_001", epochs=result.epochs_run, seed=4, workspace=ws, **SMALL)
    assert plain.loss_history == result.loss_history


def test_early_stopping_needs_held_out_rows(tmp_path):
    ws = tmp_path / "ws"
    generate_seed_data("pump_001", 200, seed=1, workspace=ws)
    with pytest.raises(InvalidParameterError, match="held-out rows"):
        train_tvae("pump_001", early_stopping=True, holdout_fraction=0.0, workspace=ws)


@pytest.mark.parametrize(
    "kind, params",
    [
        ("gaussian_copula", {}),
        ("ctgan", {"epochs": 2, "batch_size": 100, "generator_dim": (32,), "discriminator_dim": (32,)}),
        ("tvae", {"epochs": 2, **SMALL}),
    ],
)
def test_each_model_kind_trains_saves_loads_elsewhere_and_generates(tmp_path, kind, params):
    ws = tmp_path / "ws"
    generate_seed_data("motor_001", 600, seed=1, workspace=ws)
    events = []
    result = train_model("motor_001", kind, seed=1, sinks=[events.append], workspace=ws, **params)
    assert result.model == kind and events[-1].status == "SUCCESS"
    assert len([e for e in events if e.epoch]) == params.get("epochs", 0)
    code = (
        "import sys; from synthkit import load_model, _sdv; m = load_model('motor_001', sys.argv[1]); "
        "print(m.kind, len(_sdv.sample_rows(m.synthesizer, 50, 1)))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(ws)], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == [kind, "50"], out.stderr
    run = generate_synthetic_data("motor_001", 200, 50, 50, seed=1, workspace=ws)
    assert run.quality is not None and 0 < run.quality <= 1


def test_unknown_model_and_parameters_are_refused(tmp_path):
    ws = tmp_path / "ws"
    generate_seed_data("motor_001", 200, seed=1, workspace=ws)
    with pytest.raises(InvalidParameterError, match="'gan'"):
        train_model("motor_001", "gan", workspace=ws)
    with pytest.raises(InvalidParameterError, match="'compress_dims'"):
        train_model("motor_001", "ctgan", compress_dims=(8,), workspace=ws)
    with pytest.raises(InvalidParameterError, match="multiple of 10"):
        train_model("motor_001", "ctgan", batch_size=55, workspace=ws)
    assert not (ws / "machines/motor_001/model").exists()


def test_allocate_splits_rows_exactly():
    counts = _sdv.allocate(1000, np.array([0.9475, 0.0142, 0.0138, 0.0125, 0.012]))
    assert counts.sum() == 1000 and counts.tolist() == [948, 14, 14, 12, 12]


@pytest.mark.slow
def test_compact_rows_give_the_table_ctgans_one_hot_round_trip_gives(cnc):
    """to_table skips the one-hot matrix; for the same draws and noise it must give ctgan's values."""
    model = load_model("cnc_machine_001", cnc).synthesizer._model
    generator = torch.Generator().manual_seed(5)
    raw = torch.randn(3000, model.transformer.output_dimensions, generator=generator) * 3
    compact = model._finish(raw, {})
    one_hot, at, start = [], 0, 0
    for column in model.transformer.output_info_list:
        for span in column:
            values = torch.as_tensor(compact[:, at])
            if span.activation_fn == "softmax":
                one_hot.append(torch.nn.functional.one_hot(values.long(), span.dim).float())
            else:
                one_hot.append(values[:, None])
            at, start = at + 1, start + span.dim
    sigmas = model.decoder.sigma.detach().numpy()
    np.random.seed(9)
    expected = model.transformer.inverse_transform(torch.cat(one_hot, dim=1).numpy(), sigmas)
    np.random.seed(9)
    model.marginal_map, saved_map = None, model.marginal_map  # ctgan's values, before the map
    pd.testing.assert_frame_equal(model.to_table(compact, sigmas), expected)
    # the maps move each numeric value monotonically within each label combination (which has
    # its own map where it has rows enough) and leave the other columns as they are
    np.random.seed(9)
    model.marginal_map = saved_map
    mapped = model.to_table(compact, sigmas)
    infos = model.transformer._column_transform_info_list
    numeric = [info.column_name for info in infos if info.column_type == "continuous"]
    assert numeric and set(saved_map) == set(numeric)
    keys = label_key_texts(expected, model.label_plan.columns)
    assert model.label_marginal_map and set(model.label_marginal_map) <= set(model.real_label_knots)
    for column in expected:
        if column in saved_map:
            for key, rows in keys.groupby(keys).indices.items():
                order = rows[np.argsort(expected[column].to_numpy()[rows], kind="stable")]
                assert np.all(np.diff(mapped[column].to_numpy()[order]) >= 0), (column, key)
        else:
            pd.testing.assert_series_equal(mapped[column], expected[column])


def test_the_noise_scale_sets_how_much_of_the_decoders_noise_numeric_values_get(cnc):
    """Same prior draws, different noise draws: numeric values move with the noise as learned,
    not at all at noise scale 0, and categories never."""
    model = load_model("cnc_machine_001", cnc).synthesizer._model
    model.marginal_map = None  # the map is monotone: it would not hide a change
    numeric = list(model.real_knots)

    def rows(noise_seed: int):
        with drawing_from(model, 3):
            np.random.seed(noise_seed)
            return model.sample(500)

    moved = {}
    for scale in (1.0, 0.0):
        model.noise_scale = scale
        first, second = rows(1), rows(2)
        other = first.columns.difference(numeric)
        pd.testing.assert_frame_equal(first[other], second[other])
        moved[scale] = (first[numeric] - second[numeric]).abs().to_numpy().max()
    assert moved[1.0] > 0 and moved[0.0] == 0


def test_category_shifts_give_every_category_its_share():
    """The shifts found on a sample's logits give each category its wanted share on average."""
    generator = np.random.default_rng(4)
    logits = generator.normal(size=(4, 20_000)) + np.array([[2.0], [0.0], [-1.0], [-3.0]])
    wanted = np.array([0.4, 0.3, 0.2, 0.1])
    shift = _sdv.shifts_to_shares(logits, wanted, temperature=1.0)
    shifted = np.exp(logits + shift[:, None])
    assert (shifted / shifted.sum(axis=0)).mean(axis=1) == pytest.approx(wanted, abs=2e-4)
    # a temperature other than 1 is taken into account
    shift = _sdv.shifts_to_shares(logits, wanted, temperature=0.5)
    shifted = np.exp((logits + shift[:, None]) / 0.5)
    assert (shifted / shifted.sum(axis=0)).mean(axis=1) == pytest.approx(wanted, abs=2e-4)


@pytest.mark.slow
def test_calibration_gives_categories_the_training_rows_shares(cnc):
    """Drawn sharper than learned, the decoder over-draws the common product grade; the shifts
    that calibration learns put every grade back on its share of the training rows. They are
    kept with the model, and labels keep theirs by the label plan instead."""
    model = load_model("cnc_machine_001", cnc)
    network = model.synthesizer._model
    assert "product_quality" in network.category_shift
    assert not set(network.category_shift) & set(network.label_plan.columns)
    seed = pd.read_parquet(cnc / "machines/cnc_machine_001/seed/seed.parquet")["product_quality"]
    counts = seed.value_counts().sub(model.holdout()["product_quality"].value_counts(), fill_value=0)
    real = counts / counts.sum()  # the training rows'

    def tvd(frame: pd.DataFrame) -> float:
        return 0.5 * real.sub(frame["product_quality"].value_counts(normalize=True), fill_value=0).abs().sum()

    network.temperature, network.category_shift = 0.5, None
    sharp = _sdv.sample_rows(model.synthesizer, 50_000, 1)
    assert _sdv.calibrate_marginals(model.synthesizer, 10_000, 0)
    calibrated = _sdv.sample_rows(model.synthesizer, 50_000, 1)
    assert tvd(sharp) > 0.05
    assert tvd(calibrated) < 0.015


def test_draws_follow_the_softmax_probabilities():
    torch.manual_seed(0)
    logits = torch.log(torch.tensor([0.7, 0.2, 0.1]))[:, None].expand(3, 200_000)
    shares = np.bincount(_sdv.draw_from_softmax(logits).numpy(), minlength=3) / 200_000
    assert shares == pytest.approx([0.7, 0.2, 0.1], abs=0.005)


def test_rare_labels_repeated_for_training_leave_the_column_modes_fitted_on_the_real_rows(
    tmp_path, monkeypatch
):
    """``min_label_share`` repeats rare failures for the network only: each numeric column's
    mixture modes (and the categories) are fitted on the rows as they are, so the whole table's
    modes are not pulled towards the failures."""
    from synthkit._sdv.speedups import SynthkitDataTransformer
    from synthkit.store import load_seed

    fitted, fit = [], SynthkitDataTransformer.fit

    def counting_fit(self, raw_data, discrete_columns=()):
        fitted.append(len(raw_data))
        return fit(self, raw_data, discrete_columns)

    monkeypatch.setattr(SynthkitDataTransformer, "fit", counting_fit)
    ws = tmp_path / "ws"
    generate_seed_data("motor_001", 600, seed=1, workspace=ws)
    result = train_tvae("motor_001", seed=1, min_label_share=0.3, workspace=ws, **{**SMALL, "epochs": 1})
    model = load_model("motor_001", ws)
    held_out = model.manifest["holdout_fraction"]
    assert fitted == [round(len(load_seed("motor_001", ws)[0]) * (1 - held_out))], result
    assert getattr(model.synthesizer._model, "transformer_rows", None) is None  # not kept in the file


@pytest.mark.slow  # 1,500 rows, 20 epochs and two 5,000-row samples: about 20 s
def test_the_marginal_map_gives_numeric_columns_the_training_rows_distribution(tmp_path):
    """A VAE's samples are narrower than its data; the map learned at the end of training puts
    each numeric column back on the training rows' quantiles, and is kept with the model."""
    from scipy.stats import ks_2samp

    ws = tmp_path / "ws"
    generate_seed_data("pump_002", 1500, seed=5, workspace=ws)
    train_tvae("pump_002", epochs=20, seed=3, workspace=ws, **SMALL)
    model = load_model("pump_002", ws)
    network = model.synthesizer._model
    numeric = [c for c, info in model.manifest["columns"]["roles"].items() if info == "numeric"]
    assert numeric and set(numeric) <= set(network.marginal_map)
    for knots, values in network.marginal_map.values():  # monotone maps onto the real range
        assert np.all(np.diff(knots) > 0) and np.all(np.diff(values) >= 0)
    real = pd.read_parquet(ws / "machines/pump_002/seed/seed.parquet")  # training and held-out rows
    mapped = _sdv.sample_rows(model.synthesizer, 5000, 1)
    saved_map, network.marginal_map = network.marginal_map, None
    unmapped = _sdv.sample_rows(model.synthesizer, 5000, 1)
    network.marginal_map = saved_map

    def distance(frame):
        return np.mean([ks_2samp(frame[c].dropna(), real[c].dropna()).statistic for c in numeric])

    def spread(frame):
        return np.median([frame[c].std() / real[c].std() for c in numeric])

    assert distance(mapped) < 0.05
    assert distance(mapped) < distance(unmapped)
    assert 0.9 < spread(mapped) < 1.1
