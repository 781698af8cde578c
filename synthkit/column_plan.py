"""From a raw table to what the model sees, and from model rows back to a table like the raw one.

The model learns only the modelled columns (labels, categories, numbers, timestamps). Ids are
never modelled: they are regenerated unique in the observed format (same prefixes and digit
count; monotonic integers stay monotonic), or, where keys repeat (a serial on every day's row),
each on about as many rows as in the seed, never twice at one time, with the numbers that are a
key's own (a drive's hours) kept its own. Timestamps fall on the seed's step, constants come back
as their value, ignored columns stay out, and one category written in several 0/1 columns
(``one_hot``) is learned and drawn as one, so every row has one of them set. A label whose
classes each hold a range of a number of their own (a warning set when the remaining life is at
most 30 cycles) keeps its number in that range (``label_ranges``), and a label value whose rows
stay below (or above) a number that many other rows pass (oil samples rated ``Normal`` only up to
40 ppm of iron) keeps its new rows there too (``label_bounds``), and rows of a value that the
seed never has within another value's bounds (no ``Caution`` sample with every reading within
``Normal``'s) stay out of them (``label_exclusions``). The plan is made
once per training from the seed and stored in the model manifest, so generation restores
columns exactly as the model was trained, whatever the roles are later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthkit.ids import id_format, make_ids
from synthkit.roles import MAX_CATEGORIES, Normal, Roles, label_text, labels_first, one_hot_groups

TABLE = "sensor_log"
Bounds = tuple[float | None, float | None]  # low, high; None: open
OTHER = "other"


@dataclass(frozen=True)
class ColumnPlan:
    """What the model is trained on and how its rows become a table like the seed."""

    columns: list[str]  # the seed's column order
    roles: dict[str, str]
    normals: dict[str, Normal] = field(default_factory=dict)
    id_formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    kept_categories: dict[str, list[str]] = field(default_factory=dict)  # wide categories, cut
    # columns that follow a category in every seed row (each machine's model and age): column ->
    # {"from": the category, "values": category value as label text -> the column's value}
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_steps: dict[str, float] = field(
        default_factory=dict
    )  # seconds every seed timestamp is a multiple of
    one_hot: list[list[str]] = field(default_factory=list)  # 0/1 columns with one set per row: one category
    # label -> number -> label value (as label text) -> [low, high] (None: open) its rows keep to
    label_ranges: dict[str, dict[str, dict[str, list]]] = field(default_factory=dict)
    label_combinations: list[str] = field(default_factory=list)  # the seed's, as label_keys, with 2+ labels
    # label -> number -> label value (as label text) -> [low, high] (None: open) past which many
    # other rows lie but none of its own; empty cells are allowed
    label_bounds: dict[str, dict[str, dict[str, list]]] = field(default_factory=dict)
    # label -> label value -> the other values whose bounds (all of them at once) its rows stay out of
    label_exclusions: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def from_seed(cls, frame: pd.DataFrame, roles: Roles) -> ColumnPlan:
        kept = {}
        for column in roles.of("category"):
            counts = frame[column].value_counts()
            if len(counts) > MAX_CATEGORIES:
                kept[column] = [str(v) for v in counts.index[: MAX_CATEGORIES - 1]]
        constants = {}
        for column in roles.of("constant"):
            values = frame[column].dropna()
            constants[column] = _plain(values.iloc[0]) if len(values) else None
        return cls(
            columns=list(frame.columns),
            roles=dict(roles.roles),  # labels first, main label leading
            normals={c: roles.normals[c] for c in roles.labels if c in roles.normals},
            id_formats={c: _with_per_key(id_format(frame[c]), frame, c, roles) for c in roles.of("id")},
            constants=constants,
            kept_categories=kept,
            derived=following_columns(frame, roles, set(kept)),
            time_steps={c: step for c in roles.of("datetime") if (step := time_step(frame[c]))},
            one_hot=[g for g in one_hot_groups(frame, roles.roles) if len({roles.roles[c] for c in g}) == 1],
            label_ranges=(ranges := label_ranges(frame, roles)),
            label_bounds=(bounds := label_bounds(frame, roles, ranges)),
            label_exclusions=label_exclusions(frame, bounds),
            label_combinations=sorted(label_keys(frame, roles.labels).unique())
            if len(roles.labels) > 1
            else [],
        )

    @property
    def modelled(self) -> list[str]:
        return [c for c in self.columns if self.roles[c] in ("label", "category", "numeric", "datetime")]

    @property
    def labels(self) -> tuple[str, ...]:
        """Label columns, main label first (the order roles were resolved in)."""
        return tuple(c for c in self.roles if self.roles[c] == "label")

    def model_table(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The seed's modelled columns, with wide categories cut to their most frequent values."""
        table = frame[self.modelled].copy()
        for column, kept in self.kept_categories.items():
            text = table[column].astype(str)
            table[column] = text.where(text.isin(kept) | table[column].isna(), OTHER)
        return table

    def metadata(self) -> Any:
        """SDV metadata of the model table, from the roles (SDV's own guesses are not used)."""
        from sdv.metadata import Metadata

        sdtypes = {
            "label": "categorical",
            "category": "categorical",
            "numeric": "numerical",
            "datetime": "datetime",
        }
        columns = {c: {"sdtype": sdtypes[self.roles[c]]} for c in self.modelled}
        return Metadata.load_from_dict(
            {"METADATA_SPEC_VERSION": "V1", "tables": {TABLE: {"columns": columns}}, "relationships": []}
        )

    def restore(self, rows: pd.DataFrame, offset: int, total: int, seed: int) -> pd.DataFrame:
        """Model rows back to the seed's columns and order: ids made, constants set, ignored left out."""
        if (
            not self.id_formats
            and not self.constants
            and not self.time_steps
            and list(rows.columns) == self.output_columns
        ):
            return rows
        rows = rows.assign(  # on the seed's step first: keys are kept apart by the written times
            **{
                c: pd.to_datetime(rows[c]).dt.round(pd.Timedelta(seconds=step))
                for c, step in self.time_steps.items()
                if c in rows
            }
        )
        if self.time_steps and any("part" in rule for rule in self.derived.values()):
            rows = self.agreeing(rows, parts_only=True)  # a time rounded onto its step may change hour
        out = {}
        for column in self.output_columns:
            if column in self.id_formats:
                fmt = self.id_formats[column]
                groups = (
                    rows.groupby(fmt["per_key"], sort=False, dropna=False).ngroup()
                    if fmt.get("per_key")
                    else None
                )
                times = rows[fmt["apart_in"]] if fmt.get("apart_in") in rows else None
                near = _steady_base(rows, fmt, times)
                out[column] = make_ids(fmt, offset, len(rows), total, seed, groups, times, near).to_numpy()
            elif column in self.constants:
                out[column] = np.full(len(rows), self.constants[column], dtype=object)
            else:
                out[column] = rows[column].to_numpy()
        table = pd.DataFrame(out)
        for column, value in self.constants.items():
            if column in table and value is not None:
                table[column] = table[column].astype(type(value))
        for key, fmt in self.id_formats.items():
            for column, change in fmt.get("steady", {}).items():
                if column in table and key in table:
                    times = table[fmt["apart_in"]] if fmt.get("apart_in") in table else None
                    table[column] = steady_within_keys(table[column], table[key], times, change)
        if any(fmt.get("steady") for fmt in self.id_formats.values()):
            table = self.agreeing(table)  # what follows a number made steady follows it again
        return table

    def agreeing(self, rows: pd.DataFrame, parts_only: bool = False) -> pd.DataFrame:
        """Model rows whose following columns take the value their category has in the seed (a
        model draws each column from a distribution, so machine 7 could come out as two models);
        a column led by a number takes the value of the nearest number the seed has, one led by a
        timestamp's hour, weekday or month the value of that (``parts_only``: those alone)."""
        if not self.derived:
            return rows
        rows = rows.copy()
        for column, rule in self.derived.items():
            if parts_only and "part" not in rule:
                continue
            if column in rows and rule["from"] in rows:
                rows[column] = _followed(rows[rule["from"]], rows[column], rule)
        return rows

    def unseen_label_rows(self, rows: pd.DataFrame) -> pd.Series:
        """Rows whose labels contradict each other: a combination no seed row has."""
        if not self.label_combinations:
            return pd.Series(False, index=rows.index)
        return ~label_keys(rows, self.labels).isin(set(self.label_combinations))

    def outside_label_ranges(self, rows: pd.DataFrame) -> pd.Series:
        """Rows whose number lies outside the range their label value keeps it to (a warning set
        at a remaining life of 80 cycles, where the seed sets it only at 30 or fewer)."""
        outside = pd.Series(False, index=rows.index)
        for label, numbers in self.label_ranges.items():
            if label not in rows:
                continue
            text = label_text(rows[label]).where(rows[label].notna())
            for number, spans in numbers.items():
                if number not in rows:
                    continue
                values = pd.to_numeric(rows[number], errors="coerce")
                for value, (low, high) in zones(spans).items():
                    mine = text == value
                    outside |= mine & ((values < low) if low is not None else False)
                    outside |= mine & ((values > high) if high is not None else False)
        return outside

    def outside_label_bounds(self, rows: pd.DataFrame) -> pd.Series:
        """Rows whose number lies past the bound their label value keeps it within (an oil sample
        rated ``Normal`` at 90 ppm of iron, where no seed sample rated so has more than 40), or
        whose numbers all lie within the bounds of a value theirs stays out of (``Caution`` with
        every reading within ``Normal``'s)."""
        outside = pd.Series(False, index=rows.index)
        for label in self.label_bounds:
            if label not in rows:
                continue
            text = label_text(rows[label]).where(rows[label].notna())
            for value in text.dropna().unique():
                mine = text == value
                bounds = self.bounds_for({label: value})
                if bounds and set(bounds) <= set(rows.columns):
                    outside |= mine & ~within(rows, bounds, empty=True)
                for other in self.label_exclusions.get(label, {}).get(value, []):
                    if set(box := self.bounds_for({label: other})) <= set(rows.columns):
                        outside |= mine & within(rows, box, empty=False)
        return outside

    def exclusions_for(self, labels: dict[str, str]) -> list[dict[str, Bounds]]:
        """The bounds rows with these label values stay out of (each all at once)."""
        return [
            self.bounds_for({label: other})
            for label, value in labels.items()
            for other in self.label_exclusions.get(label, {}).get(value, [])
        ]

    def bounds_for(self, labels: dict[str, str]) -> dict[str, Bounds]:
        """The bounds each number keeps to in rows with these label values (the narrowest where
        several labels bound one number; none where they leave nothing between them)."""
        return _narrowest(
            (number, spans[value])
            for label, value in labels.items()
            for number, spans in self.label_bounds.get(label, {}).items()
            if value in spans
        )

    def ranges_for(
        self, labels: dict[str, str], seen: bool = False
    ) -> dict[str, tuple[float | None, float | None]]:
        """The range of each number that rows with these label values keep to: halfway to the
        next value's seed rows (``seen``: the seed rows' own range); the narrowest where several
        labels bound one number, and none where they disagree (a combination never seen)."""
        return _narrowest(
            (number, spans[value] if seen else zones(spans)[value])
            for label, value in labels.items()
            for number, spans in self.label_ranges.get(label, {}).items()
            if value in spans
        )

    def into_label_ranges(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Numbers outside their label's range moved to the nearer end of the seed's own values
        for that label (the last resort, for rows the model would not draw inside it)."""
        outside = self.outside_label_ranges(rows)
        if not outside.any():
            return rows
        rows = rows.copy()
        labels = [c for c in self.label_ranges if c in rows]
        keys = rows.loc[outside, labels].apply(lambda c: label_text(c).where(c.notna()))
        for key, index in keys.groupby(labels, dropna=False).groups.items():
            key = key if isinstance(key, tuple) else (key,)
            wanted = {c: v for c, v in zip(labels, key) if isinstance(v, str)}
            for number, (low, high) in self.ranges_for(wanted, seen=True).items():
                rows.loc[index, number] = rows.loc[index, number].clip(low, high)
        return rows

    def key_notes(self) -> list[str]:
        """How repeating keys come back, in words: rows per key, the time no key has twice, what
        its rows share and the numbers that are its own (``serial_number``: a drive per day)."""
        notes = []
        for key, fmt in self.id_formats.items():
            if fmt.get("repeats", 1) <= 1:
                continue
            parts = [f"{key} repeats: about {fmt['repeats']:g} rows per key"]
            if fmt.get("apart_in"):
                parts.append(f"never two with one {fmt['apart_in']}")
            if fmt.get("per_key"):
                parts.append(f"its rows share {', '.join(fmt['per_key'])}")
            if fmt.get("steady"):
                own = [f"{c} ({r * 86_400:+.3g} a day)" if r else c for c, r in fmt["steady"].items()]
                parts.append(f"its own: {', '.join(own)}")
            notes.append("; ".join(parts))
        return notes

    @property
    def output_columns(self) -> list[str]:
        return [c for c in self.columns if self.roles[c] != "ignore"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "roles": self.roles,
            "labels": list(self.labels),  # the order, which JSON with sorted keys would lose
            "normals": self.normals,
            "id_formats": self.id_formats,
            "constants": self.constants,
            "kept_categories": self.kept_categories,
            "derived": self.derived,
            "time_steps": self.time_steps,
            "one_hot": self.one_hot,
            "label_ranges": self.label_ranges,
            "label_combinations": self.label_combinations,
            "label_bounds": self.label_bounds,
            "label_exclusions": self.label_exclusions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnPlan:
        data = dict(data)
        data["roles"] = labels_first(data["roles"], data.pop("labels", ()))
        return cls(**data)


# seconds, largest first; down to a millisecond, as high-rate loggers write them (``10:00:01.250``)
TIME_STEPS = (
    86_400,
    3_600,
    1_800,
    900,
    600,
    300,
    60,
    30,
    15,
    10,
    5,
    1,
    0.5,
    0.25,
    0.2,
    0.1,
    0.05,
    0.01,
    0.001,
)


def time_step(series: pd.Series) -> float | None:
    """The largest of ``TIME_STEPS`` every timestamp of ``series`` falls on (a logger's 10 s or
    250 ms, an hourly export, a daily snapshot), so that new timestamps fall on it too and are
    written as finely as the seed's; None when the timestamps are finer than a millisecond, fewer
    than two, or carry a time zone (whose days and hours move with daylight saving)."""
    values = pd.to_datetime(series, errors="coerce").dropna()
    if values.nunique() < 2 or getattr(values.dt, "tz", None) is not None:
        return None
    nanoseconds = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return next((step for step in TIME_STEPS if not (nanoseconds % round(step * 10**9)).any()), None)


def label_keys(frame: pd.DataFrame, labels: tuple[str, ...]) -> pd.Series:
    """Each row's label combination as one text key, missing labels included."""
    keys = frame[list(labels)].apply(lambda column: label_text(column).where(column.notna(), "<missing>"))
    return keys.agg("|".join, axis=1)


MIN_RANGE_ROWS = 20  # rows of a label and a number that show each label value's range


def label_ranges(frame: pd.DataFrame, roles: Roles) -> dict[str, dict[str, dict[str, list]]]:
    """Numbers whose values never overlap between a label's values (a warning set exactly when
    the remaining useful life is at most 30 cycles, a stage for each band of it): for each label
    value, the lowest and highest number its seed rows hold, so that new rows keep the labels
    true to their number."""
    found: dict[str, dict[str, dict[str, list]]] = {}
    for label in roles.labels:
        text = label_text(frame[label]).where(frame[label].notna())
        for number in roles.of("numeric"):
            values = pd.to_numeric(frame[number], errors="coerce")
            both = text.notna() & values.notna()
            if both.sum() < MIN_RANGE_ROWS:
                continue
            spans = values[both].groupby(text[both]).agg(["min", "max"]).sort_values("min")
            if len(spans) < 2 or (spans["min"].to_numpy()[1:] <= spans["max"].to_numpy()[:-1]).any():
                continue
            found.setdefault(label, {})[number] = {
                str(value): [_plain(low), _plain(high)] for value, low, high in spans.itertuples()
            }
    return found


BOUND_ROWS = 20  # other rows past a label value's bound, at least
BOUND_FACTOR = 6  # times more other rows past it than if its rows were drawn like theirs
EDGE_WIDTH = 0.1  # of its rows' interquartile range: the band at a bound its rows must crowd
EDGE_ROWS, EDGE_SHARE = 5, 0.002  # rows in that band, at least (a bell's thin tail has ~0.0007)


def label_bounds(
    frame: pd.DataFrame, roles: Roles, ranges: dict[str, dict[str, dict[str, list]]]
) -> dict[str, dict[str, dict[str, list]]]:
    """For each label value and number (not already kept to a range), the lowest and highest
    number its seed rows hold, where so many other rows lie past it that chance cannot explain it:
    of n rows drawn like the others, about one in n + 1 of the others would lie past their highest,
    and here at least ``BOUND_FACTOR`` times that (and ``BOUND_ROWS``) do; and where its rows
    crowd up to the bound, as at a limit someone set, not thinning out as a bell curve's tail
    does (a class merely shifted from the others keeps its tails). Oil samples rated
    ``Normal`` hold at most 40 ppm of iron while hundreds of ``Caution`` samples hold more, so new
    ``Normal`` rows stay at or below 40."""
    found: dict[str, dict[str, dict[str, list]]] = {}
    for label in roles.labels:
        text = label_text(frame[label]).where(frame[label].notna())
        for number in roles.of("numeric"):
            if number in ranges.get(label, {}):
                continue
            values = pd.to_numeric(frame[number], errors="coerce")
            both = text.notna() & values.notna()
            if both.sum() < MIN_RANGE_ROWS or text[both].nunique() < 2:
                continue
            known, keys = values[both].to_numpy(dtype=float), text[both].to_numpy()
            bounds = {}
            for value in pd.unique(keys):
                mine = keys == value
                own, others = known[mine], known[~mine]
                needed = max(BOUND_ROWS, BOUND_FACTOR * len(others) / (len(own) + 1))
                edge = EDGE_WIDTH * (np.quantile(own, 0.75) - np.quantile(own, 0.25))
                at_edge = max(EDGE_ROWS, EDGE_SHARE * len(own))  # a cut, not a thin tail
                low, high = own.min(), own.max()
                cut_low = (others < low).sum() >= needed and (own <= low + edge).sum() >= at_edge
                cut_high = (others > high).sum() >= needed and (own >= high - edge).sum() >= at_edge
                low, high = (low if cut_low else None), (high if cut_high else None)
                if low is not None or high is not None:
                    bounds[str(value)] = [_plain(low), _plain(high)]
            if bounds:
                found.setdefault(label, {})[number] = bounds
    return found


EXCLUSION_ROWS = 10  # rows of a value that chance would put within another's bounds, at least
EXCLUSION_SHARE = 0.01  # of a value's rows within another's bounds, at most, for its rows to stay out


def label_exclusions(
    frame: pd.DataFrame, bounds: dict[str, dict[str, dict[str, list]]]
) -> dict[str, dict[str, list[str]]]:
    """For each label value, the other values whose bounds (all at once) its seed rows stay out of
    where chance would have put many there: an oil lab rates a sample ``Normal`` when every reading
    is within its limits, so no ``Caution`` sample has all of them within, while most samples do."""
    found: dict[str, dict[str, list[str]]] = {}
    for label, numbers in bounds.items():
        text = label_text(frame[label]).where(frame[label].notna())
        values = sorted({value for spans in numbers.values() for value in spans})
        for value in values:
            box = {n: tuple(spans[value]) for n, spans in numbers.items() if value in spans}
            inside = within(frame, box, empty=False)
            share = inside.mean()
            for other in text.dropna().unique():
                theirs = text == other
                counted = theirs & frame[list(box)].notna().all(axis=1)
                if (
                    other != value
                    and counted.sum() * share >= EXCLUSION_ROWS
                    and (inside & theirs).sum() <= EXCLUSION_SHARE * counted.sum()
                ):
                    found.setdefault(label, {}).setdefault(str(other), []).append(value)
    return found


def within(rows: pd.DataFrame, bounds: dict[str, Bounds], empty: bool) -> pd.Series:
    """Rows whose numbers all lie within ``bounds``; an empty cell counts as within if ``empty``."""
    inside = pd.Series(True, index=rows.index)
    for number, (low, high) in bounds.items():
        values = pd.to_numeric(rows[number], errors="coerce")
        inside &= (values.isna() if empty else False) | (
            (values >= low if low is not None else values.notna())
            & (values <= high if high is not None else values.notna())
        )
    return inside


def _narrowest(spans: Iterable[tuple[str, Any]]) -> dict[str, Bounds]:
    """Each number's narrowest range of ``spans`` (number, (low, high)); none where they leave
    nothing between them."""
    bounds: dict[str, Bounds] = {}
    for number, (low, high) in spans:
        was_low, was_high = bounds.get(number, (None, None))
        low = was_low if low is None else low if was_low is None else max(low, was_low)
        high = was_high if high is None else high if was_high is None else min(high, was_high)
        bounds[number] = (low, high)
    return {n: (low, high) for n, (low, high) in bounds.items() if low is None or high is None or low <= high}


def zones(spans: dict[str, list]) -> dict[str, Bounds]:
    """The range of numbers each label value stands for, from the seed's ``spans`` of it: halfway
    to the next value's rows on either side, open at both ends (a life of 400 cycles is still
    no warning)."""
    ordered = sorted(spans.items(), key=lambda item: item[1][0])
    cuts = [None, *((a[1][1] + b[1][0]) / 2 for a, b in zip(ordered, ordered[1:])), None]
    return {value: (cuts[i], cuts[i + 1]) for i, (value, _) in enumerate(ordered)}


MIN_GROUP_ROWS = 10  # a category leads other columns only when its values average this many rows
MAX_LEADING_NUMBERS = 5_000  # values of a number that leads others (each kept in the manifest)


FIRST_ROWS = 10_000  # rows a column is first checked on: one that changes there does in the whole


def following_columns(
    frame: pd.DataFrame, roles: Roles, cut: set[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Categories and numbers that never change within a value of a category (``model`` and ``age``
    of each ``machineID``), led by the finest such category, and numbers that never change within
    a value of a number (a SMART attribute's normalized value, a step function of its raw count:
    ``nearest``, as new rows may hold counts the seed has not); labels keep their own plan."""
    numbers = roles.of("numeric")
    leaders = [
        c
        for c in roles.of("category") + numbers
        if c not in cut
        and 2 <= frame[c].nunique()
        and len(frame) >= MIN_GROUP_ROWS * frame[c].nunique()
        and (c not in numbers or frame[c].nunique() <= MAX_LEADING_NUMBERS)
    ]
    leaders.sort(key=lambda c: -frame[c].nunique())
    derived: dict[str, dict[str, Any]] = {}
    for leader in leaders:
        if leader in derived:
            continue
        keys = label_text(frame[leader]).where(frame[leader].notna())
        groups = frame.groupby(keys, sort=False)
        first_groups = frame.head(FIRST_ROWS).groupby(keys.head(FIRST_ROWS), sort=False)
        for column in numbers if leader in numbers else roles.of("category") + numbers:
            if (
                column == leader
                or column in derived
                or column in cut
                or frame[column].nunique(dropna=False) < 2
                or (first_groups[column].nunique(dropna=False) > 1).any()  # changes within a value
            ):
                continue
            if groups[column].nunique(dropna=False).max() == 1:
                first = groups[column].first()
                values = {str(k): None if pd.isna(v) else _plain(v) for k, v in first.items()}
                derived[column] = {"from": leader, "values": values} | (
                    {"nearest": True} if leader in numbers else {}
                )
    return derived | _following_times(frame, roles, cut | set(derived))


TIME_PARTS = ("hour", "weekday", "month")  # of a timestamp, which a shift, a weekend, a season follows


def time_part(times: pd.Series, part: str) -> pd.Series:
    """The hour (0-23), weekday (0 is Monday) or month (1-12) of each timestamp (empty: NaN)."""
    times = pd.to_datetime(times, errors="coerce")
    return {"hour": times.dt.hour, "weekday": times.dt.dayofweek, "month": times.dt.month}[part]


def _following_times(frame: pd.DataFrame, roles: Roles, taken: set[str]) -> dict[str, dict[str, Any]]:
    """Categories and numbers that never change within an hour, a weekday or a month of a timestamp
    (a production log's ``Shift`` by the hour it finished, ``Weekend`` by the day): a model draws the
    time as one number, blind to its hour, so new rows take the value their time's part has."""
    derived: dict[str, dict[str, Any]] = {}
    followers = [c for c in roles.of("category") + roles.of("numeric") if c not in taken]
    for leader in roles.of("datetime"):
        for part in TIME_PARTS:
            keys = time_part(frame[leader], part)
            count = keys.nunique()
            candidates = [c for c in followers if c not in derived]
            if count < 2 or len(frame) < MIN_GROUP_ROWS * count or not candidates:
                continue
            head = frame.head(FIRST_ROWS).groupby(keys.head(FIRST_ROWS))[candidates]
            changing = head.nunique(dropna=False).max() > 1  # most columns change within an hour early on
            candidates = [c for c in candidates if not changing[c] and frame[c].nunique() >= 2]
            if not candidates:
                continue
            groups = frame.groupby(keys)[candidates]
            steady, first = groups.nunique(dropna=False).max() == 1, groups.first()
            for column in [c for c in candidates if steady[c]]:
                values = {str(int(k)): None if pd.isna(v) else _plain(v) for k, v in first[column].items()}
                derived[column] = {"from": leader, "part": part, "values": values}
    return derived


def _followed(leader: pd.Series, column: pd.Series, rule: dict[str, Any]) -> pd.Series:
    """``column`` with the value ``rule`` gives each value of ``leader`` (left as it is where the
    leader is empty, or is a category value the seed does not have)."""
    if rule.get("part"):
        parts = time_part(leader, rule["part"])
        values = {int(k): v for k, v in rule["values"].items()}
        found = parts.isin(list(values))
        column = column.copy()
        column[found] = parts[found].astype(int).map(values).to_numpy()
        return column
    if rule.get("nearest"):
        keys = np.array([float(k) for k in rule["values"]])
        order = np.argsort(keys)
        keys, values = keys[order], np.array(list(rule["values"].values()), dtype=object)[order]
        numbers = pd.to_numeric(leader, errors="coerce").to_numpy(dtype=float)
        found = ~np.isnan(numbers)
        right = np.clip(np.searchsorted(keys, numbers[found]), 1, len(keys) - 1)
        nearest = np.where(numbers[found] - keys[right - 1] <= keys[right] - numbers[found], right - 1, right)
        mapped = pd.to_numeric(pd.Series(values[nearest]), errors="coerce")  # numbers follow numbers
        exact = not mapped.isna().any() or not pd.api.types.is_integer_dtype(column)
        column = column.copy() if exact else column.astype(float)
        column[found] = mapped.to_numpy().astype(column.dtype)
        return column
    text = label_text(leader)
    found = leader.notna() & text.isin(list(rule["values"]))
    column = column.copy()
    column[found] = text[found].map(rule["values"]).to_numpy()
    return column


def _with_per_key(fmt: dict[str, Any], frame: pd.DataFrame, column: str, roles: Roles) -> dict[str, Any]:
    """A repeating key's format with ``per_key``: the categories that never change within one
    of its keys (a drive's model and capacity), which the key's new rows then share too; and
    ``apart_in``: a timestamp no key has twice (one snapshot a day), which new keys keep apart.
    Neither where most rows have a key of their own (an order number written twice once): any
    column would seem not to change within those keys."""
    sizes = frame[column].map(frame[column].value_counts())
    if fmt.get("repeats", 1) <= 1 or (sizes > 1).mean() < REPEATED_ROWS:
        return fmt
    changes = frame.groupby(column, sort=False)[roles.of("category")].nunique(dropna=False).max()
    fmt = fmt | {"per_key": [c for c in roles.of("category") if changes.get(c, 2) <= 1]}
    for time in roles.of("datetime"):
        pairs = frame[[column, time]].dropna()
        if len(pairs) and not pairs.duplicated().any():
            fmt = fmt | {"apart_in": time}
            break
    steady = steady_numbers(frame, column, roles.of("numeric"), fmt.get("apart_in"))
    return fmt | {"steady": steady} if steady else fmt


REPEATED_ROWS = 0.5  # share of rows whose key is on other rows too, at least, for a key to own values
STEADY_SHARE = 0.001  # of a number's variance left within keys, at most, for it to be a key's own
STEADY_KNOTS = 501  # quantiles of the map that puts a key's shared values back on the rows' own


def _seconds(times: pd.Series) -> pd.Series:
    times = pd.to_datetime(times, errors="coerce")
    return (times - times.min()).dt.total_seconds()


def steady_numbers(frame: pd.DataFrame, key: str, columns: list[str], time: str | None) -> dict[str, float]:
    """Numbers that are a repeating key's own (a drive's power-on hours): within keys they change
    at most by one steady rate in time, the same for every key, and by less than ``STEADY_SHARE``
    of their variance otherwise. Each with that rate per second (0 without a time)."""
    seconds = _seconds(frame[time]) if time else pd.Series(0.0, index=frame.index)
    steady = {}
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        kept = values.notna() & frame[key].notna() & seconds.notna()
        spread = values[kept].var(ddof=0)
        if kept.sum() < 2 or not spread > 0:
            continue
        keys = frame.loc[kept, key]
        change = values[kept] - values[kept].groupby(keys).transform("mean")
        moved = seconds[kept] - seconds[kept].groupby(keys).transform("mean")
        rate = float((change * moved).sum() / (moved**2).sum()) if (moved**2).sum() > 0 else 0.0
        if ((change - rate * moved) ** 2).mean() <= STEADY_SHARE * spread:
            steady[column] = rate
    return steady


def _steady_base(rows: pd.DataFrame, fmt: dict[str, Any], times: pd.Series | None) -> pd.DataFrame | None:
    """A repeating key's steady numbers with their change in time taken out, the one with the
    fewest values first: rows near in them are given one key, so making them the key's own moves
    each row's values little."""
    steady = {c: rate for c, rate in fmt.get("steady", {}).items() if c in rows}
    if not steady:
        return None
    seconds = _seconds(times).fillna(0.0) if times is not None else 0.0
    base = pd.DataFrame({c: pd.to_numeric(rows[c], errors="coerce") - r * seconds for c, r in steady.items()})
    return base[sorted(base.columns, key=lambda c: base[c].nunique())]


def steady_within_keys(values: pd.Series, keys: pd.Series, times: pd.Series | None, rate: float) -> pd.Series:
    """``values`` made a key's own: each key's rows share one value once the change in time is
    taken out, moving at ``rate`` per second from it (the hours a drive has run grow by 24 a day);
    empty cells stay empty. The shared value is the mean of the key's rows, put back on the rows'
    own distribution by a monotone map: a mean of a counter's zeros and a rare count is neither,
    and means pull the tails in where a model ties the numbers to the day."""
    seconds = _seconds(times).fillna(0.0) if times is not None else pd.Series(0.0, index=values.index)
    base = values.astype(float) - rate * seconds
    shared = base.groupby(keys).transform("mean")
    kept = base.notna().to_numpy()
    if kept.sum() > 1:
        knots = np.linspace(0.0, 1.0, min(STEADY_KNOTS, int(kept.sum())))
        mean_knots, where = np.unique(np.quantile(shared[kept], knots), return_inverse=True)
        own_knots = np.bincount(where, weights=np.quantile(base[kept], knots)) / np.bincount(where)
        if len(mean_knots) > 1:
            shared = pd.Series(np.interp(shared, mean_knots, own_knots), index=values.index)
    # within the rows' own range: rows drawn under a condition on the number still meet it
    made = (shared + rate * seconds).clip(values.min(), values.max()).where(values.notna())
    if pd.api.types.is_integer_dtype(values):
        return made.round().astype(values.dtype)
    places = decimals_of(values)
    return made if places is None else made.round(places)


MAX_PLACES = 12


def decimals_of(values: pd.Series) -> int | None:
    """The decimals every value has at most (the model rounds a number as the seed writes it), so
    that numbers moved after sampling keep them; None past ``MAX_PLACES``."""
    numbers = values.dropna().to_numpy(dtype=float)
    return next((p for p in range(MAX_PLACES + 1) if np.array_equal(np.round(numbers, p), numbers)), None)


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (numpy numbers become Python's, timestamps their ISO text)."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if isinstance(value, np.generic) else value
