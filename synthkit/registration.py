"""Bring your own machine: validate a table once, then treat it like a built-in machine.

Every problem with the table is collected and reported at once (as SDV's ``InvalidDataError``
does), before anything is written: a refused table leaves the workspace as it was.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synthkit._checks import check_int
from synthkit.csv_dialect import (
    EMPTY_MARKERS,
    MILLISECONDS,
    NO_READING,
    SCIENTIFIC,
    parse_format,
    written_times,
)
from synthkit.errors import InvalidDataError, InvalidParameterError, MissingArtifactError
from synthkit.long_tables import MAX_TAGS, LongLayout, long_layout, widen
from synthkit.machines import BUILTIN_MACHINES, MACHINE_FILE, Machine, Sensor, get_machine
from synthkit.roles import (
    Normal,
    Roles,
    check_overrides,
    infer_roles,
    is_flag,
    name_words,
    normal_text,
    normal_values,
    resolve_roles,
)
from synthkit.store import MAX_SAMPLES, load_seed, model_manifest, write_seed
from synthkit.table_files import (
    FILE_SUFFIXES,
    TableFile,
    groups_thousands,
    limit_number,
    limit_value,
    read_table_file,
    reading_notes,
    unit_of,
)
from synthkit.workspace import Workspace, validate_id, write_json

MIN_ROWS, MIN_COLUMNS, MAX_COLUMNS = 50, 2, 2_000
# a file's path or bytes, several files' paths (or their folder, or uploads' bytes by name), a DataFrame
TableSource = pd.DataFrame | str | os.PathLike | bytes | list | tuple | dict


def written_index(frame: pd.DataFrame, names: list[str]) -> bool:
    """Is the first column the row index pandas writes with ``to_csv`` (no header, or pandas'
    ``Unnamed: 0``, over unique integers)? Many shared logs carry one; it is kept as an id."""
    if not names or frame.shape[1] == 0 or (names[0].strip() and names[0] != "Unnamed: 0"):
        return False
    column = frame.iloc[:, 0]
    return pd.api.types.is_integer_dtype(column) and column.is_unique


# thousands grouped (1,234.5 1'234.5 1 234,5 1.234,5; no-break spaces too), by decimal mark
GROUPED = {".": re.compile(r"\d[,' \u00a0\u202f]\d{3}"), ",": re.compile(r"\d[.' \u00a0\u202f]\d{3}")}
WRITTEN_NUMBER = {  # digits before any exponent: an error code ``E101`` is no number
    mark: re.compile(
        rf"[-+]?((\d{{1,3}}(?P<g>[{group}' \u00a0\u202f])\d{{3}}((?P=g)\d{{3}})*|\d+)(\{mark}\d+)?"
        rf"|\{mark}\d+)"
        r"([eE][-+]?\d+)?"
    )
    for mark, group in ((".", ","), (",", "."))
}


def written_number(text: str, decimal: str) -> float | None:
    """A number as people write it (``1,234.5``; ``1.234,5`` where the decimal mark is a comma;
    ``1'234.5``), or None for any other text."""
    match = WRITTEN_NUMBER[decimal].fullmatch(text)
    if not match or not any(c.isdigit() for c in text):
        return None
    separator = match.group("g")
    digits = text.replace(separator, "") if separator else text
    return float(digits.replace(",", ".") if decimal == "," else digits)


FIRST_CELLS = 1_000  # cells a column is read on first: most fail there, in milliseconds, not seconds


def first_written(column: pd.Series) -> pd.Series:
    """The first ``FIRST_CELLS`` written cells of a column (text other than an empty marker), as
    the finders below read every cell: a column whose first cells fail fails as a whole."""
    head = column.dropna().head(FIRST_CELLS)
    text = head[head.map(lambda v: isinstance(v, str))].astype(str).str.strip()
    return text[~text.str.lower().isin(EMPTY_MARKERS)]


def written_numbers(column: pd.Series, decimal: str = ".") -> pd.Series | None:
    """A text column of numbers written with thousands separators, or with empty cells written
    as a marker (``?``, ``-``, ``n/a``, ``#N/A``, ...; pandas reads only some of them as empty):
    the numbers, with those cells empty. None for any other column (a marker alone, or any other
    text, keeps it text)."""
    if first_written(column).map(lambda v: written_number(v, decimal)).isna().any():
        return None
    cells = column.to_numpy(dtype=object)
    is_text = np.array([isinstance(v, str) for v in cells], dtype=bool)
    text = pd.Series(cells[is_text], dtype=object).str.strip()
    marked = text.str.lower().isin(EMPTY_MARKERS).to_numpy()
    if not len(text) or marked.all():
        return None
    written = text[~marked]
    values = written.map(lambda v: written_number(v, decimal))
    if values.isna().any():
        return None
    grouped = written.str.contains(GROUPED[decimal])
    if not marked.any() and not grouped.any():
        return None  # plain numbers left as text on purpose (codes with leading zeros, say)
    numbers = pd.to_numeric(pd.Series(np.where(is_text, np.nan, cells)), errors="coerce").to_numpy()
    numbers[np.flatnonzero(is_text)[~marked]] = values.to_numpy(dtype="float64")
    return pd.Series(numbers, index=column.index, name=column.name, dtype="float64")


KNOWN_UNITS = {
    "kw", "kwh", "wh", "mw", "w", "kva", "var", "v", "kv", "mv", "a", "ma", "ka", "hz", "khz", "rpm",
    "bar", "mbar", "psi", "pa", "kpa", "mpa", "hpa", "nm", "knm", "n", "kn", "mm", "cm", "m", "km",
    "um", "g", "kg", "t", "lb", "lbs", "s", "ms", "min", "h", "hrs", "db", "dba", "ppm", "l", "ml",
    "lpm", "gpm", "degc", "degf", "k", "c", "f",
}  # fmt: skip
WITH_UNIT = re.compile(r"^(?P<number>.*?\d)(?P<suffix>\s?[^\d\s][^\d]{0,9})$")


def number_suffix(column: pd.Series, decimal: str = ".") -> tuple[pd.Series, str] | None:
    """Numbers written with one unit after each (``63.7 °C``, ``12 kW``, ``85%``): the numbers (empty
    markers as empty cells) and how each is written (``{:.1f} °C``: the decimals when every cell
    has as many, then the unit as written after the number); None for any
    other column. The unit must be set apart by a space, hold a symbol (``%``, ``°``, ``/``) or
    be a known unit, so that part numbers like ``1001B`` stay text."""
    if not first_written(column).str.fullmatch(WITH_UNIT).all():
        return None
    cells = column.to_numpy(dtype=object)
    is_text = np.array([isinstance(v, str) for v in cells], dtype=bool)
    if not is_text.any():
        return None
    text = pd.Series(cells[is_text], dtype=object).str.strip()
    written = ~text.str.lower().isin(EMPTY_MARKERS).to_numpy()
    parts = text[written].str.fullmatch(WITH_UNIT) if written.any() else None
    if parts is None or not parts.all():
        return None
    found = text[written].str.extract(WITH_UNIT)
    suffixes = found["suffix"].unique()
    if len(suffixes) != 1:
        return None
    suffix, unit = suffixes[0], suffixes[0].strip()
    if not (suffix[0].isspace() or re.search(r"[%°/µ‰²³]", unit) or unit.lower() in KNOWN_UNITS):
        return None
    values = found["number"].map(lambda v: written_number(v, decimal))
    if values.isna().any():  # a table whose other numbers did not show its decimal mark: the other one
        decimal = "," if decimal == "." else "."
        values = found["number"].map(lambda v: written_number(v, decimal))
    if values.isna().any():
        return None
    written_as = number_format(found["number"], decimal)
    out = pd.to_numeric(pd.Series(np.where(is_text, np.nan, cells)), errors="coerce").to_numpy()
    out[np.flatnonzero(is_text)[written]] = values.to_numpy(dtype="float64")
    return pd.Series(out, index=column.index, name=column.name, dtype="float64"), written_as + suffix


CURRENCY = re.compile(r"(?P<prefix>(?:[$€£¥]|(?:USD|EUR|GBP|CHF|JPY)(?=\s))\s?)-?\d.*")


def currency_numbers(column: pd.Series, decimal: str = ".") -> tuple[pd.Series, str] | None:
    """Amounts written after their currency (``$1,250.00``, ``€ 84,50``, ``USD 12.5``), as a
    spreadsheet's currency format saves a work order's costs: the numbers, and how they are
    written (``${:,.2f}``). None for any other column, or one of several currencies."""
    first = first_written(column)
    if first.empty or not first.str.fullmatch(CURRENCY).all():
        return None
    text = column[column.map(lambda v: isinstance(v, str))].str.strip()
    written = text[~text.str.lower().isin(EMPTY_MARKERS) & (text != "")]
    prefixes = written.str.extract(CURRENCY)["prefix"]
    if prefixes.isna().any() or prefixes.nunique() != 1:
        return None
    prefix = prefixes.iloc[0]
    amounts = written.str.removeprefix(prefix).str.strip()
    stripped = column.copy()
    stripped[amounts.index] = amounts
    for mark in (decimal, "," if decimal == "." else "."):  # a table whose other numbers show no mark
        if (numbers := plain_numbers(stripped, mark)) is not None:
            return numbers, prefix + number_format(amounts, mark)
    return None


def number_format(written: pd.Series, decimal: str) -> str:
    """How these numbers are written: ``{:.2f}`` when every one has as many decimals, else ``{}``
    (as they are); with their thousands grouped, the group mark after the colon: ``{:,.2f}`` by
    the mark the decimal mark leaves (``1,234.50``; ``1.234,50`` with decimal commas), ``{:'.2f}``
    by an apostrophe (``1'234.50``), ``{: .2f}`` by a space (``1 234,50``; no-break spaces too)."""
    marks = written.str.extract(r"\d([,.' \u00a0\u202f])\d{3}(?!\d)")[0].dropna()
    marks = marks[marks != decimal].unique()
    group = "" if len(marks) != 1 else "," if marks[0] in ",." else str(marks[0])
    places = written.str.extract(re.escape(decimal) + r"(\d+)$")[0].fillna("").str.len().unique()
    if len(places) == 1 and places[0] > 0:
        return f"{{:{group}.{int(places[0])}f}}"
    return f"{{:{group}}}" if group else "{}"


def grouped_numbers(column: pd.Series, decimal: str = ".") -> tuple[pd.Series, str] | None:
    """Numbers written with their thousands grouped (``1,234.5``; ``1.234,5`` where the decimal
    mark is a comma; ``1'234.5``; ``1 234,5``), as spreadsheets export them: the numbers, and how
    they are written (``{:,.1f}``, see ``number_format``), so that the splits write them alike.
    None for any other column, or one grouped by two different marks."""
    numbers = written_numbers(column, decimal) if pd.api.types.is_object_dtype(column) else None
    if numbers is None:
        return None
    text = pd.Series([v for v in column if isinstance(v, str)], dtype=object).str.strip()
    written = text[~text.str.lower().isin(EMPTY_MARKERS)]
    written_as = number_format(written, decimal)
    return (numbers, written_as) if groups_thousands(written_as) else None


def scientific_numbers(column: pd.Series, decimal: str = ".") -> tuple[pd.Series, str | None] | None:
    """Numbers written in scientific notation (``1.10E-03``, ``1,10E-03`` with decimal commas, as a
    leak rate or a particle count is logged): the numbers, and ``{:.2E}`` when every mantissa has as
    many decimals (else None: written as they are). None for any other column."""
    first = first_written(column)
    if first.empty or not first.str.fullmatch(SCIENTIFIC).all():
        return None
    numbers = plain_numbers(column, decimal)
    text = column[column.map(lambda v: isinstance(v, str))].str.strip()
    written = text[~text.str.lower().isin(EMPTY_MARKERS) & (text != "")]
    if numbers is None or not written.str.fullmatch(SCIENTIFIC).all():
        return None
    places = written.str.extract(r"[.,](\d+)[eE]")[0].str.len().unique()
    letters = written.str.extract(r"([eE])")[0].unique()
    if len(places) != 1 or len(letters) != 1:
        return numbers, None
    return numbers, f"{{:.{int(places[0])}{letters[0]}}}"


DURATION = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
DURATION_WORDS = (
    "duration", "runtime", "run_time", "uptime", "downtime", "elapsed", "operating", "hours", "betrieb",
    "laufzeit", "dauer", "repair",
)  # fmt: skip


def duration_seconds(column: pd.Series, name: str) -> tuple[pd.Series, str] | None:
    """Durations written as hours and minutes (``1234:05:33``, ``0:45``): seconds, and how they are
    written (``[h]:mm:ss``, ``[hh]:mm``), when some hour is past 23 or the column is named like a
    duration (``runtime``, ``Betriebsstunden``); else None (under a day, a time of day)."""
    if not first_written(column).str.fullmatch(DURATION).all():
        return None
    cells = column.to_numpy(dtype=object)
    is_text = np.array([isinstance(v, str) for v in cells], dtype=bool)
    text = pd.Series(cells[is_text], dtype=object).str.strip()
    written = ~text.str.lower().isin(EMPTY_MARKERS).to_numpy()
    if not written.any() or not text[written].str.fullmatch(DURATION).all():
        return None
    parts = text[written].str.extract(DURATION)
    if parts["s"].isna().any() and parts["s"].notna().any():
        return None
    hours = parts["h"].astype(np.int64)
    if not ((hours > 23).any() or any(word in name_words(name) for word in DURATION_WORDS)):
        return None
    seconds = 3600 * hours + 60 * parts["m"].astype(np.int64) + parts["s"].fillna("0").astype(np.int64)
    out = pd.to_numeric(pd.Series(np.where(is_text, np.nan, cells)), errors="coerce").to_numpy()
    out[np.flatnonzero(is_text)[written]] = seconds.to_numpy(dtype="float64")
    shape = ("[hh]" if (parts["h"].str.len() >= 2).all() else "[h]") + (
        ":mm" if parts["s"].isna().all() else ":mm:ss"
    )
    return pd.Series(out, index=column.index, name=column.name, dtype="float64"), shape


MAX_STATUS_TEXTS = 10  # kinds of status an instrument writes in place of a reading
MIN_READINGS = 20  # different readings a column of them has, at least (codes have fewer)


def status_cells(column: pd.Series) -> tuple[pd.Series, list[str]] | None:
    """Readings of a historian's or a logger's export in which some cells hold the instrument's
    status instead (``Bad Input``, ``I/O Timeout``, ``Shutdown``, ``OVF``): the column with those
    cells empty, and the status texts, most frequent first. Statuses are texts without a digit, a
    few kinds of them, in at most half of the filled cells, beside readings of many values (a
    column of ``1``, ``2``, ``Night`` is a code). None for any other column."""
    try:
        values = pd.Series(pd.unique(column), dtype=object).dropna()
    except TypeError:  # lists in cells, refused with their own message
        return None
    is_text = (
        np.ones(len(values), dtype=bool)
        if pd.api.types.infer_dtype(values) == "string"
        else values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    )
    texts = values[is_text]
    with_digits = texts.str.contains(r"\d").to_numpy(dtype=bool)
    written = texts[~with_digits].str.strip()
    status = written[~written.str.lower().isin(EMPTY_MARKERS) & (written != "")]
    readings = set(values[~is_text]) | set(texts[with_digits])  # a workbook's numbers, or text
    if not 0 < status.nunique() <= MAX_STATUS_TEXTS or len(readings) < MIN_READINGS:
        return None
    statuses = column.isin(set(texts[status.index]))
    if statuses.sum() > column.isin(readings).sum():
        return None
    kinds = column[statuses].str.strip().value_counts()
    return column.where(~statuses), [str(v) for v in kinds.index]


MAX_MAGNITUDE = 1e150  # numbers whose squares a model's statistics can hold
MIN_MARKS = 3  # cells a logger's no-reading number fills, at least (and 0.5 % of the filled ones)
MARK_GAP = 10  # times the spread of the readings between such a number and the nearest reading


def no_reading_mark(column: pd.Series) -> float | None:
    """The number a logger or a historian writes where it has no reading (``-9999``, ``99999``,
    ``-32768``, ``3.4028235E+38``: the largest float32; ``9.96921E+36``: NetCDF's fill): one value
    at an end of a column of numbers, in several cells, far beyond every reading and shaped like
    such a mark (nines, a 16-bit integer's end, or past 1e30). None for any other column."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_complex_dtype(column):  # refused with its own message
        return None
    values = column.dropna().to_numpy(dtype="float64")
    for mark in {values.min(), values.max()} if len(values) else ():
        rest = values[values != mark]
        if not len(rest) or (len(values) - len(rest)) < max(MIN_MARKS, 0.005 * len(values)):
            continue
        gap = rest.min() - mark if mark < rest.min() else mark - rest.max()
        if NO_READING.fullmatch(f"{mark:g}") and gap > MARK_GAP * (rest.max() - rest.min()):
            return float(mark)
    return None


def without_marks(table: TableFile) -> TableFile:
    """``table`` with the cells of each column's no-reading number (``no_reading_mark``) empty,
    the number kept by column (``-9999``, ``3.4028235e+38``), so that the splits write it where a
    generated cell is empty."""
    marks = {}
    for name in table.frame.columns:
        if (mark := no_reading_mark(table.frame[name])) is not None:
            marks[str(name)] = str(int(mark)) if abs(mark) < 1e15 and mark.is_integer() else f"{mark:.15g}"
    if not marks:
        return table
    frame = table.frame.copy()
    for name in marks:
        frame[name] = frame[name].where(frame[name] != no_reading_mark(frame[name]))
    return dataclasses.replace(table, frame=frame, no_reading=marks)


LIMIT = {
    ".": re.compile(r"(?P<side>[<>])\s*(?P<number>\d+(\.\d+)?)"),
    ",": re.compile(r"(?P<side>[<>])\s*(?P<number>\d+(,\d+)?)"),
}
MIN_LIMITED_READINGS = 5  # different readings beside a detection limit, at least
MAX_LIMITS = 3  # limits each way in one column (a lab changing its method over the years)


def limit_cells(column: pd.Series, decimal: str = ".") -> tuple[pd.Series, str] | None:
    """Readings of a lab report with some cells at a detection limit (``<0.05``, ``<1``, ``>5000``:
    below what the method detects, over its range): the numbers, those cells one step beyond the
    limit (``limit_value``), and how the column is written (``<0.05 {:.2f}``), so that the splits
    write readings beyond the limit as the limit (``beyond_limit``). A few limits each way (a lab
    that changed its method); None for any other column."""
    if not pd.api.types.is_object_dtype(column) or not first_written(column).str.contains("[<>]").any():
        return None
    values = pd.Series(pd.unique(column.dropna()), dtype=object)
    texts = values[values.map(lambda v: isinstance(v, str))].str.strip()
    found = texts.str.fullmatch(LIMIT[decimal])
    limits = texts[found].str.extract(LIMIT[decimal])
    if not found.any() or (limits.groupby("side")["number"].nunique() > MAX_LIMITS).any():
        return None
    written = dict(zip(texts[found], limits["side"] + limits["number"]))  # as written, without spaces
    at_limit = column.map(lambda v: written.get(v.strip()) if isinstance(v, str) else None)
    numbers = plain_numbers(column.where(at_limit.isna()), decimal)
    readings = column[at_limit.isna() & column.notna()]
    if numbers is None or numbers.nunique() < MIN_LIMITED_READINGS:
        return None
    for limit in set(written.values()):
        numbers[at_limit == limit] = limit_value(limit, decimal)
    readings = readings[readings.map(lambda v: isinstance(v, str))].str.strip()
    readings = readings[~readings.str.lower().isin(EMPTY_MARKERS) & (readings != "")]
    shape = number_format(readings, decimal) if len(readings) else "{}"
    order = sorted(set(written.values()), key=lambda t: (t[0], limit_number(t, decimal)))
    return numbers, " ".join(order) + " " + shape


def units_apart(table: TableFile) -> TableFile:
    """``table`` with each column of numbers written with their unit, of durations, and of numbers
    with their thousands grouped, as numbers (durations in seconds); the unit becomes the column's
    unit, and how its numbers were written its format (the splits write them so). Statuses in
    place of readings (``status_cells``) are empty cells, kept by column in ``status_cells``."""
    frame, formats, statuses = table.frame, {}, {}
    for name in frame.columns:
        if not pd.api.types.is_object_dtype(frame[name]):
            continue
        column, status = frame[name], None
        if cleared := status_cells(column):
            column, status = cleared
        found = (
            number_suffix(column, table.decimal)
            or currency_numbers(column, table.decimal)
            or duration_seconds(column, str(name))
            or grouped_numbers(column, table.decimal)
            or limit_cells(column, table.decimal)
            or scientific_numbers(column, table.decimal)
        )
        if status and not found:
            numbers = plain_numbers(column, table.decimal)
            found = None if numbers is None else (numbers, None)
        if found:
            if frame is table.frame:
                frame = frame.copy()
            frame[name], written = found
            if written:
                formats[str(name)] = written
            if status:
                statuses[str(name)] = status
    if not formats and not statuses:
        return table
    units = table.units | {c: unit_of(written) for c, written in formats.items() if unit_of(written)}
    formats = table.number_formats | formats
    return dataclasses.replace(table, frame=frame, units=units, number_formats=formats, status_cells=statuses)


def plain_numbers(column: pd.Series, decimal: str = ".") -> pd.Series | None:
    """A text column of plain numbers (in the file's decimal mark; empty markers empty) as numbers,
    or None when some cell is other text."""
    text = column.astype(object).where(column.notna(), None)
    is_text = text.map(lambda v: isinstance(v, str)).to_numpy()
    written = text[is_text].str.strip()
    values = written.map(
        lambda v: np.nan if v.lower() in EMPTY_MARKERS or not v else written_number(v, decimal)
    )
    if values.isna().sum() > (written.str.lower().isin(EMPTY_MARKERS) | (written == "")).sum():
        return None
    numbers = pd.to_numeric(text.where(~is_text, np.nan), errors="coerce").to_numpy(dtype="float64")
    numbers[is_text] = values.to_numpy(dtype="float64")
    return pd.Series(numbers, index=column.index, name=column.name, dtype="float64")


def _empty_columns_problem(empty: list[str]) -> str:
    """One problem for every column without a value, with one way out for all of them (a disk
    fleet's export leaves dozens of attributes it does not report empty)."""
    named = ", ".join(map(repr, empty))
    roles = ", ".join(f"{name!r}: 'ignore'" for name in empty)
    flags = " ".join(f"--ignore {shlex.quote(name)}" for name in empty)
    way_out = f"the role 'ignore' (roles={{{roles}}}, {flags})"
    if len(empty) == 1:
        return f"column {named} is empty (all values missing): remove it, or give it {way_out}"
    count = f"{len(empty)} columns are empty (all values missing)"
    return f"{count}: {named}; remove them, or give them {way_out}"


def _normalise(
    frame: pd.DataFrame, ignored: set[str] = frozenset(), decimal: str = "."
) -> tuple[pd.DataFrame, list[str]]:
    """Cast what SDV cannot take as it is (numbers written as text with the file's ``decimal``
    mark among them), and list what cannot be used at all (a column with no value at all is
    usable only with the role ``ignore``: in ``ignored``)."""
    problems: list[str] = []
    names = [str(c) for c in frame.columns]
    index = written_index(frame, names)
    if index:
        names[0] = "Unnamed: 0"
    blank = [
        i
        for i, name in enumerate(names)
        if (not name.strip() or name.startswith("Unnamed: ")) and not (i == 0 and index)
    ]
    if blank:
        problems.append(f"blank column header at position(s) {', '.join(map(str, blank))}")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems.append(f"duplicate column header(s): {', '.join(map(repr, duplicated))}")
    if frame.shape[1] < MIN_COLUMNS:
        problems.append(f"it has {frame.shape[1]} column(s); at least {MIN_COLUMNS} are needed")
    if frame.shape[1] > MAX_COLUMNS:
        problems.append(f"it has {frame.shape[1]} columns; at most {MAX_COLUMNS} are supported")
    if len(frame) < MIN_ROWS:
        problems.append(f"it has {len(frame)} row(s); at least {MIN_ROWS} are needed")
    if len(frame) > MAX_SAMPLES:
        problems.append(f"it has {len(frame):,} rows; at most {MAX_SAMPLES:,} are supported")
    if problems:
        return frame, problems

    frame = frame.copy()
    frame.columns = names
    empty = [name for name in names if frame[name].isna().all() and name not in ignored]
    if empty:
        problems.append(_empty_columns_problem(empty))
    for name in names:
        column = frame[name]
        if column.isna().all():
            continue
        elif isinstance(column.dtype, pd.CategoricalDtype):
            frame[name] = column.astype(object).where(column.notna(), None)
        elif pd.api.types.is_datetime64_any_dtype(column):
            if getattr(column.dt, "tz", None) is not None:
                frame[name] = column.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_bool_dtype(column):  # 0/1 (given back as bools: ``given_dtypes``)
            frame[name] = column.astype("float64" if column.isna().any() else "int64")
        elif pd.api.types.is_numeric_dtype(column):
            if pd.api.types.is_extension_array_dtype(column):  # Int64, Float64: NA as NaN, as read from CSV
                frame[name] = column.astype("float64")
            if pd.api.types.is_complex_dtype(column):
                problems.append(f"column {name!r} holds complex numbers, which are not supported")
            elif np.isinf(numbers := column.astype("float64")).any():
                problems.append(f"column {name!r} contains infinite values")
            elif (largest := float(np.nanmax(np.abs(numbers), initial=0.0))) > MAX_MAGNITUDE:
                problems.append(
                    f"column {name!r} holds {largest:g}: numbers beyond {MAX_MAGNITUDE:g} either way cannot "
                    "be modelled; write those cells empty, or give it the role 'ignore' "
                    f"(--ignore {shlex.quote(name)})"
                )
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            kinds = set(column.dropna().map(type).unique())
            if any(issubclass(kind, (list, dict, set, tuple, bytes)) for kind in kinds):
                problems.append(f"column {name!r} holds lists, dicts or bytes; only scalars are supported")
            elif (numbers := written_numbers(column, decimal)) is not None:
                frame[name] = numbers
            elif kinds <= {str}:
                frame[name] = column.astype(object)
            else:
                frame[name] = column.map(lambda v: v if pd.isna(v) else str(v)).astype(object)
        else:
            problems.append(f"column {name!r} has unsupported dtype {column.dtype}")
    return frame, problems


def given_dtypes(frame: pd.DataFrame) -> dict[str, str]:
    """The dtypes of a DataFrame's columns that the seed holds otherwise (bools as 0/1, timestamps
    with a time zone in UTC, categories of text as text) or that a model's numbers lose (nullable
    integers): samples are given back in them (``Machine.as_given``)."""
    kept = {}
    for name, column in frame.items():
        dtype = column.dtype
        zoned = pd.api.types.is_datetime64_any_dtype(column) and getattr(column.dt, "tz", None) is not None
        nullable_int = pd.api.types.is_integer_dtype(column) and pd.api.types.is_extension_array_dtype(column)
        texts = isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_object_dtype(dtype.categories)
        if pd.api.types.is_bool_dtype(column) or zoned or nullable_int or texts:
            kept[str(name)] = str(dtype)
    return kept


def _parse_datetimes(frame: pd.DataFrame, roles: Roles) -> tuple[list[str], dict[str, str]]:
    """Turn text timestamps into datetimes (UTC, no zone) in place; list columns that do not parse,
    and give the format each text column was written in (when one format writes it back)."""
    problems, formats = [], {}
    for column in roles.of("datetime"):
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            continue
        parsed = _to_datetime(series)
        bad = int((parsed.isna() & series.notna()).sum())
        if bad:
            problems.append(
                f"column {column!r} cannot be a datetime: {bad:,} of its values are not timestamps"
            )
            continue
        frame[column] = parsed
        if (zoned := at_one_offset(series, parsed)) is not None:
            frame[column], formats[column] = zoned
        elif (written := written_format(series, parsed)) is not None:
            formats[column] = written
            if time_of_day(written):  # on strptime's day, as the column is read back from the splits
                frame[column] = pd.to_datetime(series, format=parse_format(written))
    return problems, formats


OFFSET = r"(Z|[+-]\d\d:?\d\d| ?UTC| ?GMT)$"  # GMT and UTC written out: no offset


def at_one_offset(text: pd.Series, parsed: pd.Series) -> tuple[pd.Series, str] | None:
    """Timestamps written with their UTC offset (``2024-03-01T10:00:00+01:00``, ``...Z``) as wall
    times at the offset most of them carry, and their format with that offset written after it,
    so that the splits write them as the user's own and every time stays the same instant (a
    summer time at +02:00 comes back at +01:00, an hour earlier on the clock). None for
    timestamps without an offset, or whose format does not write them back."""
    if text.dtype != object or not text.notna().any():
        return None
    if first_written(text).str.extract(OFFSET)[0].isna().any():  # every one has an offset
        return None
    written = text.dropna().astype(str).str.strip()
    offsets = written.str.extract(OFFSET)[0]
    if offsets.isna().any():
        return None
    common = offsets.mode().iloc[0]
    bare = written.str.replace(OFFSET, "", regex=True)
    if not (form := written_format(bare, _to_datetime(bare))):
        return None
    sign, hours, minutes = (
        (1, 0, 0)
        if common.strip() in ("Z", "UTC", "GMT")
        else (int(common[0] + "1"), common[1:3], common[-2:])
    )
    shift = pd.Timedelta(minutes=sign * (60 * int(hours) + int(minutes)))
    return parsed + shift, form + common


def written_format(text: pd.Series, parsed: pd.Series, checked: int = 10_000) -> str | None:
    """The ``strftime`` format a text timestamp column is written in, when that one format writes
    every value back exactly as it was (checked on up to ``checked`` of them), so that generated
    timestamps are written as the user's own (``09.03.2020 10:00``); None otherwise."""
    present = text.notna()
    if not present.any() or text.dtype != object:
        return None
    sample = text[present].astype(str).str.strip()
    sample = sample.sample(min(checked, len(sample)), random_state=0) if len(sample) > checked else sample
    guessed = guessed_format(sample.iloc[0], day_first(sample))
    if guessed is not None and ("%z" in guessed or "%Z" in guessed):
        return None
    for candidate in (v for written in (guessed, *TIMES_OF_DAY) if written for v in unpadded(written)):
        if written_times(parsed[sample.index], candidate).equals(sample):
            return candidate
    return None


def guessed_format(written: str, dayfirst: bool) -> str | None:
    """pandas' guess of the ``strftime`` format of one timestamp; it has none for a 12-hour clock
    with seconds (``01/05/2026 12:00:00 AM``, as US spreadsheets and historians write it): that
    one is the guess for the time without its AM/PM, on a 12-hour clock; nor for a year of two
    digits after the day and month (``15.03.23 07:10``): the guess with the century written."""
    if guessed := _with_short_year(written, dayfirst):
        return guessed
    clock = re.search(r"\s?[AP]M$", written)
    rest = _with_short_year(written[: clock.start()], dayfirst) if clock else None
    if not clock or not rest or "%H" not in rest:
        return None
    return rest.replace("%H", "%I") + clock.group()[:-2] + "%p"


SHORT_YEAR = re.compile(r"^(\d{1,2}([./-])\d{1,2}\2)(\d{2})(?=[^\d]|$)")  # 15.03.23, 3/15/23


def _with_short_year(written: str, dayfirst: bool) -> str | None:
    from pandas.tseries.api import guess_datetime_format

    if guessed := guess_datetime_format(written, dayfirst=dayfirst):
        return guessed
    short = SHORT_YEAR.match(written)
    if not short:
        return None
    century = guess_datetime_format(short.group(1) + "20" + written[short.start(3) :], dayfirst=dayfirst)
    return century.replace("%Y", "%y") if century and "%Y" in century else None


TIMES_OF_DAY = (
    "%H:%M:%S",
    "%H:%M",
    "%H:%M:%S.%f",
    "%I:%M:%S %p",
    "%I:%M %p",
)  # a time column beside a date column


def unpadded(written: str) -> list[str]:
    """``written`` and its variants with days, months and hours written without a leading zero
    (``1/2/2007 9:05``, ``1/1/2015 6:00:00 AM``), which pandas' guess always pads."""
    variants = [written]
    for padded in ("%d", "%m", "%H", "%I"):
        variants += [v.replace(padded, padded[0] + "-" + padded[1]) for v in variants if padded in v]
    return variants + [v.replace("%f", MILLISECONDS) for v in variants if "%f" in v]


def time_of_day(written: str) -> bool:
    """Does this ``strftime`` format write a time without a date (``%H:%M:%S``)?"""
    return not any(field in written for field in ("%d", "%-d", "%m", "%-m", "%y", "%Y", "%b", "%B", "%j"))


NUMERIC_DATE = r"^\s*(\d{1,2})([./-])(\d{1,2})[./-]\d{2,4}\b"


def day_first(text: pd.Series) -> bool:
    """Are dates written day first (``13.03.2020``, as in most of Europe)? Yes when some first
    field is over 12, or the fields are separated by dots (``09.03.2020``), and no second field
    is over 12; no for ISO dates (year first) and month-first ones (``03/13/2020``)."""
    parts = text.dropna().astype(str).str.extract(NUMERIC_DATE).dropna()
    if parts.empty:
        return False
    first, separator, second = parts[0].astype(int), parts[1], parts[2].astype(int)
    if (second > 12).any():
        return False
    return bool((first > 12).any() or (separator == ".").all())


def _to_datetime(series: pd.Series) -> pd.Series:
    """Timestamps in UTC without a zone: one format for the whole column when it has one (fast on
    millions of rows), else each value parsed on its own; day first where the dates say so (a
    month-first guess read 09.03.2020 as September and 13.03.2020 as March in one column)."""
    dayfirst = series.dtype == object and day_first(series)
    with warnings.catch_warnings():  # "could not infer format": each value is parsed on its own, as meant
        warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
        try:
            parsed = pd.to_datetime(series, errors="raise", utc=True, dayfirst=dayfirst)
        except (ValueError, TypeError):
            parsed = pd.to_datetime(series, errors="coerce", format="mixed", utc=True, dayfirst=dayfirst)
    return parsed.dt.tz_localize(None)


def _describe(
    machine_id: str, frame: pd.DataFrame, roles: Roles, description: str, units: dict[str, str]
) -> Machine:
    sensors = tuple(
        Sensor(
            name, units.get(name, ""), float(frame[name].quantile(0.01)), float(frame[name].quantile(0.99))
        )
        for name in roles.of("numeric")
    )
    labels = roles.labels
    modes: list[str] = []
    for column in labels:
        normal = roles.normals.get(column, "")
        if not is_flag(frame[column]):  # a status: its failing classes are the modes
            modes += sorted({normal_text(v) for v in frame[column].dropna()} - normal_values(normal))
        elif column != labels[0]:  # a flag beside the main label: the flag is the mode
            modes.append(column)
    return Machine(
        machine_id=machine_id,
        type="custom",
        description=description or f"Registered machine {machine_id}",
        sensors=sensors,
        label_columns=labels,
        failure_modes=tuple(modes),
        failure_rate_band=(0.0, 1.0),
        builtin=False,
        column_roles=roles.to_dict(),
    )


def _read(data: object) -> TableFile:
    if isinstance(data, (str, os.PathLike)) and os.path.isdir(data):
        files = sorted(p for p in Path(data).iterdir() if p.is_file() and p.suffix.lower() in FILE_SUFFIXES)
        if not files:
            raise InvalidDataError(
                repr(str(data)),
                [f"the folder holds no CSV, text, JSON, Parquet or Excel file ({', '.join(FILE_SUFFIXES)})"],
            )
        return joined_files(files)
    if isinstance(data, (bytes, str, os.PathLike)):
        return read_table_file(data)
    if isinstance(data, pd.DataFrame):
        return TableFile(data, "the DataFrame")
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, (str, os.PathLike)) for p in data):
        return joined_files([Path(p) for p in data]) if len(data) > 1 else read_table_file(data[0])
    if isinstance(data, dict) and data and all(isinstance(b, bytes) for b in data.values()):
        return joined_uploads(data)
    raise InvalidParameterError(
        "The 'data' parameter of register_machine must be a CSV, JSON, Parquet or Excel file's path (or its "
        "bytes), a list of such paths or a folder of them, uploaded files' bytes by name, or a pandas "
        f"DataFrame. Got {type(data).__name__} instead."
    )


def joined_uploads(files: dict[str, bytes]) -> TableFile:
    """The table of files uploaded together (their bytes by name), joined as ``joined_files``
    joins files on disk, in the order given."""
    if len(files) == 1:
        return read_table_file(*files.values())
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, (name, content) in enumerate(files.items()):
            path = Path(folder) / str(number) / Path(name).name  # each under its own name
            path.parent.mkdir()
            path.write_bytes(content)
            paths.append(path)
        return joined_files(paths, uploaded=True)


def joined_files(paths: list[Path], uploaded: bool = False) -> TableFile:
    """One table of the rows of several files with the same columns, in the order given (a
    logger's or a SCADA system's daily or monthly exports): each file is read on its own, so each
    may carry its own notes, header and units; the splits are written as the first one is.
    Messages name ``uploaded`` files by their names alone."""
    names = [f"the uploaded file {path.name!r}" if uploaded else None for path in paths]
    tables = [read_table_file(path, name) for path, name in zip(paths, names)]
    columns = [str(c) for c in tables[0].frame.columns]
    problems = []
    for path, table in zip(paths[1:], tables[1:]):
        other = [str(c) for c in table.frame.columns]
        if other != columns:
            missing, extra = [c for c in columns if c not in other], [c for c in other if c not in columns]
            parts = [f"without {missing}" if missing else "", f"with {extra} besides" if extra else ""]
            detail = "; ".join(part for part in parts if part) or "in another order"
            problems.append(f"{path.name!r} has other columns than {paths[0].name!r}: {detail}")
    if problems:
        raise InvalidDataError(f"{len(paths)} files", problems)
    frame = pd.concat([t.frame.set_axis(columns, axis=1) for t in tables], ignore_index=True)
    units = {c: u for t in tables for c, u in t.units.items()}
    what = f"{len(paths)} files ({paths[0].name} ... {paths[-1].name})"
    formats = {
        c: f for c, f in tables[0].number_formats.items() if all(t.number_formats.get(c) == f for t in tables)
    }
    return TableFile(frame, what, tables[0].csv_format, units, formats)


def _table(data: object, long_format: object) -> tuple[TableFile, LongLayout | None]:
    """The table as registered: a long table (one row per reading) widened to one row per time,
    found by its column names (``long_format=None``), as given (``(tag, value)``), or not at all
    (``False``); numbers written with their unit (``63.7 °C``) as numbers, the unit kept."""
    table, layout = _widened(data, long_format)
    return without_marks(units_apart(table)), layout


def _widened(data: object, long_format: object) -> tuple[TableFile, LongLayout | None]:
    table = _read(data)
    if long_format is False:
        return table, None
    if long_format is None:
        layout = long_layout(table.frame)
    elif isinstance(long_format, (tuple, list)) and len(long_format) == 2:
        tag, value = (str(c) for c in long_format)
        missing = [c for c in (tag, value) if c not in table.frame.columns]
        if missing:
            raise InvalidParameterError(
                f"long_format names column(s) {', '.join(map(repr, missing))} that {table.what} does not "
                f"have; its columns are {', '.join(map(repr, map(str, table.frame.columns)))}."
            )
        layout = long_layout(table.frame, tag, value)
        if layout is None:
            raise InvalidDataError(
                table.what,
                [
                    f"it cannot be read as a long table with tag {tag!r} and value {value!r}: it needs "
                    f"2-{MAX_TAGS} tags, a column saying when, and each (time, tag) pair once"
                ],
            )
    else:
        raise InvalidParameterError(
            f"The 'long_format' parameter must be None (find it), False (not long) or (tag column, "
            f"value column). Got {long_format!r} instead."
        )
    if layout is None:
        return table, None
    wide, units = widen(table.frame, layout)
    what = f"{table.what} (long: {layout.tag!r} and {layout.value!r} as columns)"
    value_format = table.number_formats.get(layout.value)
    tags = [str(c) for c in wide.columns if c not in table.frame.columns]
    formats = dict.fromkeys(tags, value_format) if value_format else {}
    return TableFile(wide, what, table.csv_format, table.units | units, formats), layout


def preview_roles(
    data: TableSource,
    roles: dict[str, str] | None = None,
    normals: dict[str, Normal] | None = None,
    no_label: bool = False,
    long_format: tuple[str, str] | bool | None = None,
) -> tuple[Roles | None, list[str]]:
    """The role each column would get, and every reason registering would be refused (empty when
    it would not), for a preview the user edits before registering; nothing is written. Columns
    with no value are shown too (their problem says to give them the role ``ignore``)."""
    try:
        return prepare(data, roles, normals, no_label, long_format).roles, []
    except InvalidDataError as error:
        problems = list(error.problems)
    table, _ = _table(data, long_format)
    valueless = {str(c) for c in table.frame.columns if table.frame[c].isna().all()}
    frame, unusable = _normalise(table.frame, _ignored(roles) | valueless, table.decimal)
    if unusable:
        return None, problems
    return infer_roles(frame, check_overrides(frame, roles, "register_machine")), problems


def _ignored(roles: object) -> set[str]:
    """The columns the user's roles (checked later) say to ignore."""
    return {c for c, r in roles.items() if r == "ignore"} if isinstance(roles, dict) else set()


@dataclass(frozen=True)
class Prepared:
    """A table ready to register: its rows, the role of each column, the file it came from, the
    format each text timestamp column was written in, and its long layout when it was long."""

    frame: pd.DataFrame
    roles: Roles
    table: TableFile
    time_formats: dict[str, str]
    long: LongLayout | None

    @property
    def notes(self) -> list[str]:
        """How the file was read, in words (``reading_notes``)."""
        return _notes(self.table, self.long)


def describe_file(data: TableSource, long_format: tuple[str, str] | bool | None = None) -> list[str]:
    """How registering would read ``data``, in words: delimiter, decimal mark, no header row, a
    units row, a long table widened (empty for a plain CSV or a DataFrame); nothing is written."""
    return _notes(*_table(data, long_format))


def _notes(table: TableFile, long: LongLayout | None) -> list[str]:
    columns = [str(c) for c in table.frame.columns]
    long_layout = long.to_dict() if long else None
    return reading_notes(
        columns,
        table.csv_format,
        table.units,
        long_layout,
        table.what,
        table.number_formats,
        table.status_cells,
        table.no_reading,
    )


def prepare(
    data: TableSource,
    roles: dict[str, str] | None = None,
    normals: dict[str, Normal] | None = None,
    no_label: bool = False,
    long_format: tuple[str, str] | bool | None = None,
) -> Prepared:
    """The table as it will be stored and the role of each column, checked, without writing;
    with everything else registration keeps (``Prepared``)."""
    table, layout = _table(data, long_format)
    what = table.what
    frame, problems = _normalise(table.frame, _ignored(roles), table.decimal)
    if problems:
        raise InvalidDataError(what, problems)
    overrides = check_overrides(frame, roles, "register_machine")
    if normals is not None and not isinstance(normals, dict):
        raise InvalidParameterError(
            f"The 'normals' parameter must be a dict of label column to value. Got {normals!r}."
        )
    resolved = resolve_roles(frame, overrides, normals, bool(no_label), what)
    problems, time_formats = _parse_datetimes(frame, resolved)
    if problems:
        raise InvalidDataError(what, problems)
    return Prepared(frame.reset_index(drop=True), resolved, table, time_formats, layout)


def register_machine(
    machine_id: str,
    data: TableSource,
    description: str = "",
    replace: bool = False,
    workspace: str | os.PathLike | None = None,
    roles: dict[str, str] | None = None,
    normals: dict[str, Normal] | None = None,
    no_label: bool = False,
    long_format: tuple[str, str] | bool | None = None,
) -> Machine:
    """Register a machine from a file (CSV, text log, Excel workbook; a path or its bytes), from
    several files with the same columns (a list of paths, or a folder: a logger's daily exports,
    their rows joined in order), or from a DataFrame; its table becomes the machine's seed data.

    A long table (one row per reading: a time, a ``tag`` naming the sensor, its ``value``) is
    widened to one row per time with a column per tag: found by its column names, or as given in
    ``long_format=(tag, value)``; ``long_format=False`` keeps the table as it is.

    Each column gets a role (``synthkit.roles``): inferred, or as given in ``roles``
    (``{"Product ID": "id", "Machine failure": "label"}``). ``normals`` sets the no-failure value
    of a status label, or its values (``{"state": ["RUN", "IDLE"]}``); ``no_label`` accepts a
    table without failures. The resolved roles are in the returned machine's ``column_roles`` and
    can be changed later with ``update_roles``.
    """
    validate_id(machine_id)
    if machine_id in BUILTIN_MACHINES:
        raise InvalidParameterError(
            f"{machine_id!r} is a built-in machine; choose another machine_id for your data."
        )
    if not isinstance(description, str):
        raise InvalidParameterError(f"The 'description' must be a string. Got {description!r} instead.")
    ws = Workspace(workspace)
    folder = ws.machine_dir(machine_id)
    if (folder / MACHINE_FILE).exists() and not replace:
        raise InvalidParameterError(
            f"Machine {machine_id!r} is already registered; pass replace=True (--replace) to replace it.",
            in_workbench=f"{machine_id} is already registered: choose it in the list and use "
            "'Replace its data...', or pick another id.",
        )
    prepared = prepare(data, roles, normals, no_label, long_format)
    frame = prepared.frame
    check_int("register_machine", "rows", len(frame), MIN_ROWS, MAX_SAMPLES)
    machine = _describe(machine_id, frame, prepared.roles, description, prepared.table.units)
    machine = dataclasses.replace(
        machine,
        csv_format=prepared.table.csv_format,
        time_formats=prepared.time_formats,
        number_formats=prepared.table.number_formats,
        status_cells=prepared.table.status_cells,
        no_reading=prepared.table.no_reading,
        long_format=prepared.long.to_dict() if prepared.long else {},
        dtypes={c: t for c, t in given_dtypes(prepared.table.frame).items() if c in frame.columns},
        source=prepared.table.what,
    )
    if folder.exists() and not (folder / MACHINE_FILE).exists():
        shutil.rmtree(folder)  # left by a registration killed before it wrote machine.json

    existed = folder.exists()
    try:
        write_seed(machine, frame, ws, source="registered")
        write_json(folder / MACHINE_FILE, machine.to_dict())
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return machine


def update_roles(
    machine_id: str,
    roles: dict[str, str] | None = None,
    normals: dict[str, Normal] | None = None,
    no_label: bool = False,
    workspace: str | os.PathLike | None = None,
) -> Machine:
    """Change the roles of a registered machine's columns without registering it again.

    Roles you set before are kept unless changed here; the others are inferred again. When the
    machine has a model trained with other roles, a ``StaleModelWarning`` says to train again.
    """
    ws = Workspace(workspace)
    machine = get_machine(machine_id, ws.root)
    if machine.builtin:
        raise InvalidParameterError(
            f"{machine_id!r} is a built-in machine; its roles come from the catalogue. "
            "Roles can be changed for registered machines."
        )
    frame, _, _ = load_seed(machine_id, ws.root)
    current = machine.roles_for(frame)
    kept = {c: r for c, r in current.roles.items() if current.reasons.get(c) == "set by you"}
    overrides = kept | check_overrides(frame, roles, "update_roles")
    kept_normals = {c: v for c, v in current.normals.items() if overrides.get(c) == "label"}
    resolved = resolve_roles(frame, overrides, kept_normals | dict(normals or {}), bool(no_label), machine_id)
    described = _describe(
        machine_id, frame, resolved, machine.description, {s.name: s.unit for s in machine.sensors}
    )
    updated = dataclasses.replace(  # what the roles decide; how the file was read stays
        machine,
        sensors=described.sensors,
        label_columns=described.label_columns,
        failure_modes=described.failure_modes,
        column_roles=described.column_roles,
    )
    write_json(ws.machine_dir(machine_id) / MACHINE_FILE, updated.to_dict())
    stale = stale_model_message(updated, ws)
    if stale:
        warnings.warn(stale, StaleModelWarning, stacklevel=2)
    return updated


class StaleModelWarning(UserWarning):
    """The machine's roles changed since its current model was trained."""


def stale_model_message(machine: Machine, workspace: Workspace) -> str | None:
    """Why the machine's current model no longer matches its roles, or None."""
    if not machine.column_roles:
        return None
    try:
        trained = model_manifest(machine.machine_id, workspace.root).get("columns", {}).get("roles")
    except MissingArtifactError:
        return None
    if trained is None or trained == machine.column_roles["roles"]:
        return None
    changed = sorted(
        c for c in machine.column_roles["roles"] if trained.get(c) != machine.column_roles["roles"][c]
    )
    return (
        f"The current model of {machine.machine_id!r} was trained with other roles "
        f"(changed: {', '.join(changed)}); train it again to use the new roles."
    )
