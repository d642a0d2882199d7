"""One signed POST to a consumer, through the SSRF-vetted address, without following redirects.

The worker's shared httpx client carries the requests, over aiohttp (webhooks/transport.py: stock httpx spends
several times aiohttp's CPU per request, encode/httpx#3215; see bench/webhooks.py); the dispatcher bounds how many
are in flight.
"""

from __future__ import annotations

import time

import httpx
import msgspec

from igf_hub.webhooks.policy import EXCERPT_BYTES
from igf_hub.webhooks.ssrf import Refused, Resolver
from igf_hub.webhooks.transport import WebhookClient

USER_AGENT = "igf-hub-webhooks/1 (+https://www.intgovforum.org)"
# A structured-mode CloudEvent (CloudEvents HTTP protocol binding 1.0, section 3.2.1).
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class Outcome(msgspec.Struct, kw_only=True):
    status_code: int | None
    retry_after: str | None
    excerpt: str
    error: str | None
    latency_ms: int


def _text(raw: bytes) -> str:
    return raw[:EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "\ufffd")


def _redirect_error(response: httpx.Response) -> str | None:
    """A 3xx is a failure: say so, and where it pointed (the endpoint's URL probably needs updating)."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("location")
    where = f" to {location[:500]}" if location else " (no Location header)"
    return (
        f"redirects are not followed: the endpoint answered {response.status_code}{where}; "
        "register the final URL instead"
    )


class Sender:
    def __init__(self, http: httpx.AsyncClient, resolver: Resolver, *, timeout: float) -> None:
        self.http = http
        self.resolver = resolver
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0)).as_dict()  # as transports read it
        self.total_timeout = timeout  # the whole exchange (read by webhooks/transport.py)
        # The client's own headers (Accept, Accept-Encoding, Connection), in the order it would send them.
        self.defaults = {k: v for k, v in http.headers.items() if k != "user-agent"}
        self._urls: dict[str, httpx.URL] = {}  # parsed once per vetted URL (parsing costs more than sending)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        start = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - start) * 1000)

        try:
            target = await self.resolver.target(url)
        except Refused as exc:
            return Outcome(
                status_code=None, retry_after=None, excerpt="", error=f"refused: {exc}", latency_ms=0
            )
        request_headers = {
            **self.defaults,
            **headers,
            "content-type": CONTENT_TYPE,
            "user-agent": USER_AGENT,
            "host": target.host_header,
            "content-length": str(len(body)),
        }
        extensions: dict[str, object] = {"timeout": self.timeout, "total_timeout": self.total_timeout}
        if target.server_name:
            extensions["sni_hostname"] = target.server_name
        # Built here rather than by client.stream(): the client's merging of URLs, cookies and headers per
        # request cost more CPU than the rest of the exchange (see webhooks/transport.py); so does parsing the URL.
        address = self._urls.get(target.url)
        if address is None:
            if len(self._urls) > 10_000:
                self._urls.clear()
            address = self._urls[target.url] = httpx.URL(target.url)
        # The body as a ready stream, with its Content-Length above: httpx then skips preparing the request's
        # headers again (a fifth of the sender's CPU); the same headers go out, in the same order.
        request = httpx.Request(
            "POST", address, headers=request_headers, stream=httpx.ByteStream(body), extensions=extensions
        )
        try:
            if isinstance(self.http, WebhookClient):
                response = await self.http.send_direct(request)
            else:
                response = await self.http.send(request, stream=True, follow_redirects=False)
            try:
                received = b""
                # Read to the end (even an empty body: only a finished response returns its connection to
                # the pool), but never more than the excerpt: a consumer cannot make us buffer a huge body.
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= EXCERPT_BYTES:
                        break
                return Outcome(
                    status_code=response.status_code,
                    retry_after=response.headers.get("retry-after"),
                    excerpt=_text(received),
                    error=_redirect_error(response),
                    latency_ms=elapsed(),
                )
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            error = f"timeout ({type(exc).__name__})"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        return Outcome(status_code=None, retry_after=None, excerpt="", error=error, latency_ms=elapsed())
