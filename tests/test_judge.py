"""The judge against figures made elsewhere: the engine's exact values, its carried run, and a student's
worked step written here with the oracle's formulas (tests/oracle.py), with mistakes made on purpose."""

import math
import random
import re
import tomllib
from collections import Counter
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest
from networks import random_case
from oracle import activation

from symbackprop import SpecError, canonical_quantities, load, parse, train
from symbackprop.carried import carried_run
from symbackprop.judge import judge
from symbackprop.verdict import DIAGNOSES, STATUSES, Claim

SEEDS = range(40)


def one_step(seed, mode="sample"):
    """A random case trained one step (so every updated parameter has a rule), in ``mode``."""
    text, net, plain = random_case(seed)
    text = text.replace(f"steps = {plain['steps']}", "steps = 1").replace(
        f'mode = "{plain["mode"]}"', f'mode = "{mode}"'
    )
    rows = [plain["sample"] - 1] if mode == "sample" else list(range(len(plain["x"])))
    return parse(text), net, {**plain, "steps": 1, "mode": mode, "rows": rows}


def claims_of(values, d):
    return [Claim(name, name, Decimal(f"{value:.{d}f}")) for name, value in values.items()]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_exact_values_rounded_or_cut_are_ok(seed):
    text, _, _ = random_case(seed)
    spec = parse(text)
    d = random.Random(seed).randint(3, 6)
    exact = canonical_quantities(train(spec))
    verdicts = judge(spec, claims_of(exact, d))
    assert {v.status for v in verdicts} == {"ok"}
    assert all("rounded" in v.explanation for v in verdicts)
    with localcontext(prec=400):
        cut = [Claim(n, n, Decimal(repr(v)).quantize(Decimal(1).scaleb(-d), ROUND_DOWN)) for n, v in exact.items()]
    assert {v.status for v in judge(spec, cut)} == {"ok"}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_run_rounded_as_it_is_carried_has_no_slip(seed):
    spec, _, _ = one_step(seed, "sample" if seed % 2 else "batch")
    d = random.Random(seed).randint(3, 6)
    carried = canonical_quantities(carried_run(spec, lambda kind, l, value: d))
    # A log of an output rounded to 0 or 1 is infinite: an author would write no figure there. A frozen bias
    # keeps its given digits.
    claims = claims_of({n: v for n, v in carried.items() if math.isfinite(v)}, d)
    if not spec.update_biases:
        claims = [c for c in claims if not c.canonical.startswith("new b")]
        claims += claims_of({n: v for n, v in carried.items() if n.startswith("new b")}, 6)
    verdicts = judge(spec, claims)
    assert [v.claim.canonical for v in verdicts if v.status not in ("ok", "rounding")] == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_student_who_cuts_every_figure_has_no_slip(seed):
    spec, net, plain = one_step(seed)
    d = random.Random(seed).randint(3, 6)
    try:
        student = Student(net, plain, d, cut=True)
    except (ValueError, ZeroDivisionError):  # an output cut to 0 has no log
        pytest.skip("an output cut to 0")
    verdicts = judge(spec, student.claims())
    assert [(v.claim.canonical, v.explanation) for v in verdicts if v.status not in ("ok", "rounding")] == []


@pytest.mark.parametrize("seed", SEEDS)
def test_some_figures_of_a_carried_run_have_no_slip(seed):
    """An author who writes only some figures: each is judged from the others, the unwritten ones worked out from
    the written ones as the author would have."""
    spec, _, _ = one_step(seed, "sample" if seed % 2 else "batch")
    rng = random.Random(seed)
    d = rng.randint(3, 6)
    carried = canonical_quantities(carried_run(spec, lambda kind, l, value: d))
    claims = claims_of({n: v for n, v in carried.items() if math.isfinite(v)}, d)
    if not spec.update_biases:  # a frozen bias is written as given, not at d decimals
        claims = [c for c in claims if not c.canonical.startswith("new b")]
    claims = [c for c in claims if rng.random() < 0.4]
    if abs(carried["loss_after"]) > 100:
        pytest.skip("a diverging run: the unwritten figures' rounding grows past what one figure's slack allows")
    assert [v.explanation for v in judge(spec, claims) if v.status not in ("ok", "rounding")] == []


@pytest.mark.parametrize("seed", [s for s in range(40) if random_case(s)[2]["steps"] > 1])
def test_a_carried_run_of_several_steps_has_no_slip(seed):
    """Updates after several steps have no rule from the figures (the steps between have no names): they are
    judged against the exact value, within a few units per step, and the pass after from them."""
    text, _, _ = random_case(seed)
    spec = parse(text)
    d = random.Random(seed).randint(3, 6)
    carried = canonical_quantities(carried_run(spec, lambda kind, l, value: d))
    if not all(math.isfinite(v) for v in carried.values()) or abs(carried["loss_after"]) > 100:
        pytest.skip("a diverging run: its rounding over the steps grows past a few units")
    frozen = {n: v for n, v in carried.items() if n.startswith("new b") and not spec.update_biases}
    claims = claims_of({n: v for n, v in carried.items() if n not in frozen}, d) + claims_of(frozen, 6)
    assert [v.explanation for v in judge(spec, claims) if v.status not in ("ok", "rounding")] == []


class Student:
    """One training step worked by hand: every figure rounded (or cut) to ``d`` decimals before it is used again,
    and a few of them computed the wrong way on purpose (``slips``: name -> (diagnosis, choice)).

    Written from the oracle's scalar activations and the textbook losses, not from the judge's rules. In batch
    mode every sample has its own forward values, loss and signals (``@s``), and the gradients add each
    sample's rounded product.
    """

    def __init__(self, net, plain, d, slips=(), cut=False):
        self.net, self.d, self.slips, self.cut = net, d, dict(slips), cut
        self.params = {k: np.asarray(v, dtype=float) for k, v in plain["params"].items()}
        self.x, self.y = np.asarray(plain["x"], dtype=float), np.asarray(plain["y"], dtype=float)
        self.rows, self.rate = list(plain["rows"]), plain["learning_rate"]
        self.batch, self.mean = plain["mode"] != "sample", plain["reduction"] == "mean"
        self.update_biases = plain["update_biases"]
        self.depth = len(net.acts)
        self.fig, self.order, self.right = {}, [], {}
        self.work()

    def at(self, row):
        return f"@{row + 1}" if self.batch else ""

    def put(self, name, right, mistakes=None):
        """Record ``name``: the right value, or the slip's value when a slip is planned there."""
        value = right()
        self.right[name] = self.round(value)
        if name in self.slips:
            kind, choice = self.slips[name]
            if kind == "sign":
                value = -value
            elif kind == "factor-2":
                value = value * (2 if choice % 2 else 0.5)
            else:
                value = mistakes[kind](choice)
        self.fig[name] = self.round(value)
        if name:
            self.order.append(name)
        return self.fig[name]

    def round(self, value):
        """``value`` at the student's decimals: rounded, or cut (truncated) as reference 001 does."""
        if self.cut:
            return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-self.d), ROUND_DOWN))
        return round(value, self.d)

    def f(self, l):
        return activation(self.net.acts[l - 1][0], **self.net.acts[l - 1][1])

    def bias(self, params, l, j):
        b = params.get(f"b{l}")
        return 0.0 if b is None else float(b if b.ndim == 0 else b[j])

    def forward(self, params, row, prefix="", named=True):
        """The forward pass of sample ``row``; unnamed (a batch's pass afterwards) its figures are only rounded."""
        outs, suffix = list(self.x[row]), self.at(row) if not prefix else ""
        put = self.put if named else (lambda name, right, mistakes=None: self.round(right()))
        for l in range(1, self.depth + 1):
            W = params[f"W{l}"]
            zs = []
            for j in range(W.shape[0]):

                def total(j=j, l=l, W=W, outs=outs, drop=None, swap=False, row=None):
                    below = list(self.x[row]) if row is not None else outs
                    terms = [(W[k, j] if swap else W[j, k]) * below[k] for k in range(W.shape[1])]
                    if drop is not None and drop < len(terms):
                        terms[drop] = 0.0
                    bias = 0.0 if drop == len(terms) else self.bias(params, l, j)
                    return sum(terms) + bias

                other = [s for s in range(len(self.x)) if s != row]
                mistakes = {
                    "missing-contribution": lambda c, total=total, W=W: total(drop=c % (W.shape[1] + 1)),
                    "transposed": lambda c, total=total: total(swap=True),
                    "wrong-sample": lambda c, total=total, other=other: total(row=other[c % len(other)]),
                }
                zs.append(put(f"{prefix}z{l}_{j + 1}{suffix}", total, mistakes))
            if self.net.acts[l - 1][0] == "softmax":
                e = [math.exp(z - max(zs)) for z in zs]
                outs = [put(f"{prefix}a{l}_{j + 1}{suffix}", lambda j=j, e=e: e[j] / sum(e)) for j in range(len(zs))]
            else:
                f, _ = self.f(l)
                outs = [put(f"{prefix}a{l}_{j + 1}{suffix}", lambda z=z, f=f: f(z)) for j, z in enumerate(zs)]
        return outs

    def sample_loss(self, outs, row, name):
        y, net = self.y[row], self.net
        if net.loss_kind == "squared_error":
            value = net.factor * sum((a - t) ** 2 for a, t in zip(outs, y))
        elif net.loss_kind == "bce":
            value = -sum(t * math.log(a) + (1 - t) * math.log(1 - a) for a, t in zip(outs, y))
        else:
            value = -sum(t * math.log(a) for a, t in zip(outs, y) if t)
        return self.put(name, lambda: value) if name else self.round(value)

    def reduce(self, name, values):
        """A sum over the trained samples, or its mean; the planned mistake does the other."""
        total = sum(values)
        n = len(values)
        mistakes = {
            "mean-vs-sum": lambda c: total if self.mean else total / n,
            "missing-contribution": lambda c: (total - values[c % n]) / (n if self.mean else 1),
        }
        return self.put(name, lambda: total / n if self.mean else total, mistakes)

    def output_grad_a(self, a, t):
        kind = self.net.loss_kind
        if kind == "squared_error":
            return 2 * self.net.factor * (a - t)
        if kind == "bce":
            return -t / a + (1 - t) / (1 - a)
        return -t / a if t else 0.0

    def delta(self, l, j, row, g):
        """dL/dz from the rounded dL/da and the rounded f'(z); the planned mistakes take f' away or at a."""
        z, a = self.fig[f"z{l}_{j + 1}{self.at(row)}"], self.fig[f"a{l}_{j + 1}{self.at(row)}"]
        _, fp = self.f(l)
        mistakes = {"missing-derivative": lambda c: g, "wrong-derivative": lambda c: g * self.round(fp(a))}
        return self.put(f"delta{l}_{j + 1}{self.at(row)}", lambda: g * self.round(fp(z)), mistakes)

    def below(self, l, k, row):
        return self.x[row][k] if l == 1 else self.fig[f"a{l - 1}_{k + 1}{self.at(row)}"]

    def gradients(self, l, deltas):
        """dL/dW{l} and dL/db{l}: each sample's rounded product, added over the samples (or averaged)."""
        W, b = self.params[f"W{l}"], self.params.get(f"b{l}")
        found = {f"W{l}": np.zeros_like(W)}
        for j, k in np.ndindex(W.shape):
            parts = [self.round(deltas[r][l][j] * self.below(l, k, r)) for r in self.rows]
            found[f"W{l}"][j, k] = self.reduce(f"dL/dW{l}[{j + 1},{k + 1}]", parts)
        if b is not None and b.ndim == 1:
            found[f"b{l}"] = np.array(
                [self.reduce(f"dL/db{l}[{j + 1}]", [deltas[r][l][j] for r in self.rows]) for j in range(len(b))]
            )
        elif b is not None:
            found[f"b{l}"] = np.array(self.reduce(f"dL/db{l}", [self.round(sum(deltas[r][l])) for r in self.rows]))
        return found

    def update(self, pname, gradient):
        value, moved = self.params[pname], np.zeros_like(self.params[pname])
        for index in np.ndindex(value.shape):
            suffix = f"[{','.join(str(i + 1) for i in index)}]" if index else ""
            frozen = pname[0] == "b" and not self.update_biases
            old, grad = float(value[index]), float(gradient[index])
            mistakes = {"learning-rate": lambda c, old=old, grad=grad: old + self.rate * grad}
            right = (lambda old=old: old) if frozen else (lambda old=old, grad=grad: old - self.rate * grad)
            moved[index] = self.put(f"new {pname}{suffix}", right, mistakes)
        return moved

    def work(self):
        L, samples = self.depth, range(len(self.x)) if self.batch else self.rows
        outs = {r: self.forward(self.params, r) for r in samples}
        if self.batch:
            losses = [self.sample_loss(outs[r], r, f"loss@{r + 1}") for r in samples]
            self.reduce("loss", [losses[r] for r in self.rows])
        else:
            self.sample_loss(outs[self.rows[0]], self.rows[0], "loss")
        deltas = {r: {} for r in self.rows}
        gradients, new = {}, {}
        for l in range(L, 0, -1):
            for r in self.rows:
                if l == L:
                    y, at = self.y[r], self.at(r)
                    grads = [
                        self.put(f"dL/da{L}_{j + 1}{at}", lambda a=a, t=t: self.output_grad_a(a, t))
                        for j, (a, t) in enumerate(zip(outs[r], y))
                    ]
                    if self.net.acts[-1][0] == "softmax":
                        a, n = outs[r], len(outs[r])
                        jac = [[self.round(a[k] * ((k == j) - a[j])) for k in range(n)] for j in range(n)]
                        deltas[r][L] = [
                            self.put(
                                f"delta{L}_{j + 1}{at}",
                                lambda j=j, jac=jac, grads=grads, n=n: sum(grads[k] * jac[j][k] for k in range(n)),
                                {"missing-derivative": lambda c, j=j, grads=grads: grads[j]},
                            )
                            for j in range(n)
                        ]
                    else:
                        deltas[r][L] = [self.delta(L, j, r, g) for j, g in enumerate(grads)]
                else:
                    deltas[r][l] = [self.delta(l, j, r, g) for j, g in enumerate(self.passed_down(l, r, deltas, new))]
            gradients.update(self.gradients(l, deltas))
            new_W = {}
            for pname in (f"W{l}", f"b{l}"):
                if pname in self.params:
                    new_W[pname] = self.quietly(lambda pname=pname: self.update(pname, gradients[pname]))
            new.update(new_W)
        for pname in sorted(self.params, key=lambda p: (-int(p[1:]), p[0] != "W")):
            new[pname] = self.update(pname, gradients[pname])
        after = self.forward(new, self.rows[0], "after ")
        if self.batch:
            losses = [self.sample_loss(self.forward(new, r, "after ", named=False), r, None) for r in self.rows]
            self.reduce("loss_after", losses)
        else:
            self.sample_loss(after, self.rows[0], "loss_after")

    def quietly(self, work):
        """Do ``work`` without recording its figures: the student's scratch update, used by a planned mistake."""
        saved = (dict(self.fig), list(self.order), dict(self.right), self.slips)
        self.slips = {}
        try:
            return work()
        finally:
            self.fig, self.order, self.right, self.slips = saved

    def passed_down(self, l, r, deltas, new):
        """dL/da of layer ``l`` for sample ``r``: each unit above's rounded W delta, added."""
        W, above, at = self.params[f"W{l + 1}"], deltas[r][l + 1], self.at(r)
        grads = []
        for j in range(W.shape[1]):

            def passed(j=j, drop=None, weights=W):
                return sum(self.round(weights[m][j] * above[m]) for m in range(W.shape[0]) if m != drop)

            mistakes = {
                "missing-contribution": lambda c, passed=passed: passed(drop=c % W.shape[0]),
                "updated-weights": lambda c, passed=passed: passed(weights=new[f"W{l + 1}"]),
                "transposed": lambda c, j=j: sum(self.round(W[j, m] * above[m]) for m in range(W.shape[0])),
            }
            grads.append(self.put(f"dL/da{l}_{j + 1}{at}", passed, mistakes))
        return grads

    def claims(self):
        return [Claim(n, n, Decimal(f"{self.fig[n]:.{self.d}f}")) for n in self.order]


def places(student, plain, net):
    """Every (name, diagnosis) where the student can make that mistake in this network."""
    found = []
    depth = len(net.acts)
    for name in student.order:
        found += [(name, "sign"), (name, "factor-2")]
        if name.startswith("z"):
            l, inputs = int(name[1 : name.index("_")]), np.shape(plain["params"][f"W{int(name[1 : name.index('_')])}"])
            if inputs[1] + (net.bias != "none") > 1:
                found.append((name, "missing-contribution"))
            if inputs[0] == inputs[1] > 1:
                found.append((name, "transposed"))
            if l == 1 and len(plain["x"]) > 1:
                found.append((name, "wrong-sample"))
        if name.startswith("delta"):
            l = int(name[5 : name.index("_")])
            if net.acts[l - 1][0] != "linear":
                found.append((name, "missing-derivative"))
            if net.acts[l - 1][0] not in ("linear", "softmax"):
                found.append((name, "wrong-derivative"))
        if name.startswith("dL/da") and int(name[5 : name.index("_")]) < depth:
            l = int(name[5 : name.index("_")])
            shape = np.shape(plain["params"][f"W{l + 1}"])
            found.append((name, "updated-weights"))
            if shape[0] > 1:
                found.append((name, "missing-contribution"))
            if shape[0] == shape[1] > 1:
                found.append((name, "transposed"))
        if name.startswith("new W"):
            found.append((name, "learning-rate"))
        if plain["mode"] != "sample" and len(plain["rows"]) > 1:
            if name.startswith("dL/d") and not name.startswith("dL/da"):
                found += [(name, "mean-vs-sum"), (name, "missing-contribution")]
            if name == "loss":
                found.append((name, "mean-vs-sum"))
    return found


def inject(seed, mode):
    """For each diagnosis, a student with that one slip at a random place where it shows at the precision."""
    spec, net, plain = one_step(seed, mode)
    rng = random.Random(seed)
    d = rng.randint(3, 6)
    try:
        honest = Student(net, plain, d)
    except (ValueError, ZeroDivisionError):  # an output rounded to 0 or 1 has no log
        return spec, []
    cases = []
    for kind in DIAGNOSES:
        options = [p for p in places(honest, plain, net) if p[1] == kind]
        rng.shuffle(options)
        for name, _ in options:
            choice = rng.randrange(8)
            try:
                student = Student(net, plain, d, {name: (kind, choice)})
            except (ValueError, ZeroDivisionError, OverflowError):  # a log of an output the slip took to 0
                continue
            if abs(student.fig[name] - student.right[name]) >= 3 * 10.0**-d and math.isfinite(student.fig[name]):
                cases.append((kind, name, student))
                break
    return spec, cases


@pytest.mark.parametrize("mode", ["sample", "batch"])
def test_one_slip_is_found_where_it_was_made_and_carried_after(mode):
    """Each diagnosis made once at a random place: one slip there, with its diagnosis; nothing before it is
    wrong; nothing after it is a slip. Run with -s for the count diagnosed of each kind."""
    diagnosed, injected, wrong = Counter(), Counter(), []
    for seed in range(50):
        spec, cases = inject(seed, mode)
        for kind, name, student in cases:
            verdicts = judge(spec, student.claims())
            by_name = {v.claim.canonical: v for v in verdicts}
            slips = [v.claim.canonical for v in verdicts if v.status == "slip"]
            assert slips == [name], (
                seed,
                kind,
                name,
                [(v.claim.canonical, v.explanation) for v in verdicts if v.status == "slip"],
            )
            before = student.order[: student.order.index(name)]
            assert {by_name[n].status for n in before} <= {"ok", "rounding"}
            assert {v.status for v in verdicts} <= set(STATUSES)
            injected[kind] += 1
            if by_name[name].diagnosis == kind:
                diagnosed[kind] += 1
            else:
                wrong.append((seed, kind, name, by_name[name].diagnosis, by_name[name].explanation))
    table = {kind: f"{diagnosed[kind]}/{injected[kind]}" for kind in injected}
    print(f"diagnosed ({mode} mode):", table)
    for kind, n in injected.items():
        assert diagnosed[kind] >= 0.9 * n, (table, wrong)


@pytest.mark.parametrize("seed", range(30))
def test_a_figure_miswritten_by_a_few_units_is_the_one_slip(seed):
    """A figure written 5 to 20 units off, the work after it done with the right value: that figure is the
    slip, and the figures after it are right, or right from the right value."""
    spec, net, plain = one_step(seed, "sample" if seed % 2 else "batch")
    rng = random.Random(seed)
    d = rng.randint(3, 6)
    try:
        student = Student(net, plain, d)
    except (ValueError, ZeroDivisionError):
        pytest.skip("an output rounded to 0 or 1")
    claims = student.claims()
    i = rng.randrange(len(claims))
    off = Decimal(rng.choice([-1, 1]) * rng.randint(5, 20)).scaleb(-d)
    claims[i] = Claim(claims[i].name, claims[i].canonical, claims[i].value + off)
    verdicts = judge(spec, claims)
    assert [v.claim.canonical for v in verdicts if v.status == "slip"] == [claims[i].canonical]
    assert {v.status for v in verdicts} <= {"ok", "rounding", "slip"}


def test_a_slip_in_an_unwritten_hidden_dl_da_is_found_in_the_delta():
    """An author who goes straight to the hidden deltas (no dL/da written): a term left out of the sum, the
    updated weights or W transposed is found in the delta, with its diagnosis."""
    found = Counter()
    for seed in range(30):
        spec, cases = inject(seed, "sample")
        depth = spec.architecture.depth
        for kind, name, student in cases:
            if kind not in ("missing-contribution", "updated-weights", "transposed") or not name.startswith("dL/da"):
                continue
            assert int(name[5 : name.index("_")]) < depth
            target = name.replace("dL/da", "delta")
            verdicts = judge(spec, [c for c in student.claims() if not c.canonical.startswith("dL/da")])
            by_name = {v.claim.canonical: v for v in verdicts}
            if abs(student.fig[target] - by_name[target].correct) < 3 * 10.0**-student.d:
                continue
            assert [v.claim.canonical for v in verdicts if v.status == "slip"] == [target]
            assert by_name[target].diagnosis == kind
            found[kind] += 1
    assert found["updated-weights"] >= 10 and found["missing-contribution"] >= 3


@pytest.mark.parametrize("seed", range(8))
def test_the_training_sample_written_with_its_number_is_the_same_figure(seed):
    """An author who writes z1_1@3 for the trained sample 3's z1_1: the figures read from it see it."""
    spec, net, plain = one_step(seed, "sample")
    student = Student(net, plain, 4, {"z1_1": ("sign", 0)})
    at = f"@{plain['rows'][0] + 1}"
    claims = [
        Claim(c.name, c.canonical + at if re.fullmatch(r"[za]\d+_\d+", c.canonical) else c.canonical, c.value)
        for c in student.claims()
    ]
    verdicts = judge(spec, claims)
    assert [(v.claim.canonical, v.diagnosis) for v in verdicts if v.status == "slip"] == [(f"z1_1{at}", "sign")]
    assert any(v.status == "carried" for v in verdicts)


def test_two_independent_slips_are_two_slips():
    found = 0
    for seed in range(20):
        spec, net, plain = one_step(seed)
        d = 4
        names = Student(net, plain, d).order
        first = "z1_1"
        last = next(n for n in names if n.startswith("new W"))
        student = Student(
            net, plain, d, {first: ("missing-contribution", len(plain["x"][0])), last: ("learning-rate", 0)}
        )
        if net.bias == "none" or abs(student.fig[last] - student.right[last]) < 3e-4:
            continue
        verdicts = judge(spec, student.claims())
        slips = [v.claim.canonical for v in verdicts if v.status == "slip"]
        assert slips == [first, last], seed
        found += 1
    assert found >= 5


def test_claims_come_back_in_their_own_order():
    spec = load("regression_2_2_1_linear_output")
    exact = canonical_quantities(train(spec))
    claims = claims_of({n: exact[n] for n in ("new b2[1]", "a2_1", "delta2_1")}, 4)
    assert [v.claim for v in judge(spec, claims)] == claims


SEED_NAMES = {"z": "z{l}_{j}", "a": "a{l}_{j}", "grad_a": "dL/da{l}_{j}", "delta": "delta{l}_{j}"}
SEED_PARAMETERS = {"grad.": "dL/d", "new.": "new "}


def seed_claims(example):
    """The figures a reference example prints (tests/seed_figures), the first print of each, by canonical name:
    a forward value of sample s as its ``@s`` form, the pass after as the plain one."""
    figures = tomllib.loads((Path(__file__).parent / "seed_figures" / f"{example}.toml").read_text())["figure"]
    claims = {}
    for figure in figures:
        quantity, index = figure["quantity"], figure["index"]
        after = quantity.startswith("after.")
        family = quantity.removeprefix("after.")
        letters, l = family.rstrip("0123456789"), family[len(family.rstrip("0123456789")) :]
        prefix = next((p for p in SEED_PARAMETERS if letters.startswith(p)), None)
        if quantity in ("loss", "loss_after"):
            name = quantity
        elif quantity == "loss_sample":
            name = f"loss@{index[0] + 1}"
        elif letters in SEED_NAMES and l:
            at = "" if after or letters not in "za" else f"@{index[0] + 1}"
            name = ("after " if after else "") + SEED_NAMES[letters].format(l=l, j=index[-1] + 1) + at
        elif prefix and l:
            kind = letters.removeprefix(prefix)
            name = f"{SEED_PARAMETERS[prefix]}{kind}{l}" + (f"[{','.join(str(i + 1) for i in index)}]" if index else "")
        else:
            continue
        claims.setdefault(name, Claim(quantity, name, Decimal(figure["printed"])))
    return list(claims.values())


def test_the_slips_of_reference_000():
    """docs/seed-slips.md: 000's forward table prints wrong predictions for samples 2 to 5 (its weighted sums
    beside them are right), and their losses from them; the training step on sample 1 is right."""
    spec = load("bce_sigmoid_2_2_1")
    verdicts = {v.claim.canonical: v for v in judge(spec, seed_claims("bce_sigmoid_2_2_1"))}
    wrong = {name: (v.status, v.diagnosis) for name, v in verdicts.items() if v.status in ("carried", "slip")}
    assert wrong == {
        **{f"a2_1@{s}": ("slip", "arithmetic") for s in (2, 3, 4, 5)},
        **{f"loss@{s}": ("carried", None) for s in (2, 3, 4, 5)},
    }
    assert verdicts["loss@2"].explanation == "uses 0.7757 for a2_1@2 (itself wrong): 0.253989"


def test_the_slips_of_reference_002_and_what_they_carry():
    """docs/seed-slips.md: 002's second pass takes 0.59315 for out_h1 (sigmoid(0.377416) = 0.59325); its out_o1
    0.74217 is wrong even from its own sum, and the loss after carries it. 0.13851 for delta_o is what the
    author's own 0.74137 and 0.75137 give, give or take their rounding. The sum between (1.05681) is 3 units
    from the right 1.05684, as cut products could make it: the wrong products behind it (0.21291, 0.24390)
    have no canonical name, so the judge does not see them and calls it rounding."""
    spec = load("squared_error_2_2_1_shared_bias")
    verdicts = {v.claim.canonical: v for v in judge(spec, seed_claims("squared_error_2_2_1_shared_bias"))}
    found = {name: (v.status, v.diagnosis) for name, v in verdicts.items() if v.status in ("carried", "slip")}
    assert found == {
        "after a1_1": ("slip", "arithmetic"),
        "after a1_2": ("slip", "arithmetic"),
        "after a2_1": ("slip", "arithmetic"),
        "loss_after": ("carried", None),
    }
    assert verdicts["delta2_1"].status == "rounding"
    assert verdicts["after z2_1"].status == "rounding"
    assert "0.74217 for after a2_1" in verdicts["loss_after"].explanation


@pytest.mark.parametrize(
    "example", ["squared_error_2_2_2", "regression_2_2_1_linear_output", "custom_activation_2_2_1"]
)
def test_references_without_slips_have_none(example):
    """001 truncates throughout, 003 and 004 round: none has a figure off by more than its last digit."""
    verdicts = judge(load(example), seed_claims(example))
    assert len(verdicts) > 10
    assert {v.status for v in verdicts} <= {"ok", "rounding"}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_a_claim_that_is_not_a_number_is_refused(value):
    spec = load("regression_2_2_1_linear_output")
    with pytest.raises(SpecError, match="not a finite number"):
        judge(spec, [Claim("o", "a2_1", Decimal(value))])


def test_a_claim_beyond_a_float_is_refused():
    with pytest.raises(SpecError, match="too large to judge"):
        judge(load("regression_2_2_1_linear_output"), [Claim("o", "a2_1", Decimal("1e400"))])


def test_a_huge_claim_is_a_slip_and_an_unknown_name_is_refused():
    spec = load("regression_2_2_1_linear_output")
    (verdict,) = judge(spec, [Claim("o", "a2_1", Decimal("1e300"))])
    assert (verdict.status, verdict.diagnosis) == ("slip", "arithmetic")
    with pytest.raises(SpecError, match="not a quantity of this network"):
        judge(spec, [Claim("o", "a7_1", Decimal("0.5"))])


def test_the_activation_slopes_002_prints_are_judged_as_docs_seed_slips_lists_them():
    """Reference 002's f'(net_h1) = 0.24127 and f'(net_h2) = 0.24063 are multiplication slips (0.59327 × 0.40673
    = 0.241301 and 0.59688 × 0.40312 = 0.240614); its f'(net_o1) = 0.18681 is right, truncated."""
    from pathlib import Path

    from symbackprop.claims import read

    claims = read(Path(__file__).parent / "seed_claims" / "squared_error_2_2_1_shared_bias.toml")
    verdicts = {v.claim.canonical: v for v in judge(claims.spec, claims.claims)}
    assert (verdicts["da/dz1_1"].status, verdicts["da/dz1_1"].diagnosis) == ("slip", "arithmetic")
    assert (verdicts["da/dz1_2"].status, verdicts["da/dz1_2"].diagnosis) == ("slip", "arithmetic")
    assert verdicts["da/dz2_1"].status == "ok" and "truncated" in verdicts["da/dz2_1"].explanation
    assert abs(verdicts["da/dz1_1"].correct - 0.59327 * 0.40673) < 1e-5


def test_docs_seed_slips_is_what_check_says_of_the_references():
    """docs/seed-slips.md is made from check's verdicts on tests/seed_claims: it must be current, and hold the
    slips found by hand before check existed (000's four wrong predictions, 002's slopes and second pass)."""
    from make_seed_slips import DOCUMENT, page, verdicts

    assert DOCUMENT.read_text(encoding="utf-8") == page(), "regenerate it: python3 tests/make_seed_slips.py"
    found = {(reference, v.claim.canonical): v for reference, v in verdicts()}
    for sample in (2, 3, 4, 5):
        assert found["000", f"a2_1@{sample}"].status == "slip"
        assert found["000", f"loss@{sample}"].status == "carried"
    for name in ("da/dz1_1", "da/dz1_2", "after a1_1", "after a1_2", "after a2_1"):
        assert found["002", name].status == "slip", name
    assert found["002", "loss_after"].status == "carried"
    assert not any(reference in ("001", "003", "004") for reference, _ in found)


def test_the_readme_session_is_what_check_prints(tmp_path, monkeypatch, capsys):
    """The README's "Check a hand-worked solution" session, run for real: same table, same exit status."""
    from pathlib import Path

    from symbackprop.cli import main

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Check a hand-worked solution", 1)[1]
    claims = section.split("```toml\n", 1)[1].split("```", 1)[0]
    session = section.split("```console\n", 1)[1].split("```", 1)[0].splitlines()
    printed = session[1 : session.index("$ echo $?")]
    (tmp_path / "alice.toml").write_text(claims, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = main(["check", "alice.toml"])
    assert capsys.readouterr().out.splitlines() == printed
    assert str(status) == session[session.index("$ echo $?") + 1]
