"""How a CSV file is written: its delimiter and decimal mark, found from its first lines, so that
a log is read as it was written and the splits generated from it are written the same way."""

from __future__ import annotations

import csv
import os
import re

HEAD_BYTES = 8192  # the first lines the dialect is read from
DELIMITERS = ",;\t|"
DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
DECIMAL_POINT = re.compile(r"[-+]?\d*\.\d+")


def csv_dialect(head: str, whole: bool) -> tuple[str, str]:
    """The delimiter and decimal mark of a CSV from its first bytes (``whole``: the file's all).

    The delimiter is the one that splits the header into the most fields and every following
    line into as many (quotes respected): test benches and spreadsheets in many countries write
    ``;`` or tabs. A ``;`` or tab file whose numbers are written like ``0,25`` has decimal commas.
    """
    lines = head.splitlines()
    if not whole:
        lines = lines[:-1]  # the last line may be cut short
    lines = [line for line in lines if line.strip()][:50]
    best, most = ",", 1
    for delimiter in DELIMITERS:
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(widths) == 1 and (width := widths.pop()) > most:
            best, most = delimiter, width
    if best == ",":
        return best, "."
    cells = [cell.strip() for row in csv.reader(lines[1:], delimiter=best) for cell in row]
    commas = any(DECIMAL_COMMA.fullmatch(cell) for cell in cells)
    points = any(DECIMAL_POINT.fullmatch(cell) for cell in cells)
    return best, "," if commas and not points else "."


def dialect_of(head: bytes, whole: bool) -> tuple[str, str]:
    """``csv_dialect`` of a file's first bytes."""
    return csv_dialect(head.decode("utf-8-sig", errors="ignore"), whole)


def file_dialect(path: str | os.PathLike) -> tuple[str, str]:
    """The delimiter and decimal mark of the CSV file at ``path``."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    return dialect_of(head, len(head) < HEAD_BYTES)


def written_as(delimiter: str, decimal: str) -> dict[str, str]:
    """``to_csv`` / ``read_csv`` options for a dialect; empty for pandas' own (``,`` and ``.``)."""
    return {} if (delimiter, decimal) == (",", ".") else {"sep": delimiter, "decimal": decimal}
