#!/usr/bin/env python3
"""A training step worked in plain NumPy, written by symbackprop from a spec (`symbackprop render --format python`).

`python3 THIS_FILE` prints every forward value, error signal, gradient and updated parameter under the names
of the worked solution; `python3 THIS_FILE --json` prints the object that `symbackprop grad SPEC --json`
prints. It needs NumPy only.

How it works. `forward` computes each layer's weighted sums z = a_below W^T + b and outputs a = f(z), one
row per sample. `backward` applies the chain rule from the output down: the output layer's delta = dL/dz
comes from dL/da and f'(z); a hidden unit feeds every unit of the layer above through that layer's weights,
so its dL/da = delta_above W_above, and its delta = dL/da * f'(z). As z = W a_below + b, dL/dW is
delta^T a_below and dL/db is delta, summed over the samples. `update` moves every trained parameter
against its gradient.
"""

import json
import math
import sys

import numpy as np

# Linear custom activation t/10, 2-2-1, one step
TITLE = "Linear custom activation t/10, 2-2-1, one step"
NETWORK = "2 inputs, then 2 custom activation A, 1 custom activation A; a bias per unit; squared error"
TRAINING = "one step of gradient descent on sample 1, learning rate lambda = 10.0"
# Figures print with DIGITS significant figures, or with DECIMALS decimals when that is set.
DIGITS = None
DECIMALS = 4

# The data, one row per sample: inputs X and targets Y.
X = np.array(
    [
        [2.0, -3.0],
    ]
)
Y = np.array(
    [
        [2.0],
    ]
)

# The starting parameters: W<l>[j, k] is the weight into unit j of layer l from unit k of the layer below.
PARAMETERS = {
    "W1": np.array([[1.0, 2.0], [2.0, 1.0]]),
    "b1": np.array([1.0, 1.0]),
    "W2": np.array([[1.0, 1.0]]),
    "b2": np.array([1.0]),
}
LEARNING_RATE = 10.0
STEPS = 1
# The samples each step trains on (rows of X, from 0), and how their losses combine.
ROWS = [0]
REDUCTION = "sum"
# The parameters a step changes; the others (frozen biases) keep their starting values.
TRAINED = ["W1", "b1", "W2", "b2"]

# What the worked solution calls each quantity: each unit's x, y and, by layer, z, a and delta; each
# parameter's entries; the loss and the learning rate.
NAMES = {
    "x": ["x1", "x2"],
    "y": ["y*"],
    "z": [None, ["u1", "u2"], ["u3"]],
    "a": [None, ["z1", "z2"], ["y"]],
    "delta": [None, ["delta_1", "delta_2"], ["delta_3"]],
    "loss": "L",
    "rate": "lambda",
    "W1": [["w11", "w12"], ["w21", "w22"]],
    "b1": ["b1", "b2"],
    "W2": [["w31", "w32"]],
    "b2": ["b3"],
}


def shown(value):
    """A number as the worked solution shows it: DIGITS significant figures, or DECIMALS decimals and at least 3
    significant figures (0.00721, not 0.0072); past 8 decimals, or from 10 million, in scientific notation."""
    value = float(value) + 0.0  # no -0
    if abs(value) < 1e-12:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    places = max(DECIMALS, 2 - magnitude) if DECIMALS is not None else max(DIGITS - 1 - magnitude, 0)
    if abs(value) >= 1e7:
        return f"{value:.3e}"
    if places > 8:
        return f"{value:.{places + magnitude}e}"
    return f"{value:.{places}f}"


def entries(name, value):
    """Each entry of the parameter (or gradient) called name: its plain name and its value."""
    value = np.asarray(value)
    for index in np.ndindex(value.shape):
        names = NAMES[name]
        for i in index:
            names = names[i]
        yield names, value[index]


def show_setup():
    """Print what is trained, and how."""
    print(TITLE)
    print(NETWORK)
    print(TRAINING)


def custom(z):
    """The custom activation A(t) = t/10."""
    return 0.1*z


def loss_of_each_sample(z, a, y):
    """Squared error times 0.5, summed over the outputs."""
    return 0.5 * np.sum((a - y) ** 2, axis=-1)


def forward(p, x):
    """Each layer's weighted sums z and outputs a, one row per sample; a[0] is the input."""
    a0 = x
    z1 = a0 @ p["W1"].T + p["b1"]
    a1 = custom(z1)
    z2 = a1 @ p["W2"].T + p["b2"]
    a2 = custom(z2)
    return [None, z1, z2], [a0, a1, a2]


def show_forward(z, a, rows):
    """Print each sample of rows: its inputs, each layer's z and a, its targets and its loss."""
    depth = len(NAMES["z"]) - 1
    each = loss_of_each_sample(z[depth], a[depth], Y)
    for index, row in enumerate(rows):
        if index:
            print()
        print(f"Forward pass, sample {row + 1}")
        for name, value in zip(NAMES["x"], X[row]):
            print(f"{name} = {shown(value)}")
        for l in range(1, depth + 1):
            for j, (z_name, a_name) in enumerate(zip(NAMES["z"][l], NAMES["a"][l])):
                print(f"{z_name} = {shown(z[l][row, j])}")
                print(f"{a_name} = {shown(a[l][row, j])}")
        for name, value in zip(NAMES["y"], Y[row]):
            print(f"{name} = {shown(value)}")
        print(f"loss of sample {row + 1} = {shown(each[row])}")


def loss_over(z, a, y, rows):
    """The loss over the samples in rows: the sum of their losses."""
    each = loss_of_each_sample(z[2], a[2], y)[rows]
    return each.sum()


def show_loss(loss):
    """Print the loss of the step."""
    print(f"{NAMES['loss']} = {shown(loss)}" + (f" (the {REDUCTION} over the samples)" if len(ROWS) > 1 else ""))


def custom_prime(z, a):
    """f'(z) of custom, written with the unit's output a = f(z) where that is simpler."""
    return np.full(np.shape(z), 0.1)


def loss_gradient(z, a, y):
    """dL/da: the loss's derivative by each output, per sample."""
    return a - y


def output_delta(z, a, y, grad_a):
    """The output layer's delta = dL/dz: dL/da * f'(z), simplified."""
    return 0.1*a - 0.1*y


def backward(p, z, a, y):
    """dL/da, f'(z) and delta = dL/dz of every layer, from the output layer down: the chain rule."""
    # Output layer 2: dL/da from the loss; delta: dL/da * f'(z), simplified.
    grad_a2 = loss_gradient(z[2], a[2], y)
    fprime2 = custom_prime(z[2], a[2])
    delta2 = output_delta(z[2], a[2], y, grad_a2)
    # Layer 1: dL/da1 = delta2 W2 (each unit feeds every unit of layer 2); delta1 = dL/da1 * f'(z1).
    grad_a1 = delta2 @ p["W2"]
    fprime1 = custom_prime(z[1], a[1])
    delta1 = grad_a1 * fprime1
    grad_a = [None, grad_a1, grad_a2]
    fprime = [None, fprime1, fprime2]
    return grad_a, fprime, [None, delta1, delta2]


def passes(p, x, y):
    """The forward and the backward pass of the parameters p over every row of x and y: every value on the way."""
    z, a = forward(p, x)
    grad_a, fprime, delta = backward(p, z, a, y)
    return {"z": z, "a": a, "grad_a": grad_a, "fprime": fprime, "delta": delta}


def show_backward(values):
    """Print dL/da, f'(z) and delta of every unit, for each trained sample, from the output layer down."""
    loss_name, depth = NAMES["loss"], len(NAMES["z"]) - 1
    for index, row in enumerate(ROWS):
        if index:
            print()
        print(f"Backward pass, sample {row + 1}")
        for l in range(depth, 0, -1):
            for j, (z_name, a_name) in enumerate(zip(NAMES["z"][l], NAMES["a"][l])):
                print(f"d{loss_name}/d{a_name} = {shown(values['grad_a'][l][row, j])}")
                print(f"d{a_name}/d{z_name} = {shown(values['fprime'][l][row, j])}")
                print(f"{NAMES['delta'][l][j]} = {shown(values['delta'][l][row, j])}")


def gradients_over(values, rows):
    """The gradient of loss_over for every parameter: as z = W a_below + b, dL/dW = delta^T a_below and
    dL/db = delta, summed over the samples in rows."""
    a, delta = values["a"], values["delta"]
    gradients = {}
    gradients["W1"] = delta[1][rows].T @ a[0][rows]
    gradients["b1"] = np.sum(delta[1][rows], axis=0)
    gradients["W2"] = delta[2][rows].T @ a[1][rows]
    gradients["b2"] = np.sum(delta[2][rows], axis=0)
    return gradients


def show_gradients(gradients):
    """Print the gradient of every parameter's entries."""
    print("Gradients" + (f" (the {REDUCTION} over the samples)" if len(ROWS) > 1 else ""))
    for name, value in gradients.items():
        for entry, number in entries(name, value):
            print(f"d{NAMES['loss']}/d{entry} = {shown(number)}")


def update(p, gradients):
    """One step of gradient descent: each trained parameter minus the learning rate times its gradient."""
    return {name: value - LEARNING_RATE * gradients[name] if name in TRAINED else value for name, value in p.items()}


def changes(new):
    """Print each parameter's entries, from their starting value to their value in new (frozen ones once)."""
    for name, value in PARAMETERS.items():
        for (entry, old), (_, now) in zip(entries(name, value), entries(name, new[name])):
            print(f"{entry}: {shown(old)} -> {shown(now)}" if name in TRAINED else f"{entry} = {shown(old)} (frozen)")


def show_update(first):
    """Print the parameters before and after the first step."""
    print(f"Update: each parameter minus {NAMES['rate']} = {LEARNING_RATE} times its gradient")
    changes(first)

# The steps whose losses show_steps prints, as the worked solution's table lists them: every step up to 50, past
# that the first, every k-th and the last.
LISTED = [1]


def later_steps(loss, first):
    """Steps 2 to STEPS, from the parameters first: every step's loss before it and the loss after the last
    (losses[k] is the loss after step k; losses[0] is loss), and the parameters after the last step."""
    losses, last = [loss], first
    x, y, every = X[ROWS], Y[ROWS], list(range(len(ROWS)))
    for _ in range(STEPS - 1):
        later = passes(last, x, y)
        losses.append(loss_over(later["z"], later["a"], y, every))
        last = update(last, gradients_over(later, every))
    z, a = forward(last, x)
    losses.append(loss_over(z, a, y, every))
    return losses, last


def show_steps(losses, last):
    """Print the loss before and after each listed step and its change, then the parameters after the last step."""
    rows = [("step", f"{NAMES['loss']} before", f"{NAMES['loss']} after", "change")]
    rows += [(str(k), shown(losses[k - 1]), shown(losses[k]), shown(losses[k] - losses[k - 1])) for k in LISTED]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    print(f"\nAfter {STEPS} steps")
    changes(last)


def loss_after_training(last):
    """The loss over the trained samples with the parameters last: a forward pass again."""
    values = passes(last, X, Y)
    return loss_over(values["z"], values["a"], Y, ROWS)


def show_check(loss, loss_after):
    """Print the loss after training beside the loss before it."""
    after = "the update" if STEPS == 1 else f"{STEPS} steps"
    print(f"{NAMES['loss']} after {after} = {shown(loss_after)} (before: {shown(loss)})")


def as_json(values, loss, gradients, last, loss_after):
    """The object `symbackprop grad SPEC --json` prints."""
    return {
        "loss": float(loss),
        "outputs": values["a"][-1].tolist(),
        "gradients": {name: np.asarray(value).tolist() for name, value in gradients.items()},
        "updated": {name: np.asarray(value).tolist() for name, value in last.items()},
        "loss_after": float(loss_after),
    }


def train():
    """Take the steps. Return every value of the first step's passes (over every sample), its loss and
    gradients, the parameters after it and after the last step, every step's loss and the loss after the last."""
    values = passes(PARAMETERS, X, Y)
    loss, gradients = loss_over(values["z"], values["a"], Y, ROWS), gradients_over(values, ROWS)
    first = update(PARAMETERS, gradients)
    losses, last = later_steps(loss, first)
    return values, loss, gradients, first, last, losses, loss_after_training(last)


def report(values, loss, gradients, first, last, losses, loss_after):
    """Print the run in the worked solution's names, one quantity a line."""
    show_setup()
    print()
    show_forward(values["z"], values["a"], ROWS)
    print()
    show_loss(loss)
    print()
    show_backward(values)
    print()
    show_gradients(gradients)
    print()
    show_update(first)
    if STEPS > 1:
        print()
        show_steps(losses, last)
    print()
    show_check(loss, loss_after)


def main(arguments):
    if arguments not in ([], ["--json"]):
        sys.exit(f"usage: python3 {sys.argv[0]} [--json]")
    values, loss, gradients, first, last, losses, loss_after = train()
    if arguments:
        print(json.dumps(as_json(values, loss, gradients, last, loss_after), allow_nan=False))
    else:
        report(values, loss, gradients, first, last, losses, loss_after)


if __name__ == "__main__":
    main(sys.argv[1:])
