"""The yearly report: a draft compiled from the record, narrative versions the Secretariat writes (English, and
translations of it), diffs between versions, and publication, which freezes the figures, signs the report and
tells consumers (``report.published``). The API, the pages and the CLI all call this service."""

from __future__ import annotations

import difflib

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import changelog, signing
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError, Forbidden, Unprocessable
from igf_hub.core.settings import Settings
from igf_hub.reports import compile, signed_record
from igf_hub.reports.errors import ReportNotFound, ReportPublished
from igf_hub.reports.repository import ReportRepository, ReportRow, VersionRow
from igf_hub.reports.schemas import (
    DEFAULT_NARRATIVE,
    SOURCE_LANGUAGE,
    ChangeKind,
    FiguresDocument,
    NarrativeSection,
    Report,
    ReportLinks,
    SectionChange,
    State,
    Version,
    VersionCreate,
    VersionDiff,
)
from igf_hub.reports.schemas import (
    ReportPublished as PublishedEvent,
)

EVENT = "report.published"


def links(year: int, base: str = "") -> ReportLinks:
    return ReportLinks(
        self=f"{base}/v1/reports/{year}",
        figures=f"{base}/v1/reports/{year}/figures.json",
        html=f"{base}/reports/{year}",
        pdf=f"{base}/reports/{year}/report.pdf",
    )


def _version(row: VersionRow) -> Version:
    return Version(
        number=row.number,
        language=row.language,
        sections=msgspec.convert(row.sections, list[NarrativeSection]),
        machine_translation=row.is_machine_translation,
        translation_of=row.translation_of,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def require_secretariat(actor: Principal) -> None:
    if not actor.has_role(Role.secretariat):
        raise Forbidden(
            "only the Secretariat drafts and publishes the yearly report",
            extra={"required_roles": ["secretariat"]},
        )


class ReportService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.repo = ReportRepository(conn)

    async def _row(self, year: int, actor: Principal, *, for_update: bool = False) -> ReportRow:
        row = await self.repo.get(year, for_update=for_update)
        # A draft is the Secretariat's: to anyone else it does not exist yet.
        if row is None or (row.state != State.published and not actor.has_role(Role.secretariat)):
            raise ReportNotFound(f"there is no published yearly report for {year}")
        return row

    async def figures(self, year: int) -> FiguresDocument:
        """The figures as the record gives them now (a draft's; anyone may compute them: they are public)."""
        return await compile.figures(self.conn, self.settings, year, now=self.clock.now())

    async def _view(self, row: ReportRow) -> Report:
        if row.state == State.published:
            assert row.published_version_number is not None
            figures = msgspec.convert(row.figures, FiguresDocument)
            up_to = row.published_version_number
            signature = await signing.signature_of(
                self.conn, self.settings.base_url, signed_record.KIND, row.id, up_to
            )
        else:
            figures = await self.figures(row.year)
            up_to, signature = row.current_version_number, None
        narrative = [_version(v) for v in await self.repo.newest_by_language(row.id, up_to=up_to)]
        return Report(
            id=row.id,
            year=row.year,
            state=State(row.state),
            current_version_number=row.current_version_number,
            published_version_number=row.published_version_number,
            published_at=row.published_at,
            narrative=narrative,
            figures=figures,
            links=links(row.year),
            signature=signature,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def get(self, year: int, actor: Principal) -> Report:
        return await self._view(await self._row(year, actor))

    async def reports(self, actor: Principal) -> list[ReportRow]:
        return await self.repo.years(published_only=not actor.has_role(Role.secretariat))

    async def draft(self, year: int, actor: Principal) -> tuple[Report, bool]:
        """The year's report, drafted now with an English narrative to fill in when it does not exist yet
        (True), or as it is (False)."""
        require_secretariat(actor)
        if not 2006 <= year <= 2100:
            raise Unprocessable(
                "the year must be between 2006 and 2100",
                errors=[FieldError("/year", "the year must be between 2006 and 2100")],
            )
        now = self.clock.now()
        row = await self.repo.insert(year, actor=actor.subject, now=now)
        if row is None:
            return await self._view(await self._row(year, actor)), False
        sections = [{"id": sid, "title": title, "markdown": ""} for sid, title in DEFAULT_NARRATIVE]
        await self.repo.add_version(
            row.id,
            language=SOURCE_LANGUAGE,
            sections=sections,
            machine=False,
            translation_of=None,
            actor=actor.subject,
            now=now,
        )
        await changelog.record(
            self.conn,
            "report.drafted",
            actor=actor.subject,
            subject_type="yearly_report",
            subject_id=row.id,
            data={"year": year},
            publish=False,  # a draft is the Secretariat's until it is published
        )
        return await self._view(await self._row(year, actor)), True

    async def versions(self, year: int, actor: Principal) -> list[Version]:
        row = await self._row(year, actor)
        up_to = row.published_version_number if row.state == State.published else row.current_version_number
        return [
            _version(v) for v in await self.repo.versions(row.id) if up_to is not None and v.number <= up_to
        ]

    async def version(self, year: int, number: int, actor: Principal) -> Version:
        row = await self._row(year, actor)
        found = await self.repo.version(row.id, number)
        if found is None:
            raise ReportNotFound(f"the {year} report has no version {number}")
        return _version(found)

    async def save_version(self, year: int, data: VersionCreate, actor: Principal) -> Version:
        """A new narrative version (versions never change). A translation keeps the English version's
        sections, by id and in order; only their titles and text are translated."""
        require_secretariat(actor)
        row = await self._row(year, actor, for_update=True)
        if row.state == State.published:
            raise ReportPublished(f"the {year} report is published: its narrative no longer changes")
        ids = [s.id for s in data.sections]
        if len(set(ids)) != len(ids):
            raise Unprocessable(
                "two sections have the same id",
                errors=[FieldError("/sections", "each section needs its own id")],
            )
        translation_of = None
        if data.language == SOURCE_LANGUAGE:
            if data.translation_of is not None or data.machine_translation:
                raise Unprocessable(
                    "the English text is the original, not a translation",
                    errors=[
                        FieldError("/translation_of", "English is the original: it translates no version")
                    ],
                )
        else:
            english = [v for v in await self.repo.versions(row.id) if v.language == SOURCE_LANGUAGE]
            number = data.translation_of or english[-1].number
            source = next((v for v in english if v.number == number), None)
            if source is None:
                raise Unprocessable(
                    f"version {number} is not an English version of the {year} report",
                    errors=[
                        FieldError(
                            "/translation_of", f"version {number} is not an English version of this report"
                        )
                    ],
                )
            expected = [s["id"] for s in source.sections]
            if ids != expected:
                raise Unprocessable(
                    "a translation has the English version's sections, in the same order",
                    errors=[
                        FieldError(
                            "/sections",
                            f"the sections of English version {number} are: {', '.join(expected)}",
                        )
                    ],
                )
            translation_of = number
        saved = await self.repo.add_version(
            row.id,
            language=data.language,
            sections=[msgspec.to_builtins(s) for s in data.sections],
            machine=data.machine_translation,
            translation_of=translation_of,
            actor=actor.subject,
            now=self.clock.now(),
        )
        await changelog.record(
            self.conn,
            "report.version_saved",
            actor=actor.subject,
            subject_type="yearly_report",
            subject_id=row.id,
            data={"year": year, "version": saved.number, "language": saved.language},
            publish=False,  # the narrative is the Secretariat's draft until publication
        )
        return _version(saved)

    async def diff(self, year: int, from_version: int, to_version: int, actor: Principal) -> VersionDiff:
        before, after = (
            await self.version(year, from_version, actor),
            await self.version(year, to_version, actor),
        )
        if before.language != after.language:
            raise Unprocessable(
                f"versions {from_version} ({before.language}) and {to_version} ({after.language}) are in different "
                "languages: compare two versions of one language",
                errors=[FieldError("/to_version", "choose a version in the same language")],
            )
        old = {s.id: s for s in before.sections}
        new = {s.id: s for s in after.sections}
        changes = []
        for sid in [*new, *(k for k in old if k not in new)]:
            a, b = old.get(sid), new.get(sid)
            if a is None or b is None:
                kind = ChangeKind.added if a is None else ChangeKind.removed
            else:
                kind = (
                    ChangeKind.unchanged
                    if (a.title, a.markdown) == (b.title, b.markdown)
                    else ChangeKind.changed
                )
            unified = "".join(
                difflib.unified_diff(
                    (a.markdown if a else "").splitlines(keepends=True),
                    (b.markdown if b else "").splitlines(keepends=True),
                    fromfile=f"v{from_version}/{sid}",
                    tofile=f"v{to_version}/{sid}",
                )
            )
            changes.append(
                SectionChange(
                    id=sid,
                    change=kind,
                    title_before=a.title if a else None,
                    title_after=b.title if b else None,
                    unified=unified,
                )
            )
        return VersionDiff(
            year=year,
            from_version=from_version,
            to_version=to_version,
            language=after.language,
            sections=changes,
        )

    async def publish(self, year: int, actor: Principal) -> Report:
        """Freeze the figures as the record gives them now with the current narrative, sign the report and
        publish ``report.published`` — all in this transaction, or nothing."""
        require_secretariat(actor)
        row = await self._row(year, actor, for_update=True)
        if row.state == State.published:
            raise ReportPublished(
                f"the {year} report was published on {row.published_at:%Y-%m-%d}; it does not change"
            )
        now = self.clock.now()
        figures = await compile.figures(self.conn, self.settings, year, now=now)
        number = row.current_version_number
        narrative = [_version(v) for v in await self.repo.newest_by_language(row.id, up_to=number)]
        base = self.settings.base_url
        published = await self.repo.publish(
            row.id, version_number=number, figures=figures, actor=actor.subject, now=now
        )
        record = signed_record.record_document(
            report_id=str(row.id),
            year=year,
            version_number=number,
            published_at=now,
            narrative=narrative,
            figures=figures,
            url=f"{base}/v1/reports/{year}",
        )
        signature = await signed_record.sign(
            self.conn,
            self.settings,
            report_id=row.id,
            version=number,
            record=record,
            now=now,
            actor=actor.subject,
        )
        urls = links(year, base)
        await changelog.record(
            self.conn,
            EVENT,
            actor=actor.subject,
            subject_type="yearly_report",
            subject_id=row.id,
            data={"year": year, "version": number, "kid": signature.kid},
            event_data=PublishedEvent(
                id=row.id,
                year=year,
                version_number=number,
                published_at=now,
                languages=[v.language for v in narrative],
                figures=urls.figures,
                html=urls.html,
                pdf=urls.pdf,
                signature=signature,
            ),
        )
        return await self._view(published)
