"""The yearly report's documents: the figures (the published JSON, with its schema), the narrative versions, the
report and the diff between two versions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from igf_hub.core.report_sections import Figure
from igf_hub.core.signing import RecordSignature

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")  # the six UN languages; English is the authoritative text
SOURCE_LANGUAGE = "en"
Language = Literal["en", "fr", "es", "ar", "zh", "ru"]
SCHEMA_PATH = "/v1/reports/schema.json"

SECTION_TITLES = {
    "nri": "National and Regional IGF Initiatives",
    "tracks": "Intersessional work",
    "messages": "IGF Messages",
    "mag": "Multistakeholder Advisory Group",
    "funding": "Funding",
}
# The narrative sections a new draft starts with (the Secretariat adds, renames and fills them).
DEFAULT_NARRATIVE = [
    ("introduction", "Introduction"),
    *SECTION_TITLES.items(),
    ("conclusions", "Conclusions"),
]


class State(enum.StrEnum):
    draft = "draft"
    published = "published"


class Section(msgspec.Struct, kw_only=True):
    name: str  # nri, tracks, messages, mag, funding
    title: str
    figures: list[Figure]


class FiguresDocument(msgspec.Struct, kw_only=True):
    """Every figure of the yearly report, each with the query or export that reproduces it. A draft's figures
    are computed when read; a published report's are those frozen when it was published."""

    year: int
    computed_at: datetime
    schema: str = SCHEMA_PATH  # the JSON Schema of this document
    sections: list[Section]


SectionId = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class NarrativeSection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: SectionId  # stable across versions and languages: a translation keeps the English ids
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    markdown: Annotated[str, msgspec.Meta(max_length=100_000)] = ""


class VersionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new narrative version: English (authoritative), or a translation of an English version."""

    language: Language = "en"
    sections: Annotated[list[NarrativeSection], msgspec.Meta(min_length=1, max_length=50)]
    translation_of: int | None = None  # a translation: the English version it translates (default: current)
    machine_translation: bool = False


class Version(msgspec.Struct, kw_only=True):
    number: int
    language: str
    sections: list[NarrativeSection]
    machine_translation: bool
    translation_of: int | None
    created_by: str
    created_at: datetime


class ReportLinks(msgspec.Struct, kw_only=True):
    self: str
    figures: str  # the JSON document of every figure
    html: str  # the page, in English (/fr/…, /ar/… for the others)
    pdf: str  # the English PDF (?lang= for the others)


class Report(msgspec.Struct, kw_only=True):
    id: UUID
    year: int
    state: State
    current_version_number: int
    published_version_number: int | None
    published_at: datetime | None
    # The narrative in each language: the newest version of each (at publication, for a published report).
    narrative: list[Version]
    figures: FiguresDocument
    links: ReportLinks
    signature: RecordSignature | None = None  # the IGF's signature of the published report
    created_at: datetime
    updated_at: datetime


class ChangeKind(enum.StrEnum):
    unchanged = "unchanged"
    changed = "changed"
    added = "added"
    removed = "removed"


class SectionChange(msgspec.Struct, kw_only=True):
    id: str
    change: ChangeKind
    title_before: str | None
    title_after: str | None
    unified: str  # the unified diff of the section's Markdown (empty when unchanged)


class VersionDiff(msgspec.Struct, kw_only=True):
    year: int
    from_version: int
    to_version: int
    language: str
    sections: list[SectionChange]


class ReportPublished(msgspec.Struct, kw_only=True):
    """The data of ``report.published``: the published report and its signature (keep both to prove later
    what the IGF published)."""

    id: UUID
    year: int
    version_number: int
    published_at: datetime
    languages: list[str]
    figures: str  # the URL of the JSON document of every figure
    html: str
    pdf: str
    signature: RecordSignature
