"""Long tables, as historians and IoT platforms export them (one row per reading: a time, a tag
naming the sensor, its value), turned into one row per time with a column per tag: the shape a
model of the machine learns from, and the one its splits are written in.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synthkit.roles import name_words

TAG_WORDS = {
    "tag",
    "tagname",
    "tag_name",
    "sensor",
    "sensor_name",
    "signal",
    "channel",
    "variable",
    "parameter",
}
TAG_WORDS |= {"metric", "point", "item", "kpi", "measurand", "sensor_id", "signal_name", "channel_name"}
VALUE_WORDS = {"value", "val", "reading", "measurement", "measured_value", "wert", "messwert", "valor"}
VALUE_WORDS |= {"valeur", "valore", "sensor_value", "signal_value", "reading_value"}
MAX_TAGS = 500
MAX_REPEATED = 0.01  # share of readings that may repeat a (time, tag) pair; the first one is kept
MIN_FILLED = 0.5  # a long table found by its names has a reading for most tags at most times


@dataclass(frozen=True)
class LongLayout:
    """Which column names the sensor (``tag``), which holds its reading (``value``), which say
    when and where (``keys``), which describe a tag (``per_tag``: a unit, a description) and which
    describe one reading only (``per_reading``: a quality flag; left out)."""

    tag: str
    value: str
    keys: tuple[str, ...]
    per_tag: tuple[str, ...] = ()
    per_reading: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "tag": self.tag,
            "value": self.value,
            "keys": list(self.keys),
            "per_tag": list(self.per_tag),
            "per_reading": list(self.per_reading),
        }


def long_layout(frame: pd.DataFrame, tag: str | None = None, value: str | None = None) -> LongLayout | None:
    """The long layout of a table: with ``tag`` and ``value`` as given, else found by their names
    (``tag``/``sensor``/``signal``... and ``value``/``reading``...); None when the table is not
    long (no such pair, no column saying when, or a (time, tag) pair repeated in over 1 % of rows).
    The keys are the fewest columns that tell the readings of one tag apart; a table found by its
    names must also have a reading of most tags at most times.
    """
    names = [str(c) for c in frame.columns]
    given = tag is not None and value is not None
    tag = tag or next((c for c in names if name_words(c) in TAG_WORDS), None)
    value = value or next((c for c in names if name_words(c) in VALUE_WORDS), None)
    if tag is None or value is None or tag == value or len(frame) == 0:
        return None
    tags = frame[tag].dropna()
    if not 2 <= tags.nunique() <= MAX_TAGS or pd.api.types.is_float_dtype(tags):
        return None
    rest = [c for c in names if c not in (tag, value)]
    per_tag = tuple(c for c in rest if (frame.groupby(tag, dropna=True)[c].nunique(dropna=False) <= 1).all())
    keys = [c for c in rest if c not in per_tag]
    if not keys or frame.duplicated([*keys, tag]).mean() > MAX_REPEATED:
        return None
    for column in sorted(keys, key=lambda c: frame[c].nunique()):  # the fewest that say when and where
        fewer = [k for k in keys if k != column]
        if fewer and frame.duplicated([*fewer, tag]).mean() <= MAX_REPEATED:
            keys = fewer
    if any(pd.api.types.is_float_dtype(frame[k]) for k in keys):
        return None  # a measurement tells rows apart, not a time: a wide table with a 'sensor' column
    filled = len(frame) / (frame.drop_duplicates(keys).shape[0] * tags.nunique())
    if not given and filled < MIN_FILLED:
        return None
    per_reading = tuple(c for c in rest if c not in per_tag and c not in keys)
    return LongLayout(tag, value, tuple(keys), per_tag, per_reading)


def widen(frame: pd.DataFrame, layout: LongLayout) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per key (time, asset...), one column per tag in the order tags first appear, and
    each tag's unit when a per-tag column is named like one. A tag's column is numeric when all
    its readings are numbers (a state tag keeps its text)."""
    readings = frame.dropna(subset=[layout.tag]).drop_duplicates([*layout.keys, layout.tag])
    tags = [str(t) for t in pd.unique(readings[layout.tag])]
    wide = readings.assign(**{layout.tag: readings[layout.tag].astype(str)}).pivot(
        index=list(layout.keys), columns=layout.tag, values=layout.value
    )
    wide = wide.reindex(columns=tags).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    for column in tags:
        numbers = pd.to_numeric(wide[column], errors="coerce")
        if numbers.notna().sum() == wide[column].notna().sum():
            wide[column] = numbers
    unit_column = next(
        (c for c in layout.per_tag if name_words(c) in ("unit", "units", "einheit", "unidad")), None
    )
    units = {}
    if unit_column is not None:
        first = readings.drop_duplicates(layout.tag).set_index(layout.tag)[unit_column]
        units = {str(t): str(u) for t, u in first.items() if pd.notna(u) and str(u).strip()}
    return wide, units
