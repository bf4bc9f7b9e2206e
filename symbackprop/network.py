"""The network as symbols: architecture, one SymPy symbol per quantity, and the forward equations.

Layer ``l`` runs from 1 (first hidden layer) to L (output layer); layer 0 is the
input. ``W[l][j, k]`` is the weight into unit j of layer l from unit k of layer
l-1. Symbols are named with 1-based unit numbers, as worked examples number
them: ``z1_2`` is the pre-activation of the second unit of layer 1.

>>> from symbackprop import activations, losses
>>> arch = Architecture(2, (Layer(1, activations.SIGMOID),), "per-neuron", losses.BCE)
>>> Network(arch).z_definitions[1][0]
W1_1_1*x_1 + W1_1_2*x_2 + b1_1
"""

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .activations import Activation
from .budget import parameter_count
from .losses import Loss


@dataclass(frozen=True)
class Layer:
    units: int
    activation: Activation


@dataclass(frozen=True)
class Architecture:
    """What the derivation depends on: sizes, activations, bias layout and loss (no numbers)."""

    inputs: int
    layers: tuple
    bias: str
    loss: Loss

    @property
    def depth(self):
        return len(self.layers)

    @property
    def outputs(self):
        return self.layers[-1].units

    def widths(self):
        """Units per layer, input first."""
        return [self.inputs, *(layer.units for layer in self.layers)]

    def parameter_shapes(self):
        """Parameter names in order with their shapes: ``{"W1": (2, 2), "b1": (2,), ...}``."""
        shapes = {}
        widths = self.widths()
        for l in range(1, self.depth + 1):
            shapes[f"W{l}"] = (widths[l], widths[l - 1])
            if self.bias == "per-neuron":
                shapes[f"b{l}"] = (widths[l],)
            elif self.bias == "per-layer":
                shapes[f"b{l}"] = ()
        return shapes

    def parameter_count(self):
        return parameter_count(self.widths(), self.bias)


def _vector(prefix, count):
    return [sp.Symbol(f"{prefix}_{j}", real=True) for j in range(1, count + 1)]


class Network:
    """Symbols for every input, target, weight, bias, pre-activation, activation and delta.

    Lists are indexed by layer (``z[l]`` for l = 1..L, with ``a[0]`` the inputs),
    then by 0-based unit. ``z_definitions`` and ``a_definitions`` are the
    forward equations, each written with the symbols of the layer below.
    """

    def __init__(self, architecture):
        self.architecture = architecture
        widths = architecture.widths()
        depth = architecture.depth
        self.x = _vector("x", widths[0])
        self.y = _vector("y", widths[-1])
        self.z = [None] + [_vector(f"z{l}", widths[l]) for l in range(1, depth + 1)]
        self.a = [self.x] + [_vector(f"a{l}", widths[l]) for l in range(1, depth + 1)]
        self.delta = [None] + [_vector(f"delta{l}", widths[l]) for l in range(1, depth + 1)]
        self.W = [None] + [
            sp.Matrix(widths[l], widths[l - 1], lambda j, k, l=l: sp.Symbol(f"W{l}_{j + 1}_{k + 1}", real=True))
            for l in range(1, depth + 1)
        ]
        if architecture.bias == "per-neuron":
            self.b = [None] + [_vector(f"b{l}", widths[l]) for l in range(1, depth + 1)]
        elif architecture.bias == "per-layer":
            self.b = [None] + [sp.Symbol(f"b{l}", real=True) for l in range(1, depth + 1)]
        else:
            self.b = [None] * (depth + 1)

    def bias_of(self, l, j):
        """The bias symbol unit j of layer l adds (the shared one for a per-layer bias), or 0."""
        b = self.b[l]
        if b is None:
            return sp.Integer(0)
        return b if isinstance(b, sp.Symbol) else b[j]

    @cached_property
    def z_definitions(self):
        """``z_definitions[l][j]``: z = sum_k W[l][j, k] a[l-1][k] + b."""
        return [None] + [
            [
                sp.Add(*[self.W[l][j, k] * self.a[l - 1][k] for k in range(len(self.a[l - 1]))]) + self.bias_of(l, j)
                for j in range(len(self.z[l]))
            ]
            for l in range(1, self.architecture.depth + 1)
        ]

    @cached_property
    def a_definitions(self):
        """``a_definitions[l][j]``: the unit's activation written with the layer's z symbols."""
        return [None] + [
            [layer.activation.definition(self.z[l], j) for j in range(layer.units)]
            for l, layer in enumerate(self.architecture.layers, start=1)
        ]

    @cached_property
    def loss(self):
        """The loss of one sample, written with the output symbols and targets."""
        return self.architecture.loss.formula(self.a[-1], self.y)

    def parameters(self):
        """Every parameter symbol, with its spec name and 0-based index: ``[(symbol, "W1", (j, k)), ...]``."""
        result = []
        for l in range(1, self.architecture.depth + 1):
            W = self.W[l]
            result.extend((W[j, k], f"W{l}", (j, k)) for j in range(W.rows) for k in range(W.cols))
            b = self.b[l]
            if isinstance(b, sp.Symbol):
                result.append((b, f"b{l}", ()))
            elif b is not None:
                result.extend((bj, f"b{l}", (j,)) for j, bj in enumerate(b))
        return result

    def substitute_forward(self, expr):
        """Rewrite ``expr`` in inputs, targets and parameters only, by unrolling the forward equations.

        This is the "fully substituted" form; it grows quickly with depth and is
        meant for proofs on small networks, never for computing gradients.
        """
        for l in range(self.architecture.depth, 0, -1):
            expr = expr.xreplace(dict(zip(self.a[l], self.a_definitions[l])))
            expr = expr.xreplace(dict(zip(self.z[l], self.z_definitions[l])))
        return expr
