"""The annual report form of the coordinator's workspace: what the person typed, the content it means (the shape
of NriReportCreate, each field checked against that schema's own type), and a sentence for each bad field.
No rule lives here: the report service (nri/report_service.py) decides the rest, as it does for the API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec

from igf_hub.core.schemas import dec_hook
from igf_hub.core.vocab import StakeholderGroup
from igf_hub.nri.report_schemas import NriReportCreate
from igf_hub.nri.schemas import Gender
from igf_hub.web.i18n import N_

FIELDS = {f.name: f for f in msgspec.structs.fields(NriReportCreate)}
TEXT = (
    "meeting_start",
    "meeting_end",
    "format",
    "host_city",
    "host_country",
    "outcome_summary",
    "report_url",
)
ERRORS = {
    "year": N_("Reports are kept for the years 2006 to 2100."),
    "meeting_start": N_("Enter the day the meeting started, such as 2024-06-10."),
    "meeting_end": N_("Enter the day the meeting ended, such as 2024-06-11."),
    "format": N_("Choose how the meeting was held."),
    "host_city": N_("Enter a city of at most 500 characters, or leave it empty."),
    "host_country": N_("Choose the host country from the list, or leave it empty."),
    "participants_total": N_("Enter the number of participants as a whole number, or leave it empty."),
    "participants_by_stakeholder": N_(
        "Enter each number of participants as a whole number, or leave it empty."
    ),
    "participants_by_gender": N_("Enter each number of participants as a whole number, or leave it empty."),
    "topics": N_("Write at most 100 topics, one per line, each of at most 500 characters."),
    "outcome_summary": N_("Write the summary in at most 100,000 characters."),
    "report_url": N_("Enter the report's full address, starting with https://, or leave it empty."),
    "key_messages": N_("Write at most 30 key messages, one per line, each of at most 2,000 characters."),
}
# The schema's own cross-field rules (NriReportCreate.__post_init__), said at the field to fix.
RULES = (
    ("meeting_end must not precede", "meeting_end", N_("The meeting cannot end before it starts.")),
    ("must start in the report's year", "meeting_start", N_("The meeting must start in the report's year.")),
    ("unknown ISO 3166-1", "host_country", N_("Choose the host country from the list, or leave it empty.")),
)
NOT_STARTED = N_(
    "A report is published for a meeting that has started: the meeting's first day is after today."
)


def _text(raw: Mapping[str, Any], name: str) -> str:
    return str(raw.get(name) or "").strip()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ReportForm:
    def __init__(self, year: int, values: dict[str, Any]) -> None:
        self.year = year
        self.values = values
        self.errors: dict[str, str] = {}
        self.content: dict[str, Any] = {}

    @classmethod
    def from_request(cls, year: int, raw: Mapping[str, Any]) -> ReportForm:
        values: dict[str, Any] = {name: _text(raw, name) for name in TEXT}
        values |= {
            "participants_total": _text(raw, "participants_total"),
            "by_group": {g.value: _text(raw, f"by_group_{g.value}") for g in StakeholderGroup},
            "by_gender": {g.value: _text(raw, f"by_gender_{g.value}") for g in Gender},
            "topics": _text(raw, "topics"),
            "key_messages": _text(raw, "key_messages"),
        }
        form = cls(year, values)
        form.parse()
        return form

    @classmethod
    def from_content(cls, year: int, content: Mapping[str, Any]) -> ReportForm:
        """The form showing a saved report's content (``report_service.content_of``)."""
        values: dict[str, Any] = {name: str(content.get(name) or "") for name in TEXT}
        values |= {
            "participants_total": str(content.get("participants_total") or ""),
            "by_group": {
                g.value: str((content.get("participants_by_stakeholder") or {}).get(g.value, ""))
                for g in StakeholderGroup
            },
            "by_gender": {
                g.value: str((content.get("participants_by_gender") or {}).get(g.value, "")) for g in Gender
            },
            "topics": "\n".join(t["title"] for t in content.get("topics") or []),
            "key_messages": "\n".join(content.get("key_messages") or []),
        }
        return cls(year, values)

    def copied_from(self, last_year: int) -> None:
        """Last year's meeting days moved into this year (the report's meeting starts in its own year)."""
        for name in ("meeting_start", "meeting_end"):
            try:
                day = date.fromisoformat(self.values[name])
            except ValueError:
                continue
            moved = day.year + (self.year - last_year)
            self.values[name] = (
                day.replace(year=moved) if (day.month, day.day) != (2, 29) else date(moved, 2, 28)
            ).isoformat()

    def _convert(self, name: str, value: Any) -> Any:
        try:
            return msgspec.to_builtins(msgspec.convert(value, FIELDS[name].type, dec_hook=dec_hook))
        except msgspec.ValidationError:
            self.errors.setdefault(name, ERRORS[name])
            return None

    @staticmethod
    def _number(text: str) -> Any:
        return int(text) if text.isascii() and text.isdigit() else text

    def parse(self) -> None:
        v = self.values
        c: dict[str, Any] = {"year": self._convert("year", self.year)}
        for name in ("meeting_start", "meeting_end", "format"):
            c[name] = self._convert(name, v[name]) if v[name] else self.errors.setdefault(name, ERRORS[name])
        for name in ("host_city", "host_country", "outcome_summary", "report_url"):
            c[name] = self._convert(name, v[name] or None)
        c["participants_total"] = self._convert(
            "participants_total", self._number(v["participants_total"]) if v["participants_total"] else None
        )
        c["participants_by_stakeholder"] = self._convert(
            "participants_by_stakeholder", {k: self._number(n) for k, n in v["by_group"].items() if n}
        )
        c["participants_by_gender"] = self._convert(
            "participants_by_gender", {k: self._number(n) for k, n in v["by_gender"].items() if n}
        )
        c["topics"] = self._convert("topics", [{"title": t} for t in _lines(v["topics"])])
        c["key_messages"] = self._convert("key_messages", _lines(v["key_messages"]))
        self.content = c
        if not self.errors:
            try:
                msgspec.convert(c, NriReportCreate, dec_hook=dec_hook)
            except msgspec.ValidationError as exc:
                found = [(field, sentence) for phrase, field, sentence in RULES if phrase in str(exc)]
                for field, sentence in found or [("meeting_start", ERRORS["meeting_start"])]:
                    self.errors.setdefault(field, sentence)

    def keep_classifications(self, saved: Mapping[str, Any]) -> None:
        """A topic kept by title keeps the classification it was given (through the API)."""
        by_title = {t["title"]: t for t in saved.get("topics") or []}
        self.content["topics"] = [by_title.get(t["title"], t) for t in self.content.get("topics") or []]
