"""Column roles: what each column of a user's log is, inferred from names and values, then editable.

A raw maintenance log is not a sensor table: it carries row numbers and serials (``id``), what
failure means there (``label``: a 0/1 flag, a group of failure-mode flags, a status with a rare
class), codes and grades (``category``), measurements (``numeric``), timestamps (``datetime``),
columns that never change (``constant``) and columns the user wants left out (``ignore``).
Everything downstream (model, label plan, holdout strata, report) follows these roles, never
fixed column names. Inference reads each column once (no quadratic step), so it scales to
millions of rows; every decision carries a short reason the user is shown.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthkit.errors import InvalidDataError, InvalidParameterError

Normal = str | list[str]  # a label's no-failure value, or its values when it has several

ROLES = ("id", "label", "category", "numeric", "datetime", "constant", "ignore")
MODELLED_ROLES = ("label", "category", "numeric", "datetime")
MAX_CATEGORIES = 500  # widest one-hot span the model gets; wider categories are refused or cut
MAX_CODE_LEVELS = 20  # integers with at most this many values are codes, unless named as amounts
MAX_LABEL_CLASSES = 50
MIN_FAILING_ROWS = 2
FLAG_MAX_SHARE = 0.2  # failure-mode flags are mostly 0
ID_UNIQUE_SHARE = 0.95  # text columns this unique are keys, not categories
EMPTY_MEANS_NORMAL = 0.5  # a label filled in on at most this share of rows: an empty cell is no failure

# Name fragments (lower case, matched inside the column name's words)
FAILURE_WORDS = (
    "fail", "fault", "broken", "break", "alarm", "anomal", "defect", "error", "malfunction",
    "trip", "incident", "changepoint", "change_point", "outlier", "crash", "label", "target",
    # a production line's verdict on a part
    "scrap", "reject", "ausschuss", "rebut",
    # as logs from German, French, Spanish, Italian and Dutch plants name them (accents dropped)
    "ausfall", "stoerung", "storung", "fehler", "defekt", "defaut", "falla", "fallo", "averia",
    "guasto", "panne",
)  # fmt: skip
FAIL_WORDS = (
    "fail",
    "broken",
    "breakdown",
    "ausfall",
    "falla",
    "fallo",
    "averia",
    "guasto",
    "panne",
)  # outrank errors, alarms
STATUS_WORDS = FAILURE_WORDS + (
    "status", "state", "condition", "health", "stage", "zustand", "estado", "severity", "criticality",
    "alert", "diagnos", "verdict", "schwere", "gravite", "gravedad",
)  # fmt: skip
GROUP_WORDS = {
    "id",
    "experiment",
    "run",
    "batch",
    "unit",
    "engine",
    "machine",
    "asset",
    "group",
    "lot",
    "station",
}
TARGET_WORDS = {"class", "response", "outcome"}  # a 0/1 column so named is the class to learn
RARE_CLASS_SHARE = 0.1  # a status named as such needs a class this rare to be a label
AMOUNT_WORDS = (
    "count", "num", "cycle", "hour", "minute", "second", "sec", "day", "age", "rpm", "speed",
    "temp", "pressure", "load", "wear", "level", "qty", "quantity", "rul", "time", "duration",
    "torque", "current", "voltage", "power", "flow", "vibration", "size", "length", "weight",
)  # fmt: skip
NORMAL_VALUES = (
    "none", "normal", "ok", "okay", "healthy", "good", "no_failure", "nofailure", "no_fault",
    "nofault", "fault_free", "nominal", "0", "0.0", "false", "no", "n", "pass", "passed", "fine",
    "no_error", "accepted",
    # as inspection and plant logs write them elsewhere: in order (i.O.), good, compliant, no, none
    "io", "i_o", "in_ordnung", "gut", "bon", "conforme", "nein", "non", "nee", "kein", "keine",
    "aucun", "aucune", "ninguno", "nessuno", "geen",
)  # fmt: skip
# Values that say a part or a check failed, matched whole (``ng`` is inside ``running``)
BAD_VALUES = {
    "nok", "not_ok", "notok", "nio", "ni_o", "n_i_o", "nicht_i_o", "nicht_in_ordnung", "ng",
    "no_good", "ko", "bad", "schlecht", "mauvais", "reject", "rejected", "scrap", "defective",
    # as condition-monitoring and oil-analysis reports grade a sample
    "abnormal", "critical", "severe", "danger", "dangerous", "caution", "alert", "urgent", "kritisch",
}  # fmt: skip
# The states a machine runs, waits or stands in, which a status logs beside its failures: each is
# a no-failure class of its own (a turbine's ``RUN``, ``IDLE`` and ``STOPPED``, its ``FAULT`` rare)
STATE_VALUES = (
    "run", "running", "operating", "operation", "operational", "production", "producing", "online",
    "on", "active", "ready", "available", "idle", "idling", "standby", "stand_by", "stopped", "stop",
    "off", "offline", "paused", "pause", "waiting", "parked", "betrieb", "in_betrieb", "stillstand",
    "marche", "arret", "en_marcha", "parado",
)  # fmt: skip
_NO_WORDS = {"false", "no", "n", "f", "nein", "non", "nee"}
_TRUE_FALSE = _NO_WORDS | {"true", "yes", "y", "t", "ja", "j", "oui", "si", "sí"}


@dataclass(frozen=True)
class Roles:
    """The role of every column, the no-failure value of each label, and why each was chosen."""

    roles: dict[str, str]
    normals: dict[str, Normal] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        """Label columns, the main one (what ``failure`` means here) first."""
        return tuple(c for c, role in self.roles.items() if role == "label")

    def of(self, role: str) -> list[str]:
        return [c for c, r in self.roles.items() if r == role]

    @property
    def modelled(self) -> list[str]:
        return [c for c, role in self.roles.items() if role in MODELLED_ROLES]

    def table(self) -> list[dict[str, str]]:
        """One row per column: name, role, why, and the no-failure value of labels."""
        return [
            {"column": c, "role": r, "normal": shown_normal(self.normals.get(c, "")), "why": why}
            for c, r in self.roles.items()
            for why in [self.reasons.get(c, "")]
        ]

    def to_dict(self) -> dict:
        return {
            "roles": dict(self.roles),
            "labels": list(self.labels),  # the order, which JSON with sorted keys would lose
            "normals": dict(self.normals),
            "reasons": dict(self.reasons),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Roles:
        roles = labels_first(data["roles"], data.get("labels", ()))
        return cls(roles, dict(data.get("normals", {})), dict(data.get("reasons", {})))


def labels_first(roles: dict[str, str], labels: Sequence[str]) -> dict[str, str]:
    """``roles`` with the label columns first, in the order given (the main label leading)."""
    order = [c for c in labels if c in roles] + [c for c in roles if c not in labels]
    return {c: roles[c] for c in order}


def name_words(name: str) -> str:
    """``MachineFailure``, ``machine-failure`` and ``Machine failure`` all read ``machine_failure``;
    accents are dropped (``Störung`` reads ``storung``, ``Défaut`` ``defaut``)."""
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", plain)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _named(name: str, words: tuple[str, ...]) -> bool:
    text = name_words(name)
    return any(word in text for word in words)


def _id_named(name: str) -> bool:
    return bool(
        {"id", "uid", "uuid", "udi", "serial", "sn", "key", "index", "idx"} & set(name_words(name).split("_"))
    )


MEASURE_WORDS = (
    "temp", "pressure", "speed", "rpm", "torque", "current", "volt", "power", "flow", "vibration",
    "load", "wear", "level", "weight", "hour", "duration", "rul",
)  # fmt: skip


UNIT_IN_NAME = re.compile(r"[(\[]\s*[^\d()\[\]]{1,12}?\s*[)\]]\s*$")  # Fe (ppm), Temperature [°C]


def _measure_named(name: str) -> bool:
    """Named like a reading (``smart_1_raw``, ``Torque``, or with its unit: ``Cu (ppm)``): whole
    numbers of such a column are measurements that happen to be few or not to repeat, not a code
    or a key."""
    words = set(name_words(name).split("_"))
    readings = {"raw", "reading", "value", "sensor", "normalized", "normalised"}
    with_unit = bool(UNIT_IN_NAME.search(str(name)))
    return not _id_named(name) and bool(words & readings or with_unit or _named(name, MEASURE_WORDS))


def normal_text(value: object) -> str:
    """How a value is compared with a label's no-failure value: ``0``, ``0.0`` and ``False`` alike."""
    if isinstance(value, (bool, np.bool_)):
        return "0" if not value else "1"
    if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip()


def label_text(series: pd.Series) -> pd.Series:
    """``normal_text`` of every value (``nan`` for empty cells), each distinct value written once:
    labels of millions of rows are compared."""
    codes, uniques = pd.factorize(series)
    texts = np.append(_texts(pd.Series(uniques)).to_numpy(dtype=object), "nan")  # code -1: empty
    return pd.Series(texts[codes], index=series.index, dtype=object)


def _texts(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype(int).astype(str)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (np.mod(numbers, 1) == 0) & (np.abs(numbers) < 2**63)  # int64 holds it
        text = values.astype(str)
        text[whole] = pd.Series(numbers[whole].astype(np.int64), index=values.index[whole]).astype(str)
        return text
    return values.astype(str).str.strip()


def normal_values(normal: Normal) -> frozenset[str]:
    """The no-failure values of a label: one (``0``, ``NORMAL``), or several for a status whose
    machine also idles or stands still (``["RUN", "IDLE", "STOPPED"]``)."""
    return frozenset([normal] if isinstance(normal, str) else map(str, normal))


def shown_normal(normal: Normal) -> str:
    return normal if isinstance(normal, str) else " / ".join(normal)


def failing_mask(series: pd.Series, normal: Normal) -> pd.Series:
    """Rows whose label is none of the no-failure values (missing labels are not failures)."""
    return series.notna() & ~label_text(series).isin(normal_values(normal))


def is_flag(series: pd.Series) -> bool:
    """A 0/1 column (numbers, booleans or true/false words) with both values present."""
    values = series.dropna().unique()
    if len(values) != 2:
        return False
    texts = {normal_text(v).lower() for v in values}
    return texts == {"0", "1"} or texts <= _TRUE_FALSE


def _flag_normal(series: pd.Series) -> str:
    """The no of a 0/1 column: ``0``, or its word for no (``false``, ``N``, ``Nein``, ``non``)."""
    texts = sorted(normal_text(v) for v in series.dropna().unique())
    return next(
        (t for t in texts if t == "0"),
        next((t for t in texts if t.lower() in _NO_WORDS), series.mode().map(normal_text).iloc[0]),
    )


def status_normal(series: pd.Series) -> str | None:
    """The no-failure class of a status: a value that reads as normal; else ``""`` (the empty
    cell) when the column is filled in only on a few rows, as logs mark failures and leave the
    other rows blank; else a majority class."""
    counts = label_text(series.dropna()).value_counts()
    for words in (NORMAL_VALUES, STATE_VALUES):
        for value in counts.index:
            if name_words(value) in words or value.lower() in words:
                return value
    if counts.sum() <= EMPTY_MEANS_NORMAL * len(series):
        return ""
    return counts.index[0] if counts.iloc[0] >= 0.5 * counts.sum() else None


def status_normals(series: pd.Series) -> Normal | None:
    """``status_normal`` and, when the status also logs other states of a working machine
    (``IDLE``, ``STOPPED``, ``STANDBY``), those too: the list of them, the commonest first."""
    normal = status_normal(series)
    if not normal:
        return normal
    others = [
        value
        for value in label_text(series.dropna()).value_counts().index
        if value != normal and (name_words(value) in NORMAL_VALUES + STATE_VALUES)
    ]
    return [normal, *others] if others else normal


def _looks_datetime(series: pd.Series) -> bool:
    """Text that parses as timestamps (checked on a sample; numbers alone never count)."""
    values = series.dropna().astype(str)
    sample = values.sample(min(len(values), 200), random_state=0) if len(values) else values
    if sample.empty or sample.str.fullmatch(r"[+-]?\d+(\.\d+)?").any():
        return False
    if not sample.str.contains(r"\d[-/:.T ]\d|\d{4}-\d{2}", regex=True).all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def _base_role(name: str, series: pd.Series, rows: int) -> tuple[str, str]:
    """A column's role from its own values and name, before labels are looked for."""
    values = series.dropna()
    distinct = int(values.nunique())
    if distinct <= 1:
        return "constant", "a single value" + (" (and empty cells)" if len(values) < rows else "")
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime", "timestamps"
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    integer = numeric and bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    if not numeric and not pd.api.types.is_bool_dtype(series) and _looks_datetime(series):
        return "datetime", "text that parses as timestamps"
    if not numeric and _free_text(values, distinct):
        return "ignore", (
            f"free text ({distinct:,} different notes of several words), left out: not a key to make up "
            "nor a category to learn; give it the role 'category' to keep its most frequent values"
        )
    unique = distinct == rows
    if unique and integer and _epoch_times(name, values):
        return "numeric", "whole numbers named like a time, in the range of epoch timestamps"
    if unique and integer and _measure_named(name):
        return "numeric", "whole numbers, none repeated, named like a reading"
    if unique and (integer or not numeric):
        return "id", "unique in every row"
    if _repeated_key(name, distinct, len(values)) and (integer or not numeric):
        return "id", f"{distinct:,} values named like a key, about {len(values) / distinct:.1f} rows each"
    if not numeric and not pd.api.types.is_bool_dtype(series):
        if distinct > MAX_CATEGORIES and distinct >= ID_UNIQUE_SHARE * len(values):
            return "id", f"{distinct:,} values in {len(values):,} rows (a key)"
        return "category", f"text with {distinct:,} values"
    if integer and distinct == 2 and set(values.unique()) == {0, 1}:
        return "category", "0 and 1 only (a flag or a switch)"
    if integer and distinct <= MAX_CATEGORIES and "code" in name_words(name).split("_"):
        return "category", f"whole numbers named as codes ({distinct} of them)"
    if integer and distinct <= MAX_CATEGORIES and GROUP_WORDS & set(name_words(name).split("_")):
        return "category", f"whole numbers naming {distinct} groups"
    if integer and distinct <= MAX_CODE_LEVELS and not (_named(name, AMOUNT_WORDS) or _measure_named(name)):
        return "category", f"whole numbers with {distinct} values (a code)"
    return "numeric", "numbers" if not integer else f"whole numbers with {distinct:,} values"


CODE_WORDS = {"code", "codes", "nr", "no", "id"}  # a fault code, an error number
FREE_TEXT_WORDS = 3  # words in a typical note, at least


def _free_text(values: pd.Series, distinct: int) -> bool:
    """Notes written by people (``Replaced bearing on line 3, noisy before``): text whose values
    are mostly different and typically of several words. Read on a sample of them."""
    if distinct <= MAX_CODE_LEVELS or distinct < 0.5 * len(values) or pd.api.types.is_bool_dtype(values):
        return False
    sample = values.sample(min(len(values), 500), random_state=0).astype(str)
    return float(sample.str.split().str.len().median()) >= FREE_TEXT_WORDS


KEY_ROWS = 10  # a column named like a key whose values each cover at most this many rows is one


def _repeated_key(name: str, distinct: int, filled: int) -> bool:
    """Named like a key (``serial_number``, ``asset_id``) with more values than a category may
    have, or with many values each on a few rows: a drive's serial on every day's snapshot."""
    many = distinct > MAX_CATEGORIES or (distinct > MAX_CODE_LEVELS and filled <= KEY_ROWS * distinct)
    return many and _id_named(name)


TIME_WORDS = {"time", "timestamp", "epoch", "ts", "datetime", "date", "unixtime", "unix"}
EPOCH_RANGES = ((9.4e8, 2.6e9), (9.4e11, 2.6e12))  # seconds or milliseconds, years 2000-2052


def _epoch_times(name: str, values: pd.Series) -> bool:
    """Unique whole numbers named like a time and all within the epoch seconds (or milliseconds)
    of this century: a clock, measured like any number, not a key to regenerate as 1, 2, 3..."""
    if not TIME_WORDS & set(name_words(name).split("_")):
        return False
    low, high = float(values.min()), float(values.max())
    return any(start <= low and high <= end for start, end in EPOCH_RANGES)


def _as_label(name: str, series: pd.Series) -> tuple[str, str] | None:
    """(no-failure value, reason) when a column reads as a label by its name and values."""
    values = series.dropna()
    distinct = int(values.nunique())
    # a fault or error code names its failures: as many classes as a label may have
    coded = _named(name, FAILURE_WORDS) and bool(CODE_WORDS & set(name_words(name).split("_")))
    levels = MAX_LABEL_CLASSES if coded else MAX_CODE_LEVELS
    if is_flag(series) and _named(name, FAILURE_WORDS):
        normal = _flag_normal(series)
        texts = sorted({normal_text(v) for v in values.unique()}, key=lambda t: t != normal)
        shown = "0/1" if set(texts) == {"0", "1"} else "/".join(texts)
        return normal, f"{shown} named like a failure"
    if is_flag(series) and TARGET_WORDS & set(name_words(name).split("_")):
        return _flag_normal(series), "0/1 named as the class to learn (as a target is)"
    test = _test_result(series)
    if test is not None:
        return test, f"a test result: {test!r} and rarely the other"
    whole = not pd.api.types.is_float_dtype(series) or bool(np.all(np.mod(values, 1) == 0))
    if 1 <= distinct <= levels and whole and status_normal(series) == "" and _named(name, FAILURE_WORDS):
        shown = ", ".join(map(repr, sorted(label_text(values).unique())[:4]))
        return "", f"named like a failure, empty except on {len(values):,} rows ({shown})"
    if 2 <= distinct <= levels and not pd.api.types.is_float_dtype(series):
        normal = status_normals(series)
        if not normal:
            return None
        failing = failing_mask(series, normal)
        texts = {name_words(normal_text(v)) for v in values.unique()}
        failure_values = any(t in BAD_VALUES or _named(t, FAILURE_WORDS + ("recover", "warn")) for t in texts)
        rare_class = values.value_counts(normalize=True).iloc[-1] <= RARE_CLASS_SHARE
        if 0 < failing.mean() <= 0.5 and (failure_values or (_named(name, STATUS_WORDS) and rare_class)):
            shown = "no-failure value" if isinstance(normal, str) else "no-failure values"
            return normal, f"a status with {shown} {shown_normal(normal)!r} and rare classes"
    return None


TEST_RESULTS = (("neg", "pos"), ("negative", "positive"))  # a check's result: (negative, positive)
MAX_SPELLINGS = 8


def _test_result(series: pd.Series) -> str | None:
    """The negative of a column holding only a check's negative and a rarer positive result (a
    truck fleet's ``class`` of ``neg``/``pos``), which is a label whatever the column's name."""
    spellings = series.value_counts(normalize=True)  # ``neg``, ``NEG``, `` neg``: a few at most
    if len(spellings) > MAX_SPELLINGS:
        return None
    written = pd.Index(spellings.index).astype(str).str.strip()
    counts = spellings.groupby(written.str.lower()).sum()
    for negative, positive in TEST_RESULTS:
        if set(counts.index) == {negative, positive} and counts[positive] <= FLAG_MAX_SHARE:
            return next(v for v in written if v.lower() == negative)
    return None


def _flags_with(frame: pd.DataFrame, roles: dict[str, str], normals: dict[str, str], reasons: dict) -> None:
    """Find failure-mode flags: rare 0/1 columns set mostly when a label says failure, and rare
    0/1 columns standing next to such flags and no more often set than the labels say failure
    (mode flags come in a block, and one of them, like a random-failure flag, may be set while the
    main label is not; a switch set on a fifth of the rows beside them is not one)."""
    main = [c for c in roles if roles[c] == "label"]
    if not main:
        return
    failing = np.zeros(len(frame), dtype=bool)
    for column in main:
        failing |= failing_mask(frame[column], normals[column]).to_numpy()
    columns = list(frame.columns)

    def rare_flag(column: str, most: float = FLAG_MAX_SHARE) -> bool:
        series = frame[column]
        if roles[column] not in ("category", "numeric") or not is_flag(series):
            return False
        ones = failing_mask(series, _flag_normal(series))
        return MIN_FAILING_ROWS <= ones.sum() and ones.mean() <= most

    for column in columns:
        if rare_flag(column):
            ones = failing_mask(frame[column], _flag_normal(frame[column])).to_numpy()
            if failing[ones].mean() >= 0.5:
                roles[column], normals[column] = "label", _flag_normal(frame[column])
                reasons[column] = f"rare 0/1 set mostly with {main[0]!r} (a failure-mode flag)"
    grown = True
    while grown:
        grown = False
        for i, column in enumerate(columns):
            neighbours = [columns[j] for j in (i - 1, i + 1) if 0 <= j < len(columns)]
            if rare_flag(column, min(FLAG_MAX_SHARE, failing.mean())) and any(
                roles[n] == "label" for n in neighbours
            ):
                roles[column], normals[column] = "label", _flag_normal(frame[column])
                reasons[column] = "rare 0/1 beside the failure-mode flags"
                grown = True


MIN_ONE_HOT = 3  # two columns that always differ are kept by the plan's following columns


def one_hot_groups(frame: pd.DataFrame, roles: dict[str, str]) -> list[list[str]]:
    """Groups of at least three 0/1 columns (categories or labels, no empty cell) of which exactly
    one is set on every row: one category written in several columns, as ``get_dummies`` writes
    ``Type_L``, ``Type_M``, ``Type_H`` or an inspection log a plate's fault class. Members stand
    side by side or share a name prefix; each column is read once per group it could start."""
    ones = {
        c: failing_mask(frame[c], _flag_normal(frame[c])).to_numpy()
        for c in frame.columns
        if roles.get(c) in ("category", "label") and frame[c].notna().all() and is_flag(frame[c])
    }
    rows, columns, groups = len(frame), list(frame.columns), []

    def exactly_one(members: list[str]) -> bool:
        return len(members) >= MIN_ONE_HOT and bool((np.sum([ones[c] for c in members], axis=0) == 1).all())

    start = 0
    while start < len(columns):
        run, count = [], 0
        for column in columns[start:]:
            if column not in ones or count + ones[column].sum() > rows:
                break
            run.append(column)
            count += int(ones[column].sum())
            if count == rows:
                break
        if count == rows and exactly_one(run):
            groups.append(run)
            start += len(run)
        else:
            start += 1
    grouped = {c for group in groups for c in group}
    by_prefix: dict[str, list[str]] = {}
    for column in ones:
        words = name_words(column)
        if column not in grouped and "_" in words:
            by_prefix.setdefault(words.rsplit("_", 1)[0], []).append(column)
    groups += [members for members in by_prefix.values() if exactly_one(members)]
    return groups


def _own_word(column: str, group: list[str]) -> str:
    """What sets a member's name apart from the group's: ``broken`` of ``status_BROKEN``."""
    names = [name_words(c) for c in group]
    prefix = len(re.sub(r"[^_]*$", "", os.path.commonprefix(names)))
    return name_words(column)[prefix:]


def _classes_in_columns(
    frame: pd.DataFrame, roles: dict[str, str], normals: dict, reasons: dict, fixed: dict
) -> None:
    """A one-hot group is one label (each column a class, set as a failure-mode flag) when one of
    its columns is a label or its columns are named as classes of failure (``NORMAL``, ``BROKEN``);
    else one category, drawn jointly (``ColumnPlan.one_hot``). The member named as no failure is
    the one whose 1 means no failure."""
    for group in one_hot_groups(frame, roles):
        shown = f"{group[0]!r} ... {group[-1]!r}"
        words = {c: _own_word(c, group) for c in group}
        named = any(roles[c] == "label" for c in group) or (
            any(w in NORMAL_VALUES for w in words.values())
            and any(w in BAD_VALUES or _named(w, FAILURE_WORDS) for w in words.values())
        )
        if not named or any(c in fixed and fixed[c] != "label" for c in group):
            for column in group:
                if column not in fixed and roles[column] == "category":
                    reasons[column] = f"0 and 1 only; one of {len(group)} columns ({shown}) set on every row"
            continue
        for column in group:
            normal = _flag_normal(frame[column])
            if words[column] in NORMAL_VALUES:
                normal = next(
                    normal_text(v) for v in frame[column].dropna().unique() if normal_text(v) != normal
                )
            roles[column], normals[column] = "label", normal
            reasons[column] = (
                f"one of {len(group)} columns ({shown}) set on every row: a class of failure each"
            )


def infer_roles(frame: pd.DataFrame, fixed: dict[str, str] | None = None) -> Roles:
    """Every column's role; ``fixed`` roles (the user's) are kept as given and inform the rest."""
    fixed = dict(fixed or {})
    rows = len(frame)
    roles, normals, reasons = {}, {}, {}
    for name in frame.columns:
        if name in fixed:
            roles[name], reasons[name] = fixed[name], "set by you"
            continue
        roles[name], reasons[name] = _base_role(name, frame[name], rows)
        if roles[name] in ("category", "numeric", "constant"):
            label = _as_label(name, frame[name])
            if label is not None:
                roles[name], normals[name] = "label", label[0]
                reasons[name] = label[1]
    for name, role in fixed.items():
        if role == "label":
            normals[name] = _label_normal(frame[name])
    _flags_with(frame, roles, normals, reasons)
    _classes_in_columns(frame, roles, normals, reasons, fixed)
    labels = [c for c in roles if roles[c] == "label"]
    main = _main_label(labels, frame, normals)
    order = (
        ([main] if main else []) + [c for c in labels if c != main] + [c for c in roles if c not in labels]
    )
    return Roles({c: roles[c] for c in order}, normals, reasons)


def _label_normal(series: pd.Series) -> Normal:
    return _flag_normal(series) if is_flag(series) else (status_normals(series) or "")


def _main_label(labels: list[str], frame: pd.DataFrame, normals: dict) -> str | None:
    """What failure means here: the label named like a failure that fails most often."""

    def weight(column: str) -> float:
        named = _named(column, FAILURE_WORDS + STATUS_WORDS) + _named(column, FAIL_WORDS)
        return 2 * named + float(failing_mask(frame[column], normals.get(column, "")).mean())

    return max(labels, key=weight) if labels else None


def check_roles(frame: pd.DataFrame, roles: Roles, explicit: dict[str, str], what: str) -> list[str]:
    """Every reason the roles cannot be used on this table (empty when they can)."""
    problems = []
    for column, role in roles.roles.items():
        series = frame[column]
        values = series.dropna()
        distinct = int(values.nunique())
        mine = column in explicit
        if role == "id" and distinct <= MAX_CODE_LEVELS and mine:
            problems.append(
                f"column {column!r} cannot be an id: its {distinct} values repeat over {len(series):,} rows "
                f"(an id has more than {MAX_CODE_LEVELS}); give it the role 'category'"
            )
        if role == "numeric" and not pd.api.types.is_numeric_dtype(series):
            problems.append(f"column {column!r} cannot be numeric: it holds text (e.g. {values.iloc[0]!r})")
        if role == "category" and distinct > MAX_CATEGORIES and not mine:
            problems.append(
                f"column {column!r} has {distinct:,} distinct values; a category may have at most "
                f"{MAX_CATEGORIES}. Give it the role 'id' (regenerated unique), 'ignore' (left out), "
                f"or 'category' explicitly to keep its {MAX_CATEGORIES - 1} most frequent values and 'other'"
            )
        if role == "label":
            problems += _label_problems(column, series, roles.normals.get(column, ""))
    return problems


def _label_problems(column: str, series: pd.Series, normal: str) -> list[str]:
    distinct = int(series.dropna().nunique())
    if distinct > MAX_LABEL_CLASSES:
        return [
            f"column {column!r} cannot be a label: it has {distinct:,} values (at most "
            f"{MAX_LABEL_CLASSES}); give it the role 'numeric' or 'category'"
        ]
    failing = int(failing_mask(series, normal).sum())
    if failing == 0:
        return [
            f"label column {column!r} has no failures to learn from (every value is {normal!r}); "
            "pass no_label=True (--no-label) to train without a label"
        ]
    if failing < MIN_FAILING_ROWS:
        return [
            f"label column {column!r} has {failing} failing row; at least {MIN_FAILING_ROWS} are "
            "needed to learn from. Give it another role, or pass no_label=True (--no-label)"
        ]
    return []


def check_overrides(frame: pd.DataFrame, overrides: object, function: str) -> dict[str, str]:
    """The user's roles as a dict, refused by name when a column or a role does not exist."""
    if overrides is None:
        return {}
    if not isinstance(overrides, dict) or not all(isinstance(k, str) for k in overrides):
        raise InvalidParameterError(
            f"The 'roles' parameter of {function} must be a dict of column name to role. "
            f"Got {overrides!r} instead."
        )
    missing = [c for c in overrides if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"{function}: no column named {', '.join(map(repr, missing))}; the columns are "
            f"{', '.join(map(repr, frame.columns))}."
        )
    wrong = {c: r for c, r in overrides.items() if r not in ROLES}
    if wrong:
        column, role = next(iter(wrong.items()))
        raise InvalidParameterError(
            f"{function}: role {role!r} of column {column!r} is not a role; the roles are {', '.join(ROLES)}."
        )
    return dict(overrides)


def resolve_roles(
    frame: pd.DataFrame,
    overrides: dict[str, str],
    normals: dict[str, Normal] | None,
    no_label: bool,
    what: str,
) -> Roles:
    """Inferred roles with the user's on top, checked; refused (InvalidDataError) with every reason.

    ``no_label`` registers a table without failures: any label (inferred or all-normal flag)
    becomes a category instead of refusing the table.
    """
    roles = infer_roles(frame, overrides)
    if no_label:
        relabelled = {c: ("category" if r == "label" else r) for c, r in roles.roles.items()}
        roles = Roles(relabelled, {}, roles.reasons)
    else:
        silent = _all_normal_failure_columns(frame, roles)
        if silent:
            raise InvalidDataError(
                what,
                [
                    f"column {c!r} looks like the failure label but is {v!r} in every row: there are "
                    "no failures to learn from; pass no_label=True (--no-label) to train anyway"
                    for c, v in silent.items()
                ],
            )
    if normals:
        unknown = [c for c in normals if roles.roles.get(c) != "label"]
        if unknown:
            raise InvalidParameterError(
                f"no-failure values given for {', '.join(map(repr, unknown))}, which are not labels; "
                f"the labels are {', '.join(map(repr, roles.labels)) or 'none'}."
            )
        given = {c: _given_normal(frame[c], v, what) for c, v in normals.items()}
        roles = Roles(roles.roles, {**roles.normals, **given}, roles.reasons)
    problems = check_roles(frame, roles, overrides, what)
    if problems:
        raise InvalidDataError(what, problems)
    return roles


def _given_normal(series: pd.Series, normal: object, what: str) -> Normal:
    """A no-failure value (or list of them) given by the user, each one a value of the column."""
    values = [normal] if isinstance(normal, (str, int, float, bool)) else normal
    if not isinstance(values, (list, tuple)) or not values:
        raise InvalidParameterError(
            f"{what}: the no-failure value of {series.name!r} must be a value or a list of values. "
            f"Got {normal!r} instead."
        )
    texts = [normal_text(v) for v in values]
    present = set(label_text(series.dropna()))
    missing = [t for t in texts if t not in present and t != ""]
    if missing:
        raise InvalidParameterError(
            f"{what}: {', '.join(map(repr, missing))} is not a value of label column {series.name!r}; "
            f"its values are {', '.join(map(repr, sorted(present)[:20]))}."
        )
    return texts[0] if len(texts) == 1 else texts


def _all_normal_failure_columns(frame: pd.DataFrame, roles: Roles) -> dict[str, str]:
    """Failure-named columns that are constant at a no-failure value (``failure`` all 0)."""
    found = {}
    for column in roles.of("constant"):
        values = frame[column].dropna()
        if len(values) and _named(column, FAILURE_WORDS):
            value = normal_text(values.iloc[0])
            if value.lower() in NORMAL_VALUES:
                found[column] = value
    return found
