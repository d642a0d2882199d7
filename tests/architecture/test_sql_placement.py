"""SQL lives in repositories (``*repository*.py``) and in the core modules named below, nowhere else."""

from __future__ import annotations

import ast
import re

from tests.architecture.source import docstrings, modules

# A statement, not prose: the keywords are written in capitals, as all our SQL is.
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*?\b(FROM|INTO|SET)\b")

# Modules that own tables no single domain owns, each with why its SQL stays where it is.
ALLOWED = {
    "src/igf_hub/core/audit.py": "the hash-chained audit log every write appends to, and its verification",
    "src/igf_hub/core/audit_checkpoints.py": "the signed checkpoints of the audit log (its own table and lock)",
    "src/igf_hub/core/outbox.py": "the outbox every write publishes to, inside the writer's transaction",
    "src/igf_hub/core/search.py": "the site search index every domain writes its public objects into",
    "src/igf_hub/core/migrate.py": "the schema_migrations bookkeeping, before any repository can exist",
    "src/igf_hub/__main__.py": "the CLI creates the database itself (pg_database) before migrating it",
}


def _sql_literals(tree: ast.AST) -> list[int]:
    prose = docstrings(tree)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in prose
        and SQL.search(node.value)
    ]


def test_sql_only_in_repositories_and_named_core_modules() -> None:
    misplaced = [
        f"{module.path}:{line}"
        for module in modules()
        if "repository" not in module.path.name and str(module.path) not in ALLOWED
        for line in _sql_literals(module.tree)
    ]
    assert not misplaced, "SQL outside a repository (move it into the module's repository):\n" + "\n".join(
        misplaced
    )


def test_the_allowlist_is_current() -> None:
    """A named module that no longer holds SQL leaves the list (so the list stays the truth)."""
    holding = {str(m.path) for m in modules() if _sql_literals(m.tree)}
    assert set(ALLOWED) <= holding
