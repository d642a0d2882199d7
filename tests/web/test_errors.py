"""Errors on pages are pages: in the reader's language, in plain words, with the right status; the API keeps
its problem documents."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar, get
from lxml import html

from igf_hub.app import create_app
from igf_hub.core.clock import Clock
from igf_hub.core.errors import Forbidden
from igf_hub.core.settings import Settings
from igf_hub.web.errors import PageController
from tests.conftest import BASE_URL, running
from tests.support.asgi import asgi


class BrokenPages(PageController):
    path = "/broken"

    @get("/crash")
    async def crash(self) -> None:
        raise RuntimeError("a bug")

    @get("/forbidden")
    async def forbidden(self) -> None:
        raise Forbidden("only the Secretariat may see this")


@pytest.fixture
async def broken(settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app: Litestar = create_app(settings, clock=clock)
    app.register(BrokenPages)
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi(app), raise_app_exceptions=False), base_url=BASE_URL
        ) as c,
    ):
        yield c


async def test_an_unknown_page_is_a_page_in_the_readers_language(client: httpx.AsyncClient) -> None:
    answer = await client.get("/es/no-such-page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    document = html.fromstring(answer.text)
    assert document.findtext(".//h1") == "Página no encontrada"
    assert document.getroottree().getroot().get("lang") == "es"
    assert document.xpath("//main//a/@href") == ["/es/"]
    # The API's unknown addresses are still problem documents.
    api = await client.get("/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert (await client.post("/ar/")).status_code == 405


async def test_a_failing_page_says_so_plainly_with_a_reference(broken: httpx.AsyncClient) -> None:
    answer = await broken.get("/ar/broken/crash")
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    document = html.fromstring(answer.text)
    assert document.findtext(".//h1") == "حدث خطأ من جانبنا"
    assert "a bug" not in answer.text and "Traceback" not in answer.text
    # The reference shown is the request id of the logs and of the response header.
    assert answer.headers["x-request-id"] in document.xpath("string(//main)")


async def test_a_domain_refusal_on_a_page_is_a_page(broken: httpx.AsyncClient) -> None:
    answer = await broken.get("/fr/broken/forbidden")
    assert answer.status_code == 403
    assert html.fromstring(answer.text).findtext(".//h1") == "Vous ne pouvez pas voir cette page"
