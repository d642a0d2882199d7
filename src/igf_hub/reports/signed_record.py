"""What the IGF signs when the Secretariat publishes a yearly report (README, "Signed records"): the figures
frozen with it and its narrative in every language, as published. core/signing.py makes the signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from igf_hub.core import signing
from igf_hub.core.settings import Settings
from igf_hub.reports.schemas import FiguresDocument, Version

KIND = "yearly_report"


def record_document(
    *,
    report_id: str,
    year: int,
    version_number: int,
    published_at: datetime,
    narrative: list[Version],
    figures: FiguresDocument,
    url: str,
) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "year": year,
        "version_number": version_number,
        "published_at": published_at,
        "narrative": [
            {
                "language": v.language,
                "version_number": v.number,
                "machine_translation": v.machine_translation,
                "translation_of": v.translation_of,
                "sections": [msgspec.to_builtins(s) for s in v.sections],
            }
            for v in narrative
        ],
        "figures": msgspec.to_builtins(figures),
        "url": url,
    }


async def sign(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    report_id: object,
    version: int,
    record: dict[str, Any],
    now: datetime,
    actor: str,
) -> signing.RecordSignature:
    return await signing.sign_record(
        conn, settings, kind=KIND, record_id=report_id, version=version, record=record, now=now, actor=actor
    )
