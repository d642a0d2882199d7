"""Who may do what to a track, and what every track event carries. Shared by the services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from igf_hub.auth.principal import Principal, Role
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
