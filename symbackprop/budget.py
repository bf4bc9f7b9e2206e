"""What a spec may cost: the limits every spec is checked against before any work starts.

Specs come from people the user may not trust (students, strangers, a shared
server), so a spec of a few hundred bytes must not be able to make symbackprop
run for minutes or fill the memory. Each limit below bounds one cost that grows
with the spec; together they keep any accepted spec within a few seconds and a
few hundred megabytes on a small machine (``benchmarks/budget.py`` measures the
edge of the budget; docs/security.md lists the limits and why each is set where
it is). A spec over a limit is refused with one line naming the limit and the
spec's own figure.

>>> from symbackprop import load
>>> check_document(load("bce_sigmoid_2_2_1"))  # well within every limit
"""

from .errors import SpecError

# Reading a spec.
MAX_SPEC_BYTES = 1 << 20  # a spec file; bounds the samples and numbers it can hold
MAX_KEY_PARTS = 16  # parts of one dotted TOML key (a.b.c); the TOML reader's cost is quadratic in them
MAX_EXPONENT = 30  # numbers are 0 or of magnitude 1e-30 to below 1e30: exact arithmetic on them stays small
MAX_DIGITS = 30  # significant digits of one number
MAX_TITLE = 300  # characters of the title
MAX_DESCRIPTION = 1000  # characters of the description

# The network and its run.
MAX_UNITS = 512  # units in one layer
MAX_LAYERS = 16
MAX_PARAMETERS = 10_000  # the symbolic derivation costs about 0.2 ms a parameter
MAX_SOFTMAX_UNITS = 64  # softmax's Jacobian makes its derivation grow with the square of its units
MAX_SAMPLES = 100_000
MAX_SAMPLE_UNITS = 2_000_000  # samples times all units (inputs included): the memory of a full trace
MAX_STEPS = 10_000
MAX_TRAINING_WORK = 1_000_000_000  # steps times trained samples times parameters
MAX_STEP_LAYERS = 40_000  # steps times layers: each layer of each step costs some NumPy calls whatever its size
MAX_ACTIVATION_WORK = 200_000_000  # values of activations and derivatives computed, weighted by formula size
MIN_CALL_ELEMENTS = 256  # one NumPy call of a formula's operation costs at least as much as this many values

# Custom activation formulas.
MAX_FORMULA_UNITS = 20_000  # units times a formula's size: each unit gets its own copy of f'(z) to show
MAX_FORMULA_DEGREE = 64  # the formula's degree, counted as in :func:`symbackprop.expressions.degree`
MAX_SIMPLIFY_DEGREE = 12  # above this (or MAX_SIMPLIFY_OPERATIONS) a delta is shown as derived, not cancelled
MAX_SIMPLIFY_OPERATIONS = 60

# Documents.
MAX_DOCUMENT_PARAMETERS = 320  # a PDF at this size compiles in under 10 s; 484 took 12 s
MAX_DOCUMENT_UNITS = 16  # units in one layer of a document's network
MAX_DOCUMENT_SAMPLES = 16  # 32 samples of 484 parameters overflowed TeX's memory in the per-sample table
MAX_DOCUMENT_FORMULA_COST = 60  # operations of a custom formula and its derivative, printed for every unit
MAX_COMPILE_SECONDS = 120  # one PDF compilation, after which TeX and its children are killed

# Nice numbers (symbackprop.nice): sets drawn at once, the numbers they hold, and the work of finding them.
MAX_NICE_SETS = 100_000
MAX_NICE_VALUES = 10_000_000  # sets times the numbers of one set (parameters, inputs, targets): their memory
MAX_NICE_WORK = 200_000_000  # candidates checked times the values of one check of a candidate: about 15 s

MAX_MESSAGE = 300  # characters of one error line


def _over(key, what, figure, limit):
    return SpecError(f"{key}: {what} is {figure:,}, over the budget of {limit:,} (see docs/security.md)")


def parameter_count(widths, bias):
    """Weights and biases of layers of ``widths`` (inputs first) under the ``bias`` layout.

    >>> parameter_count([2, 2, 1], "per-neuron")
    9
    """
    biases = {"per-neuron": sum(widths[1:]), "per-layer": len(widths) - 1, "none": 0}[bias]
    return sum(below * above for below, above in zip(widths, widths[1:])) + biases


def check_widths(widths, bias):
    """Refuse layer widths (inputs first) whose parameters are more than the budget allows."""
    count = parameter_count(widths, bias)
    if count > MAX_PARAMETERS:
        raise _over("network.layers", "the number of parameters", count, MAX_PARAMETERS)


def check_architecture(architecture):
    """Refuse an architecture whose derivation would cost more than the budget allows."""
    check_widths(architecture.widths(), architecture.bias)
    symbolic = sum(layer.units * layer.activation.cost for layer in architecture.layers)
    if symbolic > MAX_FORMULA_UNITS:
        raise _over("network.layers", "units times formula size (the symbolic work)", symbolic, MAX_FORMULA_UNITS)
    output = architecture.layers[-1]
    if output.activation.vector and output.units > MAX_SOFTMAX_UNITS:
        raise _over("network.layers", "the number of softmax output units", output.units, MAX_SOFTMAX_UNITS)


def check_run(architecture, samples, trained, steps):
    """Refuse a run whose evaluation would take more memory or time than the budget allows."""
    if samples > MAX_SAMPLES:
        raise _over("data.x", "the number of samples", samples, MAX_SAMPLES)
    sample_units = samples * sum(architecture.widths())
    if sample_units > MAX_SAMPLE_UNITS:
        raise _over("data.x", "samples times units (the size of one pass)", sample_units, MAX_SAMPLE_UNITS)
    work = steps * trained * architecture.parameter_count()
    if work > MAX_TRAINING_WORK:
        raise _over("training.steps", "steps times trained samples times parameters", work, MAX_TRAINING_WORK)
    step_layers = steps * architecture.depth
    if step_layers > MAX_STEP_LAYERS:
        raise _over("training.steps", "steps times layers", step_layers, MAX_STEP_LAYERS)
    # Both full passes (before and after) over every sample, and one per step over the trained ones. A
    # NumPy call costs about as much as MIN_CALL_ELEMENTS values, however few it computes.
    elementwise = sum(
        layer.activation.cost * (2 * _call_values(samples, layer.units) + steps * _call_values(trained, layer.units))
        for layer in architecture.layers
    )
    if elementwise > MAX_ACTIVATION_WORK:
        raise _over(
            "network.layers", "activation work (passes x units x formula size)", elementwise, MAX_ACTIVATION_WORK
        )


def _call_values(rows, units):
    """What one NumPy call over ``rows`` samples of a layer of ``units`` costs, in values computed."""
    return max(rows * units, MIN_CALL_ELEMENTS)


def check_sets(count, numbers, key="count"):
    """Refuse drawing ``count`` nice number sets of ``numbers`` numbers each (see :mod:`symbackprop.nice`)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SpecError(f"{key}: expected a whole number of sets from 1 to {MAX_NICE_SETS:,}, got {count!r:.40}")
    if count > MAX_NICE_SETS:
        raise _over(key, "the number of sets", count, MAX_NICE_SETS)
    if count * numbers > MAX_NICE_VALUES:
        raise _over(key, "sets times the numbers of a set", count * numbers, MAX_NICE_VALUES)


def check_document(spec):
    """Refuse a spec whose worked solution would be too large to build or to typeset."""
    architecture = spec.architecture
    count = architecture.parameter_count()
    if count > MAX_DOCUMENT_PARAMETERS:
        raise _over("network.layers", "for a document, the number of parameters", count, MAX_DOCUMENT_PARAMETERS)
    widest = max(architecture.widths())
    if widest > MAX_DOCUMENT_UNITS:
        raise _over("network.layers", "for a document, the widest layer's units", widest, MAX_DOCUMENT_UNITS)
    if len(spec.x) > MAX_DOCUMENT_SAMPLES:
        raise _over("data.x", "for a document, the number of samples", len(spec.x), MAX_DOCUMENT_SAMPLES)
    largest = max(layer.activation.cost for layer in architecture.layers)
    if largest > MAX_DOCUMENT_FORMULA_COST:
        raise _over("network.layers", "for a document, a custom formula's size", largest, MAX_DOCUMENT_FORMULA_COST)


# Variants: each written variant gets its own worked solution in solutions.tex, so their count times the
# size of one document is bounded; drawing numbers alone (variants.answers) costs a few values a parameter.
# Written variants times parameters: 100 variants of a 6-8-4 network make a 2,700-page solutions.pdf,
# which compiles in about a minute, half the time TeX is given (MAX_COMPILE_SECONDS).
MAX_VARIANT_PARAMETERS = 10_000
MAX_DRAWN_PARAMETERS = 10_000_000  # variants drawn without documents, times parameters


def check_variants(architecture, count, written=True):
    """Refuse drawing ``count`` variants of ``architecture`` past the budget of what is written or drawn."""
    work = count * architecture.parameter_count()
    limit = MAX_VARIANT_PARAMETERS if written else MAX_DRAWN_PARAMETERS
    if work > limit:
        raise _over("--count", "variants times parameters", work, limit)


# Claims files (symbackprop check): written by students and strangers.
MAX_CLAIMS_BYTES = 256 * 1024  # one claims file: thousands of figures
MAX_CLAIMS = 5_000  # figures in one claims file
MAX_CLAIM_NAME = 100  # characters of one quantity's name
