"""What a derivation is: steps, results, and a verification in three parts.

This sits below the models, not in :mod:`probml.derivations`, because the
library produces derivations as well as showing them: the registry of the
built-in pages (:mod:`probml.derivations`) stands on top with the figures,
and a model that derives its own score and information (the likelihood
engine) builds the same :class:`Derivation` from below.  Importing it imports
SymPy; ``import probml`` does not.

A derivation is built by a function registered under a name.  It holds

* ``steps``: the argument in order, one sentence and one SymPy expression
  (or equation) each, rendered as Markdown with LaTeX that GitHub displays;
* ``results``: the named closed forms the steps arrive at;
* three checks, each a function of the derivation, so that they test
  whatever ``results`` hold when ``verify()`` runs (a test swaps in a wrong
  closed form and sees it rejected):

  1. ``symbolic``: an exact SymPy test that the result equals the expected
     closed form;
  2. ``scipy``: the largest error of the lambdified result against what a
     SciPy optimizer, differentiator or integrator finds numerically;
  3. ``probml``: the largest error against probml's own function for the
     same quantity.
"""

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

__all__ = ["Check", "Derivation", "Report", "Step", "Tex", "sample_value", "shown"]


class Tex(sp.Symbol):
    """A symbol that prints as the LaTeX it is named with, e.g. ``Tex(r"\\hat\\mu")``.

    SymPy would read ``^`` and ``_`` in an ordinary symbol's name as super- and
    subscripts and mangle a label such as ``E[\\hat\\sigma^2]``.
    """

    def _latex(self, printer):
        return self.name


def Eq(lhs, rhs):
    """The equation ``lhs = rhs`` as written, never evaluated to True or False.

    ``sympy.Eq`` evaluates an equation whose sides it can compare: a label
    against a matrix becomes ``False``, a label against itself ``True``.  A
    page shows what was derived, so its equations are built unevaluated.
    """
    return sp.Eq(lhs, rhs, evaluate=False)


@dataclass
class Step:
    """One step of an argument: a sentence, and the expression it arrives at."""

    text: str
    expr: object = None

    def __post_init__(self):
        if isinstance(self.expr, (bool, sp.logic.boolalg.BooleanAtom)):
            raise TypeError(f"The step {self.text!r} arrives at the Boolean {self.expr}, not a "
                            "derived expression: build its equation with Eq(lhs, rhs).")


@dataclass
class Check:
    """The outcome of one part of a verification."""

    passed: bool
    max_error: float = None
    tolerance: float = None
    detail: str = ""

    def __str__(self):
        if self.max_error is None:
            return "pass" if self.passed else f"FAIL {self.detail}".strip()
        mark = "pass" if self.passed else "FAIL"
        return f"{mark} ({self.max_error:.1e})"


@dataclass
class Report:
    """The three checks of one derivation, and how long they took."""

    name: str
    symbolic: Check
    scipy: Check
    probml: Check
    seconds: float

    @property
    def passed(self):
        return self.symbolic.passed and self.scipy.passed and self.probml.passed

    def _repr_markdown_(self):
        verdict = "passed" if self.passed else "**FAILED**"
        rows = [f"| {part} | {check} |" for part, check in
                (("symbolic (SymPy)", self.symbolic), ("numeric, against SciPy", self.scipy),
                 ("numeric, against probml", self.probml))]
        return "\n".join([f"Verification of `{self.name}`: {verdict} in {self.seconds:.2f} s",
                          "", "| check | outcome (largest error) |", "|---|---|", *rows])


_LONGEST_RESULT = 400


def _numeric(function, tolerance):
    def check(derivation):
        error = float(function(derivation))
        if math.isnan(error):
            # Never within tolerance, and never a silent NaN: the check says what it found.
            return Check(False, tolerance=tolerance,
                         detail="the error is NaN: a value compared was not a number")
        return Check(error <= tolerance, error, tolerance)
    return check


@dataclass(kw_only=True)
class Derivation:
    """A titled argument with named results and a three-part verification.

    Built with keyword arguments only, so that a builder reads as a record of
    what it derived and how each part is checked.

    Parameters
    ----------
    name, title : str
    concepts : list of str
        The concepts it teaches, for the index.
    steps : list of Step
    results : dict of str to SymPy expression
    symbolic : callable(Derivation) -> bool
        The exact test of the results.
    scipy, probml : callable(Derivation) -> float
        Largest numeric error against SciPy and against probml.
    tolerance : tuple of float
        Tolerances of the SciPy and probml checks.
    checked_against : tuple of str
        What the SciPy and probml checks compare with, for the page.
    footer : str, optional
        The page's last line; by default how to regenerate and verify a
        registered page from the command line.
    try_it : tuple of str, optional
        Lines of probml code that reproduce the result (the page's "Try it"
        block).
    figures : tuple of (str, str), optional
        The registered figures that draw the result, as (name, caption); the
        page shows and links each.
    latex : callable, optional
        ``expr -> str``, how the page writes an expression in LaTeX
        (``sympy.latex`` by default).
    """

    name: str
    title: str
    concepts: list
    steps: list
    results: dict
    symbolic: Callable
    scipy: Callable
    probml: Callable
    tolerance: tuple = (1e-6, 1e-10)
    checked_against: tuple = ("", "")
    notes: list = field(default_factory=list)
    footer: str = None
    try_it: tuple = ()
    figures: tuple = ()
    latex: Callable = None

    def verify(self):
        """Run the three checks; a check that raises counts as failed."""
        start = time.perf_counter()
        outcomes = []
        for part, run in (("symbolic", self._symbolic_check),
                          ("scipy", _numeric(self.scipy, self.tolerance[0])),
                          ("probml", _numeric(self.probml, self.tolerance[1]))):
            try:
                outcomes.append(run(self))
            except Exception as error:       # a broken result must fail, not crash
                outcomes.append(Check(False, detail=f"{part} raised {error!r}"))
        return Report(self.name, *outcomes, time.perf_counter() - start)

    @staticmethod
    def _symbolic_check(derivation):
        return Check(bool(derivation.symbolic(derivation)))

    def to_markdown(self, figures=True):
        """The derivation as a Markdown page with LaTeX.

        ``figures`` is the folder of the figures' PNGs and gallery, relative to
        the page (``True``: ``../figures``, the repository's layout), or
        ``False`` to leave the figures out.
        """
        folder = "../figures" if figures is True else figures
        lines = [f"# {self.title}", "",
                 f"*Concepts: {', '.join(self.concepts)}.*  "
                 f"Registry name: `{self.name}`.", ""]
        # Numbered paragraphs, not a Markdown list: display math inside list items is
        # where Markdown renderers break it.
        for number, step in enumerate(self.steps, start=1):
            lines += [f"**{number}.** {step.text}", ""]
            if step.expr is not None:
                lines += [f"$$ {_latex(step.expr, self.latex)} $$", ""]
        for name, caption in self.figures if folder else ():
            lines += [f"![{name}]({folder}/{name}.png)", "",
                      f"*Figure [`{name}`]({folder}/README.md#{name}): {caption}*", ""]
        lines += ["## Results", ""]
        for key, value in self.results.items():
            tex = _latex(value, self.latex)
            shown = (f"${tex}$" if len(tex) <= _LONGEST_RESULT else
                     "a long expression in the sample; its readable form is in the steps")
            lines.append(f"- `{key}`: {shown}")
        scipy_part, probml_part = self.checked_against
        lines += ["", "## How it is checked", "",
                  "1. Symbolically: SymPy confirms each result equals the expected closed "
                  "form exactly.",
                  f"2. Against SciPy: {scipy_part}",
                  f"3. Against probml: {probml_part}"]
        if self.notes:
            lines += ["", *self.notes]
        if self.try_it:
            lines += ["", "## Try it", "", "```python", *self.try_it, "```"]
        lines += ["", self.footer or f"Regenerate with `probml derive {self.name}`; verify with "
                                     f"`probml check {self.name}`.", ""]
        return "\n".join(lines)

    def _repr_markdown_(self):
        # A notebook draws its figures itself (probml.figures.render): no links into a
        # folder it does not have.
        return self.to_markdown(figures=False)


def shown(lhs, rhs, order="rev-lex"):
    r"""The equation ``lhs = rhs`` as LaTeX, with the terms of ``rhs`` in the order a
    textbook writes them.

    SymPy prints the terms of a sum alphabetically: :math:`-\mu + x_i`,
    :math:`-\bar x \hat w + \bar y`, :math:`-f(x) + f(h + x)`.  The
    ``"rev-lex"`` order gives :math:`x_i - \mu`, :math:`\bar y - \bar x
    \hat w` and :math:`f(x + h) - f(x)`; ``"old"`` puts a factor before a
    function of it (:math:`p_k \log p_k`).  The expression is SymPy's, only
    its printing order changes.

    >>> x, mu = sp.symbols("x mu")
    >>> shown("r", x - mu)
    'r = x - \\mu'
    """
    left = lhs if isinstance(lhs, str) else sp.latex(lhs, order=order)
    return f"{left} = {sp.latex(rhs, order=order)}"


def sample_value(expr, size, columns):
    r"""A result written with sums over :math:`i = 1, \dots, n`, evaluated on a sample.

    ``columns`` maps each ``IndexedBase`` (``x`` of :math:`x_i`) to its values
    (arrays of one length, ``size``); the innermost sums are evaluated first,
    so :math:`\sum_i (x_i - \bar x)^2` with :math:`\bar x` itself a sum works.

    >>> i, n = sp.symbols("i n", integer=True, positive=True)
    >>> x = sp.IndexedBase("x")
    >>> sample_value(sp.Sum(x[i] ** 2, (i, 1, n)) / n, 3, {x: [1.0, 2.0, 3.0]})
    4.666666666666667
    """
    import numpy as np

    # The sample size: every sum's upper limit, and the same symbol outside the sums.
    limits = {total.limits[0][2] for total in expr.atoms(sp.Sum)}
    expr = expr.subs({limit: size for limit in limits if isinstance(limit, sp.Symbol)})
    arrays = [np.asarray(values, dtype=float) for values in columns.values()]
    while expr.has(sp.Sum):
        innermost = [s for s in expr.atoms(sp.Sum) if not s.function.has(sp.Sum)]
        values = {}
        for total in innermost:
            index = total.limits[0][0]
            dummies = {base: sp.Dummy(str(base)) for base in columns}
            summand = total.function.subs({base[index]: d for base, d in dummies.items()})
            function = sp.lambdify(list(dummies.values()), summand, modules="numpy")
            terms = np.broadcast_to(function(*arrays), (size,))
            values[total] = sp.Float(float(np.sum(terms)), 30)
        expr = expr.xreplace(values)
    return float(expr)


def _latex(expr, printer=None):
    if isinstance(expr, str):
        return expr
    return _tidy((printer or sp.latex)(expr))


def _tidy(tex):
    r"""SymPy's LaTeX for matrix expressions as a textbook writes them: a negative term of
    a matrix sum as ``- \beta X^T X`` (SymPy prints ``+ - \beta X^T X``) and the identity
    as :math:`I` (``\mathbb{I}``)."""
    return tex.replace("+ -", "-").replace(r"\mathbb{I}", "I")


def is_zero(expr):
    """An exact zero test, cheapest first.

    Expand; then put everything over one denominator and expand the numerator
    (far cheaper than ``cancel`` on large rational functions, and just as
    exact); then, for what is left (logs, exponentials, symbolic sums),
    ``simplify``.
    """
    transforms = (_numerator,) if _has_denominator(expr) else (sp.expand, _numerator)
    for transform in transforms:
        if transform(expr) == 0:
            return True
    # A witness that it is not identically zero, where a value is cheap (not a symbolic sum).
    if not expr.has(sp.Sum, sp.Product, sp.Integral) and _nonzero_somewhere(expr):
        return False
    return sp.simplify(expr) == 0


def _nonzero_somewhere(expr, trials=3):
    """Evaluate at random positive rationals; True if some value is clearly not 0."""
    symbols = sorted(expr.free_symbols, key=str)
    rng = random.Random(20261122)
    for _ in range(trials):
        point = {s: sp.Rational(rng.randint(1, 97), rng.randint(1, 13)) for s in symbols}
        try:
            value = sp.N(expr.subs(point), 30)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value.is_number and value.is_finite and abs(value) > 1e-20:
            return True
    return False


def _has_denominator(expr):
    return any(isinstance(term, sp.Pow) and term.exp.is_negative
               for term in sp.preorder_traversal(expr))


def _numerator(expr):
    return sp.expand(sp.numer(sp.together(expr)))
