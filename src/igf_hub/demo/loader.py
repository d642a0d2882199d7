"""Load the demonstration data set through the domain services, in one transaction: all of it or nothing.

Every record goes through the path a person or an import would use: the NRI CSV import, the tracks import,
the MAG and funding archives, the exchange-rate upload, the Messages archive (the published Messages), and the
live workflows for the rest (outputs and their comment windows, calls for input, the current MAG cycle and its
appointments, Messages from draft to published with comments, dispositions and a MAG ballot). So the demo can
hold nothing the API would refuse, and every change is audited and emitted like any other.

**Marked as demonstration data.** Imports and archive loads name ``SOURCE`` as their source; the Secretariat's
steps are taken by ``ACTOR`` (its audit rows say ``demo:…``); and every audit row written by the load carries
the request id ``REQUEST_ID``, including those of the invented people who comment and take ballot positions.

**Now is the injected clock.** Dates in the files are written relative to it (``{{Y-1}}`` is last year,
``{{D-30}}`` thirty days ago) and each workflow step happens at a day relative to it (``"at": -7``): a step
runs with a clock moved back that far, so history has its real order and a window opened 7 days ago for 21
days is open now, with its deadline 14 days ahead.

**Only into an empty database.** The data set names fixed slugs, years and e-mail addresses, so a second load
could only collide; the loader refuses (``DemoRefused``) when NRIs, tracks, MAG cycles, donors or Messages
exist, and in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import msgspec
import structlog

from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
from igf_hub.auth.schemas import UserCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import wiring
from igf_hub.core.clock import Clock
from igf_hub.core.errors import DomainError
from igf_hub.core.schemas import dec_hook
from igf_hub.core.settings import Environment, Settings
from igf_hub.funding.archive_service import FundingArchive, FundingArchiveService
from igf_hub.funding.grant_service import GrantService
from igf_hub.funding.rate_service import RateService
from igf_hub.funding.schemas import GrantTransition, NriGrantCreate
from igf_hub.funding.service import FundingService
from igf_hub.mag.appointment_service import AppointmentService
from igf_hub.mag.archive_service import MagArchiveService
from igf_hub.mag.archive_service import parse_json as parse_mag_archive
from igf_hub.mag.enums import CycleStatus
from igf_hub.mag.schemas import AppointmentCreate, CycleCreate, PersonCreate
from igf_hub.mag.service import CycleService, PersonService
from igf_hub.messages.archive_service import MessageArchiveService
from igf_hub.messages.archive_service import parse_json as parse_message_archive
from igf_hub.messages.ballot_schemas import PositionTake
from igf_hub.messages.ballot_service import BallotService
from igf_hub.messages.comment_schemas import CommentCreate, DispositionSet
from igf_hub.messages.comment_service import CommentService
from igf_hub.messages.lifecycle_service import MessageLifecycle
from igf_hub.messages.report_schemas import SessionReportCreate
from igf_hub.messages.report_service import SessionReportService
from igf_hub.messages.repository import MessageFilters
from igf_hub.messages.schemas import (
    Approve,
    CloseCommentPeriod,
    MessageCreate,
    OpenPublicComment,
    Publish,
    SubmitForReview,
    Transition,
    VersionCreate,
    Withdraw,
)
from igf_hub.messages.service import MessageService
from igf_hub.nri.csv_io import NriImporter
from igf_hub.nri.directory_service import NriDirectory
from igf_hub.nri.report_schemas import NriReportCreate
from igf_hub.nri.report_service import ReportService
from igf_hub.nri.schemas import NriCreate, NriFilters, NriPatch, NriSubmit
from igf_hub.nri.service import NriService
from igf_hub.tracks.call_schemas import CallCreate, SubmissionCreate
from igf_hub.tracks.call_service import CallService
from igf_hub.tracks.imports import parse_csv as parse_tracks
from igf_hub.tracks.output_schemas import CommentCreate as OutputCommentCreate
from igf_hub.tracks.output_schemas import CommentWindowOpen, OutputCreate
from igf_hub.tracks.output_service import OutputService
from igf_hub.tracks.people_service import PeopleService
from igf_hub.tracks.repository import TrackFilters
from igf_hub.tracks.schemas import ParticipationCreate
from igf_hub.tracks.service import TrackService
from igf_hub.worker import WIRING

DATA = Path(__file__).parent / "data"
SOURCE = "IGF Hub demonstration data (invented)"
REQUEST_ID = "demo-load"
ACTOR = Principal(
    kind=PrincipalKind.client, subject="demo:igf-hub demo load", grants=(Grant(role=Role.secretariat),)
)

T = TypeVar("T")
_TOKEN = re.compile(r"\{\{\s*([YD])\s*(?:([+-])\s*(\d+))?\s*\}\}")


class DemoRefused(Exception):
    """The demo was not loaded; ``str(exc)`` says why, as a plain sentence."""


class DemoRejected(Exception):
    """A service refused part of the data set (a fault in the files or in the loader, never in the database);
    ``str(exc)`` names the file or step and every problem the service listed. Nothing was written."""


class DemoReport(msgspec.Struct, kw_only=True):
    nris: int = 0
    nri_reports: int = 0
    nri_registrations: int = 0
    tracks: int = 0
    outputs: int = 0
    calls: int = 0
    participants: int = 0
    mag_cycles: int = 0
    mag_members: int = 0
    donors: int = 0
    contributions: int = 0
    nri_grants: int = 0
    exchange_rates: int = 0
    messages: dict[str, int] = {}
    people: int = 0

    def summary(self) -> str:
        states = ", ".join(f"{count} {state}" for state, count in sorted(self.messages.items()))
        return (
            f"{self.nris} NRIs with {self.nri_reports} activity reports and {self.nri_registrations} more on "
            f"their way to recognition, {self.tracks} tracks with "
            f"{self.outputs} outputs, {self.calls} calls for input and {self.participants} participants, "
            f"{self.mag_cycles} MAG cycles with {self.mag_members} appointments, {self.donors} donors "
            f"with {self.contributions} contributions and {self.exchange_rates} exchange rates, "
            f"{self.nri_grants} NRI grants, "
            f"{sum(self.messages.values())} Messages ({states}), {self.people} invented people"
        )


# -- the files ---------------------------------------------------------------------------------------------


def _value(kind: str, sign: str | None, number: str | None, today: date) -> tuple[int, str]:
    delta = int(number or 0) * (-1 if sign == "-" else 1)
    if kind == "Y":
        return today.year + delta, str(today.year + delta)
    return 0, (today + timedelta(days=delta)).isoformat()


def fill_text(text: str, today: date) -> str:
    """``{{Y-1}}`` → last year, ``{{D+14}}`` → the date in 14 days (ISO), everywhere in ``text``."""
    return _TOKEN.sub(lambda m: _value(m[1], m[2], m[3], today)[1], text)


def fill(value: Any, today: date) -> Any:
    """``fill_text`` through a JSON document; a string that is only a year token becomes that year (a number),
    and keys starting with ``_`` (notes for the reader) are dropped."""
    if isinstance(value, dict):
        return {k: fill(v, today) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [fill(v, today) for v in value]
    if isinstance(value, str):
        whole = _TOKEN.fullmatch(value.strip())
        if whole and whole[1] == "Y":
            return _value(whole[1], whole[2], whole[3], today)[0]
        return fill_text(value, today)
    return value


def read_text(name: str, today: date) -> str:
    return fill_text((DATA / name).read_text(encoding="utf-8"), today)


def read_json(name: str, today: date) -> Any:
    return fill(msgspec.json.decode((DATA / name).read_bytes()), today)


def _as_struct(data: Any, kind: type[T]) -> T:
    """A body as the API would decode it (dates, money and rates read strictly, as core/schemas.py does)."""
    return msgspec.convert(data, kind, dec_hook=dec_hook)


# -- loading -----------------------------------------------------------------------------------------------


class Timeline:
    """Clocks at days relative to the injected one: ``at(-7)`` is a week before its now."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def at(self, days: float) -> Clock:
        return Clock(self.clock.offset + timedelta(days=days))


@contextmanager
def _marked() -> Iterator[None]:
    """Every audit row written meanwhile carries the demo's request id (core/audit.py reads it from the
    logging context, as it reads a request's)."""
    with structlog.contextvars.bound_contextvars(request_id=REQUEST_ID):
        yield


async def existing_data(conn: asyncpg.Connection, clock: Clock, settings: Settings) -> list[str]:
    """What the database already holds, as the domains list it (empty: the demo may load)."""
    found = []
    if (
        await NriDirectory(conn, clock, settings).page(NriFilters(), cursor=None, limit=1, actor=ACTOR)
    ).items:
        found.append("NRIs")
    if (await TrackService(conn, clock, settings).list_tracks(TrackFilters(), cursor=None, limit=1)).items:
        found.append("tracks")
    if (await CycleService(conn, clock, settings).list_page(status=None, cursor=None, limit=1)).items:
        found.append("MAG cycles")
    funding = FundingService(conn, clock, settings)
    if (await funding.list_donors(actor=ACTOR, cursor=None, limit=1)).items:
        found.append("donors")
    messages = MessageService(conn, clock, settings)
    if (await messages.page(MessageFilters(), actor=ACTOR, cursor=None, limit=1)).items:
        found.append("Messages")
    return found


async def load(conn: asyncpg.Connection, clock: Clock, settings: Settings) -> DemoReport:
    """Load the whole data set in one transaction, or raise ``DemoRefused`` (or the domain error that stopped
    it) having written nothing."""
    if settings.environment is Environment.production:
        raise DemoRefused("the demonstration data is invented: it is never loaded in production")
    # Every domain's subscribers, as in the worker: the MAG roster of Messages ballots, funding's NRI directory
    # and the webhook deliveries are written inside the publishing transactions.
    wiring.install(WIRING)
    with _marked():
        async with conn.transaction():
            if found := await existing_data(conn, clock, settings):
                raise DemoRefused(
                    f"the database already holds {', '.join(found)}: the demonstration data loads only into "
                    "an empty one (start with a fresh data dir, e.g. IGF_HUB_DATA_DIR=.igf_hub-demo)"
                )
            demo = _Loader(conn, clock, settings)
            try:
                return await demo.run()
            except DomainError as exc:
                problems = "".join(f"\n  {e.pointer or '(the file)'}: {e.detail}" for e in exc.errors)
                raise DemoRejected(f"{demo.stage} was refused: {exc.detail}{problems}") from exc


class _Loader:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn, self.clock, self.settings = conn, clock, settings
        self.timeline = Timeline(clock)
        self.today = clock.now().date()
        self.report = DemoReport()
        self.users: dict[str, UUID] = {}  # e-mail → user id of the invented people
        self.archived: dict[str, UUID] = {}  # title → id of the Messages loaded from the archive
        # What Messages cite: outputs by title, NRI reports by (NRI name, year), session reports by session_ref.
        self.outputs: dict[str, UUID] = {}
        self.calls: dict[str, UUID] = {}  # title → id, for the people who answer them
        self.nri_reports: dict[tuple[str, int], UUID] = {}
        self.sessions: dict[str, UUID] = {}
        self.stage = "the data set"  # what is being loaded, for the error

    async def run(self) -> DemoReport:
        await self.funding()
        await self.nris()
        await self.tracks()
        await self.mag()
        await self.messages()
        await self.track_people()  # once every invented person exists
        return self.report

    # -- funding -----------------------------------------------------------------------------------------

    async def funding(self) -> None:
        self.stage = "exchange_rates.csv"
        rates = RateService(self.conn, self.clock, self.settings)
        uploaded = await rates.upload_rates_csv(
            read_text("exchange_rates.csv", self.today).encode(), actor=ACTOR
        )
        self.report.exchange_rates = uploaded.rows
        self.stage = "funding_archive.json"
        archive = _as_struct(read_json("funding_archive.json", self.today), FundingArchive)
        loaded = await FundingArchiveService(self.conn, self.clock, self.settings).load(
            archive, actor=ACTOR, source=SOURCE, dry_run=False
        )
        self.report.donors = loaded.donors_created
        self.report.contributions = len(loaded.contributions)

    # -- NRIs and tracks ---------------------------------------------------------------------------------

    async def nris(self) -> None:
        self.stage = "nris.csv"
        service = NriService(self.conn, self.clock, self.settings)
        imported = await NriImporter(service).run(
            read_text("nris.csv", self.today), actor=ACTOR, source=SOURCE, dry_run=False
        )
        self.report.nris = imported.created
        ids = {row.name: row.id for row in imported.rows if row.id is not None}
        reports = ReportService(self.conn, self.clock, self.settings)
        for item in read_json("nri_details.json", self.today)["nris"]:
            self.stage = f"nri_details.json: {item['name']}"
            nri_id = ids[item["name"]]
            current = await service.get(nri_id, actor=ACTOR)
            committee = _as_struct({"committee": item["committee"]}, NriPatch)
            await service.patch(nri_id, committee, expected_version=current.version, actor=ACTOR)
            for content in item["reports"]:
                report = await reports.create(nri_id, _as_struct(content, NriReportCreate), actor=ACTOR)
                await reports.submit(nri_id, report.year, expected_version=report.version, actor=ACTOR)
                self.nri_reports[item["name"], report.year] = report.id
                self.report.nri_reports += 1
        grants = read_json("nri_grants.json", self.today)["grants"]
        for i, item in enumerate(grants):
            self.stage = f"nri_grants.json: grant {i} ({item['nri']})"
            await self._grant(ids[item["nri"]], item)
        for item in read_json("nri_details.json", self.today)["registrations"]:
            self.stage = f"nri_details.json: registration of {item['nri']['name']}"
            await self._registration(item)

    async def _grant(self, nri_id: UUID, item: dict[str, Any]) -> None:
        """A grant to an NRI, applied for and moved through its decisions (funding's own services)."""
        application = _as_struct({**item["grant"], "nri_id": str(nri_id)}, NriGrantCreate)
        grant = await GrantService(self.conn, self.timeline.at(item["at"]), self.settings).apply(
            application, actor=ACTOR
        )
        for step in item["steps"]:
            change = _as_struct({k: v for k, v in step.items() if k != "at"}, GrantTransition)
            grant = await GrantService(self.conn, self.timeline.at(step["at"]), self.settings).transition(
                grant.id, change, expected_version=grant.version, actor=ACTOR
            )
        self.report.nri_grants += 1

    async def _registration(self, item: dict[str, Any]) -> None:
        """An NRI on its way to recognition, as its coordinator and the Secretariat moved it."""
        registered = self.timeline.at(item["registered"])
        person = item["coordinator"]
        await self._person(person["email"], person["display_name"], registered)
        coordinator = await self._as(person["email"], registered)
        nri = await NriService(self.conn, registered, self.settings).register(
            _as_struct(item["nri"], NriCreate), actor=coordinator
        )
        self.report.nri_registrations += 1
        if item["until"] == "draft":
            return
        submitted = self.timeline.at(item["submitted"])
        coordinator = await self._as(person["email"], submitted)  # now bound to the NRI it registered
        principles = _as_struct({"affirmed_principles": item["principles"]}, NriSubmit)
        nri = await NriService(self.conn, submitted, self.settings).submit(
            nri.id, principles, expected_version=nri.version, actor=coordinator
        )
        if item["until"] == "under_review":
            await NriService(self.conn, self.timeline.at(item["review_started"]), self.settings).start_review(
                nri.id, expected_version=nri.version, actor=ACTOR
            )

    async def tracks(self) -> None:
        self.stage = "tracks.csv"
        rows = parse_tracks(read_text("tracks.csv", self.today))
        imported = await TrackService(self.conn, self.clock, self.settings).import_tracks(
            rows, actor=ACTOR, source=SOURCE, dry_run=False
        )
        self.report.tracks = imported.created
        work = read_json("track_work.json", self.today)
        for i, item in enumerate(work["outputs"]):
            self.stage = f"track_work.json: output {i} ({item['track']})"
            await self._output(item)
        for i, item in enumerate(work["calls"]):
            self.stage = f"track_work.json: call {i} ({item['track']})"
            at = self.timeline.at(item["created"])
            call = {
                **item["call"],
                "opens_at": self.timeline.at(item["opens"]).now(),
                "closes_at": self.timeline.at(item["closes"]).now(),
            }
            made = await CallService(self.conn, at, self.settings).create(
                item["track"], _as_struct(call, CallCreate), actor=ACTOR
            )
            self.calls[made.title] = made.id
            self.report.calls += 1

    async def _output(self, item: dict[str, Any]) -> None:
        data = _as_struct(item["output"], OutputCreate)
        output = await OutputService(self.conn, self.timeline.at(item["created"]), self.settings).create(
            item["track"], data, actor=ACTOR
        )
        if "comment_closes" in item:
            window = CommentWindowOpen(closes_at=self.timeline.at(item["comment_closes"]).now())
            await OutputService(
                self.conn, self.timeline.at(item["created"]), self.settings
            ).open_comment_window(output.id, window, expected_version=None, actor=ACTOR)
        if "published" in item:
            await OutputService(self.conn, self.timeline.at(item["published"]), self.settings).publish(
                output.id, expected_version=None, actor=ACTOR
            )
        self.outputs[data.title] = output.id
        self.report.outputs += 1

    async def track_people(self) -> None:
        """What people do in tracks themselves: join, comment on drafts, answer calls for input."""
        work = read_json("track_work.json", self.today)
        for i, item in enumerate(work["participants"]):
            self.stage = f"track_work.json: participant {i} ({item['track']})"
            person = await self._as(item["email"], self.clock)
            declared = _as_struct({k: item[k] for k in ("stakeholder_group", "country")}, ParticipationCreate)
            await PeopleService(self.conn, self.clock, self.settings).join(
                item["track"], declared, actor=person
            )
            self.report.participants += 1
        for i, item in enumerate(work["output_comments"]):
            self.stage = f"track_work.json: output comment {i}"
            at = self.timeline.at(item["at"])
            comment = _as_struct({k: item[k] for k in ("text", "stakeholder_group")}, OutputCommentCreate)
            await OutputService(self.conn, at, self.settings).comment(
                self.outputs[item["output"]], comment, actor=await self._as(item["by"], at)
            )
        for i, item in enumerate(work["submissions"]):
            self.stage = f"track_work.json: call submission {i}"
            at = self.timeline.at(item["at"])
            answer = _as_struct(
                {k: v for k, v in item.items() if k not in ("call", "by", "at")}, SubmissionCreate
            )
            await CallService(self.conn, at, self.settings).submit(
                self.calls[item["call"]], answer, actor=await self._as(item["by"], at)
            )

    # -- the MAG -----------------------------------------------------------------------------------------

    async def mag(self) -> None:
        self.stage = "mag_archive.json"
        archive = await MagArchiveService(self.conn, self.clock, self.settings).load(
            parse_mag_archive(msgspec.json.encode(read_json("mag_archive.json", self.today))),
            actor=ACTOR,
            source=SOURCE,
            dry_run=False,
        )
        self.report.mag_cycles = len(archive.cycles)
        self.report.mag_members = sum(c.members for c in archive.cycles)
        self.stage = "mag_current.json"
        current = read_json("mag_current.json", self.today)
        created = self.timeline.at(current["created"])
        cycle = await CycleService(self.conn, created, self.settings).create(
            _as_struct(current["cycle"], CycleCreate), actor=ACTOR
        )
        self.report.mag_cycles += 1
        appointed = self.timeline.at(current["appointed"])
        for member in current["members"]:
            user_id = await self._person(member["email"], member["name"], created)
            person = await PersonService(self.conn, created, self.settings).create(
                PersonCreate(
                    name=member["name"],
                    affiliation=member["affiliation"],
                    country=member["country"],
                    user_id=user_id,
                ),
                actor=ACTOR,
            )
            seat = {k: member[k] for k in ("stakeholder_group", "country", "gender", "role") if k in member}
            await AppointmentService(self.conn, appointed, self.settings).appoint(
                cycle.year,
                _as_struct({**seat, "person_id": str(person.id)}, AppointmentCreate),
                actor=ACTOR,
            )
            self.report.mag_members += 1
        for status in (CycleStatus.call_open, CycleStatus.appointed):
            await CycleService(self.conn, appointed, self.settings).transition(
                cycle.year, status, expected_version=None, actor=ACTOR
            )

    async def _person(self, email: str, name: str, at: Clock) -> UUID:
        """An invented person's account, without a password (demo people do not sign in)."""
        user = await IdentityService(self.conn, at, self.settings).create_user(
            UserCreate(email=email, display_name=name), actor=ACTOR
        )
        self.users[email] = user.id
        self.report.people += 1
        return user.id

    async def _as(self, email: str, at: Clock) -> Principal:
        principal = await IdentityService(self.conn, at, self.settings).user_principal(self.users[email])
        if principal is None:
            raise DemoRefused(f"the demo person {email} has no account")
        return principal

    # -- Messages ----------------------------------------------------------------------------------------

    async def messages(self) -> None:
        self.stage = "messages_archive.json"
        document = read_json("messages_archive.json", self.today)
        archive = await MessageArchiveService(self.conn, self.clock, self.settings).load(
            parse_message_archive(msgspec.json.encode(document)), actor=ACTOR, source=SOURCE, dry_run=False
        )
        for outcome in archive.messages:
            assert isinstance(outcome.id, str)  # set: not a dry run
            self.archived[document["messages"][outcome.index]["title"]] = UUID(outcome.id)
        live = read_json("messages_live.json", self.today)
        self.stage = "messages_live.json: session reports"
        for content in live["session_reports"]:
            session = await SessionReportService(self.conn, self.clock, self.settings).submit(
                _as_struct(content, SessionReportCreate), actor=ACTOR
            )
            self.sessions[content["session_ref"]] = session.id
        for person in live["commenters"]:
            await self._person(person["email"], person["display_name"], self.timeline.at(-365))
        for i, item in enumerate(live["messages"]):
            self.stage = f"messages_live.json: Message {i} ({item['message']['title']!r})"
            await self._message(item)
        # The states as the Messages domain reports them once everything is loaded (a published Message that
        # a newer one superseded is counted as superseded).
        service = MessageService(self.conn, self.clock, self.settings)
        cursor: str | None = None
        while True:
            page = await service.page(MessageFilters(), actor=ACTOR, cursor=cursor, limit=100)
            for summary in page.items:
                self.report.messages[summary.state] = self.report.messages.get(summary.state, 0) + 1
            if page.next_cursor is None:
                break
            cursor = page.next_cursor

    async def _message(self, item: dict[str, Any]) -> None:
        at = self.timeline.at(item["created"])
        fields = dict(item["message"])
        if "supersedes_archived" in item:
            fields["supersedes"] = str(self.archived[item["supersedes_archived"]])
        fields["provenance"] = [self._source(entry) for entry in item.get("provenance", [])]
        message = await MessageService(self.conn, at, self.settings).create(
            _as_struct(fields, MessageCreate), actor=ACTOR
        )
        for translation in item.get("translations", []):
            await MessageLifecycle(self.conn, at, self.settings).save_version(
                message.id, _as_struct(translation, VersionCreate), actor=ACTOR, expected_version=None
            )
        comments: list[UUID] = []
        for n, step in enumerate(item["steps"]):
            self.stage = f"{self.stage.split(' step ')[0]} step {n} ({step['do']})"
            await self._step(message.id, step, self.timeline.at(step["at"]), comments)

    def _source(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A provenance entry of the file (a source named by title, NRI and year, or session_ref) as the API
        takes it (kind and id)."""
        cited: dict[str, Any] = {k: entry[k] for k in ("paragraph_ids", "note") if k in entry}
        if "output" in entry:
            return {"kind": "track_output", "id": str(self.outputs[entry["output"]]), **cited}
        if "nri_report" in entry:
            report = self.nri_reports[entry["nri_report"]["nri"], entry["nri_report"]["year"]]
            return {"kind": "nri_report", "id": str(report), **cited}
        return {"kind": "session_report", "id": str(self.sessions[entry["session_report"]]), **cited}

    async def _step(self, message_id: UUID, step: dict[str, Any], at: Clock, comments: list[UUID]) -> None:
        lifecycle = MessageLifecycle(self.conn, at, self.settings)
        transition: Transition | None = None
        match step["do"]:
            case "open_comment":
                transition = OpenPublicComment(days=step["days"])
            case "close_comment":
                transition = CloseCommentPeriod()
            case "submit_for_review":
                transition = SubmitForReview(ballot_days=step["ballot_days"])
            case "approve":
                transition = Approve()
            case "publish":
                transition = Publish()
            case "withdraw":
                transition = Withdraw(reason=step["reason"])
            case "comment":
                comment = {k: step[k] for k in ("body", "language", "stakeholder_group", "country")}
                if "paragraph" in step:
                    comment["paragraph_id"] = step["paragraph"]
                author = await self._as(step["by"], at)
                posted = await CommentService(self.conn, at, self.settings).post(
                    message_id, _as_struct(comment, CommentCreate), actor=author
                )
                comments.append(posted.id)
            case "revise":
                text = VersionCreate(title=step["title"], body=step["body"])
                await lifecycle.save_version(message_id, text, actor=ACTOR, expected_version=None)
            case "dispose":
                disposition: dict[str, Any] = {"outcome": step["outcome"], "rationale": step["rationale"]}
                if step.get("version") == "current":
                    current = await MessageService(self.conn, at, self.settings).get(message_id, actor=ACTOR)
                    disposition["version_number"] = current.current_version_number
                await CommentService(self.conn, at, self.settings).dispose(
                    message_id,
                    comments[step["comment"]],
                    _as_struct(disposition, DispositionSet),
                    actor=ACTOR,
                    expected_version=None,
                )
            case "positions":
                await self._positions(message_id, step["positions"], at)
            case other:
                raise DemoRefused(f"the demo data names a step {other!r} the loader does not know")
        if transition is not None:
            await lifecycle.transition(message_id, transition, actor=ACTOR, expected_version=None)

    async def _positions(self, message_id: UUID, positions: Any, at: Clock) -> None:
        """Ballot positions by MAG members (by e-mail), or ``"all yes"``: every member of the current cycle."""
        if positions == "all yes":
            current = read_json("mag_current.json", self.today)
            positions = [{"member": m["email"], "position": "yes"} for m in current["members"]]
        for entry in positions:
            member = await self._as(entry["member"], at)
            take = {k: v for k, v in entry.items() if k != "member"}
            await BallotService(self.conn, at, self.settings).take(
                message_id, _as_struct(take, PositionTake), actor=member
            )
