"""Webhooks: consumers, endpoints, signed delivery with retries, and the pull event log."""

from igf_hub.webhooks.controllers import ConsumerController, EventController

__all__ = ["ConsumerController", "EventController"]
