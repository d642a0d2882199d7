"""The NRI domain's refusals (rendered as problem+json by app.py)."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, Forbidden, NotFound, Unprocessable


class NriNotFound(NotFound):
    slug, title = "nri-not-found", "No such NRI"


class NotNriCoordinator(Forbidden):
    slug, title = "not-nri-coordinator", "Only this NRI's coordinators or the Secretariat may do this"


class CriteriaNotMet(Unprocessable):
    slug, title = "nri-criteria-not-met", "The NRI does not yet meet the IGF recognition criteria"


class NriInvalid(Unprocessable):
    slug, title = "nri-invalid", "The NRI would not be valid after this change"


class NriDuplicate(Conflict):
    slug, title = "nri-duplicate", "A recognised NRI of this type already covers these countries"


class FieldsLocked(Conflict):
    slug, title = "nri-fields-locked", "These fields cannot be changed in the NRI's current state"


class LastCoordinator(Conflict):
    slug, title = "nri-last-coordinator", "An NRI keeps at least one coordinator"


class AlreadyCoordinator(Conflict):
    slug, title = "nri-already-coordinator", "This user already coordinates the NRI"


class UnknownUser(Unprocessable):
    slug, title = "unknown-user", "No such user"


class ReportNotFound(NotFound):
    slug, title = "nri-report-not-found", "No such activity report"


class ReportExists(Conflict):
    slug, title = "nri-report-exists", "This NRI already has a report for that year"


class ReportNotAccepted(Conflict):
    slug, title = "nri-report-not-accepted", "Only recognised (or inactive) NRIs report activity"


class ReportInvalid(Unprocessable):
    slug, title = "nri-report-invalid", "The report would not be valid after this change"


class ImportRejected(Unprocessable):
    slug, title = (
        "nri-import-rejected",
        "The CSV file was not imported: fix the rows listed and send it again",
    )
