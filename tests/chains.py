"""What the HTML page's highlight must light up, worked out from a spec's architecture alone.

The page highlights, for a selected gradient, the diagram's units and edges the gradient flows through and the
text quantities of its chain (the page contract, in tests/test_html_page.py). This module is the tests' own
account of that chain: it reads the layer widths from the spec's TOML, never from the page, so a page that
computes its chain wrongly cannot agree with it by construction.

Names follow docs/quantities.md: units are ``L-J`` (layer 0 the inputs, J from 1), a layer's bias node ``L-b``,
an edge ``L-J-K`` is the weight into unit J of layer L from unit K of layer L-1 (``b`` for the bias).

>>> net = Architecture(sizes=(2, 2, 1), bias="per-neuron")
>>> sorted(chain(net, "dL/dW2[1,2]").edges)
['2-1-2']
>>> sorted(chain(net, "dL/dW1[2,1]").units)
['0-1', '1-2', '2-1']
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

BIAS_KINDS = ("per-neuron", "per-layer", "none")


@dataclass(frozen=True)
class Architecture:
    """Layer widths, inputs first, how the network's biases are shared and whether the step trains them."""

    sizes: tuple
    bias: str
    trains_biases: bool = True

    @property
    def depth(self):
        """L, the number of layers with weights (the output layer's number)."""
        return len(self.sizes) - 1

    def units(self, layer):
        """The names of layer ``layer``'s units."""
        return [f"{layer}-{j}" for j in range(1, self.sizes[layer] + 1)]

    def edges_into(self, layer):
        """Every weight edge into ``layer`` from the units of the layer below (bias edges not included)."""
        return [
            f"{layer}-{j}-{k}" for j in range(1, self.sizes[layer] + 1) for k in range(1, self.sizes[layer - 1] + 1)
        ]


def architecture(spec_text):
    """The architecture a spec's TOML text declares.

    >>> architecture('[network]\\ninputs = 3\\nbias = "none"\\nlayers = [{units = 4}, {units = 2}]')
    Architecture(sizes=(3, 4, 2), bias='none', trains_biases=True)
    """
    spec = tomllib.loads(spec_text)
    network = spec["network"]
    bias = network.get("bias", "per-neuron")
    if bias not in BIAS_KINDS:
        raise ValueError(f"[network] bias: expected one of {', '.join(BIAS_KINDS)}, got {bias!r}")
    return Architecture(
        sizes=(network["inputs"], *(layer["units"] for layer in network["layers"])),
        bias=bias,
        trains_biases=spec.get("training", {}).get("update_biases", True),
    )


def spec_architecture(spec):
    """The architecture of ``spec``: a path to a spec file, or the name of a bundled example."""
    path = Path(spec)
    if not path.is_file():
        path = Path(__file__).resolve().parent.parent / "symbackprop" / "examples" / f"{spec}.toml"
    return architecture(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Chain:
    """The diagram units and edges and the text quantities that a selected gradient lights up."""

    units: frozenset
    edges: frozenset
    quantities: frozenset


GRADIENT = re.compile(r"dL/d(?P<kind>[Wb])(?P<layer>\d+)(?:\[(?P<j>\d+)(?:,(?P<k>\d+))?\])?")


def chain(net, gradient):
    """The chain of the gradient named ``gradient`` (``dL/dW2[1,3]``, ``dL/db1[2]`` or ``dL/db1``) in ``net``.

    The gradient's own edges and the units at their ends, then everything downstream of the units it feeds:
    every edge out of them into the next layer, every unit and every unit-to-unit edge of the layers above.

    >>> shared = Architecture(sizes=(2, 2, 1), bias="per-layer")
    >>> c = chain(shared, "dL/db1")
    >>> sorted(c.units), sorted(c.edges)
    (['1-1', '1-2', '1-b', '2-1'], ['1-1-b', '1-2-b', '2-1-1', '2-1-2'])
    >>> sorted(c.quantities)
    ['dL/db1', 'delta1_1', 'delta1_2', 'delta2_1']
    """
    match = GRADIENT.fullmatch(gradient)
    if match is None:
        raise ValueError(f"not a gradient name: {gradient!r}; expected dL/dW<l>[j,k], dL/db<l>[j] or dL/db<l>")
    layer, kind, j, k = int(match["layer"]), match["kind"], match["j"], match["k"]
    if not 1 <= layer <= net.depth:
        raise ValueError(f"{gradient}: layer {layer} is not one of 1..{net.depth}")
    if kind == "W" and k is not None:
        fed, units, edges = [int(j)], {f"{layer - 1}-{k}"}, {f"{layer}-{j}-{k}"}
    elif kind == "b" and j is not None and k is None and net.bias == "per-neuron":
        fed, units, edges = [int(j)], {f"{layer}-b"}, {f"{layer}-{j}-b"}
    elif kind == "b" and j is None and net.bias == "per-layer":
        fed = list(range(1, net.sizes[layer] + 1))
        units, edges = {f"{layer}-b"}, {f"{layer}-{i}-b" for i in fed}
    else:
        raise ValueError(f"{gradient}: no such gradient in a network with bias {net.bias!r}")
    units |= {f"{layer}-{i}" for i in fed}
    quantities = {gradient} | {f"delta{layer}_{i}" for i in fed}
    if layer < net.depth:
        edges |= {f"{layer + 1}-{i}-{f}" for i in range(1, net.sizes[layer + 1] + 1) for f in fed}
    for above in range(layer + 1, net.depth + 1):
        units |= set(net.units(above))
        quantities |= {f"delta{above}_{i}" for i in range(1, net.sizes[above] + 1)}
        if above > layer + 1:
            edges |= set(net.edges_into(above))
    return Chain(frozenset(units), frozenset(edges), frozenset(quantities))


def gradient_names(net):
    """Every gradient name of ``net``, layer by layer, weights before biases (as docs/quantities.md names them)."""
    names = []
    for layer in range(1, net.depth + 1):
        rows, columns = net.sizes[layer], net.sizes[layer - 1]
        names += [f"dL/dW{layer}[{j},{k}]" for j in range(1, rows + 1) for k in range(1, columns + 1)]
        if net.bias == "per-neuron":
            names += [f"dL/db{layer}[{j}]" for j in range(1, rows + 1)]
        elif net.bias == "per-layer":
            names.append(f"dL/db{layer}")
    return names


def picked_gradients(net):
    """The gradients the highlight tests click: the first weight, the last, a weight into the last hidden layer
    and the first hidden layer's bias (if the network has biases and trains them: a frozen bias's gradient is not
    worked in the documents).

    >>> picked_gradients(Architecture(sizes=(2, 3, 2, 1), bias="per-neuron"))
    ['dL/dW1[1,1]', 'dL/dW3[1,2]', 'dL/dW2[2,3]', 'dL/db1[1]']
    """
    last = net.depth
    picked = ["dL/dW1[1,1]", f"dL/dW{last}[{net.sizes[last]},{net.sizes[last - 1]}]"]
    hidden = max(last - 1, 1)
    middle = f"dL/dW{hidden}[{net.sizes[hidden]},{net.sizes[hidden - 1]}]"
    if middle not in picked:
        picked.append(middle)
    if net.trains_biases:
        picked += {"per-neuron": ["dL/db1[1]"], "per-layer": ["dL/db1"], "none": []}[net.bias]
    return picked


def diagram_parts(net):
    """The units (bias nodes included) and edges the network's diagram must draw.

    >>> units, edges = diagram_parts(Architecture(sizes=(1, 1), bias="per-layer"))
    >>> sorted(units), sorted(edges)
    (['0-1', '1-1', '1-b'], ['1-1-1', '1-1-b'])
    """
    units = {u for layer in range(net.depth + 1) for u in net.units(layer)}
    edges = {e for layer in range(1, net.depth + 1) for e in net.edges_into(layer)}
    if net.bias != "none":
        units |= {f"{layer}-b" for layer in range(1, net.depth + 1)}
        edges |= {f"{layer}-{j}-b" for layer in range(1, net.depth + 1) for j in range(1, net.sizes[layer] + 1)}
    return frozenset(units), frozenset(edges)
