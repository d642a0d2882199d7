"""Refuse, before anything decodes or stores it, input that can only end in a 500.

- JSON nested deeper than MAX_JSON_DEPTH: msgspec decodes arrays and objects recursively and raises
  RecursionError (not a decode error) past Python's recursion limit, so ``[[[[…`` (100k deep, 200 kB)
  reached the 500 handler on every JSON route.
- The NUL character (U+0000), in the path, the query or the body: PostgreSQL text cannot hold it, so any
  string carrying one failed in SQL with CharacterNotInRepertoireError, in every domain (and mid-stream
  in the exports, after the response had started).

- Invalid UTF-8 inside a JSON string: msgspec raises UnicodeDecodeError (not a decode error), a 500 on every
  JSON route. JSON text is UTF-8 (RFC 8259 §8.1): a body that is not is a 400 ``malformed-body``, checked for
  JSON content types and for every route whose handler decodes a ``data`` parameter (Litestar decodes it as
  JSON whatever the content type says).
- A multipart form sent to a route whose ``data`` is JSON: such bodies skip these checks (binary parts may
  hold any byte) yet were decoded as JSON, so deep nesting and NUL were 500s again. No JSON route reads a
  form: 415.

The first three are 400 problems. The body is measured as the handler reads it: once the last chunk is in, and
before the handler gets it, so the decoder never sees a refused body; a handler that never reads its body
(a guard refused the caller first) costs nothing. Measuring costs a few C-speed passes over the body.

Bodies of every content type are checked except multipart forms (binary parts may hold any byte), because
Litestar decodes a ``data`` parameter as JSON whatever the content type says. A CSV upload that is not
UTF-8 at all is left to its importer, which reports an unreadable file; one would need 64 unclosed brackets
outside quotes to trip the depth check.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from igf_hub.core.errors import DomainError, FieldError
from igf_hub.core.pagination import remember_request

MAX_JSON_DEPTH = 64
# Never hold more than this much of a body for checking (handlers refuse bigger ones with 413 anyway).
MAX_CHECKED_BYTES = 8 * 1024 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Only brackets survive, and braces count as brackets: nesting is what matters, and mismatched pairs are
# malformed JSON, which the decoder refuses anyway.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = ord("[")
_PASSES = 8
# A JSON \u0000 escape whose backslash is not itself escaped (an even run of backslashes before it).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_ENCODED_NUL = re.compile(rb"%00")
_MULTIPART = b"multipart/form-data"


class JsonTooDeep(DomainError):
    status, slug, title = 400, "json-too-deep", "The JSON body is nested too deeply"


class NotUtf8(DomainError):
    status, slug, title = 400, "malformed-body", "The request body is not valid JSON"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "This media type is not accepted here"


class NulCharacter(DomainError):
    status, slug, title = 400, "nul-character", "The request contains the NUL character (U+0000)"


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


def contains_nul(body: bytes) -> bool:
    """A NUL byte, or a JSON ``\\u0000`` escape (``\\\\u0000``, an escaped backslash, is text)."""
    return b"\x00" in body or (b"\\u0000" in body and _NUL_ESCAPE.search(body) is not None)


def _header(scope: Scope, wanted: bytes) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).lower()
    return b""


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_error(body: bytes) -> UnicodeDecodeError | None:
    if body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


def _decodes_json(scope: Scope, content_type: bytes) -> bool:
    """The body will be read as JSON: a JSON content type, or a handler with a ``data`` parameter."""
    media = content_type.split(b";", 1)[0].strip()
    if media == b"application/json" or media.endswith(b"+json"):
        return True
    handler = scope.get("route_handler")
    return handler is not None and "data" in handler.parsed_fn_signature.parameters


def _check_body(body: bytes, *, form: bool, csv: bool, json: bool) -> None:
    if json and (error := _utf8_error(body)) is not None:
        detail = f"JSON text must be UTF-8: the byte at offset {error.start} is not valid UTF-8"
        raise NotUtf8(detail, errors=[FieldError(pointer="", detail=detail)])
    # A CSV upload that is not UTF-8 text at all is its importer's to report as unreadable.
    nul = contains_nul(body) and (not csv or _is_utf8(body))
    if nul or (form and _ENCODED_NUL.search(body)):
        raise NulCharacter("text may not contain U+0000: it cannot be stored", extra={"where": "body"})
    if nesting_exceeds(body):
        raise JsonTooDeep(
            f"arrays and objects may nest at most {MAX_JSON_DEPTH} levels deep",
            extra={"max_depth": MAX_JSON_DEPTH},
        )


def input_guard_middleware(app: ASGIApp) -> ASGIApp:
    """Litestar middleware (after routing, so it sees only requests some handler will answer)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _ENCODED_NUL.search(scope.get("query_string", b"")):
            where = "path" if "\x00" in scope["path"] else "query"
            raise NulCharacter("text may not contain U+0000: it cannot be stored", extra={"where": where})
        content_type = _header(scope, b"content-type")
        json = _decodes_json(scope, content_type)
        if content_type.startswith(_MULTIPART):
            if json:
                raise UnsupportedMediaType(
                    "this operation reads a JSON body: send it as application/json, not as a multipart form",
                    extra={"accepted": ["application/json"]},
                )
            await app(scope, receive, send)
            return
        form = content_type.startswith(b"application/x-www-form-urlencoded")
        csv = content_type.startswith(b"text/csv")
        seen: list[bytes] = []
        size = 0

        async def checked_receive() -> ReceiveMessage:
            nonlocal size
            message = await receive()
            if message["type"] != "http.request" or size > MAX_CHECKED_BYTES:
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            seen.append(chunk)
            if not message.get("more_body", False) and size <= MAX_CHECKED_BYTES:
                body = b"".join(seen)
                seen.clear()
                _check_body(body, form=form, csv=csv, json=json)
            return message

        await app(scope, checked_receive, send)

    return middleware


async def before_request(request: Request[Any, Any, Any]) -> None:
    """Every request: remember it for the Link header, and read a JSON body only when it says it is JSON."""
    await remember_request(request)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    json = media == "application/json" or media.endswith("+json")
    # Litestar would decode a data body as JSON whatever it says (text/plain, a form ...): say what is expected.
    if media and not json and "data" in request.route_handler.parsed_fn_signature.parameters:
        raise UnsupportedMediaType(
            f"this operation reads a JSON body: send it with Content-Type: application/json, not {media}"
        )
