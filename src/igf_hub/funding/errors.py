"""Funding's domain errors (rendered as RFC 9457 problems by app.py)."""

from __future__ import annotations

from igf_hub.core.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable


class DonorNotFound(NotFound):
    slug, title = "donor-not-found", "No such donor"


class DonorAlreadyExists(Conflict):
    slug, title = "donor-already-exists", "A donor with this legal name already exists"


class ContributionNotFound(NotFound):
    slug, title = "contribution-not-found", "No such contribution"


class EventNotFound(NotFound):
    slug, title = "ledger-event-not-found", "No such ledger event"


class NriGrantNotFound(NotFound):
    slug, title = "nri-grant-not-found", "No such NRI grant"


class NotYourDonor(Forbidden):
    slug, title = "not-your-donor", "A funder sees only the donor it is bound to"


class InvalidDonor(Unprocessable):
    slug, title = "invalid-donor", "The donor breaks one or more rules"


class InvalidContribution(Unprocessable):
    slug, title = "invalid-contribution", "The contribution breaks one or more rules"


class InvalidEvent(Unprocessable):
    slug, title = "invalid-ledger-event", "The ledger event breaks one or more rules"


class MissingExchangeRate(Unprocessable):
    slug, title = "missing-exchange-rate", "No exchange rate for this currency and date"


class InvalidRates(Unprocessable):
    slug, title = "invalid-exchange-rates", "The exchange-rate upload has errors; nothing was stored"


class RateAlreadyRecorded(Conflict):
    slug, title = (
        "exchange-rate-already-recorded",
        "A different rate is already recorded for this currency and date",
    )


class InvalidGrant(Unprocessable):
    slug, title = "invalid-nri-grant", "The NRI grant breaks one or more rules"


class NriGrantAlreadyExists(Conflict):
    slug, title = "nri-grant-already-exists", "This programme already has a grant for this NRI and year"


class FundedByAnotherProgramme(Conflict):
    slug, title = "nri-funded-by-another-programme", "Another programme already funds this NRI this year"


class FundingImportRejected(Unprocessable):
    slug, title = (
        "funding-import-rejected",
        "The file was not imported: fix the rows listed and send it again",
    )


class UnsupportedImportType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Send text/csv or application/json"
