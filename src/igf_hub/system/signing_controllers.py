"""The IGF's publication keys (a JWKS with their history) and the signatures of published records, for anyone:
keep a record's document and its signature, and verify them later against the keys (README, "Signed records")."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from litestar import Controller, Response, get
from litestar.params import Parameter

from igf_hub.core import signing
from igf_hub.core.caching import PUBLIC_HOUR, PUBLIC_MINUTE
from igf_hub.core.errors import NotFound
from igf_hub.core.settings import Settings

JOSE = "application/jose"
Kind = Annotated[str, Parameter(pattern=r"^[a-z][a-z_]{0,39}$", description="message, track_output, …")]
RecordId = Annotated[str, Parameter(max_length=100)]
Version = Annotated[int, Parameter(ge=1, le=2**31 - 1)]


class PublicationKeyController(Controller):
    path = "/.well-known"
    tags = ["Signed records"]

    @get("/igf-publication-keys.json", operation_id="GetPublicationKeys", cache_control=PUBLIC_MINUTE)
    async def keys(self, db: asyncpg.Connection) -> dict[str, Any]:
        """Every IGF publication key, current and retired, with ``valid_from`` and ``retired_at``: a signature
        verifies only with the key its ``kid`` names, made (``iat``) while that key was valid."""
        return signing.jwks(await signing.key_history(db))


class SignatureController(Controller):
    path = signing.SIGNATURES_PATH
    tags = ["Signed records"]

    async def _row(
        self, db: asyncpg.Connection, settings: Settings, kind: str, record_id: str, version: int
    ) -> signing.RecordSignature:
        found = await signing.signature_of(db, settings.base_url, kind, record_id, version)
        if found is None:
            raise NotFound(f"the IGF has published no signed record {kind} {record_id} version {version}")
        return found

    @get(
        "/{kind:str}/{record_id:str}/{version:int}",
        operation_id="GetRecordSignature",
        cache_control=PUBLIC_HOUR,
    )
    async def signature(
        self, db: asyncpg.Connection, settings: Settings, kind: Kind, record_id: RecordId, version: Version
    ) -> signing.RecordSignature:
        """The detached JWS of one published record version, with its key id, signing time and the address of
        the exact signed document."""
        return await self._row(db, settings, kind, record_id, version)

    @get(
        "/{kind:str}/{record_id:str}/{version:int}/jws",
        operation_id="GetRecordJws",
        cache_control=PUBLIC_HOUR,
        media_type=JOSE,
    )
    async def jws(
        self, db: asyncpg.Connection, settings: Settings, kind: Kind, record_id: RecordId, version: Version
    ) -> str:
        """The compact detached JWS alone (``application/jose``), to keep beside the document."""
        return (await self._row(db, settings, kind, record_id, version)).jws

    @get(
        "/{kind:str}/{record_id:str}/{version:int}/document",
        operation_id="GetSignedDocument",
        cache_control=PUBLIC_HOUR,
        media_type="application/json",
    )
    async def document(
        self, db: asyncpg.Connection, kind: Kind, record_id: RecordId, version: Version
    ) -> Response[bytes]:
        """The exact bytes that were signed (RFC 8785 canonical JSON); ``Link`` names its signature."""
        document = await signing.signed_document(db, kind, record_id, version)
        if document is None:
            raise NotFound(f"the IGF has published no signed record {kind} {record_id} version {version}")
        return Response(
            content=document,
            media_type="application/json",
            # A path, not an absolute URL: it resolves against whatever address the document was fetched from.
            headers={
                "Link": f'<{signing.signature_path(kind, record_id, version)}/jws>; rel="signature"; type="{JOSE}"'
            },
        )
