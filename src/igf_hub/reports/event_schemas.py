"""The ``data`` of each event the reports domain publishes to consumers (the OpenAPI ``webhooks`` section)."""

from __future__ import annotations

from igf_hub.core.outbox import EventDoc
from igf_hub.reports.schemas import ReportPublished

REPORT_EVENTS = [
    EventDoc(
        type="report.published",
        summary="The IGF published its yearly report to the CSTD: its figures are frozen and the report is signed "
        "(keep the signature with the document to prove what was published).",
        data=ReportPublished,
    ),
]
