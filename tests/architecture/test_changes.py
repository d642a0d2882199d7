"""A change is recorded through core/changelog.record: its audit row and its event under one name.

No module outside core/ appends to the audit log itself (so no domain can pair an audit action with an event of
another name again), and every change that audits without an event says why, in a comment at ``publish=False``.
"""

from __future__ import annotations

import ast

from tests.architecture.source import ROOT, modules

# core/audit.py is the log itself (its sealing marker is no change); core/changelog.py is the one way in.
APPENDERS = frozenset({"igf_hub.core.audit", "igf_hub.core.changelog"})


def _calls(tree: ast.AST, owner: str, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == owner
    ]


def test_only_the_changelog_appends_to_the_audit_log() -> None:
    found = [
        f"{m.path}:{call.lineno}: audit.append (use changelog.record; publish=False for a change without event)"
        for m in modules()
        if m.name not in APPENDERS
        for call in _calls(m.tree, "audit", "append")
    ]
    assert not found, "\n".join(found)


def test_every_change_without_an_event_says_why() -> None:
    found = []
    for m in modules():
        lines = (ROOT / m.path).read_text().splitlines()
        for call in _calls(m.tree, "changelog", "record"):
            for kw in call.keywords:
                if kw.arg == "publish" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is True
                ):
                    line = lines[kw.lineno - 1]
                    above = lines[kw.lineno - 2].strip()
                    if "#" not in line and not above.startswith("#"):
                        found.append(
                            f"{m.path}:{kw.lineno}: publish={ast.unparse(kw.value)} without a comment"
                        )
    assert not found, "a change recorded without its event says why, in a short comment:\n" + "\n".join(found)
