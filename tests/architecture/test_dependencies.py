"""What the code imports is declared in pyproject.toml, not merely installed because something else needs it:
src/ imports only [project.dependencies]; tests/ and bench/ may also use the dev group."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from tests.architecture.source import ROOT

LOCAL = frozenset({"igf_hub", "tests", "bench"})


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    names = [re.match(r"[A-Za-z0-9._-]+", r) for r in requirements]
    assert all(names), f"a requirement without a name: {requirements}"
    return {_normalise(name.group()) for name in names if name}


def _third_party_imports(directory: Path) -> dict[str, str]:
    """top-level module -> the first file:line importing it."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in LOCAL:
                    found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _undeclared(directories: list[str], declared: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for directory in directories:
        for module, where in _third_party_imports(ROOT / directory).items():
            names = {_normalise(d) for d in distributions.get(module, [module])}
            if not names & declared:
                missing.append(f"{where}: {module} (from {', '.join(sorted(names))})")
    return sorted(missing)


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = _declared(PYPROJECT["project"]["dependencies"])
DEV = _declared(PYPROJECT["dependency-groups"]["dev"])


def test_src_imports_only_declared_dependencies() -> None:
    missing = _undeclared(["src"], RUNTIME)
    assert not missing, "imported but not in [project.dependencies] (uv add NAME):\n" + "\n".join(missing)


def test_tests_and_bench_import_only_declared_dependencies() -> None:
    missing = _undeclared(["tests", "bench"], RUNTIME | DEV)
    assert not missing, "imported but not declared (uv add --dev NAME):\n" + "\n".join(missing)
