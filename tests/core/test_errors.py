"""Messages a person reads: plain state names, sentences instead of regexes, every problem of a record."""

from __future__ import annotations

import msgspec

from igf_hub.core.errors import IllegalTransition, convert_all, plain_detail
from igf_hub.core.schemas import Slug
from igf_hub.messages.states import MessageState


def test_an_illegal_transition_names_states_not_python_enum_reprs() -> None:
    # Issue 15: the Message lifecycle printed "<MessageState.mag_review: 'mag_review'>".
    error = IllegalTransition(
        current=MessageState.mag_review,
        requested=MessageState.published,
        allowed=[MessageState.approved, MessageState.draft],
    )
    assert error.detail == (
        "cannot go from mag_review to published; the states allowed next are: approved, draft"
    )
    assert error.extra == {
        "current_state": "mag_review",
        "requested_state": "published",
        "allowed": ["approved", "draft"],
    }
    assert "<" not in error.detail and "MessageState" not in error.detail
    final = IllegalTransition(current="withdrawn", requested="draft", allowed=[])
    assert final.detail.endswith("none (this is a final state)")


def test_a_pattern_error_is_a_sentence_not_a_regex() -> None:
    try:
        msgspec.convert("Not A Slug", Slug)
    except msgspec.ValidationError as exc:
        detail = plain_detail(str(exc))
    assert detail.startswith("Must be 1 to 64 lowercase letters, digits or hyphens")
    assert "regex" not in detail and "[a-z0-9]" not in detail
    # A pattern nobody described still reads as a sentence.
    assert (
        plain_detail("Expected `str` matching regex '^x+$' - at `$.code`") == "Is not in the expected format"
    )


class _Record(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    year: int
    name: str


def test_convert_all_reports_every_field_of_a_record() -> None:
    record, errors = convert_all({"slug": "Bad!", "year": "x", "colour": "red"}, _Record, prefix="/rows/3")
    assert record is None
    assert [e.pointer for e in errors] == ["/rows/3/slug", "/rows/3/year", "/rows/3/colour", "/rows/3/name"]
    ok, none = convert_all({"slug": "ok", "year": 2005, "name": "CIGF"}, _Record)
    assert ok == _Record(slug="ok", year=2005, name="CIGF") and none == []
