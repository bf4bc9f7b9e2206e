"""symbackprop: backpropagation derived symbolically, evaluated exactly, explained step by step.

>>> from symbackprop import load, train
>>> result = train(load("bce_sigmoid_2_2_1"))
>>> round(result.loss, 4)
1.3975
"""

import importlib

from .errors import SpecError as SpecError

# Public names and the modules that hold them. They are imported on first use (PEP 562), so that
# `import symbackprop.cli` is light: the command line installs its signal handlers before SymPy loads.
_EXPORTS = {
    "Derivation": "derivation",
    "Gradient": "derivation",
    "UnitDelta": "derivation",
    "derive": "derivation",
    "Evaluator": "evaluation",
    "Result": "evaluation",
    "Trace": "evaluation",
    "Workspace": "evaluation",
    "evaluator": "evaluation",
    "train": "evaluation",
    "Quantity": "quantities",
    "canonical_quantities": "quantities",
    "Spec": "spec",
    "bundled_examples": "spec",
    "load": "spec",
    "parse": "spec",
}
__all__ = sorted([*_EXPORTS, "SpecError"])


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"
