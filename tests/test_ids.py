"""New keys in the seed's format: shapes of free-form serials, repeating keys, unique across chunks."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from synthkit.ids import id_format, make_ids, serial_templates


def _chunks(fmt: dict, total: int, chunk: int, groups=None) -> pd.Series:
    parts = []
    for offset in range(0, total, chunk):
        rows = min(chunk, total - offset)
        part_groups = None if groups is None else groups[offset : offset + rows]
        parts.append(make_ids(fmt, offset, rows, total, 7, part_groups))
    return pd.concat(parts, ignore_index=True)


def _serials(rng: np.random.Generator, shape: str, count: int) -> list[str]:
    letters, digits = list("ABCDEFGHJKLMNPQRSTVWXYZ"), list("0123456789")
    return ["".join(rng.choice(letters if c == "A" else digits) for c in shape) for _ in range(count)]


def test_free_form_serials_come_back_in_their_shapes_with_the_characters_they_share():
    rng = np.random.default_rng(0)
    seagate = ["Z" + s for s in _serials(rng, "A9AAA9A", 600)]  # every one starts with Z
    hgst = _serials(rng, "AA9999AAAA9A9A", 400)
    fmt = id_format(pd.Series(seagate + hgst))
    assert fmt["kind"] == "shaped"
    assert fmt["templates"] == pytest.approx({"Z@#@@@#@": 0.6, "@@####@@@@#@#@": 0.4})
    made = _chunks(fmt, 5_000, 1_200)
    assert made.is_unique
    seagate_made = made.str.fullmatch(r"Z[A-Z]\d[A-Z]{3}\d[A-Z]")
    assert (seagate_made | made.str.fullmatch(r"[A-Z]{2}\d{4}[A-Z]{4}\d[A-Z]\d[A-Z]")).all()
    assert abs(seagate_made.mean() - 0.6) < 0.02


def test_templates_one_string_could_match_are_merged_so_keys_never_coincide():
    texts = pd.Series(
        [f"Z{c}{d}" for c in "ABCDEFGHIJ" for d in range(10)] + [f"{c}A{d}" for c in "KLM" for d in range(10)]
    )
    assert serial_templates(texts) == pytest.approx({"@@#": 1.0})  # Z@# and @A# share ZA1
    assert serial_templates(pd.Series(["a-1", "b#2"])) == {}  # a template character in a key: plain text


def test_a_repeating_key_covers_as_many_rows_in_every_chunk_and_agrees_with_its_group():
    seed = pd.Series(np.repeat([f"SN{i:05d}" for i in range(250)], 4))
    fmt = id_format(seed)
    assert fmt["repeats"] == 4.0 and fmt["kind"] == "pattern"
    groups = np.random.default_rng(1).integers(0, 3, 3_000)  # say, a drive model per row
    made = _chunks(fmt, 3_000, 700, groups)
    per_key = pd.DataFrame({"key": made, "group": groups}).groupby("key")
    assert per_key["group"].nunique().max() == 1, "a key's rows share what a seed key's rows share"
    assert per_key.size().max() == 4 and per_key.size().mean() > 3.8
    assert made.str.fullmatch(r"SN\d{5}").all()


def test_a_repeating_key_never_comes_back_twice_at_one_time():
    """A drive has one snapshot a day: its new keys are dealt out day by day, within its group."""
    fmt = id_format(pd.Series(np.repeat([f"SN{i:05d}" for i in range(250)], 4)))
    rng = np.random.default_rng(2)
    groups = rng.integers(0, 3, 3_000)
    days = pd.Series(pd.Timestamp("2023-04-01") + pd.to_timedelta(rng.integers(0, 4, 3_000), "D"))
    made = make_ids(fmt, 0, 3_000, 3_000, 7, groups, days)
    rows = pd.DataFrame({"key": made, "group": groups, "day": days})
    assert not rows.duplicated(["key", "day"]).any()
    assert rows.groupby("key")["group"].nunique().max() == 1
    assert rows.groupby("key").size().max() == 4 and rows.groupby("key").size().mean() > 3.5
    # timestamps that never repeat: keys still cover as many rows as a seed key
    hours = pd.Series(pd.date_range("2020-01-01", periods=3_000, freq="h")).sample(frac=1, random_state=0)
    made = make_ids(fmt, 0, 3_000, 3_000, 7, None, hours.reset_index(drop=True))
    assert made.value_counts().max() == 4 and made.nunique() == 750


@pytest.mark.parametrize(
    "seed",
    [
        pd.Series(np.repeat(np.arange(1, 301), 3)),  # an engine number, in order
        pd.Series(np.tile(np.arange(1, 301), 3)),  # a machine number, day after day
        pd.Series(np.repeat([f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(300)], 3)),
    ],
)
def test_repeating_keys_of_every_kind_never_share_a_key_across_chunks(seed):
    fmt = id_format(seed)
    made = _chunks(fmt, 2_000, 300)
    counts = made.value_counts()
    assert counts.max() == 3 and len(counts) >= 2_000 / 3


@pytest.mark.parametrize(
    "keys, counted",
    [
        ([f"OA{2_400_000 + 3 * i}" for i in range(50)], True),  # a lab's sample numbers, in order
        ([f"WO-{i:05d}" for i in range(1, 51)], True),
        ([f"P24-{i:06d}" for i in range(1, 51)], True),  # digits in the prefix: a year
        ([f"WO-{i:05d}" for i in range(50, 0, -1)], False),  # numbered backwards: scattered
        ([f"{p}{i:04d}" for i, p in zip(range(50), "AB" * 25)], False),  # two prefixes
    ],
)
def test_keys_numbered_in_row_order_under_one_prefix_are_continued_in_order(keys, counted):
    fmt = id_format(pd.Series(keys))
    assert fmt["kind"] == "pattern" and fmt.get("monotonic", False) is counted
    assert len(fmt["prefixes"]) == len({re.sub(r"\d+$", "", k) for k in keys})
    made = _chunks(fmt, 2_000, 700)
    assert made.is_unique
    numbers = made.str.extract(r"(\d+)$")[0].astype(int)
    assert numbers.is_monotonic_increasing is counted
    if counted:
        first = int(re.search(r"\d+$", keys[0]).group())
        assert numbers.iloc[0] == first and made.iloc[0] == keys[0]
        assert made.str.len().eq(len(keys[0])).all()  # the digit count kept


@pytest.mark.parametrize("length, upper", [(12, False), (24, True), (6, False)])
def test_hexadecimal_message_ids_and_hashes_come_back_hexadecimal_of_their_length(length, upper):
    rng = np.random.default_rng(length)
    keys = ["".join(rng.choice(list("0123456789abcdef"), length)) for _ in range(500)]
    fmt = id_format(pd.Series([k.upper() for k in keys] if upper else keys))
    assert fmt == {"kind": "hex", "length": length, "upper": upper}  # was "text": id-000000001
    made = _chunks(fmt, 3_000, 700)
    assert (
        made.is_unique
        and made.str.fullmatch(f"[0-9A-F]{{{length}}}" if upper else f"[0-9a-f]{{{length}}}").all()
    )
    assert made.str.contains("[a-fA-F]").mean() > 0.5  # scattered over the digits, not counted up
    assert not made.equals(pd.concat([make_ids(fmt, 0, 3_000, 3_000, 8)], ignore_index=True))  # by seed
