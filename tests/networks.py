"""Random small networks for the tests, written out as spec TOML text plus the oracle's description."""

import numpy as np
from oracle import Net

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus", "custom"]
CUSTOM = {"name": "A", "variable": "t", "expression": "t/2 + t**3/30"}
CUSTOM_SCALAR = (lambda z: z / 2 + z**3 / 30, lambda z: 0.5 + z**2 / 10)


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


def _activation_entry(name, slope):
    if name == "leaky_relu":
        return {"name": "leaky_relu", "slope": slope}, ("leaky_relu", {"slope": slope})
    if name == "custom":
        return dict(CUSTOM), ("custom", {"custom": CUSTOM_SCALAR})
    return name, (name, {})


def random_case(seed):
    """A random network, its parameters, data and training settings: (spec text, oracle Net, plain values)."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 4))
    inputs = int(rng.integers(1, 4))
    widths = [int(rng.integers(1, 5)) for _ in range(depth - 1)]
    loss = str(rng.choice(["squared_error", "bce", "cross_entropy"]))
    if loss == "bce":
        outputs, out_act = int(rng.integers(1, 3)), "sigmoid"
    elif loss == "cross_entropy":
        outputs, out_act = int(rng.integers(2, 4)), "softmax"
    else:
        outputs = int(rng.integers(1, 4))
        out_act = str(rng.choice(["sigmoid", "tanh", "linear", "softmax", "softplus"]))
    bias = str(rng.choice(["per-neuron", "per-layer", "none"]))
    factor = float(rng.choice([0.5, 1.0, 0.25]))
    slope = 0.1
    layer_entries, oracle_acts = [], []
    for width in widths:
        entry, oracle = _activation_entry(str(rng.choice(HIDDEN)), slope)
        layer_entries.append({"units": width, "activation": entry})
        oracle_acts.append(oracle)
    layer_entries.append({"units": outputs, "activation": out_act})
    oracle_acts.append((out_act, {}))

    samples = int(rng.integers(1, 6))
    sizes = [inputs, *widths, outputs]
    params = {}
    for l in range(1, depth + 1):
        params[f"W{l}"] = rng.normal(0, 0.8, (sizes[l], sizes[l - 1])).round(6)
        if bias == "per-neuron":
            params[f"b{l}"] = rng.normal(0, 0.5, sizes[l]).round(6)
        elif bias == "per-layer":
            params[f"b{l}"] = np.array(round(float(rng.normal(0, 0.5)), 6))
    x = rng.normal(0, 1, (samples, inputs)).round(6)
    if loss == "cross_entropy":
        y = np.eye(outputs)[rng.integers(0, outputs, samples)]
    elif loss == "bce":
        y = rng.integers(0, 2, (samples, outputs)).astype(float)
    else:
        y = rng.normal(0, 1, (samples, outputs)).round(6)
    settings = {
        "learning_rate": float(rng.choice([0.1, 0.5, 1.0])),
        "update_biases": bool(rng.integers(0, 2)),
        "mode": str(rng.choice(["sample", "batch"])),
        "sample": int(rng.integers(1, samples + 1)),
        "steps": int(rng.integers(1, 4)),
    }
    reduction = str(rng.choice(["sum", "mean"]))

    lines = ['title = "random network"', "", "[network]", f"inputs = {inputs}", f'bias = "{bias}"', "layers = ["]
    lines += [f"  {_toml_value(entry)}," for entry in layer_entries]
    lines += ["]", "", "[loss]", f'kind = "{loss}"', f'reduction = "{reduction}"']
    if loss == "squared_error":
        lines.append(f"factor = {factor}")
    lines += ["", "[parameters]"] + [f"{name} = {_toml_value(value)}" for name, value in params.items()]
    lines += ["", "[data]", f"x = {_toml_value(x)}", f"y = {_toml_value(y)}", "", "[training]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    rows = [settings["sample"] - 1] if settings["mode"] == "sample" else list(range(samples))
    plain = {"params": params, "x": x, "y": y, "rows": rows, "reduction": reduction, **settings}
    return "\n".join(lines) + "\n", Net(oracle_acts, loss, bias, factor), plain


def near_kink(net, plain, margin=1e-2):
    """True when some ReLU-like unit's pre-activation is within ``margin`` of 0 (finite differences break there)."""
    kinked = {l for l, (name, _) in enumerate(net.acts, start=1) if name in ("relu", "leaky_relu")}
    for s in range(len(plain["x"])):
        zs, _ = net.forward(plain["params"], plain["x"][s])
        if any(abs(v) < margin for l in kinked for v in zs[l]):
            return True
    return False
