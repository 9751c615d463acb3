"""Check the shape of the code and fail only on findings that are not in the baseline.

Run from the checkout (``make lint`` does)::

    .venv/bin/python tools/structure.py                 # fail on findings not in the baseline
    .venv/bin/python tools/structure.py --all           # show every finding
    .venv/bin/python tools/structure.py --update        # drop fixed findings from the baseline
    .venv/bin/python tools/structure.py --update --allow-growth   # accept today's findings

It looks for:

- long modules: over 500 lines, anywhere but tests/ and migrations (benchmarks, management
  commands and tools included);
- long functions: over 80 lines from the ``def`` line to the last line, in the same modules;
- app import cycles: apps that import each other, directly or through other apps, at import
  time. Only module-level imports count (not those inside functions or under
  ``if TYPE_CHECKING:``), and an app imports another when any of its modules does. The apps are
  the app packages, with portal's sub-packages (portal.core, portal.accounts, ...) each on its
  own; portal's own modules and settings wire the apps together and are left out. Each step
  from one app to another that lies on a cycle is one finding ("betas imports entitlements"),
  shown with the shortest cycle through it and the modules behind each step of that cycle;
- portal.core importing a feature app, anywhere in portal/core: at module level, in functions,
  under ``if TYPE_CHECKING:`` or through ``importlib.import_module("...")``.

The known findings are in tools/structure-baseline.txt, one a line without line numbers,
counted as a multiset.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import sys
import textwrap
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import baseline
from codebase import (
    ROOT,
    app_files,
    app_packages,
    module_name,
    parse,
    project_files,
    qualified_functions,
    relative,
)

BASELINE = ROOT / "tools" / "structure-baseline.txt"
HEADER = """
Structure findings the code has today, one a line (no line numbers): long modules and
functions, import cycles between apps, portal.core importing feature apps.
`python tools/structure.py` fails on any finding not listed here (or listed fewer times).
Fixed some? `python tools/structure.py --update` removes them from this file.
"""
MODULE_LIMIT = 500
FUNCTION_LIMIT = 80
PROJECT = "portal"
CORE = "portal.core"
# portal's sub-packages that configure the project rather than hold an app.
PROJECT_PACKAGES = frozenset({"portal.settings"})
SHOWN_IMPORTS = 5


@dataclass(frozen=True)
class Import:
    """One module imported by one module of the app code."""

    importer: str
    path: str
    line: int
    target: str
    scope: str  # the qualified name of the enclosing function or class, "" at module level
    at_import_time: bool  # runs when the importer is imported: not in a function, not typing-only
    how: str = "import"


def size_findings(paths: Iterable[Path]) -> list[baseline.Finding]:
    """Modules over MODULE_LIMIT lines and functions over FUNCTION_LIMIT lines."""
    findings = []
    for path in paths:
        name = relative(path)
        tree = parse(path)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LIMIT:
            findings.append(
                baseline.Finding(
                    key=f"long module: {name}",
                    detail=f"{name}: {lines} lines (limit {MODULE_LIMIT})",
                )
            )
        for qualified, node, _in_class in qualified_functions(tree):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LIMIT:
                findings.append(
                    baseline.Finding(
                        key=f"long function: {name}::{qualified}",
                        detail=f"{name}:{node.lineno} {qualified}: {length} lines "
                        f"(limit {FUNCTION_LIMIT})",
                    )
                )
    return findings


def _is_type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` test is ``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class _ImportCollector(ast.NodeVisitor):
    """Collects the imports of one module, with where in the module each one is made."""

    def __init__(self, path: Path, known_modules: set[str]) -> None:
        self.path = path
        self.module = module_name(path)
        self.package = self.module if path.name == "__init__.py" else self.module.rpartition(".")[0]
        self.known_modules = known_modules
        self.scope: list[str] = []
        self.functions = 0
        self.typing_only = 0
        self.imports: list[Import] = []

    def _add(self, node: ast.stmt | ast.expr, target: str, how: str = "import") -> None:
        self.imports.append(
            Import(
                importer=self.module,
                path=relative(self.path),
                line=node.lineno,
                target=target,
                scope=".".join(self.scope),
                at_import_time=not self.functions and not self.typing_only,
                how=how,
            )
        )

    def _enter(self, node: ast.AST, name: str, function: bool) -> None:
        self.scope.append(name)
        self.functions += function
        self.generic_visit(node)
        self.functions -= function
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._enter(node, node.name, function=True)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._enter(node, "<lambda>", function=True)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._enter(node, node.name, function=False)

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.typing_only += 1
        for statement in node.body:
            self.visit(statement)
        self.typing_only -= 1
        for statement in node.orelse:
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        targets = {}
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            targets[submodule if submodule in self.known_modules else base] = True
        for target in targets:
            self._add(node, target)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        argument = node.args[0] if node.args else None
        if (
            name == "import_module"
            and isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
        ):
            self._add(node, argument.value, how="import_module")
        self.generic_visit(node)


def collect_imports(paths: list[Path]) -> list[Import]:
    """Every import made by the given modules."""
    known = {module_name(path) for path in paths}
    imports = []
    for path in paths:
        collector = _ImportCollector(path, known)
        collector.visit(parse(path))
        imports.extend(collector.imports)
    return imports


def app_of(module: str, packages: tuple[str, ...]) -> str | None:
    """The app a module belongs to, or None for code outside the apps and the project's wiring."""
    parts = module.split(".")
    if parts[0] not in packages:
        return None
    if parts[0] != PROJECT:
        return parts[0]
    if len(parts) < 2 or ".".join(parts[:2]) in PROJECT_PACKAGES:
        return None
    if not (ROOT / PROJECT / parts[1]).is_dir():
        return None
    return ".".join(parts[:2])


def _shortest_path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The shortest path of apps from ``start`` to ``goal`` (both included), if there is one."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (step := previous[path[-1]]) is not None:
                path.append(step)
            return path[::-1]
        for following in sorted(graph.get(node, ())):
            if following not in previous:
                previous[following] = node
                queue.append(following)
    return None


def _describe_step(source: str, target: str, imports: list[Import]) -> str:
    """The modules behind one step of a cycle, a few of them with their lines."""
    lines = [f"{source} -> {target}:"]
    for item in imports[:SHOWN_IMPORTS]:
        lines.append(f"    {item.path}:{item.line} imports {item.target}")
    if len(imports) > SHOWN_IMPORTS:
        lines.append(f"    ... and {len(imports) - SHOWN_IMPORTS} more imports")
    return "\n".join(lines)


def cycle_findings(imports: list[Import], packages: tuple[str, ...]) -> list[baseline.Finding]:
    """One finding per import between apps that lies on a cycle, shown with its shortest cycle.

    The finding names the step only ("betas imports entitlements"), so removing an import can
    only remove findings, never turn one into another.
    """
    steps: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in imports:
        source, target = app_of(item.importer, packages), app_of(item.target, packages)
        if item.at_import_time and source and target and source != target:
            steps[source, target].append(item)
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in steps:
        graph[source].add(target)

    findings = []
    for source, target in sorted(steps):
        back = _shortest_path(graph, target, source)
        if back is None:
            continue
        cycle = [source, *back]
        lines = [f"{source} imports {target}, on the cycle {' -> '.join(cycle)}:"]
        for step_source, step_target in itertools.pairwise(cycle):
            step = _describe_step(step_source, step_target, steps[step_source, step_target])
            lines.append(textwrap.indent(step, "    "))
        findings.append(
            baseline.Finding(
                key=f"app import cycle: {source} imports {target}", detail="\n".join(lines)
            )
        )
    return findings


def core_findings(imports: list[Import], packages: tuple[str, ...]) -> list[baseline.Finding]:
    """Each place in portal.core that imports a feature app."""
    features = {package for package in packages if package != PROJECT}
    findings = []
    for item in imports:
        in_core = item.importer == CORE or item.importer.startswith(f"{CORE}.")
        if in_core and item.target.split(".")[0] in features:
            where = f"in {item.scope}" if item.scope else "at module level"
            if not item.at_import_time and not item.scope:
                where = "under TYPE_CHECKING"
            if item.how != "import":
                where += f", through {item.how}()"
            findings.append(
                baseline.Finding(
                    key=f"core imports feature app: {item.path} -> {item.target}",
                    detail=f"{item.path}:{item.line} imports {item.target} ({where})",
                )
            )
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    baseline.add_arguments(parser)
    options = parser.parse_args()
    packages = app_packages()
    imports = collect_imports(app_files())
    findings = [
        *size_findings(project_files()),
        *cycle_findings(imports, packages),
        *core_findings(imports, packages),
    ]
    kinds = Counter(finding.key.partition(":")[0] for finding in findings)
    counts = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    print(f"Structure findings: {counts or 'none'}.")
    return baseline.check(
        findings,
        BASELINE,
        what="structure findings",
        script="tools/structure.py",
        header=HEADER,
        options=options,
    )


if __name__ == "__main__":
    sys.exit(main())
