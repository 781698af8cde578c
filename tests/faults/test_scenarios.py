"""Every fault scenario of tests/faults/scenarios.py as one test: survived, and nothing lost."""

import pytest

from tests.faults.scenarios import SCENARIOS, Case, prepare_base

pytestmark = pytest.mark.faults


@pytest.fixture(scope="session")
def base(tmp_path_factory):
    return prepare_base(tmp_path_factory.mktemp("fault-base") / "ws")


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name, base, tmp_path):
    case = Case.from_base(base, tmp_path)
    SCENARIOS[name](case)
    assert case.checked, "the scenario never checked what was lost"
    assert case.lost == []
