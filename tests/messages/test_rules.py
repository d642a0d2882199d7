"""Pure rules: the ballot pass rule on many scenarios, the canonical content hash, stable paragraph ids, diffs."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from igf_hub.messages import diff
from igf_hub.messages.ballot_rule import BallotRule, Position, evaluate
from igf_hub.messages.content import IdAllocator, Paragraph, content_sha256, match_ids, split_body
from igf_hub.messages.states import TRANSITIONS, MessageState

Y, N, C, A, R = Position.yes, Position.no_objection, Position.concern, Position.abstain, Position.recuse
GOV, CS, PS, TC = "government", "civil_society", "private_sector", "technical_community"
RULE = BallotRule()


def outcome(
    eligible: int, *positions: tuple[Position, str], rule: BallotRule = RULE
) -> tuple[bool, dict[str, bool]]:
    result = evaluate(eligible, positions, rule)
    return result.passes, {r.rule: r.met for r in result.requirements}


@pytest.mark.parametrize(
    ("eligible", "positions", "passes"),
    [
        # ceil(2/3 x 6) = 4 supporters needed: exactly at the threshold passes, one below fails.
        (6, [(Y, GOV), (Y, CS), (N, PS), (N, TC)], True),
        (6, [(Y, GOV), (Y, CS), (N, PS), (A, TC)], False),
        # ceil(2/3 x 7) = 5 (14/3 = 4.67 rounds up): 4 is not enough, 5 is.
        (7, [(Y, GOV), (Y, CS), (N, PS), (N, TC)], False),
        (7, [(Y, GOV), (Y, CS), (N, PS), (N, TC), (N, GOV)], True),
        # A tie of supporters and abstentions is not consensus at ⌈⅔⌉.
        (6, [(Y, GOV), (Y, CS), (N, PS), (A, TC), (A, GOV), (A, CS)], False),
        # Recusals shrink the base: 6 eligible, 3 recused → ceil(2/3 x 3) = 2.
        (6, [(R, GOV), (R, CS), (R, PS), (Y, GOV), (N, CS), (N, TC)], True),
        # One standing concern blocks even unanimous support otherwise.
        (5, [(Y, GOV), (Y, CS), (Y, PS), (Y, TC), (C, GOV)], False),
        # No yes at all: no_objection alone does not carry a Message.
        (3, [(N, GOV), (N, CS), (N, PS)], False),
        # Everyone recused: nothing can pass.
        (3, [(R, GOV), (R, CS), (R, PS)], False),
        # The stakeholder floor: all supporters from two groups fails even with numbers.
        (4, [(Y, GOV), (Y, GOV), (N, CS), (N, CS)], False),
        (4, [(Y, GOV), (Y, GOV), (N, CS), (N, PS)], True),
        # Nobody has taken a position yet.
        (10, [], False),
    ],
)
def test_ballot_rule(eligible: int, positions: list[tuple[Position, str]], passes: bool) -> None:
    assert evaluate(eligible, positions, RULE).passes is passes


def test_each_failing_requirement_is_named_in_json_and_in_the_sentence() -> None:
    result = evaluate(9, [(Y, GOV), (N, GOV), (C, CS)], RULE)
    met = {r.rule: (r.met, r.have, r.needed) for r in result.requirements}
    assert met == {
        "at_least_yes": (True, 1, 1),
        "no_open_concern": (False, 1, 0),
        "supermajority": (False, 2, 6),
        "stakeholder_groups": (False, 1, 3),
    }
    sentence = result.needed_to_pass
    assert "1 open concern withdrawn" in sentence
    assert "4 more supporting positions" in sentence and "2 of the 6 needed" in sentence
    assert "2 more stakeholder groups" in sentence and "now government" in sentence
    assert "6 not yet taken a position, of 9 eligible" in sentence


def test_all_recused_says_so() -> None:
    result = evaluate(2, [(R, GOV), (R, CS)], RULE)
    assert not result.passes and "every eligible member has recused" in result.needed_to_pass
    assert result.tally.supporting_needed == 0


def test_thresholds_are_configurable() -> None:
    lenient = BallotRule(min_yes=2, supermajority="1/2", min_groups=1)
    # Half of 4 is 2, one group is enough, but two yes are required.
    assert outcome(4, (Y, GOV), (N, GOV), rule=lenient)[0] is False
    assert outcome(4, (Y, GOV), (Y, GOV), rule=lenient)[0] is True
    strict = BallotRule(supermajority="1")
    assert outcome(3, (Y, GOV), (Y, CS), (Y, PS), rule=strict)[0] is True
    assert outcome(3, (Y, GOV), (Y, CS), (A, PS), rule=strict)[0] is False


def test_the_content_hash_is_sha256_over_the_documented_canonical_json() -> None:
    paragraphs = [
        Paragraph("p1", "Z\u00fcrich\u2019s \u201cdata\u201d rules"),
        Paragraph("p2", "Line one\nline two"),
    ]
    expected = json.dumps(
        {
            "language": "fr",
            "paragraphs": [
                {"id": "p1", "text": "Z\u00fcrich\u2019s \u201cdata\u201d rules"},
                {"id": "p2", "text": "Line one\nline two"},
            ],
            "title": "Titre",
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert content_sha256("fr", "Titre", paragraphs) == hashlib.sha256(expected).hexdigest()
    # Normalisation: NFD input, CRLF and surrounding blanks hash the same as the clean text.
    decomposed = [
        Paragraph("p1", unicodedata.normalize("NFD", " Z\u00fcrich\u2019s \u201cdata\u201d rules ")),
        Paragraph("p2", "Line one\r\nline two"),
    ]
    assert content_sha256("fr", " Titre\n", decomposed) == content_sha256("fr", "Titre", paragraphs)
    # Any change to id, text, title or language changes it.
    assert content_sha256("en", "Titre", paragraphs) != content_sha256("fr", "Titre", paragraphs)
    assert content_sha256(
        "fr", "Titre", [paragraphs[0], Paragraph("p3", paragraphs[1].text)]
    ) != content_sha256("fr", "Titre", paragraphs)


def test_paragraph_ids_follow_the_text() -> None:
    ids = IdAllocator(1)
    first = match_ids(["Alpha paragraph.", "Beta paragraph.", "Gamma paragraph."], [], ids)
    assert [p.id for p in first] == ["p1", "p2", "p3"]
    # Beta edited in place, Gamma moved to the top, Alpha removed, a new paragraph at the end.
    second = match_ids(
        ["Gamma paragraph.", "Beta paragraph, edited lightly.", "Something entirely new here."], first, ids
    )
    assert [p.id for p in second] == ["p3", "p2", "p4"]
    # A completely rewritten paragraph is new, and numbers are never reused.
    third = match_ids(["Gamma paragraph.", "Zzz qqq xxx."], second, ids)
    assert [p.id for p in third] == ["p3", "p5"]
    assert split_body("A\n\n\n  \nB\r\n\r\nC\n") == ["A", "B", "C"]


def test_diff_by_paragraph_and_word() -> None:
    before = [
        Paragraph("p1", "Keep this."),
        Paragraph("p2", "Change the old words."),
        Paragraph("p3", "Drop me."),
    ]
    after = [
        Paragraph("p2", "Change the new words."),
        Paragraph("p1", "Keep this."),
        Paragraph("p4", "Added."),
    ]
    changes, stats = diff.paragraph_changes(before, after)
    assert [(c.paragraph_id, c.change) for c in changes] == [
        ("p2", "changed"),
        ("p1", "unchanged"),
        ("p4", "added"),
        ("p3", "removed"),
    ]
    assert (stats.changed, stats.unchanged, stats.removed, stats.added) == (1, 1, 1, 1)
    assert [(s.op, s.text) for s in changes[0].segments if s.op != "equal"] == [
        ("delete", "old"),
        ("insert", "new"),
    ]
    assert sum(c.moved for c in changes) == 1
    text = diff.unified(before, after, from_label="v1", to_label="v2")
    assert "-Drop me." in text and "+Added." in text


def test_every_state_has_its_transitions_and_final_states_have_none() -> None:
    assert set(TRANSITIONS) == set(MessageState)
    assert TRANSITIONS[MessageState.superseded] == TRANSITIONS[MessageState.withdrawn] == frozenset()
    non_final = set(MessageState) - {MessageState.superseded, MessageState.withdrawn}
    assert all(MessageState.withdrawn in TRANSITIONS[s] for s in non_final)
