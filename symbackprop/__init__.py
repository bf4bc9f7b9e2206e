"""symbackprop: backpropagation derived symbolically, evaluated exactly, explained step by step.

>>> from symbackprop import load, train
>>> result = train(load("bce_sigmoid_2_2_1"))
>>> round(result.loss, 4)
1.3975
"""

from .derivation import Derivation, Gradient, UnitDelta, derive
from .errors import SpecError
from .evaluation import Evaluator, Result, Trace, Workspace, evaluator, train
from .spec import Spec, bundled_examples, load, parse

__all__ = [
    "Derivation",
    "Evaluator",
    "Gradient",
    "Result",
    "Spec",
    "SpecError",
    "Trace",
    "UnitDelta",
    "Workspace",
    "bundled_examples",
    "derive",
    "evaluator",
    "load",
    "parse",
    "train",
]
__version__ = "0.1.0"
