"""The test session runs on real parts: one embedded PostgreSQL and Valkey for the session, a migrated
template database, and a fresh database per test cloned from it (CREATE DATABASE ... TEMPLATE, ~40 ms)."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import secrets
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio
from litestar import Litestar

from igf_hub.app import WIRING, create_app
from igf_hub.core import migrate, wiring
from igf_hub.core.clock import Clock
from igf_hub.core.db import create_pool
from igf_hub.core.settings import AuthSettings, DbSettings, RedisSettings, Settings
from igf_hub.demo.loader import DemoReport
from igf_hub.embedded import Embedded
from tests.support.asgi import asgi
from tests.support.auth import TokenFactory
from tests.support.demo import load_demo

pytest_plugins = ["tests.support.browser"]  # the browser and live_url fixtures

TEMPLATE = "igf_template"
DEMO_TEMPLATE = "igf_demo_template"
BASE_URL = "http://127.0.0.1:8000"

# Tests that start, stop and kill real processes (embedded servers, workers, ``igf-hub serve``) and wait on them
# with deadlines. Under ``-n N --dist loadgroup`` they run one after another on one worker while the other
# workers run the rest: two of them at once failed their deadlines on a loaded 2-core machine.
PROCESS_TESTS = (
    "tests/faults/",
    "tests/test_cli.py",
    "tests/test_collection.py",
    "tests/demo/test_cli.py",
    "tests/core/test_logging.py",
    "tests/hardening/test_slow_readers.py",
)


# Browser tests run in this many groups, one Chromium per group at a time. One group put all ~100 of them on one
# worker, one after another: with two workers, that worker's share became the longest part of CI.
BROWSER_GROUPS = 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _unique_node_ids(items)
    browser_tests: list[pytest.Item] = []
    for item in items:
        if item.nodeid.startswith(PROCESS_TESTS):
            item.add_marker(pytest.mark.xdist_group("processes"))
        elif "browser" in getattr(item, "fixturenames", ()):
            browser_tests.append(item)
    for item, group in _browser_groups(browser_tests).items():
        item.add_marker(pytest.mark.xdist_group(group))


def _browser_groups(tests: list[pytest.Item]) -> dict[pytest.Item, str]:
    """Whole modules into BROWSER_GROUPS groups of about as many tests each (largest module first, each into the
    smallest group so far): a module's tests keep sharing one worker and its fixtures."""
    modules: dict[str, list[pytest.Item]] = collections.defaultdict(list)
    for item in tests:
        modules[item.nodeid.partition("::")[0]].append(item)
    sizes = [0] * BROWSER_GROUPS
    groups: dict[pytest.Item, str] = {}
    for _, module_tests in sorted(modules.items(), key=lambda entry: (-len(entry[1]), entry[0])):
        smallest = sizes.index(min(sizes))
        sizes[smallest] += len(module_tests)
        groups.update((item, f"browser-{smallest + 1}") for item in module_tests)
    return groups


def _unique_node_ids(items: list[pytest.Item]) -> None:
    """Give Schemathesis's generated tests their operation in the node id. It names each one by operation
    (``test_as_the_secretariat[GET /v1/audit]``) but leaves that out of the node id, and xdist's ``--dist
    loadgroup`` schedules by node id: under ``-n 2`` the 610 fuzz cases of tests/hardening/test_fuzz.py
    collapsed into 5, and the rest never ran. Two tests with one id stop the run instead of vanishing."""
    for item in items:
        if "[" in item.name and not item.nodeid.endswith("]"):
            # pytest 9 builds an item's id from its original name plus its parametrisation's id, which
            # Schemathesis does not use: put the operation in as the id's parameters.
            item._id = item._id.with_params(item.name.partition("[")[2].removesuffix("]"))
    counts = collections.Counter(item.nodeid for item in items)
    if shared := sorted(node_id for node_id, count in counts.items() if count > 1):
        raise pytest.UsageError(
            f"these tests share a node id, so a parallel run would skip them: {shared[:5]}"
        )


class Servers:
    def __init__(self, embedded: Embedded) -> None:
        self.embedded = embedded
        self.admin_url = embedded.database_url.rsplit("/", 1)[0] + "/postgres"
        self.redis_url = embedded.redis_url

    def url_of(self, database: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """Every domain's subscribers, resolvers and event families, as the app and the worker install them at
    start-up: tests that publish without building an app see what the service would do."""
    wiring.install(WIRING)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    tmp = tempfile.mkdtemp(prefix="igf-hub-test-")
    Path(tmp).chmod(0o755)  # PostgreSQL runs as 'nobody' when tests run as root
    embedded = Embedded(Path(tmp), fast=True).start()
    try:
        yield Servers(embedded)
    finally:
        embedded.stop(keep_data=False)
        # Deleted by a process of its own, not waited for: after a run's ~2,000 cloned databases, deleting the
        # directory took 30-40 s at the end of each CI worker.
        subprocess.Popen(
            ["rm", "-rf", "--", tmp],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
async def template(servers: Servers) -> str:
    admin = await asyncpg.connect(servers.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(servers.url_of(TEMPLATE))
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()
    return TEMPLATE


@pytest.fixture(scope="session")
def demo_template(servers: Servers, template: str) -> DemoReport:
    """The demonstration data set loaded once, through the services, into a second template: a test that
    uses ``demo`` gets a clone of it (~40 ms instead of the ~7 s of a load). Built in its own thread and event
    loop, so that ``database_url`` can ask for it only when a test needs it."""

    async def build() -> DemoReport:
        admin = await asyncpg.connect(servers.admin_url)
        try:
            await admin.execute(f'CREATE DATABASE "{DEMO_TEMPLATE}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        url = servers.url_of(DEMO_TEMPLATE)
        pool = await create_pool(url, application_name="igf-hub.tests", max_size=1)
        try:
            return await load_demo(pool, settings_for(url, servers.redis_url), Clock())
        finally:
            await pool.close()  # a template has no connections left when it is cloned

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, build()).result()


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, servers: Servers, template: str) -> str:
    """A fresh, migrated database for this test (left for the session's end: the cluster is thrown away);
    for a test that uses ``demo``, a clone of the database the demonstration data was loaded into."""
    source = template
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo_template")
        source = DEMO_TEMPLATE
    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(servers.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        await admin.close()
    return servers.url_of(name)


@pytest.fixture
async def redis_url(servers: Servers) -> str:
    """The session's Valkey, emptied for this test."""
    r = redis.asyncio.Redis.from_url(servers.redis_url)
    await r.flushdb()
    await r.aclose()
    return servers.redis_url


def settings_for(database_url: str, redis_url: str) -> Settings:
    return Settings(
        public_url=BASE_URL,
        db=DbSettings(url=database_url, pool_min=1, pool_max=5),
        redis=RedisSettings(url=redis_url),
        auth=AuthSettings(signin_max_failures=3),
    )


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return settings_for(database_url, redis_url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, in the test's own event loop (so tests may touch app.state too)."""
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi(app)), base_url=BASE_URL) as c,
    ):
        yield c


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan, entered and exited in one task (anyio's task group requires it; pytest-asyncio
    sets a fixture up and tears it down in different tasks)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test's database, for arranging data and checking what the API wrote."""
    pool = await create_pool(settings.db.url, application_name="igf-hub.tests", max_size=3)
    yield pool
    await pool.close()


@pytest.fixture
async def tokens(
    client: httpx.AsyncClient, db: asyncpg.Pool, settings: Settings, clock: Clock
) -> TokenFactory:
    return TokenFactory(db, settings, clock)


@pytest.fixture
def demo(database_url: str, demo_template: DemoReport) -> DemoReport:
    """The demonstration data set (src/igf_hub/demo) in this test's database: Messages in every state, open
    comment windows and calls, NRIs in every region. It was loaded through the services once per session (now
    was the session's start, minutes ago) and the test's database is a clone of it (see ``database_url``); a
    test that needs the data relative to another clock loads it itself (tests/support/demo.py: load_demo)."""
    return demo_template
