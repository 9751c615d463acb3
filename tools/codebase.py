"""Where NovaDesk's code lives, for the checks in this folder.

The app packages are the ones pyproject.toml lists under ``[tool.mypy] files``, so the type check,
the annotation count and the structure check always look at the same code.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Folders that hold no source of the product: tools' caches, the venv, generated files.
SKIPPED_DIRS = frozenset(
    {"__pycache__", "node_modules", "var", "media", "staticfiles", "test-artifacts", "migrations"}
)


def app_packages() -> tuple[str, ...]:
    """The top-level app packages, as pyproject.toml names them for mypy."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)
    return tuple(config["tool"]["mypy"]["files"])


def _source_files(top: Path) -> Iterator[Path]:
    for path in sorted(top.iterdir()):
        if path.is_dir():
            if path.name.startswith(".") or path.name in SKIPPED_DIRS:
                continue
            if path.name.endswith(".egg-info"):
                continue
            yield from _source_files(path)
        elif path.suffix == ".py":
            yield path


def app_files() -> list[Path]:
    """Every module of the app packages, migrations left out."""
    return [path for package in app_packages() for path in _source_files(ROOT / package)]


def project_files() -> list[Path]:
    """Every module of the project except the tests and migrations (benchmarks included)."""
    return [path for path in _source_files(ROOT) if path.relative_to(ROOT).parts[0] != "tests"]


def relative(path: Path) -> str:
    """The path as the reports print it: relative to the checkout, with forward slashes."""
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    """The dotted module name of a file: ``tickets/views.py`` is tickets.views."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def parse(path: Path) -> ast.Module:
    """The syntax tree of a module; exits with the error when the module does not parse."""
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        sys.exit(f"{relative(path)}:{error.lineno}: cannot parse: {error.msg}")


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def qualified_functions(tree: ast.Module) -> Iterator[tuple[str, FunctionNode, bool]]:
    """Each function and method of a module with its qualified name (``Class.method``).

    The third value tells whether the function is defined directly in a class body.
    """

    def walk(
        node: ast.AST, prefix: str, in_class: bool
    ) -> Iterator[tuple[str, FunctionNode, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, child, in_class
                yield from walk(child, f"{name}.", False)
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.", True)
            else:
                yield from walk(child, prefix, in_class)

    yield from walk(tree, "", False)
