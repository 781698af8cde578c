"""SDMetrics' quality score, vectorized: the check early stopping runs every few epochs.

``quality_score(real, synthetic, metadata)`` gives the overall score of sdmetrics' single-table
``QualityReport`` (sdmetrics 0.32; tests/test_fast_quality.py holds it to within 0.002 of the
report) in milliseconds instead of about 0.2 s: every column is read once into numbers or integer
codes, and every pair is scored with numpy on those instead of pandas group-bys. The report itself
(``synthkit.evaluation``) still uses SDMetrics. The definitions, from sdmetrics'
reports/single_table/_properties, single_column/statistical and column_pairs/statistical:

- Column Shapes: the mean over the columns of KSComplement for numerical and datetime columns
  (1 - the two-sample Kolmogorov-Smirnov statistic of the present values, floats rounded to 14
  decimals) and TVComplement for categorical, ordinal and boolean ones (1 - the total variation
  distance between the shares of the present values).
- Column Pair Trends: the mean over the pairs that meet the report's thresholds of
  CorrelationSimilarity for two continuous columns (1 - |r_real - r_synthetic| / 2, Pearson's r on
  the rows where both are present; a pair counts when |r_real| > 0.5 and neither column is
  constant) and ContingencySimilarity for the other pairs (1 - the total variation distance of
  the joint shares, a missing value being one more category; a continuous column of a mixed pair
  is cut into 10 equal-width bins over its own range in each table, as sdmetrics does; a pair
  counts when Cramér's V of the real table > 0.3).
- The overall score: the mean of the two (Column Shapes alone when no pair counts).

Of a table wider than ``PAIR_COLUMNS`` scored columns, Column Pair Trends is scored on the pairs
of that many columns drawn at random (``pair_columns``, the same ones every time), here and in
synthkit's report: a wafer line's 590 sensors make 174,000 pairs, 18 minutes in SDMetrics.

Columns of other sdtypes (id, pii, unknown) are left out, as the report leaves them. Datetime
columns count in nanoseconds, text ones parsed with the metadata's ``datetime_format``; one that
cannot be parsed is left out (the report scores it NaN, which its means skip). Where this scorer
differs: the report samples 50,000 rows of larger tables for contingency pairs at random (this
reads every row), and it gives a category only in the synthetic table a real share of 1e-6.
"""

from __future__ import annotations

import math
import sys
import zlib
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "ordinal", "boolean")
CORRELATION_THRESHOLD = 0.5  # sdmetrics.reports.utils.DEFAULT_REAL_CORRELATION_THRESHOLD
ASSOCIATION_THRESHOLD = 0.3  # sdmetrics.reports.utils.DEFAULT_REAL_ASSOCIATION_THRESHOLD
KS_DECIMALS = sys.float_info.dig - 1  # KSComplement's rounding
BINS = 10  # np.histogram_bin_edges' default, which ColumnPairTrends uses
PAIR_COLUMNS = 150  # at most this many columns' pairs are scored (11,175 pairs)


@dataclass
class _Column:
    """One column of both tables, read once.

    Continuous: ``real``/``synthetic`` are floats (NaN where missing) and ``*_bins`` the bin of
    each row (0-11, ``np.digitize`` on the table's own 10 bins; missing values land in the last).
    Discrete: ``real``/``synthetic`` are codes shared by both tables, ``levels`` of them,
    ``missing`` the code of a missing value (-1 when none is missing).
    """

    continuous: bool
    real: np.ndarray
    synthetic: np.ndarray
    levels: int
    missing: int = -1
    real_bins: np.ndarray | None = None
    synthetic_bins: np.ndarray | None = None
    shape_scored: bool = True  # False: the report cannot score its shape (a numerical text column)
    rounded: tuple[bool, bool] = (False, False)  # float columns KSComplement rounds, per table
    constant: bool = False  # one distinct present value in either table: no correlation


def quality_score(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> float:
    """The overall quality score ``QualityReport`` gives ``synthetic`` against ``real``.

    ``metadata`` is SDV's metadata as a dict: one table's ``{"columns": ...}`` or the
    ``{"tables": {name: ...}}`` of ``Metadata.to_dict()`` with one table.
    """
    return _mean(list(quality_properties(real, synthetic, metadata)))


def quality_properties(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> tuple[float, float]:
    """The report's two property scores: Column Shapes and Column Pair Trends (NaN: none scored)."""
    described = _columns_of(metadata)
    paired = set(pair_columns(scored_columns(described)))
    read = {
        name: column
        for name, meta in described.items()
        if (column := _read(real[name], synthetic[name], meta)) is not None
    }
    shapes = [_ks(c) if c.continuous else _tv(c) for c in read.values() if c.shape_scored]
    pairs = [
        _correlation(a, b) if a.continuous and b.continuous else _contingency(a, b)
        for a, b in combinations([c for name, c in read.items() if name in paired], 2)
    ]
    return _mean(shapes), _mean(pairs)


def scored_columns(columns: dict[str, dict]) -> list[str]:
    """The columns the report scores: those of numerical, datetime and discrete sdtypes."""
    return [name for name, meta in columns.items() if meta.get("sdtype") in CONTINUOUS + DISCRETE]


def pair_columns(names: list[str]) -> list[str]:
    """The columns whose pairs Column Pair Trends scores: all of them, or of a table wider than
    ``PAIR_COLUMNS``, that many drawn at random, the same for the same columns, so that every
    score of a table (early stopping, the sampling choice, the report) is on the same pairs."""
    if len(names) <= PAIR_COLUMNS:
        return list(names)
    rng = np.random.default_rng(zlib.crc32("\0".join(names).encode()))
    kept = set(rng.choice(len(names), PAIR_COLUMNS, replace=False).tolist())
    return [name for position, name in enumerate(names) if position in kept]


def _mean(scores: list[float]) -> float:
    kept = [s for s in scores if not math.isnan(s)]
    return float(np.mean(kept)) if kept else math.nan


def _columns_of(metadata: dict) -> dict[str, dict]:
    if "tables" in metadata:
        (table,) = metadata["tables"].values()
        return table.get("columns", {})
    return metadata.get("columns", {})


# Reading columns


def _read(real: pd.Series, synthetic: pd.Series, meta: dict) -> _Column | None:
    sdtype = meta.get("sdtype")
    if sdtype in DISCRETE:
        codes, uniques = pd.factorize(pd.concat([real, synthetic], ignore_index=True), use_na_sentinel=False)
        missing = np.flatnonzero(pd.isna(uniques))
        return _Column(
            False,
            codes[: len(real)],
            codes[len(real) :],
            len(uniques),
            int(missing[0]) if len(missing) else -1,
        )
    if sdtype not in CONTINUOUS:
        return None
    numbers = [_numbers(real, meta), _numbers(synthetic, meta)]
    if numbers[0] is None or numbers[1] is None:
        return None
    (real_values, real_floats), (synthetic_values, synthetic_floats) = numbers
    shape_scored = sdtype == "datetime" or (
        pd.api.types.is_numeric_dtype(real) and pd.api.types.is_numeric_dtype(synthetic)
    )
    return _Column(
        True,
        real_values,
        synthetic_values,
        BINS + 2,
        real_bins=_bins(real_values),
        synthetic_bins=_bins(synthetic_values),
        shape_scored=shape_scored,
        rounded=(real_floats, synthetic_floats),
        constant=_constant(real_values) or _constant(synthetic_values),
    )


def _numbers(series: pd.Series, meta: dict) -> tuple[np.ndarray, bool] | None:
    """A column as floats (NaN where missing) and whether it held floats; None: unreadable."""
    if meta.get("sdtype") == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(series):
            if meta.get("datetime_format") is None:
                return None
            try:
                series = pd.to_datetime(series, format=meta["datetime_format"])
            except (ValueError, TypeError):
                return None
        values = pd.to_numeric(series).to_numpy(dtype=float)
        values[series.isna().to_numpy()] = np.nan
        return values, False
    try:
        values = series.to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError):
        return None
    return values, pd.api.types.is_float_dtype(series)


def _bins(values: np.ndarray) -> np.ndarray:
    present = values[~np.isnan(values)]
    return np.digitize(values, np.histogram_bin_edges(present, bins=BINS))


def _constant(values: np.ndarray) -> bool:
    present = values[~np.isnan(values)]
    return len(present) > 0 and bool((present == present[0]).all())


# Column Shapes


def _ks(column: _Column) -> float:
    """1 - the largest gap between the two empirical CDFs (scipy's ks_2samp statistic)."""
    real, synthetic = (
        np.round(present, KS_DECIMALS) if rounded else present
        for present, rounded in zip(
            (column.real[~np.isnan(column.real)], column.synthetic[~np.isnan(column.synthetic)]),
            column.rounded,
        )
    )
    if not len(real) or not len(synthetic):
        return math.nan
    both = np.concatenate([real, synthetic])
    order = np.argsort(both, kind="stable")
    from_real = order < len(real)
    gaps = np.cumsum(from_real) / len(real) - np.cumsum(~from_real) / len(synthetic)
    values = both[order]
    last_of_value = np.append(values[1:] != values[:-1], True)  # the CDFs step past ties together
    return 1.0 - float(np.abs(gaps[last_of_value]).max())


def _tv(column: _Column) -> float:
    real, synthetic = (np.bincount(c, minlength=column.levels) for c in (column.real, column.synthetic))
    if column.missing >= 0:
        real[column.missing] = synthetic[column.missing] = 0
    if not real.sum() or not synthetic.sum():
        return math.nan
    return 1.0 - 0.5 * float(np.abs(real / real.sum() - synthetic / synthetic.sum()).sum())


# Column Pair Trends


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    present = ~(np.isnan(x) | np.isnan(y))
    if not present.all():
        x, y = x[present], y[present]
    if len(x) < 2 or (x == x[0]).all() or (y == y[0]).all():
        return math.nan
    x, y = x - x.mean(), y - y.mean()
    return float(np.clip(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)), -1.0, 1.0))


def _correlation(a: _Column, b: _Column) -> float:
    if a.constant or b.constant:
        return math.nan
    real = _pearson(a.real, b.real)
    if math.isnan(real) or abs(real) <= CORRELATION_THRESHOLD:
        return math.nan
    synthetic = _pearson(a.synthetic, b.synthetic)
    return math.nan if math.isnan(synthetic) else 1.0 - abs(real - synthetic) / 2


def _codes(column: _Column) -> tuple[np.ndarray, np.ndarray]:
    return (column.real_bins, column.synthetic_bins) if column.continuous else (column.real, column.synthetic)


def _contingency(a: _Column, b: _Column) -> float:
    (a_real, a_synthetic), (b_real, b_synthetic) = _codes(a), _codes(b)
    cells = a.levels * b.levels
    real = np.bincount(a_real * b.levels + b_real, minlength=cells)
    association = _cramers_v(real.reshape(a.levels, b.levels))
    if math.isnan(association) or association <= ASSOCIATION_THRESHOLD:
        return math.nan
    synthetic = np.bincount(a_synthetic * b.levels + b_synthetic, minlength=cells)
    return 1.0 - 0.5 * float(np.abs(real / len(a_real) - synthetic / len(a_synthetic)).sum())


def _cramers_v(counts: np.ndarray) -> float:
    """Cramér's V of the values seen (scipy.stats.contingency.association); NaN below 2 x 2."""
    table = counts[counts.any(axis=1)][:, counts.any(axis=0)]
    if min(table.shape) < 2:
        return math.nan
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return math.sqrt(chi2 / total / (min(table.shape) - 1))
