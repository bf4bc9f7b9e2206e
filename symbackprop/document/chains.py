"""The path each gradient takes through the network: what the HTML page highlights when a gradient is selected.

How it works
------------
The gradient of a weight into unit j of layer l from unit k below is that unit's error signal times
the activation (or input) k carries in. The error signal itself comes down from every unit above:
in a dense network every unit of layers l+1 … L passes its own error signal back, along every
weight between those layers and along the weights out of unit j. So the chain of
``dL/dW{l}[j,k]`` is

- units: k of layer l-1, j of layer l, and every unit of layers l+1 … L;
- edges: the weight itself, every weight out of unit j, every weight between layers l+1 … L
  (not the bias edges above: a bias does not carry the error signal down);
- quantities (canonical names, :mod:`symbackprop.quantities`): the gradient, the error signal of
  unit j and of every unit above, and the activation k carries (an input has no canonical name).
  In batch mode each trained sample has its own error signals and activations (``@s``), and the
  gradient adds them: the chain holds every sample's.

A bias's chain is a weight's without the unit below: the bias edge, the layer's bias node, then the
same path up. A bias shared by a layer (``per-layer``) feeds every unit of it, so its chain joins
the chains of all of them. A frozen bias shows no gradient, so it has no chain.

Names of units and edges are the diagram's (templates/blocks/diagram.html.j2): unit ``"l-j"`` (layer
0 the inputs, units from 1), bias node ``"l-b"`` (the bias feeding layer l), edge ``"l-j-k"`` into
unit j of layer l from unit k of layer l-1, ``"l-j-b"`` from the bias node.

>>> from symbackprop import load
>>> chain = chains(load("squared_error_2_2_2"))[0]
>>> chain.gradient, chain.units, chain.edges
('dL/dW1[1,1]', ('0-1', '1-1', '2-1', '2-2'), ('1-1-1', '2-1-1', '2-2-1'))
"""

from dataclasses import dataclass

from ..quantities import gradient_name, unit_name


@dataclass(frozen=True)
class Chain:
    """What one gradient flows through: diagram units and edges, and the canonical names of its quantities."""

    gradient: str
    units: tuple
    edges: tuple
    quantities: tuple


def chains(spec):
    """The chain of every gradient a worked solution of ``spec`` shows: every weight's, and every bias's unless
    the biases are frozen (or absent), output layer last, as the network lists its parameters."""
    widths = spec.architecture.widths()
    depth = len(widths) - 1
    samples = list(spec.rows) if spec.mode != "sample" else [None]
    found = []
    for l in range(1, depth + 1):
        for j in range(widths[l]):
            for k in range(widths[l - 1]):
                found.append(_chain(widths, samples, gradient_name(f"W{l}", (j, k)), l, [j], k))
        bias = spec.architecture.bias
        if bias == "none" or not spec.update_biases:
            continue
        if bias == "per-layer":
            found.append(_chain(widths, samples, gradient_name(f"b{l}", ()), l, range(widths[l]), None))
        else:
            found += [_chain(widths, samples, gradient_name(f"b{l}", (j,)), l, [j], None) for j in range(widths[l])]
    return tuple(found)


def _chain(widths, samples, gradient, l, fed, k):
    """The chain of ``gradient``: a weight from unit ``k`` (0-based) of layer l-1 or, with ``k`` None, the bias
    of layer l, into the units ``fed`` of layer l."""
    depth = len(widths) - 1
    units, edges, quantities = [], [], [gradient]
    if k is None:
        units.append(f"{l}-b")
        edges += [f"{l}-{j + 1}-b" for j in fed]
    else:
        units.append(f"{l - 1}-{k + 1}")
        edges += [f"{l}-{j + 1}-{k + 1}" for j in fed]
        if l > 1:
            quantities += list(dict.fromkeys(unit_name("a", l - 1, k, s) for s in (None, *samples)))
    units += [f"{l}-{j + 1}" for j in fed]
    quantities += [unit_name("delta", l, j, s) for j in fed for s in samples]
    if l < depth:
        edges += [f"{l + 1}-{i + 1}-{j + 1}" for i in range(widths[l + 1]) for j in fed]
    for m in range(l + 1, depth + 1):
        units += [f"{m}-{i + 1}" for i in range(widths[m])]
        quantities += [unit_name("delta", m, i, s) for i in range(widths[m]) for s in samples]
        if m < depth:
            edges += [f"{m + 1}-{h + 1}-{i + 1}" for h in range(widths[m + 1]) for i in range(widths[m])]
    return Chain(gradient, tuple(units), tuple(edges), tuple(quantities))
