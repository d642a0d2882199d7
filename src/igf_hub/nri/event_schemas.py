"""The ``data`` of each NRI event consumers receive (documented in the OpenAPI ``webhooks`` section). NRI events
carry the NRI's public identity and status, plus what the change was; reports carry the whole submitted report.
Registration and everything before recognition is not here: an NRI is public once recognised."""

from __future__ import annotations

from uuid import UUID

import msgspec

from igf_hub.core.outbox import EventDoc
from igf_hub.core.schemas import Classification
from igf_hub.nri.report_schemas import NriReport
from igf_hub.nri.schemas import Nri, NriStatus, NriType


class NriEvent(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    type: NriType
    countries: list[str]
    regional_groups: list[str]
    status: NriStatus


class NriTransition(NriEvent, kw_only=True):
    from_: NriStatus = msgspec.field(name="from")
    to: NriStatus
    reason: str | None
    # When changes are requested: the changes, and the reasons per field (field name to reason).
    changes_requested: list[str] | msgspec.UnsetType = msgspec.UNSET
    fields_requested: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    # On the first recognition (the NRI becomes public): the NRI as GET /v1/nris/{id} shows it to everyone.
    nri: Nri | msgspec.UnsetType = msgspec.UNSET


class NriImported(NriEvent, kw_only=True):
    to: NriStatus
    line: int  # the row of the Secretariat's CSV
    nri: Nri | msgspec.UnsetType = msgspec.UNSET  # the NRI as everyone reads it (when it is public)


class NriUpdated(NriEvent, kw_only=True):
    fields: list[str]  # the fields that changed


class NriCoordinatorChanged(NriEvent, kw_only=True):
    user_id: UUID


class NriRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    type: NriType


class NriReportEvent(msgspec.Struct, kw_only=True):
    nri: NriRef
    report_id: UUID
    year: int
    version: int
    report: NriReport
    classification: Classification
    fields: list[str] | msgspec.UnsetType = msgspec.UNSET  # a revision: the fields that changed


NRI_EVENTS = [
    EventDoc(
        type="nri.recognised",
        summary="Recognised by the Secretariat: the NRI becomes public.",
        data=NriTransition,
    ),
    EventDoc(
        type="nri.imported",
        summary="A recognised NRI was imported from the Secretariat's records.",
        data=NriImported,
    ),
    EventDoc(type="nri.updated", summary="A recognised NRI's profile changed.", data=NriUpdated),
    EventDoc(type="nri.submitted", summary="A recognised NRI re-submitted for review.", data=NriTransition),
    EventDoc(type="nri.review_started", summary="The Secretariat started a review.", data=NriTransition),
    EventDoc(type="nri.changes_requested", summary="The Secretariat asked for changes.", data=NriTransition),
    EventDoc(type="nri.declined", summary="The Secretariat declined it.", data=NriTransition),
    EventDoc(
        type="nri.inactive",
        summary="No reported activity for too long: flagged inactive.",
        data=NriTransition,
    ),
    EventDoc(
        type="nri.reactivated", summary="Activity reported again: recognised once more.", data=NriTransition
    ),
    EventDoc(
        type="nri.withdrawn", summary="Withdrawn by its coordinators or the Secretariat.", data=NriTransition
    ),
    EventDoc(type="nri.coordinator_added", summary="A coordinator was added.", data=NriCoordinatorChanged),
    EventDoc(
        type="nri.coordinator_removed", summary="A coordinator was removed.", data=NriCoordinatorChanged
    ),
    EventDoc(
        type="nri.report_submitted",
        summary="An annual report was submitted (public from now on).",
        data=NriReportEvent,
    ),
    EventDoc(
        type="nri.report_revised", summary="A submitted annual report was revised.", data=NriReportEvent
    ),
]
