"""Published IGF Messages loaded from the archive (every year since 2017), as history.

An archived Message is stored published on its real publication date, with its text in the source language
(version 1) and the published translations of that text, its source URL, and the import marks (who loaded
it, when, from which source) in the record, its history and the audit log. It never went through a comment
window or a MAG ballot here, so none is invented: it has no approval (``approved_at`` stays empty) and its
history says "imported". It is public, can be cited (kind ``message``) and can be superseded like any
published Message. All or nothing; ``dry_run`` checks and writes nothing.

JSON: ``{"messages": [{"year", "theme", "sub_theme", "language", "title", "body", "published_on", "source_url",
"classification", "translations": [{"language", "title", "body"}]}]}``. CSV: one row per Message with the
columns ``year, theme, sub_theme, language, title, body, published_on, source_url, wsis_action_lines, sdgs,
gdc_objectives`` (translations: JSON only).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog, imports, outbox
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Forbidden, Unprocessable, convert_all
from igf_hub.core.references import Reference
from igf_hub.core.schemas import Classification, HttpUrl, LanguageTag, Year
from igf_hub.core.settings import Settings
from igf_hub.messages.content import IdAllocator, Paragraph, content_sha256, join_body, split_body
from igf_hub.messages.repository import MessageRepository, MessageRow
from igf_hub.messages.schemas import Body, Theme, Title
from igf_hub.messages.states import MessageState

MESSAGE = "message"
SUBJECT = "message"
CSV_COLUMNS = (
    "year",
    "theme",
    "sub_theme",
    "language",
    "title",
    "body",
    "published_on",
    "source_url",
    "wsis_action_lines",
    "sdgs",
    "gdc_objectives",
)
CITABLE_STATES = frozenset({MessageState.published.value, MessageState.superseded.value})


class ArchiveRejected(Unprocessable):
    slug, title = (
        "message-archive-rejected",
        "The Messages were not loaded: fix the problems listed and send again",
    )


class ArchivedTranslation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    language: LanguageTag
    title: Title
    body: Body


class ArchivedMessage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: Year
    theme: Theme
    sub_theme: Theme | None = None
    language: LanguageTag = "en"  # the language of the authoritative text
    title: Title
    body: Body  # Markdown: paragraphs separated by blank lines
    published_on: date
    source_url: HttpUrl
    classification: Classification = msgspec.field(default_factory=Classification)
    translations: Annotated[list[ArchivedTranslation], msgspec.Meta(max_length=10)] = []


class ArchivedOutcome(msgspec.Struct, kw_only=True):
    index: int
    year: int
    theme: str
    id: msgspec.UnsetType | str = msgspec.UNSET  # set once loaded (not in a dry run)


class MessageArchiveReport(msgspec.Struct, kw_only=True, omit_defaults=True):
    dry_run: bool
    source: str
    messages: list[ArchivedOutcome]


async def resolve_message(conn: asyncpg.Connection, message_id: Any) -> Reference | None:
    """Published (and superseded) Messages are citable, the archive's included."""
    row = await MessageRepository(conn).get(message_id)
    if row is None or row.state not in CITABLE_STATES:
        return None
    return Reference(
        kind=MESSAGE,
        id=row.id,
        title=f"IGF {row.year} Messages: {row.theme}",
        href=f"/v1/messages/{row.id}",
        citable_id=f"IGF{row.year} Messages: {row.theme}",
    )


def parse_json(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    data = imports.decode_json(body, ArchiveRejected)
    items = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ArchiveRejected(
            'send {"messages": [...]}', errors=[FieldError("/messages", "a list of Messages")]
        )
    return [(f"/messages/{i}", item) for i, item in enumerate(items)]


def parse_csv(text: str) -> list[tuple[str, dict[str, Any]]]:
    table = imports.read_csv(text, ArchiveRejected)
    errors = [FieldError("/header", f"unknown column {h!r}") for h in table.header if h not in CSV_COLUMNS]
    errors += [
        FieldError("/header", f"missing column {c!r}")
        for c in ("year", "theme", "title", "body", "published_on", "source_url")
        if c not in table.header
    ]
    rows: list[tuple[str, dict[str, Any]]] = []
    for line, record in table.records():
        if record is None:
            errors.append(imports.ragged_row(line))
            continue
        fields: dict[str, Any] = {
            k: v for k, v in record.items() if v and k not in ("wsis_action_lines", "sdgs", "gdc_objectives")
        }
        if fields.get("year", "").isdigit():
            fields["year"] = int(fields["year"])
        codes = {
            k: [c for c in re.split(r"[;,\s]+", record.get(k, "")) if c]
            for k in ("wsis_action_lines", "sdgs", "gdc_objectives")
        }
        fields["classification"] = {
            k: [int(c) if c.isdigit() else c for c in v] if k != "wsis_action_lines" else v
            for k, v in codes.items()
        }
        rows.append((f"/rows/{line}", fields))
    if errors:
        raise ArchiveRejected("; ".join(e.detail for e in errors), errors=errors)
    if not rows:
        raise ArchiveRejected("the file has no rows", errors=[FieldError("/rows", "the file has no rows")])
    return rows


class MessageArchiveService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.settings = settings
        self.conn = conn
        self.clock = clock
        self.repo = MessageRepository(conn)

    async def load(
        self, items: list[tuple[str, dict[str, Any]]], *, actor: Principal, source: str, dry_run: bool
    ) -> MessageArchiveReport:
        if not actor.has_role(Role.secretariat):
            raise Forbidden("only the Secretariat loads the archive")
        checked = self._check(items)
        report = MessageArchiveReport(dry_run=dry_run, source=source, messages=[])
        for index, message in enumerate(checked):
            outcome = ArchivedOutcome(index=index, year=message.year, theme=message.theme)
            if not dry_run:
                outcome.id = str(await self._load(message, actor, source))
            report.messages.append(outcome)
        return report

    def _check(self, items: list[tuple[str, dict[str, Any]]]) -> list[ArchivedMessage]:
        errors: list[FieldError] = []
        checked: list[ArchivedMessage] = []
        today = self.clock.now().date()
        for where, fields in items:
            message, found = convert_all(fields, ArchivedMessage, prefix=where)
            if message is not None:
                paragraphs = len(split_body(message.body))
                if paragraphs == 0:
                    found.append(FieldError(f"{where}/body", "the body has no text"))
                if message.published_on > today:
                    found.append(
                        FieldError(f"{where}/published_on", "is in the future: the archive holds history")
                    )
                if message.published_on.year < message.year:
                    found.append(FieldError(f"{where}/published_on", f"is before the {message.year} IGF"))
                languages = [message.language, *(t.language for t in message.translations)]
                for i, translation in enumerate(message.translations):
                    at = f"{where}/translations/{i}"
                    if languages.count(translation.language) > 1:
                        found.append(FieldError(f"{at}/language", f"{translation.language} is given twice"))
                    if len(split_body(translation.body)) != paragraphs:
                        found.append(
                            FieldError(f"{at}/body", "a translation has as many paragraphs as the source")
                        )
            line = where.split("/")[2] if where.startswith("/rows/") else None
            errors += [_named(e, where, line) for e in found]
            if message is not None and not found:
                checked.append(message)
        if errors:
            raise ArchiveRejected(f"{len(errors)} problem(s); nothing was loaded", errors=errors)
        return checked

    async def _load(self, message: ArchivedMessage, actor: Principal, source: str) -> Any:
        now = self.clock.now()
        published_at = datetime(
            message.published_on.year, message.published_on.month, message.published_on.day, tzinfo=UTC
        )
        row = await self.repo.insert(
            year=message.year,
            theme=message.theme,
            sub_theme=message.sub_theme,
            language=message.language,
            classification=message.classification,
            provenance=[],
            supersedes=None,
            created_by=actor.subject,
            now=now,
        )
        # Public first: the texts' events are then as public as the Message they belong to.
        row = await self.repo.mark_archived(
            row.id,
            published_at=published_at,
            source_url=message.source_url,
            now=now,
            by=actor.subject,
            source=source,
        )
        ids = IdAllocator(1)
        paragraphs = [Paragraph(id=ids.new(), text=t) for t in split_body(message.body)]
        row = await self._version(row, message.language, message.title, paragraphs, None, ids, actor, now)
        for translation in message.translations:
            texts = split_body(translation.body)
            translated = [Paragraph(id=p.id, text=t) for p, t in zip(paragraphs, texts, strict=True)]
            row = await self._version(
                row, translation.language, translation.title, translated, 1, ids, actor, now
            )
        reason = (
            f"published on {message.published_on.isoformat()} ({message.source_url}); loaded from {source}"
        )
        await self.repo.add_history(
            row.id, "imported", to_state=row.state, reason=reason, actor=actor, at=now
        )
        data = {
            "id": row.id,
            "year": row.year,
            "theme": row.theme,
            "state": row.state,
            "published_at": published_at,
            "source_url": message.source_url,
            "source": source,
        }
        await changelog.record(
            self.conn,
            "message.imported",
            actor=actor.subject,
            subject_type=SUBJECT,
            subject_id=row.id,
            data=data,
            public=True,
        )
        return row.id

    async def _version(
        self,
        row: MessageRow,
        language: str,
        title: str,
        paragraphs: list[Paragraph],
        translation_of: int | None,
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
            machine=False,
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
            public=True,
        )
        return row


def _named(error: FieldError, where: str, line: str | None) -> FieldError:
    """For a CSV row: ``line 3: source_url: …``, the column named, not only the pointer."""
    if line is None:
        return error
    column = error.pointer.removeprefix(where).strip("/").split("/")[0]
    return FieldError(error.pointer, f"line {line}: {column + ': ' if column else ''}{error.detail}")
