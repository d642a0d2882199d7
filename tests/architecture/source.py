"""The source tree as data for the architecture tests: every module of src/igf_hub, parsed once."""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "igf_hub"
DOMAINS = frozenset({"nri", "tracks", "mag", "funding", "messages", "webhooks", "system", "reports"})


@dataclass(frozen=True)
class Module:
    name: str  # igf_hub.auth.keys
    path: Path  # relative to the repository root
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def area(self) -> str | None:
        """The first package under igf_hub (core, auth, a domain), None for top-level modules."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 2 or (self.is_package and len(parts) == 2) else None


@functools.cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["igf_hub", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found.append(Module(".".join(parts), path.relative_to(ROOT), ast.parse(path.read_text(), str(path))))
    return tuple(found)


def imported(module: Module) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import anywhere in the module, relative ones resolved;
    ``from igf_hub import nri`` counts as importing igf_hub.nri."""
    found: list[tuple[int, str]] = []
    base = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (prose, not code)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids
