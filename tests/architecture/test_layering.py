"""The import graph keeps the layers: core/, auth/ and web/ import no domain, and no domain imports another.

app.py, worker.py and __main__.py are the wiring: they alone may import every domain. So is the demo/ package
(the demonstration data set): it drives every domain through its services, as the API and the CLI do, and nothing
but the CLI and the tests imports it."""

from __future__ import annotations

from tests.architecture.source import DOMAINS, imported, modules

NEUTRAL = frozenset({"core", "auth", "web", "people"})  # the layers every domain builds on
WIRING = frozenset({"demo"})  # packages that, like app.py, may import every domain


def _violations() -> list[str]:
    found = []
    for module in modules():
        area = module.area
        if area is None or area in WIRING:
            continue  # the wiring
        for line, target in imported(module):
            parts = target.split(".")
            if len(parts) > 1 and parts[0] == "igf_hub" and parts[1] in WIRING:
                found.append(f"{module.path}:{line}: {area}/ imports the wiring {target}")
                continue
            if len(parts) < 2 or parts[0] != "igf_hub" or parts[1] not in DOMAINS or parts[1] == area:
                continue
            if area in NEUTRAL or area in DOMAINS:
                found.append(f"{module.path}:{line}: {area}/ imports {target}")
    return sorted(set(found))


def test_core_auth_and_domains_import_no_other_domain() -> None:
    found = _violations()
    assert not found, (
        "core/ and auth/ import no domain, a domain imports no other domain, and none imports the wiring "
        "(cross-domain wiring belongs in app.py / worker.py / demo/):\n" + "\n".join(found)
    )


def test_every_domain_is_known() -> None:
    """A new package under igf_hub/ is either a layer or a listed domain, so the rule above covers it."""
    packages = {m.area for m in modules() if m.area is not None}
    assert packages - NEUTRAL - WIRING == DOMAINS
