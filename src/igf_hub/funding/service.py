"""Donors and contributions, and who may see their private details (the Secretariat, and a donor's own funders).
Ledger events live in ledger_service.py, exchange rates in rate_service.py.

Every change writes its audit row and its outbox event in the caller's transaction. Outbox data is public-safe:
it never carries a legal name, private notes or documents (webhook consumers are outside the Secretariat).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.auth.schemas import GrantCreate
from igf_hub.auth.service import IdentityService
from igf_hub.core import changelog, countries
from igf_hub.core.clock import Clock
from igf_hub.core.concurrency import check_version
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import Keyset
from igf_hub.core.settings import Settings
from igf_hub.funding.errors import (
    ContributionNotFound,
    DonorAlreadyExists,
    DonorNotFound,
    InvalidContribution,
    InvalidDonor,
    NotYourDonor,
)
from igf_hub.funding.repository import FundingRepository
from igf_hub.funding.schemas import (
    Contribution,
    ContributionCreate,
    ContributionPage,
    ContributionPatch,
    Donor,
    DonorCreate,
    DonorPage,
    DonorPatch,
    FunderBound,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e15")
MAX_RATE_ROWS = 10_000
RATE_COLUMNS = ("currency", "effective_on", "usd_per_unit", "source")


def _unset_to(patch: msgspec.Struct, current: dict[str, Any]) -> dict[str, Any]:
    """The current values with the patch's set fields applied (UNSET keeps, None clears)."""
    merged = dict(current)
    for field in patch.__struct_fields__:
        value = getattr(patch, field)
        if value is not msgspec.UNSET:
            merged[field] = value
    return merged


class FundingService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = FundingRepository(conn)

    # -- who may see a donor's private details ----------------------------------------------------------

    @staticmethod
    def visible_donors(actor: Principal) -> list[UUID] | None:
        """None: every donor (the Secretariat); otherwise the donors this funder is bound to."""
        if actor.has_role(Role.secretariat):
            return None
        return sorted(actor.resources(Role.funder))

    @staticmethod
    def ensure_may_see(actor: Principal, donor_id: UUID) -> None:
        if actor.has_role(Role.secretariat) or actor.is_bound(Role.funder, donor_id):
            return
        raise NotYourDonor(f"you are not a funder of donor {donor_id}")

    # -- donors ---------------------------------------------------------------------------------------

    @staticmethod
    def _donor_rules(values: dict[str, Any]) -> list[FieldError]:
        errors = []
        country, group = values.get("country"), values["stakeholder_group"]
        if group == "intergovernmental" and country is not None:
            errors.append(FieldError("/country", "an intergovernmental organisation has no country"))
        if group != "intergovernmental" and country is None:
            errors.append(
                FieldError("/country", "required for every donor but intergovernmental organisations")
            )
        if country is not None and not countries.is_known(country):
            errors.append(FieldError("/country", f"{country} is not an ISO 3166-1 alpha-2 code"))
        if values.get("iati_org_ref") and not values.get("iati_org_type"):
            errors.append(FieldError("/iati_org_type", "give the IATI organisation type with its identifier"))
        return errors

    async def create_donor(self, data: DonorCreate, *, actor: Principal) -> Donor:
        values = msgspec.structs.asdict(data)
        if errors := self._donor_rules(values):
            raise InvalidDonor(errors=errors)
        try:
            async with self.conn.transaction():
                donor = await self.repo.insert_donor(values, now=self.clock.now())
        except asyncpg.UniqueViolationError:
            raise DonorAlreadyExists(f"a donor named {data.legal_name!r} exists") from None
        await changelog.record(
            self.conn,
            "funding.donor.created",
            actor=actor.subject,
            subject_type="donor",
            subject_id=donor.id,
            data=donor,
            event_data=self._public_donor(donor),
            public=not donor.is_anonymous,
        )
        return donor

    async def get_donor(self, donor_id: UUID, *, actor: Principal) -> Donor:
        self.ensure_may_see(actor, donor_id)
        donor = await self.repo.get_donor(donor_id)
        if donor is None:
            raise DonorNotFound(f"no donor {donor_id}")
        return donor

    async def list_donors(self, *, actor: Principal, cursor: str | None, limit: int) -> DonorPage:
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_donors(
            only=self.visible_donors(actor), after=keyset.after, limit=keyset.fetch
        )
        items, next_cursor = keyset.cut(rows, _created_key)
        return DonorPage(items=items, next_cursor=next_cursor)

    async def patch_donor(
        self, donor_id: UUID, patch: DonorPatch, *, expected_version: int | None, actor: Principal
    ) -> Donor:
        current = await self.repo.get_donor(donor_id, for_update=True)
        if current is None:
            raise DonorNotFound(f"no donor {donor_id}")
        check_version(current.version, expected_version)
        values = _unset_to(patch, msgspec.structs.asdict(current))
        if errors := self._donor_rules(values):
            raise InvalidDonor(errors=errors)
        try:
            async with self.conn.transaction():
                donor = await self.repo.update_donor(donor_id, values, now=self.clock.now())
        except asyncpg.UniqueViolationError:
            raise DonorAlreadyExists(f"a donor named {values['legal_name']!r} exists") from None
        # An anonymous donor's changes are not for consumers, except the change that makes it anonymous: that
        # one tells them to stop showing the name they were given.
        await changelog.record(
            self.conn,
            "funding.donor.updated",
            actor=actor.subject,
            subject_type="donor",
            subject_id=donor_id,
            data={"changed": sorted(msgspec.structs.asdict(patch)), "donor": donor},
            event_data=self._public_donor(donor),
            public=not donor.is_anonymous or not current.is_anonymous,
        )
        return donor

    async def bind_funder(self, donor_id: UUID, user_id: UUID, *, actor: Principal) -> FunderBound:
        if await self.repo.get_donor(donor_id) is None:
            raise DonorNotFound(f"no donor {donor_id}")
        identity = IdentityService(self.conn, self.clock, self.settings)
        await identity.get_user(user_id)  # 404 for an unknown user
        grant = await identity.grant_role(
            user_id, GrantCreate(role=Role.funder, resource_id=donor_id), actor=actor, source="funding"
        )
        await changelog.record(
            self.conn,
            "funding.funder.bound",
            actor=actor.subject,
            subject_type="donor",
            subject_id=donor_id,
            data={"user_id": user_id, "grant_id": grant.id},
            publish=False,  # who may read a donor's records is access control (audited as role.granted too)
        )
        return FunderBound(donor_id=donor_id, user_id=user_id, grant_id=grant.id)

    @staticmethod
    def _public_donor(donor: Donor) -> dict[str, Any]:
        return {
            "id": donor.id,
            "public_name": donor.public_name,
            "is_anonymous": donor.is_anonymous,
            "stakeholder_group": donor.stakeholder_group,
            "country": None if donor.is_anonymous else donor.country,
        }

    # -- contributions --------------------------------------------------------------------------------

    async def _contribution_rules(self, values: dict[str, Any]) -> list[FieldError]:
        errors = []
        if await self.repo.get_donor(values["donor_id"]) is None:
            errors.append(FieldError("/donor_id", f"no donor {values['donor_id']}"))
        via = values.get("via_donor_id")
        if via is not None:
            if via == values["donor_id"]:
                errors.append(FieldError("/via_donor_id", "an intermediary must be another donor"))
            elif await self.repo.get_donor(via) is None:
                errors.append(FieldError("/via_donor_id", f"no donor {via}"))
        earmark, channel = values["earmark"], values["channel"]
        if earmark == "other" and not values.get("earmark_detail"):
            errors.append(FieldError("/earmark_detail", "required when the earmark is 'other'"))
        if values.get("nri_id") and values.get("track_id"):
            errors.append(FieldError("/track_id", "earmark to one NRI or one track, not both"))
        if values.get("nri_id") and earmark != "nri_support" and channel != "direct_to_nri":
            errors.append(
                FieldError("/nri_id", "an NRI is named only with the nri_support earmark or direct_to_nri")
            )
        if values.get("track_id") and earmark != "intersessional":
            errors.append(FieldError("/track_id", "a track is named only with the intersessional earmark"))
        if channel == "direct_to_nri" and not values.get("nri_id"):
            errors.append(FieldError("/nri_id", "direct support to an NRI names the NRI"))
        if values["in_kind"]:
            for field in ("in_kind_description", "valuation_method"):
                if not values.get(field):
                    errors.append(FieldError(f"/{field}", "required for an in-kind contribution"))
        else:
            for field in ("in_kind_description", "valuation_method"):
                if values.get(field):
                    errors.append(FieldError(f"/{field}", "only an in-kind contribution has this"))
        if len(set(values["years"])) != len(values["years"]):
            errors.append(FieldError("/years", "a year is listed twice"))
        return errors

    async def create_contribution(self, data: ContributionCreate, *, actor: Principal) -> Contribution:
        values = msgspec.to_builtins(data, builtin_types=(UUID,))
        values["years"] = sorted(data.years)
        if errors := await self._contribution_rules(values):
            raise InvalidContribution(errors=errors)
        new_id = await self.repo.insert_contribution(values, created_by=actor.subject, now=self.clock.now())
        contribution = await self._get_contribution(new_id)
        await changelog.record(
            self.conn,
            "funding.contribution.created",
            actor=actor.subject,
            subject_type="contribution",
            subject_id=new_id,
            data=contribution,
            event_data=await self._public_contribution(contribution),
        )
        return contribution

    async def contribution(self, contribution_id: UUID) -> Contribution:
        """A contribution with its derived totals (no visibility check: for the ledger's own rules)."""
        return await self._get_contribution(contribution_id)

    async def _get_contribution(self, contribution_id: UUID) -> Contribution:
        contribution = await self.repo.get_contribution(contribution_id)
        if contribution is None:
            raise ContributionNotFound(f"no contribution {contribution_id}")
        return contribution

    async def get_contribution(self, contribution_id: UUID, *, actor: Principal) -> Contribution:
        contribution = await self._get_contribution(contribution_id)
        self.ensure_may_see(actor, contribution.donor_id)
        return contribution

    async def list_contributions(
        self,
        *,
        actor: Principal,
        donor_id: UUID | None,
        channel: str | None,
        earmark: str | None,
        year: int | None,
        cursor: str | None,
        limit: int,
    ) -> ContributionPage:
        visible = self.visible_donors(actor)
        if donor_id is not None:
            if visible is not None and donor_id not in visible:
                raise NotYourDonor(f"you are not a funder of donor {donor_id}")
            visible = [donor_id]
        keyset = Keyset(cursor, tuple[datetime, UUID], limit)
        rows = await self.repo.list_contributions(
            donor_ids=visible,
            channel=channel,
            earmark=earmark,
            year=year,
            after=keyset.after,
            limit=keyset.fetch,
        )
        items, next_cursor = keyset.cut(rows, _created_key)
        return ContributionPage(items=items, next_cursor=next_cursor)

    async def patch_contribution(
        self,
        contribution_id: UUID,
        patch: ContributionPatch,
        *,
        expected_version: int | None,
        actor: Principal,
    ) -> Contribution:
        version = await self.repo.lock_contribution(contribution_id)
        if version is None:
            raise ContributionNotFound(f"no contribution {contribution_id}")
        check_version(version, expected_version)
        current = await self._get_contribution(contribution_id)
        values = _unset_to(patch, msgspec.to_builtins(current, builtin_types=(UUID, date)))
        values = msgspec.to_builtins(values, builtin_types=(UUID,))
        values["years"] = sorted(values["years"])
        has_events = await self.repo.count_events(contribution_id) > 0
        errors = await self._contribution_rules(values)
        if has_events:
            for field in ("donor_id", "channel", "in_kind"):
                if getattr(patch, field) is not msgspec.UNSET and values[field] != msgspec.to_builtins(
                    getattr(current, field), builtin_types=(UUID,)
                ):
                    errors.append(
                        FieldError(f"/{field}", "cannot change once the ledger has events: reverse them")
                    )
        if errors:
            raise InvalidContribution(errors=errors)
        await self.repo.update_contribution(contribution_id, values, now=self.clock.now())
        updated = await self._get_contribution(contribution_id)
        await changelog.record(
            self.conn,
            "funding.contribution.updated",
            actor=actor.subject,
            subject_type="contribution",
            subject_id=contribution_id,
            data={"changed": sorted(msgspec.structs.asdict(patch)), "contribution": updated},
            event_data=await self._public_contribution(updated),
        )
        return updated

    async def _public_contribution(self, c: Contribution) -> dict[str, Any]:
        """What consumers may know of a contribution: an anonymous donor's has no donor id and no title (free
        text that may name it), as in the public ledger."""
        donor = await self.repo.get_donor(c.donor_id)
        via = await self.repo.get_donor(c.via_donor_id) if c.via_donor_id else None
        hidden = donor is None or donor.is_anonymous
        return {
            "id": c.id,
            "donor_id": None if hidden else c.donor_id,
            "donor_public_name": c.donor_public_name,
            "via_donor_id": None if via is None or via.is_anonymous else c.via_donor_id,
            "title": None if hidden else c.title,
            "channel": c.channel,
            "earmark": c.earmark,
            "nri_id": c.nri_id,
            "track_id": c.track_id,
            "in_kind": c.in_kind,
            "years": c.years,
        }


def _created_key(row: Donor | Contribution) -> tuple[str, UUID]:
    """Funding's cursors carry the timestamp as an ISO string (decoded back into a datetime)."""
    return (row.created_at.isoformat(), row.id)
