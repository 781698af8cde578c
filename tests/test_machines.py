import pytest

from synthkit import get_machine, list_machines
from synthkit.errors import InvalidParameterError
from synthkit.machines import BUILTIN_MACHINES
from synthkit.simulators import SIMULATORS, simulate


def test_catalogue_has_at_least_six_machines_of_four_types():
    machines = list_machines()
    assert len(machines) >= 6
    assert len({m.type for m in machines}) >= 4
    assert all(m.builtin for m in machines)


@pytest.mark.parametrize("machine", list(BUILTIN_MACHINES.values()), ids=list(BUILTIN_MACHINES))
def test_every_machine_is_fully_described(machine):
    assert machine.description
    assert machine.type in SIMULATORS
    assert machine.label_columns == ("failure", "failure_mode")
    assert len(machine.failure_modes) >= 3
    assert all(s.unit and s.low < s.high for s in machine.sensors)
    assert list(simulate(machine, 200, 0).columns) == machine.columns


def test_some_types_have_a_categorical_variant():
    assert {m.variant_column for m in list_machines()} >= {"product_quality", "duty_class"}


def test_unknown_id_lists_known_ones_closest_first():
    with pytest.raises(InvalidParameterError) as info:
        get_machine("pump_01")
    message = str(info.value)
    assert "Unknown machine_id 'pump_01'" in message
    listed = message.split("closest first): ")[1]
    assert listed.startswith("pump_001")
    assert "motor_002" in listed


def test_machine_round_trips_through_a_dict():
    machine = get_machine("cnc_machine_001")
    assert type(machine).from_dict(machine.to_dict()) == machine
