"""The API benchmark's requests: endpoint classes, the mixed workload's weights, and the callers' tokens."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import httpx
import msgspec

from bench.load import Target
from bench.seed import Seeded
from bench.servers import ANCHOR_PATH, ANCHOR_WRITE_PATH
from igf_hub.auth import keys
from igf_hub.auth.principal import SYSTEM, Role
from igf_hub.auth.schemas import ClientCreate, GrantCreate, UserCreate
from igf_hub.auth.server import AccessTokenGenerator, OAuthClient, OAuthUser
from igf_hub.auth.service import IdentityService
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vault import Vault

CONSOLE_CLIENT_ID = "igf-hub-console"  # the built-in public client people sign in through

ANCHOR = "anchor: SELECT by id, bare Litestar"
WRITE_ANCHOR = "anchor: INSERT in a transaction, bare Litestar"
NRI = "read: NRI by id"
MESSAGE = "read: Message by id"
LISTS = "read: list pages"
AGGREGATES = "read: aggregates"
COMMENT = "write: public comment"
LEDGER = "write: ledger receipt"
# The mixed workload: mostly public reads, a fifth writes (weights out of 100).
MIX = {NRI: 30, MESSAGE: 20, LISTS: 20, AGGREGATES: 10, COMMENT: 12, LEDGER: 8}
HTML_NRI = "html: NRI profile page"
HTML_MESSAGE = "html: Message reading view"
# The HTML class: each page, and the JSON read of the same objects it is compared with in the same run (issue 22's
# target: a page costs at most 1.5x its JSON). Pages are measured on their own, outside the mixed workload.
HTML = {HTML_NRI: NRI, HTML_MESSAGE: MESSAGE}
WRITES = (COMMENT, LEDGER)  # compared with the write anchor (issue 22: >= 0.5 of the same durable INSERT)


def anchor_for(cls: str) -> str:
    """The anchor a class's ratio is taken against: the durable INSERT for writes, the SELECT for the rest."""
    return WRITE_ANCHOR if cls in WRITES else ANCHOR


class Workload:
    """Builds the next request of each endpoint class from the seeded ids (deterministic per seed)."""

    def __init__(self, seeded: Seeded, secretariat: str, commenters: list[str], *, rng_seed: int = 7) -> None:
        self.s = seeded
        self.rng = random.Random(rng_seed)  # noqa: S311 - request mix, not secrets
        self.secretariat = {"Authorization": f"Bearer {secretariat}", "Content-Type": "application/json"}
        self.commenters = [
            {"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in commenters
        ]
        year = seeded.cycle_years[-1]
        message = seeded.message_ids[0]
        self.list_paths = itertools.cycle(
            [
                "/v1/nris?limit=50",
                "/v1/messages?limit=20",
                f"/v1/messages/{message}/comments?limit=20",
                f"/v1/mag/cycles/{year}/appointments?limit=50",
                "/v1/transparency/ledger?limit=50",
            ]
        )
        self.aggregate_paths = itertools.cycle(
            ["/v1/transparency/summary", "/v1/nris/stats", f"/v1/mag/cycles/{year}/balance"]
        )
        self.today = datetime.now(UTC).date().isoformat()
        self.written = 0
        self.comments = 0

    def pick(self, ids: list[UUID]) -> UUID:
        return ids[self.rng.randrange(len(ids))]

    def target(self, cls: str) -> Target:
        if cls == ANCHOR:
            return Target(cls, "GET", ANCHOR_PATH.format(id=self.pick(self.s.nri_ids)))
        if cls == WRITE_ANCHOR:
            self.written += 1
            body = {
                "body": f"Benchmark write {self.written}: please mention community networks.",
                "n": self.written,
            }
            return Target(
                cls,
                "POST",
                ANCHOR_WRITE_PATH,
                frozenset({201}),
                msgspec.json.encode(body),
                {"Content-Type": "application/json"},
            )
        if cls == NRI:
            return Target(cls, "GET", f"/v1/nris/{self.pick(self.s.nri_ids)}")
        if cls == MESSAGE:
            return Target(cls, "GET", f"/v1/messages/{self.pick(self.s.message_ids)}")
        if cls == HTML_NRI:
            return Target(cls, "GET", f"/en/nris/{self.pick(self.s.nri_ids)}")
        if cls == HTML_MESSAGE:
            return Target(cls, "GET", f"/en/messages/{self.pick(self.s.message_ids)}")
        if cls == LISTS:
            return Target(cls, "GET", next(self.list_paths))
        if cls == AGGREGATES:
            return Target(cls, "GET", next(self.aggregate_paths))
        self.written += 1
        if cls == COMMENT:
            self.comments += 1  # each comment by the next person in turn
            body = {
                "body": f"Benchmark comment {self.written}: please mention community networks.",
                "stakeholder_group": "civil_society",
                "country": "KE",
            }
            return Target(
                cls,
                "POST",
                f"/v1/messages/{self.pick(self.s.open_message_ids)}/comments",
                frozenset({201}),
                msgspec.json.encode(body),
                self.commenters[self.comments % len(self.commenters)],
            )
        body = {
            "kind": "receipt",
            "amount": "2500",
            "currency": "USD",
            "value_date": self.today,
            "description": f"benchmark instalment {self.written}",
        }
        return Target(
            cls,
            "POST",
            f"/v1/funding/contributions/{self.pick(self.s.contribution_ids)}/events",
            frozenset({201}),
            msgspec.json.encode(body),
            self.secretariat,
        )

    def only(self, cls: str) -> Callable[[], Target]:
        return lambda: self.target(cls)

    def mixed(self) -> Callable[[], Target]:
        classes, weights = list(MIX), list(MIX.values())
        return lambda: self.target(self.rng.choices(classes, weights)[0])


async def client_token(base_url: str, client_id: str, secret: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def secretariat_client(pool: asyncpg.Pool) -> tuple[str, str]:
    """A machine client holding the Secretariat role: (client_id, client_secret) for client_credentials."""
    async with pool.acquire() as conn, conn.transaction():
        client = await IdentityService(conn, Clock(), Settings()).create_client(
            ClientCreate(name="bench secretariat", grants=[GrantCreate(role=Role.secretariat)]), actor=SYSTEM
        )
    assert client.client_secret is not None
    return client.client_id, client.client_secret


async def commenter_tokens(pool: asyncpg.Pool, base_url: str, count: int, vault: Vault) -> list[str]:
    """``count`` people without a role, signed in: access tokens as the authorization-code flow issues them
    (igf_hub's token generator, its active key, the console client), so the API verifies them like any other.

    Public comments are rate-limited per person (30 an hour): the workload spreads its comments over enough
    people to stay under the limit, as a real comment period's many commenters would."""
    async with pool.acquire() as conn, conn.transaction():
        identity = IdentityService(conn, Clock(), Settings())
        users = [
            await identity.create_user(
                UserCreate(email=f"bench-commenter-{i}@bench.example.org", display_name=f"Commenter {i}"),
                actor=SYSTEM,
            )
            for i in range(count)
        ]
        key_set = await keys.private_key_set(conn, vault)
    generator = AccessTokenGenerator(Settings(public_url=base_url), key_set)
    console = OAuthClient(
        {
            "client_id": CONSOLE_CLIENT_ID,
            "name": "console",
            "client_secret_hash": None,
            "redirect_uris": [],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "none",
            "scope": "api",
        }
    )
    return [
        str(generator.access_token_generator(console, "authorization_code", OAuthUser(user.id), "api"))
        for user in users
    ]
