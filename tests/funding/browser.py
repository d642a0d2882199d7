"""A minimal Chrome DevTools Protocol client for headless Chromium (Debian's ``chromium``): open a page, wait
for it to load, collect console errors and uncaught exceptions, evaluate expressions, take a screenshot."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import websockets

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


class Page:
    def __init__(self, socket: Any, session: str, browser: Browser) -> None:
        self.socket = socket
        self.session = session
        self.browser = browser
        self.errors: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.browser.send(method, session=self.session, **params)

    async def open(self, url: str, *, javascript: bool = True) -> None:
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            await self.send(domain)
        await self.send("Emulation.setScriptExecutionDisabled", value=not javascript)
        loaded = self.browser.expect(self.session, "Page.loadEventFired")
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(loaded, timeout=20)
        await asyncio.sleep(0.2)  # let DOMContentLoaded handlers and late console messages arrive

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


class Browser:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.waiters: list[tuple[str, str, asyncio.Future[None]]] = []
        self.pages: dict[str, Page] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            message = json.loads(raw)
            if "id" in message:
                future = self.pending.pop(message["id"])
                if "error" in message:
                    future.set_exception(AssertionError(f"CDP error: {message['error']}"))
                else:
                    future.set_result(message.get("result", {}))
                continue
            session, method, params = (
                message.get("sessionId", ""),
                message.get("method"),
                message.get("params", {}),
            )
            page = self.pages.get(session)
            if page is not None:
                if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                    page.errors.append(
                        "console: "
                        + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                    )
                elif method == "Runtime.exceptionThrown":
                    page.errors.append(f"exception: {params['exceptionDetails'].get('text')}")
                elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                    page.errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            for waiter in list(self.waiters):
                if waiter[0] == session and waiter[1] == method and not waiter[2].done():
                    waiter[2].set_result(None)
                    self.waiters.remove(waiter)

    def expect(self, session: str, method: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((session, method, future))
        return future

    async def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.socket.send(json.dumps(message))
        return await asyncio.wait_for(future, timeout=20)

    async def new_page(self) -> Page:
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        page = Page(self.socket, attached["sessionId"], self)
        self.pages[page.session] = page
        return page


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium on loopback, killed (by its own process id) when the block ends."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="igf-chromium-") as profile:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None
            url = None
            while url is None:
                line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
                if not line:
                    raise RuntimeError("chromium exited before opening its DevTools port")
                match = _LISTENING.search(line.decode(errors="replace"))
                url = match.group(1) if match else None
            drain = asyncio.create_task(process.stderr.read())
            async with websockets.connect(url, max_size=64 * 1024 * 1024) as socket:
                browser = Browser(socket)
                try:
                    yield browser
                finally:
                    browser.reader.cancel()
            drain.cancel()
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()
