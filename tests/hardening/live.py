"""The app running in-process on an event loop of its own thread, for synchronous tests.

Hypothesis (and so schemathesis) drives synchronous test functions, and the authorization matrix is one
small test per cell. Both share one app per module: its lifespan (pool, queue, HTTP client) runs on a
loop in a background thread, and a test calls it through ``LiveApp.request`` or, for schemathesis, a
``requests.Session`` whose adapter hands the prepared request to the app — no socket, no second server.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from datetime import timedelta
from io import BytesIO
from typing import Any, TypeVar

import asyncpg
import httpx
import redis.asyncio
import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict, HTTPResponse

from igf_hub.app import create_app
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from igf_hub.core.settings import AuthSettings, DbSettings, RedisSettings, Settings
from tests.conftest import BASE_URL, Servers, running
from tests.support.asgi import asgi
from tests.support.auth import TokenFactory

T = TypeVar("T")

REQUEST_TIMEOUT = 60.0  # seconds: a request that takes longer is a hang, reported as such


class LiveApp:
    """One app on its own database, with its lifespan entered and exited on one background loop."""

    def __init__(
        self, servers: Servers, template: str, configure: Callable[[Settings], Settings] | None = None
    ) -> None:
        self.servers = servers
        self.template = template
        self.configure = configure or (lambda settings: settings)
        self.clock = Clock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-app", daemon=True)
        self._stop: asyncio.Event | None = None
        self._stopped: Future[None] | None = None
        self.client: httpx.AsyncClient
        self.pool: asyncpg.Pool
        self.tokens: TokenFactory
        self.settings: Settings

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = REQUEST_TIMEOUT) -> T:
        """Run ``coro`` on the app's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> LiveApp:
        self.thread.start()
        self.settings = self.run(self._create_database())
        self.app = create_app(self.settings, clock=self.clock)
        started: Future[None] = Future()
        self._stopped = asyncio.run_coroutine_threadsafe(self._serve(started), self.loop)
        started.result(REQUEST_TIMEOUT)
        return self

    async def _create_database(self) -> Settings:
        name = f"h_{secrets.token_hex(6)}"
        queue = redis.asyncio.Redis.from_url(self.servers.redis_url)
        await queue.flushdb()  # no job or rate-limit count left over from earlier tests
        await queue.aclose()
        admin = await asyncpg.connect(self.servers.admin_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await admin.close()
        return self.configure(
            Settings(
                public_url=BASE_URL,
                db=DbSettings(url=self.servers.url_of(name), pool_min=1, pool_max=5),
                redis=RedisSettings(url=self.servers.redis_url),
                auth=AuthSettings(signin_max_failures=3),
            )
        )

    async def _serve(self, started: Future[None]) -> None:
        self._stop = asyncio.Event()
        try:
            async with (
                running(self.app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=asgi(self.app)), base_url=BASE_URL
                ) as client,
            ):
                self.client = client
                self.pool = await create_pool(self.settings.db.url, application_name="igf-hub.hardening")
                self.tokens = TokenFactory(self.pool, self.settings, self.clock)
                started.set_result(None)
                try:
                    await self._stop.wait()
                finally:
                    await self.pool.close()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    def stop(self) -> None:
        if self._stop is not None and self._stopped is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
            self._stopped.result(REQUEST_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(REQUEST_TIMEOUT)
        self.loop.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.client.request(method, url, **kwargs))

    def session(self, headers: dict[str, str] | None = None) -> requests.Session:
        """A requests session (what schemathesis sends through) whose requests reach this app in-process."""
        session = requests.Session()
        session.trust_env = False
        adapter = _InProcessAdapter(self)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update(headers or {})
        return session


class _InProcessAdapter(requests.adapters.BaseAdapter):
    """Sends an already prepared (serialised) request to the live app and wraps the answer for requests."""

    def __init__(self, live: LiveApp) -> None:
        super().__init__()
        self.live = live

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, *_: Any, **__: Any
    ) -> requests.Response:
        body = request.body
        content = body.encode() if isinstance(body, str) else body
        if content is not None and not isinstance(content, bytes):
            assert isinstance(content, Iterable)  # a generator body (multipart streams)
            content = b"".join(c.encode() if isinstance(c, str) else c for c in content)
        assert request.method is not None and request.url is not None
        answer = self.live.request(
            request.method, request.url, headers=dict(request.headers), content=content
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.url = request.url
        response.request = request
        # httpx already decoded any gzip: hand over the decoded body and drop the encoding header.
        headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() != "content-encoding"]
        response.headers = CaseInsensitiveDict(headers)
        response.raw = HTTPResponse(
            body=BytesIO(answer.content),
            headers=HTTPHeaderDict(headers),
            status=answer.status_code,
            version=11,
            preload_content=False,
        )
        response._content = answer.content
        response.encoding = answer.encoding
        response.elapsed = (
            timedelta(seconds=answer.elapsed.total_seconds()) if _has_elapsed(answer) else timedelta()
        )
        return response

    def close(self) -> None:
        pass


def _has_elapsed(answer: httpx.Response) -> bool:
    try:
        answer.elapsed  # noqa: B018 - set only once the response is closed
    except RuntimeError:
        return False
    return True
