"""The intersessional work's web pages (the tracks by kind, a page per track), and the calls for input open now
on the home page.

Pages are thin like controllers: they call the track services on the request's connection with the reader as
the viewer (the API's visibility: a draft output shows only to the track's facilitators and the Secretariat,
until its comment window opens), and render ``templates/tracks/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from litestar import Request, Response, get

from igf_hub.auth.principal import ANONYMOUS, Principal
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.people import follows
from igf_hub.tracks.call_schemas import Call, CallState
from igf_hub.tracks.call_service import CallService
from igf_hub.tracks.output_repository import OutputFilters
from igf_hub.tracks.output_schemas import OutputKind, OutputStatus
from igf_hub.tracks.output_service import OutputService
from igf_hub.tracks.repository import TrackFilters
from igf_hub.tracks.schemas import StandingRule, TrackDetail, TrackStatus, TrackSummary, TrackType
from igf_hub.tracks.service import TrackService
from igf_hub.web import i18n
from igf_hub.web.atom import AtomEntry, AtomFeed, atom_response, entry_id, feed_id, feed_urls
from igf_hub.web.calendar import CalendarContext, Deadline, DeadlineList
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import datetime_text
from igf_hub.web.home import HomeSection, SectionContext
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.navigation import NavItem
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import STAKEHOLDER_GROUP_NAMES

# The kinds of track, in the order the list shows them, each with a sentence for the reader.
TYPE_NAMES = {
    TrackType.bpf: N_("Best Practice Forums"),
    TrackType.dynamic_coalition: N_("Dynamic Coalitions"),
    TrackType.policy_network: N_("Policy Networks"),
    TrackType.other: N_("Other intersessional work"),
}
TYPE_NAME = {
    TrackType.bpf: N_("Best Practice Forum"),
    TrackType.dynamic_coalition: N_("Dynamic Coalition"),
    TrackType.policy_network: N_("Policy Network"),
    TrackType.other: N_("Other intersessional work"),
}
TYPE_ABOUT = {
    TrackType.bpf: N_("Led by the MAG for a year or more, they collect practices that work on one question."),
    TrackType.dynamic_coalition: N_(
        "Open groups that anyone may propose and join; they keep their standing by the Dynamic Coalition rules."
    ),
    TrackType.policy_network: N_("Led by the MAG, they bring policy options on one question to the IGF."),
    TrackType.other: N_("Youth, parliamentary and other tracks of the IGF's year."),
}
STATUS_NAMES = {
    TrackStatus.proposed: N_("Proposed"),
    TrackStatus.active: N_("Active"),
    TrackStatus.inactive: N_("Inactive"),
    TrackStatus.concluded: N_("Concluded"),
}
OUTPUT_KIND_NAMES = {
    OutputKind.report: N_("Report"),
    OutputKind.recommendations: N_("Recommendations"),
    OutputKind.toolkit: N_("Toolkit"),
    OutputKind.statement: N_("Statement"),
    OutputKind.other: N_("Other output"),
}
OUTPUT_STATUS_NAMES = {
    OutputStatus.draft: N_("Draft open for comment"),
    OutputStatus.published: N_("Published"),
    OutputStatus.superseded: N_("Superseded by a later version"),
}
CALL_STATE_NAMES = {
    CallState.scheduled: N_("Opens soon"),
    CallState.open: N_("Open"),
    CallState.closed: N_("Closed"),
}
RULE_NAMES = {
    StandingRule.open_membership: N_("Membership open to anyone"),
    StandingRule.public_mailing_list: N_("A public mailing list"),
    StandingRule.open_archive: N_("An open mailing list archive"),
    StandingRule.stakeholder_diversity: N_("Participants from at least three stakeholder groups"),
    StandingRule.annual_output: N_("A report or output published each year"),
}
# Who acts in each step of a track's public history, in role terms (the API publishes no person): the
# Secretariat sets up, imports and changes the status of tracks (TrackService.transition; the yearly scan marks
# a DC inactive in the Secretariat's name); anyone signed in may propose a Dynamic Coalition; the track's
# facilitators publish its outputs.
SECRETARIAT = N_("The IGF Secretariat")
PROPOSERS = N_("The people who proposed it")
FACILITATORS = N_("The track's facilitators")
SECRETARIAT_OR_CHECK = N_("The IGF Secretariat or IGF Hub's yearly check of the rules")
STATUS_STEPS = {
    TrackStatus.active: N_("Became active"),
    TrackStatus.inactive: N_("Marked inactive"),
    TrackStatus.concluded: N_("Concluded"),
}
HISTORY_STEPS: dict[str, tuple[str, str]] = {
    "imported": (N_("Added from the IGF's records of intersessional work"), SECRETARIAT),
    "output_published": (N_("An output was published"), FACILITATORS),
    "output_superseded": (N_("An output was superseded by a later version"), FACILITATORS),
}
PAGE_SIZE = 100  # the API's largest page: the list walks every page (a few dozen tracks a year)
HOME_CALLS = 10


def actor_of(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.scope.get("user") or ANONYMOUS
    return principal


def history_rows(detail: TrackDetail) -> list[dict[str, Any]]:
    """Each step of the track's public history as the public reads it (components/history.html)."""
    rows = []
    for entry in detail.history:
        reason = None
        if entry.action == "proposed":
            # A DC is proposed by its community; other tracks are set up by the Secretariat.
            who = PROPOSERS if detail.type is TrackType.dynamic_coalition else SECRETARIAT
            what = N_("Proposed") if detail.type is TrackType.dynamic_coalition else N_("Set up")
        elif entry.action == "status_changed" and entry.to_status:
            to = TrackStatus(entry.to_status)
            what, who = STATUS_STEPS.get(to, STATUS_NAMES[to]), SECRETARIAT
            if to is TrackStatus.inactive:  # the Secretariat, or the yearly check of the DC rules
                who = SECRETARIAT_OR_CHECK
            if entry.from_status == TrackStatus.inactive.value and to is TrackStatus.active:
                what = N_("Active again")
            reason = entry.reason  # the Secretariat's published words (the API shows them too)
        else:
            what, who = HISTORY_STEPS.get(entry.action, (N_("Other change"), SECRETARIAT))
        rows.append(
            {
                "at": entry.occurred_at,
                "who": who,
                "what": what,
                "year": None,
                "fields": [],
                "reason": reason,
                "changes": [],
            }
        )
    return rows


async def all_tracks(tracks: TrackService) -> list[TrackSummary]:
    items: list[TrackSummary] = []
    cursor: str | None = None
    while True:
        page = await tracks.list_tracks(TrackFilters(), cursor=cursor, limit=PAGE_SIZE)
        items += page.items
        if not (cursor := page.next_cursor):
            return items


class TrackPages(PageController):
    path = "/tracks"

    @get("/", name="track-list")
    async def tracks(
        self, request: Request[Any, Any, Any], db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[Any]:
        """Every track the API lists, by kind: its status, participants' count and, for a Dynamic Coalition,
        whether it meets the DC rules now."""
        service = TrackService(db, clock, settings)
        groups: dict[TrackType, list[dict[str, Any]]] = {kind: [] for kind in TrackType}
        # One listing for all of them: a fixed number of statements, not a few per track.
        for listed in await service.listing(await all_tracks(service)):
            groups[listed.track.type].append(
                {
                    "track": listed.track,
                    "participants": listed.participants,
                    "standing": listed.in_good_standing,
                }
            )
        return render(
            request,
            "tracks/list.html",
            {
                "groups": [(kind, rows) for kind, rows in groups.items() if rows],
                "type_names": TYPE_NAMES,
                "type_about": TYPE_ABOUT,
                "status_names": STATUS_NAMES,
            },
        )

    @get("/{slug:str}", name="track-page")
    async def track(
        self,
        request: Request[Any, Any, Any],
        db: asyncpg.Connection,
        clock: Clock,
        settings: Settings,
        slug: str,
    ) -> Response[Any]:
        """One track as the API shows it to the reader (an unknown slug is the 404 page): its outputs with
        their citable ids, its calls for input open now or soon, and a Dynamic Coalition's standing."""
        actor = actor_of(request)
        language = i18n.request_language(request)
        service = TrackService(db, clock, settings)
        detail = await service.detail(slug, actor=actor)
        standing = None
        if detail.type is TrackType.dynamic_coalition and detail.status is not TrackStatus.proposed:
            standing = await service.evaluate(await service.row(slug))
        participants = detail.participants
        return render(
            request,
            "tracks/track.html",
            {
                "track": detail,
                "type_name": TYPE_NAME[detail.type],
                "status_name": STATUS_NAMES[detail.status],
                "standing": standing,
                "rule_names": RULE_NAMES,
                "by_group": [
                    (STAKEHOLDER_GROUP_NAMES[group], participants.by_stakeholder_group.get(group.value, 0))
                    for group in StakeholderGroup
                    if participants.by_stakeholder_group.get(group.value)
                ],
                "outputs": detail.outputs,
                "kind_names": OUTPUT_KIND_NAMES,
                "output_status_names": OUTPUT_STATUS_NAMES,
                "open_calls": [c for c in detail.calls if c.state is CallState.open],
                "scheduled_calls": [c for c in detail.calls if c.state is CallState.scheduled],
                "list_url": i18n.path_in(language, "/tracks"),
                "history": history_rows(detail),
                "follow": await follows.button(request, db, follows.TRACK, detail.slug, detail.name),
            },
        )


# -- the Atom feeds ----------------------------------------------------------------------------------------

FEED_SIZE = 50


def _excerpt(text: str, length: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


class TrackFeeds(PageController):
    path = "/feeds"

    @get("/outputs.atom", name="tracks:outputs-feed")
    async def outputs(
        self, request: Request[Any, Any, Any], db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[bytes]:
        """The tracks' published outputs, newest first, as an Atom feed with their citable ids; drafts (even
        those open for comment) never appear."""
        language = i18n.request_language(request)
        base = settings.base_url.rstrip("/")
        page = await OutputService(db, clock, settings).list_outputs(
            OutputFilters(status=OutputStatus.published), actor=ANONYMOUS, cursor=None, limit=FEED_SIZE
        )
        entries = []
        for output in page.items:
            if (
                output.published_at is None
            ):  # never so for a published output; its publication dates the entry
                continue
            kind = gettext(language, OUTPUT_KIND_NAMES[output.kind])
            cited = gettext(language, N_("Citable id: %(id)s.")) % {"id": output.citable_id}
            entries.append(
                AtomEntry(
                    id=entry_id(output.id),
                    title=output.title,
                    updated=output.published_at,  # a published output no longer changes
                    published=output.published_at,
                    link=base
                    + i18n.path_in(language, f"/tracks/{output.track_slug}")
                    + f"#output-{output.id}",
                    summary=f"{kind} ({output.year}). {cited}",
                    categories=[
                        output.kind.value,
                        str(output.year),
                        *([output.citable_id] if output.citable_id else []),
                    ],
                )
            )
        self_url, page_url = feed_urls(request, language, "/tracks")
        return atom_response(
            request,
            AtomFeed(
                id=feed_id("track-outputs", language),
                title=gettext(language, N_("Outputs of the intersessional work")),
                subtitle=gettext(language, N_("Reports and other outputs the IGF's tracks have published.")),
                self_url=self_url,
                alternate_url=page_url,
                language=language,
                entries=entries,
            ),
        )

    @get("/calls.atom", name="tracks:calls-feed")
    async def calls(
        self, request: Request[Any, Any, Any], db: asyncpg.Connection, clock: Clock, settings: Settings
    ) -> Response[bytes]:
        """Every track's calls for input, the most recently changed first, as an Atom feed: each entry says
        when the call opens and closes, and a moved deadline updates the same entry."""
        language = i18n.request_language(request)
        base = settings.base_url.rstrip("/")
        entries = []
        for call, track_name in await CallService(db, clock, settings).recent(limit=FEED_SIZE):
            window = gettext(language, N_("%(track)s asks for input from %(opens)s until %(closes)s.")) % {
                "track": track_name,
                "opens": datetime_text(call.opens_at, language),
                "closes": datetime_text(call.closes_at, language),
            }
            entries.append(
                AtomEntry(
                    id=entry_id(call.id),
                    title=call.title,
                    updated=call.updated_at,
                    published=call.created_at,
                    link=base + i18n.path_in(language, f"/tracks/{call.track_slug}") + f"#call-{call.id}",
                    summary=" ".join([window, _excerpt(call.description)]).strip(),
                    categories=[call.track_slug],
                )
            )
        self_url, page_url = feed_urls(request, language, "/tracks")
        return atom_response(
            request,
            AtomFeed(
                id=feed_id("track-calls", language),
                title=gettext(language, N_("Calls for input")),
                subtitle=gettext(language, N_("What the IGF's intersessional tracks ask the community for.")),
                self_url=self_url,
                alternate_url=page_url,
                language=language,
                entries=entries,
            ),
        )


# -- the deadline calendar (web/calendar.py) ---------------------------------------------------------------

CALENDAR_SIZE = 100


def _call_deadline(context: CalendarContext, call: Call, track_name: str) -> Deadline:
    return Deadline(
        kind="track-call-closes",
        record_id=call.id,
        summary=gettext(context.language, N_("Call for input closes: %(title)s (%(track)s)"))
        % {"title": call.title, "track": track_name},
        at=call.closes_at,
        url=context.url(f"/tracks/{call.track_slug}") + f"#call-{call.id}",
        last_modified=call.updated_at,
        sequence=call.version,  # grows with every edit, so a moved deadline moves the event
        description=_excerpt(call.description, 1000),
    )


async def call_deadlines(context: CalendarContext) -> list[Deadline]:
    """When each call for input closes (calls are public from their creation)."""
    calls = await CallService(context.conn, context.clock, context.settings).recent(limit=CALENDAR_SIZE)
    return [_call_deadline(context, call, name) for call, name in calls]


async def my_call_deadlines(context: CalendarContext, person: Principal) -> list[Deadline]:
    """The calls of the tracks the person facilitates, takes part in or follows (people/follows.py)."""
    if person.user_id is None:
        return []
    service = CallService(context.conn, context.clock, context.settings)
    calls = await service.concerning(person.user_id, limit=CALENDAR_SIZE)
    followed = {
        key for kind, key in await follows.subjects_of(context.conn, person.user_id) if kind == follows.TRACK
    }
    if followed:
        seen = {call.id for call, _ in calls}
        calls += [
            (call, name)
            for call, name in await service.recent(limit=CALENDAR_SIZE)
            if call.track_slug in followed and call.id not in seen
        ]
    return [_call_deadline(context, call, name) for call, name in calls]


async def output_comment_deadlines(context: CalendarContext) -> list[Deadline]:
    """When the community comment window of each draft output closes (a draft is public once its window opened;
    extending the window moves the same event)."""
    service = OutputService(context.conn, context.clock, context.settings)
    page = await service.list_outputs(
        OutputFilters(status=OutputStatus.draft), actor=ANONYMOUS, cursor=None, limit=CALENDAR_SIZE
    )
    found = []
    for summary in page.items:
        output = await service.get(summary.id, actor=ANONYMOUS)
        if output.comment_window is None:
            continue
        found.append(
            Deadline(
                kind="track-output-comments-close",
                record_id=output.id,
                summary=gettext(context.language, N_("Comments on a draft output close: %(title)s"))
                % {"title": output.title},
                at=output.comment_window.closes_at,
                url=context.url(f"/tracks/{output.track_slug}") + f"#output-{output.id}",
                last_modified=output.updated_at,
                sequence=output.version,
            )
        )
    return found


CALENDARS = [
    DeadlineList(
        key="output-comments",
        title=N_("Comment windows on draft outputs of the intersessional work"),
        load=output_comment_deadlines,
        order=35,
    ),
    DeadlineList(
        key="calls",
        title=N_("Calls for input of the intersessional work"),
        load=call_deadlines,
        personal=my_call_deadlines,
        order=30,
    ),
]


# -- the home page ------------------------------------------------------------------------------------


async def load_open_calls(context: SectionContext) -> Mapping[str, Any]:
    """The calls for input open now on any track, the soonest to close first."""
    calls = await CallService(context.conn, context.clock, context.settings).open_now(limit=HOME_CALLS)
    return {"calls": calls}


HOME_SECTIONS = [
    HomeSection(
        key="tracks-calls-open",
        title=N_("Calls for input open now"),
        template="tracks/home_calls.html",
        load=load_open_calls,
        order=15,
    )
]

NAVIGATION = [NavItem(path="/tracks", label=N_("Intersessional work"), order=30)]
