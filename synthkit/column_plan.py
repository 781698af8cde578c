"""From a raw table to what the model sees, and from model rows back to a table like the raw one.

The model learns only the modelled columns (labels, categories, numbers, timestamps). Ids are
never modelled: they are regenerated unique in the observed format (same prefixes and digit
count; monotonic integers stay monotonic). Constants come back as their value, ignored columns
stay out. The plan is made once per training from the seed and stored in the model manifest, so
generation restores columns exactly as the model was trained, whatever the roles are later.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthkit.roles import MAX_CATEGORIES, Roles, labels_first

TABLE = "sensor_log"
OTHER = "other"
_PATTERN = re.compile(r"^([^\d]*?)(\d+)$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def id_format(series: pd.Series) -> dict[str, Any]:
    """How an id column looks: monotonic or shuffled integers, prefix + digits, UUIDs, or text."""
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(series):
        numbers = values.to_numpy(dtype=np.int64)
        steps = np.diff(numbers)
        monotonic = bool(len(steps) and (steps > 0).all())
        step = int(np.median(steps)) if monotonic else 1
        return {"kind": "integer", "start": int(numbers.min()), "step": max(step, 1), "monotonic": monotonic}
    texts = values.astype(str)
    if texts.str.match(_UUID).mean() > 0.99:
        return {"kind": "uuid"}
    parts = texts.str.extract(_PATTERN)
    if parts[1].notna().mean() > 0.99:
        prefixes = parts[0].fillna("").value_counts(normalize=True)
        return {
            "kind": "pattern",
            "prefixes": {str(k): float(v) for k, v in prefixes.items()},
            "digits": int(parts[1].dropna().str.len().mode().iloc[0]),
        }
    return {"kind": "text", "length": int(texts.str.len().median())}


def _unique_numbers(offset: int, rows: int, total: int, digits: int) -> tuple[np.ndarray, int]:
    """``rows`` distinct numbers for positions offset.. of a run of ``total``, scattered over
    ``digits`` digits (widened when the run needs more): a bijection, so never a repeat."""
    while 10**digits < total:
        digits += 1
    modulus = 10**digits
    multiplier = 7_919_993 % modulus or 1
    while math.gcd(multiplier, modulus) != 1:
        multiplier += 1
    positions = np.arange(offset, offset + rows, dtype=np.int64)
    return (positions * multiplier + 12_345) % modulus, digits


def make_ids(fmt: dict[str, Any], offset: int, rows: int, total: int, seed: int) -> pd.Series:
    """Ids for rows ``offset..offset+rows`` of a run of ``total`` rows: unique across the run."""
    rng = np.random.default_rng([seed, offset])
    kind = fmt["kind"]
    if kind == "integer":
        if fmt["monotonic"]:
            return pd.Series(fmt["start"] + fmt["step"] * np.arange(offset, offset + rows, dtype=np.int64))
        numbers, _ = _unique_numbers(offset, rows, total, len(str(max(total, 1))))
        return pd.Series(fmt["start"] + numbers)
    if kind == "uuid":
        raw = rng.integers(0, 2**63, size=(rows, 2), dtype=np.int64)
        hexes = [f"{a:016x}{b:016x}" for a, b in raw]
        return pd.Series([f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}" for h in hexes])
    if kind == "pattern":
        numbers, digits = _unique_numbers(offset, rows, total, fmt["digits"])
        prefixes = rng.choice(list(fmt["prefixes"]), size=rows, p=_normalised(fmt["prefixes"].values()))
        return pd.Series([f"{p}{n:0{digits}d}" for p, n in zip(prefixes, numbers)])
    width = max(fmt.get("length", 8) - 3, len(str(total)))
    return pd.Series([f"id-{n:0{width}d}" for n in range(offset, offset + rows)])


def _normalised(shares: Any) -> np.ndarray:
    shares = np.asarray(list(shares), dtype=float)
    return shares / shares.sum()


@dataclass(frozen=True)
class ColumnPlan:
    """What the model is trained on and how its rows become a table like the seed."""

    columns: list[str]  # the seed's column order
    roles: dict[str, str]
    normals: dict[str, str] = field(default_factory=dict)
    id_formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    kept_categories: dict[str, list[str]] = field(default_factory=dict)  # wide categories, cut

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
            id_formats={c: id_format(frame[c]) for c in roles.of("id")},
            constants=constants,
            kept_categories=kept,
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
        if not self.id_formats and not self.constants and list(rows.columns) == self.output_columns:
            return rows
        out = {}
        for column in self.output_columns:
            if column in self.id_formats:
                out[column] = make_ids(self.id_formats[column], offset, len(rows), total, seed).to_numpy()
            elif column in self.constants:
                out[column] = np.full(len(rows), self.constants[column], dtype=object)
            else:
                out[column] = rows[column].to_numpy()
        table = pd.DataFrame(out)
        for column, value in self.constants.items():
            if column in table and value is not None:
                table[column] = table[column].astype(type(value))
        return table

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
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnPlan:
        data = dict(data)
        data["roles"] = labels_first(data["roles"], data.pop("labels", ()))
        return cls(**data)


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (numpy numbers become Python's, timestamps their ISO text)."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if isinstance(value, np.generic) else value
