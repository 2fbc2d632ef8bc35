"""The project uses strawberry, graphql-core and Tortoise through their public APIs: no private
attribute of their objects and no import from their private modules, except in
`library_adapter.py`, which says for each access why no public API serves.

The rule, checked on the syntax tree of every project .py file (not the virtualenv):
- an import of a module of those libraries with a component starting with `_` (not a dunder),
  such as `strawberry.schema._graphql_core`, fails;
- an attribute `x._name` (not a dunder) fails when `_name` is a private name those libraries
  define (assigned on `self`, a method, or a class attribute in their sources) and the project
  defines no name of its own so spelled, and `x` is not `self` or `cls` (a subclass's own
  state); `getattr(x, "_name", ...)`, `setattr` and `hasattr` with such a literal count too.
Which object an expression names is not known without running the code, so "objects from those
libraries" is approximated by the names: a private name the project also defines for its own
objects is left alone, except the names in ALWAYS, known to be read from those libraries'
objects (the project's own `_connection` function must not hide `client._connection`).
Two names are allowed: `_meta`, Tortoise's model metadata (`Model._meta`: a model's table,
fields and columns, which Tortoise offers no other way), and `_fields`, the public field list of
a namedtuple (the project's row tuples), which graphql-core also happens to define.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("strawberry", "graphql", "tortoise")
ADAPTER = ROOT / "library_adapter.py"
SKIPPED = {".venv", ".git", "node_modules", "__pycache__", "build", "dist"}
ALWAYS = frozenset(
    {
        "_schema",
        "_strawberry_schema",
        "_graphql_core",
        "_is_default",
        "_pool",
        "_pool_init_lock",
        "_connection",
        "_parent",
        "_finalized",
        "_in_transaction",
        "_choose_db",
        "_init_from_db",
        "_partial",
        "_saved_in_db",
    }
)
ALLOWED = frozenset({"_meta", "_fields"})


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def project_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        if SKIPPED.isdisjoint(path.relative_to(ROOT).parts) and path != ADAPTER:
            yield path


def defined_private_names(tree: ast.AST) -> set[str]:
    """Private names a module defines: attributes assigned on self/cls, functions and methods,
    class attributes and module-level names."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.isidentifier()  # __slots__, dataclass fields
        ):
            names.add(node.value)
    return {name for name in names if private(name)}


@cache
def library_private_names() -> frozenset[str]:
    names: set[str] = set()
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        assert spec is not None and spec.submodule_search_locations
        for folder in spec.submodule_search_locations:
            for path in Path(folder).rglob("*.py"):
                names |= defined_private_names(ast.parse(path.read_bytes()))
    return frozenset(names)


def parsed() -> dict[Path, ast.AST]:
    return {path: ast.parse(path.read_bytes(), str(path)) for path in project_files()}


def violations() -> list[str]:
    trees = parsed()
    ours: set[str] = set()
    for tree in trees.values():
        ours |= defined_private_names(tree)
    theirs = (library_private_names() - ours - ALLOWED) | ALWAYS
    found = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            for problem in _problems(node, theirs):
                found.append(f"{where}:{getattr(node, 'lineno', 0)}: {problem}")
    return found


def _problems(node: ast.AST, theirs: frozenset[str] | set[str]) -> Iterator[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        parts = node.module.split(".")
        if parts[0] in LIBRARIES and any(private(part) for part in parts):
            yield f"import from the private module {node.module}"
    elif isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] in LIBRARIES and any(private(part) for part in parts):
                yield f"import of the private module {alias.name}"
    elif isinstance(node, ast.Attribute) and node.attr in theirs:
        if not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}):
            yield f"private attribute {node.attr}"
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "setattr", "hasattr"}
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value in theirs
    ):
        yield f"{node.func.id} of the private attribute {node.args[1].value!s}"


def test_no_private_api_of_strawberry_graphql_core_or_tortoise_outside_the_adapter() -> None:
    assert violations() == []


def test_the_rule_catches_what_it_names() -> None:
    theirs = library_private_names()
    assert theirs >= {"_schema", "_is_default", "_pool", "_connection", "_parent", "_finalized"}
    sample = ast.parse(
        "from strawberry.schema._graphql_core import x\n"
        "schema._schema\nself._schema\ngetattr(f, '_is_default', False)\n"
    )
    problems = [p for node in ast.walk(sample) for p in _problems(node, theirs)]
    assert len(problems) == 3, problems
