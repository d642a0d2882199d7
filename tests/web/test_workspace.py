"""A signed-in person's "My work" page (web/workspace.py) lists the entry points their roles give them; a
signed-out reader is sent to sign in and back."""

from __future__ import annotations

from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
from igf_hub.web.navigation import WorkItem, work_items
from tests.support.auth import TokenFactory
from tests.support.web import Site
from tests.web.conftest import PASSWORD

QUEUE = WorkItem(path="/secretariat/queue", label="Work queue", roles=frozenset({Role.secretariat}), order=10)
BALLOTS = WorkItem(path="/mag/ballots", label="Ballots", roles=frozenset({Role.mag_member}), order=5)
INBOX = WorkItem(path="/inbox", label="Inbox", order=1)


def _person(*roles: Role) -> Principal:
    return Principal(
        kind=PrincipalKind.user, subject="user:x", grants=tuple(Grant(role=role) for role in roles)
    )


def test_each_person_is_shown_what_their_roles_give_them_in_order() -> None:
    declared = [QUEUE, BALLOTS, INBOX]
    assert work_items(declared, _person()) == [INBOX]
    assert work_items(declared, _person(Role.secretariat)) == [INBOX, QUEUE]
    assert work_items(declared, _person(Role.secretariat, Role.mag_member)) == [INBOX, BALLOTS, QUEUE]


async def test_a_signed_out_reader_is_sent_to_sign_in_and_back(site: Site) -> None:
    async with site.browser() as browser:
        answer = await browser.get("/fr/workspace")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/fr/signin?next=%2Ffr%2Fworkspace"


async def test_a_person_without_a_role_sees_their_own_pages_and_how_to_get_one(
    site: Site, tokens: TokenFactory
) -> None:
    person = await tokens.user(password=PASSWORD)
    async with site.browser() as browser:
        await browser.sign_in(person.user.email, PASSWORD)
        page = await browser.get("/en/nris")
        assert '<a href="/en/workspace">My work</a>' in page.text
        work = await browser.get("/en/workspace")
        assert work.status_code == 200
        assert "You have no role in the IGF" in work.text
        for path in ("/en/inbox", "/en/account/notifications", "/en/account/following", "/en/account"):
            assert f'<a href="{path}">' in work.text
