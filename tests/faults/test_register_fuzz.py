"""register_machine fed generated tables: a usable machine or a typed error, never another
exception, never a partial machine folder."""

import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from synthkit import register_machine
from synthkit.errors import SynthkitError
from synthkit.machines import get_machine
from synthkit.store import load_seed

pytestmark = pytest.mark.faults

HEADERS = st.one_of(
    st.text(alphabet=string.ascii_letters + "_ äöü€", min_size=0, max_size=8),
    st.sampled_from(["failure", "failure_mode", "a", "a", " ", ""]),
)
CELLS = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.text(max_size=6),
    st.sampled_from([1e300, -1e-300, 0, "none", "x,y", '"quoted"', "ünï"]),
)


@st.composite
def tables(draw):
    columns = draw(st.lists(HEADERS, min_size=0, max_size=5))
    rows = draw(st.sampled_from([0, 1, 2, 49, 50, 60]))
    kind_names = ["int", "float", "text", "mixed", "nan", "category", "bool"]
    kinds = [draw(st.sampled_from(kind_names)) for _ in columns]
    seed = draw(st.integers(0, 1000))
    rng = np.random.default_rng(seed)
    data = {}
    for index, kind in enumerate(kinds):
        if kind == "int":
            values = rng.integers(-5, 5, rows)
        elif kind == "float":
            values = rng.normal(0, 1e6, rows)
        elif kind == "text":
            values = rng.choice(["a", "b", "ü"], rows)
        elif kind == "nan":
            values = [np.nan] * rows
        elif kind == "category":
            values = pd.Categorical(rng.choice(["x", "y"], rows))
        elif kind == "bool":
            values = rng.random(rows) > 0.5
        else:
            values = [draw(CELLS) for _ in range(rows)]
        data[index] = values
    frame = pd.DataFrame(data)
    frame.columns = columns
    return frame


def _check(workspace, outcome):
    event("refused" if outcome is not None else "registered")
    folder = workspace / "machines" / "fuzz"
    if isinstance(outcome, Exception):
        assert isinstance(outcome, SynthkitError), repr(outcome)
        assert not folder.exists() or not (folder / "machine.json").exists()
        assert not folder.exists(), "a refused table left a machine folder"
    else:
        machine = get_machine("fuzz", workspace)
        frame, _, _ = load_seed("fuzz", workspace)
        assert len(frame) >= 50 and list(frame.columns) == [str(c) for c in frame.columns]
        assert machine.machine_id == "fuzz"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=tables())
def test_dataframes(tmp_path_factory, frame):
    workspace = tmp_path_factory.mktemp("fuzz")
    try:
        register_machine("fuzz", frame, workspace=workspace)
        outcome = None
    except Exception as error:  # judged below: only typed errors are allowed
        outcome = error
    _check(workspace, outcome)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=tables(), raw=st.binary(max_size=64), use_raw=st.booleans())
def test_csv_files(tmp_path_factory, frame, raw, use_raw):
    workspace = tmp_path_factory.mktemp("fuzz")
    path = workspace / "input.csv"
    if use_raw:
        path.write_bytes(raw)
    else:
        frame.to_csv(path, index=False)
    try:
        register_machine("fuzz", path, workspace=workspace / "ws")
        outcome = None
    except Exception as error:
        outcome = error
    _check(workspace / "ws", outcome)
