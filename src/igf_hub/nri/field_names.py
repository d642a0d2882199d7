"""The fields of an NRI in words (marked for translation): what a reason per field is shown beside, in the
review page and in the notice that asks the coordinators for changes."""

from __future__ import annotations

from igf_hub.nri.schemas import NriField
from igf_hub.web.i18n import N_

FIELD_NAMES: dict[NriField, str] = {
    NriField.type: N_("Type"),
    NriField.youth_scope: N_("Youth scope"),
    NriField.parent_nri_id: N_("Parent NRI"),
    NriField.name: N_("Name"),
    NriField.acronym: N_("Acronym"),
    NriField.countries: N_("Countries"),
    NriField.scope_note: N_("Scope note"),
    NriField.website: N_("Website"),
    NriField.mailing_list_url: N_("Mailing list"),
    NriField.contact_email: N_("Contact e-mail"),
    NriField.languages: N_("Languages"),
    NriField.year_founded: N_("Year founded"),
    NriField.description: N_("Description"),
    NriField.committee: N_("Organising committee"),
    NriField.focal_points: N_("Focal points"),
    NriField.meeting_report_url: N_("Meeting report link"),
    NriField.meeting_report_text: N_("Meeting report"),
}


def field_reasons(fields: dict[str, str]) -> list[tuple[NriField, str]]:
    """The reasons per field in the form's order (the fields' declared order), unknown names left out."""
    return [(field, fields[field.value]) for field in NriField if field.value in fields]
