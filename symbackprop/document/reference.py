"""Formula reference: the rules the document used, for one unit, and each activation's derivative."""

import sympy as sp

from ..printing import Becomes, NotationPrinter, Prime, Total
from .blocks import Math, Section
from .tables import tables

_GENERIC = {
    "z_j": "z_j", "a_j": "a_j", "a_k": "a_k", "b_j": "b_j", "b": "b", "w_jk": "w_{jk}", "w_mj": "w_{mj}",
    "delta_j": r"\delta_j", "delta_m": r"\delta_m", "k": "k", "m": "m", "j": "j", "w": "w", "f": "f",
    "one_kj": "1_{k=j}",
}  # fmt: skip


def reference(ctx):
    g = {name: sp.Symbol(f"reference {name}") for name in _GENERIC}
    names = {**ctx.names, **{g[name]: latex for name, latex in _GENERIC.items()}}
    printer = NotationPrinter(names, order="none")
    L, eta = ctx.loss_symbol, ctx.rate_symbol

    def row(label, left, right):
        return ((label,), (Math(printer.doprint(sp.Eq(left, right, evaluate=False))),))

    with sp.evaluate(False):
        bias = {"per-neuron": g["b_j"], "per-layer": g["b"], "none": None}[ctx.arch.bias]
        weighted = Total(sp.Mul(g["w_jk"], g["a_k"]), g["k"])
        rows = [
            row("weighted sum", g["z_j"], sp.Add(weighted, bias) if bias is not None else weighted),
            row("activation", g["a_j"], sp.Function("f")(g["z_j"])),
        ]
        output = ctx.arch.layers[-1].activation
        if output.vector:
            chain = sp.Mul(sp.Derivative(L, g["a_k"]), sp.Derivative(g["a_k"], g["z_j"]))
            rows.append(row("output error signal", g["delta_j"], Total(chain, g["k"])))
        else:
            rows.append(
                row("output error signal", g["delta_j"], sp.Mul(sp.Derivative(L, g["a_j"]), Prime(g["f"], g["z_j"])))
            )
        if ctx.depth > 1:
            hidden = sp.Mul(Prime(g["f"], g["z_j"]), Total(sp.Mul(g["w_mj"], g["delta_m"]), g["m"]))
            rows.append(row("hidden error signal", g["delta_j"], hidden))
        rows.append(row("weight gradient", sp.Derivative(L, g["w_jk"]), sp.Mul(g["delta_j"], g["a_k"])))
        if ctx.arch.bias == "per-neuron":
            rows.append(row("bias gradient", sp.Derivative(L, g["b_j"]), g["delta_j"]))
        elif ctx.arch.bias == "per-layer":
            rows.append(row("bias gradient (shared)", sp.Derivative(L, g["b"]), Total(g["delta_j"], g["j"])))
        update = Becomes(g["w"], sp.Add(g["w"], sp.Mul(-1, eta, sp.Derivative(L, g["w"]))))
        rows.append((("update",), (Math(printer.doprint(update)),)))
    seen = set()
    for layer in ctx.arch.layers:
        activation = layer.activation
        if activation.name in seen:
            continue
        seen.add(activation.name)
        if activation.vector:
            jacobian = sp.Mul(g["a_k"], sp.Add(g["one_kj"], -g["a_j"], evaluate=False), evaluate=False)
            rows.append(row("softmax derivative", sp.Derivative(g["a_k"], g["z_j"]), jacobian))
        else:
            z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
            derivative = Math(printer.doprint(sp.Eq(Prime(g["f"], z), activation.derivative(z, a), evaluate=False)))
            rows.append(((f"{activation.description} derivative",), (derivative,)))
    return (Section("Formula reference", tables((("rule",), ("formula",)), rows, "ll")),)
