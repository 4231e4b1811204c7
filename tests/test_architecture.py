"""The rules of ARCHITECTURE.md, checked on the source: layers, private names, one topic list."""

import ast
import re

import pytest

from probml._registry import TOPICS

from .conftest import ROOT

PACKAGE = ROOT / "probml"

# What each part of probml may import: only parts of a lower layer (and itself).  The
# derivations and figures use the public API of the top-level package too.
LAYERS = [
    {"exceptions"},
    {"_blocks"},                                                       # passes over rows
    {"_validation", "_files", "_registry", "_tables", "_browser"},     # foundation
    {"functions", "information", "inference", "datasets", "calculus",  # building blocks
     "_derivation"},
    {"losses"},
    {"optim"},
    {"models"},
    {"likelihood"},
    {"selection", "hypothesis_testing", "growth", "formula"},
    {"derivations"},
    {"figures"},
    {"site"},                                                          # the docs site
    {"cli", "__init__"},
]
LAYER = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if parts[-1] == "__init__" else module.rpartition(".")[0]
        yield path, module, package


def _imports(path, package):
    """(line, imported module, imported names) for each probml import in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "probml":
                yield node.lineno, target, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "probml":
                    yield node.lineno, alias.name, []


def _is_module(dotted):
    relative = dotted.split(".")[1:]
    return bool(relative) and (PACKAGE.joinpath(*relative).with_suffix(".py").exists()
                               or PACKAGE.joinpath(*relative).is_dir())


def _part(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_module_reaches_into_another_folders_private_module_or_anothers_private_names():
    """A private module belongs to its folder (and the folders inside it); a private name
    belongs to its module."""
    offences = []
    for path, module, package in _modules():
        for line, target, names in _imports(path, package):
            for dotted in [target] + [f"{target}.{name}" for name in names
                                      if _is_module(f"{target}.{name}")]:
                parts = dotted.split(".")
                private = next((i for i, part in enumerate(parts) if part.startswith("_")
                                and not part.startswith("__")), None)
                if private is not None:
                    owner = ".".join(parts[:private])
                    if not (package == owner or package.startswith(owner + ".")):
                        offences.append(f"{path.relative_to(ROOT)}:{line} imports {dotted}")
            for name in names:
                if (name.startswith("_") and not name.startswith("__")
                        and not _is_module(f"{target}.{name}")):
                    offences.append(f"{path.relative_to(ROOT)}:{line} imports the private "
                                    f"name {name} of {target}")
    assert not offences, "\n".join(offences)


def test_every_part_imports_only_from_lower_layers():
    unknown = {_part(module) for _, module, _ in _modules()} - set(LAYER)
    assert not unknown, f"add {sorted(unknown)} to a layer in ARCHITECTURE.md and here"
    offences = []
    for path, module, package in _modules():
        here = _part(module)
        for line, target, names in _imports(path, package):
            submodules = [f"{target}.{name}" for name in names if _is_module(f"{target}.{name}")]
            for dotted in submodules or [target]:
                _check_layer(offences, path, line, here, dotted)
    assert not offences, "\n".join(offences)


def _check_layer(offences, path, line, here, target):
    there = _part(target)
    if there == here or (target == "probml" and LAYER[here] >= LAYER["derivations"]):
        return
    if LAYER[there] >= LAYER[here]:
        offences.append(f"{path.relative_to(ROOT)}:{line}: {here} (layer {LAYER[here]}) "
                        f"imports {there} (layer {LAYER[there]})")


@pytest.mark.parametrize("package", ["derivations", "figures"])
def test_derivation_and_figure_modules_are_named_by_the_topic_list(package):
    modules = {path.stem for path in (PACKAGE / package).glob("*.py")
               if not path.stem.startswith("_")}
    helpers = {"derivations": {"index"}, "figures": {"gallery"}}[package]
    assert modules - helpers <= set(TOPICS), sorted(modules - helpers - set(TOPICS))


def test_the_readme_and_architecture_follow_the_topic_list():
    """One list of topics orders the README's sections and ARCHITECTURE.md's table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^### (?:\d+\. )?(.+?) \(`(\w+)`\)$", readme, re.M)
    assert [topic for _, topic in sections] == list(TOPICS)
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \|", architecture, re.M)
    assert rows == list(TOPICS)
