"""The NRI form of the coordinator's workspace: what the person typed, the content it means (NriCreate's
shape, checked field by field against NriCreate's own types so every bad field gets its sentence), and the
refusals of the NRI service said as sentences at the fields they name.

No rule lives here: each check is msgspec's conversion to the API's schema types, and the recognition
criteria are nri/criteria.py's, the function the service's ``submit`` runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from igf_hub.core import countries
from igf_hub.core.errors import DomainError, FieldError
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.nri import criteria
from igf_hub.nri.schemas import (
    CommitteeMember,
    FocalPoint,
    Gender,
    IgfPrinciple,
    Nri,
    NriCreate,
    NriStatus,
    NriType,
    YouthScope,
)
from igf_hub.web.i18n import N_

FIELDS = {f.name: f for f in msgspec.structs.fields(NriCreate)}
TEXT_FIELDS = (
    "name",
    "acronym",
    "scope_note",
    "website",
    "mailing_list_url",
    "contact_email",
    "description",
    "meeting_report_url",
    "meeting_report_text",
)
MEMBER_KEYS = ("name", "organisation", "stakeholder_group", "country", "city", "gender")
FOCAL_KEYS = ("name", "email", "role")
FOCAL_ROWS = 3  # the schema's maximum
EMPTY_ROWS = 3  # blank committee rows offered after the filled ones
MAX_ROWS = 500  # the schema's maximum

FIELD_ERRORS = {
    "type": N_("Choose the kind of initiative."),
    "youth_scope": N_("Choose the level of a youth initiative, or leave it empty for any other initiative."),
    "name": N_("Enter the initiative's name, from 2 to 200 characters."),
    "acronym": N_("Enter an acronym of at most 40 characters, or leave it empty."),
    "countries": N_("Choose at least one country."),
    "scope_note": N_("Describe the scope in at most 500 characters, or leave it empty."),
    "website": N_("Enter the website's full address, starting with https://, or leave it empty."),
    "mailing_list_url": N_(
        "Enter the mailing list's full address, starting with https://, or leave it empty."
    ),
    "contact_email": N_(
        "Enter an e-mail address in the correct format, like name@example.org, or leave it empty."
    ),
    "languages": N_("Enter languages as codes separated by commas, such as en, fr, pt-BR."),
    "year_founded": N_("Enter the year the initiative was founded, from 1990 to 2100, or leave it empty."),
    "description": N_("Write a description of at most 20,000 characters."),
    "committee": N_("The organising committee lists at most 500 members."),
    "focal_points": N_("Name at least one focal point: the person the IGF Secretariat writes to."),
    "meeting_report_url": N_(
        "Enter the meeting report's full address, starting with https://, or leave it empty."
    ),
    "meeting_report_text": N_("Write the meeting report in at most 100,000 characters."),
}
MEMBER_ERRORS = {
    "name": N_("Committee member %(row)d: enter their name, from 2 to 200 characters."),
    "organisation": N_("Committee member %(row)d: enter an organisation of at most 500 characters."),
    "stakeholder_group": N_("Committee member %(row)d: choose their stakeholder group."),
    "country": N_("Committee member %(row)d: choose their country."),
    "city": N_("Committee member %(row)d: enter a city of at most 500 characters."),
    "gender": N_("Committee member %(row)d: choose a gender from the list, or leave it empty."),
}
FOCAL_ERRORS = {
    "name": N_("Focal point %(row)d: enter their name, from 2 to 200 characters."),
    "email": N_("Focal point %(row)d: enter an e-mail address in the correct format, like name@example.org."),
    "role": N_("Focal point %(row)d: enter a role of at most 500 characters."),
}
# The schema's own cross-field rules (NriCreate.__post_init__), said at the field to fix.
RULE_SENTENCES = (
    ("exactly one country", "countries", N_("A national initiative covers exactly one country.")),
    (
        "at least two countries",
        "countries",
        N_("A sub-regional or regional initiative covers at least two countries."),
    ),
    (
        "youth_scope",
        "youth_scope",
        N_("Choose the level of a youth initiative, and leave it empty for any other initiative."),
    ),
    ("unknown ISO 3166-1", "countries", N_("Choose the countries from the list.")),
)
# The NRI service's own refusals (nri/service.py), by what they say.
SERVICE_SENTENCES = (
    (
        "a public website or mailing list must remain",
        N_("A submitted or recognised initiative keeps a public website or mailing list."),
    ),
)
LOCKED = N_(
    "This cannot change while the initiative is %(status)s: only its contact details (website, mailing list, "
    "contact e-mail, focal points, languages, description) can."
)
CLOSED_SENTENCE = N_("The initiative is %(status)s: nothing can be changed any more.")
DUPLICATE = N_("A recognised initiative of this type already covers these countries.")
CANNOT_SUBMIT = N_("An initiative that is %(status)s cannot be submitted.")
ONLY_COORDINATORS = N_("Only the initiative's coordinators submit it and affirm the IGF principles.")

CRITERION_TEXT = {
    "multistakeholder_committee": (
        N_("A multistakeholder organising committee"),
        N_(
            "The organising committee is drawn from at least three different stakeholder groups (government, "
            "intergovernmental organisations, private sector, civil society, technical community, academia)."
        ),
    ),
    "public_channel": (
        N_("A public website or mailing list"),
        N_(
            "The initiative is open and transparent: it has a public website or a public mailing list with an archive."
        ),
    ),
    "meeting_report": (
        N_("A report of the founding or most recent meeting"),
        N_("A report (its address or its text) of the initiative's founding meeting or its most recent one."),
    ),
    "principles_affirmed": (
        N_("The IGF principles affirmed"),
        N_(
            "The coordinator who submits affirms that the initiative is open and transparent, inclusive, "
            "bottom-up, multistakeholder and non-commercial."
        ),
    ),
}
ADVISORY_TEXT = {
    "regional_diversity": N_(
        "Regional diversity: committee members from more than one city (national initiatives) or more than one "
        "country (regional ones). The reviewer sees this advice; it never stops a submission."
    ),
    "gender_diversity": N_(
        "Gender diversity: committee members of more than one gender. The reviewer sees this advice; it never "
        "stops a submission."
    ),
}
# Where each criterion is fixed in the form (its pointer in the API names the field).
POINTER_FIELDS = {
    "/committee": "committee",
    "/website": "website",
    "/meeting_report_url": "meeting_report_url",
    "/affirmed_principles": "principles",
}
PRINCIPLE_NAMES = {
    IgfPrinciple.open_and_transparent: N_("Open and transparent"),
    IgfPrinciple.inclusive: N_("Inclusive"),
    IgfPrinciple.bottom_up: N_("Bottom-up"),
    IgfPrinciple.multistakeholder: N_("Multistakeholder"),
    IgfPrinciple.non_commercial: N_("Non-commercial"),
}
GENDER_NAMES = {
    Gender.female: N_("Female"),
    Gender.male: N_("Male"),
    Gender.non_binary: N_("Non-binary"),
    Gender.other: N_("Another gender"),
    Gender.undisclosed: N_("Prefers not to say"),
}
_PATH = re.compile(r"at `\$\.?([A-Za-z_]*)")
_MISSING = re.compile(r"missing required field `([A-Za-z_]+)`")


def _text(raw: Mapping[str, Any], name: str) -> str:
    return str(raw.get(name) or "").strip()


def _all(raw: Any, name: str) -> list[str]:
    values = raw.getall(name, []) if hasattr(raw, "getall") else raw.get(name) or []
    if isinstance(values, str):
        values = [values]
    return [str(v).strip() for v in values if str(v).strip()]


def _row_count(raw: Mapping[str, Any]) -> int:
    text = _text(raw, "rows")
    return min(int(text), MAX_ROWS + EMPTY_ROWS) if text.isascii() and text.isdigit() else EMPTY_ROWS


class NriForm:
    """The registration and edit form: ``values`` as typed (for the template), ``content`` as NriCreate's
    builtins, ``errors`` field id -> message (untranslated, with ``params``), in the form's order."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.errors: dict[str, str] = {}
        self.params: dict[str, dict[str, Any]] = {}
        self.content: dict[str, Any] = {}

    # -- reading ---------------------------------------------------------------------------------------

    @classmethod
    def from_request(cls, raw: Any) -> NriForm:
        rows = _row_count(raw)
        values: dict[str, Any] = {name: _text(raw, name) for name in TEXT_FIELDS}
        values |= {
            "type": _text(raw, "type"),
            "youth_scope": _text(raw, "youth_scope"),
            "year_founded": _text(raw, "year_founded"),
            "languages": _text(raw, "languages"),
            "countries": _all(raw, "countries"),
            "principles": _all(raw, "principles"),
            "committee": [{key: _text(raw, f"cm{i}_{key}") for key in MEMBER_KEYS} for i in range(rows)],
            "focal_points": [
                {key: _text(raw, f"fp{i}_{key}") for key in FOCAL_KEYS} for i in range(FOCAL_ROWS)
            ],
        }
        form = cls(values)
        form.parse()
        return form

    @classmethod
    def from_content(cls, content: Mapping[str, Any], principles: list[str] | None = None) -> NriForm:
        """The form showing saved content (``content_of(nri)``), ready to edit."""
        values: dict[str, Any] = {name: content.get(name) or "" for name in TEXT_FIELDS}
        members = [{k: m.get(k) or "" for k in MEMBER_KEYS} for m in content.get("committee") or []]
        focal = [{k: f.get(k) or "" for k in FOCAL_KEYS} for f in content.get("focal_points") or []]
        values |= {
            "type": content.get("type") or "",
            "youth_scope": content.get("youth_scope") or "",
            "year_founded": str(content.get("year_founded") or ""),
            "languages": ", ".join(content.get("languages") or []),
            "countries": list(content.get("countries") or []),
            "principles": principles or [],
            "committee": members + [dict.fromkeys(MEMBER_KEYS, "") for _ in range(EMPTY_ROWS)],
            "focal_points": (focal + [dict.fromkeys(FOCAL_KEYS, "") for _ in range(FOCAL_ROWS)])[:FOCAL_ROWS],
        }
        form = cls(values)
        form.parse()
        form.errors, form.params = {}, {}
        return form

    def more_rows(self) -> None:
        if len(self.values["committee"]) < MAX_ROWS + EMPTY_ROWS:
            self.values["committee"] += [dict.fromkeys(MEMBER_KEYS, "") for _ in range(EMPTY_ROWS)]

    def error(self, field_id: str, message: str, **params: Any) -> None:
        self.errors.setdefault(field_id, message)
        if params:
            self.params.setdefault(field_id, params)

    # -- checking against the API's types --------------------------------------------------------------

    def _convert(self, name: str, value: Any) -> Any:
        try:
            return msgspec.convert(value, FIELDS[name].type)
        except msgspec.ValidationError:
            self.error(name, FIELD_ERRORS[name])
            return None

    def parse(self) -> None:
        v = self.values
        content: dict[str, Any] = {}
        content["type"] = self._convert("type", v["type"]) if v["type"] else None
        if not v["type"]:
            self.error("type", FIELD_ERRORS["type"])
        content["youth_scope"] = self._convert("youth_scope", v["youth_scope"] or None)
        for name in TEXT_FIELDS:
            value = v[name] or None
            if name in ("name", "description"):
                value = v[name]
            content[name] = self._convert(name, value)
        content["year_founded"] = self._convert(
            "year_founded",
            int(v["year_founded"])
            if v["year_founded"].isascii() and v["year_founded"].isdigit()
            else v["year_founded"] or None,
        )
        content["countries"] = self._convert("countries", v["countries"])
        languages = [tag.strip() for tag in v["languages"].split(",") if tag.strip()]
        content["languages"] = self._convert("languages", languages)
        content["committee"] = self.rows(
            "cm", v["committee"], MEMBER_KEYS, CommitteeMember, MEMBER_ERRORS, {"country": str.upper}
        )
        content["focal_points"] = self.rows("fp", v["focal_points"], FOCAL_KEYS, FocalPoint, FOCAL_ERRORS, {})
        if not content["focal_points"] and not any(k.startswith("fp") for k in self.errors):
            self.error("fp0_name", FIELD_ERRORS["focal_points"])
        if len(content["committee"]) > MAX_ROWS:
            self.error("committee", FIELD_ERRORS["committee"])
        content["parent_nri_id"] = None
        self.content = content
        if not self.errors:
            try:
                msgspec.convert(content, NriCreate)
            except msgspec.ValidationError as exc:
                self._rule(str(exc))

    def rows(
        self,
        prefix: str,
        rows: list[dict[str, str]],
        keys: tuple[str, ...],
        kind: type[msgspec.Struct],
        messages: Mapping[str, str],
        normalise: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        found = []
        for i, row in enumerate(rows):
            if not any(row.values()):
                continue  # an empty row is no member
            data = {k: normalise.get(k, str)(row[k]) for k in keys if row[k]}
            try:
                found.append(msgspec.to_builtins(msgspec.convert(data, kind)))
            except msgspec.ValidationError as exc:
                match = _MISSING.search(str(exc)) or _PATH.search(str(exc))
                key = match.group(1) if match and match.group(1) in keys else None
                if key is None:  # CommitteeMember's own check: an unknown country code
                    key = "country" if "country" in keys else keys[0]
                self.error(f"{prefix}{i}_{key}", messages[key], row=i + 1)
        return found

    def _rule(self, message: str) -> None:
        for phrase, field_id, sentence in RULE_SENTENCES:
            if phrase in message:
                self.error(field_id, sentence)
        if not self.errors:
            match = _PATH.search(message)
            name = match.group(1) if match and match.group(1) in FIELD_ERRORS else "name"
            self.error(name, FIELD_ERRORS[name])

    # -- the service's refusals ------------------------------------------------------------------------

    def refused(self, exc: DomainError, status: NriStatus) -> None:
        """Say a refusal of the NRI service at the fields it names."""
        slug = getattr(exc, "slug", "")
        field_errors: list[FieldError] = list(getattr(exc, "errors", None) or [])
        if slug == "nri-fields-locked":
            closed = status in (NriStatus.declined, NriStatus.withdrawn)
            for e in field_errors or [FieldError("/name", str(exc))]:
                name = e.pointer.strip("/").split("/")[0]
                self.error(_field_id(name), CLOSED_SENTENCE if closed else LOCKED, status=status.value)
            if not field_errors:
                self.error("name", CLOSED_SENTENCE if closed else LOCKED, status=status.value)
        elif slug == "nri-duplicate":
            self.error("countries", DUPLICATE)
        elif slug == "illegal-transition":
            self.error("submit", CANNOT_SUBMIT, status=status.value)
        elif slug == "not-nri-coordinator":
            self.error("submit", ONLY_COORDINATORS)
        else:
            for e in field_errors:
                name = _field_id(e.pointer.strip("/").split("/")[0])
                sentence = next((s for phrase, s in SERVICE_SENTENCES if phrase in e.detail), None)
                self.error(name, sentence or FIELD_ERRORS.get(name) or e.detail)
            if not self.errors:
                self.error("name", str(exc))


def _field_id(name: str) -> str:
    if name == "focal_points":
        return "fp0_name"
    if name == "committee":
        return "cm0_name"
    return name if name in FIELD_ERRORS else "name"


# -- the recognition criteria, as the coordinator fills the form in ------------------------------------


def provisional(form: NriForm) -> Nri:
    """The NRI the form describes, for the criteria check while it is being filled in: what parses is kept
    (a row with a mistake is left out until it is fixed); the rest is empty."""
    c = form.content
    now = datetime.now(UTC)
    return Nri(
        id=UUID(int=0),
        type=c.get("type") or NriType.national,
        youth_scope=c.get("youth_scope"),
        parent_nri_id=None,
        name=c.get("name") or "",
        acronym=None,
        countries=list(c.get("countries") or []),
        regional_groups=countries.regional_groups(c.get("countries") or []),
        scope_note=None,
        website=c.get("website"),
        mailing_list_url=c.get("mailing_list_url"),
        contact_email=None,
        languages=[],
        year_founded=None,
        description="",
        committee=[msgspec.convert(m, CommitteeMember) for m in c.get("committee") or []],
        focal_points=[],
        meeting_report_url=c.get("meeting_report_url"),
        meeting_report_text=c.get("meeting_report_text"),
        status=NriStatus.draft,
        status_reason=None,
        requested_changes=[],
        recognised_at=None,
        last_activity_on=None,
        version=0,
        created_at=now,
        updated_at=now,
    )


def affirmed(form: NriForm) -> set[IgfPrinciple]:
    return {IgfPrinciple(p) for p in form.values["principles"] if p in set(IgfPrinciple)}


def criteria_rows(evaluation: criteria.Evaluation) -> list[dict[str, Any]]:
    """Each criterion with whether it is met, its words and the field that fixes it."""
    return [
        {
            "code": c.code,
            "met": c.code in evaluation.met,
            "title": CRITERION_TEXT[c.code][0],
            "description": CRITERION_TEXT[c.code][1],
            "field": POINTER_FIELDS.get(c.pointer, "name"),
        }
        for c in criteria.CRITERIA
    ]


def committee_by_group(form: NriForm) -> list[tuple[StakeholderGroup, int]]:
    members = form.content.get("committee") or []
    return [
        (group, n)
        for group in StakeholderGroup
        if (n := sum(1 for m in members if m["stakeholder_group"] == group.value))
    ]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def youth_scope_of(value: str) -> YouthScope | None:
    return YouthScope(value) if value in set(YouthScope) else None
