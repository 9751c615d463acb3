"""Measure how much of the app code carries type annotations.

Run from the checkout (``make lint`` runs it with ``--min``)::

    .venv/bin/python tools/annotations.py                 # the share, overall and per app
    .venv/bin/python tools/annotations.py --list tickets  # also list tickets' unannotated functions
    .venv/bin/python tools/annotations.py --min 80        # exit 1 when under 80 percent

A function or method counts as fully annotated when every parameter but ``self`` or ``cls``
has an annotation and it has a return annotation (``__init__`` may leave the return out). The
app code is every module of the app packages named in pyproject.toml, migrations left out.
``--list`` takes an app package (``tickets``), a dotted part of one (``portal.core``) or a path
(``portal/core``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass

from codebase import app_files, module_name, parse, qualified_functions, relative


@dataclass(frozen=True)
class Function:
    """One function of the app code and what its annotations lack."""

    module: str
    path: str
    line: int
    name: str
    missing: tuple[str, ...]

    @property
    def annotated(self) -> bool:
        return not self.missing


def missing_annotations(
    function: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool
) -> tuple[str, ...]:
    """The parameters without an annotation, and "return" when the return type is missing."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    static = any(
        isinstance(decorator, ast.Name) and decorator.id == "staticmethod"
        for decorator in function.decorator_list
    )
    if in_class and not static and positional and positional[0].arg in {"self", "cls"}:
        positional = positional[1:]
    parameters = [*positional, *arguments.kwonlyargs]
    if arguments.vararg:
        parameters.append(arguments.vararg)
    if arguments.kwarg:
        parameters.append(arguments.kwarg)
    missing = [parameter.arg for parameter in parameters if parameter.annotation is None]
    if function.returns is None and not (in_class and function.name == "__init__"):
        missing.append("return")
    return tuple(missing)


def functions() -> list[Function]:
    """Every function and method of the app code."""
    found = []
    for path in app_files():
        module = module_name(path)
        for name, node, in_class in qualified_functions(parse(path)):
            missing = missing_annotations(node, in_class)
            found.append(Function(module, relative(path), node.lineno, name, missing))
    return found


def share(items: list[Function]) -> float:
    """The percentage of fully annotated functions (100 for none at all)."""
    if not items:
        return 100.0
    return 100.0 * sum(item.annotated for item in items) / len(items)


def in_app(function: Function, app: str) -> bool:
    """Whether the function lives in ``app``: a package, a dotted part of one, or a path."""
    prefix = app.strip("/").replace("/", ".").removesuffix(".py")
    return function.module == prefix or function.module.startswith(f"{prefix}.")


def report(items: list[Function]) -> None:
    """Print the overall share and one line per app package."""
    by_app: dict[str, list[Function]] = defaultdict(list)
    for item in items:
        by_app[item.module.split(".")[0]].append(item)
    annotated = sum(item.annotated for item in items)
    print(f"Fully annotated functions: {annotated} of {len(items)} ({share(items):.1f}%)")
    for app, members in sorted(by_app.items()):
        done = sum(item.annotated for item in members)
        print(f"  {app:<14} {done:>5} of {len(members):>5}  {share(members):5.1f}%")


def list_unannotated(items: list[Function], app: str) -> bool:
    """Print the functions of ``app`` that lack annotations; False when the app has no code."""
    members = [item for item in items if in_app(item, app)]
    if not members:
        return False
    missing = [item for item in members if not item.annotated]
    print(f"\n{len(missing)} of {len(members)} functions in {app} are not fully annotated:")
    for item in missing:
        print(f"  {item.path}:{item.line} {item.name}: missing {', '.join(item.missing)}")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--list", metavar="APP", help="list the unannotated functions of APP")
    parser.add_argument(
        "--min", type=float, metavar="N", help="exit 1 when under N percent are annotated"
    )
    options = parser.parse_args()
    items = functions()
    report(items)
    if options.list and not list_unannotated(items, options.list):
        print(f"No app code found for {options.list!r}.")
        return 2
    if options.min is not None and share(items) < options.min:
        print(
            f"Only {share(items):.1f}% of the functions are fully annotated; "
            f"at least {options.min:g}% must be."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
