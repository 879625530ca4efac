"""Import the example file's functions for the tests (examples/ is not a package)."""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("control_flow", Path(__file__).resolve().parents[1] / "examples" /
                                               "control_flow.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
f, g, step = _module.f, _module.g, _module.step
