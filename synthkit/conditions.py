"""Rows under conditions, in memory: only failures, one failure mode, one grade, a load above 0.8.

Conditions are a dict by column: a fixed value (``{"failure_mode": "bearing"}``), shares of values
of one column (``{"failure": {1: 0.5, 0: 0.5}}``, a share of 1.0 allowed) or a numeric range
(``{"load_pct": (80, None)}``), combined. A TVAE with a label plan draws label conditions directly
(its label spans are drawn among the allowed combinations in the asked shares), so even rare
failure modes cost few draws, and the other columns follow the model's distribution given those
labels. A GaussianCopula gets its fixed values and shares of label and category columns from
SDV's conditional sampling (``sdv.sampling.Condition``: the copula's normal is conditioned on
them), with the labels those training rows all share added, so labels never contradict each
other. Everything else (ranges, categories of a TVAE, CTGAN, whose SDV synthesizer only filters
unconditioned rows) is met by rejection: rows are drawn in batches and kept while they match, up
to a bounded number of draws. A condition that no training row meets, or that neither way can
meet in time, is refused with the rate achieved.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthkit.column_plan import ColumnPlan, within
from synthkit.errors import InvalidParameterError
from synthkit.roles import label_text, normal_text
from synthkit.store import Model, load_model, load_seed, resolve_model_name

MAX_IN_MEMORY_ROWS = 1_000_000
MAX_DRAW_FACTOR = 200  # draws per asked row before rejection gives up


@dataclass
class Conditions:
    fixed: dict[str, str] = field(default_factory=dict)  # column -> value, as label text
    shares: dict[str, dict[str, float]] = field(default_factory=dict)  # one column -> value -> share
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # Per quota (None, or each asked value of the shares column): the fixed and shared values as
    # the training rows hold them, plus the labels those rows all share; what SDV conditions on.
    exact: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    # ranges a number keeps to where it is written at all (a label value's bounds): empty cells pass
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # bounds a row stays out of, each all at once (another label value's): rows within one fail
    away_from: list[dict[str, tuple[float | None, float | None]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fixed or self.shares or self.ranges)

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        """Rows meeting the fixed values and ranges (shares are met by counting, not per row)."""
        ok = pd.Series(True, index=frame.index)
        for column, value in self.fixed.items():
            ok &= frame[column].notna() & (label_text(frame[column]) == value)
        for column, (low, high) in self.ranges.items():
            values = pd.to_numeric(frame[column], errors="coerce")
            ok &= values.notna()
            ok &= True if low is None else values >= low
            ok &= True if high is None else values <= high
        if self.bounds:
            ok &= within(frame, self.bounds, empty=True)
        for box in self.away_from:
            ok &= ~within(frame, box, empty=False)
        return ok


CONDITION_SYNTAX = "COL=VALUE, COL=VALUE:SHARE (one per value) or COL=LOW..HIGH"


def parse_condition_texts(texts: Iterable[str]) -> dict[str, Any]:
    """Conditions typed as text (the CLI's ``--condition``, the workbench's conditions box) as the
    dict ``conditions`` takes: ``COL=VALUE`` a fixed value, ``COL=VALUE:SHARE`` a share of one value
    (one text per value), ``COL=LOW..HIGH`` a range (either end may be blank). Blank texts are
    skipped; values stay text, checked against the model's columns when the conditions are used.

    >>> parse_condition_texts(["failure_mode=bearing", "load=0.8.."])
    {'failure_mode': 'bearing', 'load': (0.8, None)}
    """
    conditions: dict[str, Any] = {}
    for raw in texts:
        item = raw.strip()
        if not item:
            continue
        column, sep, text = (part.strip() for part in item.partition("="))
        if not sep or not column or not text:
            raise InvalidParameterError(f"{item!r} is not {CONDITION_SYNTAX}.")
        before = conditions.get(column)
        if ".." in text:
            low, _, high = (part.strip() for part in text.partition(".."))
            try:
                wanted: Any = (float(low) if low else None, float(high) if high else None)
            except ValueError:
                raise InvalidParameterError(f"{item!r}: LOW and HIGH must be numbers.") from None
        elif ":" in text:
            value, _, share = (part.strip() for part in text.rpartition(":"))
            try:
                wanted = {value: float(share)}
            except ValueError:
                raise InvalidParameterError(f"{item!r}: SHARE must be a number.") from None
            if isinstance(before, dict) and value not in before:
                wanted, before = {**before, **wanted}, None
        else:
            wanted = text
        if before is not None:
            raise InvalidParameterError(f"{item!r}: {column} has a condition already.")
        conditions[column] = wanted
    return conditions


def check_conditions(conditions: object, plan: ColumnPlan, seen: pd.DataFrame, function: str) -> Conditions:
    """Typed, checked conditions: columns the model has, values training rows have, shares that sum
    to 1, ranges of numbers; every refusal names the column and what is allowed."""
    if conditions is None:
        return Conditions()
    if not isinstance(conditions, dict):
        raise InvalidParameterError(
            f"The 'conditions' parameter of {function} must be a dict of column to a value, a dict of "
            f"shares or a (low, high) range. Got {conditions!r} instead."
        )
    checked = Conditions()
    for column, wanted in conditions.items():
        if column not in plan.modelled:
            raise InvalidParameterError(
                f"{function}: no modelled column {column!r} to condition on; the columns are "
                f"{', '.join(map(repr, plan.modelled))}."
            )
        role = plan.roles[column]
        if isinstance(wanted, tuple | list) and role in ("numeric", "datetime") and len(wanted) == 2:
            low, high = (None if v is None else float(v) for v in wanted)
            if low is not None and high is not None and low > high:
                raise InvalidParameterError(f"{function}: the range of {column!r} is empty: {wanted!r}.")
            values = pd.to_numeric(seen[column], errors="coerce") if role == "numeric" else None
            if values is not None and values.notna().any():
                seen_low, seen_high = float(values.min()), float(values.max())
                if (low is not None and low > seen_high) or (high is not None and high < seen_low):
                    raise InvalidParameterError(
                        f"{function}: no training row has {column!r} in {wanted!r}; its values run "
                        f"from {seen_low:g} to {seen_high:g}."
                    )
            checked.ranges[column] = (low, high)
            continue
        if role not in ("label", "category"):
            raise InvalidParameterError(
                f"{function}: {column!r} is {role}; condition it with a (low, high) range, not {wanted!r}."
            )
        known = sorted(set(label_text(seen[column].dropna())))
        if isinstance(wanted, dict):
            if checked.shares:
                raise InvalidParameterError(f"{function}: shares can be asked for one column at a time.")
            shares = {normal_text(v): float(s) for v, s in wanted.items()}
            if any(s < 0 for s in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6:
                raise InvalidParameterError(
                    f"{function}: the shares of {column!r} must be >= 0 and sum to 1. Got {wanted!r}."
                )
            _known(function, column, [v for v, s in shares.items() if s > 0], known)
            checked.shares[column] = shares
        else:
            value = normal_text(wanted)
            _known(function, column, [value], known)
            checked.fixed[column] = value
    checked.exact = _exact_values(checked, plan, seen, function)
    return checked


def _known(function: str, column: str, values: list[str], known: list[str]) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidParameterError(
            f"{function}: {column}={unknown[0]!r} never occurs in the training rows; its values are "
            f"{', '.join(map(repr, known[:30]))}."
        )


def _exact_values(checked: Conditions, plan: ColumnPlan, seen: pd.DataFrame, function: str) -> dict:
    """``Conditions.exact``: SDV compares typed values (``1``, not ``"1"``), so each asked
    combination is looked up in the training rows; a label all of them share is added
    (``failure_mode=bearing`` implies ``failure=1``), so labels never contradict each other. A
    combination no training row has is refused."""
    if not checked.fixed and not checked.shares:
        return {}
    column, shares = next(iter(checked.shares.items()), (None, {None: 1.0}))
    exact = {}
    for key in [k for k, share in shares.items() if share > 0]:
        wanted = {**checked.fixed, **({} if column is None else {column: key})}
        rows = seen
        for name, value in wanted.items():
            rows = rows[rows[name].notna() & (label_text(rows[name]) == value)]
        if rows.empty:
            asked = " with ".join(f"{name}={value!r}" for name, value in wanted.items())
            raise InvalidParameterError(f"{function}: no training row has {asked}.")
        shared = [
            c for c in plan.labels if c not in wanted and rows[c].notna().all() and rows[c].nunique() == 1
        ]
        first = rows.iloc[0]
        exact[key] = {
            c: first[c].item() if isinstance(first[c], np.generic) else first[c] for c in [*wanted, *shared]
        }
    return exact


def _label_plan(model: Model, conditions: Conditions) -> Any:
    """The TVAE label plan for the label conditions, or None when the model has none to use."""
    tvae = getattr(model.synthesizer, "_model", None)
    plan = getattr(tvae, "label_plan", None)
    if plan is None:
        return None
    fixed = {c: v for c, v in conditions.fixed.items() if c in plan.columns}
    shares = {c: v for c, v in conditions.shares.items() if c in plan.columns}
    if not fixed and not shares:
        return None
    try:
        return plan.conditioned(fixed, shares)
    except ValueError as error:
        raise InvalidParameterError(f"The conditions cannot be met: {error}.") from None


def draw(model: Model, rows: int, conditions: Conditions, seed: int) -> pd.DataFrame:
    """``rows`` model rows meeting ``conditions`` (the model's own columns), a function of ``seed``;
    rows whose labels contradict each other, or whose label says a number lies in a range it does
    not, are drawn again."""
    columns = model.manifest.get("columns")
    drawn = _draw(model, rows, conditions, seed)
    if not columns:
        return drawn
    plan = ColumnPlan.from_dict(columns)
    seen = _seen_label_combinations(model, plan, drawn, conditions, seed)
    return _in_label_ranges(model, plan, seen, conditions, seed)


REDRAW_ROUNDS = 5  # rounds of drawing again the rows whose labels contradict each other
REDRAW_DRAWS = 5  # draws per row of one round before its rows are left for the next
RANGE_DRAWS = 20  # draws per row redrawn into its label's range before its number is moved


def _seen_label_combinations(
    model: Model, plan: ColumnPlan, rows: pd.DataFrame, conditions: Conditions, seed: int
) -> pd.DataFrame:
    """``rows`` with each row whose labels contradict each other (a combination no training row
    has, as a copula or a GAN draws labels one by one) replaced by a row drawn with the same main
    label (and the same value of a shares condition) whose labels do not, so that the failure rate
    and the asked shares stay; a TVAE's label plan never draws them. Rows left after a few rounds
    stay (the report counts them)."""
    if getattr(getattr(model.synthesizer, "_model", None), "label_plan", None) is not None:
        return rows
    unseen = plan.unseen_label_rows(rows)
    if not unseen.any():
        return rows
    rows = rows.copy()
    by = list(dict.fromkeys([plan.labels[0], *conditions.shares]))
    for round_index in range(REDRAW_ROUNDS):
        for number, (values, index) in enumerate(rows[unseen].groupby(by, dropna=False).groups.items()):
            alike = _alike(conditions, dict(zip(by, values if isinstance(values, tuple) else (values,))))
            more_seed = int(np.random.SeedSequence([seed, 5, round_index, number]).generate_state(1)[0])
            try:
                more = _draw(model, 2 * len(index) + 100, alike, more_seed, REDRAW_DRAWS)
            except InvalidParameterError:
                continue
            more = more[~plan.unseen_label_rows(more)].iloc[: len(index)]
            for column in more.columns:
                rows.loc[index[: len(more)], column] = more[column].to_numpy()
        unseen = plan.unseen_label_rows(rows)
        if not unseen.any():
            break
    return rows


def narrowest(
    *ranges: dict[str, tuple[float | None, float | None]],
) -> dict[str, tuple[float | None, float | None]]:
    """Each number's range within all of ``ranges`` (None: open on that side)."""
    merged: dict[str, tuple[float | None, float | None]] = {}
    for given in ranges:
        for column, (low, high) in given.items():
            was_low, was_high = merged.get(column, (None, None))
            merged[column] = (
                low if was_low is None else was_low if low is None else max(low, was_low),
                high if was_high is None else was_high if high is None else min(high, was_high),
            )
    return merged


def _alike(conditions: Conditions, values: dict[str, Any]) -> Conditions:
    """``conditions`` for one row's ``values`` of the main label and the shares column: those
    fixed (as drawn: ``1``, not ``"1"``, for SDV) and the shares dropped."""
    shared = next(iter(conditions.shares), None)
    exact = dict(conditions.exact.get(normal_text(values[shared]) if shared else None, {}))
    fixed = dict(conditions.fixed)
    for column, value in values.items():
        if not pd.isna(value) and column not in fixed:
            fixed[column] = normal_text(value)
            exact.setdefault(column, value.item() if isinstance(value, np.generic) else value)
    return Conditions(fixed, {}, conditions.ranges, {None: exact})


def _in_label_ranges(
    model: Model, plan: ColumnPlan, rows: pd.DataFrame, conditions: Conditions, seed: int
) -> pd.DataFrame:
    """``rows`` with each row outside its label's range or bounds (``ColumnPlan.label_ranges``,
    ``label_bounds``) replaced by a row drawn with the same labels (and the same value of a shares
    condition) and its numbers inside them, under the asked ``conditions``, so that label rates and
    the conditions stay as they were; a number the model will not put in its label's range in time
    is moved to the seed's nearer end (one past a bound stays: bounds are seen, not defined)."""
    if not plan.label_ranges and not plan.label_bounds:  # (exclusions come with bounds)
        return rows
    outside = plan.outside_label_ranges(rows) | plan.outside_label_bounds(rows)
    if not outside.any():
        return rows
    rows = rows.copy()
    labels = [c for c in plan.labels if c in rows]  # all of them: every label's rates stay
    by = list(dict.fromkeys([*labels, *(c for c in conditions.shares if c in rows)]))
    keys = rows.loc[outside, by].apply(lambda c: label_text(c).where(c.notna()))
    for number, (key, index) in enumerate(keys.groupby(by, dropna=False).groups.items()):
        key = key if isinstance(key, tuple) else (key,)
        fixed = {c: v for c, v in zip(by, key) if isinstance(v, str)} | conditions.fixed
        wanted = Conditions(
            fixed=fixed,
            ranges=narrowest(plan.ranges_for(fixed), conditions.ranges),
            bounds=plan.bounds_for(fixed),
            away_from=plan.exclusions_for(fixed),
        )
        redraw_seed = int(np.random.SeedSequence([seed, 7, number]).generate_state(1)[0])
        try:
            with _saved_label_plan(model, wanted):
                kept, _ = _draw_until_met(model, len(index), wanted, redraw_seed, max_draw_factor=RANGE_DRAWS)
        except InvalidParameterError:  # labels the plan cannot draw alone: their numbers are moved
            continue
        got = pd.concat(kept, ignore_index=True) if kept else rows.iloc[:0]
        for column in got.columns:
            rows.loc[index[: len(got)], column] = got[column].to_numpy()
    return plan.into_label_ranges(rows) if plan.label_ranges else rows


@contextlib.contextmanager
def _saved_label_plan(model: Model, conditions: Conditions):
    """A TVAE's label plan conditioned on the label conditions while drawing, then put back."""
    tvae = getattr(model.synthesizer, "_model", None)
    plan = _label_plan(model, conditions)
    saved = (getattr(tvae, "label_plan", None), getattr(tvae, "failure_ratio", None))
    if plan is not None:
        tvae.label_plan, tvae.failure_ratio = plan, None
    try:
        yield plan
    finally:
        if plan is not None:
            tvae.label_plan, tvae.failure_ratio = saved


def _draw(
    model: Model, rows: int, conditions: Conditions, seed: int, max_draw_factor: int | None = None
) -> pd.DataFrame:
    from synthkit import _sdv

    if not conditions:
        return agreeing(model, _sdv.sample_rows(model.synthesizer, rows, seed))
    with _saved_label_plan(model, conditions) as plan:
        native = plan is None and bool(conditions.exact) and _sdv.samples_conditions(model.synthesizer)
        asked = set(conditions.fixed) | set(conditions.shares)
        planned = plan is not None and asked <= set(plan.columns)
        direct = not (conditions.ranges or conditions.bounds or conditions.away_from) and (native or planned)
        kept, drawn = _draw_until_met(model, rows, conditions, seed, native, direct, max_draw_factor)
    got = sum(len(k) for k in kept)
    if got < rows:
        raise _unmet(conditions, got, rows, drawn)
    order = np.random.default_rng(seed).permutation(rows)
    return pd.concat(kept, ignore_index=True).iloc[order].reset_index(drop=True)


def agreeing(model: Model, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the columns that follow a category set from it, as the model's plan says."""
    columns = model.manifest.get("columns")
    return ColumnPlan.from_dict(columns).agreeing(rows) if columns else rows


def _unmet(conditions: Conditions, got: int, rows: int, drawn: int) -> InvalidParameterError:
    return InvalidParameterError(
        f"The conditions {_describe(conditions)} could not be met: {got:,} of {rows:,} rows after "
        f"{drawn:,} draws (a rate of {got / max(drawn, 1):.4%}); loosen them or ask for fewer rows."
    )


def _draw_until_met(
    model: Model,
    rows: int,
    conditions: Conditions,
    seed: int,
    native: bool = False,
    direct: bool = False,
    max_draw_factor: int | None = None,
) -> tuple[list, int]:
    """Batches of model rows, kept while they match, until every quota is met or the draws run out.

    ``native``: each batch comes from SDV's conditional sampling on ``conditions.exact`` (rows
    asked of SDV count as draws), so only the ranges are left to rejection. ``direct``: the rows
    drawn meet every condition (SDV's or the label plan's), so the first batch asks only for the
    rows wanted instead of twice that (at least 1,000)."""
    from synthkit import _sdv

    quotas = _quotas(rows, conditions)
    kept: list[pd.DataFrame] = []
    drawn, batch_index = 0, 0
    budget = (max_draw_factor or MAX_DRAW_FACTOR) * max(rows, 100)
    with warnings.catch_warnings():  # rows the plan could not place are filtered out below
        warnings.filterwarnings("ignore", message=".*could not be drawn with their label's share.*")
        while any(q > 0 for q in quotas.values()) and drawn < budget:
            batch_seed = int(np.random.SeedSequence([seed, batch_index]).generate_state(1)[0])
            exactly = direct and batch_index == 0  # after a short first batch, ask twice the rest
            batch_index += 1
            if native:
                spread = 1 if exactly else 2
                asks = [
                    (conditions.exact[k], int(min(100_000, spread * q))) for k, q in quotas.items() if q > 0
                ]
                drawn += sum(n for _, n in asks)
                try:
                    frame = _sdv.sample_conditioned(model.synthesizer, asks, batch_seed)
                except ValueError as error:  # SDV could not sample any row under the conditions
                    got = sum(len(k) for k in kept)
                    raise _unmet(conditions, got, rows, drawn) from error
            else:
                missing = sum(quotas.values())
                batch = int(min(100_000, missing if exactly else max(1_000, 2 * missing)))
                frame = _sdv.sample_rows(model.synthesizer, batch, batch_seed)
                drawn += batch
            frame = agreeing(model, frame)  # before matching: a condition holds on the rows as written
            kept += _take(frame[conditions.matches(frame)], quotas, conditions)
    return kept, drawn


def _quotas(rows: int, conditions: Conditions) -> dict[str | None, int]:
    """Rows still wanted per value of the shares column (one quota, keyed None, without shares)."""
    if not conditions.shares:
        return {None: rows}
    ((_, shares),) = conditions.shares.items()
    values = list(shares)
    exact = np.array([shares[v] for v in values]) * rows
    counts = np.floor(exact).astype(int)
    counts[np.argsort(exact - counts)[::-1][: rows - counts.sum()]] += 1
    return dict(zip(values, counts.tolist()))


def _take(frame: pd.DataFrame, quotas: dict[str | None, int], conditions: Conditions) -> list[pd.DataFrame]:
    taken = []
    if None in quotas:
        part = frame.iloc[: quotas[None]]
        quotas[None] -= len(part)
        return [part]
    ((column, _),) = conditions.shares.items()
    text = label_text(frame[column])
    for value, wanted in quotas.items():
        if wanted > 0:
            part = frame[frame[column].notna() & (text == value)].iloc[:wanted]
            quotas[value] -= len(part)
            taken.append(part)
    return taken


def _describe(conditions: Conditions) -> str:
    parts = [f"{c}={v}" for c, v in conditions.fixed.items()]
    parts += [f"{c} shares {s}" for c, s in conditions.shares.items()]
    parts += [f"{c} in {r}" for c, r in conditions.ranges.items()]
    return ", ".join(parts)


def sample(
    machine_id: str,
    rows: int,
    conditions: dict[str, Any] | None = None,
    seed: int | None = None,
    model: str | None = None,
    workspace: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """``rows`` synthetic rows in memory, like the seed's (ids made, constants set), optionally under
    ``conditions``. Bounded: more than 1,000,000 rows belong in ``generate_synthetic_data``."""
    from synthkit._checks import check_int, check_optional_seed
    from synthkit.machines import get_machine

    rows = check_int("sample", "rows", rows, 1, MAX_IN_MEMORY_ROWS)
    seed = check_optional_seed("sample", seed)
    seed = int(np.random.SeedSequence().generate_state(1)[0]) if seed is None else seed
    name = resolve_model_name(machine_id, model, workspace)
    loaded = load_model(machine_id, workspace, name=name)
    plan, checked = checked_conditions(machine_id, loaded.manifest, conditions, workspace, "sample")
    machine = get_machine(machine_id, workspace)
    return machine.as_given(plan.restore(draw(loaded, rows, checked, seed), 0, rows, seed))


def checked_conditions(
    machine_id: str,
    manifest: dict[str, Any],
    conditions: object,
    workspace: str | os.PathLike | None,
    function: str,
) -> tuple[ColumnPlan, Conditions]:
    """The model's column plan (from its manifest) and the conditions checked against the seed
    rows as the model saw them; nothing is unpickled."""
    from synthkit.machines import get_machine

    seed_frame, _, _ = load_seed(machine_id, workspace)
    columns = manifest.get("columns")
    if columns:
        plan = ColumnPlan.from_dict(columns)
    else:
        plan = ColumnPlan.from_seed(seed_frame, get_machine(machine_id, workspace).roles_for(seed_frame))
    return plan, check_conditions(conditions, plan, plan.model_table(seed_frame), function)
