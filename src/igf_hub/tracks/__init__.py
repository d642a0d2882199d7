"""Intersessional tracks: BPFs, Dynamic Coalitions, Policy Networks, other tracks, and their outputs."""

from igf_hub.tracks.call_controllers import CallController
from igf_hub.tracks.controllers import TrackController
from igf_hub.tracks.output_controllers import OutputController

__all__ = ["CallController", "OutputController", "TrackController"]
