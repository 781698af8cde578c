"""Read a table file as the user brought it: a CSV or text log in whatever dialect it was written,
gzip- or zip-compressed, or an Excel workbook; and say how splits made from it are written back.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from synthkit.csv_dialect import (
    EMPTY_MARKERS,
    HEAD_BYTES,
    ZERO_PADDED,
    dialect_of,
    empty_cell,
    fixed_decimals,
    footer_lines,
    layout,
    read_as_text,
    read_options,
    records,
    split_line,
    written_as,
)
from synthkit.errors import InvalidDataError, MissingArtifactError

# UTF-8 first; then Windows-1252, in which spreadsheets and loggers in much of Europe export
# (`Temperatur [°C]`): it leaves five bytes undefined, so binary data is still refused.
ENCODINGS = ("utf-8-sig", "cp1252")
GZIP, ZIP, OLE, PARQUET = b"\x1f\x8b", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1"  # each kind's first bytes
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat", ".log", ".json", ".jsonl", ".ndjson")
TABLE_SUFFIXES = (*TEXT_SUFFIXES, ".parquet")  # the files a zip archive may hold
FILE_SUFFIXES = (*TABLE_SUFFIXES, ".gz", ".zip", ".xlsx")  # what an upload may be (kinds read by content)


@dataclass(frozen=True)
class TableFile:
    """A table read from a file, what it was, and the ``to_csv`` options that write it back."""

    frame: pd.DataFrame
    what: str
    csv_format: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # from a row of units under the header, or the cells
    number_formats: dict[str, str] = field(default_factory=dict)  # written after every number: " °C"
    status_cells: dict[str, list[str]] = field(default_factory=dict)  # statuses in place of readings
    no_reading: dict[str, str] = field(default_factory=dict)  # a number written for no reading: "-9999"

    @property
    def decimal(self) -> str:
        return self.csv_format.get("decimal", ".")


def read_table_file(source: str | os.PathLike | bytes, name: str | None = None) -> TableFile:
    """Read a table from a path, or from the bytes of an upload, whatever its kind; ``name`` is
    what messages call it (the path, or "the uploaded file")."""
    if isinstance(source, bytes):
        with tempfile.TemporaryDirectory() as folder:
            upload = Path(folder) / "upload"
            upload.write_bytes(source)
            return _read_file(upload, name or "the uploaded file")
    path = Path(source)
    if not path.is_file():
        raise MissingArtifactError(f"CSV file {str(path)!r} does not exist.")
    return _read_file(path, name or repr(str(path)))


def _read_file(path: Path, name: str) -> TableFile:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    try:
        if head.startswith(OLE):
            raise InvalidDataError(
                name, ["it is an Excel 97-2003 workbook (.xls): save it as .xlsx or as CSV and register that"]
            )
        if head.startswith(ZIP) and _is_workbook(path):
            frame, sheet = read_workbook(path)
            frame, units = units_row(frame)
            formats = sheet_number_formats(path, sheet, frame)
            units |= {c: unit_of(f) for c, f in formats.items() if unit_of(f)}  # "0.0 °C" shows one
            return TableFile(
                frame, f"Excel workbook {name} (sheet {sheet!r})", units=units, number_formats=formats
            )
        if head.startswith(PARQUET):
            return TableFile(read_parquet_file(path), f"Parquet file {name}")
        if head.startswith((ZIP, GZIP)):
            with _unpacked(path, head) as inner:
                return _read_file(inner, name)
        if is_json(head):
            return TableFile(read_json_records(path), f"JSON file {name}")
        table = read_csv(path)
    except InvalidDataError as error:
        raise InvalidDataError(name, error.problems) from None
    return dataclasses.replace(table, what=f"CSV file {name}")


def read_parquet_file(path: Path) -> pd.DataFrame:
    """A Parquet file's table, in its own dtypes (a data lake's or a pandas user's export)."""
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises many kinds on a damaged file
        raise InvalidDataError(str(path), [f"it is not a readable Parquet file ({error})"]) from None


def is_json(head: bytes) -> bool:
    """Does a file start as JSON records: one object per line (JSON lines, as IoT platforms export
    readings), or an array of objects?"""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"{") or (text.startswith(b"[") and text[1:].lstrip().startswith(b"{"))


def read_json_records(path: Path) -> pd.DataFrame:
    """The table of a file of JSON records, one object per line or an array of them (or an object
    holding one such array: ``{"data": [...]}``); nested objects become columns named by their
    path (``body.temp``), as IoT messages carry their readings."""
    with path.open(encoding="utf-8-sig") as handle:
        text = handle.read()
    try:
        records = json.loads(text)
    except json.JSONDecodeError:  # one object per line
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                records.append(json.loads(line)) if line.strip() else None
            except json.JSONDecodeError as error:
                raise InvalidDataError(
                    str(path), [f"line {number} is not a JSON object ({error.msg})"]
                ) from None
    if isinstance(records, dict):
        arrays = [value for value in records.values() if isinstance(value, list)]
        records = arrays[0] if len(arrays) == 1 else [records]
    if not records or not all(isinstance(r, dict) for r in records):
        raise InvalidDataError(str(path), ["it holds no JSON records: objects of named values, one per row"])
    return pd.json_normalize(records)


def read_csv(path: str | os.PathLike) -> TableFile:
    """Read a CSV or text log in its own dialect (``csv_dialect``): after any notes a logger wrote
    before the table, keeping the header exactly as written so that duplicates and blanks can be
    named, the row of units under it read as units; a file whose first line is data gets columns
    named by position (``column_1``, ...). Gives the table with the ``to_csv`` options of its
    dialect, the unit of each column that has one and the number format of each column written
    with fixed decimals (``{:.2f}``)."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if encoding := utf16_of(head):
        with _in_utf8(path, encoding) as text_file:
            return read_csv(text_file)
    if b"\x00" in head:
        raise InvalidDataError(str(path), ["it is not a text CSV file (it contains NUL bytes)"])
    whole = len(head) < HEAD_BYTES
    delimiter, decimal = dialect_of(head, whole)
    for encoding in ENCODINGS:
        try:
            table = layout(head.decode(encoding, errors="ignore"), whole, delimiter, decimal)
            with path.open(newline="", encoding=encoding) as handle:
                kept = (line for number, line in enumerate(records(handle)) if number not in table.skipped)
                first = next((line for line in kept if line.strip()), "")
            header = [one_line(cell) for cell in split_line(first, delimiter)] if first else []
            if not header:
                raise InvalidDataError(str(path), ["the file is empty: it has no header row"])
            as_text = read_as_text(head.decode(encoding, errors="ignore"), whole, delimiter, table)
            fixed = fixed_decimals(head.decode(encoding, errors="ignore"), whole, delimiter, decimal, table)
            options = {
                **read_options(delimiter),
                "decimal": decimal,
                "encoding": encoding,
                "skiprows": list(table.skipped),
                "header": 0 if table.header else None,
                "names": None if table.header else unnamed_columns(len(header)),
            }
            frame = pd.read_csv(path, **options, dtype=dict.fromkeys(as_text, str) or None)
            footer = footer_lines(tail_of(path, encoding), delimiter, len(header))
            if footer and len(frame) > footer:  # read again without them: their text made numbers text
                rows = len(frame) - footer
                frame = pd.read_csv(path, **options, dtype=dict.fromkeys(as_text, str) or None, nrows=rows)
            if table.header:
                frame = without_repeated_headers(frame, header, decimal, as_text)
            marker = empty_marker(frame) or empty_written_as(path, frame, options)
            break
        except UnicodeDecodeError as error:
            if encoding == ENCODINGS[-1]:
                raise InvalidDataError(str(path), [f"it is not a readable CSV file ({error})"]) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as error:
            raise InvalidDataError(str(path), [f"it is not a readable CSV file ({error})"]) from None
    if table.header and len(header) == frame.shape[1] > 2 and not header[-1].strip():
        if frame.iloc[:, -1].isna().all():  # a delimiter ending every line: no column
            frame, header = frame.iloc[:, :-1], header[:-1]
    if table.header and len(header) == frame.shape[1]:
        frame.columns = header
    named = (
        two_level_header(header, list(table.units))
        if table.header and len(header) == frame.shape[1]
        else None
    )
    if named:
        frame.columns = named
    units = {} if named else {str(c): u for c, u in zip(frame.columns, table.units) if u}
    frame = frame.dropna(how="all").reset_index(drop=True)  # lines of only ";;;", as Excel leaves
    formats = {
        str(frame.columns[position]): f"{{:.{places}f}}"
        for position, places in fixed.items()
        if position < frame.shape[1] and with_decimals(frame.iloc[:, position], places)
    }
    csv_format = written_as(delimiter, decimal) | ({"na_rep": marker} if marker else {})
    return TableFile(frame, f"CSV file {str(path)!r}", csv_format, units, formats)


def with_decimals(column: pd.Series, places: int) -> bool:
    """Is every number of a column of floats written with at most ``places`` decimals?"""
    if not pd.api.types.is_float_dtype(column):
        return False
    scaled = column.dropna().to_numpy(dtype="float64") * 10.0**places
    return bool(np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))))


def without_repeated_headers(
    frame: pd.DataFrame, header: list[str], decimal: str, as_text: list[int]
) -> pd.DataFrame:
    """A table of files joined by hand (``cat monday.csv tuesday.csv``) without the header rows
    repeated within it, and the columns those rows made text read as numbers again (but for
    ``as_text``, read as text on purpose). Only a table of text columns can hold such rows."""
    if len(header) != frame.shape[1] or not all(pd.api.types.is_object_dtype(c) for c in frame.dtypes):
        return frame
    names = np.array([name.strip() for name in header], dtype=object)
    maybe = frame[frame.iloc[:, 0].astype(str).str.strip().to_numpy() == names[0]]
    repeated = maybe.index[(maybe.apply(lambda c: c.astype(str).str.strip()).to_numpy() == names).all(axis=1)]
    if not len(repeated):
        return frame
    frame = frame.drop(index=repeated).reset_index(drop=True)
    for position, name in enumerate(frame.columns):
        text = frame[name]
        written = text.str.replace(",", ".", regex=False) if decimal == "," else text
        numbers = pd.to_numeric(written, errors="coerce")
        if position not in as_text and numbers.notna().sum() == text.notna().sum():
            frame[name] = numbers
    return frame


TAIL_BYTES = 4_096  # the end of a file read for notes after its table


def tail_of(path: Path, encoding: str) -> str:
    """The last lines of a file (the first of them whole only when the file is that short)."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(size - TAIL_BYTES, 0))
        tail = handle.read().decode(encoding, errors="ignore")
    return tail if size <= TAIL_BYTES else tail.split("\n", 1)[-1]


def one_line(name: str) -> str:
    """A header cell written over several lines (``Temperature`` over ``[°C]``, as a spreadsheet
    wraps it) on one, so that the column can be named on a command line: ``Temperature [°C]``."""
    return " ".join(part.strip() for part in name.splitlines()) if "\n" in name or "\r" in name else name


def empty_marker(frame: pd.DataFrame) -> str | None:
    """The one marker a file writes every empty cell as (``?`` in a household power log), so that
    the splits write theirs the same way; None when cells are left blank or marked several ways."""
    if frame.isna().to_numpy().any():
        return None
    used: set[str] = set()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            values = pd.Series(pd.unique(column), dtype=object)
            text = values[values.map(lambda v: isinstance(v, str))].str.strip()
            used |= set(text[text.str.lower().isin(EMPTY_MARKERS)].unique())
            if len(used) > 1:
                return None
    return used.pop() if used else None


MARKED_CELLS = 1_000  # empty cells of a file looked at to see how it writes them


def empty_written_as(path: Path, frame: pd.DataFrame, options: dict) -> str | None:
    """The marker a file writes its empty cells as when pandas reads it as empty itself (``na``,
    ``NA``, ``NULL`` in a truck fleet's log): read again as text up to its first
    ``MARKED_CELLS`` empty rows; None when some are blank or marked two ways."""
    empty = frame.isna()
    rows = np.flatnonzero(empty.to_numpy().any(axis=1))[:MARKED_CELLS]
    if not len(rows) or len(options["sep"]) > 1:  # runs of spaces: written as NaN (``written_as``)
        return None
    columns = [p for p, has in enumerate(empty.iloc[rows].any().to_numpy()) if has]
    text = pd.read_csv(
        path, **options, nrows=int(rows[-1]) + 1, usecols=columns, dtype=str, keep_default_na=False
    )
    cells = text.iloc[rows].to_numpy()[empty.iloc[rows, columns].to_numpy()]
    used = {str(cell).strip() for cell in cells}
    return used.pop() if len(used) == 1 and "" not in used else None


def two_level_header(header: list[str], below: list[str]) -> list[str] | None:
    """Column names from a header written over two rows, as spreadsheets with merged cells export
    it (``Temperature,,Pressure`` over ``Inlet,Outlet,Main``: ``Temperature Inlet``,
    ``Temperature Outlet``, ``Pressure Main``): when the first row alone leaves names blank or
    twice and the two rows together name every column once. None otherwise (a row of units)."""
    header = [name.strip() for name in header]
    if not below or (all(header) and len(set(header)) == len(header)):
        return None
    names, top = [], ""
    for name, sub in zip(header, [cell.strip() for cell in below] + [""] * len(header)):
        top = name or (top if sub else "")
        names.append(f"{top} {sub}".strip())
    return names if all(names) and len(set(names)) == len(names) else None


def unnamed_columns(count: int) -> list[str]:
    """Names for the columns of a file without a header row, by position: ``column_1``, ..."""
    return [f"column_{position}" for position in range(1, count + 1)]


def named_by_position(columns: list[str]) -> bool:
    """Are these the names ``read_csv`` gives the columns of a file without a header row?"""
    return list(columns) == unnamed_columns(len(columns))


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_workbook(path: Path) -> tuple[pd.DataFrame, str]:
    """The sheet of an Excel workbook (.xlsx) that holds the table, and its name: the sheet with
    the most filled cells, since workbooks often carry a cover, notes or a chart sheet beside it."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise InvalidDataError(str(path), [f"it is not a readable Excel workbook ({error})"]) from None
    filled = {name: int(sheet.notna().to_numpy().sum()) for name, sheet in sheets.items()}
    if not filled or max(filled.values()) == 0:
        raise InvalidDataError(str(path), ["the workbook is empty: none of its sheets holds a table"])
    name = max(filled, key=filled.get)  # the first such sheet on a tie
    sheet = sheets[name]
    if codes := _padded_codes(path, name, sheet):  # read as numbers, 007 became 7
        sheet = pd.read_excel(path, sheet_name=name, engine="openpyxl", dtype=dict.fromkeys(codes, str))
    if any(str(column).startswith("Unnamed: ") for column in sheet.columns):
        sheet = _below_title(pd.read_excel(path, sheet_name=name, header=None, engine="openpyxl"), sheet)
    return _spelled_booleans(sheet.dropna(how="all").reset_index(drop=True)), name  # rows left empty


def _padded_codes(path: Path, name: str, sheet: pd.DataFrame) -> list[str]:
    """Columns of ``sheet`` whose cells are codes of digits written as text, some with leading
    zeros (a station ``007``, a part ``000123``), judged on the first cells under the header."""
    import openpyxl

    whole = [c for c in sheet.columns if pd.api.types.is_integer_dtype(sheet[c]) or sheet[c].dtype == object]
    if not whole:
        return []
    with path.open("rb") as handle:  # by content: an upload's file has no .xlsx suffix
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        rows = list(book[name].iter_rows(min_row=2, max_row=FIRST_SHEET_ROWS + 1, values_only=True))
        book.close()
    codes = []
    for position, column in enumerate(sheet.columns):
        cells = [row[position] for row in rows if position < len(row) and row[position] is not None]
        if column in whole and cells and all(isinstance(c, str) and c.strip().isdigit() for c in cells):
            if any(ZERO_PADDED.fullmatch(c.strip()) for c in cells):
                codes.append(column)
    return codes


FIRST_SHEET_ROWS = 1_000  # rows of a sheet its text codes are judged on
EXCEL_NUMBER = re.compile(
    r'(?P<before>(?:"[^"]*"|[^"#0?,.])*?)(?P<whole>[#?,]*0[#0?,]*)(?:\.(?P<places>0+))?(?P<after>(?:"[^"]*"|[^"#0?])*)'
)


def excel_number_format(code: str) -> str | None:
    """The format (``number_format``'s grammar) of numbers an Excel number format shows: ``0.00``
    as ``{:.2f}``, ``#,##0`` as ``{:,.0f}``, ``"$"#,##0.00`` (or ``[$€-407] #,##0.00``) as
    ``${:,.2f}``, ``0.0 "°C"`` as ``{:.1f} °C``; None for ``General``, percentages, dates and
    anything else, written as they are."""
    section = code.split(";")[0]
    section = re.sub(
        r"\[\$([^\]-]*)(-[0-9A-Fa-f]+)?\]", lambda m: f'"{m.group(1)}"', section
    )  # a locale's currency
    section = re.sub(r"\[[^\]]*\]|_.|\*.", "", section)  # colours and conditions, padding, fill
    section = re.sub(r"\\(.)", r'"\1"', section)  # an escaped character: itself
    found = EXCEL_NUMBER.fullmatch(section.strip())
    if not found:
        return None
    before, after = (re.sub(r'"([^"]*)"', r"\1", found[part]) for part in ("before", "after"))
    if re.search(r"[A-Za-z%]", re.sub(r'"[^"]*"', "", found["before"] + found["after"])):
        return None  # percentages, exponents, dates: shown otherwise than the number
    group = "," if "," in found["whole"] else ""
    return f"{before}{{:{group}.{len(found['places'] or '')}f}}{after}"


def sheet_number_formats(path: Path, name: str, sheet: pd.DataFrame) -> dict[str, str]:
    """The format each column of numbers shows in a sheet when all of them show one (``0.00``,
    ``"$"#,##0.00``), judged on the first cells under the header: as Excel writes it to CSV."""
    import openpyxl

    with path.open("rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        rows = list(book[name].iter_rows(min_row=2, max_row=FIRST_SHEET_ROWS + 1))
        book.close()
    formats = {}
    for position, column in enumerate(sheet.columns):
        if not pd.api.types.is_numeric_dtype(sheet[column]) or pd.api.types.is_bool_dtype(sheet[column]):
            continue
        cells = [row[position] for row in rows if position < len(row)]
        codes = {
            c.number_format
            for c in cells
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
        }
        if len(codes) == 1 and (shown := excel_number_format(codes.pop())):
            formats[str(column)] = shown
    return formats


def _below_title(cells: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """The table under a title a report's sheet starts with (``Shift report - Line 3``, a date,
    a blank row): its header is the first row that fills as many cells as the fullest row does.
    ``sheet`` (read from the first row) when there is no title."""
    filled = cells.notna().sum(axis=1).to_numpy()
    start = int(np.argmax(filled == filled.max()))
    if start == 0:
        return sheet
    table = cells.iloc[start + 1 :].infer_objects().reset_index(drop=True)
    table.columns = [
        str(name) if pd.notna(name) else f"Unnamed: {i}" for i, name in enumerate(cells.iloc[start])
    ]
    return table


def _spelled_booleans(sheet: pd.DataFrame) -> pd.DataFrame:
    """A sheet with its columns of TRUE/FALSE cells as the words Excel shows (and writes in its
    CSV exports), so that the splits write them so rather than as 1/0."""
    flags = [
        c
        for c in sheet.columns
        if sheet[c].notna().any() and sheet[c].dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all()
    ]
    spelled = {c: sheet[c].map(lambda v: v if pd.isna(v) else ("TRUE" if v else "FALSE")) for c in flags}
    return sheet.assign(**spelled) if spelled else sheet


def units_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A sheet whose first row gives units (``°C``, ``bar``) over columns of numbers: the table
    without that row, those columns as numbers, and the units; the sheet as it is otherwise."""
    if len(frame) < 3:
        return frame, {}
    first, rest = frame.iloc[0], frame.iloc[1:]
    if any(isinstance(v, (int, float)) and not pd.isna(v) and not isinstance(v, bool) for v in first):
        return frame, {}
    numeric = [
        column
        for column in frame.columns
        if rest[column].notna().any()
        and pd.to_numeric(rest[column], errors="coerce").notna().sum() == rest[column].notna().sum()
    ]
    units = {
        str(c): str(first[c]).strip()
        for c in numeric
        if isinstance(first[c], str) and not empty_cell(first[c])
    }
    if not numeric or len(units) < len(numeric) / 2:
        return frame, {}
    rest = rest.reset_index(drop=True)
    return rest.assign(**{c: pd.to_numeric(rest[c]) for c in numeric}), units


@contextmanager
def _unpacked(path: Path, head: bytes) -> Iterator[Path]:
    """The file inside a gzip file, or inside a zip archive holding one file (or one CSV, text,
    JSON or Parquet file among others), unpacked to a temporary folder: logs are often shared
    compressed."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "unpacked"
        try:
            if head.startswith(GZIP):
                with gzip.open(path) as packed, target.open("wb") as out:
                    shutil.copyfileobj(packed, out)
            else:
                with zipfile.ZipFile(path) as archive:
                    members = [m for m in archive.infolist() if not m.is_dir()]
                    texts = [m for m in members if m.filename.lower().endswith(TABLE_SUFFIXES)]
                    texts = members if len(members) == 1 else texts
                    if len(texts) != 1:
                        names = ", ".join(m.filename for m in members[:10]) or "nothing"
                        kinds = "CSV, text, JSON or Parquet file"
                        raise InvalidDataError(
                            str(path), [f"a zip archive must hold exactly one {kinds}; it holds {names}"]
                        )
                    with archive.open(texts[0]) as packed, target.open("wb") as out:
                        shutil.copyfileobj(packed, out)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
            raise InvalidDataError(str(path), [f"it cannot be unpacked ({error})"]) from None
        yield target


def utf16_of(head: bytes) -> str | None:
    """``utf-16`` for UTF-16 text with its byte-order mark (as Excel saves "Unicode Text"),
    ``utf-16-le``/``-be`` for text without one whose every other byte is NUL; else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = len(head) // 2
    if pairs >= 4 and head[1 : 2 * pairs : 2].count(0) == pairs and head[0 : 2 * pairs : 2].count(0) == 0:
        return "utf-16-le"
    if pairs >= 4 and head[0 : 2 * pairs : 2].count(0) == pairs and head[1 : 2 * pairs : 2].count(0) == 0:
        return "utf-16-be"
    return None


@contextmanager
def _in_utf8(path: Path, encoding: str) -> Iterator[Path]:
    """A UTF-16 text file copied as UTF-8 to a temporary folder, for the CSV reader, which reads
    text one byte per ASCII character."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "utf8"
        try:
            with path.open(encoding=encoding, newline="") as text, target.open("w", encoding="utf-8") as out:
                shutil.copyfileobj(text, out)
        except UnicodeError as error:
            raise InvalidDataError(str(path), [f"it is not readable UTF-16 text ({error})"]) from None
        yield target


SEPARATORS = {";": "';'", "\t": "tabs", "|": "'|'", " ": "runs of spaces"}


DURATION_FORMATS = ("[h]:mm:ss", "[hh]:mm:ss", "[h]:mm", "[hh]:mm")  # seconds written as hours and minutes


def limits_of(number_format: str) -> list[str]:
    """The detection limits a lab report writes in place of readings beyond them, as they lead
    ``number_format`` (``<0.05 >5000 {:.2f}``: ``<0.05``, ``>5000``)."""
    if number_format in DURATION_FORMATS:
        return []
    return [t for t in number_format[: number_format.index("{")].split() if t[0] in "<>"]


def prefix_of(number_format: str) -> str:
    """What is written before each number of a column written as ``number_format`` (a currency:
    ``$`` of ``${:,.2f}``, ``€ `` of ``€ {:.2f}``); never a detection limit."""
    if number_format in DURATION_FORMATS or limits_of(number_format):
        return ""
    return number_format[: number_format.index("{")]


def limit_number(limit: str, decimal: str = ".") -> float:
    """The number of a limit (``<0,05`` with decimal commas: 0.05)."""
    number = limit[1:].strip()
    return float(number.replace(",", ".") if decimal == "," else number)


def limit_value(limit: str, decimal: str = ".") -> float:
    """The number a limit's cells are read as: one step of its last digit beyond it (``<0.05``:
    0.04, ``<1``: 0, ``>5000``: 5001), below every reading a ``<`` limit leaves, above a ``>``'s."""
    number = limit[1:].strip()
    places = len(number.split(decimal)[1]) if decimal in number else 0
    step = 10.0**-places * (-1 if limit[0] == "<" else 1)
    return round(limit_number(limit, decimal) + step, places)


def suffix_of(number_format: str) -> str:
    """What is written after each number of a column written as ``number_format`` (`` °C``)."""
    return "" if number_format in DURATION_FORMATS else number_format[number_format.rindex("}") + 1 :]


def unit_of(number_format: str) -> str:
    if number_format in DURATION_FORMATS:
        return number_format.replace("[", "").replace("]", "")
    return suffix_of(number_format).strip() or prefix_of(number_format).strip()


def as_duration(seconds: float, number_format: str) -> str:
    """Seconds as ``number_format`` writes them: ``[h]:mm:ss`` gives ``1234:05:33``."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600) if whole >= 0 else (0, 0)
    text = f"{hours:02d}" if number_format.startswith("[hh]") else str(hours)
    return text + f":{rest // 60:02d}" + (f":{rest % 60:02d}" if number_format.endswith(":ss") else "")


GROUP_MARKS = ",' \u00a0\u202f"  # after the colon of a number format: how its thousands are grouped


def group_mark(number_format: str, decimal: str = ".") -> str:
    """How ``number_format`` groups thousands: ``{:,.2f}`` by the mark the decimal mark leaves
    (``1,234.50``, ``1.234,50``), ``{:'.2f}`` by an apostrophe, ``{: .2f}`` by a space; empty
    when it does not."""
    if number_format in DURATION_FORMATS:
        return ""
    spec = number_format[number_format.index("{") :]
    mark = spec[2] if spec.startswith("{:") and len(spec) > 2 and spec[2] in GROUP_MARKS else ""
    return ("." if decimal == "," else ",") if mark == "," else mark


def groups_thousands(number_format: str) -> bool:
    """Does ``number_format`` group thousands (``{:,.2f}``, ``{:'.2f}``, ``{: .2f}``)?"""
    return bool(group_mark(number_format))


def read_with(text: pd.Series, number_format: str, decimal: str = ".") -> pd.Series:
    """The numbers of cells written as ``number_format``: what ``written_with`` wrote, read back."""
    if number_format in DURATION_FORMATS:
        parts = text.str.extract(r"^\s*(\d+):(\d\d)(?::(\d\d))?\s*$").astype(float)
        return 3600 * parts[0] + 60 * parts[1] + parts[2].fillna(0)
    number = text.str.strip().str.removeprefix(prefix_of(number_format).strip()).str.strip()
    number = number.str.removesuffix(suffix_of(number_format).strip())
    if group := group_mark(number_format, decimal):
        number = number.str.replace(group, "", regex=False)
    number = number.str.replace(",", ".", regex=False) if decimal == "," else number
    numbers = pd.to_numeric(number, errors="coerce")
    for limit in limits_of(number_format):
        numbers = numbers.mask(text.str.strip() == limit, limit_value(limit, decimal))
    return numbers


def beyond_limit(value: float, limits: dict[str, tuple[float, float]], below: bool) -> str | None:
    """The limit to write for ``value`` (limits with their number and the value their cells are
    read as): beyond every limit, the one whose cells read nearest; beyond only some (a lab that
    changed its method: ``<0.05`` and ``<0.1``), one it is at least as far beyond as its cells
    are read, else none: a reading the finer method made."""
    past = {t: read for t, (edge, read) in limits.items() if (value < edge if below else value > edge)}
    edges = [edge for edge, _ in limits.values()]
    if past and not (value < min(edges) if below else value > max(edges)):
        past = {t: read for t, read in past.items() if (value <= read if below else value >= read)}
    return min(past, key=lambda t: abs(past[t] - value)) if past else None


def written_with(numbers: pd.Series, number_format: str, decimal: str = ".") -> pd.Series:
    """Numbers as text in ``number_format`` (``{:.1f} °C``; ``{}``: as they are, whole ones without
    ``.0``; ``{:,.2f}``: thousands grouped; a duration's ``[h]:mm:ss``); empty cells stay empty
    (written as the file's empty marker)."""
    if number_format in DURATION_FORMATS:
        return numbers.astype(object).map(lambda v: v if pd.isna(v) else as_duration(v, number_format))

    start, cut = number_format.index("{"), number_format.rindex("}") + 1
    group = group_mark(number_format, decimal)
    spec = number_format[start:cut]
    spec = spec.replace(spec[2], ",", 1) if group else spec  # Python groups by "," only
    as_written = spec in ("{}", "{:,}")
    marks = str.maketrans({",": group, ".": decimal})  # Python's marks, as the file writes them
    lows, highs = ({t: t for t in limits_of(number_format) if t[0] == side} for side in "<>")
    lows = {t: (limit_number(t, decimal), limit_value(t, decimal)) for t in lows}
    highs = {t: (limit_number(t, decimal), limit_value(t, decimal)) for t in highs}

    def text(value: float) -> str:
        if limit := beyond_limit(value, lows, below=True) or beyond_limit(value, highs, below=False):
            return limit
        if as_written and float(value).is_integer():
            value = int(value)
        return prefix + spec.format(value).translate(marks) + number_format[cut:]

    prefix = prefix_of(number_format)
    if lows or highs or as_written:
        return numbers.astype(object).map(lambda v: v if pd.isna(v) else text(v))
    written = numbers.astype("float64").map(spec.format, na_action="ignore").astype(object)  # 8x faster
    if group:
        written = written.str.translate(marks)
    elif decimal != ".":
        written = written.str.replace(".", decimal, regex=False)
    written = prefix + written if prefix else written
    return written + number_format[cut:] if cut < len(number_format) else written


def _listed(columns: list[str], most: int = 4) -> str:
    """The first ``most`` columns, ``...`` standing for the rest."""
    return ", ".join(columns[:most]) + (", ..." if len(columns) > most else "")


def _first_columns(parts: dict[str, str], most: int = 4) -> str:
    """``column what`` for the first ``most`` columns, ``...`` standing for the rest."""
    shown = "; ".join(f"{column} {what}" for column, what in list(parts.items())[:most])
    return shown + ("; ..." if len(parts) > most else "")


def reading_notes(
    columns: list[str],
    csv_format: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
    long: dict | None = None,
    what: str | None = None,
    number_formats: dict[str, str] | None = None,
    status_cells: dict[str, list[str]] | None = None,
    no_reading: dict[str, str] | None = None,
) -> list[str]:
    """How a table was read, in words, for the CLI and the Machine panel: the file kind, a
    delimiter or decimal mark other than ``,`` and ``.``, no header row, a units row, statuses in
    place of readings, a long table widened. Empty for a plain CSV."""
    csv_format, units, number_formats = csv_format or {}, units or {}, number_formats or {}
    notes = []
    if what and re.match(r"\d+ files \(", what):
        notes.append(f"{what}: their rows joined in one table, in that order")
    if what and what.startswith("JSON file ") and (nested := [c for c in columns if "." in c]):
        notes.append(f"JSON records: nested values as columns named by their path ({_listed(nested)})")
    if what and what.startswith("Excel ") and "(sheet " in what:
        sheet = what.rsplit("(sheet ", 1)[1].rstrip(")")
        notes.append(f"an Excel workbook: its sheet {sheet} was read (the one with the most filled cells)")
    written = []
    if csv_format.get("sep", ",") != ",":
        written.append(f"fields separated by {SEPARATORS.get(csv_format['sep'], repr(csv_format['sep']))}")
    if csv_format.get("decimal", ".") != ".":
        written.append("decimal commas")
    if csv_format.get("na_rep"):
        written.append(f"empty cells written as {csv_format['na_rep']!r}")
    with_unit = {c: f for c, f in number_formats.items() if unit_of(f)}
    if with_unit:
        written.append(
            "numbers written with their unit: "
            + _listed([f"{c} [{unit_of(f)}]" for c, f in with_unit.items()])
        )
    if grouped := [c for c, f in number_formats.items() if groups_thousands(f)]:
        written.append("thousands grouped in " + _listed(grouped))
    if scientific := [c for c, f in number_formats.items() if re.fullmatch(r"\{:\.\d+[eE]\}", f)]:
        written.append("scientific notation in " + _listed(scientific))
    if fixed := [f"{c} ({f[3:-2]})" for c, f in number_formats.items() if re.fullmatch(r"\{:\.\d+f\}", f)]:
        written.append("numbers with fixed decimals: " + _listed(fixed))
    if written:
        notes.append(" and ".join(written))
    if limited := {c: limits_of(f) for c, f in number_formats.items() if limits_of(f)}:
        decimal = csv_format.get("decimal", ".")
        notes.append(
            "readings beyond a detection limit, read one step beyond it (and written back as the limit): "
            + _first_columns(
                {
                    c: ", ".join(f"{t} (as {limit_value(t, decimal):g})" for t in limits)
                    for c, limits in limited.items()
                }
            )
        )
    if named_by_position(list(columns)):
        notes.append(f"no header row: its columns are named by position ({columns[0]} ... {columns[-1]})")
    units = {c: u for c, u in units.items() if c not in with_unit}  # those written in the cells
    if units:
        shown = ", ".join(f"{c} [{u}]" for c, u in list(units.items())[:4])
        notes.append(f"a row of units under the header: {shown}" + (", ..." if len(units) > 4 else ""))
    if status_cells:
        notes.append(
            "statuses in place of readings, read as empty cells (and written back empty): "
            + _first_columns(
                {
                    c: f"({', '.join(map(repr, texts[:3]))}{', ...' if len(texts) > 3 else ''})"
                    for c, texts in status_cells.items()
                }
            )
        )
    if no_reading:
        notes.append(
            "a number written where there was no reading, read as an empty cell (and written back so): "
            + _first_columns(no_reading)
        )
    if long:
        left_out = long.get("per_tag", []) + long.get("per_reading", [])
        notes.append(
            f"read as a long table: one row per {' and '.join(long['keys'])}, a column per "
            f"{long['tag']!r} with its {long['value']!r}"
            + (f" (left out: {', '.join(left_out)})" if left_out else "")
        )
    return notes
