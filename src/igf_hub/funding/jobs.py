"""Funding in the worker: funding has no scheduled work of its own (overdue pledges are computed on read, from
the injected clock). Its NRI directory follows NRI events through funding/wiring.py, in whichever process
publishes them."""

from __future__ import annotations

from typing import Any

FUNCTIONS: list[Any] = []
CRON_JOBS: list[Any] = []
