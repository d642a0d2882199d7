"""Small pieces shared by the ASGI middlewares."""

from __future__ import annotations

from litestar.types import Message, Send


class StatusRecorder:
    """An ASGI ``send`` that passes every message on and remembers the response status (500 until it starts)."""

    __slots__ = ("send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self.send(message)
