"""The random generator behind `randn`/`rand` values, made on first use.

Importing numpy.random costs start-up time that a run without random values
should not pay, so the parser, the point reader and the CLI pass this
stand-in around and ask it for the generator only when one is needed.
"""
from __future__ import annotations

import numpy as np


class Seeded:
    """A random generator made on first use, from `seed` (so every run is reproducible)."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._generator = None

    def generator(self) -> np.random.Generator:
        if self._generator is None:
            self._generator = np.random.default_rng(self.seed)
        return self._generator
