"""`diffx plot` and graph export (DOT, SVG, PNG, Mermaid): pictures of f, its derivatives and its graph."""
from __future__ import annotations

from .app import app  # noqa: F401  (commands below register on the one app)
