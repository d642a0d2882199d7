"""Security headers on every response, stricter on the HTML pages a browser renders.

A ``before_send`` hook, so error pages (404s under ``/schema``, problem responses) get them too. A handler that
sets its own ``Content-Security-Policy`` (a page with a hashed inline script) keeps it;
every other HTML response gets ``PAGE_CSP``: inline styles, nothing loaded from elsewhere, no script, no framing.
"""

from __future__ import annotations

import base64
import hashlib

from litestar.types import Message, Scope

PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Swagger UI: its bundle and stylesheet are served from /schema-assets, and Litestar renders the spec into an
# inline script that starts it.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PREFIX = "/schema"

ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
HTML_ONLY = ((b"x-frame-options", b"DENY"),)
HSTS = (b"strict-transport-security", b"max-age=31536000")


def page_headers(csp: str = PAGE_CSP) -> dict[str, str]:
    """What an HTML handler sets itself when its page needs a policy other than the default."""
    return {"Content-Security-Policy": csp, "X-Frame-Options": "DENY"}


def script_source(script: str) -> str:
    """The CSP source allowing exactly this inline script (CSP Level 2 hash source)."""
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """before_send hook. Async on purpose: Litestar runs a sync hook in a worker thread, twice per response."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    wanted = list(ALWAYS)
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html"):
        wanted.extend(HTML_ONLY)
        csp = DOCS_CSP if scope.get("path", "").startswith(DOCS_PREFIX) else PAGE_CSP
        wanted.append((b"content-security-policy", csp.encode()))
    settings = getattr(scope["app"].state, "settings", None)
    # Only where the service is reached over TLS: a plain-HTTP development server never sends it.
    if settings is not None and settings.base_url.startswith("https://"):
        wanted.append(HSTS)
    message["headers"] = [*headers, *((name, value) for name, value in wanted if name not in present)]
