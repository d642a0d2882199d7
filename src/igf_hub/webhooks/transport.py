"""An httpx transport over one aiohttp session: the sender keeps httpx's API, aiohttp carries the bytes.

Stock httpx (httpcore) spends several times aiohttp's CPU per request, more with each request in flight
(encode/httpx#3215; bench/webhooks.py measures both). Behaviour is the sender's, unchanged:

* redirects are never followed (aiohttp's own following is off; httpx's client does not follow either);
* the request goes to the URL's host, which the sender has already replaced by the vetted address, and the
  ``sni_hostname`` extension (as httpcore reads it) is the TLS server name and the name the certificate is
  checked against; pooled connections are keyed by it too, so a connection opened for one host name is never
  reused for another behind the same address;
* trust is httpx's (``httpx.create_ssl_context``: the same CA bundle and ``SSL_CERT_FILE``);
* httpx's connect, read and pool timeouts, and a ``total_timeout`` extension for the whole exchange;
* the body is read as the caller iterates (aiohttp buffers a bounded window), so a caller that stops after an
  excerpt never holds a huge body; content decoding stays httpx's;
* aiohttp's errors become the httpx exceptions the sender reports (``ConnectTimeout``, ``ReadTimeout``,
  ``ConnectError``, ``RemoteProtocolError`` ...), with aiohttp's sentence as the message.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx

CHUNK = 16 * 1024


def _translate(exc: Exception) -> httpx.TransportError:
    """The httpx exception a caller of httpx expects for an aiohttp (or asyncio) error."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connecting timed out")
    if isinstance(exc, TimeoutError):  # aiohttp's socket read timeout, and the total timeout
        return httpx.ReadTimeout(str(exc) or "the exchange timed out")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return httpx.ConnectError(str(exc.certificate_error))
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc))
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(exc, aiohttp.ClientResponseError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(str(exc))
    if isinstance(exc, aiohttp.ClientOSError):
        return httpx.ReadError(str(exc))
    return httpx.TransportError(str(exc) or type(exc).__name__)


ERRORS = (aiohttp.ClientError, TimeoutError)


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk
        except ERRORS as exc:
            raise _translate(exc) from exc

    async def aclose(self) -> None:
        # A body read to the end returns its connection to the pool; one left unread closes it.
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` connections (the dispatcher's bound: one per request in flight)."""

    def __init__(self, *, limit: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limit = limit
        self._ssl = ssl_context or httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=0, ssl=self._ssl),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,  # httpx decodes, as before
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
                trust_env=False,  # no proxy: the vetted address is what we connect to
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        total = request.extensions.get("total_timeout")
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        sni = request.extensions.get("sni_hostname")
        try:
            response = await self._open().request(
                request.method,
                str(request.url),
                # httpx keeps the headers as bytes; decoding them here costs less than its multi_items().
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                data=await request.aread(),
                allow_redirects=False,
                timeout=timeout,
                server_hostname=sni.decode() if isinstance(sni, bytes) else sni,
            )
        except ERRORS as exc:
            raise _translate(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode("latin-1"),
            },
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class WebhookClient(httpx.AsyncClient):
    """An httpx client over :class:`AiohttpTransport` that can also hand a built request straight to it."""

    def __init__(self, transport: AiohttpTransport) -> None:
        super().__init__(transport=transport, follow_redirects=False, timeout=httpx.Timeout(10.0))
        self.direct = transport

    async def send_direct(self, request: httpx.Request) -> httpx.Response:
        """``send(request, stream=True)`` without the client's cookie jar, auth and redirect steps, none of which
        a webhook uses (a consumer's cookies are never sent back): they cost a third of a delivery's CPU. The
        request carries its own headers and ``timeout`` extension; close the response."""
        return await self.direct.handle_async_request(request)


def client(limit: int, *, ssl_context: ssl.SSLContext | None = None) -> WebhookClient:
    """The sender's HTTP client: httpx's API over aiohttp, ``limit`` connections, no redirects followed."""
    return WebhookClient(AiohttpTransport(limit=limit, ssl_context=ssl_context))
