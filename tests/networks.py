"""Small networks for the tests, written out as spec TOML text together with the oracle's description.

A case is described by plain choices (:func:`make_case`), drawn either from a
seeded NumPy generator (:func:`random_case`) or by Hypothesis (see
test_properties.py), so both kinds of test exercise the same builder.
"""

import math

import numpy as np
from oracle import Net

# A small valid spec as text, for tests that change one line of it.
SMALL_SPEC = """\
title = "A small network"
[network]
inputs = 2
layers = [{ units = 2, activation = "sigmoid" }, { units = 1, activation = "sigmoid" }]
[loss]
kind = "bce"
[parameters]
W1 = [[0.15, 0.25], [0.2, 0.3]]
b1 = [0.35, 0.35]
W2 = [[0.4, 0.45]]
b2 = [0.6]
[data]
x = [[0.1, 0.2], [0.3, 0.4]]
y = [[0], [1]]
"""

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus", "custom"]
OUTPUTS = {
    "squared_error": ["sigmoid", "tanh", "linear", "softmax", "softplus", "relu", "leaky_relu", "custom"],
    "bce": ["sigmoid"],
    "cross_entropy": ["softmax"],
}
CUSTOM = {"name": "A", "variable": "t", "expression": "tanh(t)/2 + t/4"}
CUSTOM_SCALAR = (lambda z: math.tanh(z) / 2 + z / 4, lambda z: (1 - math.tanh(z) ** 2) / 2 + 0.25)
SLOPE = 0.1


def _toml_value(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _toml_value(float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)


def _activation_entry(name):
    if name == "leaky_relu":
        return {"name": "leaky_relu", "slope": SLOPE}, ("leaky_relu", {"slope": SLOPE})
    if name == "custom":
        return dict(CUSTOM), ("custom", {"custom": CUSTOM_SCALAR})
    return name, (name, {})


def make_case(c):
    """Spec text, oracle Net and plain values for the choices ``c``.

    ``c`` holds: inputs, widths (hidden), outputs, hidden (activation names),
    output (activation), loss, bias, factor, params (name -> array), x, y,
    learning_rate, update_biases, mode, sample, steps, reduction.
    """
    layer_entries, oracle_acts = [], []
    for width, name in zip(c["widths"], c["hidden"]):
        entry, oracle = _activation_entry(name)
        layer_entries.append({"units": width, "activation": entry})
        oracle_acts.append(oracle)
    entry, oracle = _activation_entry(c["output"])
    layer_entries.append({"units": c["outputs"], "activation": entry})
    oracle_acts.append(oracle)
    settings = {key: c[key] for key in ("learning_rate", "update_biases", "mode", "sample", "steps")}
    lines = [
        'title = "generated network"',
        "",
        "[network]",
        f"inputs = {c['inputs']}",
        f'bias = "{c["bias"]}"',
        "layers = [",
    ]
    lines += [f"  {_toml_value(entry)}," for entry in layer_entries]
    lines += ["]", "", "[loss]", f'kind = "{c["loss"]}"', f'reduction = "{c["reduction"]}"']
    if c["loss"] == "squared_error":
        lines.append(f"factor = {c['factor']}")
    lines += ["", "[parameters]"] + [f"{name} = {_toml_value(value)}" for name, value in c["params"].items()]
    lines += ["", "[data]", f"x = {_toml_value(c['x'])}", f"y = {_toml_value(c['y'])}", "", "[training]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    samples = len(c["x"])
    rows = [c["sample"] - 1] if c["mode"] == "sample" else list(range(samples))
    plain = {
        "params": c["params"],
        "x": np.asarray(c["x"]),
        "y": np.asarray(c["y"]),
        "rows": rows,
        "reduction": c["reduction"],
        **settings,
    }
    return "\n".join(lines) + "\n", Net(oracle_acts, c["loss"], c["bias"], c["factor"]), plain


def parameters(sizes, bias, normal):
    """Parameters for layer sizes ``sizes`` drawn by ``normal(scale, shape)``, rounded to 6 decimals."""
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = np.round(normal(0.8, (sizes[l], sizes[l - 1])), 6)
        if bias == "per-neuron":
            params[f"b{l}"] = np.round(normal(0.5, (sizes[l],)), 6)
        elif bias == "per-layer":
            params[f"b{l}"] = np.array(round(float(normal(0.5, ())), 6))
    return params


def targets(loss, outputs, samples, pick):
    """Targets that suit the loss: one-hot for cross-entropy, 0/1 for BCE, reals otherwise."""
    if loss == "cross_entropy":
        return np.eye(outputs)[[pick(outputs) for _ in range(samples)]]
    if loss == "bce":
        return np.array([[float(pick(2)) for _ in range(outputs)] for _ in range(samples)])
    return None


def random_case(seed, max_depth=3):
    """A random case from a seeded generator."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, max_depth + 1))
    loss = str(rng.choice(list(OUTPUTS)))
    outputs = int(rng.integers(2, 4)) if loss == "cross_entropy" else int(rng.integers(1, 4))
    c = {
        "inputs": int(rng.integers(1, 4)),
        "widths": [int(rng.integers(1, 5)) for _ in range(depth - 1)],
        "outputs": outputs,
        "loss": loss,
        "output": str(rng.choice(OUTPUTS[loss])),
        "bias": str(rng.choice(["per-neuron", "per-layer", "none"])),
        "factor": float(rng.choice([0.5, 1.0, 0.25])),
        "learning_rate": float(rng.choice([0.1, 0.5, 1.0])),
        "update_biases": bool(rng.integers(0, 2)),
        "mode": str(rng.choice(["sample", "batch"])),
        "steps": int(rng.integers(1, 4)),
        "reduction": str(rng.choice(["sum", "mean"])),
    }
    c["hidden"] = [str(rng.choice(HIDDEN)) for _ in c["widths"]]
    samples = int(rng.integers(1, 6))
    c["sample"] = int(rng.integers(1, samples + 1))
    c["params"] = parameters([c["inputs"], *c["widths"], outputs], c["bias"], lambda s, shape: rng.normal(0, s, shape))
    c["x"] = np.round(rng.normal(0, 1, (samples, c["inputs"])), 6)
    y = targets(loss, outputs, samples, lambda n: int(rng.integers(0, n)))
    c["y"] = y if y is not None else np.round(rng.normal(0, 1, (samples, outputs)), 6)
    return make_case(c)


def near_kink(net, params, X, margin=1e-2):
    """True when a ReLU-like unit's pre-activation is within ``margin`` of 0 for some sample."""
    kinked = {l for l, (name, _) in enumerate(net.acts, start=1) if name in ("relu", "leaky_relu")}
    for x in X:
        zs, _ = net.forward(params, x)
        if any(abs(v) < margin for l in kinked for v in zs[l]):
            return True
    return False


# The custom activation of the bundled u-z example (A(t) = t/10), as the oracle writes it.
BUNDLED_CUSTOM = {"A": (lambda z: z / 10, lambda z: 0.1)}


def oracle_for(spec):
    """The oracle network of a loaded spec (bundled examples only need their one custom activation)."""
    arch = spec.architecture
    acts = [
        ("custom", {"custom": BUNDLED_CUSTOM[layer.activation.name]})
        if layer.activation.name in BUNDLED_CUSTOM
        else (layer.activation.name, {})
        for layer in arch.layers
    ]
    return Net(acts, arch.loss.kind, arch.bias, float(arch.loss.factor))


def one_unit_chain(weight, hidden="sigmoid"):
    """Spec text of x -> one hidden unit (input weight ``weight``) -> one linear output, target 0.

    A large weight saturates a sigmoid hidden unit; the tests use it for vanishing gradients.
    """
    return f"""
[network]
inputs = 1
layers = [{{ units = 1, activation = "{hidden}" }}, {{ units = 1, activation = "linear" }}]
[loss]
kind = "squared_error"
[parameters]
W1 = [[{weight}]]
b1 = [0.0]
W2 = [[1.0]]
b2 = [0.0]
[data]
x = [[1.0]]
y = [[0.0]]
"""


def draw_numbers(c, rng, samples, loss, outputs):
    """Fill the choices ``c`` with parameters, ``samples`` inputs and targets suited to ``loss``, drawn from ``rng``."""
    c["params"] = parameters([c["inputs"], *c["widths"], outputs], c["bias"], lambda s, shape: rng.normal(0, s, shape))
    c["x"] = np.round(rng.normal(0, 1, (samples, c["inputs"])), 6)
    y = targets(loss, outputs, samples, lambda n: int(rng.integers(0, n)))
    c["y"] = y if y is not None else np.round(rng.normal(0, 1, (samples, outputs)), 6)
    return c


def parameter_names(spec):
    """Each parameter a spec trains, by the LaTeX name its documents print: name -> (spec name, index)."""
    notation, names = spec.notation, {}
    for pname, value in spec.numeric_parameters().items():
        family, l = pname[0], int(pname[1:])
        for index in np.ndindex(value.shape):
            if family == "W":
                names[notation.W[l][index[0]][index[1]]] = (pname, index)
            else:
                names[notation.b[l] if notation.shared(l) else notation.b[l][index[0]]] = (pname, index)
    return names


def oracle_quantities(net, plain):
    """The canonical quantities of a case, computed by the oracle alone (no engine code)."""
    params, X, Y, rows = plain["params"], plain["x"], plain["y"], plain["rows"]
    reduction, batch = plain["reduction"], plain["mode"] != "sample"
    depth, s0 = len(net.acts), rows[0]
    expected = {}
    for s in range(len(X)):
        _, deltas, zs, outs = net.sample_gradients(params, X[s], Y[s])
        for l in range(1, depth + 1):
            for j in range(len(zs[l])):
                expected[f"z{l}_{j + 1}@{s + 1}"] = zs[l][j]
                expected[f"a{l}_{j + 1}@{s + 1}"] = outs[l][j]
                if s == s0:
                    expected[f"z{l}_{j + 1}"], expected[f"a{l}_{j + 1}"] = zs[l][j], outs[l][j]
                if s in rows:
                    expected[f"delta{l}_{j + 1}" + (f"@{s + 1}" if batch else "")] = deltas[l][j]
        expected[f"loss@{s + 1}"] = net.sample_loss(params, X[s], Y[s])
    expected["loss"] = net.loss(params, X, Y, rows, reduction)
    expected["loss_total"] = net.loss(params, X, Y, range(len(X)), reduction)
    for pname, value in net.gradients(params, X, Y, rows, reduction).items():
        for index in np.ndindex(np.shape(value)):
            expected[f"dL/d{pname}{_bracket(index)}"] = np.asarray(value)[index]
    args = (rows, reduction, plain["learning_rate"], plain["steps"], plain["update_biases"])
    new = net.train(params, X, Y, *args)
    for pname, value in new.items():
        for index in np.ndindex(np.shape(value)):
            expected[f"new {pname}{_bracket(index)}"] = np.asarray(value)[index]
    zs, outs = net.forward(new, X[s0])
    for l in range(1, depth + 1):
        for j in range(len(zs[l])):
            expected[f"after z{l}_{j + 1}"], expected[f"after a{l}_{j + 1}"] = zs[l][j], outs[l][j]
    expected["loss_after"] = net.loss(new, X, Y, rows, reduction)
    return expected


def _bracket(index):
    return f"[{','.join(str(i + 1) for i in index)}]" if index else ""


def plain_of(spec):
    """The plain values of a loaded spec, as :func:`make_case` gives them, for :func:`oracle_quantities`."""
    X, Y = spec.numeric_data()
    return {
        "params": spec.numeric_parameters(),
        "x": X,
        "y": Y,
        "rows": list(spec.rows),
        "reduction": spec.reduction,
        "learning_rate": float(spec.learning_rate),
        "update_biases": spec.update_biases,
        "mode": spec.mode,
        "sample": spec.sample,
        "steps": spec.steps,
    }
