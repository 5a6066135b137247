"""Dependencies point down: each package of gradlab imports only packages below it.

Every module under src/gradlab is parsed (nothing is imported); each ``gradlab.*`` import,
at module level or inside a function, is an edge from its package to the imported one. The
order is the architecture's (lowest first). Packages on one row are peers and import neither
each other nor anything above them. `io` sits below `training`, whose checkpoints and resume
save and load models. `display` (how results show in Jupyter) needs no other package, so
every package may use it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gradlab

ORDER = [
    ("display",),
    ("engine",),
    ("nn",),
    ("losses", "optim"),
    ("io",),
    ("training",),
    ("graph",),
    ("symbolic",),
    ("glassbox",),
    ("checking",),
    ("sklearn",),
    ("tabular",),
    ("playground",),
    ("distributed", "cli"),
]
LEVEL = {package: level for level, row in enumerate(ORDER) for package in row}
ROOT = Path(gradlab.__file__).parent
# The package's own __init__ gathers the public API from everything; __main__ runs the CLI.
TOP = {"__init__", "__main__"}


def _package(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The gradlab packages a module imports, wherever in the module the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "gradlab":
                names = [f"gradlab.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("gradlab.")}
        found |= {"__init__" for name in names if name == "gradlab"}
    return found


def _edges() -> list[tuple[str, str, str]]:
    edges = []
    for path in sorted(ROOT.rglob("*.py")):
        source = _package(path)
        if source in TOP:
            continue
        for target in sorted(_imports(path) - {source}):
            edges.append((str(path.relative_to(ROOT)), source, target))
    return edges


def test_every_package_has_a_place_in_the_order():
    packages = {_package(p) for p in ROOT.rglob("*.py")} - TOP
    assert packages <= set(LEVEL), f"add {sorted(packages - set(LEVEL))} to ORDER"


@pytest.mark.parametrize(("module", "source", "target"), _edges(), ids=lambda v: str(v))
def test_imports_point_down(module, source, target):
    if target in TOP:
        # "import gradlab as gl" reaches the whole public API: only the top layers may.
        assert LEVEL[source] >= LEVEL["sklearn"], f"{module} imports gradlab's top level"
        return
    assert LEVEL[target] < LEVEL[source], (
        f"{module} (package {source}) imports gradlab.{target}, which is not below it"
    )


def test_the_rule_refuses_upward_peer_and_top_level_imports():
    for source, target in [("engine", "nn"), ("losses", "optim"), ("symbolic", "glassbox")]:
        with pytest.raises(AssertionError, match=f"imports gradlab.{target}"):
            test_imports_point_down(f"{source}/x.py", source, target)
    with pytest.raises(AssertionError, match="top level"):
        test_imports_point_down("nn/x.py", "nn", "__init__")
