"""The Zoom page's points: a fixed-seed mixture of Gaussians, clusters of
clusters five levels deep, so that every zoom finds structure.

A cluster splits into :data:`CHILDREN` clusters whose centres lie about
``SPREADS[level]`` from its own, and keeps ``SHARES[level]`` of its points
for a Gaussian cloud of its own (as wide as ``SPREADS[level]``); the last
level keeps all: 781 Gaussians, from a haze (standard deviation 1.6) to
specks (0.02). The same seed gives the same points on every machine.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

__all__ = ["DIGEST", "make"]

CHILDREN = 5
SPREADS = (2.0, 0.75, 0.25, 0.08, 0.025)
SHARES = (0.12, 0.25, 0.3, 0.3, 1.0)

#: What the points depend on besides their count and seed: a cache file
#: made by other parameters (or by an older version of this code, which
#: must change ``1``) is never read as these.
DIGEST = hashlib.blake2b(
    repr((1, CHILDREN, SPREADS, SHARES)).encode(), digest_size=4
).hexdigest()


def _mixture(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every Gaussian of the mixture: centres (n x 2), shares of the points
    (summing to 1) and widths."""
    centres, weights = [np.zeros((1, 2))], [np.ones(1)]
    for spread in SPREADS[:-1]:
        parents = centres[-1]
        offsets = rng.standard_normal((len(parents), CHILDREN, 2)) * spread
        split = rng.dirichlet(np.ones(CHILDREN), size=len(parents))
        centres.append((parents[:, np.newaxis, :] + offsets).reshape(-1, 2))
        weights.append((weights[-1][:, np.newaxis] * split).ravel())
    shares, left = [], 1.0
    for level, level_weights in enumerate(weights):
        shares.append(level_weights * left * SHARES[level])
        left *= 1 - SHARES[level]
    share = np.concatenate(shares)
    centre = np.concatenate(centres)
    # Centre the whole cloud on (0, 0), its centre of mass.
    centre -= share @ centre
    width = np.concatenate(
        [
            np.full(len(c), 0.8 * spread)
            for c, spread in zip(centres, SPREADS, strict=True)
        ]
    )
    return centre, share, width


def make(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points of the mixture as float32 x and y, grouped by
    Gaussian: 4 s and 800 MB for a hundred million."""
    rng = np.random.default_rng(seed)
    centre, share, width = _mixture(rng)
    sizes = rng.multinomial(count, share / share.sum())
    # Standard normal draws, turned in place into each Gaussian's points:
    # stretched, turned by a random angle and moved to its centre.
    x = rng.standard_normal(count, dtype=np.float32)
    y = rng.standard_normal(count, dtype=np.float32)
    angle = rng.uniform(0, np.pi, len(centre))
    squash = rng.uniform(0.3, 1.0, len(centre))
    ends = np.cumsum(sizes)
    for i, end in enumerate(ends):
        u, v = x[end - sizes[i] : end], y[end - sizes[i] : end]
        cos = np.float32(math.cos(angle[i]) * width[i])
        sin = np.float32(math.sin(angle[i]) * width[i])
        v *= np.float32(squash[i])
        turned = u * cos - v * sin + np.float32(centre[i, 0])
        v *= cos
        v += u * sin + np.float32(centre[i, 1])
        u[:] = turned
    return x, y
