"""The index page of the derivations: every page by concept, then all in teaching order."""

from .._files import MARKDOWN_MARK

__all__ = ["derivation_index"]


def derivation_index(built):
    """The index page: every derivation by concept, then the full list."""
    by_concept = {}
    for derivation in built:
        for concept in derivation.concepts:
            by_concept.setdefault(concept, []).append(derivation)
    lines = [MARKDOWN_MARK, "", "# Derivations", "",
             "Each page derives a result with SymPy, step by step, and says how it is "
             "checked: symbolically, numerically against SciPy, and numerically against "
             "probml's own code. Regenerate them all with `probml derive`; verify them "
             "with `probml check`.", "", "## By concept", ""]
    for concept in sorted(by_concept, key=str.lower):
        links = ", ".join(f"[{d.title}]({d.name}.md)" for d in by_concept[concept])
        lines.append(f"- **{concept}**: {links}")
    lines += ["", "## All derivations", ""]
    lines += [f"1. [{d.title}]({d.name}.md) (`{d.name}`)" for d in built]
    return "\n".join(lines) + "\n"
