"""How a CSV file is written: its delimiter and decimal mark, and whether it has a header row,
found from its first lines, so that a log is read as it was written and the splits generated from
it are written the same way."""

from __future__ import annotations

import csv
import os
import re

HEAD_BYTES = 8192  # the first lines the dialect is read from
DELIMITERS = ",;\t|"
WHITESPACE = " "  # columns separated by runs of spaces (aligned text logs, CMAPSS-style)
DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
DECIMAL_POINT = re.compile(r"[-+]?\d*\.\d+")
NUMBER = {".": re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"), ",": re.compile(r"[-+]?(\d+,?\d*|,\d+)")}


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line (quotes respected; runs of spaces are one separator)."""
    if delimiter == WHITESPACE:
        return next(csv.reader([line.strip()], delimiter=" ", skipinitialspace=True), [])
    return next(csv.reader([line], delimiter=delimiter), [])


def _lines(head: str, whole: bool) -> list[str]:
    lines = head.splitlines()
    if not whole:
        lines = lines[:-1]  # the last line may be cut short
    return [line for line in lines if line.strip()][:50]


def csv_dialect(head: str, whole: bool) -> tuple[str, str]:
    """The delimiter and decimal mark of a CSV from its first bytes (``whole``: the file's all).

    The delimiter is the one that splits the header into the most fields and every following
    line into as many (quotes respected): test benches and spreadsheets in many countries write
    ``;`` or tabs, and text logs align their columns with spaces. A file not separated by ``,``
    whose numbers are written like ``0,25`` has decimal commas.
    """
    lines = _lines(head, whole)
    best, most = ",", 1
    for delimiter in DELIMITERS:
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(widths) == 1 and (width := widths.pop()) > most:
            best, most = delimiter, width
    if most == 1 and lines:
        widths = {len(split_line(line, WHITESPACE)) for line in lines}
        best = WHITESPACE if len(widths) == 1 and widths.pop() > 1 else best
    if best == ",":
        return best, "."
    cells = [cell.strip() for line in lines[1:] for cell in split_line(line, best)]
    commas = any(DECIMAL_COMMA.fullmatch(cell) for cell in cells)
    points = any(DECIMAL_POINT.fullmatch(cell) for cell in cells)
    return best, "," if commas and not points else "."


def has_header(head: str, whole: bool, delimiter: str, decimal: str) -> bool:
    """Does the first line name the columns? Not when every field of it is a number in the range
    its column takes in the next lines (widened by that range on both sides, so that a cycle
    counter starting at 1 counts), as in sensor logs exported without names; a header of numbers
    naming bins or frequencies lies far outside the values under it."""
    rows = [split_line(line, delimiter) for line in _lines(head, whole)]
    number = NUMBER[decimal]
    if len(rows) < 2 or not all(number.fullmatch(cell.strip()) for cell in rows[0]):
        return True

    def value(cell: str) -> float | None:
        cell = cell.strip()
        return float(cell.replace(",", ".")) if number.fullmatch(cell) else None

    inside = 0
    for position, cell in enumerate(rows[0]):
        below = [v for row in rows[1:] if position < len(row) and (v := value(row[position])) is not None]
        if below:
            low, high = min(below), max(below)
            inside += low - (high - low) <= value(cell) <= high + (high - low)
    return inside < 0.8 * len(rows[0])


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
