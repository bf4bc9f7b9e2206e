"""Nice numbers: starting parameters, inputs and targets that make a good worked example.

A worked example, or one of many exercise variants, needs numbers a student can
work with by hand and a step that shows backpropagation at work. :func:`draw`
draws numbers on a grid of one or two decimals (0.3, -0.75) and keeps the sets
that are *nice*, which :func:`problems` checks:

- every drawn number lies on the grid 10^-decimals, within its range
  (:class:`Settings`), and no weight is exactly 0 (its input would drop out of
  the sum, and its step would be trivial);
- no sigmoid unit has |z| > 3 and no tanh unit |z| > 2 on a trained sample
  (:data:`SATURATION`): past that the unit is nearly flat (σ′(3) = 0.045, a
  fifth of its peak; tanh′(2) = 0.071, a fourteenth), and the gradients through
  it nearly vanish;
- no ReLU or leaky ReLU unit of a hidden layer is dead (z <= 0 on every trained
  sample), and no such unit anywhere has z at its kink (|z| < :data:`KINK` on a
  trained sample), where the derivative is a convention and float rounding of
  an exact 0 would pick the side;
- the targets suit the loss: 0 or 1 for bce, one-hot rows for cross_entropy,
  and drawn regression targets within their range;
- the first step lowers the loss, by at least a relative :data:`MIN_DECREASE`;
- the loss, every gradient, the loss after the step and every forward value of
  every sample are finite.

Numbers a set does not draw (``Settings.vary``) keep the spec's own values; the
grid and the ranges apply only to drawn numbers, the other constraints to the
whole set. Candidates are drawn in rounds and checked all at once, with the
evaluator's leading parameter-set axis: thousands of sets are one NumPy pass.

>>> import numpy as np
>>> from symbackprop import load
>>> spec = load("bce_sigmoid_2_2_1")
>>> numbers = draw(spec, np.random.default_rng(0), 3)
>>> numbers.parameters["W1"].shape, numbers.x.shape, numbers.y.shape
((3, 2, 2), (3, 5, 2), (3, 5, 1))
>>> problems(spec, numbers)
[[], [], []]
>>> numbers.spec(spec, 0).parameters["W1"]  # drawn numbers as exact decimals on the grid
[[Decimal('0.8'), Decimal('0.3')], [Decimal('0.1'), Decimal('-0.5')]]
"""

import dataclasses
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

from . import budget
from .checks import show, suggest
from .errors import SpecError
from .evaluation import evaluator, sgd_step

VARYING = ("weights", "biases", "inputs", "targets")
DECIMALS = (1, 2)
# |z| past which a unit counts as saturated, by the activation's numeric name (custom formulas recognised
# as one of these count as it).
SATURATION = {"sigmoid": 3.0, "tanh": 2.0}
KINKED = ("relu", "leaky_relu")  # units that die below 0 and have a kink at 0
KINK = 1e-9  # a z this close to 0 is at the kink (an exact 0 in decimals computes as about 1e-17)
MIN_DECREASE = 1e-4  # the first step lowers the loss by at least this fraction of it
MAX_MAGNITUDE = 1000  # a range's ends
# Regression targets by default: within what the output activation can reach.
TARGET_RANGES = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "relu": (0.0, 1.0), "softplus": (0.0, 1.0)}
DEFAULT_TARGETS = (-1.0, 1.0)

# Drawing: each round draws about twice what it expects to need at the acceptance rate seen so far
# (at least MIN_ROUND), for at most MAX_ROUNDS rounds. In all it checks up to CANDIDATES_PER_SET candidates
# for each set asked for, but at least MIN_WORK values (about 1.5 s) and at most budget.MAX_NICE_WORK.
MIN_ROUND = 256
MAX_ROUNDS = 10
CANDIDATES_PER_SET = 20
MIN_WORK = 20_000_000
# Candidates are checked in blocks of about this many values, which bounds the memory of a round.
BLOCK_VALUES = 1 << 20


@dataclass(frozen=True)
class Settings:
    """What :func:`draw` draws and from where.

    ``vary``: the families drawn (some of :data:`VARYING`); the others keep the spec's numbers.
    ``decimals``: drawn numbers lie on the grid 10^-decimals (1 or 2). ``weights``, ``biases``,
    ``inputs``: closed ranges (low, high). ``targets``: the range of regression targets (squared
    error), None for one that suits the output activation (:data:`TARGET_RANGES`); classification
    targets are drawn as the loss needs them (0/1 for bce, one-hot for cross_entropy).

    A bad setting raises a :class:`SpecError` naming it (``decimals: ...``), which a reader of
    settings from a file can prefix with its table's name.
    """

    vary: frozenset = frozenset({"weights", "biases", "inputs"})
    decimals: int = 1
    weights: tuple = (-1.0, 1.0)
    biases: tuple = (-0.5, 0.5)
    inputs: tuple = (-1.0, 1.0)
    targets: tuple | None = None

    def __post_init__(self):
        if not isinstance(self.vary, (set, frozenset, list, tuple)) or not all(isinstance(f, str) for f in self.vary):
            raise SpecError(f"vary: expected a set of names from {', '.join(VARYING)}, got {show(self.vary)}")
        for family in self.vary:
            if family not in VARYING:
                raise SpecError(
                    f"vary: unknown value {show(family)}{suggest(family, VARYING)}; expected some of {', '.join(VARYING)}"
                )
        object.__setattr__(self, "vary", frozenset(self.vary))
        if type(self.decimals) is not int or self.decimals not in DECIMALS:
            raise SpecError(f"decimals: expected 1 or 2 (the grid 0.1 or 0.01), got {show(self.decimals)}")
        for family in ("weights", "biases", "inputs", "targets"):
            value = getattr(self, family)
            if value is not None:
                object.__setattr__(self, family, _range(value, family, self.decimals))

    def range(self, family, spec):
        """The closed range ``family`` is drawn from; regression targets without a range of their own take
        :data:`TARGET_RANGES` of ``spec``'s output activation."""
        bounds = getattr(self, family)
        if bounds is None:
            return TARGET_RANGES.get(spec.architecture.layers[-1].activation.numeric_name, DEFAULT_TARGETS)
        return bounds

    def bounds(self, family, spec):
        """The first and last grid code (value times 10^decimals) ``family`` is drawn from."""
        return _grid(self.range(family, spec), self.decimals)

    def codes(self, family, spec):
        """Every grid code ``family`` is drawn from, in order; weights leave out 0."""
        low, high = self.bounds(family, spec)
        codes = np.arange(low, high + 1)
        return codes[codes != 0] if family == "weights" else codes


def _range(value, family, decimals):
    """``value`` as a checked (low, high) tuple holding at least one grid point (a nonzero one for weights)."""
    expected = f"{family}: expected a range (low, high) of numbers from -{MAX_MAGNITUDE} to {MAX_MAGNITUDE}"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise SpecError(f"{expected}, got {show(value)}")
    for end in value:
        if isinstance(end, bool) or not isinstance(end, (int, float, Decimal)) or not abs(end) <= MAX_MAGNITUDE:
            raise SpecError(f"{expected}, got {show(value)}")
    low, high = _grid(value, decimals)
    if low > high or (family == "weights" and low == high == 0):
        what = "no grid point other than 0" if low <= high else "no grid point"
        raise SpecError(
            f"{family}: the range {show(tuple(value))} holds {what} of the grid {Decimal(1).scaleb(-decimals)}"
        )
    return tuple(value)


def _grid(bounds, decimals):
    """The first and last grid code within ``bounds``: ceil(low * 10^d) and floor(high * 10^d), worked out exactly."""
    low, high = (Decimal(str(end)).scaleb(decimals) for end in bounds)
    return int(low.to_integral_value(ROUND_CEILING)), int(high.to_integral_value(ROUND_FLOOR))


@dataclass(frozen=True)
class Numbers:
    """``count`` number sets, stacked on a leading axis.

    ``parameters`` maps each parameter name to an array of shape (count, *shape): ``"W1"`` (count,
    units, units below), ``"b1"`` (count, units), or (count,) for a per-layer bias; ``x`` has shape
    (count, samples, inputs) and ``y`` (count, samples, outputs). Drawn numbers are exactly the
    floats of their grid values; the others are the spec's. ``settings`` are those they were drawn with.
    """

    parameters: dict
    x: np.ndarray
    y: np.ndarray
    settings: Settings = Settings()

    @property
    def count(self):
        return len(self.x)

    def spec(self, base_spec, i):
        """``base_spec`` with number set ``i`` put in, everything else (architecture, notation, training, title) kept.

        Drawn numbers become exact decimals as written on the grid (Decimal("0.3"), Decimal("-1.0")),
        classification targets 0 and 1; numbers not drawn are ``base_spec``'s own.
        """
        drawn = self.settings.vary
        classified = base_spec.architecture.loss.kind != "squared_error"
        parameters = {
            name: self._exact(value[i], classified=False) if _family(name) in drawn else base_spec.parameters[name]
            for name, value in self.parameters.items()
        }
        x = self._rows(self.x[i]) if "inputs" in drawn else base_spec.x
        y = self._rows(self.y[i], classified) if "targets" in drawn else base_spec.y
        return dataclasses.replace(base_spec, parameters=parameters, x=x, y=y)

    def _exact(self, value, classified):
        if np.ndim(value):
            return [self._exact(item, classified) for item in value]
        if classified:
            return Decimal(int(value))
        places = self.settings.decimals
        return Decimal(int(round(float(value) * 10**places))).scaleb(-places)

    def _rows(self, rows, classified=False):
        return tuple(tuple(self._exact(row, classified)) for row in rows)


def _family(name):
    """The family (one of :data:`VARYING`) a number belongs to, by its name in the spec ("W1", "b2", "x", "y")."""
    return {"W": "weights", "b": "biases", "x": "inputs", "y": "targets"}[name[0]]


@dataclass(frozen=True)
class Breach:
    """One way sets can fail to be nice: ``constraint`` names the rule (a key of :data:`CONSTRAINTS`),
    ``mask`` says which sets of a block break it, ``message(i)`` says how set ``i`` does."""

    constraint: str
    mask: np.ndarray
    message: Callable[[int], str]


# Each rule, as the error of a draw that could not meet it describes it.
# Up to this many inputs and trained samples (what is worked by hand), a trained sample's drawn inputs are
# nonzero and of distinct sizes; more inputs could not all differ on a grid of 0.1 within [-1, 1], and among
# many samples some would nearly always break it.
DISTINCT_INPUTS = 4


CONSTRAINTS = {
    "grid": "a drawn number is off the grid or outside its range",
    "zero weight": "a weight is 0",
    "inputs": f"a trained sample's drawn inputs include 0 or two of the same size (up to {DISTINCT_INPUTS} inputs and trained samples)",
    "saturated": f"a sigmoid or tanh unit saturates on a trained sample (|z| > {SATURATION['sigmoid']:g} or "
    f"{SATURATION['tanh']:g})",
    "dead": "a ReLU unit is dead (z <= 0 on every trained sample) or at its kink (z = 0)",
    "targets": "the targets do not suit the loss",
    "decrease": f"the first step does not lower the loss by a relative {MIN_DECREASE:g}",
    "finite": "the loss, a gradient or a forward value is not finite",
    "repeat": "the set repeats one drawn before",
}


def problems(spec, numbers):
    """For each set of ``numbers``, the constraints it breaks as one-line messages (an empty list: a nice set)."""
    found = [[] for _ in range(numbers.count)]
    values = {**numbers.parameters, "x": numbers.x, "y": numbers.y}
    for start, block in _blocks(spec, values, numbers.count):
        for breach in _breaches(spec, block, numbers.settings):
            for i in np.flatnonzero(breach.mask):
                found[start + i].append(breach.message(i))
    return found


def draw(spec, rng, count, settings=Settings()):
    """``count`` nice number sets for ``spec``'s network, drawn with the NumPy Generator ``rng``.

    No two sets are alike, they come in the order drawn, and the same ``rng`` state gives the
    same sets. Raises a one-line :class:`SpecError` over the budget, and :class:`NotFound` when after
    :data:`MAX_ROUNDS` rounds too few nice sets were found, naming the constraint most candidates broke.
    """
    plan = _Plan(spec, settings)
    numbers, values = _set_size(spec)
    budget.check_sets(count, numbers)
    work = min(max(CANDIDATES_PER_SET * count * values, MIN_WORK), budget.MAX_NICE_WORK)
    most = max(count, work // values)  # candidates
    kept, seen, refused = [], set(), Counter()
    found = drawn = 0
    for _ in range(MAX_ROUNDS):
        need = count - found
        if not need or drawn >= most:
            break
        rate = (found + 1) / (drawn + 2)  # the acceptance rate seen so far (1/2 before any)
        size = min(max(math.ceil(2 * need / rate), MIN_ROUND), most - drawn)
        values, keys = plan.draw(rng, size)
        nice = np.ones(size, dtype=bool)
        for start, block in _blocks(spec, values, size):
            broken = {}  # per constraint, the sets of the block that break it in some way
            for breach in _breaches(spec, block, settings):
                broken[breach.constraint] = broken.get(breach.constraint, False) | breach.mask
            for constraint, mask in broken.items():
                refused[constraint] += int(mask.sum())
                nice[start : start + len(mask)] &= ~mask
        chosen = []
        for i in np.flatnonzero(nice):
            key = keys[i].tobytes()
            if key in seen:
                refused["repeat"] += 1
                continue
            seen.add(key)
            chosen.append(i)
            if len(chosen) == need:
                break
        kept.append({name: value[chosen] for name, value in values.items()})
        found += len(chosen)
        drawn += size
    if found < count:
        raise NotFound(found, count, drawn, *(refused.most_common(1)[0] if refused else ("repeat", 0)))
    values = {name: np.concatenate([block[name] for block in kept]) for name in kept[0]}
    return Numbers(
        parameters={name: values[name] for name in spec.parameters}, x=values["x"], y=values["y"], settings=settings
    )


class NotFound(SpecError):
    """:func:`draw` found ``found`` nice sets of the ``count`` asked for among ``drawn`` candidates; ``refused``
    of them broke ``constraint`` (a key of :data:`CONSTRAINTS`), more than broke any other.

    ``advice`` ends the message; a caller that knows what its user can change may give its own.
    """

    def __init__(self, found, count, drawn, constraint, refused, advice=None):
        self.found, self.count, self.drawn, self.constraint, self.refused = found, count, drawn, constraint, refused
        advice = advice or "widen the ranges, draw more kinds of number or ask for fewer sets"
        super().__init__(
            f"nice numbers: found {found:,} of the {count:,} sets asked for among {drawn:,} drawn; {refused:,} were "
            f"refused because {CONSTRAINTS[constraint]}; {advice}"
        )


class _Plan:
    """How the number sets of one spec are drawn: the shape of every number, and which are drawn from what."""

    def __init__(self, spec, settings):
        x, y = spec.numeric_data()
        self.spec, self.settings = spec, settings
        self.fixed = {**spec.numeric_parameters(), "x": x, "y": y}
        self.drawn = [name for name in self.fixed if _family(name) in settings.vary]
        self.codes = {family: settings.codes(family, spec) for family in VARYING if family in settings.vary}

    def draw(self, rng, size):
        """``size`` candidate sets: every number's values (size, *shape), and each set's drawn grid codes as a row."""
        values, keys = {}, []
        for name, fixed in self.fixed.items():
            if name not in self.drawn:
                values[name] = np.broadcast_to(fixed, (size, *fixed.shape))
                continue
            codes = self._codes(name, rng, (size, *fixed.shape))
            keys.append(codes.reshape(size, -1).astype(np.int32))  # codes lie within +-MAX_MAGNITUDE * 100
            classified = name == "y" and self.spec.architecture.loss.kind != "squared_error"
            values[name] = codes.astype(float) if classified else codes / 10.0**self.settings.decimals
        keys = np.concatenate(keys, axis=1) if keys else np.zeros((size, 0), dtype=np.int32)
        return values, keys

    def _codes(self, name, rng, shape):
        kind = self.spec.architecture.loss.kind
        if name == "y" and kind == "bce":
            return rng.integers(0, 2, shape)
        if name == "y" and kind == "cross_entropy":
            return np.eye(shape[-1], dtype=np.int64)[rng.integers(0, shape[-1], shape[:-1])]
        table = self.codes[_family(name)]
        return table[rng.integers(0, len(table), shape)]


def _set_size(spec):
    """The numbers of one set of ``spec`` (parameters, inputs, targets), and the values a check of it holds
    (those and a forward pass over every sample)."""
    architecture = spec.architecture
    numbers = architecture.parameter_count() + len(spec.x) * (architecture.inputs + architecture.outputs)
    return numbers, numbers + len(spec.x) * sum(architecture.widths())


def _blocks(spec, values, count):
    """``values`` cut along their leading axis into blocks of about :data:`BLOCK_VALUES` values each."""
    size = max(1, BLOCK_VALUES // _set_size(spec)[1])
    for start in range(0, count, size):
        yield start, {name: value[start : start + size] for name, value in values.items()}


def _breaches(spec, values, settings):
    """Every :class:`Breach` that the sets ``values`` (name -> array with a leading set axis) can commit."""
    yield from _number_breaches(spec, values, settings)
    yield from _run_breaches(spec, values)


def _number_breaches(spec, values, settings):
    """The rules on the numbers themselves: grid and range, zero weights, targets that suit the loss."""
    kind = spec.architecture.loss.kind
    for name, value in values.items():
        family = _family(name)
        if family in settings.vary and not (family == "targets" and kind != "squared_error"):
            codes = np.round(value * 10.0**settings.decimals)
            low, high = settings.bounds(family, spec)
            bad = (codes / 10.0**settings.decimals != value) | (codes < low) | (codes > high)
            yield Breach("grid", _any(bad), _first(bad, value, name, f"is off the grid or outside the {family}' range"))
        if family == "weights":
            yield Breach("zero weight", _any(value == 0), _first(value == 0, None, name, "is 0"))
    if "inputs" in settings.vary and spec.architecture.inputs <= DISTINCT_INPUTS and len(spec.rows) <= DISTINCT_INPUTS:
        # An input of 0 zeroes its weights' gradients; two inputs of one size make twin columns of them.
        sizes = np.sort(np.abs(values["x"][:, list(spec.rows), :]), axis=-1)
        bad = np.any(sizes == 0, axis=-1) | np.any(np.diff(sizes, axis=-1) == 0, axis=-1)
        yield Breach("inputs", _any(bad), _first(bad, None, "x", "holds 0 or two inputs of the same size"))
    y = values["y"]
    if kind == "bce":
        bad = (y != 0) & (y != 1)
        yield Breach("targets", _any(bad), _first(bad, y, "y", "is not 0 or 1 (bce)"))
    elif kind == "cross_entropy":
        bad = np.any((y != 0) & (y != 1), axis=-1) | (y.sum(axis=-1) != 1)
        yield Breach("targets", _any(bad), _first(bad, None, "y", "is not one-hot (cross_entropy)"))


def _run_breaches(spec, values):
    """The rules on the run: saturated and dead units, a step that lowers the loss, finite numbers."""
    compiled = evaluator(spec.architecture)
    parameters = {name: values[name] for name in spec.parameters}
    x, y = values["x"], values["y"]
    rows = list(spec.rows)
    trace = compiled.trace(parameters, x, y)
    layers = spec.architecture.layers
    for l, layer in enumerate(layers, start=1):
        name = layer.activation.numeric_name
        z = trace.z[l][:, rows, :]
        if name in SATURATION:
            limit = SATURATION[name]
            bad = np.abs(z) > limit
            yield Breach("saturated", _any(bad), _unit(bad, z, l, rows, f"saturates the {name} (|z| > {limit:g})"))
        if name in KINKED:
            kinked = np.abs(z) < KINK
            yield Breach("dead", _any(kinked), _unit(kinked, z, l, rows, f"is at the {name}'s kink"))
            if l < len(layers):
                dead = np.all(z <= 0, axis=1)
                yield Breach("dead", _any(dead), _dead(dead, l, name))
    before = trace.losses(rows, spec.reduction)
    gradients = trace.gradients(rows, spec.reduction)
    updated = sgd_step(parameters, gradients, float(spec.learning_rate), spec.update_biases)
    with np.errstate(all="ignore"):
        after, _ = compiled.loss_and_gradients(updated, x[:, rows], y[:, rows], spec.reduction)
        lowered = before - after > MIN_DECREASE * np.abs(before)
    yield Breach(
        "decrease",
        ~lowered,
        lambda i: (
            f"the first step takes the loss from {before[i]:.6g} to {after[i]:.6g}, "
            f"not lower by a relative {MIN_DECREASE:g}"
        ),
    )
    finite = np.isfinite(before) & np.isfinite(after)
    for value in [*gradients.values(), *trace.z[1:], *trace.a[1:], trace.loss_sample]:
        finite &= _all(np.isfinite(value))
    yield Breach("finite", ~finite, lambda i: "the loss, a gradient or a forward value is not finite")


def _any(bad):
    """Per set: whether any entry of ``bad`` (a leading set axis, then anything) is true."""
    return bad.reshape(len(bad), -1).any(axis=1)


def _all(good):
    return good.reshape(len(good), -1).all(axis=1)


class _First:
    """For each set, the index of the first entry where ``bad`` (a leading set axis) holds, as a tuple.

    Found for every set at once, when a message first asks: drawing needs only the masks.
    """

    def __init__(self, bad):
        self.bad = bad
        self._found = None

    def __getitem__(self, i):
        if self._found is None:
            count, shape = len(self.bad), self.bad.shape[1:]
            first = self.bad.reshape(count, -1).argmax(axis=1)
            self._found = list(zip(*(axis.tolist() for axis in np.unravel_index(first, shape)))) if shape else None
        return self._found[i] if self._found is not None else ()


def _first(bad, value, name, what):
    """A message for set i naming the first entry where ``bad`` holds, as name[j,k], with its ``value`` if given."""
    first = _First(bad)

    def message(i):
        index = first[i]
        where = f"{name}[{','.join(str(n + 1) for n in index)}]" if index else name
        return f"{where} {what}" if value is None else f"{where} = {float(value[i][index]):g} {what}"

    return message


def _unit(bad, z, l, rows, what):
    """A message for set i naming the first unit of layer ``l`` and trained sample where ``bad`` holds."""
    first = _First(bad)

    def message(i):
        sample, unit = first[i]
        return f"z{l}_{unit + 1} = {float(z[i, sample, unit]):.4g} {what} on sample {rows[sample] + 1}"

    return message


def _dead(dead, l, name):
    """A message for set i naming the first unit of layer ``l`` that is dead."""
    first = _First(dead)

    def message(i):
        return f"z{l}_{first[i][0] + 1} <= 0 on every trained sample: the {name} unit is dead"

    return message
