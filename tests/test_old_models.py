"""Model files saved by earlier synthkit versions still load, sample and generate.

tests/fixtures/workspace_flat_sdv holds models pickled when ``synthkit._sdv`` was one module
(see its README): their classes are pickled by reference as ``synthkit._sdv.<Name>``. Models
saved now refer to the same paths (``synthkit._sdv.PICKLED_CLASSES``), whichever module of the
package defines each class.
"""

from __future__ import annotations

import io
import pickle
import shutil
from pathlib import Path

import cloudpickle
import pytest

from synthkit import generate_synthetic_data, load_model

FIXTURE = Path(__file__).parent / "fixtures" / "workspace_flat_sdv"
OLD_CLASSES = {
    "cnc_machine_001": {
        "SynthkitTVAESynthesizer",
        "SynthkitTVAE",
        "LabelPlan",
        "SampledNormalizer",
        "SynthkitDataTransformer",
    },
    "pump_001": {"SynthkitCTGANSynthesizer", "SynthkitCTGAN"},
}


@pytest.fixture
def old_workspace(tmp_path) -> Path:
    """A private copy of the fixture, since generating writes runs and task records into it."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root)
    return root


def _synthkit_globals(data: bytes) -> set[tuple[str, str]]:
    """The synthkit classes a pickle refers to, as (module, name)."""
    found = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if module.startswith("synthkit"):
                found.add((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(data)).load()
    return found


@pytest.mark.parametrize("machine_id", sorted(OLD_CLASSES))
def test_the_fixture_refers_to_the_flat_module_paths(machine_id):
    pickled = _synthkit_globals((FIXTURE / "machines" / machine_id / "model" / "model.pkl").read_bytes())
    assert pickled == {("synthkit._sdv", name) for name in OLD_CLASSES[machine_id]}


@pytest.mark.parametrize("machine_id", sorted(OLD_CLASSES))
def test_an_old_model_loads_and_samples(old_workspace, machine_id):
    from synthkit import _sdv
    from synthkit.column_plan import ColumnPlan

    model = load_model(machine_id, old_workspace)
    rows = _sdv.sample_rows(model.synthesizer, 50, seed=3)
    assert len(rows) == 50
    assert list(rows.columns) == ColumnPlan.from_dict(model.manifest["columns"]).modelled
    assert rows.equals(_sdv.sample_rows(model.synthesizer, 50, seed=3))


def test_an_old_tvae_keeps_its_label_plan(old_workspace):
    model = load_model("cnc_machine_001", old_workspace)
    plan = model.synthesizer._model.label_plan
    assert plan is not None and plan.columns and abs(plan.shares.sum() - 1) < 1e-9


@pytest.mark.parametrize("machine_id", sorted(OLD_CLASSES))
def test_an_old_model_generates_scored_splits(old_workspace, machine_id):
    result = generate_synthetic_data(machine_id, 120, 40, 40, seed=5, workspace=old_workspace)
    assert result.sample_counts == {"train": 120, "val": 40, "test": 40}
    assert 0 < result.quality <= 1
    assert all(Path(path).is_file() for path in result.file_paths.values())


@pytest.mark.parametrize("machine_id", sorted(OLD_CLASSES))
def test_a_model_saved_now_refers_to_the_same_paths(old_workspace, machine_id, tmp_path):
    model = load_model(machine_id, old_workspace)
    model.synthesizer.save(str(tmp_path / "model.pkl"))
    pickled = _synthkit_globals((tmp_path / "model.pkl").read_bytes())
    assert pickled == {("synthkit._sdv", name) for name in OLD_CLASSES[machine_id]}


def test_every_pickled_class_is_pickled_by_its_path_in_the_package():
    from synthkit import _sdv

    assert set().union(*OLD_CLASSES.values()) <= {c.__name__ for c in _sdv.PICKLED_CLASSES}
    for cls in _sdv.PICKLED_CLASSES:
        assert getattr(_sdv, cls.__name__) is cls
        assert _synthkit_globals(cloudpickle.dumps(cls)) == {("synthkit._sdv", cls.__name__)}


def test_a_model_saved_with_empty_cell_shifts_only_samples_as_it_did(tmp_path):
    """Models trained before category shifts hold one shift per empty-cell column
    (``empty_shift``, on an empty cell's logit) and none for categories: they sample as before."""
    from synthkit import _sdv, register_machine, train_tvae
    from synthkit.raw_logs import milling_log

    frame, _ = milling_log(600, 2)
    register_machine("mill", frame, workspace=tmp_path)
    train_tvae("mill", epochs=2, seed=1, workspace=tmp_path)
    synthesizer = load_model("mill", tmp_path).synthesizer
    network = synthesizer._model
    nulls = {c: shift for c, shift in network.category_shift.items() if c.endswith(".is_null")}
    assert nulls, "the log has empty cells"
    network.category_shift = nulls
    expected = _sdv.sample_rows(synthesizer, 2_000, 4)
    infos = {info.column_name: info for info in network.transformer._column_transform_info_list}
    network.category_shift, network.empty_shift = None, {}
    for column, shift in nulls.items():  # the old form: the shift of an empty cell over a kept one
        empty = [float(value) > 0.5 for value in infos[column].transform.dummies]
        network.empty_shift[column] = float(shift[empty].max() - shift[[not e for e in empty]].max())
    before = _sdv.sample_rows(synthesizer, 2_000, 4)
    # the same draws, but for a rare one that float rounding of the two forms of shift could flip
    assert (before.isna() != expected.isna()).to_numpy().sum() <= 2
    assert expected.isna().to_numpy().sum() > 50
