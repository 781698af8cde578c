"""Ids as the seed writes them: the format of a key column, and new keys in that format.

Keys are never modelled. New ones keep the seed's look: monotonic or scattered integers, a prefix
and a digit count, UUIDs, or the shape of free-form serials (``ZA1FLE1P``: letters and digits in
the same places, with the characters every serial of that shape shares). They are unique across
a run of chunks written one after another; where the seed's keys repeat (a drive's serial on
each day's snapshot), each new key covers about as many rows as a seed key, and never two rows
of one time where no seed key has two.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

_PATTERN = re.compile(r"^([^\d]*?)(\d+)$")
_NUMBERED = re.compile(r"^(.*\D)(\d+)$")  # a prefix with digits of its own: P24-000001, LOT7-0042
MAX_PREFIXES = 20  # prefixes with digits are a year or a line (a few), not part of a serial
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")  # message ids, hashes, MongoDB's ObjectIds
MIN_HEX = 6
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def id_format(series: pd.Series) -> dict[str, Any]:
    """How an id column looks: monotonic or shuffled integers, prefix + digits, UUIDs, serials of
    a few shapes, hexadecimal strings of one length, or text; and ``repeats``, the rows per key
    where keys repeat."""
    values = series.dropna()
    repeats = len(values) / max(values.nunique(), 1)
    shape = {"repeats": round(repeats, 3)} if repeats > 1 else {}
    if pd.api.types.is_numeric_dtype(series):
        numbers = np.unique(values.to_numpy(dtype=np.int64)) if shape else values.to_numpy(dtype=np.int64)
        steps = np.diff(numbers)
        monotonic = bool(len(steps) and (steps > 0).all()) and values.is_monotonic_increasing
        step = int(np.median(steps)) if monotonic else 1
        kind = {"kind": "integer", "start": int(numbers.min()), "step": max(step, 1), "monotonic": monotonic}
        return kind | shape
    texts = pd.Series(values.astype(str).unique())
    if texts.str.match(_UUID).mean() > 0.99:
        return {"kind": "uuid"} | shape
    parts = texts.str.extract(_PATTERN)
    if parts[1].notna().mean() <= 0.99:
        numbered = texts.str.extract(_NUMBERED)
        if numbered[1].notna().mean() > 0.99 and numbered[0].nunique() <= MAX_PREFIXES:
            parts = numbered
    if parts[1].notna().mean() > 0.99:
        prefixes = parts[0].fillna("").value_counts(normalize=True)
        pattern = {
            "kind": "pattern",
            "prefixes": {str(k): float(v) for k, v in prefixes.items()},
            "digits": int(parts[1].dropna().str.len().mode().iloc[0]),
        }
        return pattern | _counted(parts[1], len(prefixes) == 1) | shape
    templates = serial_templates(texts)
    if templates:
        return {"kind": "shaped", "templates": templates} | shape
    lengths = texts.str.len()
    if lengths.nunique() == 1 and lengths.iloc[0] >= MIN_HEX and texts.str.fullmatch(_HEX).mean() > 0.99:
        return {
            "kind": "hex",
            "length": int(lengths.iloc[0]),
            "upper": bool(texts.str.contains("[A-F]").any()),
        } | shape
    return {"kind": "text", "length": int(texts.str.len().median())} | shape


def _counted(digits: pd.Series, one_prefix: bool) -> dict[str, Any]:
    """``start`` and ``step`` of keys numbered in the rows' order under one prefix (sample
    numbers ``OA2400000``, ``OA2400001``, ...), which new keys continue; empty for others."""
    if not one_prefix or digits.isna().any() or digits.str.len().max() > 18:
        return {}
    numbers = digits.astype(np.int64).to_numpy()
    steps = np.diff(numbers)
    if not len(steps) or not (steps > 0).all():
        return {}
    return {"start": int(numbers[0]), "step": max(int(np.median(steps)), 1), "monotonic": True}


SLOTS = {"@": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "%": "abcdefghijklmnopqrstuvwxyz", "#": "0123456789"}
MAX_TEMPLATES = 20
MIN_FIXED = 10  # a place is fixed (``Z`` of ``ZA1FLE1P``) only when this many serials share it


def serial_templates(texts: pd.Series) -> dict[str, float]:
    """Templates of the distinct keys ``texts`` (``@`` an upper-case letter, ``%`` a lower-case
    one, ``#`` a digit, any other character itself) with their shares; empty when a few shapes do
    not cover the keys. Templates that one string could match are merged, so that keys made from
    different templates never coincide."""
    texts = texts.sample(min(len(texts), 20_000), random_state=0) if len(texts) else texts
    if texts.empty or texts.str.contains(r"[@%#]").any() or not texts.str.contains(r"[A-Za-z0-9]").all():
        return {}
    shapes = texts.str.replace(r"[A-Z]", "@", regex=True).str.replace(r"[a-z]", "%", regex=True)
    shapes = shapes.str.replace(r"[0-9]", "#", regex=True)
    counts = shapes.value_counts()
    if counts.head(MAX_TEMPLATES).sum() < 0.95 * len(texts):
        return {}
    templates: dict[str, float] = {}
    for shape, count in counts.head(MAX_TEMPLATES).items():
        chars = np.array([list(t) for t in texts[shapes == shape]])
        fixed = [count >= MIN_FIXED and bool((chars[:, i] == chars[0, i]).all()) for i in range(len(shape))]
        template = "".join(chars[0, i] if fixed[i] else shape[i] for i in range(len(shape)))
        templates[template] = templates.get(template, 0.0) + count / len(texts)
    return _merged(templates)


def _fits(char: str, slot: str) -> bool:
    return slot in SLOTS and char in SLOTS[slot]


def _merged(templates: dict[str, float]) -> dict[str, float]:
    """Merge templates until no string matches two (``Z@#`` and ``@@#`` become ``@@#``)."""
    templates = dict(templates)
    while True:
        names = list(templates)
        pair = next(
            ((a, b) for i, a in enumerate(names) for b in names[i + 1 :] if _overlap(a, b)),
            None,
        )
        if pair is None:
            return templates
        a, b = pair
        both = "".join(x if x == y else (x if x in SLOTS else y) for x, y in zip(a, b))
        share = templates.pop(a) + templates.pop(b)
        templates[both] = templates.get(both, 0.0) + share


def _overlap(a: str, b: str) -> bool:
    return len(a) == len(b) and all(x == y or _fits(x, y) or _fits(y, x) for x, y in zip(a, b))


def _capacity(template: str) -> int:
    return math.prod(len(SLOTS[c]) for c in template if c in SLOTS)


def _scatter(keys: np.ndarray, modulus: int) -> np.ndarray:
    """Keys 0..modulus-1 spread over 0..modulus-1 by an affine bijection (so never a repeat)."""
    multiplier = max(
        modulus * 61_803_398_875 // 100_000_000_000, 1
    )  # a golden step: neighbours fall far apart
    while math.gcd(multiplier, modulus) != 1:
        multiplier += 1
    return (keys.astype(object) * multiplier + 12_345) % modulus  # Python ints: no overflow


def _spread_choice(keys: np.ndarray, shares: Any) -> np.ndarray:
    """An index into ``shares`` per key, in proportion, the same for a key in every chunk
    (golden-ratio steps cover [0, 1) evenly)."""
    bounds = np.cumsum(_normalised(shares))
    spots = np.searchsorted(bounds, (keys * 0.6180339887498949) % 1, side="right")
    return np.minimum(spots, len(bounds) - 1)


def _filled(template: str, number: int) -> str:
    chars = list(template)
    for i in range(len(chars) - 1, -1, -1):
        if chars[i] in SLOTS:
            number, digit = divmod(number, len(SLOTS[chars[i]]))
            chars[i] = SLOTS[template[i]][digit]
    return "".join(chars)


def _uuids(keys: np.ndarray, seed: int) -> np.ndarray:
    """Version-4 UUIDs from the keys by splitmix64: the same key gives the same UUID in any chunk."""

    def mix(x: np.ndarray) -> np.ndarray:
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))

    with np.errstate(over="ignore"):
        base = keys.astype(np.uint64) * np.uint64(2) + np.uint64(seed % 2**32) * np.uint64(2**33)
        high, low = mix(base), mix(base + np.uint64(1))
    hexes = [f"{a:016x}{b:016x}" for a, b in zip(high, low)]
    return np.array([f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}" for h in hexes])


def _keys(fmt: dict[str, Any], keys: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Key number ``k`` (of ``count`` in the run) in the seed's format: distinct numbers give
    distinct keys."""
    kind = fmt["kind"]
    if kind == "integer":
        if fmt["monotonic"]:
            return fmt["start"] + fmt["step"] * keys
        digits = len(str(max(count, 1)))
        return fmt["start"] + _scatter(keys, 10**digits).astype(np.int64)
    if kind == "uuid":
        return _uuids(keys, seed)
    if kind == "hex":
        modulus = 16 ** fmt["length"]
        numbers = _scatter((keys.astype(object) + seed * 1_000_003 + 0x5DEECE66D) % modulus, modulus)
        made = np.array([f"{n:0{fmt['length']}x}" for n in numbers])
        return np.char.upper(made) if fmt["upper"] else made
    if kind == "pattern":
        digits = fmt["digits"]
        last = fmt.get("start", 0) + fmt.get("step", 1) * max(count - 1, 0)
        while 10**digits <= (last if fmt.get("monotonic") else count - 1):
            digits += 1
        numbers = fmt["start"] + fmt["step"] * keys if fmt.get("monotonic") else _scatter(keys, 10**digits)
        prefixes = np.array(list(fmt["prefixes"]))[_spread_choice(keys, fmt["prefixes"].values())]
        return np.array([f"{p}{n:0{digits}d}" for p, n in zip(prefixes, numbers)])
    templates = {t: s for t, s in fmt.get("templates", {}).items() if _capacity(t) >= count}
    if kind == "shaped" and templates:
        chosen = np.array(list(templates))[_spread_choice(keys, templates.values())]
        return np.array([_filled(t, n) for t, n in zip(chosen, _scatter_each(keys, chosen))])
    width = max(fmt.get("length", 8) - 3, len(str(count)))
    return np.array([f"id-{k:0{width}d}" for k in keys])


def _scatter_each(keys: np.ndarray, chosen: np.ndarray) -> list[int]:
    numbers = [0] * len(keys)
    for template in np.unique(chosen):
        at = np.flatnonzero(chosen == template)
        for i, number in zip(at, _scatter(keys[at], _capacity(template))):
            numbers[i] = int(number)
    return numbers


def make_ids(
    fmt: dict[str, Any],
    offset: int,
    rows: int,
    total: int,
    seed: int,
    groups: np.ndarray | None = None,
    times: pd.Series | None = None,
    near: pd.DataFrame | None = None,
) -> pd.Series:
    """Ids for rows ``offset..offset+rows`` of a run of ``total`` rows: unique across the run, or,
    where the seed's keys repeat, each key on about ``repeats`` rows, all of one of ``groups``
    (rows that agree on what never changes within a seed key, like a drive's model), given
    ``times`` never two of one time (a drive has one snapshot a day), and given ``near`` on rows
    whose values of its columns are near, the first column first (a drive's reallocated sectors,
    then its hours: on one day next to the same rank on the next).
    Keys are made from their number alone, numbered within this chunk's positions: unique
    across chunks."""
    repeats = float(fmt.get("repeats", 1))
    if repeats <= 1:
        return pd.Series(_keys(fmt, np.arange(offset, offset + rows, dtype=np.int64), total, seed))
    groups = np.zeros(rows, dtype=np.int64) if groups is None else np.asarray(groups)
    # an empty time (factorized as -1) is a time of its own, before the others
    moments = np.zeros(rows, dtype=np.int64) if times is None else pd.factorize(times, sort=True)[0] + 1
    values = [] if near is None else [near[c].fillna(0).to_numpy(dtype=float) for c in near.columns]
    order = np.lexsort((*values[::-1], moments, groups))  # by group, then in time, then by value
    group_sizes = np.bincount(pd.factorize(groups[order])[0]) if rows else np.zeros(0, np.int64)
    group_of = np.repeat(np.arange(len(group_sizes)), group_sizes)
    keys = np.ceil(group_sizes / repeats).astype(np.int64)
    if times is None:  # consecutive rows (near ones, given ``near``) share a key
        within = np.arange(rows) - np.repeat(np.r_[0, np.cumsum(group_sizes)[:-1]], group_sizes)
        slots = np.floor(within / repeats).astype(np.int64)
    else:  # each time's rows spread over the group's keys by rank, each on a key of its own
        moment = moments[order].astype(np.int64)
        block = pd.factorize(group_of * (int(moment.max(initial=0)) + 1) + moment)[0]
        block_sizes = np.bincount(block)
        block_starts = np.r_[0, np.cumsum(block_sizes)[:-1]]
        np.maximum.at(keys, group_of[block_starts], block_sizes)  # a key per row of the busiest time
        group_starts = np.r_[0, np.cumsum(group_sizes)[:-1]]
        rank = np.arange(rows) - block_starts[block]
        width = np.repeat(keys, group_sizes)
        # a time with few rows starts where the one before it stopped (dealt round), a time with
        # many at the first key, so that ranks line up from one snapshot to the next
        few = block_sizes[block] < width / 2
        turn = np.where(few, block_starts[block] - group_starts[group_of], 0)
        slots = (turn + np.floor(rank * width / block_sizes[block]).astype(np.int64)) % width
    numbers = offset + np.repeat(np.r_[0, np.cumsum(keys)[:-1]], group_sizes) + slots
    first, inverse = np.unique(numbers, return_inverse=True)
    made = np.empty(rows, dtype=object)
    made[order] = _keys(fmt, first, total, seed)[inverse]
    return pd.Series(made if fmt["kind"] not in ("integer",) else made.astype(np.int64))


def _normalised(shares: Any) -> np.ndarray:
    shares = np.asarray(list(shares), dtype=float)
    return shares / shares.sum()
