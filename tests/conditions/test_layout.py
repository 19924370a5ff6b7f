"""Layout of ``conformance.conditions``: small modules that import one way (a DAG), one
public evaluator, the reference evaluator used only as a test oracle."""

from __future__ import annotations

import ast
from pathlib import Path

import conformance.conditions as pkg

ROOT = Path(pkg.__file__).parent
PACKAGE = "conformance.conditions"


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        rel = p.relative_to(ROOT).with_suffix("")
        parts = [x for x in rel.parts if x != "__init__"]
        out[".".join([PACKAGE, *parts])] = p
    return out


def _imports(path: Path) -> set[str]:
    """Modules of the package ``path`` imports (at any depth of the file)."""
    found: set[str] = set()
    mods = _modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            # "from pkg import submodule" imports the submodule; other names the module
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                names.append(sub if sub in mods else node.module)
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found.update(n for n in names if n in mods)
    return found


def test_modules_are_small() -> None:
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) >= 400}
    assert long == {}


def test_imports_form_a_dag() -> None:
    mods = _modules()
    graph = {m: _imports(p) - {m} for m, p in mods.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                cycle.extend([*stack, m, n])
                return
            if n not in state:
                visit(n, [*stack, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state and m != PACKAGE:
            visit(m, [])
    assert cycle == []


def test_grammar_imports_one_way() -> None:
    order = ["tokens", "resolve", "clauses", "cursor", "value_phrases",
             "attribute_phrases", "predicates", "sentence"]
    for i, name in enumerate(order):
        imported = {m.rsplit(".", 1)[-1] for m in
                    _imports(ROOT / "grammar" / f"{name}.py")
                    if m.startswith(f"{PACKAGE}.grammar.")}
        assert imported <= set(order[:i]), name


def test_one_public_evaluate_is_the_compiled_one() -> None:
    from conformance.conditions import compiled, evaluate

    assert evaluate is compiled.evaluate


def test_reference_evaluator_is_not_used_by_the_package() -> None:
    users = [m for m, p in _modules().items() if f"{PACKAGE}.reference" in _imports(p)]
    assert users == []
