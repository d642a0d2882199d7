"""The public verification page: paste an address of this site, or upload a document (and the signature you
kept), and learn whether it is exactly what the IGF published, when, and under which key (README, "Signed
records"). Works without JavaScript: the address is a GET form, the upload a multipart POST.

Only addresses of this site are looked up (from the database, never fetched over HTTP), so the page cannot be
used to make the server call other hosts; a document kept from elsewhere is uploaded instead.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import asyncpg
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Template

from igf_hub.core import signing
from igf_hub.core.settings import Settings
from igf_hub.core.signing import Outcome
from igf_hub.web.errors import PageController
from igf_hub.web.i18n import N_, gettext, request_language
from igf_hub.web.sessions import context_of
from igf_hub.web.templating import render

AnyRequest = Request[Any, Any, Any]
MAX_UPLOAD = 1024 * 1024  # a signed record is a few KiB; the request body limit (2 MiB) holds two

OUTCOME_TEXT = {
    Outcome.valid: N_("This is exactly what the IGF published."),
    Outcome.changed: N_(
        "This document is not exactly what the IGF published: at least one byte differs, or the signature "
        "belongs to another document."
    ),
    Outcome.other_document: N_(
        "This signature belongs to another document that the IGF published, not to this one."
    ),
    Outcome.unknown_kid: N_("The signature names a key that is not one of the IGF's publication keys."),
    Outcome.after_retirement: N_(
        "The signature was made with a key after that key was retired, so it is not valid."
    ),
    Outcome.before_key: N_("The signature claims a time before its key came into use, so it is not valid."),
    Outcome.unreadable_signature: N_("The signature cannot be read: it is not one the IGF makes."),
    Outcome.not_json: N_("This file is not a JSON document, so it is not a record the IGF signs."),
    Outcome.not_published: N_("The IGF has published no signed record with this content."),
}


def _result(verdict: signing.Verdict, language: str) -> dict[str, Any]:
    return {"verdict": verdict, "summary": gettext(language, OUTCOME_TEXT[verdict.outcome])}


async def _read(upload: Any) -> bytes | None:
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read(MAX_UPLOAD + 1)
    return data or None


class VerifyPage(PageController):
    path = "/verify"

    async def _context(self, request: AnyRequest, db: asyncpg.Connection, **context: Any) -> dict[str, Any]:
        return {
            "csrf_token": await context_of(request.scope).csrf_token(db),
            "errors": {},
            "result": None,
            **context,
        }

    @get("/", name="verify")
    async def show(
        self,
        request: AnyRequest,
        db: asyncpg.Connection,
        settings: Settings,
        url: Annotated[str | None, Parameter(max_length=2000)] = None,
    ) -> Template:
        """The two ways to check a document; with ``url``, the answer for that address of this site."""
        language = request_language(request)
        address = (url or "").strip()
        if not address:
            return render(request, "system/verify.html", await self._context(request, db, url=""))
        site = urlsplit(settings.base_url)
        given = urlsplit(
            address if "://" in address else f"{site.scheme}://{site.netloc}/{address.lstrip('/')}"
        )
        errors: dict[str, str] = {}
        result = None
        if given.scheme not in ("http", "https") or given.netloc != site.netloc:
            errors["url"] = gettext(
                language, N_("Enter an address of %(site)s, or download the document and upload it below.")
            ) % {"site": site.netloc}
        elif (copy := await signing.published_copy(db, given.path)) is None:
            errors["url"] = gettext(language, N_("Nothing signed by the IGF is published at this address."))
        else:
            document, token = copy
            result = _result(await signing.verify_document(db, document, token=token), language)
        context = await self._context(request, db, url=address, errors=errors, result=result)
        return render(request, "system/verify.html", context, status_code=422 if errors else 200)

    @post("/", name="verify:upload", status_code=200)
    async def upload(self, request: AnyRequest, tx: asyncpg.Connection) -> Template:
        """An uploaded document (and, optionally, the signature kept with it) checked against the published
        keys; nothing is stored."""
        language = request_language(request)
        form = await request.form()
        errors: dict[str, str] = {}
        document = await _read(form.get("document"))
        signature = await _read(form.get("signature"))
        if document is None:
            errors["document"] = gettext(language, N_("Choose the document to check."))
        elif len(document) > MAX_UPLOAD or (signature is not None and len(signature) > MAX_UPLOAD):
            errors["document"] = gettext(
                language, N_("The file is larger than 1 MB: it is not a signed record.")
            )
        token = None
        if signature is not None and not errors:
            try:
                token = signature.decode("ascii").strip()
            except UnicodeDecodeError:
                errors["signature"] = gettext(
                    language, N_("The signature file is not a JWS: it holds other bytes.")
                )
        result = None
        if not errors and document is not None:
            result = _result(await signing.verify_document(tx, document, token=token), language)
        context = await self._context(request, tx, url="", errors=errors, result=result)
        return render(request, "system/verify.html", context, status_code=422 if errors else 200)
