"""Who may do what: every route x every role, allowed or denied, asserted cell by cell.

The routes come from the app itself; EXPECTED below is the documentation of the access rules, and a
route without an entry (or an entry without a route) fails test_every_route_has_an_expectation.

- Allowed: the answer is neither 401 nor 403 (a 404, 409 or 422 from the request's content is fine), and
  never a 5xx.
- Denied: 401 problem+json for the anonymous caller, 403 problem+json for a signed-in one.

The callers act on objects that are not theirs (world.py): the coordinator runs another NRI, the funder is
bound to another donor, the consumer belongs to another organisation; the MAG member is not the Chair.
Bodies are valid where a refusal happens in the service (after the body is read), so that the object
check is what answers. Cells run in an order that keeps earlier writes from changing later answers:
everyone but the Secretariat first (denied cells write nothing), then the Secretariat, deletions last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from igf_hub.app import create_app
from igf_hub.core.settings import Settings
from tests.conftest import BASE_URL
from tests.hardening.live import LiveApp
from tests.hardening.routes import Operation, operations
from tests.hardening.world import (
    ANONYMOUS,
    CONSUMER,
    FUNDER,
    MAG_MEMBER,
    ROLES,
    SECRETARIAT,
    World,
)
from tests.nri.helpers import PRINCIPLES

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
ONLY_SECRETARIAT = frozenset({SECRETARIAT})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    why: str = ""
    body: Any = field(default_factory=dict)  # JSON unless bytes (then sent with content_type)
    content_type: str = "application/json"
    # A page's form: a browser must send the session's CSRF token, so a post without one is refused with the
    # 403 page (HTML), whoever sends it; a caller presenting a token is no browser and is not checked.
    form: bool = False
    # A page that refuses: the 401 / 403 page (HTML), not problem+json.
    html: bool = False


def public(why: str = "public read") -> Rule:
    return Rule(EVERYONE, why)


def secretariat(why: str = "the Secretariat's work", **kw: Any) -> Rule:
    return Rule(ONLY_SECRETARIAT, why, **kw)


def signed_in(why: str, **kw: Any) -> Rule:
    return Rule(SIGNED_IN, why, **kw)


def page(why: str = "a public page") -> Rule:
    return Rule(EVERYONE, why)


def secretariat_page(why: str) -> Rule:
    return Rule(ONLY_SECRETARIAT, why, html=True)


def track_page(why: str) -> Rule:
    """A workspace page of one track: signed-out readers are sent to sign in; the matrix's roles manage no track
    but the Secretariat, so the others get the 403 page."""
    return Rule(frozenset({ANONYMOUS, SECRETARIAT}), why, html=True)


def track_form(why: str) -> Rule:
    """A workspace form of one track: the service refuses whoever does not manage it (the 403 page), as it
    refuses them on the API; a post without the session's CSRF token is the 403 page too."""
    return Rule(
        ONLY_SECRETARIAT, why, body=b"x=1", content_type="application/x-www-form-urlencoded", form=True
    )


def form(why: str) -> Rule:
    return Rule(SIGNED_IN, why, body=b"x=1", content_type="application/x-www-form-urlencoded", form=True)


def drafters_page(why: str) -> Rule:
    """A page for a Message's drafters: signed-out readers are sent to sign in; other people get the 403 page."""
    return Rule(frozenset({ANONYMOUS, SECRETARIAT}), why, html=True)


def drafters_form(why: str) -> Rule:
    return Rule(
        ONLY_SECRETARIAT, why, body=b"x=1", content_type="application/x-www-form-urlencoded", form=True
    )


def secretariat_form(why: str) -> Rule:
    return Rule(
        ONLY_SECRETARIAT,
        why,
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
        html=True,
    )


def staff_page(why: str) -> Rule:
    """A page for the Secretariat and an organisation's own staff (the service's object check): a signed-out
    reader is sent to sign in (a redirect, so "allowed"); anyone else gets the 403 page."""
    return Rule(frozenset({ANONYMOUS, SECRETARIAT}), why, html=True)


def staff_form(why: str) -> Rule:
    """A page's form for the Secretariat and the organisation's own staff: 403 page for anyone else."""
    return Rule(
        ONLY_SECRETARIAT, why, body=b"x=1", content_type="application/x-www-form-urlencoded", form=True
    )


MESSAGE_TEXT = {
    "title": "Connect the next billion",
    "body": "Meaningful access needs skills.\n\nAnd content.",
}
NRI_REPORT = {"year": 2024, "meeting_start": "2024-06-01", "meeting_end": "2024-06-02", "format": "hybrid"}
HOOK = {"url": "http://127.0.0.1:9/other", "event_types": ["message.approved"]}

EXPECTED: dict[str, Rule] = {
    # -- system, identity, OAuth -----------------------------------------------------------------------
    "Healthz": public("liveness probe"),
    "Readyz": public("readiness probe"),
    "Metrics": public("Prometheus scrapes it; IGF_HUB_METRICS_TOKEN closes it (tests/system/test_api.py)"),
    "ListVocabularies": public(),
    "GetVocabulary": public(),
    "GetJwks": public("token verifiers need the keys"),
    "GetOpenIdConfiguration": public(),
    "IssueToken": Rule(
        EVERYONE,
        "the token endpoint authenticates clients itself (RFC 6749)",
        body=b"grant_type=password",
        content_type="application/x-www-form-urlencoded",
    ),
    "ShowSignIn": public("the sign-in page"),
    "SignIn": Rule(
        EVERYONE, "the sign-in form", body=b"email=x", content_type="application/x-www-form-urlencoded"
    ),
    "ConsoleCallback": public(),
    "GetMe": signed_in("your own identity and grants"),
    "ListAudit": secretariat("the audit trail"),
    "ListAuditCheckpoints": public("signed checkpoints of the audit log are for outsiders to keep"),
    "GetLatestAuditCheckpoint": public(),
    "GetAuditCheckpoint": public(),
    "GetAuditCheckpointKey": public("the key that verifies the checkpoints"),
    "GetPublicationKeys": public("anyone verifies the IGF's signed records with them"),
    "GetReportFiguresSchema": public("the figures document's JSON Schema"),
    "GetReportSection": public("the live query every figure names as its source (public aggregates)"),
    "ListReports": public("published reports; the Secretariat also sees drafts"),
    "GetReport": public("a draft is the Secretariat's: 404 to others"),
    "GetReportFigures": public("as GetReport"),
    "ListReportVersions": public("as GetReport"),
    "GetReportVersion": public("as GetReport"),
    "GetReportDiff": public("as GetReport"),
    "DraftReport": secretariat(),
    "SaveReportVersion": secretariat(body={"sections": [{"id": "introduction", "title": "Introduction"}]}),
    "PublishReport": secretariat(),
    "GetRecordSignature": public("a published record's signature is for anyone to keep"),
    "GetRecordJws": public(),
    "GetSignedDocument": public(),
    "CreateClient": secretariat(),
    "CreateUser": secretariat(),
    "GetUser": secretariat(),
    "GrantRole": secretariat(),
    "RevokeRole": secretariat(),
    "LiftSignInLockout": secretariat(),
    "ResetTwoFactor": secretariat("a person's lost two-factor"),
    "CreateInvitation": signed_in("the service checks who may invite to what (403 for another NRI or track)"),
    "ListInvitations": signed_in("each sees the invitations to what they could invite to"),
    "RevokeInvitation": signed_in("the service checks who may withdraw it (404 otherwise)"),
    "AcceptInvitation": signed_in(
        "the token is the authority; a machine client is refused (403)", body={"token": "x"}
    ),
    # -- NRIs --------------------------------------------------------------------------------------------
    "ListNris": public("recognised NRIs for everyone, more for coordinators and the Secretariat"),
    "ExportNrisCsv": public(),
    "GetNriCriteria": public(),
    "GetNriStats": public(),
    "GetNri": public(),
    "GetNriHistory": public(),
    "ListNriReports": public(),
    "GetNriReport": public("drafts are hidden (404) from all but the NRI's coordinators and the Secretariat"),
    "ListNriReportRevisions": public(),
    "RegisterNri": signed_in("any person may register an initiative and becomes its coordinator"),
    "UpdateNri": secretariat("and NRI A's own coordinators, not those of another NRI"),
    "ListNriCoordinators": secretariat("and the NRI's own coordinators"),
    "AddNriCoordinator": secretariat("and the NRI's own coordinators", body={"email": "someone@example.org"}),
    "RemoveNriCoordinator": secretariat("and the NRI's own coordinators"),
    "ListNriSubmissions": secretariat("and the NRI's own coordinators"),
    "SubmitNri": Rule(
        NOBODY,
        "only the NRI's own coordinators: not even the Secretariat submits for them",
        body={"affirmed_principles": PRINCIPLES},
    ),
    "WithdrawNri": secretariat("and the NRI's own coordinators", body={"reason": "No longer active."}),
    "StartNriReview": secretariat(),
    "RecogniseNri": secretariat(body={"reason": "Meets every criterion."}),
    "RequestNriChanges": secretariat(body={"reason": "Incomplete.", "changes": ["Add a focal point"]}),
    "DeclineNri": secretariat(body={"reason": "Not multistakeholder."}),
    "ImportNris": secretariat(body=b"name\n", content_type="text/csv"),
    "CreateNriReport": secretariat("and the NRI's own coordinators", body=NRI_REPORT),
    "UpdateNriReport": secretariat("and the NRI's own coordinators"),
    "SubmitNriReport": secretariat("and the NRI's own coordinators"),
    "ListOverdueNriReports": secretariat(),
    # -- intersessional tracks ---------------------------------------------------------------------------
    "ListTracks": public(),
    "ImportTracks": secretariat(body=b"slug\n", content_type="text/csv"),
    "ImportDonors": secretariat(body=b"Legal name\n", content_type="text/csv"),
    "ImportContributions": secretariat(body=b"Title\n", content_type="text/csv"),
    "ImportLedgerEvents": secretariat(body=b"Kind\n", content_type="text/csv"),
    "GetTrack": public(),
    "GetTrackStanding": public(),
    "GetTrackParticipantSummary": public("counts only"),
    "ListOutputsOfTrack": public(),
    "ListTrackOutputs": public(),
    "GetTrackOutput": public("drafts are hidden (404) from the public"),
    "ListTrackOutputCitations": public("the public Messages citing an output; a draft is 404 to the public"),
    "GetTrackOutputByCitableId": public(),
    "ListTrackOutputComments": public(),
    "ListTrackCalls": public(),
    "GetTrackCall": public(),
    "ListTrackCallSubmissions": public("inputs to a call are public"),
    "CreateTrack": signed_in("anyone may propose a Dynamic Coalition; other types are the Secretariat's"),
    "JoinTrack": signed_in(
        "anyone may join an open track", body={"stakeholder_group": "academia", "country": "BR"}
    ),
    "LeaveTrack": signed_in("leaving is always yours to do"),
    "CommentOnTrackOutput": signed_in("community comment on a draft", body={"text": "A point of view."}),
    "SubmitToTrackCall": signed_in(
        "input to a call", body={"stakeholder_group": "civil_society", "text": "Input"}
    ),
    "UpdateTrack": secretariat("and the track's facilitators"),
    "TransitionTrack": secretariat(),
    "AddTrackFacilitator": secretariat("and the track's facilitators"),
    "RemoveTrackFacilitator": secretariat("and the track's facilitators"),
    "AddTrackMagLiaison": secretariat(),
    "RemoveTrackMagLiaison": secretariat(),
    "ListTrackParticipants": secretariat("and the track's facilitators: who participates is private"),
    "CreateTrackOutput": secretariat("and the track's facilitators"),
    "UpdateTrackOutput": secretariat("and the track's facilitators"),
    "DeleteTrackOutput": secretariat("and the track's facilitators"),
    "OpenTrackOutputCommentWindow": secretariat("and the track's facilitators"),
    "PublishTrackOutput": secretariat("and the track's facilitators"),
    "CreateTrackOutputVersion": secretariat("and the track's facilitators"),
    "CreateTrackCall": secretariat("and the track's facilitators"),
    "UpdateTrackCall": secretariat("and the track's facilitators"),
    "CloseTrackCall": secretariat("and the track's facilitators"),
    # -- the MAG -------------------------------------------------------------------------------------------
    "ListMagCycles": public(),
    "GetMagCycle": public(),
    "GetMagBalance": public("the composition of the MAG is public"),
    "ListMagRoster": public(),
    "GetMagAppointment": public(),
    "ListMagPeople": public(),
    "GetMagPerson": public(),
    "ListMagTermLimitExceptions": public("exceptions to the term limit are published with their reasons"),
    "GetMagNominationSummary": public("aggregate counts only"),
    "SubmitMagNomination": signed_in("anyone may nominate (or self-nominate) while the call is open"),
    "ListMagNominations": secretariat("nominations are private, even to the MAG and its Chair"),
    "GetMagNomination": secretariat("nominations are private, even to the MAG and its Chair"),
    "TransitionMagNomination": secretariat(),
    "CreateMagCycle": secretariat(),
    "ImportMagArchive": secretariat(body={"cycles": []}),
    "UpdateMagCycle": secretariat(),
    "TransitionMagCycle": secretariat(),
    "PreviewMagBalance": secretariat(),
    "CreateMagAppointment": secretariat(),
    "UpdateMagAppointment": secretariat(),
    "EndMagAppointmentEarly": secretariat(),
    "CreateMagPerson": secretariat(),
    "UpdateMagPerson": secretariat(),
    # -- funding ------------------------------------------------------------------------------------------
    "ListDonors": Rule(frozenset({SECRETARIAT, FUNDER}), "a funder sees only its own donors"),
    "GetDonor": secretariat("and the donor's own funders, not those of another donor"),
    "ListContributions": Rule(
        frozenset({SECRETARIAT, FUNDER}), "a funder sees only its donors' contributions"
    ),
    "GetContribution": secretariat("and the donor's own funders"),
    "ListContributionEvents": secretariat("and the donor's own funders"),
    "ListExchangeRates": Rule(frozenset({SECRETARIAT, FUNDER}), "the rates behind a funder's USD figures"),
    "ImportFundingArchive": secretariat(body={}),
    "CreateDonor": secretariat(),
    "UpdateDonor": secretariat(),
    "BindFunder": secretariat(),
    "CreateContribution": secretariat(),
    "UpdateContribution": secretariat(),
    "RecordLedgerEvent": secretariat("the ledger is the Secretariat's"),
    "AddExchangeRates": secretariat(),
    "UploadExchangeRates": secretariat(body=b"currency,effective_on,usd_per_unit\n", content_type="text/csv"),
    "ListNriGrants": secretariat(),
    "ApplyNriGrant": secretariat(),
    "GetNriGrant": secretariat(),
    "UpdateNriGrant": secretariat(),
    "TransitionNriGrant": secretariat(),
    "TransparencyPage": public(),
    "GetFundingSummary": public(),
    "GetFundingAggregates": public(),
    "GetPledgeFulfilment": public(),
    "GetDonorGiving": public(),
    "ListPublicLedger": public(),
    "ListCorrections": public(),
    "ExportLedgerCsv": public(),
    "ExportLedgerJson": public(),
    "ExportIatiActivities": public(),
    "ExportIatiOrganisation": public(),
    "GetNriFunding": public(),
    # -- IGF Messages --------------------------------------------------------------------------------------
    "ListMessages": public("drafts never opened for comment are the Secretariat's only"),
    "GetMessage": public(),
    "ListMessageVersions": public(),
    "GetMessageVersion": public(),
    "DiffMessageVersions": public(),
    "GetMessageHistory": public(),
    "ListMessageComments": public(),
    "GetMessageComment": public(),
    "GetMessageBallot": public("ballots are public"),
    "ListMessageBallots": public(),
    "GetMessageBallotByNumber": public(),
    "ExportMessageJson": public(),
    "ExportMessageMarkdown": public(),
    "ExportMessageCommentsCsv": public(),
    "ExportMessageBallotsCsv": public(),
    "ExportYearJson": public(),
    "ExportYearMarkdown": public(),
    "ExportYearCommentsCsv": public(),
    "ExportYearBallotsCsv": public(),
    "ImportMessageArchive": secretariat(body={"messages": []}),
    "CreateMessage": secretariat(),
    "UpdateMessage": secretariat("and the Message's drafters"),
    "SaveMessageVersion": secretariat("and the Message's drafters", body=MESSAGE_TEXT),
    "TransitionMessage": secretariat(
        "the MAG Chair moves a Message to a ballot's outcome; a member does not", body={"to": "synthesis"}
    ),
    "PostMessageComment": signed_in(
        "public comment: anyone signed in, while the period is open",
        body={"body": "Name small operators.", "stakeholder_group": "civil_society", "country": "KE"},
    ),
    "SetCommentDisposition": secretariat(
        "and the Message's drafters", body={"outcome": "not_accepted", "rationale": "Out of our remit."}
    ),
    "HideMessageComment": secretariat("and the Message's drafters", body={"reason": "Abusive language."}),
    "SetCommentDispositions": secretariat(
        "and the Message's drafters",
        body={
            "comments": [{"id": "00000000-0000-4000-8000-000000000000", "version": 1}],
            "outcome": "not_accepted",
            "rationale": "Out of our remit.",
        },
    ),
    "OpenMessageBallot": secretariat("and the MAG Chair; not an ordinary member"),
    "TakeBallotPosition": Rule(
        frozenset({MAG_MEMBER}),
        "members of the ballot's eligibility snapshot only",
        body={"position": "yes", "stakeholder_group": "civil_society"},
    ),
    "ChangeBallotPosition": Rule(
        frozenset({MAG_MEMBER}),
        "your own position",
        body={"position": "no_objection", "stakeholder_group": "civil_society"},
    ),
    "ListSessionReports": public(),
    "GetSessionReport": public(),
    "SubmitSessionReport": signed_in("session organisers enter their reports"),
    "UpdateSessionReport": secretariat("and the organiser who entered it"),
    "ImportSessionReports": secretariat(body={"reports": []}),
    # -- webhooks -----------------------------------------------------------------------------------------
    "GetWebhookSigningKeys": public("public keys for verifying v1a signatures"),
    "ListEvents": Rule(frozenset({SECRETARIAT, CONSUMER}), "every consumer may pull the event log"),
    "GetEvent": Rule(frozenset({SECRETARIAT, CONSUMER}), "the event a thin webhook body links to"),
    "ListConsumers": Rule(frozenset({SECRETARIAT, CONSUMER}), "a consumer's members see their own"),
    "CreateConsumer": secretariat(),
    "UpdateConsumer": secretariat(),
    "AddConsumerMember": secretariat(),
    "CreateConsumerClient": secretariat(),
    "GetConsumer": secretariat("and the organisation's own members"),
    "ListEndpoints": secretariat("and the organisation's own members"),
    "CreateEndpoint": secretariat("and the organisation's own members", body=HOOK),
    "GetEndpoint": secretariat("and the organisation's own members"),
    "UpdateEndpoint": secretariat("and the organisation's own members"),
    "DeleteEndpoint": secretariat("and the organisation's own members"),
    "PingEndpoint": secretariat("and the organisation's own members"),
    "GetEndpointSecret": secretariat("and the organisation's own members"),
    "RotateEndpointSecret": secretariat("and the organisation's own members"),
    "RecoverEndpoint": secretariat(
        "and the organisation's own members", body={"since": "2026-01-01T00:00:00Z"}
    ),
    "GetRecovery": secretariat("and the organisation's own members"),
    "ListDeliveries": secretariat("and the organisation's own members"),
    "GetDelivery": secretariat("and the organisation's own members"),
    "ReplayDelivery": secretariat("and the organisation's own members"),
    "ListConsumerNotices": secretariat("and the organisation's own members"),
    "GetEndpointHealth": secretariat("and the organisation's own members"),
    "RotateWebhookSigningKey": secretariat("igf_hub's own Ed25519 webhook key"),
    # -- the web pages (HTML, outside the API document; sessions and CSRF: tests/web) ----------------------
    "GET /": page("the home page"),
    "GET /static/{file_path}": page("the site's stylesheet, script and icon"),
    "SignInPage": page("the sign-in form"),
    "AccountPage": page("signed-out readers are sent to sign in"),
    "DeveloperAccessPage": page("signed-out readers are sent to sign in"),
    "TwoFactorPage": page("signed-out readers are sent to sign in"),
    "GET /nris": page(),
    "GET /nris/{nri_id}": page("a recognised NRI; any other is the 404 page"),
    "GET /my/initiatives": page(
        "signed-out readers are sent to sign in; each person sees only their own NRIs"
    ),
    "GET /my/initiatives/new": page("signed-out readers are sent to sign in"),
    "POST /my/initiatives/new": form("registers a draft NRI as POST /v1/nris does, with its rate limit"),
    "POST /my/initiatives/criteria": form("the criteria check of the form as posted; it writes nothing"),
    "GET /my/initiatives/{nri_id}": Rule(
        frozenset({ANONYMOUS, SECRETARIAT}),
        "NRI A's own coordinators and the Secretariat (the NRI service's guard); signed-out readers are sent "
        "to sign in",
        html=True,
    ),
    "GET /my/initiatives/{nri_id}/reports/{year}": Rule(
        frozenset({ANONYMOUS, SECRETARIAT}),
        "NRI A's own coordinators and the Secretariat (the NRI service's guard); signed-out readers are sent "
        "to sign in",
        html=True,
    ),
    "POST /my/initiatives/{nri_id}/reports/{year}": Rule(
        ONLY_SECRETARIAT,
        "and NRI A's own coordinators, not those of another NRI (the NRI service's guard)",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
    ),
    "POST /my/initiatives/{nri_id}/coordinators/remove": Rule(
        ONLY_SECRETARIAT,
        "and NRI A's own coordinators (the coordinator service's guard); an unknown user is the 404 page",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
    ),
    "GET /my/initiatives/{nri_id}/committee": Rule(
        frozenset({ANONYMOUS, SECRETARIAT}),
        "NRI A's own coordinators and the Secretariat (the NRI service's guard); signed-out readers are sent "
        "to sign in",
        html=True,
    ),
    "POST /my/initiatives/{nri_id}/committee": Rule(
        ONLY_SECRETARIAT,
        "and NRI A's own coordinators (the NRI service's guard); a preview writes nothing",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
    ),
    "POST /my/initiatives/{nri_id}": Rule(
        ONLY_SECRETARIAT,
        "and NRI A's own coordinators, not those of another NRI (the NRI service's guard)",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
    ),
    "GET /tracks": page(),
    "GET /tracks/{slug}": page(),
    "GET /messages": page(),
    "GET /messages/{message_id}": page("what the API shows the reader; a draft is the 404 page"),
    "GET /messages/{message_id}/versions": page(),
    "GET /messages/{message_id}/diff": page(),
    "GET /messages/{message_id}/comment": page("signed-out readers are offered sign-in"),
    "GET /feeds/messages.atom": page("the Atom feed of public Messages, the same for everyone"),
    "GET /feeds/outputs.atom": page("the Atom feed of published outputs"),
    "GET /feeds/calls.atom": page("the Atom feed of calls for input"),
    "GET /calendars/{file}": page(
        "the public deadline calendars (iCalendar); an unknown one is the 404 page"
    ),
    "GET /calendars/people/{file}": page(
        "a person's calendar: the secret address is the key, a wrong one 404"
    ),
    "GET /account/calendar": page("signed-out readers are sent to sign in"),
    "GET /inbox": page("signed-out readers are sent to sign in"),
    # -- the drafting workspace (messages/drafting_pages.py) --
    "GET /drafting": secretariat_page("the Messages being drafted"),
    "GET /drafting/mine": Rule(SIGNED_IN, "the Messages the person is named to draft", html=True),
    "GET /drafting/reports": page("session reports are public, as in the API"),
    "GET /drafting/reports/import": secretariat_page("importing session reports is the Secretariat's"),
    "POST /drafting/reports/import": secretariat_form("preview, then import: ImportSessionReports' guard"),
    "GET /drafting/new": secretariat_page("the Secretariat starts Messages (CreateMessage)"),
    "POST /drafting/new": secretariat_form("CreateMessage through its service"),
    "GET /drafting/sources": Rule(SIGNED_IN, "the editor's search as you type", html=True),
    "GET /drafting/{message_id}": secretariat_page(
        "and the Message's drafters (MessageService.for_drafting)"
    ),
    "POST /drafting/{message_id}": secretariat_form(
        "and the Message's drafters: UpdateMessage, SaveMessageVersion"
    ),
    "GET /drafting/{message_id}/translation": secretariat_page("and the Message's drafters"),
    "POST /drafting/{message_id}/translation": secretariat_form(
        "and the Message's drafters: SaveMessageVersion"
    ),
    "GET /drafting/{message_id}/comments": secretariat_page("and the Message's drafters: moderation"),
    "POST /drafting/{message_id}/comments/{comment_id}/hide": secretariat_form(
        "and the Message's drafters: HideMessageComment"
    ),
    "POST /drafting/{message_id}/open-comment": secretariat_form(
        "the lifecycle opens the window for the Secretariat"
    ),
    "GET /workspace": page(
        "signed-out readers are sent to sign in; each sees the work their roles give them"
    ),
    "POST /inbox/{notice_id}/read": form("marks one of the signed-in person's own notices read"),
    "POST /inbox/read-all": form("marks the signed-in person's notices read"),
    "GET /account/notifications": page("signed-out readers are sent to sign in"),
    "POST /account/notifications": form("the signed-in person's own notification settings"),
    "GET /unsubscribe/{token}": page(
        "the signed token is the authority (RFC 8058); a wrong one is the 404 page"
    ),
    "POST /unsubscribe/{token}": page(
        "one-click unsubscribe posts without a session (RFC 8058): the token decides"
    ),
    "GET /notices/send-log": secretariat_page("the e-mail send log"),
    "GET /dev/mailbox": page("development only (404 in production): what the local SMTP sink caught"),
    "GET /dev/mailbox/{key}": page("development only; an unknown message is the 404 page"),
    "POST /account/calendar": form("a new secret calendar address for the signed-in person"),
    "POST /account/calendar/revoke": form("stops the signed-in person's calendar address"),
    "GET /account/following": page("signed-out readers are sent to sign in"),
    "POST /account/following": form("the signed-in person follows a public page's subject"),
    "POST /account/following/remove": form("the signed-in person stops following something"),
    "GET /search": page("the site search: only public objects are in its index"),
    "SignInWithSession": form("the sign-in form"),
    "SignOut": form("ends the browser's session"),
    "SignOutEverywhere": form("ends every session of the person"),
    "CreateDeveloperToken": form("a short-lived API token for the signed-in person"),
    "SignInSecondFactor": form("the second step of signing in (its challenge says who passed the password)"),
    "StartTotp": form("your own two-factor set-up"),
    "ConfirmTotp": form("your own two-factor set-up"),
    "RegenerateRecoveryCodes": form("your own recovery codes, with a fresh code or the password"),
    "DisableTwoFactor": form("your own two-factor, with a fresh code or the password"),
    "AddPasskey": form("your own passkeys"),
    "RemovePasskey": form("your own passkeys"),
    "GET /verify": page("anyone checks a document the IGF signed"),
    "POST /verify": form("an uploaded document checked (nothing is stored)"),
    # -- the yearly report (reports/pages.py, reports/workspace_pages.py) --
    "GET /reports/{year}": page(
        "a published report is everyone's; a draft the Secretariat's (404 to others)"
    ),
    "GET /reports/{year}/report.pdf": page("the same report as a PDF"),
    "GET /reports/fonts.css": page("the report's fonts"),
    "GET /reports/fonts/{name}": page("the report's fonts"),
    "GET /secretariat/reports": secretariat_page("the Secretariat drafts the yearly report"),
    "POST /secretariat/reports/draft": secretariat_form("DraftReport through its service"),
    "GET /secretariat/reports/{year}": secretariat_page("the narrative editor, versions and publication"),
    "POST /secretariat/reports/{year}/versions": secretariat_form("SaveReportVersion through its service"),
    "POST /secretariat/reports/{year}/publish": secretariat_form("PublishReport through its service"),
    "POST /messages/{message_id}/comment": form("a comment during the window, by a signed-in person"),
    "GET /messages/{message_id}/dispositions": drafters_page("and the Message's drafters: what is left"),
    "GET /messages/{message_id}/dispositions/{comment_id}": drafters_page("and the Message's drafters"),
    "GET /messages/{message_id}/dispositions/bulk": drafters_page("and the Message's drafters"),
    "POST /messages/{message_id}/dispositions/{comment_id}": drafters_form("CommentService.dispose decides"),
    "POST /messages/{message_id}/dispositions/bulk": drafters_form("CommentService.dispose_many decides"),
    "GET /messages/ballots": page(
        "signed-out readers are sent to sign in; each member sees their own ballots"
    ),
    "GET /messages/{message_id}/ballot": page("whoever may read the Message, as GetMessageBallot"),
    "POST /messages/{message_id}/ballot/position": Rule(
        frozenset({MAG_MEMBER}),
        "members of the ballot's eligibility snapshot only (the 403 page for anyone else)",
        body=b"x=1",
        content_type="application/x-www-form-urlencoded",
        form=True,
    ),
    "POST /messages/{message_id}/ballot/decision": drafters_form(
        "the MAG Chair and the Secretariat (may_decide); publishing is the Secretariat's"
    ),
    "POST /messages/{message_id}/start-review": drafters_form(
        "the Secretariat's transition (a drafter is refused by MessageLifecycle)"
    ),
    "AccountSessionsPage": page("signed-out readers are sent to sign in"),
    "ExportAccountData": page("signed-out readers are sent to sign in; each downloads only their own"),
    "DeleteAccountPage": page("signed-out readers are sent to sign in"),
    "SignOutOtherSessions": form("ends the person's other sessions"),
    "DisconnectProgram": form("ends one program's hold on the person"),
    "DeleteAccount": form("deletes the person's own account, with their password"),
    "NewInvitationPage": page("signed-out readers are sent to sign in"),
    "InvitationsPage": page("signed-out readers are sent to sign in; each sees the invitations they may"),
    "InvitationPage": page("an invitation link: the token is the authority"),
    "InviteSomeone": form("the service checks who may invite to what"),
    "WithdrawInvitation": form("the service checks who may withdraw it (404 otherwise)"),
    "AcceptInvitationForm": form("an invitation link: the token is the authority"),
    "SignUpPage": page("the sign-up form (a signed-in reader is sent to their account)"),
    "SignUpSentPage": page("check your e-mail"),
    "ConfirmEmailPage": page("a verification link: the token is the authority"),
    "NewVerificationLinkPage": page("ask for a new verification link"),
    "ForgotPasswordPage": page("ask for a reset link"),
    "LinkSentPage": page("check your e-mail"),
    "NewPasswordPage": page("a reset link: the token is the authority"),
    "SignUp": form("the sign-up form: anyone with the page's session token"),
    "ConfirmEmail": form("confirms an address: the link's token is the authority"),
    "SendVerificationLink": form("never says whether the address has an account"),
    "SendPasswordResetLink": form("never says whether the address has an account"),
    "ResetPassword": form("a new password: the link's token is the authority"),
    "GET /secretariat/audit": secretariat_page("the audit trail (as ListAudit)"),
    "GET /secretariat/audit/verify": secretariat_page("audit verify, on demand"),
    "PeopleAndRolesPage": secretariat_page("who holds which role"),
    "GrantRoleForm": secretariat_form("the API's GrantRole, from the people page"),
    "RevokeRoleForm": secretariat_form("the API's RevokeRole, from the people page"),
    "GET /secretariat/queue": secretariat_page("the Secretariat's work queue, gathered from every domain"),
    "NriReviewListPage": secretariat_page("the NRIs awaiting the Secretariat's review"),
    "NriReviewPage": secretariat_page("one NRI's submission beside the criteria"),
    "StartNriReviewForm": secretariat_form("the API's start-review, from the review page"),
    "RequestNriChangesForm": secretariat_form("the API's request-changes, with a reason per field"),
    "RecogniseNriForm": secretariat_form("the API's recognise, from the review page"),
    "DeclineNriForm": secretariat_form("the API's decline, from the review page"),
    # -- consumer staff's pages (webhooks/pages.py): the API's rules, through the same services --------------
    "ConsumersPage": Rule(
        frozenset({ANONYMOUS, SECRETARIAT, CONSUMER}), "each sees the consumers they act for", html=True
    ),
    "ConsumerPage": staff_page("the consumer's endpoints"),
    "DeliveryLogPage": staff_page("the consumer's delivery log"),
    "DeliveryPage": staff_page("one delivery with its attempts"),
    "NewEndpointPage": staff_page("the registration form"),
    "EndpointPage": staff_page("one endpoint: handshake, health, secrets, settings"),
    "ReplayDeliveryForm": staff_form("sends a delivery again"),
    "RegisterEndpointForm": staff_form("registers an endpoint"),
    "PingEndpointForm": staff_form("the verification ping, also the test event"),
    "UpdateEndpointForm": staff_form("changes an endpoint's settings"),
    "RotateSecretForm": staff_form("rotates an endpoint's signing secret"),
    "RecoverEndpointForm": staff_form("replays what an endpoint missed since a time"),
    # -- the MAG workspace (mag/pages.py, mag/balance_pages.py) -------------------------------------------
    "MagCyclesPage": secretariat_page("plans and runs the MAG cycles"),
    "MagCyclePage": secretariat_page("a cycle with its nominations, which are private"),
    "MagNominationPage": secretariat_page("a nomination is private to the Secretariat"),
    "AppointMagNomineePage": secretariat_page("appointing, with the what-if of the balance"),
    "MagBalancePage": page("the composition of the MAG is public, as GET /v1/mag/cycles/{year}/balance"),
    "CreateMagCycleForm": secretariat_form("as POST /v1/mag/cycles"),
    "TransitionMagCycleForm": secretariat_form("as POST /v1/mag/cycles/{year}/transitions"),
    "TransitionMagNominationForm": secretariat_form("as POST /v1/mag/nominations/{id}/transitions"),
    "AppointMagNomineeForm": secretariat_form("as POST /v1/mag/cycles/{year}/appointments"),
    # -- the donor portal (funding/workspace_pages.py): what /v1/funding shows a funder -------------------------
    "DonorPortalPage": Rule(
        frozenset({ANONYMOUS, SECRETARIAT, FUNDER}), "a funder is sent to its donor's page", html=True
    ),
    "DonorPage": staff_page("and the donor's own funders, not those of another donor"),
    "DonorRecordsCsv": staff_page("and the donor's own funders: its ledger in full as CSV"),
    # -- the Secretariat's finance pages (funding/finance_pages.py) ---------------------------------------
    "FinancePage": staff_page("the Secretariat's contributions list"),
    "FinanceContributionPage": staff_page("a contribution's ledger with the entry form"),
    "FinanceRatesPage": staff_page("the exchange rates on file and the upload form"),
    "RecordLedgerEventForm": staff_form(
        "as POST /v1/funding/contributions/{id}/events (its preview writes nothing)"
    ),
    "UploadRatesForm": staff_form("as POST /v1/funding/exchange-rates/upload"),
    # The track facilitator's workspace (tracks/workspace_pages.py): the API's guards, as pages.
    "MyTracksPage": page("signed-out readers are sent to sign in; each sees the tracks they manage"),
    "ManageTrackPage": track_page(
        "a track's facilitators and the Secretariat (the participant list's guard)"
    ),
    "TrackCallWorkspacePage": track_page("a track's facilitators and the Secretariat"),
    "TrackOutputWorkspacePage": track_page("a track's facilitators and the Secretariat; a draft is 404"),
    "UpdateTrackForm": track_form("TrackService.patch decides, as PATCH /v1/tracks/{slug}"),
    "RemoveTrackFacilitatorForm": track_form("PeopleService.remove_facilitator decides, as the API's DELETE"),
    "OpenTrackCallForm": track_form("CallService.create decides, as POST /v1/tracks/{slug}/calls"),
    "CloseTrackCallForm": track_form("CallService.close decides, as POST /v1/tracks/calls/{call_id}/close"),
    "StartTrackOutputForm": track_form("OutputService.create decides, as POST /v1/tracks/{slug}/outputs"),
    "SaveTrackOutputForm": track_form("OutputService.patch decides, as PATCH /v1/tracks/outputs/{output_id}"),
    "PublishTrackOutputForm": track_form("OutputService.publish decides, as the API's publish"),
    "NewTrackOutputVersionForm": track_form("OutputService.new_version decides, as the API's versions"),
    "OpenOutputCommentWindowForm": track_form("OutputService.open_comment_window decides, as the API's"),
    "FinanceGrantsPage": staff_page("the NRI grants, as GET /v1/funding/nri-grants"),
    "FinanceGrantPage": staff_page("one NRI grant with its next steps"),
    "ApplyNriGrantForm": staff_form("as POST /v1/funding/nri-grants"),
    "TransitionNriGrantForm": staff_form("as POST /v1/funding/nri-grants/{id}/transitions"),
}

# Known violations, each recorded in the report with its reason (strict: fixing one fails its marker).
KNOWN: dict[tuple[str, str], str] = {}

_APP = create_app(Settings(public_url=BASE_URL))
OPERATIONS = {op.operation_id: op for op in operations(_APP)}


def _cells() -> Iterator[Any]:
    ordered = sorted(
        ((op, role) for op in OPERATIONS.values() for role in ROLES),
        key=lambda cell: (cell[1] == SECRETARIAT, cell[0].method == "DELETE", cell[0].path, cell[0].method),
    )
    for op, role in ordered:
        marks = []
        if (op.operation_id, role) in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[op.operation_id, role]))
        yield pytest.param(op.operation_id, role, id=f"{op.operation_id}-{role}", marks=marks)


def test_every_route_has_an_expectation() -> None:
    routed = set(OPERATIONS)
    assert routed - EXPECTED.keys() == set(), "routes without an entry in EXPECTED: say who may use them"
    assert EXPECTED.keys() - routed == set(), "entries in EXPECTED for routes that no longer exist"


def _call(live: LiveApp, world: World, op: Operation, role: str) -> Any:
    rule = EXPECTED[op.operation_id]
    headers = {**world.headers(role), "If-Match": '"1"'}
    kwargs: dict[str, Any] = {}
    if op.method in ("POST", "PUT", "PATCH"):
        if isinstance(rule.body, bytes):
            kwargs["content"] = rule.body
            headers["content-type"] = rule.content_type
        else:
            kwargs["json"] = rule.body
    return live.request(op.method, world.path(op.path), headers=headers, **kwargs)


@pytest.mark.parametrize(("operation_id", "role"), list(_cells()))
def test_cell(operation_id: str, role: str, live: LiveApp, world: World) -> None:
    op, rule = OPERATIONS[operation_id], EXPECTED.get(operation_id)
    if rule is None:
        pytest.fail(f"{op.key} has no entry in EXPECTED")
    response = _call(live, world, op, role)
    where = f"{op.key} as {role}: {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, where
    if role in rule.allowed:
        assert response.status_code not in (401, 403), where
        return
    if rule.form:
        assert response.status_code == 403, where
        assert response.headers["content-type"].startswith("text/html"), where
        return
    expected = 401 if role == ANONYMOUS else 403
    assert response.status_code == expected, where
    media = "text/html" if rule.html else "application/problem+json"
    assert response.headers["content-type"].startswith(media), where
