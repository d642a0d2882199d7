"""Webhooks: consumers, endpoints, signed delivery with retries, and the pull event log."""

from igf_hub.webhooks.controllers import ConsumerController, EventController
from igf_hub.webhooks.ssrf import warn_about_allowlist

__all__ = ["ConsumerController", "EventController", "warn_about_allowlist"]
