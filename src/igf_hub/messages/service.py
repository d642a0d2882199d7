"""Messages: drafting, immutable versions, metadata, reading and diffing. The lifecycle (transitions) is in
``lifecycle_service.py``, comments in ``comment_service.py`` and the MAG ballot in ``ballot_service.py``; all of
them use this service for access checks and for the Message as the API returns it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.errors import UserNotFound
from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, outbox
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import Keyset
from igf_hub.core.schemas import Classification
from igf_hub.core.settings import Settings
from igf_hub.messages import diff as diffing
from igf_hub.messages.comment_repository import CommentRepository
from igf_hub.messages.content import IdAllocator, Paragraph, content_sha256, join_body, match_ids, split_body
from igf_hub.messages.errors import (
    InvalidContent,
    MessageNotFound,
    NotADrafter,
    VersionNotFound,
    WrongStateForAction,
)
from igf_hub.messages.provenance import resolve_entries
from igf_hub.messages.repository import MessageFilters, MessageRepository, MessageRow, VersionRow
from igf_hub.messages.schemas import (
    HistoryEntry,
    Message,
    MessageCreate,
    MessagePage,
    MessagePatch,
    MessageSummary,
    ProvenanceEntry,
    Version,
    VersionCreate,
    VersionPage,
    VersionSummary,
)
from igf_hub.messages.states import METADATA_EDITABLE, SOURCE_EDITABLE, TRANSLATABLE, MessageState
from igf_hub.messages.texts import source_paragraphs, translation_paragraphs
from igf_hub.messages.views import message_view, paragraphs_out

SUBJECT = "message"
FINAL = frozenset({MessageState.superseded, MessageState.withdrawn})


def version_out(v: VersionRow, source_language: str) -> Version:
    return Version(
        message_id=v.message_id,
        number=v.number,
        language=v.language,
        title=v.title,
        body=v.body,
        paragraphs=paragraphs_out(v.paragraphs),
        content_sha256=v.content_sha256,
        is_authoritative=v.language == source_language,
        machine_translation=v.is_machine_translation,
        translation_of=v.translation_of,
        created_by=v.created_by,
        created_at=v.created_at,
    )


class MessageService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.repo = MessageRepository(conn)
        self.comments = CommentRepository(conn)

    # -- access ---------------------------------------------------------------------------------------

    async def can_draft(self, row: MessageRow, *, actor: Principal) -> bool:
        if actor.has_role(Role.secretariat):
            return True
        return actor.user_id is not None and await self.repo.is_drafter(row.id, actor.user_id)

    async def visible(self, message_id: UUID, *, actor: Principal, for_update: bool = False) -> MessageRow:
        """The Message if the caller may see it: everyone once it was opened for comment, else its drafters."""
        row = await self.repo.get(message_id, for_update=for_update)
        if row is None or (row.public_since is None and not await self.can_draft(row, actor=actor)):
            raise MessageNotFound(f"no Message {message_id}")
        return row

    async def for_drafting(
        self, message_id: UUID, *, actor: Principal, expected_version: int | None
    ) -> MessageRow:
        row = await self.visible(message_id, actor=actor, for_update=True)
        if not await self.can_draft(row, actor=actor):
            raise NotADrafter(f"you are not a drafter of Message {message_id}")
        check_version(row.version, expected_version)
        return row

    # -- the Message as the API returns it --------------------------------------------------------------

    async def view(self, row: MessageRow) -> Message:
        return await message_view(
            self.repo, self.comments, row, now=self.clock.now(), base_url=self.settings.base_url
        )

    async def get(self, message_id: UUID, *, actor: Principal) -> Message:
        return await self.view(await self.visible(message_id, actor=actor))

    async def page(
        self, filters: MessageFilters, *, actor: Principal, cursor: str | None, limit: int
    ) -> MessagePage:
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.page(
            filters, see_all=actor.has_role(Role.secretariat), after=keyset.after, limit=keyset.fetch
        )
        items, next_cursor = keyset.cut(rows, lambda row: (row.created_at, row.id))
        return MessagePage(
            items=[
                MessageSummary(
                    id=r.id,
                    year=r.year,
                    theme=r.theme,
                    sub_theme=r.sub_theme,
                    title=r.title or "",
                    state=MessageState(r.state),
                    source_language=r.source_language,
                    languages=r.languages,
                    current_version_number=r.current_version_number,
                    classification=msgspec.convert(r.classification, Classification),
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                )
                for r in items
            ],
            next_cursor=next_cursor,
        )

    async def facets(self, *, actor: Principal) -> tuple[list[int], list[str]]:
        """The years (newest first) and themes (sorted) of the Messages ``actor`` may list."""
        pairs = await self.repo.facets(see_all=actor.has_role(Role.secretariat))
        return sorted({y for y, _ in pairs}, reverse=True), sorted({t for _, t in pairs})

    # -- drafting -------------------------------------------------------------------------------------

    async def _drafter_errors(self, drafters: list[UUID]) -> list[FieldError]:
        identity = IdentityService(self.conn, self.clock, self.settings)
        errors = []
        for i, user_id in enumerate(drafters):
            try:
                await identity.get_user(user_id)
            except UserNotFound:
                errors.append(FieldError(f"/drafters/{i}", f"no user {user_id}"))
        return errors

    async def create(self, data: MessageCreate, *, actor: Principal) -> Message:
        ids = IdAllocator(1)
        paragraphs, errors = source_paragraphs(data, [], ids)
        provenance, more = await resolve_entries(
            self.conn, data.provenance, paragraph_ids={p.id for p in paragraphs}, pointer="/provenance"
        )
        errors += more + await self._drafter_errors(data.drafters)
        if data.supersedes is not None:
            older = await self.repo.get(data.supersedes)
            if older is None or older.state != MessageState.published:
                errors.append(FieldError("/supersedes", f"{data.supersedes} is not a published Message"))
        if errors:
            raise InvalidContent("the Message cannot be created as given", errors=errors)
        now = self.clock.now()
        row = await self.repo.insert(
            year=data.year,
            theme=data.theme,
            sub_theme=data.sub_theme,
            language=data.language,
            classification=data.classification,
            provenance=msgspec.to_builtins(provenance),
            supersedes=data.supersedes,
            created_by=actor.subject,
            now=now,
        )
        await self.repo.replace_drafters(row.id, data.drafters)
        await self.repo.add_history(row.id, "created", to_state=row.state, actor=actor, at=now)
        # Created comes before its first version_saved (the cause first). A new Message is a draft: not public.
        await changelog.record(
            self.conn,
            "message.created",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data={"year": row.year, "theme": row.theme, "drafters": data.drafters},
            event_data={"id": row.id, "year": row.year, "theme": row.theme},
            public=False,
        )
        row = await self._save(row, data.language, data.title, paragraphs, None, False, ids, actor, now)
        return await self.view(row)

    async def _save(
        self,
        row: MessageRow,
        language: str,
        title: str,
        paragraphs: list[Paragraph],
        translation_of: int | None,
        machine: bool,
        ids: IdAllocator,
        actor: Principal,
        now: datetime,
    ) -> MessageRow:
        number = row.next_version_number
        digest = content_sha256(language, title, paragraphs)
        await self.repo.insert_version(
            message_id=row.id,
            number=number,
            language=language,
            title=title,
            paragraphs=paragraphs,
            body=join_body(paragraphs),
            content_sha256=digest,
            machine=machine,
            translation_of=translation_of,
            created_by=actor.subject,
            now=now,
        )
        row = await self.repo.after_version(
            row.id,
            number=number,
            next_paragraph=ids.next_number,
            is_source=language == row.source_language,
            now=now,
        )
        await self.repo.add_history(row.id, "version_saved", version_number=number, actor=actor, at=now)
        await outbox.publish(
            self.conn,
            "message.version_saved",
            subject=row.id,
            data={"id": row.id, "version_number": number, "language": language, "content_sha256": digest},
            public=row.public_since is not None,
        )
        return row

    async def save_version(
        self, message_id: UUID, data: VersionCreate, *, actor: Principal, expected_version: int | None
    ) -> tuple[Version, MessageRow]:
        """A new immutable version; for the source language in MAG review it closes the open ballot (the
        caller, which owns ballots, does that with the returned row)."""
        row = await self.for_drafting(message_id, actor=actor, expected_version=expected_version)
        state = MessageState(row.state)
        language = data.language or row.source_language
        is_source = language == row.source_language
        current = await self.repo.version(row.id, row.current_version_number)
        assert current is not None  # a Message always has its first version
        ids = IdAllocator(row.next_paragraph_number)
        same_as: VersionRow | None
        if is_source:
            if state not in SOURCE_EDITABLE:
                raise WrongStateForAction("save a new version", current=state, allowed_in=SOURCE_EDITABLE)
            if data.translation_of is not None or data.machine_translation:
                raise InvalidContent(
                    errors=[
                        FieldError(
                            "/language", "the source language is not a translation: give another language"
                        )
                    ]
                )
            paragraphs, errors = source_paragraphs(data, current.paragraphs, ids)
            translation_of, same_as = None, current
        else:
            if state not in TRANSLATABLE:
                raise WrongStateForAction("add a translation", current=state, allowed_in=TRANSLATABLE)
            translation_of = data.translation_of or row.current_version_number
            source = await self.repo.version(row.id, translation_of)
            if source is None or source.language != row.source_language:
                raise InvalidContent(
                    errors=[
                        FieldError(
                            "/translation_of", f"{translation_of} is not a version in {row.source_language}"
                        )
                    ]
                )
            paragraphs, errors = translation_paragraphs(data, source.paragraphs)
            same_as = await self.repo.latest_of_language(row.id, language)
        if errors:
            raise InvalidContent("the text cannot be saved as given", errors=errors)
        if (
            same_as is not None
            and same_as.content_sha256 == content_sha256(language, data.title, paragraphs)
            and (same_as.translation_of == translation_of)
            # A person confirming a machine translation word for word is a new version: the label changes.
            and same_as.is_machine_translation == data.machine_translation
        ):
            raise InvalidContent(
                f"identical to version {same_as.number}: nothing to save",
                errors=[FieldError("", f"same content_sha256 as version {same_as.number}")],
            )
        now = self.clock.now()
        row = await self._save(
            row, language, data.title, paragraphs, translation_of, data.machine_translation, ids, actor, now
        )
        await changelog.record(
            self.conn,
            "message.version_saved",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data={"version_number": row.next_version_number - 1, "language": language},
            publish=False,  # _save published message.version_saved (for a new Message's first version too)
        )
        saved = await self.repo.version(row.id, row.next_version_number - 1)
        assert saved is not None
        return version_out(saved, row.source_language), row

    async def patch(
        self, message_id: UUID, data: MessagePatch, *, actor: Principal, expected_version: int | None
    ) -> Message:
        row = await self.for_drafting(message_id, actor=actor, expected_version=expected_version)
        state = MessageState(row.state)
        changes = msgspec.structs.asdict(data)
        content_fields = {k for k, v in changes.items() if v is not msgspec.UNSET and k != "drafters"}
        if content_fields and state not in METADATA_EDITABLE:
            raise WrongStateForAction(
                "change theme, classification or provenance", current=state, allowed_in=METADATA_EDITABLE
            )
        if data.drafters is not msgspec.UNSET and not actor.has_role(Role.secretariat):
            raise NotADrafter("only the Secretariat chooses a Message's drafters")
        if state in FINAL:
            raise WrongStateForAction(
                "change the Message", current=state, allowed_in=set(MessageState) - FINAL
            )
        errors: list[FieldError] = []
        provenance = [msgspec.convert(p, ProvenanceEntry) for p in row.provenance]
        if data.provenance is not msgspec.UNSET:
            current = await self.repo.version(row.id, row.current_version_number)
            assert current is not None
            provenance, errors = await resolve_entries(
                self.conn,
                data.provenance,
                paragraph_ids={p.id for p in current.paragraphs},
                pointer="/provenance",
            )
        if data.drafters is not msgspec.UNSET:
            errors += await self._drafter_errors(data.drafters)
        if errors:
            raise InvalidContent("the change cannot be made as given", errors=errors)
        now = self.clock.now()
        row = await self.repo.update_metadata(
            row.id,
            theme=row.theme if data.theme is msgspec.UNSET else data.theme,
            sub_theme=row.sub_theme if data.sub_theme is msgspec.UNSET else data.sub_theme,
            classification=row.classification
            if data.classification is msgspec.UNSET
            else data.classification,
            provenance=msgspec.to_builtins(provenance),
            now=now,
        )
        if data.drafters is not msgspec.UNSET:
            await self.repo.replace_drafters(row.id, data.drafters)
        await self.repo.refresh_search(row.id)
        changed = sorted(k for k, v in changes.items() if v is not msgspec.UNSET)
        await self.repo.add_history(row.id, "updated", reason=", ".join(changed), actor=actor, at=now)
        await changelog.record(
            self.conn,
            "message.updated",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data=msgspec.to_builtins({k: changes[k] for k in changed}),
            # The classification rides along, so consumers' classification filters follow a reclassified Message.
            event_data={"id": row.id, "changed": changed, "classification": row.classification},
            public=row.public_since is not None,
        )
        return await self.view(row)

    async def drafted_by(self, *, actor: Principal, limit: int = 100) -> list[Message]:
        """The Messages ``actor`` is named to draft, most recently changed first."""
        if actor.user_id is None:
            return []
        return [await self.get(mid, actor=actor) for mid in await self.repo.drafted_by(actor.user_id, limit)]

    async def drafters(self, message_id: UUID, *, actor: Principal) -> list[UUID]:
        """The Message's named drafters (for its drafters and the Secretariat)."""
        row = await self.for_drafting(message_id, actor=actor, expected_version=None)
        return await self.repo.drafters(row.id)

    async def preview_paragraphs(
        self, message_id: UUID | None, body: str, *, actor: Principal
    ) -> list[Paragraph]:
        """The paragraphs ``body`` would be saved as, with the ids saving would give them (a new Message's
        from p1); nothing is written."""
        if message_id is None:
            return match_ids(split_body(body), [], IdAllocator(1))
        row = await self.visible(message_id, actor=actor)
        current = await self.repo.version(row.id, row.current_version_number)
        assert current is not None  # a Message always has its first version
        return match_ids(split_body(body), current.paragraphs, IdAllocator(row.next_paragraph_number))

    # -- versions, diff, history ----------------------------------------------------------------------

    async def version(self, message_id: UUID, number: int, *, actor: Principal) -> Version:
        row = await self.visible(message_id, actor=actor)
        found = await self.repo.version(row.id, number)
        if found is None:
            raise VersionNotFound(f"Message {message_id} has no version {number}")
        return version_out(found, row.source_language)

    async def versions(
        self, message_id: UUID, *, actor: Principal, language: str | None, cursor: str | None, limit: int
    ) -> VersionPage:
        row = await self.visible(message_id, actor=actor)
        keyset = Keyset(cursor, tuple[int], limit)
        found, next_cursor = keyset.cut(
            await self.repo.versions(row.id, language=language, after=keyset.first(0), limit=keyset.fetch),
            lambda row: (row.number,),
        )
        return VersionPage(
            items=[
                VersionSummary(
                    number=v.number,
                    language=v.language,
                    title=v.title,
                    content_sha256=v.content_sha256,
                    is_authoritative=v.language == row.source_language,
                    machine_translation=v.is_machine_translation,
                    translation_of=v.translation_of,
                    created_at=v.created_at,
                )
                for v in found
            ],
            next_cursor=next_cursor,
        )

    async def diff(
        self, message_id: UUID, from_number: int, to_number: int, *, actor: Principal
    ) -> diffing.VersionDiff:
        before = await self.version(message_id, from_number, actor=actor)
        after = await self.version(message_id, to_number, actor=actor)
        if before.language != after.language:
            raise InvalidContent(
                f"version {from_number} is in {before.language} and {to_number} in {after.language}: "
                "diff two versions of one language",
                errors=[FieldError("query:to", f"not a {before.language} version")],
            )
        old = [Paragraph(p.id, p.text) for p in before.paragraphs]
        new = [Paragraph(p.id, p.text) for p in after.paragraphs]
        changes, stats = diffing.paragraph_changes(old, new)
        return diffing.VersionDiff(
            message_id=message_id,
            language=after.language,
            from_version=from_number,
            to_version=to_number,
            from_content_sha256=before.content_sha256,
            to_content_sha256=after.content_sha256,
            title_before=before.title,
            title_after=after.title,
            stats=stats,
            paragraphs=changes,
            unified=diffing.unified(old, new, from_label=f"v{from_number}", to_label=f"v{to_number}"),
        )

    async def history(
        self, message_id: UUID, *, actor: Principal, latest: int | None = None
    ) -> list[HistoryEntry]:
        """Oldest first; only the ``latest`` entries when given (exports take them all)."""
        row = await self.visible(message_id, actor=actor)
        return await self.repo.history(row.id, latest=latest)
