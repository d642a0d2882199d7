"""NRI rules: registration, the recognition state machine, edits, coordinators and the public directory.

Every state change is written with its audit row and its outbox event on the caller's connection, inside the
caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, countries, params
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import (
    FieldError,
    Forbidden,
    IllegalTransition,
    PreconditionFailed,
    validation_field_error,
)
from igf_hub.core.pagination import Keyset
from igf_hub.core.references import Reference
from igf_hub.core.settings import Settings
from igf_hub.nri import criteria
from igf_hub.nri.errors import (
    CriteriaNotMet,
    FieldsLocked,
    NotNriCoordinator,
    NriDuplicate,
    NriInvalid,
    NriNotFound,
)
from igf_hub.nri.report_repository import ReportRepository
from igf_hub.nri.repository import NriRepository
from igf_hub.nri.schemas import (
    AwaitingReview,
    FocalPoint,
    HistoryPage,
    Nri,
    NriChangesRequest,
    NriCreate,
    NriDecision,
    NriPatch,
    NriStatus,
    NriSubmit,
    NriType,
    Submission,
)
from igf_hub.nri.workflow import (
    CLAIMED,
    CLOSED,
    CONTACT_FIELDS,
    COORDINATOR_EDITABLE,
    EVENT_OF,
    PUBLIC_HISTORY_KEYS,
    RECOGNITION_FIELDS,
    TRANSITIONS,
    S,
)


def validation_error(exc: msgspec.ValidationError, *, prefix: str = "") -> FieldError:
    """msgspec says where (``- at `$.countries[0]` ``); name it as a JSON Pointer (``/countries/0``)."""
    return validation_field_error(exc, prefix=prefix)


def content_of(nri: Nri) -> dict[str, Any]:
    """The fields a coordinator writes, as plain values (what NriCreate/NriPatch carry)."""
    return {f: msgspec.to_builtins(getattr(nri, f)) for f in NriCreate.__struct_fields__}


def is_manager(actor: Principal, nri_id: UUID) -> bool:
    return actor.has_role(Role.secretariat) or actor.is_bound(Role.nri_coordinator, nri_id)


def redacted(nri: Nri) -> Nri:
    """The public view: no per-person gender, no focal point e-mail, no review details."""
    return msgspec.structs.replace(
        nri,
        committee=[msgspec.structs.replace(m, gender=None) for m in nri.committee],
        focal_points=[FocalPoint(name=f.name, role=f.role) for f in nri.focal_points],
        latest_submission=None,
        imported_by=None,
    )


def is_public(nri: Nri) -> bool:
    """Everyone reads an NRI once it was recognised (``load``): only then are its events public."""
    return nri.recognised_at is not None


def event_data(nri: Nri, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(nri.id),
        "name": nri.name,
        "type": nri.type.value,
        "youth_scope": nri.youth_scope.value if nri.youth_scope else None,
        "countries": nri.countries,
        "regional_groups": nri.regional_groups,
        "status": nri.status.value,
        **extra,
    }


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class NriService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = NriRepository(conn)
        self.identity = IdentityService(conn, clock, settings)

    # -- access --------------------------------------------------------------------------------------

    async def load(self, nri_id: UUID, *, actor: Principal, for_update: bool = False) -> Nri:
        """The NRI if the caller may see it: never-recognised NRIs are private to their coordinators and
        the Secretariat (404 for everyone else, so their existence does not leak)."""
        nri = await self.repo.get(nri_id, for_update=for_update)
        if nri is None or (nri.recognised_at is None and not is_manager(actor, nri_id)):
            raise NriNotFound(f"no NRI {nri_id}")
        return nri

    async def load_managed(
        self, nri_id: UUID, *, actor: Principal, expected_version: int | None = None
    ) -> Nri:
        """The NRI, locked for this transaction, if the caller coordinates it (or is the Secretariat)."""
        nri = await self.load(nri_id, actor=actor, for_update=True)
        if not is_manager(actor, nri_id):
            raise NotNriCoordinator(f"you do not coordinate {nri.name}")
        check_version(nri.version, expected_version)
        return nri

    async def present(self, nri: Nri, *, actor: Principal, manager: bool | None = None) -> Nri:
        if manager if manager is not None else is_manager(actor, nri.id):
            return msgspec.structs.replace(nri, latest_submission=await self.repo.latest_submission(nri.id))
        return redacted(nri)

    # -- registration and edits ----------------------------------------------------------------------

    async def register(self, data: NriCreate, *, actor: Principal) -> Nri:
        if actor.user_id is None:
            raise Forbidden("an NRI is registered by a person, who becomes its first coordinator")
        if errors := await self._parent_errors(data, None):
            raise NriInvalid("the parent NRI is not valid", errors=errors)
        nri = await self.repo.insert(
            data,
            countries.regional_groups(data.countries),
            status=S.draft.value,
            created_by=actor.subject,
            now=self.clock.now(),
        )
        await self.identity.grant_role(
            actor.user_id,
            GrantCreate(role=Role.nri_coordinator, resource_id=nri.id),
            actor=actor,
            source="nri",
        )
        await changelog.record(
            self.conn,
            "nri.registered",
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data={"to": nri.status.value, "content": content_of(nri), "coordinator": str(actor.user_id)},
            event_data=event_data(nri),
            public=False,
        )
        return await self.present(nri, actor=actor, manager=True)

    async def get(self, nri_id: UUID, *, actor: Principal) -> Nri:
        return await self.present(await self.load(nri_id, actor=actor), actor=actor)

    async def patch(self, nri_id: UUID, patch: NriPatch, *, expected_version: int, actor: Principal) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        changes = patch.changes()
        self._check_editable(nri, changes.keys(), actor)
        merged = {**content_of(nri), **msgspec.to_builtins(changes)}
        try:
            content = msgspec.convert(merged, NriCreate)
        except msgspec.ValidationError as exc:
            raise NriInvalid(str(exc), errors=[validation_error(exc)]) from None
        errors = await self._parent_errors(content, nri.id)
        if nri.status in CLAIMED and not (content.website or content.mailing_list_url):
            errors.append(FieldError("/website", "a public website or mailing list must remain"))
        if errors:
            raise NriInvalid("; ".join(e.detail for e in errors), errors=errors)
        before = content_of(nri)
        after = msgspec.to_builtins(content)
        changed = sorted(f for f in after if after[f] != before[f])
        if not changed:
            return await self.present(nri, actor=actor)  # nothing differs: no new version
        updated = await self.repo.update_content(
            nri.id, nri.version, content, countries.regional_groups(content.countries), self.clock.now()
        )
        if updated is None:
            raise PreconditionFailed("the NRI changed meanwhile: read it again and retry")
        await changelog.record(
            self.conn,
            "nri.updated",
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data={"fields": changed, "changes": {f: after[f] for f in changed}, "version": updated.version},
            event_data=event_data(updated, fields=changed),
            public=is_public(updated),
        )
        return await self.present(updated, actor=actor)

    @staticmethod
    def _check_editable(nri: Nri, fields: Iterable[str], actor: Principal) -> None:
        fields = sorted(fields)
        if nri.status in CLOSED:
            locked = fields
            why = f"the NRI is {nri.status.value}: nothing can be changed"
        elif actor.has_role(Role.secretariat) or nri.status in COORDINATOR_EDITABLE:
            return
        else:
            locked = [f for f in fields if f in RECOGNITION_FIELDS]
            why = (
                f"recognition fields are editable in draft or changes_requested only (now {nri.status.value}); "
                f"contact fields ({', '.join(sorted(CONTACT_FIELDS))}) stay editable"
            )
        if locked:
            raise FieldsLocked(
                why,
                errors=[FieldError(f"/{f}", why) for f in locked],
                extra={"nri_status": nri.status.value, "locked_fields": locked},
            )

    async def _parent_errors(self, content: NriCreate, nri_id: UUID | None) -> list[FieldError]:
        if content.parent_nri_id is None:
            return []
        parent = await self.repo.get(content.parent_nri_id)
        if parent is None:
            return [FieldError("/parent_nri_id", f"no NRI {content.parent_nri_id}")]
        if parent.id == nri_id or parent.type is NriType.youth:
            return [FieldError("/parent_nri_id", "the parent must be another, non-youth NRI")]
        return []

    # -- the recognition workflow --------------------------------------------------------------------

    async def submit(
        self, nri_id: UUID, body: NriSubmit, *, expected_version: int | None, actor: Principal
    ) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        if not actor.is_bound(Role.nri_coordinator, nri_id):
            raise NotNriCoordinator("the NRI's coordinator submits it and affirms the IGF principles")
        self._check_transition(nri, S.submitted)
        affirmed = set(body.affirmed_principles)
        evaluation = criteria.evaluate(nri, affirmed)
        if evaluation.unmet:
            raise CriteriaNotMet(
                f"{len(evaluation.unmet)} recognition criteria are not met: {', '.join(evaluation.unmet)}",
                errors=evaluation.errors,
                extra={"unmet_criteria": evaluation.unmet, "met_criteria": evaluation.met},
            )
        await self._refuse_duplicate(nri)
        updated = await self._transition(
            nri, S.submitted, actor=actor, extra={"warnings": evaluation.warnings}
        )
        await self.repo.insert_submission(
            updated,
            submitted_at=self.clock.now(),
            submitted_by=actor.subject,
            affirmed=sorted(p.value for p in affirmed),
            criteria_met=evaluation.met,
            warnings=evaluation.warnings,
        )
        return await self.present(updated, actor=actor)

    async def start_review(self, nri_id: UUID, *, expected_version: int | None, actor: Principal) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        updated = await self._transition(nri, S.under_review, actor=actor)
        await self.repo.start_review(nri.id, self.clock.now(), actor.subject)
        return await self.present(updated, actor=actor)

    async def recognise(
        self, nri_id: UUID, body: NriDecision, *, expected_version: int | None, actor: Principal
    ) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        self._check_transition(nri, S.recognised)
        await self._refuse_duplicate(nri)
        now = self.clock.now()
        updated = await self._transition(
            nri, S.recognised, actor=actor, reason=body.reason, recognised_at=now, activity_on=now.date()
        )
        await self.repo.decide(
            nri.id, decision=S.recognised.value, reason=body.reason, changes=[], at=now, by=actor.subject
        )
        return await self.present(updated, actor=actor)

    async def request_changes(
        self, nri_id: UUID, body: NriChangesRequest, *, expected_version: int | None, actor: Principal
    ) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        fields = {str(field): reason for field, reason in body.fields.items()}
        updated = await self._transition(
            nri, S.changes_requested, actor=actor, reason=body.reason, changes=body.changes, fields=fields
        )
        await self.repo.decide(
            nri.id,
            decision=S.changes_requested.value,
            reason=body.reason,
            changes=body.changes,
            fields=fields,
            at=self.clock.now(),
            by=actor.subject,
        )
        return await self.present(updated, actor=actor)

    async def decline(
        self, nri_id: UUID, body: NriDecision, *, expected_version: int | None, actor: Principal
    ) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        updated = await self._transition(nri, S.declined, actor=actor, reason=body.reason)
        await self.repo.decide(
            nri.id,
            decision=S.declined.value,
            reason=body.reason,
            changes=[],
            at=self.clock.now(),
            by=actor.subject,
        )
        return await self.present(updated, actor=actor)

    async def withdraw(
        self, nri_id: UUID, body: NriDecision, *, expected_version: int | None, actor: Principal
    ) -> Nri:
        nri = await self.load_managed(nri_id, actor=actor, expected_version=expected_version)
        updated = await self._transition(nri, S.withdrawn, actor=actor, reason=body.reason)
        return await self.present(updated, actor=actor)

    async def mark_inactive(self, nri_id: UUID, *, actor: Principal) -> Nri | None:
        """The nightly scan: flag one recognised NRI without recent activity (re-checked under the lock)."""
        nri = await self.repo.get(nri_id, for_update=True)
        cutoff = self.inactivity_cutoff()
        if nri is None or nri.status is not S.recognised or (nri.last_activity_on or cutoff) >= cutoff:
            return None  # reported meanwhile, or already handled by a concurrent scan
        years = self.settings.nri.inactive_after_years
        reason = (
            f"no activity report since {nri.last_activity_on.isoformat() if nri.last_activity_on else 'recognition'}"
            f"; recognised NRIs are flagged inactive after {years} years without one. "
            "Submit an activity report for a recent meeting to reactivate the NRI."
        )
        coordinators = await self.identity.bound_holders(Role.nri_coordinator, nri.id)
        return await self._transition(
            nri,
            S.inactive,
            actor=actor,
            reason=reason,
            extra={
                "last_activity_on": nri.last_activity_on,
                "inactive_after_years": years,
                "coordinators": [str(c.id) for c in coordinators],
            },
        )

    async def reactivate(self, nri: Nri, *, actor: Principal, year: int, activity_on: date) -> Nri:
        """A new activity report brings an inactive NRI back (called by the report service)."""
        return await self._transition(
            nri,
            S.recognised,
            actor=actor,
            reason=f"activity report for {year} submitted",
            activity_on=activity_on,
            event="nri.reactivated",
            extra={"year": year},
        )

    def inactivity_cutoff(self) -> date:
        return years_before(self.clock.now().date(), self.settings.nri.inactive_after_years)

    @staticmethod
    def _check_transition(nri: Nri, to: NriStatus) -> None:
        if to not in TRANSITIONS[nri.status]:
            raise IllegalTransition(
                current=nri.status.value, requested=to.value, allowed=TRANSITIONS[nri.status]
            )

    async def _refuse_duplicate(self, nri: Nri) -> None:
        duplicate = await self.repo.recognised_with_key(nri.type.value, nri.countries, nri.id)
        if duplicate is not None:
            raise NriDuplicate(
                f"{duplicate['name']} is already the recognised {nri.type.value} NRI for "
                f"{', '.join(nri.countries)}",
                extra={
                    "duplicate_of": {
                        "id": str(duplicate["id"]),
                        "name": duplicate["name"],
                        "href": f"/v1/nris/{duplicate['id']}",
                    }
                },
            )

    async def _transition(
        self,
        nri: Nri,
        to: NriStatus,
        *,
        actor: Principal,
        reason: str | None = None,
        changes: list[str] | None = None,
        fields: dict[str, str] | None = None,
        recognised_at: datetime | None = None,
        activity_on: date | None = None,
        event: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Nri:
        self._check_transition(nri, to)
        try:
            async with self.conn.transaction():  # a savepoint, so the backstop index can answer 409
                updated = await self.repo.update_status(
                    nri.id,
                    nri.version,
                    status=to.value,
                    reason=reason,
                    requested_changes=changes or [],
                    requested_fields=fields or {},
                    now=self.clock.now(),
                    recognised_at=recognised_at,
                    activity_on=activity_on,
                )
        except asyncpg.UniqueViolationError:
            raise NriDuplicate("a recognised NRI of this type already covers these countries") from None
        if updated is None:
            raise PreconditionFailed("the NRI changed meanwhile: read it again and retry")
        action = event or EVENT_OF[to]
        data: dict[str, Any] = {"from": nri.status.value, "to": to.value, "reason": reason, **(extra or {})}
        if changes:
            data["changes_requested"] = changes
        if fields:
            data["fields_requested"] = fields
        published = event_data(updated, **data)
        if not is_public(nri) and is_public(
            updated
        ):  # becoming public: consumers start from its public state
            published["nri"] = msgspec.to_builtins(redacted(updated))
        await changelog.record(
            self.conn,
            action,
            actor=actor.subject,
            subject_type="nri",
            subject_id=nri.id,
            data=data,
            event_data=published,
            public=is_public(updated),
        )
        return updated

    # -- reading one NRI -----------------------------------------------------------------------------

    async def history(
        self, nri_id: UUID, *, cursor: str | None, limit: int, actor: Principal, loaded: Nri | None = None
    ) -> HistoryPage:
        """``loaded``: the NRI as ``get``/``load`` just returned it to this ``actor`` (a page showing both reads
        it once); otherwise it is loaded here, 404 unless the actor may see it."""
        if loaded is None or loaded.id != nri_id:
            await self.load(nri_id, actor=actor)
        keyset = Keyset(cursor, tuple[int], limit)
        rows, next_cursor = keyset.cut(
            await self.repo.history(nri_id, after_seq=keyset.first(0), limit=keyset.fetch),
            lambda row: (row.seq,),
        )
        if not is_manager(actor, nri_id):
            rows = [
                msgspec.structs.replace(
                    e, actor=None, data={k: v for k, v in e.data.items() if k in PUBLIC_HISTORY_KEYS}
                )
                for e in rows
            ]
        return HistoryPage(items=rows, next_cursor=next_cursor)

    async def awaiting_review(self, *, actor: Principal, limit: int = 200) -> list[AwaitingReview]:
        """The NRIs waiting for the Secretariat's review, the longest-waiting first (the Secretariat only)."""
        if not actor.has_role(Role.secretariat):
            raise Forbidden("the Secretariat reviews NRIs")
        return await self.repo.awaiting_review(limit)

    async def changes_since_submission(
        self, nri_id: UUID, *, actor: Principal
    ) -> dict[str, tuple[Any, Any]] | None:
        """Each field a coordinator writes that differs from the last submission: (as submitted, now). None
        when the NRI was never submitted. For its managers only, like the submissions."""
        nri = await self.load(nri_id, actor=actor)
        if not is_manager(actor, nri_id):
            raise NotNriCoordinator(f"you do not coordinate {nri.name}")
        snapshot = await self.repo.latest_snapshot(nri.id)
        if snapshot is None:
            return None
        now = content_of(nri)
        return {f: (snapshot.get(f), now[f]) for f in now if snapshot.get(f) != now[f]}

    async def submissions(self, nri_id: UUID, *, actor: Principal) -> list[Submission]:
        await self.load_managed(nri_id, actor=actor)
        return await self.repo.submissions(nri_id, latest=params.LATEST_SHOWN)


async def resolve_report(conn: asyncpg.Connection, report_id: UUID) -> Reference | None:
    """An IGF Message cites a submitted report; drafts and unknown ids resolve to nothing."""
    row = await ReportRepository(conn).citable(report_id)
    if row is None:
        return None
    label = f"{row['name']} ({row['acronym']})" if row["acronym"] else row["name"]
    return Reference(
        kind="nri_report",
        id=row["id"],
        title=f"{label}: annual activity report {row['year']}",
        href=f"/v1/nris/{row['nri_id']}/reports/{row['year']}",
    )
