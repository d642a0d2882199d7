"""Refuse JSON nested deeper than MAX_JSON_DEPTH before anything decodes it.

msgspec decodes nested arrays and objects recursively and raises RecursionError (not a decode error) past
Python's recursion limit, so ``[[[[…`` (100k deep, 200 kB) would reach the 500 handler. This middleware
watches the body as the handler reads it and, once the last chunk is in, measures its nesting; past the
limit it raises JsonTooDeep (400 problem+json) instead of handing the final chunk over, so the decoder
never sees the body. Measuring costs a few C-speed passes: strings are cut out, everything but brackets is
dropped, and matched innermost pairs are removed once per level (real bodies are a handful of levels deep).

Bodies of every content type are measured except forms (their parser never recurses), because Litestar
decodes a ``data`` parameter as JSON whatever the content type says. A CSV upload would need 64 unclosed
brackets outside quotes on the way to trip it.
"""

from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from igf_hub.core.errors import DomainError

MAX_JSON_DEPTH = 64
# Never hold more than this much of a body for measuring (handlers refuse bigger ones with 413 anyway).
MAX_MEASURED_BYTES = 8 * 1024 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Only brackets survive, and braces count as brackets: nesting is what matters, and mismatched pairs are
# malformed JSON, which the decoder refuses anyway.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = ord("[")
_PASSES = 8
_FORMS = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class JsonTooDeep(DomainError):
    status, slug, title = 400, "json-too-deep", "The JSON body is nested too deeply"


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``body`` opens more than ``limit`` arrays/objects inside one another.

    Malformed input (unbalanced or mismatched brackets) is not judged here: the decoder reports it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # too few brackets to nest that deep: most bodies stop here
    # Outside strings only: without escaped quotes, every other piece between quotes is outside one.
    outside = b"".join(body.split(b'"')[::2]) if b'\\"' not in body else _STRING.sub(b"", body)
    brackets = outside.translate(_AS_BRACKETS, delete=_NOT_A_BRACKET)
    if b"[" * (limit + 1) in brackets:
        return True  # a run of openers: the usual attack, found at C speed
    # Real bodies are a few levels deep: removing the innermost pairs a few times usually leaves nothing.
    # Each pass removes every structure exactly one level deep, so what is left is `levels` shallower.
    levels = 0
    while levels < _PASSES and brackets:
        reduced = brackets.replace(b"[]", b"")
        if reduced == brackets:
            break
        brackets, levels = reduced, levels + 1
    depth = levels
    for byte in brackets:
        depth += 1 if byte == _OPEN else -1
        if depth > limit:
            return True
        if depth < levels:
            return False  # a "]" that closes nothing: malformed
    return False


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower()
    return b""


def json_depth_middleware(app: ASGIApp) -> ASGIApp:
    """Litestar middleware (after routing, so it sees only requests some handler will answer)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or _content_type(scope).startswith(_FORMS):
            await app(scope, receive, send)
            return
        seen: list[bytes] = []
        size = 0

        async def measured_receive() -> ReceiveMessage:
            nonlocal size
            message = await receive()
            if message["type"] != "http.request" or size > MAX_MEASURED_BYTES:
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            seen.append(chunk)
            if not message.get("more_body", False) and size <= MAX_MEASURED_BYTES:
                body = b"".join(seen)
                seen.clear()
                if nesting_exceeds(body):
                    raise JsonTooDeep(
                        f"arrays and objects may nest at most {MAX_JSON_DEPTH} levels deep",
                        extra={"max_depth": MAX_JSON_DEPTH},
                    )
            return message

        await app(scope, measured_receive, send)

    return middleware
