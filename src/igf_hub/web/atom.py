"""Atom feeds (RFC 4287): the one writer every domain's feed handler uses.

A domain builds an ``AtomFeed`` from its own service (public records only, as the anonymous reader sees them)
and returns ``atom_response``. What every feed shares lives here:

- ids are ``urn:uuid:`` URIs that never change: an entry's is its record's own id, a feed's is derived from its
  name and language (``feed_id``), so neither depends on the host, a title or a date;
- ``updated`` comes from the records (a feed with no entry says the epoch), so the body, and with it the ETag,
  changes only when a record does;
- the feed links to itself (``rel="self"``) and to its public page (``rel="alternate"``), and every entry to its
  record's public page; titles and summaries are in the feed's language where a translation exists;
- the answer goes through ``core/caching.cached`` (ETag, 304, Cache-Control), typed ``application/atom+xml``.
  The unprefixed address answers in the reader's negotiated language, so it varies on Accept-Language too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from litestar import Request, Response

from igf_hub.core.caching import VARY, cached
from igf_hub.web import i18n

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The namespace of the feeds' own ids (urn:uuid:, RFC 4122 §4.3): fixed forever, like the ids made from it.
FEEDS_NAMESPACE = uuid.UUID("6f1c1f4e-5a0b-4d8e-9a57-3c1c8e1a0b17")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def feed_id(name: str, language: str) -> str:
    """A feed's permanent id, e.g. ``feed_id("messages", "fr")``."""
    return uuid.uuid5(FEEDS_NAMESPACE, f"igf-hub/feeds/{name}/{language}").urn


def entry_id(record_id: uuid.UUID) -> str:
    """An entry's permanent id: its record's own id, whatever else about the record changes."""
    return record_id.urn


@dataclass(frozen=True)
class AtomEntry:
    id: str
    title: str
    updated: datetime
    link: str  # the record's public page, absolute
    summary: str = ""
    published: datetime | None = None
    language: str | None = None  # the language of title and summary, when it differs from the feed's
    categories: Sequence[str] = ()
    related: Sequence[str] = ()  # other absolute links (e.g. the output's document)


@dataclass(frozen=True)
class AtomFeed:
    id: str
    title: str
    subtitle: str
    self_url: str
    alternate_url: str
    language: str
    entries: Sequence[AtomEntry] = field(default_factory=tuple)
    author: str = "IGF Hub"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _text(parent: Element, tag: str, text: str) -> Element:
    child = SubElement(parent, tag)
    child.text = text
    return child


def write(feed: AtomFeed) -> bytes:
    """The feed as an Atom 1.0 document (UTF-8, with its XML declaration)."""
    root = Element("feed", {"xmlns": ATOM_NS, _XML_LANG: feed.language})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    updated = max((entry.updated for entry in feed.entries), default=EPOCH)
    _text(root, "updated", _when(updated))
    SubElement(root, "link", {"rel": "self", "type": MEDIA_TYPE, "href": feed.self_url})
    SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": feed.alternate_url})
    author = SubElement(root, "author")
    _text(author, "name", feed.author)
    _text(root, "generator", "IGF Hub")
    for item in feed.entries:
        entry = SubElement(root, "entry", {_XML_LANG: item.language} if item.language else {})
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", _when(item.updated))
        if item.published is not None:
            _text(entry, "published", _when(item.published))
        SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.link})
        for href in item.related:
            SubElement(entry, "link", {"rel": "related", "href": href})
        for term in item.categories:
            SubElement(entry, "category", {"term": term})
        if item.summary:
            _text(entry, "summary", item.summary)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def feed_urls(request: Request[Any, Any, Any], language: str, page_path: str) -> tuple[str, str]:
    """The feed's own absolute address (as asked: prefixed or not) and its public page's, in ``language``."""
    base = request.app.state.settings.base_url.rstrip("/")
    prefixed = i18n.prefixed_language(request.scope) is not None
    own = i18n.path_in(language, request.url.path) if prefixed else request.url.path
    return base + own, base + i18n.path_in(language, page_path)


def atom_response(request: Request[Any, Any, Any], feed: AtomFeed) -> Response[bytes]:
    """The feed with the caching policy of every read (ETag from its bytes, 304, Cache-Control)."""
    prefixed = i18n.prefixed_language(request.scope) is not None
    vary = VARY if prefixed else f"{VARY}, Accept-Language, Cookie"
    return cached(
        request,
        write(feed),
        headers={"Vary": vary, "Content-Language": feed.language},
        media_type=MEDIA_TYPE,
    )
