"""Funding in the worker. Funding has no scheduled work of its own (overdue pledges are computed on read, from
the injected clock), but NRI events are also published by worker jobs (e.g. the NRI inactivity cron): importing
this module in the worker registers funding's in-transaction outbox subscriber there too, so funding's directory
of recognised NRIs stays current whichever process publishes."""

from __future__ import annotations

from typing import Any

from igf_hub.funding import grants

SUBSCRIBERS = [grants.record_nri_event]  # registered at import of igf_hub.funding.grants
FUNCTIONS: list[Any] = []
CRON_JOBS: list[Any] = []
