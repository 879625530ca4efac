"""SymPy's floor and ceiling with derivative 0 (SymPy leaves Derivative(floor(x), x) unevaluated).

Imported only when a SymPy translation runs (from `forwards_special`), so SymPy
stays unloaded on the AD-only paths; the classes live at module level so a
symbolic result can be pickled back from the forked child that computed it.
"""
from __future__ import annotations

import sympy as sp


class flat_floor(sp.floor):
    def fdiff(self, argindex=1):
        return sp.S.Zero


class flat_ceiling(sp.ceiling):
    def fdiff(self, argindex=1):
        return sp.S.Zero
