"""The chain rule, worked out symbolically, as a plain data model.

How it works
------------
Backpropagation never differentiates the whole loss at once. It walks the
network from the output back to the input and, at each unit, multiplies a few
small local derivatives:

1. Output layer. For each output unit j, ``dL/da_j`` comes from differentiating
   the one-sample loss with respect to that unit's output symbol, and the
   activation's derivative ``f'(z_j)`` is written with the unit's own output
   (a sigmoid's is ``a(1 - a)``). Their product is the unit's *delta*
   ``dL/dz_j``. We then try to cancel it: binary cross-entropy after a sigmoid
   collapses to ``a - y``, and so does cross-entropy after softmax (there the
   Jacobian of softmax mixes all outputs, and the cancellation uses that each
   sample's targets sum to 1). Half squared error after the identity is also
   ``a - y``.
2. Hidden layers, from the top down. A hidden unit feeds every unit m of the
   layer above through weight ``W[m, j]``, so ``dL/da_j = sum_m W[m, j] delta_m``:
   one *contribution* per downstream unit. Times ``f'(z_j)`` this gives the
   hidden delta. The deltas of the layer above stay symbols here, which is what
   keeps the cost linear in the number of parameters.
3. Parameters. ``z_j = sum_k W[j, k] a_k + b_j``, so ``dL/dW[j, k] = delta_j a_k``
   and ``dL/db_j = delta_j``. A bias shared by a whole layer feeds every unit of
   it, so its gradient is the sum of the layer's deltas.

Every step is kept (the factors, the raw product and the simplified closed
form) because the documents show all of them. :meth:`Derivation.expand`
replaces delta symbols by their closed forms, and the network's
``substitute_forward`` unrolls the forward equations; together they give the
fully substituted gradient, which the tests compare with SymPy's ``diff`` of the
fully substituted loss on small networks.
"""

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from . import budget
from .expressions import degree
from .network import Network

TARGETS_SUM_TO_ONE = "the targets of each sample sum to 1"


@dataclass(frozen=True)
class UnitDelta:
    """dL/dz for one unit, step by step.

    ``grad_a`` is dL/da (for a hidden unit, the sum of ``contributions``, one per
    unit of the layer above); ``fprime`` is f'(z) written with the unit's output,
    or None for softmax, whose derivative is a full Jacobian; ``raw`` is the
    product before simplification and ``closed_form`` the simplified result,
    valid under ``assumption`` when that is not None.
    """

    layer: int
    unit: int
    symbol: sp.Symbol
    grad_a: sp.Expr
    contributions: tuple
    fprime: sp.Expr | None
    raw: sp.Expr
    closed_form: sp.Expr
    assumption: str | None = None

    @property
    def softmax(self):
        """Whether the unit is a softmax output, whose error signal sums over the whole layer's Jacobian."""
        return self.fprime is None

    @property
    def cancels(self):
        """Whether the closed form is shorter than the product (documents then show the cancellation)."""
        return self.closed_form not in (self.raw, sp.Mul(*self.raw.args))


@dataclass(frozen=True)
class Gradient:
    """dL/d(parameter).

    ``chains`` has one ``(delta symbol, dz/dparameter)`` pair per unit the
    parameter feeds (one pair, except for a bias shared by a layer);
    ``closed_form`` is their sum with every delta of this layer written out.
    """

    symbol: sp.Symbol
    name: str
    index: tuple
    chains: tuple
    closed_form: sp.Expr


@dataclass(frozen=True)
class Derivation:
    network: Network
    deltas: tuple
    gradients: tuple

    @property
    def architecture(self):
        return self.network.architecture

    def delta(self, layer, unit):
        return self.deltas[layer][unit]

    def expand(self, expr):
        """Replace every delta symbol in ``expr`` by its closed form, down to the output layer."""
        for layer in self.deltas[1:]:
            expr = expr.xreplace({d.symbol: d.closed_form for d in layer})
        return expr

    def fully_substituted(self, expr):
        """``expr`` written with inputs, targets and parameters only (small networks only)."""
        return self.network.substitute_forward(self.expand(expr))


@lru_cache(maxsize=32)
def derive(architecture):
    """Derive every delta and every parameter gradient of ``architecture`` in closed form."""
    net = Network(architecture)
    depth = architecture.depth
    deltas = [None] * (depth + 1)
    deltas[depth] = tuple(_output_deltas(net))
    for l in range(depth - 1, 0, -1):
        fprime = _generic_derivative(net.architecture.layers[l - 1].activation)
        deltas[l] = tuple(_hidden_delta(net, l, j, fprime) for j in range(len(net.z[l])))
    deltas = tuple(deltas)
    gradients = tuple(_gradient(net, deltas, symbol, name, index) for symbol, name, index in net.parameters())
    return Derivation(net, deltas, gradients)


# A unit's z, a and target, standing for every unit of a layer: what is derived for them once is renamed
# for each unit (xreplace), so a layer's cost does not grow with its units.
_Z, _A, _Y = (sp.Dummy(name, real=True) for name in "zay")


def _output_deltas(net):
    L = net.architecture.depth
    activation = net.architecture.layers[-1].activation
    loss = net.architecture.loss
    z, a, y = net.z[L], net.a[L], net.y
    if not activation.vector:
        yield from _elementwise_output_deltas(net, activation, loss)
        return
    # Each output depends on the whole layer (softmax): every output feeds every delta through the Jacobian.
    grad_a = [sp.diff(loss.term(aj, yj), aj) for aj, yj in zip(a, y)]
    for j in range(len(a)):
        raw = sp.Add(*[grad_a[k] * activation.jacobian(z, a, j, k) for k in range(len(a))])
        closed, assumption = _cancel_with_target_sum(raw, a[j] - y[j], y) if loss.targets_sum_to_one else (raw, None)
        yield UnitDelta(L, j, net.delta[L][j], grad_a[j], (), None, raw, closed, assumption)


def _elementwise_output_deltas(net, activation, loss):
    """Output deltas when each output depends on its own z only: derived once, then renamed for every unit.

    Every such output unit has the same loss term and the same activation, so differentiating and
    cancelling once for generic symbols and renaming the result gives each unit's delta at a cost
    that does not grow with the units' count (done unit by unit, 512 outputs took 12 s).
    """
    L = net.architecture.depth
    grad_a = sp.diff(loss.term(_A, _Y), _A)
    fprime = _generic_derivative(activation)
    closed = _simplest(sp.Mul(grad_a, fprime, evaluate=False))
    for j, (aj, zj, yj) in enumerate(zip(net.a[L], net.z[L], net.y)):
        names = {_A: aj, _Z: zj, _Y: yj}
        grad_aj, fprime_j = grad_a.xreplace(names), fprime.xreplace(names)
        raw = sp.Mul(grad_aj, fprime_j, evaluate=False)
        yield UnitDelta(L, j, net.delta[L][j], grad_aj, (), fprime_j, raw, closed.xreplace(names))


def simplifiable(expr):
    """Whether cancelling ``expr`` is within the budget: a custom formula of high degree can make
    cancel() and factor() run for minutes, so such a delta is kept as the chain rule gives it."""
    return (
        not expr.has(sp.Piecewise)
        and degree(expr) <= budget.MAX_SIMPLIFY_DEGREE
        and sp.count_ops(expr) <= budget.MAX_SIMPLIFY_OPERATIONS
    )


def _simplest(raw):
    """The cancelled form of ``raw`` when it is shorter, else ``raw`` itself (no slow simplify())."""
    if not simplifiable(raw):
        return sp.Mul(*raw.args)
    candidate = sp.factor(sp.cancel(raw))
    return candidate if sp.count_ops(candidate) < sp.count_ops(raw) else sp.Mul(*raw.args)


def _cancel_with_target_sum(raw, candidate, y):
    """Use ``candidate`` for ``raw`` when they agree once one target is written as 1 minus the others."""
    constraint = {y[-1]: 1 - sp.Add(*y[:-1])}
    if sp.expand((raw - candidate).xreplace(constraint)) == 0:
        return candidate, TARGETS_SUM_TO_ONE
    return raw, None


def _generic_derivative(activation):
    """f'(z) of ``activation`` for generic z and a: differentiated once per layer, renamed for each unit."""
    return activation.derivative(_Z, _A)


def _hidden_delta(net, l, j, generic_fprime):
    W_above, delta_above = net.W[l + 1], net.delta[l + 1]
    contributions = tuple(W_above[m, j] * delta_above[m] for m in range(len(delta_above)))
    grad_a = sp.Add(*contributions)
    fprime = generic_fprime.xreplace({_Z: net.z[l][j], _A: net.a[l][j]})
    product = sp.Mul(fprime, grad_a)
    return UnitDelta(l, j, net.delta[l][j], grad_a, contributions, fprime, product, product)


def _gradient(net, deltas, symbol, name, index):
    l = int(name[1:])
    layer = deltas[l]
    if name.startswith("W"):
        j, k = index
        local = net.a[l - 1][k]
        chains = ((layer[j].symbol, local),)
        closed = layer[j].closed_form * local
    elif index:
        (j,) = index
        chains = ((layer[j].symbol, sp.Integer(1)),)
        closed = layer[j].closed_form
    else:
        chains = tuple((d.symbol, sp.Integer(1)) for d in layer)
        closed = sp.Add(*[d.closed_form for d in layer])
    return Gradient(symbol, name, index, chains, closed)
