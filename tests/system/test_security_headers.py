"""Security headers: every response says nosniff; every HTML page a browser renders carries a policy that forbids
framing and loading anything from elsewhere, including the pages nobody wrote a header for (error pages)."""

from __future__ import annotations

import re

import httpx
import pytest

from igf_hub.app import create_app
from igf_hub.core.security_headers import DOCS_CSP, PAGE_CSP
from igf_hub.core.settings import Settings
from igf_hub.web.templating import WEB_CSP
from tests.support.asgi import asgi

Client = httpx.AsyncClient


def assert_framed_out(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert "http:" not in csp and "https:" not in csp and "*" not in csp  # nothing from another origin
    return csp


async def test_api_responses_say_nosniff_and_carry_no_page_policy(client: Client) -> None:
    for response in (await client.get("/healthz"), await client.get("/v1/no-such-route")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers  # JSON renders nothing
        assert "strict-transport-security" not in response.headers  # the tests' base URL is plain http


@pytest.mark.parametrize("path", ["/signin", "/oauth/authorize?response_type=code"])
async def test_sign_in_pages_run_no_foreign_code(client: Client, path: str) -> None:
    response = await client.get(path)
    csp = assert_framed_out(response)
    assert csp.startswith("default-src 'none'")


async def test_the_transparency_page_allows_exactly_its_own_script(client: Client) -> None:
    response = await client.get("/transparency")
    assert response.status_code == 200, response.text
    csp = assert_framed_out(response)
    assert csp == WEB_CSP
    assert re.findall(r"<script>(.*?)</script>", response.text, re.S) == []  # no inline script
    # Its scripts are files of this site (htmx and the year selector's), each one served.
    sources = re.findall(r'<script src="([^"]+)"', response.text)
    assert any(s.startswith("/static/transparency.js?v=") for s in sources), sources
    for source in sources:
        assert source.startswith("/static/"), source
        assert (await client.get(source)).status_code == 200, source
    assert "script-src 'self';" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1]


async def test_the_api_docs_load_only_their_local_assets(client: Client) -> None:
    response = await client.get("/schema")
    assert response.status_code == 200
    assert assert_framed_out(response) == DOCS_CSP
    assert "cdn." not in response.text  # Swagger UI and its favicon come from this server
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets and all(a.startswith("/schema-assets/") or a.startswith("data:") for a in assets), assets


async def test_error_pages_get_the_default_policy(client: Client) -> None:
    response = await client.get("/messages/not-a-uuid", headers={"Accept": "text/html"})
    missing = await client.get("/schema/no-such-page")
    for html in (r for r in (response, missing) if r.headers["content-type"].startswith("text/html")):
        assert assert_framed_out(html) in (PAGE_CSP, DOCS_CSP)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


async def test_https_deployments_ask_browsers_to_stay_on_https() -> None:
    app = create_app(Settings(public_url="https://igf.example.org"))
    transport = httpx.ASGITransport(app=asgi(app))
    async with httpx.AsyncClient(transport=transport, base_url="https://igf.example.org") as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
