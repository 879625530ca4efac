"""Where an op is not differentiable, and what each method and framework answers there.

Each op of the table may declare a kink rule: given its inputs, where (which
elements) it sits at a point of non-differentiability, the one-sided
derivatives and the subdifferential there, the convention diffx's AD uses,
and what PyTorch and JAX use. `find` applies the rules after a forward pass;
`numeric` finds kinks with no rule at all (inside a Python function, or a
finite-difference step that straddles one) from one-sided differences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
