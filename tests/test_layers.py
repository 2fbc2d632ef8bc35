"""The layers of docs/architecture.md, checked on the syntax tree of every module (nothing is
imported or run):

- a module under resolvers/ or schema/ imports `models` (or a module of it) only under
  `if TYPE_CHECKING:`, for annotations: queries go through services/<domain>/;
- a module under services/ or models/ imports nothing of schema/, resolvers/ or engine/, not
  even for annotations: the domain logic knows nothing of GraphQL or of the request.

- a module under schema/ or resolvers/ imports of engine/ only what engine/__init__.py declares
  public (how a field is declared for the executor); schema/__init__.py wires the rest.

Imports inside functions count like the others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a domain may import of the engine (engine/__init__ says so): how a field is declared for
# the executor. The rest is wired where the schema and the app are built.
PUBLIC_ENGINE = ("engine.batch_resolvers", "engine.row_sources")
ENGINE_WIRING = frozenset({"schema/__init__.py"})


@dataclass(frozen=True)
class Import:
    module: str  # the imported module, absolute
    line: int
    type_checking: bool  # under `if TYPE_CHECKING:`


def modules(layer: str) -> Iterator[Path]:
    yield from sorted((ROOT / layer).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _package(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts if path.name == "__init__.py" else parts[:-1]


def imports(path: Path, root: Path = ROOT) -> list[Import]:
    """Every import of the module, with its absolute module name (`from . import x` resolved)."""
    found: list[Import] = []
    package = _package(path, root)

    def visit(nodes: Iterable[ast.AST], guarded: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.body, True)
                visit(node.orelse, guarded)
            elif isinstance(node, ast.Import):
                found.extend(Import(alias.name, node.lineno, guarded) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                if node.module is None:  # `from . import x`: x is a module of the package
                    found.extend(
                        Import(f"{module}.{alias.name}", node.lineno, guarded)
                        for alias in node.names
                    )
                else:
                    found.append(Import(module, node.lineno, guarded))
            else:
                visit(ast.iter_child_nodes(node), guarded)

    visit(ast.parse(path.read_text(), str(path)).body, False)
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_resolvers_and_schema_import_models_only_for_annotations() -> None:
    wrong = [
        f"{relative(path)}:{found.line} imports {found.module} at run time: queries go through "
        "services/<domain>/ (a reads module or the domain's service); a model named in an "
        "annotation is imported under `if TYPE_CHECKING:`"
        for layer in ("resolvers", "schema")
        for path in modules(layer)
        for found in imports(path)
        if within(found.module, "models") and not found.type_checking
    ]
    assert not wrong, "\n".join(wrong)


def test_domains_import_only_the_engines_declarations() -> None:
    wrong = [
        f"{relative(path)}:{found.line} imports {found.module}: a domain imports of the engine "
        f"only {', '.join(PUBLIC_ENGINE)} (the rest is wired in schema/__init__.py)"
        for layer in ("schema", "resolvers")
        for path in modules(layer)
        if relative(path) not in ENGINE_WIRING
        for found in imports(path)
        if within(found.module, "engine") and found.module not in PUBLIC_ENGINE
    ]
    assert not wrong, "\n".join(wrong)


def test_services_and_models_know_nothing_of_graphql_or_the_engine() -> None:
    wrong = [
        f"{relative(path)}:{found.line} imports {found.module}: {layer}/ must not import "
        f"{upper}/ (imports flow schema -> resolvers -> services -> models)"
        for layer in ("services", "models")
        for path in modules(layer)
        for found in imports(path)
        for upper in ("schema", "resolvers", "engine")
        if within(found.module, upper)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_what_they_check(tmp_path: Path) -> None:
    """The import walker itself: guarded, unguarded, nested and relative imports."""
    module = tmp_path / "resolvers" / "probe.py"
    module.parent.mkdir()
    module.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from models import Customer\n"
        "else:\n"
        "    import models.offers\n"
        "def f():\n"
        "    if True:\n"
        "        from models.rows import fetch_in_brand\n"
        "from . import loaders\n"
        "from .loaders import get_loader\n"
    )
    found = {(i.module, i.type_checking) for i in imports(module, tmp_path)}
    assert found == {
        ("__future__", False),
        ("typing", False),
        ("models", True),
        ("models.offers", False),
        ("models.rows", False),
        ("resolvers.loaders", False),
    }
