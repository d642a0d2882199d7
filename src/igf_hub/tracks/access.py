"""Who may do what to a track, and the audit + outbox record every change writes. Shared by the services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.auth.principal import Principal, Role
from igf_hub.core import audit, outbox
from igf_hub.tracks.errors import NotTrackManager, TrackNotFound
from igf_hub.tracks.repository import TrackRepository
from igf_hub.tracks.schemas import TrackRow, TrackStatus

# Statuses in which a track works: takes participants, calls for input and outputs. (An inactive DC may still
# publish the report it owes, and be joined by people who revive it.)
WORKING = frozenset({TrackStatus.active, TrackStatus.inactive})


def manages(actor: Principal, track_id: UUID) -> bool:
    """The Secretariat manages every track; a facilitator only the tracks bound to them."""
    return actor.has_role(Role.secretariat) or actor.is_bound(Role.track_facilitator, track_id)


def require_manager(actor: Principal, track: TrackRow) -> None:
    if not manages(actor, track.id):
        raise NotTrackManager(f"you do not facilitate the track {track.slug!r}")


async def record(
    conn: asyncpg.Connection,
    actor: Principal,
    event: str,
    *,
    subject_type: str,
    subject_id: UUID,
    data: Any,
    public: bool = True,
) -> None:
    """The audit row and the outbox event of one state change, in the caller's transaction (``public``: may
    everyone read the subject now; tracks and calls are always public, draft outputs are not)."""
    await audit.append(
        conn, actor=actor.subject, action=event, subject_type=subject_type, subject_id=subject_id, data=data
    )
    await outbox.publish(conn, event, subject=subject_id, data=data, public=public)


def track_event_data(track: TrackRow, **extra: Any) -> dict[str, Any]:
    """What every track.* event carries: the track's identity, status and classification."""
    return {
        "id": str(track.id),
        "slug": track.slug,
        "type": track.type.value,
        "status": track.status.value,
        "classification": msgspec.to_builtins(track.classification),
        **extra,
    }


async def find_track(tracks: TrackRepository, slug: str, *, for_update: bool = False) -> TrackRow:
    track = await tracks.get_by_slug(slug, for_update=for_update)
    if track is None:
        raise TrackNotFound(f"no track {slug!r}")
    return track
