"""Which peers may tell us the client's address: only the reverse proxies named in IGF_HUB_TRUSTED_PROXIES.

uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise, so anyone on the host (or a proxy that
passes the header through) could pick the address that sign-in throttling and rate limits count against. The
server is therefore always configured from this setting, and by default believes no one.
"""

from __future__ import annotations

from typing import Any

from igf_hub.core.settings import Settings, parse_trusted_proxies


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keywords for forwarding headers."""
    entries = parse_trusted_proxies(settings.trusted_proxies)
    if not entries:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": entries}
