"""Canonical quantity names: one plain name for every number a run produces, shared by answer keys and checkers.

Indices are 1-based: layer ``l`` (1 the first hidden layer), unit ``j``, unit ``k`` of the layer below
(an input in the first layer), sample ``s``. The names, documented in docs/quantities.md:

- ``z{l}_{j}``, ``a{l}_{j}``: the training sample's forward values (``@{s}`` for sample ``s``);
- ``loss`` (the step's loss, as ``grad --json`` gives it), ``loss@{s}``, ``loss_total``;
- ``dL/da{l}_{j}``, ``delta{l}_{j}``: the training sample's (``@{s}`` for each trained sample in batch mode);
- ``dL/dW{l}[j,k]``, ``dL/db{l}[j]`` (per-neuron) or ``dL/db{l}`` (per-layer): the first step's gradients;
- ``new W{l}[j,k]``, ``new b{l}[j]``, ``new b{l}``: the parameters after the last step;
- ``after z{l}_{j}``, ``after a{l}_{j}``, ``loss_after``: the training sample's forward pass afterwards.

>>> from symbackprop import load, train
>>> values = canonical_quantities(train(load("regression_2_2_1_linear_output")))
>>> [round(values[name], 4) for name in ("a2_1", "delta2_1", "dL/dW2[1,2]", "new b2[1]")]
[0.7668, -0.2332, -0.1452, 0.2166]
"""

import re
from dataclasses import dataclass

import numpy as np

FAMILIES = ("forward", "loss", "signals", "gradients", "updated", "after")


@dataclass(frozen=True)
class Quantity:
    """One canonical quantity of a run: its name, its family (one of :data:`FAMILIES`), layer and value (an
    array of one value per parameter set for a run of several)."""

    name: str
    family: str
    layer: int | None
    value: np.ndarray


def canonical_quantities(result):
    """Every canonical quantity of ``result`` (a :class:`~symbackprop.Result`), as a name -> value map."""
    return {q.name: float(q.value) for q in listed(result)}


def listed(result):
    """Every canonical quantity of ``result`` as :class:`Quantity` records, in the order a solution gives them:
    forward values, losses, signals (from the output layer down), gradients, updated parameters, the pass after.

    ``result`` may also be a run of many parameter sets at once, its arrays with a leading axis (see
    :func:`symbackprop.variants.stacked_run`): each value is then an array with one entry per set.
    """
    spec, before, after = result.spec, result.before, result.after
    depth, s0 = len(before.z) - 1, spec.rows[0]
    samples = before.z[1].shape[-2]
    found = []

    def add(name, family, layer, value):
        found.append(Quantity(name, family, layer, np.asarray(value, dtype=float)))

    def units(trace, family, l, s):
        values = getattr(trace, family)[l][..., s, :]
        return [values[..., j] for j in range(values.shape[-1])]

    for l in range(1, depth + 1):
        for family in ("z", "a"):
            for j, value in enumerate(units(before, family, l, s0)):
                add(unit_name(family, l, j), "forward", l, value)
    for l in range(1, depth + 1):
        for family in ("z", "a"):
            for s in range(samples):
                for j, value in enumerate(units(before, family, l, s)):
                    add(unit_name(family, l, j, s), "forward", l, value)
    add("loss", "loss", None, result.loss)
    for s in range(samples):
        add(f"loss@{s + 1}", "loss", None, before.loss_sample[..., s])
    add("loss_total", "loss", None, result.loss_total)
    batch = spec.mode != "sample"
    for l in range(depth, 0, -1):
        for name, family in (("dL/da", "grad_a"), ("delta", "delta")):
            for s in spec.rows if batch else [s0]:
                for j, value in enumerate(units(before, family, l, s)):
                    add(unit_name(name, l, j, s if batch else None), "signals", l, value)
    for family, arrays, prefix in (("gradients", result.gradients, "dL/d"), ("updated", result.updated, "new ")):
        for pname in sorted(arrays, key=_layer_first(depth)):
            l, array = int(pname[1:]), np.asarray(arrays[pname], dtype=float)
            shape = np.shape(spec.parameters[pname])
            for index in np.ndindex(shape):
                add(f"{prefix}{pname}{_index(index)}", family, l, array[(..., *index)])
    for l in range(1, depth + 1):
        for family in ("z", "a"):
            for j, value in enumerate(units(after, family, l, s0)):
                add("after " + unit_name(family, l, j), "after", l, value)
    add("loss_after", "after", None, result.loss_after)
    return found


def unit_name(family, l, j, sample=None):
    """The canonical name of ``family`` ("z", "a", "delta" or "dL/da") of unit ``j`` (0-based) of layer ``l``: for
    the training sample, or for the 0-based ``sample`` (``@s``).

    >>> unit_name("delta", 2, 0), unit_name("a", 1, 2, sample=4)
    ('delta2_1', 'a1_3@5')
    """
    return f"{family}{l}_{j + 1}" + (f"@{sample + 1}" if sample is not None else "")


def _layer_first(depth):
    """Sort key for parameter names: the output layer first (as a solution updates it), weights before biases."""
    return lambda pname: (depth - int(pname[1:]), pname[0] != "W")


def gradient_name(pname, index):
    """The canonical name of the gradient of parameter ``pname`` ("W2", "b1") at its 0-based ``index``.

    >>> gradient_name("W2", (0, 2)), gradient_name("b1", (1,)), gradient_name("b1", ())
    ('dL/dW2[1,3]', 'dL/db1[2]', 'dL/db1')
    """
    return f"dL/d{pname}{_index(index)}"


def _index(index):
    """``[j,k]``, ``[j]`` or nothing, 1-based, for a parameter's 0-based ``index``."""
    return f"[{','.join(str(i + 1) for i in index)}]" if index else ""


NAME = re.compile(
    r"(?P<after>after )?(?P<family>z|a)(?P<l>\d+)_(?P<j>\d+)(?:@(?P<s>\d+))?"
    r"|(?P<loss>loss(?:@\d+|_total|_after)?)"
    r"|(?P<signal>dL/da|delta)(?P<sl>\d+)_(?P<sj>\d+)(?:@(?P<ss>\d+))?"
    r"|(?P<param>dL/d|new )(?P<kind>[Wb])(?P<pl>\d+)(?:\[(?P<pi>\d+(?:,\d+)?)\])?"
)


def _after(latex):
    """A value after the update, told apart from the one before: ``{z_{1}}^{\\mathrm{after}}``."""
    return f"{{{latex}}}^{{\\mathrm{{after}}}}"


# Besides the names of a run, a hand-worked solution may give a unit's activation derivative f'(z) of the
# training sample: da/dz{l}_{j}. Claims files accept it and the judge judges it.
SLOPE = re.compile(r"da/dz(\d+)_(\d+)")


def is_gradient(name):
    """Whether ``name`` is the canonical name of a parameter's gradient: ``dL/dW2[1,3]``, ``dL/db1[2]``, ``dL/db1``."""
    match = NAME.fullmatch(name)
    return match is not None and match["param"] == "dL/d"


def is_canonical(name):
    """Whether ``name`` has the shape of a canonical name (it may still not exist in a given network)."""
    return NAME.fullmatch(name) is not None


def latex(name, notation):
    """The canonical ``name`` as the document's ``notation`` writes it, e.g. ``dL/dW2[1,1]`` -> ∂L/∂w_5.

    >>> from symbackprop import load
    >>> n = load("squared_error_2_2_1_shared_bias").notation
    >>> latex("dL/dW2[1,1]", n), latex("a1_2", n), latex("new b2", n), latex("delta2_1@1", n)
    ('\\\\frac{\\\\partial E}{\\\\partial w_{5}}', '\\\\mathrm{out}_{h2}', 'b_{o}', '\\\\delta_{o}')
    """
    match = NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"not a canonical quantity name: {name!r}")
    loss = notation.loss
    if match["family"]:
        l, j = int(match["l"]), int(match["j"]) - 1
        name = getattr(notation, match["family"])[l][j]
        return _after(name) if match["after"] else name
    if match["loss"]:
        return _after(loss) if match["loss"] == "loss_after" else loss
    if match["signal"]:
        l, j = int(match["sl"]), int(match["sj"]) - 1
        if match["signal"] == "delta":
            return notation.delta[l][j]
        return rf"\frac{{\partial {loss}}}{{\partial {notation.a[l][j]}}}"
    l = int(match["pl"])
    index = [int(i) - 1 for i in match["pi"].split(",")] if match["pi"] else []
    if match["kind"] == "W":
        symbol = notation.W[l][index[0]][index[1]]
    else:
        symbol = notation.b[l] if notation.shared(l) else notation.b[l][index[0]]
    return rf"\frac{{\partial {loss}}}{{\partial {symbol}}}" if match["param"] == "dL/d" else symbol
