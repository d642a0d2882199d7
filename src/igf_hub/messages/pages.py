"""The public page of a published Message, rendered on the server (no JavaScript)."""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

from igf_hub.messages.schemas import LanguageText, Message

# CommonMark without raw HTML: whatever a drafter types is escaped, and unsafe link schemes are refused.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})

_PAGE = """<!doctype html>
<html lang="{lang}"{dir}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · IGF Messages</title>
<link rel="alternate" type="application/json" href="{json}">
<style>
 body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.55}}
 .meta,.muted{{color:#555}} .banner{{background:#fff4d6;border-left:4px solid #c98b00;padding:.6rem .9rem}}
 section.paragraph{{position:relative}} a.pid{{position:absolute;left:-2.2rem;color:#999;text-decoration:none;font-size:.8rem}}
 code{{word-break:break-all}} nav a{{margin-right:.6rem}}
</style></head><body>
<p class="meta">IGF {year} · {theme}</p>
<h1>{title}</h1>
{banners}
<nav>{languages}</nav>
{paragraphs}
<h2>Classification</h2>
<ul>{classification}</ul>
<h2>Provenance</h2>
<ul>{provenance}</ul>
<p class="muted">Version {version} · content SHA-256 <code>{sha}</code>{approved} ·
<a href="{json}">JSON</a> · <a href="{markdown}">Markdown</a></p>
</body></html>"""

RTL = frozenset({"ar", "he", "fa", "ur"})


def _text_for(message: Message, language: str | None) -> LanguageText:
    return next((t for t in message.languages if t.language == language), message.languages[0])


def render(message: Message, language: str | None = None) -> str:
    text = _text_for(message, language)
    banners = []
    if message.superseded_by:
        banners.append(
            f'<p class="banner">Superseded by <a href="/messages/{message.superseded_by}">a newer Message</a>.</p>'
        )
    if message.state == "withdrawn":
        banners.append(f'<p class="banner">Withdrawn: {escape(message.withdrawn_reason or "")}</p>')
    if not text.is_authoritative:
        kind = "a machine translation" if text.machine_translation else "a translation"
        banners.append(
            f'<p class="banner">This is {kind}; only the {escape(message.source_language)} text is authoritative.</p>'
        )
    languages = " ".join(
        f'<a href="?lang={escape(t.language)}" hreflang="{escape(t.language)}">{escape(t.language)}'
        f"{' (machine)' if t.machine_translation else ''}</a>"
        for t in message.languages
    )
    paragraphs = "\n".join(
        f'<section class="paragraph" id="{escape(p.id)}"><a class="pid" href="#{escape(p.id)}">¶{escape(p.id[1:])}</a>'
        f"{_MARKDOWN.render(p.text)}</section>"
        for p in text.paragraphs
    )
    c = message.classification
    classification = "".join(
        f"<li>{label}: {escape(', '.join(map(str, codes))) or '—'}</li>"
        for label, codes in (
            ("WSIS Action Lines", c.wsis_action_lines),
            ("SDGs", c.sdgs),
            ("GDC objectives", c.gdc_objectives),
        )
    )
    provenance = (
        "".join(
            f'<li><a href="{escape(p.url or p.href)}">{escape(p.title)}</a> <span class="muted">({escape(p.kind)}'
            f"{', ' + escape(', '.join(p.paragraph_ids)) if p.paragraph_ids else ''})</span></li>"
            for p in message.provenance
        )
        or "<li>none recorded</li>"
    )
    return _PAGE.format(
        lang=escape(text.language),
        dir=' dir="rtl"' if text.language in RTL else "",
        title=escape(text.title),
        year=message.year,
        theme=escape(message.theme),
        banners="\n".join(banners),
        languages=languages,
        paragraphs=paragraphs,
        classification=classification,
        provenance=provenance,
        version=text.version_number,
        sha=text.content_sha256,
        approved=f" · approved {message.approved_at.date().isoformat()}" if message.approved_at else "",
        json=escape(message.links.export_json),
        markdown=escape(message.links.export_markdown),
    )
