"""The fidelity sampler: TVAE sampling that keeps category proportions and rare label rates.

What it relies on, checked against ctgan 0.12.1: ``DataTransformer.inverse_transform`` turns
each continuous column's (value, component) pair back with
``ClusterBasedNormalizer.reverse_transform`` (after ``np.random.normal`` noise of the decoder's
sigma, column by column) and each discrete column with its encoder's ``dummies``.
``SynthkitTVAE.to_table`` does the same from drawn indices, without building and argmax-ing a
one-hot matrix (tests/test_fidelity.py checks the two give equal tables).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from ctgan.synthesizers.base import random_state

from synthkit._sdv.epochs import EpochReportingTVAE

if TYPE_CHECKING:
    from synthkit.roles import Normal

MARGIN_KNOTS = 501  # quantiles per numeric column that a model's marginal map runs through
LABEL_MARGIN_ROWS = 30  # rows of a label combination (training rows and model's) for its own map
SHIFT_ROUNDS = 200  # at most, to find the shifts that give each category its share
SHIFT_TOLERANCE = 1e-4  # of a category's share: close enough
SHIFT_LIMIT = 30.0  # on a logit: a category never drawn stays never drawn rather than overflow


@dataclass
class LabelPlan:
    """Which label combinations may be generated, and in which shares.

    ``keys`` are the label tuples seen in the training rows (so a combination the data never
    shows, like failure 0 with a failure mode, is never generated) and ``shares`` their share of
    those rows. ``spans`` locates each label column's one-hot span in the decoder output.
    """

    columns: tuple[str, ...]
    keys: list[tuple]
    shares: np.ndarray
    spans: list[tuple[int, list]]  # (offset of the span, category of each position)
    failing: np.ndarray | None = None  # per key: does any label say failure (None: plans saved before)

    def failing_keys(self) -> np.ndarray:
        if self.failing is not None:
            return self.failing
        if "failure" not in self.columns:  # a plan saved before labels had no-failure values
            return np.zeros(len(self.keys), dtype=bool)
        position = self.columns.index("failure")
        return np.array([str(key[position]) in ("1", "True") for key in self.keys])

    def with_failure_ratio(self, failure_ratio: float | None) -> LabelPlan:
        """The same plan with failing keys rescaled to ``failure_ratio`` of all rows (0 and 1
        allowed: only healthy rows, only failures), each failing key keeping its share of them."""
        failing = self.failing_keys()
        if failure_ratio is None or not failing.any() or failing.all():
            return self
        shares = self.shares.copy()
        shares[failing] *= failure_ratio / shares[failing].sum()
        shares[~failing] *= (1 - failure_ratio) / shares[~failing].sum()
        return LabelPlan(self.columns, self.keys, shares, self.spans, failing)

    def conditioned(self, fixed: dict[str, str], shares: dict[str, dict[str, float]]) -> LabelPlan:
        """The plan restricted to keys whose labels have the ``fixed`` values (as label text), and
        with the ``shares`` of one label's values; every other key keeps its relative share.
        Raises ValueError naming what no training row has."""
        from synthkit.roles import normal_text

        texts = [[normal_text(v) for v in key] for key in self.keys]
        weights = self.shares.astype(float).copy()
        for column, value in fixed.items():
            position = self.columns.index(column)
            weights *= np.array([t[position] == value for t in texts], dtype=float)
        if weights.sum() == 0:
            raise ValueError(f"no training row has {fixed} together")
        for column, wanted in shares.items():
            position = self.columns.index(column)
            values = np.array([t[position] for t in texts])
            scaled = np.zeros_like(weights)
            for value, share in wanted.items():
                mask = values == value
                if share > 0 and weights[mask].sum() == 0:
                    raise ValueError(
                        f"no training row has {column}={value} with {fixed or 'the other conditions'}"
                    )
                if share > 0:
                    scaled[mask] = share * weights[mask] / weights[mask].sum()
            weights = scaled
        return LabelPlan(self.columns, self.keys, weights / weights.sum(), self.spans, self.failing)


def build_label_plan(
    transformer: Any,
    data: pd.DataFrame,
    label_columns: tuple[str, ...],
    normals: dict[str, Normal] | None = None,
) -> LabelPlan | None:
    """Read the training rows' label shares and the label spans of ctgan's DataTransformer."""
    from synthkit.roles import normal_text, normal_values

    offsets = one_hot_spans(transformer)
    columns = tuple(c for c in label_columns if c in offsets)
    if not columns:
        return None
    counts = data[list(columns)].value_counts(normalize=True, dropna=False)
    keys = [key if isinstance(key, tuple) else (key,) for key in counts.index]
    failing = None
    if normals:
        failing = np.array(
            [
                any(
                    column in normals
                    and not pd.isna(value)
                    and normal_text(value) not in normal_values(normals[column])
                    for column, value in zip(columns, key)
                )
                for key in keys
            ]
        )
    return LabelPlan(columns, keys, counts.to_numpy(dtype=float), [offsets[c] for c in columns], failing)


def one_hot_spans(transformer: Any) -> dict[str, tuple[int, list]]:
    """Each one-hot column's span in ctgan's decoder output: (offset, category of each position)."""
    offsets, offset = {}, 0
    for info in transformer._column_transform_info_list:
        if info.column_type == "discrete":
            offsets[info.column_name] = (offset, list(info.transform.dummies))
        offset += info.output_dimensions
    return offsets


@dataclass
class JointGroup:
    """Category columns drawn together, among the value combinations the training rows show:
    one category written in several 0/1 columns (``Type_L``, ``Type_M``, ``Type_H``), so that
    exactly one of them is set in every row, as in every training row. Drawn independently,
    a plate log's seven fault columns had none or several set in 54 % of the rows."""

    columns: tuple[str, ...]
    spans: list[tuple[int, list]]
    positions: np.ndarray  # keys x columns: where each combination's value is in each span
    shares: np.ndarray  # each combination's share of the training rows

    @property
    def name(self) -> str:
        return " + ".join(self.columns)


def build_joint_groups(
    transformer: Any, data: pd.DataFrame, groups: Sequence[Sequence[str]]
) -> list[JointGroup]:
    """A ``JointGroup`` per group of columns, all of them one-hot columns of the transformer."""
    spans, built = one_hot_spans(transformer), []
    for group in groups:
        if not group or any(c not in spans for c in group):
            continue
        counts = data[list(group)].value_counts(normalize=True, dropna=False)
        keys = [key if isinstance(key, tuple) else (key,) for key in counts.index]
        positions = np.array(
            [[category_position(spans[c][1], key[i]) for i, c in enumerate(group)] for key in keys],
            dtype=np.int64,
        )
        built.append(
            JointGroup(tuple(group), [spans[c] for c in group], positions, counts.to_numpy(dtype=float))
        )
    return built


def category_shares(values: pd.Series, categories: list) -> np.ndarray:
    """Each of a one-hot span's ``categories``' share of ``values``."""
    counts = np.zeros(len(categories))
    for value, count in values.value_counts(dropna=False).items():
        try:
            counts[category_position(categories, value)] += count
        except (ValueError, StopIteration):
            continue  # a value the span does not have: not drawn either
    return counts / max(counts.sum(), 1.0)


def category_position(categories: list, value: Any) -> int:
    """Where ``value`` is among a one-hot span's ``categories``; an empty cell (None or NaN, which
    never equal each other) is where the span's empty category is."""
    if pd.isna(value):
        return next(i for i, category in enumerate(categories) if pd.isna(category))
    return categories.index(value)


def repeat_rare_labels(data: pd.DataFrame, label_columns: tuple[str, ...], min_share: float) -> pd.DataFrame:
    """Repeat the rows of rare label combinations until each has about ``min_share`` of the rows.

    The network then sees rare failures often enough to learn where they live; the sampler's
    quotas (taken from the original rows) put the real rates back. Deterministic: whole copies.
    """
    columns = [c for c in label_columns if c in data.columns]
    if min_share <= 0 or not columns:
        return data
    groups = data.groupby(columns, sort=True, dropna=False).indices
    copies = [
        np.repeat(rows, max(1, int(np.ceil(min_share * len(data) / len(rows))))) for rows in groups.values()
    ]
    return data.iloc[np.sort(np.concatenate(copies))].reset_index(drop=True)


def kept_values(rows: pd.DataFrame, column: str) -> np.ndarray:
    """``column``'s values in ``rows``, NaN where its empty-cell column (``<column>.is_null``, see
    ``empty_cells_as_columns``) says the cell is emptied: those hold the filled-in mean."""
    values = rows[column].to_numpy(dtype=float)
    empty = f"{column}.is_null"
    if empty in rows:
        values = np.where(rows[empty].to_numpy(dtype=float) > 0.5, np.nan, values)
    return values


def quantile_knots(values: np.ndarray, knots: int) -> np.ndarray:
    """``knots`` evenly spaced quantiles of ``values``, from the smallest to the largest."""
    return np.nanquantile(values, np.linspace(0.0, 1.0, knots))


def monotone_map(model_values: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Knots taking ``model_values``' quantiles onto the real quantiles ``real`` (linear between),
    or None when either side has nothing to map. A value the model gives many times (a clipped
    tail) goes to the middle of its quantiles."""
    model = quantile_knots(model_values, len(real))
    if not (np.isfinite(model).all() and np.isfinite(real).all()):
        return None
    knots, group = np.unique(model, return_inverse=True)
    if len(knots) < 2:
        return None
    return knots, np.bincount(group, weights=real) / np.bincount(group)


def maps_onto(
    table: pd.DataFrame, real_knots: dict[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each column's monotone map from ``table``'s values onto its real quantiles."""
    maps = {column: monotone_map(kept_values(table, column), real) for column, real in real_knots.items()}
    return {column: found for column, found in maps.items() if found is not None}


def label_key_texts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Each row's label combination as one text (its values as written, empty cells ``nan``)."""
    texts = frame[list(columns)].astype(str).reset_index(drop=True)
    return texts.iloc[:, 0].str.cat([texts[c] for c in texts.columns[1:]], sep="\x1f")


def shifts_to_shares(logits: np.ndarray, shares: np.ndarray, temperature: float) -> np.ndarray:
    """Per category, the shift ``s`` for which rows drawn from softmax((logits + s) / temperature)
    (``logits``: categories x rows) give each category its ``share`` on average.

    Each round moves every shift by the log of its wanted over its current share (the usual
    fixed point for a softmax's intercepts); a category the training rows never show stays rare.
    """
    scale = max(temperature, 1e-6)
    wanted = np.clip(shares / shares.sum(), 1e-9, None)
    shift = np.zeros(len(shares))
    for _ in range(SHIFT_ROUNDS):
        z = (logits + shift[:, None]) / scale
        z = np.exp(z - z.max(axis=0))
        share = (z / z.sum(axis=0)).mean(axis=1)
        if np.abs(share - wanted).max() < SHIFT_TOLERANCE:
            break
        step = scale * np.log(wanted / np.clip(share, 1e-12, None))
        shift = np.clip(shift + step, -SHIFT_LIMIT, SHIFT_LIMIT)
    return shift - shift.max()


def allocate(rows: int, shares: np.ndarray) -> np.ndarray:
    """Split ``rows`` into integer counts proportional to ``shares`` (largest remainder)."""
    exact = rows * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(exact - counts)[::-1][: rows - counts.sum()]] += 1
    return counts


def draw_from_softmax(logits: torch.Tensor) -> torch.Tensor:
    """Per column of ``logits`` (categories along dim 0), an index drawn from its softmax.

    One uniform per column against the cumulative sum: cheaper than Gumbel noise on every
    logit, and categories along dim 0 keep every step on contiguous rows of all samples.
    """
    cumulative = torch.exp(logits - logits.max(dim=0).values).cumsum(dim=0)
    threshold = torch.rand(logits.shape[1], device=logits.device) * cumulative[-1]
    return (cumulative < threshold).sum(dim=0).clamp_max(logits.shape[0] - 1)


class SynthkitTVAE(EpochReportingTVAE):
    """TVAE whose sampling keeps distributions: one-hot spans are drawn from the decoder's softmax.

    Training scores every one-hot span (categories, and the mixture component of each numeric
    column) by cross-entropy on the raw decoder output, so softmax(raw / temperature) at
    temperature 1 is the distribution the decoder learned; ctgan's argmax keeps only its mode.
    With a ``label_plan`` the label columns are drawn jointly among the combinations the training
    rows show (so they never contradict each other), and rows are drawn until every combination
    has its share of the training rows (stratified by rejection, decided before the costly part
    of decoding), so rare failures keep their rate and every failure mode its own.

    Decoded rows stay compact (one value per span: the tanh value, or the drawn index) and go
    back to table rows without ctgan's one-hot round trip; ``to_table`` gives the values ctgan's
    ``inverse_transform`` gives for the same draws.
    """

    temperature: float = 1.0
    mode_temperature: float | None = None  # for numeric columns' mixture modes: None as above, 0 argmax
    noise_scale: float = 1.0  # times the decoder's noise on numeric values: 1 as learned, 0 none
    decode: str = "softmax"  # "argmax" reproduces ctgan's sampling, for comparison
    label_plan: LabelPlan | None = None
    failure_ratio: float | None = None
    max_draw_factor: int = 200
    max_batch: int = 16_384
    real_knots: dict[str, np.ndarray] | None = None  # each numeric column's quantiles in the training rows
    marginal_map: dict[str, tuple[np.ndarray, np.ndarray]] | None = None  # column: (model knots, real knots)
    real_label_knots: dict[str, dict[str, np.ndarray]] | None = None  # label combination: column: quantiles
    label_marginal_map: dict[str, dict[str, tuple]] | None = None  # label combination: column: map
    real_category_shares: dict[str, np.ndarray] | None = None  # per one-hot column, its categories' shares
    category_shift: dict[str, np.ndarray] | None = None  # added to each category's logit, per column
    empty_shift: dict[str, float] | None = None  # models saved before category shifts: is_null columns only
    joint_groups: list[JointGroup] | None = None
    group_shift: dict[str, np.ndarray] | None = None  # added to each combination's log-probability, per group
    _category_logits: dict[str, list[np.ndarray]] | None = None  # collected by ``calibrate``'s sample

    def _draw(self, logits: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """Per column of ``logits`` (categories along dim 0), an index drawn from
        softmax(logits / temperature), or the argmax (at temperature 0)."""
        temperature = self.temperature if temperature is None else temperature
        if self.decode == "argmax" or temperature == 0:
            return logits.argmax(dim=0)
        return draw_from_softmax(logits / temperature)

    def _finish(self, raw: torch.Tensor, drawn: dict[int, torch.Tensor]) -> np.ndarray:
        """Decoder output to compact rows: tanh of each value span, a drawn index for the others.

        ``drawn`` holds indices already drawn for some spans (the labels), keyed by span offset.
        """
        columns = raw.T.contiguous()
        drawn = drawn | self._draw_groups(columns)
        values, start = [], 0
        for info in self.transformer._column_transform_info_list:
            numeric = info.column_type == "continuous"  # a value span, then its mixture mode
            temperature = self.mode_temperature if numeric else None
            for span in info.output_info:
                if span.activation_fn == "softmax":
                    index = drawn.get(start)
                    if index is None:
                        logits = self._shifted(info, columns[start : start + span.dim])
                        index = self._draw(logits, temperature)
                    values.append(index.to(raw.dtype))
                else:
                    values.append(torch.tanh(columns[start]))
                start += span.dim
        return torch.stack(values, dim=1).cpu().numpy()

    def _draw_groups(self, columns: torch.Tensor) -> dict[int, torch.Tensor]:
        """Each joint group's combination per row (``columns``: decoder outputs x rows), drawn with
        probability proportional to the product of its columns' softmax probabilities of its
        values, shifted to the training rows' shares; the drawn index of each column's span."""
        drawn = {}
        cold = self.decode == "argmax" or self.temperature == 0
        scale = 1.0 if cold else self.temperature
        for group in self.joint_groups or ():
            positions = torch.as_tensor(group.positions, device=columns.device)
            log_p = sum(
                torch.log_softmax(columns[offset : offset + len(cats)].float() / scale, dim=0)[
                    positions[:, i]
                ]
                for i, (offset, cats) in enumerate(group.spans)
            )
            if self._category_logits is not None:
                self._category_logits.setdefault(group.name, []).append(log_p.cpu().numpy())
            shift = (self.group_shift or {}).get(group.name)
            if shift is not None:
                log_p = log_p + log_p.new_tensor(np.asarray(shift, dtype=float))[:, None]
            index = self._draw(log_p, 0 if cold else 1.0)
            drawn |= {offset: positions[index, i] for i, (offset, _) in enumerate(group.spans)}
        return drawn

    def learn_real_marginals(self, rows: pd.DataFrame) -> None:
        """Keep each numeric column's quantiles and each one-hot column's category shares in the
        training rows (as the transformer sees them), for ``calibrate``."""
        if not self.transformer.dataframe:
            return
        self.real_category_shares = {
            info.column_name: category_shares(rows[info.column_name], list(info.transform.dummies))
            for info in self.transformer._column_transform_info_list
            if info.column_type == "discrete"
        }
        infos = self.transformer._column_transform_info_list
        numeric = [info.column_name for info in infos if info.column_type == "continuous"]
        knots = min(MARGIN_KNOTS, len(rows))
        self.real_knots = {column: quantile_knots(kept_values(rows, column), knots) for column in numeric}
        self.real_label_knots = None
        if self.label_plan is not None and numeric:
            keys = label_key_texts(rows, self.label_plan.columns)
            self.real_label_knots = {
                key: {
                    column: quantile_knots(
                        kept_values(rows.iloc[index], column), min(MARGIN_KNOTS, len(index))
                    )
                    for column in numeric
                }
                for key, index in keys.groupby(keys).indices.items()
                if len(index) >= LABEL_MARGIN_ROWS
            }

    def calibrate(self, rows: int) -> None:
        """Map each numeric column's values onto the training rows' distribution, from ``rows``
        rows of this model: its quantiles go to the training rows' quantiles, linearly between.

        A VAE's samples are narrower than its data (decoded prior draws regress to the mean: on a
        150-column log the synthetic standard deviations were 0.73x the real ones), and the
        softmax draws of mixture modes that widen them blur the relations between columns. The
        map is fixed and monotone, so rows under conditions keep their place within each column
        and the columns keep their rank order to each other. Values in cells the model empties
        are left out of both sides (they hold the filled-in mean).

        Each one-hot column that is not a label (categories, and whether a cell is empty) gets
        fixed shifts on its categories' logits that give each category its share of the training
        rows: like the map, so the categories still follow the other columns. The decoder alone
        was off by up to 12 % of the empty cells' share on a pump log, and gave a disk fleet's
        most common model 0.31 of the rows instead of 0.36 (labels keep theirs by the label plan).

        The rows of each label combination with enough rows on both sides get maps of their own,
        onto that combination's training rows (``label_marginal_map``): the decoder blurs what a
        label says about the readings (oil samples rated `Critical`, half of them for iron over
        60 ppm, came out with a median of 25 ppm, real 63), and a combination's rows are what
        conditions ask for.
        """
        self.marginal_map, self.category_shift, self.empty_shift, self.group_shift = None, None, None, None
        self.label_marginal_map = None
        if not self.real_knots and not self.real_category_shares:
            return
        self._category_logits = {}
        try:
            table = self.sample(rows)
            logits = {c: np.concatenate(parts, axis=1) for c, parts in self._category_logits.items()}
        finally:
            self._category_logits = None
        labels = self.label_plan.columns if self.label_plan else ()
        self.category_shift = {
            column: shifts_to_shares(logits[column], shares, self.temperature)
            for column, shares in (self.real_category_shares or {}).items()
            if column in logits and column not in labels
        }
        self.group_shift = {
            group.name: shifts_to_shares(logits[group.name], group.shares, 1.0)
            for group in self.joint_groups or ()
            if group.name in logits
        }
        self.marginal_map = maps_onto(table, self.real_knots or {})
        if self.real_label_knots and self.label_plan is not None:
            keys = label_key_texts(table, self.label_plan.columns)
            found = keys.groupby(keys).indices
            self.label_marginal_map = {
                key: maps_onto(table.iloc[found[key]], knots)
                for key, knots in self.real_label_knots.items()
                if len(found.get(key, ())) >= LABEL_MARGIN_ROWS
            }

    def _shifted(self, info: Any, logits: torch.Tensor) -> torch.Tensor:
        """A one-hot column's logits (categories x rows) with its categories' shifts; while
        ``calibrate`` samples, the logits are kept first."""
        if self._category_logits is not None:
            self._category_logits.setdefault(info.column_name, []).append(logits.float().cpu().numpy())
        shift = (self.category_shift or {}).get(info.column_name)
        if shift is None and (self.empty_shift or {}).get(info.column_name) is not None:
            empty = self.empty_shift[info.column_name]  # saved before category shifts
            shift = [empty if float(value) > 0.5 else 0.0 for value in info.transform.dummies]
        if shift is None:
            return logits
        return logits + logits.new_tensor(np.asarray(shift, dtype=float))[:, None]

    def to_table(self, compact: np.ndarray, sigmas: np.ndarray | None) -> pd.DataFrame:
        """ctgan's ``DataTransformer.inverse_transform`` for compact rows (same noise draws, same
        values), numbers then through the marginal maps."""
        from rdt.transformers.utils import try_convert_to_dtype

        transformer, columns, unmapped = self.transformer, {}, {}
        at, offset = 0, 0
        for info in transformer._column_transform_info_list:
            if info.column_type == "continuous":
                value = compact[:, at].astype(float)
                if sigmas is not None:
                    value = np.random.normal(value, sigmas[offset])
                column = normalized_back(info.transform, value, compact[:, at + 1].astype(float))
                unmapped[info.column_name] = column
                if self.marginal_map and info.column_name in self.marginal_map:
                    column = pd.Series(np.interp(column, *self.marginal_map[info.column_name]))
                columns[info.column_name] = column
                at += 2
            else:
                encoder = info.transform
                chosen = np.asarray(encoder.dummies, dtype=object)[compact[:, at].astype(np.intp)]
                columns[info.column_name] = try_convert_to_dtype(pd.Series(chosen), encoder.dtype)
                at += 1
            offset += info.output_dimensions
        if self.marginal_map and self.label_marginal_map and self.label_plan is not None:  # with the map
            self._map_by_label(columns, unmapped)
        table = pd.DataFrame(columns).astype(transformer._column_raw_dtypes)
        return table if transformer.dataframe else table.to_numpy()

    def _map_by_label(self, columns: dict[str, Any], unmapped: dict[str, pd.Series]) -> None:
        """The numbers of each label combination's rows through that combination's maps."""
        labels, dtypes = self.label_plan.columns, self.transformer._column_raw_dtypes
        keys = label_key_texts(
            pd.DataFrame({c: pd.Series(columns[c]).astype(dtypes[c]) for c in labels}), labels
        )
        for key, maps in self.label_marginal_map.items():
            rows = (keys == key).to_numpy()
            if not rows.any():
                continue
            for column, (knots, real) in maps.items():
                values = np.array(columns[column], dtype=float)
                values[rows] = np.interp(unmapped[column].to_numpy(dtype=float)[rows], knots, real)
                columns[column] = pd.Series(values)

    @staticmethod
    def _key_positions(plan: LabelPlan) -> list[torch.Tensor]:
        """For each label span, the position of each allowed key's value in that span."""
        return [
            torch.tensor([category_position(cats, key[i]) for key in plan.keys], dtype=torch.long)
            for i, (_, cats) in enumerate(plan.spans)
        ]

    def _draw_keys(self, hidden: torch.Tensor, last: torch.nn.Linear, plan: LabelPlan) -> torch.Tensor:
        """Draw each row's label combination jointly, among the allowed ones only.

        P(key) is proportional to the product of the label spans' softmax probabilities of the
        key's values, so labels follow the decoder yet never contradict each other.
        """
        log_p = torch.zeros(hidden.shape[0], len(plan.keys), device=hidden.device)
        for (offset, cats), positions in zip(plan.spans, self._key_positions(plan)):
            rows = slice(offset, offset + len(cats))
            logits = (hidden @ last.weight[rows].T + last.bias[rows]) / self.temperature
            log_p += torch.log_softmax(logits, dim=1)[:, positions.to(hidden.device)]
        log_p = log_p.T.contiguous()
        return log_p.argmax(dim=0) if self.decode == "argmax" else draw_from_softmax(log_p)

    def _decode_batch(self, batch: int, plan: LabelPlan | None, need: np.ndarray):
        """Decode ``batch`` prior draws; keep rows whose labels still have room, up to ``need``.

        Labels are drawn first from the last layer's label outputs alone, so rows that are
        thrown away never pay for the rest of the last layer or the other spans. Returns the
        compact rows kept, how many of each key were kept, and how many of each were drawn.
        """
        *body, last = list(self.decoder.seq)
        hidden = torch.nn.Sequential(*body)(torch.randn(batch, self.embedding_dim, device=self._device))
        if plan is None:
            keep = torch.arange(min(batch, int(need[0])), device=hidden.device)
            return self._finish(last(hidden[keep]), {}), np.array([len(keep)]), np.array([batch])
        codes = self._draw_keys(hidden, last, plan).cpu().numpy()
        keep = np.concatenate([np.flatnonzero(codes == k)[: need[k]] for k in np.flatnonzero(need)])
        keep_t = torch.as_tensor(keep, device=hidden.device, dtype=torch.long)
        chosen = torch.as_tensor(codes[keep], dtype=torch.long)
        drawn = {
            offset: positions[chosen].to(hidden.device)
            for (offset, _), positions in zip(plan.spans, self._key_positions(plan))
        }
        taken = np.bincount(codes[keep], minlength=len(need))
        return self._finish(last(hidden[keep_t]), drawn), taken, np.bincount(codes, minlength=len(need))

    def _next_batch(self, need: np.ndarray, seen: np.ndarray, drawn: int) -> int:
        """Enough prior draws to fill every key's remaining quota at the rate seen so far."""
        if drawn == 0:
            return int(min(self.max_batch, max(1024, need.sum())))
        rates = (seen + 1) / (drawn + len(seen))
        wanted = 1.05 * (need / rates).max() + 256
        return int(min(self.max_batch, max(1024, wanted)))

    @random_state
    def sample(self, samples: int) -> pd.DataFrame:
        self.decoder.eval()
        plan = self.label_plan.with_failure_ratio(self.failure_ratio) if self.label_plan else None
        need = allocate(samples, plan.shares) if plan else np.array([samples])
        seen = np.zeros(len(need), dtype=np.int64)
        parts: list[np.ndarray] = []
        drawn = 0
        with torch.no_grad():
            while need.sum() > 0 and drawn < self.max_draw_factor * max(samples, 1000):
                batch = self._next_batch(need, seen, drawn)
                data, taken, counted = self._decode_batch(batch, plan, need)
                parts.append(data)
                need, seen, drawn = need - taken, seen + counted, drawn + batch
            if need.sum() > 0:  # the model almost never makes some combination
                warnings.warn(
                    f"{int(need.sum())} of {samples} rows could not be drawn with their label's share; "
                    "they follow the model's own label distribution instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
                fallback = np.array([need.sum()])
                while fallback[0] > 0:
                    data, taken, _ = self._decode_batch(int(fallback[0]), None, fallback)
                    parts.append(data)
                    fallback = fallback - taken
            sigmas = self.decoder.sigma.detach().cpu().numpy() * self.noise_scale
        # rows of rare labels come from later batches: scatter every part to shuffled positions
        # (one copy into one array, instead of concatenating and then permuting)
        order = torch.randperm(samples).numpy()
        width = sum(len(column) for column in self.transformer.output_info_list)
        data = np.empty((samples, width), dtype=np.float32)
        start = 0
        for part in parts:
            data[order[start : start + len(part)]] = part
            start += len(part)
        return self.to_table(data, sigmas)


def normalized_back(normalizer: Any, values: np.ndarray, components: np.ndarray) -> pd.Series:
    """A ClusterBasedNormalizer's ``reverse_transform`` of (value, mixture component) pairs. The
    normalizers ctgan fits (no missing values seen, no bounds, no rounding) are turned back by
    the same arithmetic directly: rdt's per-call bookkeeping (a table copied, columns dropped and
    added, random states saved and restored; none of them used here) cost 2-4 ms per column and
    call, most of the sampling choice's time on a 560-column log. Others take rdt's way."""
    nulls = normalizer.null_transformer
    if (
        normalizer.enforce_min_max_values
        or normalizer.learn_rounding_scheme
        or normalizer.computer_representation != "Float"
        or (nulls is not None and nulls.nulls)
    ):
        names = list(normalizer.get_output_sdtypes())
        pair = pd.DataFrame({names[0]: values, names[1]: components})
        return normalizer.reverse_transform(pair)[normalizer.get_input_column()]
    restored = pd.Series(normalizer._reverse_transform_helper(np.stack([values, components], axis=1)))
    if pd.api.types.is_integer_dtype(normalizer._dtype):
        restored = restored.round(0)
    return restored.astype(normalizer._dtype).rename(normalizer.get_input_column())
