"""The training step as a stand-alone NumPy script: what ``render --format python`` writes.

The script is a teacher's reference: it holds the spec's network, data and
parameters, recomputes the step in plain NumPy (forward pass, loss, the chain
rule layer by layer, gradients, update) and prints every number under the name
the worked solution gives it; with ``--json`` it prints the object that
``symbackprop grad SPEC --json`` prints. It imports NumPy only.

It computes as the engine does, so that the two agree to the last digits: each
activation and loss in its engine's numeric form (:data:`FORWARD`,
:data:`LOSSES`, which mirror the hand-written forms of ``activations.py`` and
``losses.py``), and everything the engine lambdifies (activation derivatives,
custom formulas, dL/da of a loss without a form of its own, the output deltas'
closed forms) printed from the same SymPy expressions by SymPy's NumPy printer.

Nothing a spec says becomes code. :func:`build` hands the template values, and
the template's environment turns every value into a Python literal
(:func:`literal`) unless it is :class:`Code` made here; a comment gets user text
only through :func:`comment`, which keeps it on one line. So a title or a name
can only ever be the contents of a string.
"""

import math
import numbers
from dataclasses import dataclass

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .activations import numeric_form
from .errors import SpecError
from .evaluation import listed_steps
from .notation import plain_name


class Code(str):
    """Python source written here, never user text: the template prints it as it is."""


def literal(value):
    """``value`` as a Python literal; :class:`Code` as it is. Every value the template prints passes here.

    >>> print(literal('a"b'), literal([0.1, None]), literal(Code("np.exp(z)")))
    'a"b' [0.1, None] np.exp(z)
    """
    if isinstance(value, Code):
        return value
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, numbers.Integral):
        return repr(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"script: {value} has no Python literal")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    raise TypeError(f"script: no Python literal for a {type(value).__name__}")


def _string(text):
    """A string literal, in double quotes where that needs no escapes (as ``ruff format`` writes them)."""
    written = repr(str(text))
    if written.startswith("'") and '"' not in text and "'" not in text:
        return '"' + written[1:-1] + '"'
    return written


def docstring(text):
    r"""``text`` as a one-line docstring: triple-quoted, its quotes, backslashes and line breaks escaped.

    >>> import ast
    >>> ast.literal_eval(docstring('say "hi"\n\\')) == 'say "hi"\n\\'
    True
    """
    return Code('"""' + repr(str(text))[1:-1].replace('"', '\\"') + '"""')


def comment(text):
    r"""``text`` for a ``#`` comment: on one line, every line break and control character escaped.

    >>> print(comment("a\nimport os"))
    a\nimport os
    """
    return Code(repr(str(text))[1:-1])


class _Printer(NumPyPrinter):
    """SymPy's NumPy printer writing ``np.`` for ``numpy.``, as the script imports it, and each float in the
    shortest form that reads as the same double (0.1, not 0.100000000000000)."""

    def _module_format(self, fqn, register=True):
        name = super()._module_format(fqn, register)
        return "np" + name.removeprefix("numpy") if name.startswith("numpy.") else name

    def _print_Float(self, expr):
        return repr(float(super()._print_Float(expr)))


def numpy_code(expr, names):
    """NumPy source of the SymPy ``expr``, its symbols renamed by ``names`` ({symbol: name}).

    Printed as the engine lambdifies it (exact constants as floats), so the script computes the same.

    >>> z = sp.Symbol("z")
    >>> print(numpy_code(sp.tanh(z) / 2, {z: "z"}))
    0.5*np.tanh(z)
    """
    expr = numeric_form(expr)
    if not expr.free_symbols <= names.keys():
        raise SpecError(f"script: {expr} holds symbols other than {', '.join(map(str, names.values()))}")
    renamed = expr.xreplace({symbol: sp.Symbol(name) for symbol, name in names.items()})
    printer = _Printer({"fully_qualified_modules": True, "inline": True, "strict": True})
    code = printer.doprint(renamed)
    if set(printer.module_imports) - {"numpy"}:
        raise SpecError(f"script: {expr} needs {', '.join(sorted(printer.module_imports))}, not NumPy alone")
    return Code(code)


@dataclass(frozen=True)
class Function:
    """One function of the script: its name, its arguments, what it is (its docstring) and its body, line by line."""

    name: Code
    arguments: Code
    about: str
    body: tuple

    @property
    def docstring(self):
        return docstring(self.about)


def _lines(*lines):
    return tuple(Code(line) for line in lines)


# The engine's hand-written numeric form of each built-in activation (see activations.py), keyed by the
# activation's numeric name, as a function of the activation giving its docstring and body in z.
FORWARD = {
    "sigmoid": lambda act: (
        "The sigmoid, 1 / (1 + e^-z). Far below 0, e^-z overflows to inf and the quotient is 0, its limit.",
        _lines('with np.errstate(over="ignore"):', "    return 1.0 / (1.0 + np.exp(-z))"),
    ),
    "tanh": lambda act: ("The hyperbolic tangent.", _lines("return np.tanh(z)")),
    "relu": lambda act: ("The ReLU, max(0, z).", _lines("return np.maximum(z, 0.0)")),
    "linear": lambda act: ("The identity.", _lines("return z")),
    "softplus": lambda act: (
        "The softplus, log(1 + e^z), in a form that cannot overflow.",
        _lines("return np.logaddexp(0.0, z)"),
    ),
    "softmax": lambda act: (
        "The softmax of each row, e^z_j / sum_k e^z_k, shifted by the row's largest z so that e^z cannot overflow.",
        _lines("e = np.exp(z - z.max(axis=-1, keepdims=True))", "return e / e.sum(axis=-1, keepdims=True)"),
    ),
    "leaky_relu": lambda act: (
        f"The leaky ReLU: z above 0, {_slope(act)} z below.",
        _lines(f"return z * np.where(z > 0, 1.0, {literal(_slope(act))})"),
    ),
}


def _slope(activation):
    return float(dict(activation.parameters)["slope"])


@dataclass(frozen=True)
class LossForm:
    """A loss's numeric forms in the script: each sample's loss, and dL/da where the engine has its own.

    Without ``gradient``, dL/da is printed from the derivative of the loss's SymPy term.
    """

    about: str
    loss: tuple
    gradient: tuple | None = None


# The engine's numeric forms of each loss (see losses.py), keyed by the loss's kind and the output activation
# it has forms of its own after (None: the general forms). Each maps z, a and y to one loss per sample.
LOSSES = {
    ("squared_error", None): lambda loss: LossForm(
        f"Squared error times {float(loss.factor)}, summed over the outputs.",
        _lines(f"return {literal(float(loss.factor))} * np.sum((a - y) ** 2, axis=-1)"),
    ),
    ("bce", None): lambda loss: LossForm(
        "Binary cross-entropy, -sum [y log a + (1 - y) log(1 - a)], each term only where its weight is not 0.",
        _lines(
            'with np.errstate(divide="ignore", invalid="ignore"):',
            "    terms = -(np.where(y > 0, y * np.log(a), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-a), 0.0))",
            "return np.sum(terms, axis=-1)",
        ),
        _lines(
            'with np.errstate(divide="ignore", over="ignore", invalid="ignore"):',
            "    wrong, right = 1 / (1 - a), 1 / a",
            "    return np.where(y < 1, (1 - y) * wrong, 0.0) - np.where(y > 0, y * right, 0.0)",
        ),
    ),
    ("bce", "sigmoid"): lambda loss: LossForm(
        "Binary cross-entropy after a sigmoid, written with z: log(1 + e^z) - y z, finite for any z.",
        _lines(
            "terms = np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)",
            "return np.sum(terms, axis=-1) - np.sum(y * z, axis=-1)",
        ),
        _lines(
            'with np.errstate(over="ignore", invalid="ignore"):',
            "    wrong, right = 1 + np.exp(z), 1 + np.exp(-z)  # 1 / (1 - a) and 1 / a, exact where a rounds to 0 or 1",
            "    return np.where(y < 1, (1 - y) * wrong, 0.0) - np.where(y > 0, y * right, 0.0)",
        ),
    ),
    ("cross_entropy", None): lambda loss: LossForm(
        "Cross-entropy after a softmax, -sum y log a = sum y (logsumexp(z) - z), with no log of a tiny a.",
        _lines(
            "logsumexp = z.max(axis=-1, keepdims=True) - np.log(a.max(axis=-1, keepdims=True))",
            "return np.sum(y * (logsumexp - z), axis=-1)",
        ),
        _lines(
            'with np.errstate(divide="ignore", invalid="ignore"):',
            "    return np.where(y > 0, -y / a, 0.0)",
        ),
    ),
}


@dataclass(frozen=True)
class Layer:
    """One layer as the script computes it: its number, its activation's functions and its bias's name
    (None without one; ``shared_bias`` when one bias serves every unit)."""

    number: int
    activation: Function
    derivative: Function
    bias: str | None
    shared_bias: bool


@dataclass(frozen=True)
class Script:
    """Everything the script template lays out, every value already decided.

    ``parameters`` and ``names`` are keyed like the spec's parameters (``W1``, ``b1``, ...), the names
    shaped like the values; ``names`` also holds the units' names under ``x``, ``y``, ``z``, ``a``
    and ``delta`` (indexed by layer, None for the input) and ``loss`` and ``rate``.
    """

    title: str
    network: str
    digits: int | None
    decimals: int | None
    x: list
    y: list
    rows: list
    reduction: str
    learning_rate: float
    steps: int
    listed: list
    parameters: dict
    trained: list
    names: dict
    activations: tuple
    derivatives: tuple
    layers: tuple
    loss: Function
    loss_gradient: Function
    output_delta: Function
    delta_note: str
    training: str
    elementwise_output: bool

    @property
    def parts(self):
        """The steps of the computation in order: each is the template ``steps/<part>.py.j2``."""
        return PARTS


# The steps of the computation, each laid out by the template steps/<part>.py.j2: the script takes them in this
# order, and the notebook places each after the part of the worked solution it recomputes.
PARTS = ("setup", "forward", "loss", "backward", "gradients", "update", "steps", "check", "results")


def build(result):
    """The script model of a training run (a :class:`~symbackprop.evaluation.Result`)."""
    spec = result.spec
    architecture = spec.architecture
    activations, derivatives, layers = _layers(architecture)
    loss, gradient = _loss(architecture)
    delta, note = _output_delta(result.derivation)
    return Script(
        title=spec.title,
        network=_describe(architecture),
        digits=spec.notation.precision.digits,
        decimals=spec.notation.precision.decimals,
        x=[[float(v) for v in row] for row in spec.x],
        y=[[float(v) for v in row] for row in spec.y],
        rows=list(spec.rows),
        reduction=spec.reduction,
        learning_rate=float(spec.learning_rate),
        steps=spec.steps,
        listed=listed_steps(spec.steps),
        parameters={name: _floats(value) for name, value in spec.parameters.items()},
        trained=[name for name in spec.parameters if name.startswith("W") or spec.update_biases],
        names=_names(spec.notation, architecture),
        activations=activations,
        derivatives=derivatives,
        layers=layers,
        loss=loss,
        loss_gradient=gradient,
        output_delta=delta,
        delta_note=note,
        training=_training(spec),
        elementwise_output=not architecture.layers[-1].activation.vector,
    )


def _floats(value):
    return [_floats(item) for item in value] if isinstance(value, list) else float(value)


def _describe(architecture):
    layers = ", ".join(f"{layer.units} {layer.activation.description}" for layer in architecture.layers)
    bias = {"per-neuron": "a bias per unit", "per-layer": "one bias per layer", "none": "no biases"}
    return f"{architecture.inputs} inputs, then {layers}; {bias[architecture.bias]}; {architecture.loss.label}"


def _training(spec):
    steps = "one step" if spec.steps == 1 else f"{spec.steps} steps"
    if spec.mode == "sample":
        on = f"on sample {spec.sample}"
    else:
        on = f"on all {len(spec.x)} samples, the loss their {spec.reduction}"
    rate = plain_name(spec.notation.rate)
    return f"{steps} of gradient descent {on}, learning rate {rate} = {float(spec.learning_rate)}"


def _names(notation, architecture):
    """Every name of the notation in plain text, keyed as :class:`Script` says."""

    def plain(names):
        if names is None:
            return None
        return plain_name(names) if isinstance(names, str) else [plain(item) for item in names]

    names = {family: plain(getattr(notation, family)) for family in ("x", "y", "z", "a", "delta", "loss", "rate")}
    for l in range(1, architecture.depth + 1):
        names[f"W{l}"] = plain(notation.W[l])
        if architecture.bias != "none":
            names[f"b{l}"] = plain(notation.b[l])
    return names


def _layers(architecture):
    """Each distinct activation's function and its derivative's, once, and the layers that use them."""
    made, layers = {}, []
    for number, layer in enumerate(architecture.layers, start=1):
        activation = layer.activation
        if activation not in made:
            name = _function_name(activation, made.values())
            made[activation] = (_forward(activation, name), _derivative(activation, name))
        forward, derivative = made[activation]
        bias = None if architecture.bias == "none" else f"b{number}"
        layers.append(Layer(number, forward, derivative, bias, architecture.bias == "per-layer"))
    pairs = tuple(made.values())
    return tuple(forward for forward, _ in pairs), tuple(derivative for _, derivative in pairs), tuple(layers)


def _function_name(activation, taken):
    """A Python name for the activation's function: the built-in's own, ``custom`` for a formula; never a user's."""
    stem = "custom" if activation.same_as or activation.numeric is None else activation.name
    used = {forward.name for forward, _ in taken}
    name, count = stem, 1
    while name in used:
        count += 1
        name = f"{stem}_{count}"
    return Code(name)


def _custom_about(activation):
    variable, expression = (value for _, value in activation.parameters)
    about = f"The custom activation {activation.name}({variable}) = {expression}"
    return about + (f", computed as the {activation.same_as} it is." if activation.same_as else ".")


def _forward(activation, name):
    if activation.numeric is None:
        z = sp.Dummy("z", real=True)
        about, body = _custom_about(activation), _lines(f"return {_shaped(activation.formula(z), {z: 'z'})}")
    else:
        form = FORWARD.get(activation.numeric_name)
        if form is None:
            raise SpecError(f"script: no NumPy form for the activation {activation.numeric_name!r}")
        about, body = form(activation)
        if activation.same_as:
            about = _custom_about(activation)
    return Function(name, Code("z"), about, body)


def _derivative(activation, name):
    z, a = sp.Dummy("z", real=True), sp.Dummy("a", real=True)
    about = f"f'(z) of {name}, written with the unit's output a = f(z) where that is simpler."
    if activation.vector:
        about = f"The diagonal of {name}'s Jacobian, da_j/dz_j = a_j (1 - a_j) (shown; the deltas use all of it)."
    body = _lines(f"return {_shaped(activation.derivative(z, a), {z: 'z', a: 'a'})}")
    return Function(Code(f"{name}_prime"), Code("z, a"), about, body)


def _shaped(expr, names):
    """NumPy source of ``expr``; a constant is given the shape of z, as the engine's arrays have it."""
    code = numpy_code(expr, names)
    return code if numeric_form(expr).free_symbols else Code(f"np.full(np.shape(z), {code})")


def _loss(architecture):
    loss, output = architecture.loss, architecture.layers[-1].activation
    after = output.numeric_name if output.numeric_name in loss.after else None
    form = LOSSES.get((loss.kind, after))
    if form is None:
        raise SpecError(f"script: no NumPy form for the loss {loss.kind!r}")
    form = form(loss)
    gradient = form.gradient
    if gradient is None:
        a, y = sp.Dummy("a", real=True), sp.Dummy("y", real=True)
        gradient = _lines(f"return {numpy_code(sp.diff(loss.term(a, y), a), {a: 'a', y: 'y'})}")
    arguments = Code("z, a, y")
    return (
        Function(Code("loss_of_each_sample"), arguments, form.about, form.loss),
        Function(
            Code("loss_gradient"), arguments, "dL/da: the loss's derivative by each output, per sample.", gradient
        ),
    )


def _output_delta(derivation):
    """The output layer's delta = dL/dz, as the engine computes it, and how it comes about."""
    net = derivation.network
    L = derivation.architecture.depth
    deltas = derivation.deltas[L]
    if all(d.closed_form == a - y for d, a, y in zip(deltas, net.a[L], net.y)):
        code, how = Code("a - y"), "dL/da * f'(z) cancels to a - y"
    elif derivation.architecture.layers[-1].activation.vector:
        code = Code("a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))")
        how = "each output depends on every z, so delta_j = sum_k dL/da_k a_k (1[k = j] - a_j)"
    else:
        # Every unit's delta is one closed form renamed for the unit: the first one's, on whole arrays.
        first = {net.a[L][0]: "a", net.z[L][0]: "z", net.y[0]: "y"}
        code, how = _shaped(deltas[0].closed_form, first), "dL/da * f'(z), simplified"
    about = f"The output layer's delta = dL/dz: {how}."
    return Function(Code("output_delta"), Code("z, a, y, grad_a"), about, _lines(f"return {code}")), how
