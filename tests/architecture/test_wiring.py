"""Cross-domain wiring is data: each domain declares it in ``<domain>/wiring.py`` (``WIRING``), and app.py and
worker.py install every domain's declaration at start-up. Importing a module registers nothing."""

from __future__ import annotations

import ast
import importlib

from igf_hub.core.wiring import Wiring
from tests.architecture.source import DOMAINS, PACKAGE, modules

# The registries domains plug into; only core/wiring.install fills them from the declarations.
REGISTRATIONS = {
    ("outbox", "subscribe"),
    ("outbox", "subscribe_in_transaction"),
    ("references", "register"),
    ("metrics", "register_collector"),
}
REGISTRARS = frozenset(
    {"igf_hub.core.wiring", "igf_hub.core.outbox", "igf_hub.core.references", "igf_hub.core.metrics"}
)
INSTALLERS = {"igf_hub.app": "create_app", "igf_hub.worker": "worker_settings"}


def _registrations(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and (node.func.value.id, node.func.attr) in REGISTRATIONS
    ]


def test_nothing_registers_itself_when_imported() -> None:
    """Subscribers, resolvers and collectors are declared in a domain's wiring.py, never registered by a module
    (at import or later): only core/wiring.install registers them, from the declarations."""
    found = [
        f"{m.path}:{line}: registers itself (declare it in its domain's wiring.py instead)"
        for m in modules()
        if m.name not in REGISTRARS
        for line in _registrations(m.tree)
    ]
    # A domain module's top level defines things; a bare call there runs at import (a side effect).
    found += [
        f"{m.path}:{node.lineno}: runs {ast.unparse(node.value)[:60]} at import"
        for m in modules()
        if m.area in DOMAINS
        for node in m.tree.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    assert not found, "\n".join(found)


def test_every_domain_declares_its_wiring() -> None:
    for domain in sorted(DOMAINS):
        assert (PACKAGE / domain / "wiring.py").is_file(), f"{domain}/ has no wiring.py"
        declared = importlib.import_module(f"igf_hub.{domain}.wiring").WIRING
        assert isinstance(declared, Wiring) and declared.domain == domain, f"{domain}/wiring.py: WIRING"


def test_the_app_and_the_worker_install_every_domain_s_wiring() -> None:
    """Both processes list every domain's WIRING and install that list when they start (a domain missing from
    one of them would publish events whose subscribers, in that process, never run)."""
    every = {importlib.import_module(f"igf_hub.{d}.wiring").WIRING.domain: d for d in DOMAINS}
    problems = []
    for name, starter in INSTALLERS.items():
        listed: list[Wiring] = importlib.import_module(name).WIRING
        missing = sorted(set(every) - {w.domain for w in listed})
        if missing:
            problems.append(f"{name}.WIRING misses {', '.join(missing)}")
        for domain in {w.domain for w in listed} & set(every):
            wanted = importlib.import_module(f"igf_hub.{domain}.wiring").WIRING
            if not any(w is wanted for w in listed):
                problems.append(f"{name}.WIRING has another {domain} wiring than {domain}/wiring.py's")
        module = next(m for m in modules() if m.name == name)
        function = next(
            n for n in ast.walk(module.tree) if isinstance(n, ast.FunctionDef) and n.name == starter
        )
        installs = [
            n
            for n in ast.walk(function)
            if isinstance(n, ast.Call) and ast.unparse(n) in ("wiring.install(WIRING)",)
        ]
        if not installs:
            problems.append(f"{name}.{starter} does not call wiring.install(WIRING)")
    assert not problems, "\n".join(problems)
