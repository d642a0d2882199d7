"""The igf-hub command line: serve | worker | migrate | users | clients | audit | keys | publication-keys | verify | demo.

With no IGF_HUB_DATABASE_URL / IGF_HUB_REDIS_URL, every command uses the embedded servers of the data
dir: the running ones if ``serve`` is up, otherwise it starts them for the duration of the command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from igf_hub.core.settings import MailSecurity, RedisSettings, Settings, load_settings


@contextmanager
def runtime(settings: Settings) -> Iterator[Settings]:
    """Settings with reachable PostgreSQL and Redis URLs: the configured ones, or the embedded servers."""
    if not settings.embedded:
        yield settings
        return
    from igf_hub.embedded import Embedded, EmbeddedError

    try:
        embedded = Embedded(settings.data_path).start()
    except EmbeddedError as exc:
        sys.exit(f"igf-hub: the embedded servers did not start: {exc}")
    for note in embedded.notes:
        print(f"note: {note}", file=sys.stderr)
    try:
        asyncio.run(_ensure_database(embedded.database_url))
        yield msgspec.structs.replace(
            settings,
            db=msgspec.structs.replace(settings.db, url=embedded.database_url),
            redis=RedisSettings(url=embedded.redis_url),
        )
    finally:
        embedded.stop()


async def _ensure_database(url: str) -> None:
    from igf_hub.embedded import DATABASE

    conn = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()


async def _with_conn(settings: Settings, fn: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
    from igf_hub.core.db import init_connection

    conn = await asyncpg.connect(settings.db.url, server_settings={"application_name": "igf-hub.cli"})
    try:
        await init_connection(conn)
        return await fn(conn)
    finally:
        await conn.close()


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)


class Terminated(Exception):
    """SIGTERM, once uvicorn has finished its graceful shutdown."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


# -- commands ----------------------------------------------------------------------------------------------


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from igf_hub.app import create_app
    from igf_hub.auth.service import IdentityService
    from igf_hub.core import audit, migrate
    from igf_hub.core.clock import Clock

    if args.port:
        settings = msgspec.structs.replace(settings, port=args.port)
    with runtime(settings) as live:

        async def prepare(conn: asyncpg.Connection) -> tuple[str, str] | None:
            await migrate.migrate(conn)
            await audit.mark_sealing_start(conn)
            async with conn.transaction():
                created: tuple[str, str] | None = await IdentityService(conn, Clock(), live).bootstrap_admin()
            if args.demo:
                await _load_demo(conn, live, on_data="skip")
            return created

        try:
            admin = asyncio.run(_with_conn(live, prepare))
        except DemoNotLoaded as exc:
            print(f"igf-hub serve --demo: {exc}", file=sys.stderr)
            return 1
        sink, mail_env = _mail_sink(live)
        if sink is not None:
            live = msgspec.structs.replace(
                live,
                mail=msgspec.structs.replace(
                    live.mail, host="127.0.0.1", port=sink.port, security=MailSecurity.none
                ),
            )
        worker = None
        if not args.no_worker:
            env = {
                **os.environ,
                "IGF_HUB_DATABASE_URL": live.db.url,
                "IGF_HUB_REDIS_URL": live.redis.url,
                **mail_env,
            }
            worker = subprocess.Popen(
                [sys.executable, "-m", "igf_hub", "worker"],
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        base = live.base_url
        print(
            f"\nigf_hub is running at {base}\n  API docs:  {base}/schema\n  sign in:   {base}/signin",
            flush=True,
        )
        if sink is not None:
            print(
                f"  mailbox:   {base}/dev/mailbox (e-mail goes to a local SMTP sink on 127.0.0.1:{sink.port})",
                flush=True,
            )
        if admin:
            print(
                "\nFirst start: a Secretariat admin was created. Sign in at "
                f"{base}/signin with\n  e-mail:    {admin[0]}\n  password:  {admin[1]}\n"
                "(shown once; create more users with `./dev users create --email ... --role ...`)\n",
                flush=True,
            )
        # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: with the default action that
        # killed this process before the cleanup below, so the worker and the embedded servers died with it
        # in no order (the worker logged lost connections). Raised as an exception, it reaches the cleanup.
        signal.signal(signal.SIGTERM, _terminated)
        try:
            uvicorn.Server(server_config(create_app(live), live)).run()
        except (KeyboardInterrupt, Terminated):
            pass  # uvicorn re-raises the Ctrl-C or SIGTERM it handled: the shutdown below is the clean end
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if sink is not None:
                sink.stop()
    return 0


def server_config(app: Any, settings: Settings) -> Any:
    """How ``serve`` runs the app: uvicorn on uvloop and httptools, named rather than left to "auto" (the stack
    measured fastest here, bench/README.md "Server stacks"); no access log of its own (ours is structured)."""
    import uvicorn

    from igf_hub.core import proxies

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
        loop="uvloop",
        http="httptools",
        **proxies.server_options(settings),
    )


def _mail_sink(settings: Settings) -> tuple[Any, dict[str, str]]:
    """Development with no SMTP server configured: a local SMTP sink that keeps every mail in the data dir's
    mailbox (``/dev/mailbox``), and the worker's settings to send to it."""
    from igf_hub.core.mail import mailbox_path
    from igf_hub.core.settings import Environment
    from igf_hub.embedded import MailSink

    if settings.mail.host or settings.mail.disabled or settings.environment is not Environment.development:
        return None, {}
    sink = MailSink(mailbox_path(settings)).start()
    env = {
        "IGF_HUB_SMTP_HOST": "127.0.0.1",
        "IGF_HUB_SMTP_PORT": str(sink.port),
        "IGF_HUB_SMTP_SECURITY": "none",
    }
    return sink, env


class DemoNotLoaded(Exception):
    """The demonstration data could not be loaded (the sentence says why)."""


async def _load_demo(conn: asyncpg.Connection, settings: Settings, *, on_data: str) -> None:
    """Load the demonstration data set; with ``on_data="skip"`` a database that already holds data is left as
    it is (``serve --demo`` on a data dir that has it already), with ``"refuse"`` that is an error."""
    from igf_hub.core import audit
    from igf_hub.core.clock import Clock
    from igf_hub.demo import loader

    audit.configure(settings)  # this deployment's seal key, as the app and the worker use
    clock = Clock()
    if on_data == "skip" and (found := await loader.existing_data(conn, clock, settings)):
        print(f"demo: not loaded, the database already holds {', '.join(found)}", flush=True)
        return
    try:
        report = await loader.load(conn, clock, settings)
    except (loader.DemoRefused, loader.DemoRejected) as exc:
        raise DemoNotLoaded(str(exc)) from None
    print(f"demo: loaded {report.summary()}", flush=True)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.core import audit, migrate

    async def load(conn: asyncpg.Connection) -> None:
        await migrate.migrate(conn)
        await audit.mark_sealing_start(conn)
        await _load_demo(conn, live, on_data="refuse")

    with runtime(settings) as live:
        try:
            asyncio.run(_with_conn(live, load))
        except DemoNotLoaded as exc:
            print(f"igf-hub demo load: {exc}", file=sys.stderr)
            return 1
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from arq.worker import run_worker

    from igf_hub.worker import worker_settings

    with runtime(settings) as live:
        run_worker(worker_settings(live))
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.core import audit, migrate

    with runtime(settings) as live:
        try:
            if args.action == "status":
                rows = asyncio.run(_with_conn(live, migrate.status))
                for row in rows:
                    print(
                        f"{'applied' if row.applied else 'pending'}  {row.version}  {row.applied_at or ''}".rstrip()
                    )
                return 0
            dry_run = args.action == "up" and args.dry_run
            applied = asyncio.run(_with_conn(live, lambda c: _migrate_up(c, dry_run)))
        except migrate.MigrationError as exc:
            print(f"igf-hub migrate: {exc}", file=sys.stderr)
            return 1
        print("\n".join(f"applied  {v}" for v in applied) or "up to date")
        if dry_run:
            print("(dry run: rolled back)")
        elif legacy := asyncio.run(_with_conn(live, audit.mark_sealing_start)):
            print(
                f"audit: the {legacy} rows written before sealing began are recorded as such in a sealed row"
            )
    return 0


class _DryRun(Exception):
    pass


async def _migrate_up(conn: asyncpg.Connection, dry_run: bool) -> list[str]:
    from igf_hub.core import migrate

    if not dry_run:
        return await migrate.migrate(conn)
    applied: list[str] = []
    try:
        async with conn.transaction():
            applied = await migrate.migrate(conn)
            raise _DryRun
    except _DryRun:
        return applied


def _grants(args: argparse.Namespace) -> list[Any]:
    from igf_hub.auth.principal import Role
    from igf_hub.auth.schemas import GrantCreate

    resource = UUID(args.resource) if args.resource else None
    return [GrantCreate(role=Role(role), resource_id=resource, is_chair=args.chair) for role in args.role]


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    import secrets

    from igf_hub.auth.errors import UserAlreadyExists
    from igf_hub.auth.password_rules import PasswordRefused
    from igf_hub.auth.principal import Principal, PrincipalKind
    from igf_hub.auth.schemas import UserCreate
    from igf_hub.auth.service import IdentityService
    from igf_hub.core.clock import Clock

    password = args.password or secrets.token_urlsafe(15)
    try:
        data = msgspec.convert(
            {"email": args.email, "display_name": args.display_name or "", "password": password}, UserCreate
        )
    except msgspec.ValidationError as exc:
        print(f"igf-hub users create: {exc}", file=sys.stderr)
        return 2
    data.grants = _grants(args)
    actor = Principal(kind=PrincipalKind.client, subject="cli")

    async def create(conn: asyncpg.Connection) -> Any:
        async with conn.transaction():
            return await IdentityService(conn, Clock(), settings).create_user(data, actor=actor)

    with runtime(settings) as live:
        try:
            user = asyncio.run(_with_conn(live, create))
        except UserAlreadyExists as exc:
            print(f"igf-hub users create: {exc.detail}", file=sys.stderr)
            return 1
        except PasswordRefused as exc:
            print(f"igf-hub users create: --password: {exc.detail}", file=sys.stderr)
            return 2
    if args.json:
        print(msgspec.json.encode({**msgspec.to_builtins(user), "password": password}).decode())
    else:
        print(f"user_id: {user.id}\nemail: {user.email}\nroles: {', '.join(args.role) or '(none)'}")
        if not args.password:
            print(f"password: {password}")
    return 0


def cmd_clients(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.auth.principal import Principal, PrincipalKind
    from igf_hub.auth.schemas import ClientCreate
    from igf_hub.auth.service import IdentityService
    from igf_hub.core.clock import Clock

    data = ClientCreate(name=args.name, grants=_grants(args))
    actor = Principal(kind=PrincipalKind.client, subject="cli")

    async def create(conn: asyncpg.Connection) -> Any:
        async with conn.transaction():
            return await IdentityService(conn, Clock(), settings).create_client(data, actor=actor)

    with runtime(settings) as live:
        client = asyncio.run(_with_conn(live, create))
    if args.json:
        print(msgspec.json.encode(client).decode())
    else:
        print(f"client_id: {client.client_id}\nclient_secret: {client.client_secret}")
        print("(the secret is shown once; igf_hub stores only its hash)", file=sys.stderr)
    return 0


def _read_checkpoint(source: str) -> bytes:
    """A checkpoint someone kept: a file, or a URL (e.g. /v1/audit/checkpoints/latest of a mirror)."""
    import httpx

    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=30.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ValueError(f"{source} could not be fetched ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise ValueError(f"{source} answered {response.status_code}, not a checkpoint")
        return response.content
    try:
        with open(source, "rb") as handle:
            return handle.read(1_000_001)
    except OSError as exc:
        raise ValueError(f"{source} cannot be read ({exc.strerror})") from None


def _verifier_keys(settings: Settings, given: list[str]) -> list[Any]:
    """The keys a kept checkpoint may be signed with: each ``--key`` (text or a file holding it), then ours."""
    from igf_hub.core.audit_keys import verifier_key
    from igf_hub.core.tlog import VerifierKey

    keys = []
    for text in given:
        if "+" not in text and os.path.exists(text):
            with open(text) as handle:
                text = handle.read()
        keys.append(VerifierKey.parse(text))
    return [*keys, verifier_key(settings)]


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.core import audit, audit_checkpoints
    from igf_hub.core.audit_keys import seal_keys
    from igf_hub.core.tlog import CheckpointError, parse

    given: list[audit.ClaimedHead] = []
    try:
        keys = _verifier_keys(settings, args.key)
    except (CheckpointError, ValueError, OSError) as exc:
        print(f"igf-hub audit verify: --key: {exc}", file=sys.stderr)
        return 2
    for source in args.checkpoint:
        try:
            note = parse(_read_checkpoint(source))
            if note.signed_by(keys) is None:
                names = ", ".join(s.name for s in note.signatures)
                raise CheckpointError(
                    f"it is signed by {names}, with none of the keys given ({keys[-1].text()})"
                )
        except (CheckpointError, ValueError) as exc:
            print(f"igf-hub audit verify: {source}: {exc}", file=sys.stderr)
            return 2
        given.append(audit.ClaimedHead(source=source, tree_size=note.size, root=note.root))

    async def check(conn: asyncpg.Connection) -> audit.VerifyReport:
        heads, bad = audit_checkpoints.stored_heads(await audit_checkpoints.stored(conn), live)
        report = await audit.verify(conn, keys=seal_keys(live), heads=[*given, *heads])
        report.checkpoints += bad
        return report

    with runtime(settings) as live:
        report = asyncio.run(_with_conn(live, check))
    if args.json:
        print(msgspec.json.encode(report).decode())
        return 0 if report.ok else 1
    if report.ok:
        print(f"audit log intact: {report.rows} rows, head #{report.head_seq} {report.head_hash}")
    else:
        first = report.first_bad_seq
        print(
            f"audit log TAMPERED: {f'the first bad row is #{first}' if first else 'see the checkpoints below'}"
        )
        for b in report.breaks[:MAX_LISTED]:
            print(f"  row #{b.seq}: {b.reason}")
        if len(report.breaks) > MAX_LISTED:
            print(f"  ... and {len(report.breaks) - MAX_LISTED} more (--json lists them all)")
    for c in report.checkpoints:
        if not c.ok or c.source in args.checkpoint:
            print(f"  {'extends' if c.ok else 'DOES NOT EXTEND'} {c.source}: {c.detail}")
    if report.unsealed_until:
        print(
            f"  (rows #1 to #{report.unsealed_until} predate sealing: the chain and checkpoints vouch for them)"
        )
    if report.waiting:
        print(
            f"  ({report.waiting} rows waiting to be chained: written since verification began, "
            "they are chained and sealed by the worker or the next verify)"
        )
    return 0 if report.ok else 1


MAX_LISTED = 20


def cmd_audit_checkpoint(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.core import audit_checkpoints, wiring
    from igf_hub.core.clock import Clock
    from igf_hub.worker import WIRING

    wiring.install(WIRING)  # as in the worker that signs checkpoints: the event reaches its consumers

    with runtime(settings) as live:
        outcome = asyncio.run(
            _with_conn(live, lambda c: audit_checkpoints.make_checkpoint(c, live, now=Clock().now()))
        )
    if outcome.refused is not None:
        print(
            f"igf-hub audit checkpoint: refused, the log does not verify (the first bad row is "
            f"#{outcome.refused.first_bad_seq}); run `igf-hub audit verify` for details",
            file=sys.stderr,
        )
        return 1
    if outcome.checkpoint is None:
        print("igf-hub audit checkpoint: the audit log is empty; nothing to sign", file=sys.stderr)
        return 0
    if args.json:
        print(msgspec.json.encode(outcome.checkpoint).decode())
    else:
        print(outcome.checkpoint.checkpoint, end="")
    if not outcome.created:
        print("(the log has not grown since this checkpoint)", file=sys.stderr)
    return 0


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.auth import keys
    from igf_hub.core.clock import Clock

    with runtime(settings) as live:
        kid = asyncio.run(_with_conn(live, lambda c: keys.rotate(c, keys.vault_for(live), now=Clock().now())))
    print(f"active signing key: {kid} (the previous key stays published until its tokens expire)")
    return 0


def _signing_settings_error(exc: Exception) -> int:
    print(f"igf-hub publication-keys: {exc}", file=sys.stderr)
    return 2


def cmd_publication_keys(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from igf_hub.core import signing
    from igf_hub.core.clock import Clock

    now = Clock().now()

    async def run(conn: asyncpg.Connection) -> Any:
        if args.action == "list":
            return await signing.key_history(conn)
        async with conn.transaction():
            if args.action == "rotate":
                return await signing.rotate(conn, live, actor="cli", now=now)
            at = datetime.fromisoformat(args.at) if args.at else now
            if at.tzinfo is None:
                raise signing.SigningConfigError("--at needs a time zone (e.g. 2026-03-01T12:00:00+00:00)")
            return await signing.retire(conn, args.kid, at=at, reason=args.reason, actor="cli", now=now)

    with runtime(settings) as live:
        try:
            result = asyncio.run(_with_conn(live, run))
        except (signing.SigningConfigError, ValueError) as exc:
            return _signing_settings_error(exc)
    keys = result if isinstance(result, list) else [result]
    if args.json:
        print(msgspec.json.encode(signing.jwks(keys)).decode())
        return 0
    for key in keys:
        state = f"retired {key.retired_at.isoformat()}" if key.retired_at else "current"
        print(f"{key.kid}  valid from {key.valid_from.isoformat()}  {state}")
    return 0


def cmd_publication_backfill(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.app import WIRING
    from igf_hub.core import signing
    from igf_hub.core.clock import Clock

    async def run(conn: asyncpg.Connection) -> dict[str, signing.BackfillResult]:
        return {
            kind: await backfill(conn, live, Clock().now())
            for wiring in WIRING
            for kind, backfill in wiring.signed_records.items()
        }

    with runtime(settings) as live:
        try:
            results = asyncio.run(_with_conn(live, run))
        except signing.PublicationKeyUnavailable as exc:
            return _signing_settings_error(exc)
    for kind, result in results.items():
        print(f"{kind}: {result.signed} signed now, {result.already} already signed")
        for why in result.skipped:
            print(f"  left unsigned: {why}")
    return 0


def cmd_report_draft(settings: Settings, args: argparse.Namespace) -> int:
    from igf_hub.app import WIRING
    from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
    from igf_hub.core import wiring
    from igf_hub.core.clock import Clock
    from igf_hub.core.errors import DomainError
    from igf_hub.reports.service import ReportService

    wiring.install(WIRING)  # every domain's section of the report
    cli = Principal(kind=PrincipalKind.client, subject="cli", grants=(Grant(role=Role.secretariat),))

    async def run(conn: asyncpg.Connection) -> Any:
        async with conn.transaction():
            return await ReportService(conn, Clock(), live).draft(args.year, cli)

    with runtime(settings) as live:
        try:
            report, created = asyncio.run(_with_conn(live, run))
        except DomainError as exc:
            print(f"igf-hub report draft: {exc.detail}", file=sys.stderr)
            return 1
    if args.json:
        print(msgspec.json.encode(report.figures).decode())
        return 0
    state = "drafted now" if created else report.state.value
    print(f"yearly report {report.year} ({state}; narrative version {report.current_version_number})")
    for section in report.figures.sections:
        print(f"\n{section.title}")
        for f in section.figures:
            cell = ", ".join(f"{k}={v}" for k, v in f.dimensions.items())
            print(f"  {f.label}{f' [{cell}]' if cell else ''}: {f.value}    <{f.source}>")
    return 0


def _read_source(source: str, what: str) -> tuple[bytes, dict[str, str]]:
    """A file, or a URL's body and headers."""
    import httpx

    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=30.0, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ValueError(f"{source} could not be fetched ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise ValueError(f"{source} answered {response.status_code}, not {what}")
        return response.content, dict(response.headers)
    try:
        with open(source, "rb") as handle:
            return handle.read(64 * 1024 * 1024), {}
    except OSError as exc:
        raise ValueError(f"{source} cannot be read ({exc.strerror})") from None


def _signature_link(headers: dict[str, str], base: str) -> str | None:
    import httpx

    link = headers.get("link", "")
    for part in link.split(","):
        if 'rel="signature"' in part and "<" in part:
            return str(httpx.URL(base).join(part[part.index("<") + 1 : part.index(">")]))
    return None


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from igf_hub.core import signing

    try:
        raw, headers = _read_source(args.source, "a document")
        token: str | None = None
        if args.signature:
            token = _read_source(args.signature, "a signature")[0].decode().strip()
        elif link := _signature_link(headers, args.source):
            token = _read_source(link, "a signature")[0].decode().strip()
        parsed = signing.document_bytes(raw)
        # A record's own JSON (GET /v1/messages/{id}) names its signed document: verify that one.
        if (
            (
                parsed is not None
                and isinstance(ref := parsed[1].get("signature"), dict)
                and "record" not in parsed[1]
            )
            and isinstance(ref.get("document"), str)
            and isinstance(ref.get("jws"), str)
        ):
            raw = _read_source(ref["document"], "a signed document")[0]
            token = token or ref["jws"]
        keys = None
        if args.keys:
            keys = signing.keys_from_jwks(json.loads(_read_source(args.keys, "a JWKS")[0]))
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"igf-hub verify: {exc}", file=sys.stderr)
        return 2

    async def check(conn: asyncpg.Connection) -> signing.Verdict:
        return await signing.verify_document(conn, raw, token=token, keys=keys)

    if keys is not None and token is not None:
        document = signing.document_bytes(raw)
        verdict = (
            signing.verify(document[0], token, keys)
            if document
            else signing.Verdict(
                valid=False, outcome=signing.Outcome.not_json, detail="This is not a JSON document."
            )
        )
    else:
        with runtime(settings) as live:
            verdict = asyncio.run(_with_conn(live, check))
    if args.json:
        print(msgspec.json.encode(verdict).decode())
    else:
        print(verdict.detail)
        if verdict.kid:
            print(
                f"  key: {verdict.kid} (valid from {verdict.key_valid_from.isoformat() if verdict.key_valid_from else '?'}"
                f"{', retired ' + verdict.key_retired_at.isoformat() if verdict.key_retired_at else ''})"
            )
        if verdict.signed_at:
            print(f"  signed at: {verdict.signed_at.isoformat()}")
        if verdict.document_sha256:
            print(f"  document SHA-256: {verdict.document_sha256}")
    return 0 if verdict.valid else 1


def build_parser() -> argparse.ArgumentParser:
    from igf_hub.auth.principal import Role

    parser = argparse.ArgumentParser(prog="igf-hub", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (and a worker)")
    serve.add_argument("--no-worker", action="store_true", help="run the API only")
    serve.add_argument("--port", type=int, help="overrides IGF_HUB_PORT")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demonstration data set first, when the database holds no data yet",
    )
    serve.set_defaults(fn=cmd_serve)

    sub.add_parser("worker", help="run an arq worker").set_defaults(fn=cmd_worker)

    mig = sub.add_parser("migrate", help="apply or list migrations")
    mig.add_argument("action", choices=["up", "status"], nargs="?", default="up")
    mig.add_argument("--dry-run", action="store_true", help="apply in a transaction and roll back")
    mig.set_defaults(fn=cmd_migrate)

    def with_roles(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--role", action="append", default=[], choices=[r.value for r in Role], help="repeatable"
        )
        p.add_argument("--resource", help="the NRI, track, donor or consumer id the role is bound to")
        p.add_argument("--chair", action="store_true", help="with --role mag_member: the MAG Chair")
        p.add_argument("--json", action="store_true", help="print a JSON object")

    users = sub.add_parser("users", help="manage people").add_subparsers(dest="action", required=True)
    create_user = users.add_parser("create", help="create a user (prints a password unless --password)")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--display-name")
    create_user.add_argument("--password")
    with_roles(create_user)
    create_user.set_defaults(fn=cmd_users)

    clients = sub.add_parser("clients", help="manage machine clients").add_subparsers(
        dest="action", required=True
    )
    create_client = clients.add_parser("create", help="create a client_credentials client")
    create_client.add_argument("--name", required=True)
    with_roles(create_client)
    create_client.set_defaults(fn=cmd_clients)

    audit_cmd = sub.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    verify = audit_cmd.add_parser(
        "verify",
        help="check the chain, the seals and the checkpoints; exit 1 on tampering, 2 on a bad checkpoint",
    )
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE|URL",
        help="a checkpoint someone kept: prove the log still extends it (repeatable)",
    )
    verify.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="VKEY|FILE",
        help="a verifier key the checkpoints may be signed with (default: this deployment's; repeatable)",
    )
    verify.set_defaults(fn=cmd_audit)
    checkpoint = audit_cmd.add_parser("checkpoint", help="sign and publish a checkpoint of the log now")
    checkpoint.add_argument("--json", action="store_true")
    checkpoint.set_defaults(fn=cmd_audit_checkpoint)

    demo_cmd = sub.add_parser("demo", help="the demonstration data set").add_subparsers(
        dest="action", required=True
    )
    demo_cmd.add_parser(
        "load", help="load the invented demonstration data through the services (an empty database only)"
    ).set_defaults(fn=cmd_demo)

    keys_cmd = sub.add_parser("keys", help="token signing keys").add_subparsers(dest="action", required=True)
    keys_cmd.add_parser("rotate", help="make a new signing key active").set_defaults(fn=cmd_keys)

    pub = sub.add_parser("publication-keys", help="the keys that sign published records").add_subparsers(
        dest="action", required=True
    )
    listed = pub.add_parser("list", help="the key history, current and retired")
    listed.add_argument("--json", action="store_true", help="print it as the published JWKS")
    listed.set_defaults(fn=cmd_publication_keys)
    rotate = pub.add_parser(
        "rotate",
        help="make the configured key current and retire the previous one (development: make a new key file)",
    )
    rotate.add_argument("--json", action="store_true")
    rotate.set_defaults(fn=cmd_publication_keys)
    retire_cmd = pub.add_parser("retire", help="retire a key: its signatures made after --at stop verifying")
    retire_cmd.add_argument("kid")
    retire_cmd.add_argument("--at", help="ISO 8601 time with zone (default: now); earlier for a leaked key")
    retire_cmd.add_argument("--reason", required=True)
    retire_cmd.add_argument("--json", action="store_true")
    retire_cmd.set_defaults(fn=cmd_publication_keys)
    pub.add_parser(
        "backfill", help="sign the records approved or published before signing began"
    ).set_defaults(fn=cmd_publication_backfill)

    report_cmd = sub.add_parser("report", help="the yearly report to the CSTD").add_subparsers(
        dest="action", required=True
    )
    report_draft = report_cmd.add_parser(
        "draft", help="compile the year's report from the record (drafting it when it does not exist yet)"
    )
    report_draft.add_argument("--year", type=int, required=True)
    report_draft.add_argument("--json", action="store_true", help="print the figures document as JSON")
    report_draft.set_defaults(fn=cmd_report_draft)

    verify_doc = sub.add_parser(
        "verify", help="is this document exactly what the IGF published? exit 0 yes, 1 no, 2 unreadable"
    )
    verify_doc.add_argument("source", metavar="FILE|URL", help="a signed document, or a record's URL")
    verify_doc.add_argument(
        "--signature", metavar="FILE|URL", help="the JWS you kept (default: the published one)"
    )
    verify_doc.add_argument(
        "--keys", metavar="FILE|URL", help="a JWKS of publication keys (default: the database's)"
    )
    verify_doc.add_argument("--json", action="store_true")
    verify_doc.set_defaults(fn=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    from igf_hub.core.logging import configure_logging

    args = build_parser().parse_args(argv)
    settings = load_settings()
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    from igf_hub.core.audit_keys import AuditKeyError
    from igf_hub.core.signing import SigningConfigError

    try:
        result: int = args.fn(settings, args)
    except (AuditKeyError, SigningConfigError) as exc:
        print(f"igf-hub: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
