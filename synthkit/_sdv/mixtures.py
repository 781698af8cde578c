"""rdt's Bayesian mixture of one numeric column, fitted for many columns at once.

Each numeric column's ``ClusterBasedNormalizer`` fits scikit-learn's
``BayesianGaussianMixture(n_components, weight_concentration_prior_type="dirichlet_process",
weight_concentration_prior=0.001)``: up to 100 variational iterations, each some forty small
numpy calls per component. On one column that bookkeeping, not the arithmetic, is the cost:
0.2-0.8 s a column, five minutes for a 560-sensor log. Here the same iterations run on a block
of columns as arrays of shape (rows, columns, components): the same k-means start (scikit-learn's
own, with the column's seed), the same updates, the same stopping rule per column (a column that
has converged keeps its parameters while the others go on). What comes back are scikit-learn
mixtures with the attributes a fit sets, so rdt's transform and reverse transform use them as
they are. Only for one-feature mixtures of this prior, which is all rdt fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln
from sklearn.cluster import KMeans
from sklearn.mixture import BayesianGaussianMixture
from sklearn.utils import check_random_state

WEIGHT_PRIOR = 0.001  # rdt's weight_concentration_prior
MAX_ITER, TOL, REG_COVAR = 100, 1e-3, 1e-6  # scikit-learn's defaults, which rdt keeps
BLOCK_CELLS = 262_144  # rows x columns x components at once: 2 MB arrays, in cache
_EPS = 10 * np.finfo(np.float64).eps  # what scikit-learn adds to each component's weight
_LOG_2PI, _LOG_2 = math.log(2 * math.pi), math.log(2.0)


@dataclass
class _Posterior:
    """The variational parameters of a block of columns, each (columns, components)."""

    alpha: np.ndarray  # the stick-breaking Beta's two parameters
    beta: np.ndarray
    mean_precision: np.ndarray
    means: np.ndarray
    degrees_of_freedom: np.ndarray
    covariances: np.ndarray

    def where(self, keep: np.ndarray, new: _Posterior) -> _Posterior:
        """These parameters on the columns in ``keep``, ``new``'s on the others."""
        rows = keep[:, None]
        return _Posterior(
            *(np.where(rows, old, fresh) for old, fresh in zip(vars(self).values(), vars(new).values()))
        )


def fit_mixtures(
    columns: Sequence[np.ndarray], seeds: Sequence[int], n_components: int, threads: int = 1
) -> list:
    """One fitted ``BayesianGaussianMixture`` per column (1-D arrays of the same length).

    Each is the mixture ``BayesianGaussianMixture(n_components, weight_concentration_prior_type=
    "dirichlet_process", weight_concentration_prior=0.001, random_state=seed).fit(column)`` gives,
    to rounding. Blocks of columns are fitted side by side in ``threads`` threads.
    """
    if not columns:
        return []
    rows = len(columns[0])
    if rows < max(2, n_components):  # scikit-learn's own errors for too few rows
        return [
            _mixture(seed, n_components).fit(np.reshape(column, (-1, 1)))
            for column, seed in zip(columns, seeds)
        ]
    width = max(1, BLOCK_CELLS // (rows * n_components))
    blocks = [range(start, min(start + width, len(columns))) for start in range(0, len(columns), width)]

    def fit_block(block: range) -> list:
        values = np.column_stack([np.asarray(columns[j], dtype=np.float64) for j in block])
        return _fit_block(values, [seeds[j] for j in block], n_components)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return [mixture for fitted in pool.map(fit_block, blocks) for mixture in fitted]


def _mixture(seed: int, n_components: int) -> BayesianGaussianMixture:
    return BayesianGaussianMixture(
        n_components=n_components,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=WEIGHT_PRIOR,
        random_state=seed,
    )


def _fit_block(x: np.ndarray, seeds: list[int], n_components: int) -> list:
    """scikit-learn's fit loop, ``n_init=1``, on every column of ``x`` at once."""
    rows, columns = x.shape
    mean_prior, covariance_prior = x.mean(axis=0), x.var(axis=0, ddof=1)
    by_column = np.ascontiguousarray(x.T)  # arrays are (components, columns, rows): rows contiguous
    resp = np.zeros((n_components, columns, rows))
    for j, seed in enumerate(seeds):
        labels = (
            KMeans(n_clusters=n_components, n_init=1, random_state=check_random_state(seed))
            .fit(x[:, [j]])
            .labels_
        )
        resp[labels, j, np.arange(rows)] = 1
    posterior = _m_step(by_column, resp, mean_prior, covariance_prior)

    lower_bound = np.full(columns, -np.inf)
    bounds: list[list[float]] = [[] for _ in range(columns)]
    active = np.ones(columns, dtype=bool)
    n_iter = np.zeros(columns, dtype=int)
    for iteration in range(1, MAX_ITER + 1):
        resp, log_resp = _responsibilities(by_column, posterior)
        updated = _m_step(by_column, resp, mean_prior, covariance_prior)
        bound = _lower_bound(resp, log_resp, updated)
        posterior = updated.where(active, posterior)
        change = bound - lower_bound
        for j in np.flatnonzero(active):
            bounds[j].append(float(bound[j]))
        lower_bound = np.where(active, bound, lower_bound)
        n_iter[active] = iteration
        active &= ~(np.abs(change) < TOL)
        if not active.any():
            break
    return [
        _fitted(
            seed,
            n_components,
            posterior,
            j,
            mean_prior[j],
            covariance_prior[j],
            n_iter[j],
            bounds[j],
            not active[j],
        )
        for j, seed in enumerate(seeds)
    ]


def _m_step(
    x: np.ndarray, resp: np.ndarray, mean_prior: np.ndarray, covariance_prior: np.ndarray
) -> _Posterior:
    """``BayesianGaussianMixture._m_step`` (and ``_initialize``) for one feature; ``x`` is (columns, rows)."""
    nk = resp.sum(axis=2).T + _EPS  # (columns, components) from here on
    xk = np.einsum("kcr,cr->ck", resp, x) / nk
    spread = x[None] - xk.T[:, :, None]
    np.square(spread, out=spread)
    sk = np.einsum("kcr,kcr->ck", resp, spread) / nk + REG_COVAR
    later = np.cumsum(nk[:, ::-1], axis=1)[:, -2::-1]  # weight of the components after each one
    mean_precision = 1.0 + nk
    offset = xk - mean_prior[:, None]
    degrees_of_freedom = 1.0 + nk
    return _Posterior(
        alpha=1.0 + nk,
        beta=WEIGHT_PRIOR + np.hstack([later, np.zeros((len(nk), 1))]),
        mean_precision=mean_precision,
        means=(mean_prior[:, None] + nk * xk) / mean_precision,
        degrees_of_freedom=degrees_of_freedom,
        covariances=(covariance_prior[:, None] + nk * sk + nk / mean_precision * offset * offset)
        / degrees_of_freedom,
    )


def _responsibilities(x: np.ndarray, p: _Posterior) -> tuple[np.ndarray, np.ndarray]:
    """``BayesianGaussianMixture._estimate_log_prob_resp`` for one feature: the responsibilities
    and their logarithms, (components, columns, rows)."""
    precision_root = 1.0 / np.sqrt(p.covariances)
    log_lambda = _LOG_2 + digamma(0.5 * p.degrees_of_freedom)
    per_component = (
        np.log(precision_root)
        - 0.5 * np.log(p.degrees_of_freedom)
        + 0.5 * (log_lambda - 1.0 / p.mean_precision)
    )
    both = digamma(p.alpha + p.beta)
    stick = np.cumsum(digamma(p.beta) - both, axis=1)[:, :-1]
    log_weights = digamma(p.alpha) - both + np.hstack([np.zeros((len(stick), 1)), stick])
    weighted = x[None] - p.means.T[:, :, None]
    weighted *= precision_root.T[:, :, None]
    np.square(weighted, out=weighted)
    weighted *= -0.5
    weighted += (per_component + log_weights - 0.5 * _LOG_2PI).T[:, :, None]
    weighted -= weighted.max(axis=0)
    with np.errstate(under="ignore"):
        resp = np.exp(weighted)
    total = resp.sum(axis=0)
    resp /= total
    weighted -= np.log(total)
    return resp, weighted


def _lower_bound(resp: np.ndarray, log_resp: np.ndarray, p: _Posterior) -> np.ndarray:
    """``BayesianGaussianMixture._compute_lower_bound`` for one feature, per column."""
    log_det = -0.5 * np.log(p.covariances) - 0.5 * np.log(p.degrees_of_freedom)
    dof = p.degrees_of_freedom
    log_wishart = -(dof * log_det + dof * 0.5 * _LOG_2 + gammaln(0.5 * dof)).sum(axis=1)
    return (
        -np.einsum("kcr,kcr->c", resp, log_resp)
        - log_wishart
        + betaln(p.alpha, p.beta).sum(axis=1)
        - 0.5 * np.log(p.mean_precision).sum(axis=1)
    )


def _fitted(
    seed: int,
    n_components: int,
    p: _Posterior,
    j: int,
    mean_prior: float,
    covariance_prior: float,
    n_iter: int,
    bounds: list[float],
    converged: bool,
) -> BayesianGaussianMixture:
    """A scikit-learn mixture holding column ``j``'s parameters, as its own ``fit`` leaves it."""
    mixture = _mixture(seed, n_components)
    mixture.n_features_in_ = 1
    mixture.weight_concentration_prior_ = WEIGHT_PRIOR
    mixture.mean_precision_prior_ = 1.0
    mixture.mean_prior_ = np.array([mean_prior])
    mixture.degrees_of_freedom_prior_ = 1
    mixture.covariance_prior_ = np.atleast_2d(covariance_prior)
    covariances = p.covariances[j].reshape(-1, 1, 1)
    mixture._set_parameters(
        (
            (p.alpha[j].copy(), p.beta[j].copy()),
            p.mean_precision[j].copy(),
            p.means[j].reshape(-1, 1),
            p.degrees_of_freedom[j].copy(),
            covariances,
            1.0 / np.sqrt(covariances),
        )
    )
    mixture.converged_, mixture.n_iter_ = converged, int(n_iter)
    mixture.lower_bound_, mixture.lower_bounds_ = bounds[-1], bounds
    return mixture
