"""The yearly report's refusals, each a sentence a person can act on."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, NotFound


class ReportNotFound(NotFound):
    slug, title = "report-not-found", "No such yearly report"


class ReportPublished(Conflict):
    slug, title = "report-published", "The yearly report is published"
