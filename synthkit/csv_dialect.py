"""How a CSV file is written: its delimiter and decimal mark, where the table starts (after a
logger's notes), whether it has a header row and a row of units under it, all found from its
first lines, so that a log is read as it was written and the splits made from it are written the
same way."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

HEAD_BYTES = 8192  # the first lines the dialect is read from
DELIMITERS = ",;\t|"
WHITESPACE = " "  # columns separated by runs of spaces (aligned text logs, CMAPSS-style)
MAX_PREAMBLE = 20  # lines of notes a logger may write before the table
MAX_BELOW_HEADER = 3  # rows of units (and the like) a logger may write under the header
DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
DECIMAL_POINT = re.compile(r"[-+]?\d*\.\d+")
GROUPED_BY_POINTS = re.compile(
    r"[-+]?\d{1,3}(\.\d{3})+"
)  # 51.000, 1.234.567: thousands where commas are decimal
# how loggers and spreadsheets write an empty number cell (pandas reads only some as empty)
EMPTY_MARKERS = frozenset(
    {"?", "-", "--", ".", "n/a", "na", "nan", "null", "missing"}
    | {"#n/a", "#value!", "#div/0!", "#ref!", "#name?", "#num!", "#null!"}  # a spreadsheet's errors
)
# a logger's number for no reading: -9999, 99999.9, an int16's or a uint16's end, or past 1e30
NO_READING = re.compile(r"-?9{3,}(\.9+)?|-?3276[78]|65535|[-+]?\d(\.\d+)?[eE]\+?[3-9]\d")
EXCEL_HINT = re.compile(r"sep=.")
LOGGER_TITLE = re.compile(r'"?(TOA5|TOACI1)"?(,|$)')  # a Campbell logger's first line: station, logger, table
NUMBER = {".": re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"), ",": re.compile(r"[-+]?(\d+,?\d*|,\d+)")}


@dataclass(frozen=True)
class Layout:
    """Where a file's table is: the lines that are not part of it (notes before it, rows of units
    under its header), whether its first line names the columns, and the units of each column."""

    skipped: tuple[int, ...] = ()  # line numbers of the file, from 0
    header: bool = True
    units: tuple[str, ...] = ()


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line, or record (quotes respected, line breaks within them kept; runs of
    spaces are one separator)."""
    if delimiter == WHITESPACE:
        return next(csv.reader([line.strip()], delimiter=" ", skipinitialspace=True), [])
    return next(csv.reader(line.splitlines(keepends=True) or [""], delimiter=delimiter), [])


def _width(line: str, delimiter: str) -> int:
    """How many fields a line has; none for the ``sep=;`` line Excel writes and reads first, nor
    for a data logger's title line (``"TOA5","CR1000",...``), often wider than its table."""
    note = EXCEL_HINT.fullmatch(line.strip()) or LOGGER_TITLE.match(line.strip())
    return 0 if note else len(split_line(line, delimiter))


MAX_RECORD_LINES = 4  # lines one record may span: a header cell written over two or three lines


def _lines(head: str, whole: bool) -> list[tuple[int, str]]:
    """The file's first records that are not blank, with their numbers as pandas counts them: a
    line each, but for a quoted cell holding line breaks (``"Temperature\n[°C]"``, as a
    spreadsheet's wrapped header cells export), which keeps its record on one."""
    lines = head.splitlines()
    if not whole:
        lines = lines[:-1]  # the last line may be cut short
    return [(number, line) for number, line in enumerate(records(lines)) if line.strip()][: MAX_PREAMBLE + 50]


def records(lines: Iterable[str]) -> Iterator[str]:
    """Lines (line ends left out) joined where a quoted cell spans several, at most
    ``MAX_RECORD_LINES``: one per record, as pandas numbers them for ``skiprows``."""
    record: list[str] = []
    quotes = 0
    for line in lines:
        record.append(line.rstrip("\r\n"))
        quotes += record[-1].count('"')
        if quotes % 2 == 0:
            yield "\n".join(record)
            record, quotes = [], 0
        elif len(record) == MAX_RECORD_LINES:  # a stray quote, not a cell: lines as they are
            yield from record
            record, quotes = [], 0
    yield from record


def _table_start(widths: list[int]) -> tuple[int, int]:
    """(where the table starts, its width): the first line from which every line has as many
    fields, more than one, with every line before it narrower (notes, comments) and any after it
    too (``Records: 600`` under a small file's table); (0, 1) if none."""
    end = len(widths)
    while end > 2 and len(widths) - end < MAX_PREAMBLE and widths[end - 1] < max(widths[: end - 1]):
        end -= 1
    widths = widths[:end]
    for start in range(min(MAX_PREAMBLE, max(len(widths) - 2, 0)) + 1):
        rest = set(widths[start:])
        if len(rest) == 1 and (width := rest.pop()) > 1 and all(w < width for w in widths[:start]):
            return start, width
    return 0, 1


def csv_dialect(head: str, whole: bool) -> tuple[str, str]:
    """The delimiter and decimal mark of a CSV from its first bytes (``whole``: the file's all).

    The delimiter is the one that splits the header into the most fields and every following
    line into as many (quotes respected), after any narrower lines of notes: test benches and
    spreadsheets in many countries write ``;`` or tabs, and text logs align their columns with
    spaces. A file not separated by ``,`` whose numbers are written like ``0,25`` (or
    ``29.184,6``) has decimal commas, unless others are written like ``0.25`` (``51.000`` could be
    either: thousands grouped by points).
    """
    lines = [line for _, line in _lines(head, whole)]
    best, most, first = ",", 1, 0
    for delimiter in (*DELIMITERS, WHITESPACE):
        if delimiter == WHITESPACE and most > 1:
            break  # spaces separate fields only where nothing else does
        start, width = _table_start([_width(line, delimiter) for line in lines])
        if width > most or (width == most > 1 and start < first):
            best, most, first = delimiter, width, start
    cells = [cell.strip() for line in lines[first + 1 :] for cell in split_line(line, best)]
    if best == ",":
        return best, "," if _quoted_decimal_commas(cells) else "."
    # 29.184,6 has decimal commas too; 51.000 says nothing (51 or 51,000)
    commas = any(
        DECIMAL_COMMA.fullmatch(cell) or GROUPED_BY_POINTS.match(cell) and "," in cell for cell in cells
    )
    points = any(DECIMAL_POINT.fullmatch(cell) and not GROUPED_BY_POINTS.fullmatch(cell) for cell in cells)
    return best, "," if commas and not points else "."


QUOTED_DECIMAL_COMMA = re.compile(r"[-+]?\d*,(\d{1,2}|\d{4,})")  # 1,234 could be a thousand


def _quoted_decimal_commas(cells: list[str]) -> bool:
    """Are numbers written with decimal commas in this comma-separated file? Then each is quoted
    (``"60,1"``, as some exports write them; read as text they became categories): some cell is
    one that cannot be a thousand (``1,234``), and no cell is written with a decimal point."""
    points = any(DECIMAL_POINT.fullmatch(cell) or ("," in cell and "." in cell) for cell in cells)
    return not points and any(QUOTED_DECIMAL_COMMA.fullmatch(cell) for cell in cells)


def layout(head: str, whole: bool, delimiter: str, decimal: str) -> Layout:
    """Where the table of a file written in this dialect is (``Layout``)."""
    numbered = _lines(head, whole)
    rows = [split_line(line, delimiter) for _, line in numbered]
    start, _ = _table_start([_width(line, delimiter) for _, line in numbered])
    notes = tuple(number for number, _ in numbered[:start])
    rows, numbers = rows[start:], [number for number, _ in numbered[start:]]
    if not _has_header(rows, decimal):
        return Layout(notes, header=False)
    below = _rows_below_header(rows[1:], decimal)
    units = tuple(cell.strip() for cell in rows[1]) if below else ()
    return Layout(notes + tuple(numbers[1 : 1 + below]), header=True, units=units)


MAX_FOOTER = 10  # lines after a table that can be notes (``Records: 600``, ``Exported by ...``)


def footer_lines(tail: str, delimiter: str, width: int) -> int:
    """How many of the last lines of a file (``tail``: its end) are notes after the table, not
    rows: lines narrower than its ``width`` columns after its last row of that width, as a
    report's export ends with a count or who exported it. Blank lines are not counted."""
    count = 0
    for line in reversed([line for line in tail.splitlines() if line.strip()]):
        if _width(line, delimiter) >= width:
            return count
        count += 1
        if count > MAX_FOOTER:
            break
    return 0


def empty_cell(cell: str) -> bool:
    """Is a cell written empty (blank, or a marker such as ``n/a``)?"""
    return not cell.strip() or cell.strip().lower() in EMPTY_MARKERS


def _is_number(cell: str, decimal: str) -> bool:
    return bool(NUMBER[decimal].fullmatch(cell.strip()))


def _rows_below_header(rows: list[list[str]], decimal: str) -> int:
    """How many rows under the header are not data but units (``°C``, ``[bar]``) or the like, as
    data loggers write them: rows without a single number, over columns that hold numbers below
    them, with text in at least half of those columns (not ``n/a`` and the like: a first reading
    the logger missed is data)."""
    below, most = 0, min(MAX_BELOW_HEADER, len(rows) - 2)
    while below < most and not any(_is_number(cell, decimal) for cell in rows[below]):
        below += 1
    if not below:
        return 0
    data = rows[below:]
    cells = [[row[p] for row in data if p < len(row)] for p in range(len(rows[0]))]
    numeric = [
        position
        for position, column in enumerate(cells)
        if any(_is_number(c, decimal) for c in column)
        and all(_is_number(c, decimal) or empty_cell(c) for c in column)
    ]
    named = [p for p in numeric if not empty_cell(rows[0][p])]
    return below if numeric and len(named) >= len(numeric) / 2 else 0


def _has_header(rows: list[list[str]], decimal: str) -> bool:
    """Does the first row name the columns? Not when the field over every column of numbers is a
    number in the range that column takes in the next rows (widened by that range on both sides,
    so that a cycle counter starting at 1 counts), as in logs exported without names; a name over
    numbers is a header, and so are numbers naming bins or frequencies, far outside the values
    under them."""
    if len(rows) < 2:
        return True

    def value(cell: str) -> float | None:
        return float(cell.strip().replace(",", ".")) if _is_number(cell, decimal) else None

    inside = numeric = 0
    for position, cell in enumerate(rows[0]):
        cells = [row[position] for row in rows[1:] if position < len(row)]
        below = [v for c in cells if (v := value(c)) is not None]
        if not below or not all(_is_number(c, decimal) or empty_cell(c) for c in cells):
            continue  # a column of text (or of nothing) says nothing: its names and values are words
        numeric += 1
        if (first := value(cell)) is None:
            return True
        low, high = min(below), max(below)
        inside += low - (high - low) <= first <= high + (high - low)
    return numeric == 0 or inside < 0.8 * numeric


def dialect_of(head: bytes, whole: bool) -> tuple[str, str]:
    """``csv_dialect`` of a file's first bytes."""
    return csv_dialect(head.decode("utf-8-sig", errors="ignore"), whole)


def file_dialect(path: str | os.PathLike) -> tuple[str, str]:
    """The delimiter and decimal mark of the CSV file at ``path``."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    return dialect_of(head, len(head) < HEAD_BYTES)


def written_as(delimiter: str, decimal: str) -> dict[str, str]:
    """``to_csv`` options for a dialect; empty for pandas' own (``,`` and ``.``). Whitespace-
    separated logs are written with one space between fields and ``NaN`` in empty cells (an empty
    field would vanish in the run of spaces around it)."""
    if (delimiter, decimal) == (",", "."):
        return {}
    empty = {"na_rep": "NaN"} if delimiter == WHITESPACE else {}
    return {"sep": delimiter, "decimal": decimal, **empty}


def read_options(delimiter: str) -> dict[str, str]:
    """``read_csv``'s separator for a delimiter: runs of spaces for whitespace-separated files."""
    return {"sep": r"\s+" if delimiter == WHITESPACE else delimiter}


MILLISECONDS = "%L"  # in a timestamp format: the first 3 of strftime's 6 digits of ``%f`` (``.250``)


def parse_format(written: str) -> str:
    """The format that reads back what ``written`` writes: ``%d`` reads ``1`` as well as ``01``,
    and strptime knows no ``%-d``; ``%f`` reads milliseconds."""
    return written.replace("%-", "%").replace(MILLISECONDS, "%f")


def written_times(times: pd.Series, written: str) -> pd.Series:
    """Timestamps as text in ``written``, a ``strftime`` format that may hold ``%L``: loggers
    write milliseconds (``10:00:01.250``), strftime only microseconds."""
    if MILLISECONDS not in written:
        return times.dt.strftime(written)
    text = times.dt.strftime(written.replace(MILLISECONDS, "%f\ue000"))
    return text.str.replace(r"(\d{3})\d{3}\ue000", r"\1", regex=True)


ZERO_PADDED = re.compile(r"0\d+")
TRUE_FALSE = frozenset({"true", "false"})  # read by pandas, in any case, as booleans
SCIENTIFIC = re.compile(r"[-+]?\d[.,]\d+[eE][-+]\d{2,3}")  # 1.10E-03, 1,10E-03: one format for all


def _head_cells(head: str, whole: bool, delimiter: str, table: Layout) -> list[list[str]]:
    """The filled cells of each column in the file's first lines, by position."""
    rows = [
        split_line(line, delimiter) for number, line in _lines(head, whole) if number not in table.skipped
    ][1 if table.header else 0 :]
    width = max((len(row) for row in rows), default=0)
    return [[row[p].strip() for row in rows if p < len(row) and row[p].strip()] for p in range(width)]


def read_as_text(head: str, whole: bool, delimiter: str, table: Layout) -> list[int]:
    """Positions of the columns to read as text, each cell kept as written (judged on the file's
    first lines): codes of digits, some with leading zeros (a station ``007``, a part ``000123``),
    read as numbers ``007`` became 7 and the parts were modelled as amounts; and TRUE/FALSE flags
    of a spreadsheet export, read as booleans they were written back as 1/0; and numbers in
    scientific notation (``1.10E-03``), so that the splits write them so."""
    columns = _head_cells(head, whole, delimiter, table)
    return [
        position
        for position, cells in enumerate(columns)
        if cells
        and (
            (all(c.isdigit() for c in cells) and any(ZERO_PADDED.fullmatch(c) for c in cells))
            or {c.lower() for c in cells} <= TRUE_FALSE
            or all(SCIENTIFIC.fullmatch(c) for c in cells)
        )
    ]


MIN_FIXED_CELLS = 5  # numbers a column shows in the first lines before its decimals count as fixed


def fixed_decimals(head: str, whole: bool, delimiter: str, decimal: str, table: Layout) -> dict[int, int]:
    """Positions of the columns of numbers written with a fixed count of decimals, trailing zeros
    included (``12.50``, ``4,10``: a spreadsheet's or a logger's number format), and that count,
    judged on the file's first lines: every number with as many decimals, some ending in 0 (read
    as numbers, ``4,10`` would be written back ``4,1``)."""
    number = re.compile(r"[-+]?\d+" + re.escape(decimal) + r"(\d+)")
    found = {}
    for position, cells in enumerate(_head_cells(head, whole, delimiter, table)):
        written = [cell for cell in cells if not empty_cell(cell) and not NO_READING.fullmatch(cell)]
        places = {len(m.group(1)) if (m := number.fullmatch(cell)) else 0 for cell in written}
        if len(written) >= MIN_FIXED_CELLS and len(places) == 1 and 0 not in places:
            if any(cell.endswith("0") for cell in written):
                found[position] = places.pop()
    return found
