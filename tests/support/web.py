"""A browser's side of the session cookie, over real HTTP, for tests of pages and forms.

httpx's cookie jar never sends a Secure cookie over http:// (browsers do, to 127.0.0.1 and localhost), so this
client keeps the session cookie itself, checks the attributes of every Set-Cookie it receives, and sends
``Origin`` and ``Sec-Fetch-Site`` with its forms as a browser does.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import uvicorn
from litestar import Litestar

from igf_hub.app import create_app
from igf_hub.core import proxies
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.web.sessions import COOKIE_NAME

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Site:
    """The app served by uvicorn on 127.0.0.1, its public URL being the address it is served at."""

    def __init__(self, url: str, app: Litestar) -> None:
        self.url = url
        self.app = app

    def browser(self) -> WebClient:
        return WebClient(httpx.AsyncClient(base_url=self.url, timeout=60), self.url)


@asynccontextmanager
async def serve(
    settings: Settings, clock: Clock, prepare: Any = None, name: str = "127.0.0.1"
) -> AsyncIterator[Site]:
    """``name``: the host name of the public URL (``localhost`` where browsers refuse an address: passkeys)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://{name}:{sock.getsockname()[1]}"
    settings = msgspec.structs.replace(settings, public_url=url)
    app = create_app(settings, clock=clock)
    if prepare is not None:
        prepare(app)
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_level="warning", **proxies.server_options(settings))
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        yield Site(url, app)
    finally:
        server.should_exit = True
        await task


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """(name, value, attributes with lower-case names; a flag's value is "")."""
    first, *rest = header.split(";")
    name, _, value = first.strip().partition("=")
    attributes = {}
    for part in rest:
        key, _, val = part.strip().partition("=")
        attributes[key.lower()] = val
    return name, value, attributes


class WebClient:
    def __init__(self, http: httpx.AsyncClient, origin: str) -> None:
        self.http = http
        self.origin = origin
        self.cookie: str | None = None  # the session cookie's value, as the browser holds it
        self.set_cookies: list[tuple[str, str, dict[str, str]]] = []

    async def __aenter__(self) -> WebClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Cookie": f"{COOKIE_NAME}={self.cookie}"} if self.cookie else {}
        return {**headers, **(extra or {})}

    def _remember(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, value, attributes = parse_set_cookie(header)
            if name != COOKIE_NAME:
                continue
            self.set_cookies.append((name, value, attributes))
            self.cookie = None if attributes.get("max-age") == "0" else value
        return response

    async def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        return self._remember(await self.http.get(path, headers=self._headers(headers), **kwargs))

    async def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        origin: str | None = "",
        fetch_site: str | None = "same-origin",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A form post as a browser sends it: Origin is this site's unless given (None: no Origin header)."""
        extra = dict(headers or {})
        if origin is not None:
            extra["Origin"] = origin or self.origin
        if fetch_site is not None:
            extra["Sec-Fetch-Site"] = fetch_site
        return self._remember(await self.http.post(path, data=data or {}, headers=self._headers(extra)))

    async def token(self, path: str = "/signin") -> str:
        """The CSRF token in the page's forms."""
        page = await self.get(path)
        match = _TOKEN.search(page.text)
        assert match, f"no csrf_token field on {path} ({page.status_code})"
        return match.group(1)

    async def sign_in(self, email: str, password: str, next_path: str | None = None) -> httpx.Response:
        form = {"csrf_token": await self.token(), "email": email, "password": password}
        if next_path:
            form["next"] = next_path
        return await self.post("/signin", form)
