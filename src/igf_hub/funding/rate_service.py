"""Exchange rates: the Secretariat's table of USD rates (e.g. UN operational rates), uploaded as CSV, and the
rule for which rate is in force on a date. Events freeze the rate they used; later uploads change nothing
already recorded."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import asyncpg

from igf_hub.auth.principal import Principal
from igf_hub.core import changelog, outbox
from igf_hub.core.clock import Clock
from igf_hub.core.errors import FieldError
from igf_hub.core.pagination import Keyset
from igf_hub.core.schemas import BoundedDate, UsdRateRule
from igf_hub.core.settings import Settings
from igf_hub.funding import currencies
from igf_hub.funding.errors import InvalidRates, MissingExchangeRate, RateAlreadyRecorded
from igf_hub.funding.repository import FundingRepository
from igf_hub.funding.schemas import ExchangeRate, ExchangeRateCreate, ExchangeRatePage, RatesUploaded

MAX_RATE_ROWS = 10_000
RATE_COLUMNS = ("currency", "effective_on", "usd_per_unit", "source")


class RateService:
    def __init__(self, conn: asyncpg.Connection, clock: Clock, settings: Settings) -> None:
        self.conn = conn
        self.clock = clock
        self.settings = settings
        self.repo = FundingRepository(conn)

    async def add_rates(
        self,
        rates: list[ExchangeRateCreate],
        *,
        actor: Principal,
        via: str,
        correction: bool = False,
        reason: str | None = None,
        pointers: list[str] | None = None,
    ) -> RatesUploaded:
        """Add rates. The same rate sent again changes nothing; a different rate for a currency and date already
        recorded is refused (409) unless ``correction`` is set with a ``reason``: then it replaces the old one
        and the audit log keeps both, with how many recorded events used it (they keep the rate they froze)."""
        where = pointers or [f"/{i}" for i in range(len(rates))]
        if correction and not (reason and reason.strip()):
            raise InvalidRates(
                "a correction gives its reason",
                errors=[FieldError("/reason", "say why the rate is corrected")],
            )
        seen: dict[tuple[str, date], str] = {}
        duplicates = []
        for pointer, r in zip(where, rates, strict=True):
            key = (r.currency, r.effective_on)
            if key in seen:
                duplicates.append(
                    FieldError(pointer, f"{r.currency} on {r.effective_on} is also at {seen[key]}")
                )
            seen.setdefault(key, pointer)
        if duplicates:
            raise InvalidRates(f"{len(duplicates)} rate(s) sent twice; nothing was stored", errors=duplicates)
        existing = await self.repo.rates_for_update(list(seen))
        added, changed, unchanged = [], [], 0
        conflicts = []
        for pointer, r in zip(where, rates, strict=True):
            old = existing.get((r.currency, r.effective_on))
            if old is None:
                added.append(r)
            elif old.usd_per_unit == r.usd_per_unit and old.source == r.source:
                unchanged += 1
            else:
                used = await self.repo.events_using_rate(r.currency, r.effective_on)
                changed.append((r, old, used))
                conflicts.append(
                    FieldError(
                        pointer,
                        f"{r.currency} on {r.effective_on} is already {old.usd_per_unit} USD ({old.source}), "
                        f"used by {used} recorded event(s); to replace it with {r.usd_per_unit} ({r.source}), "
                        "send it as a correction with a reason",
                    )
                )
        if conflicts and not correction:
            raise RateAlreadyRecorded(
                f"{len(conflicts)} rate(s) differ from the ones recorded; nothing was stored",
                errors=conflicts,
            )
        now = self.clock.now()
        try:
            new = await self.repo.insert_rates(
                [(r.currency, r.effective_on, r.usd_per_unit, r.source, now, actor.subject) for r in added]
            )
        except asyncpg.UniqueViolationError:
            raise RateAlreadyRecorded(
                "another upload recorded some of these rates at the same time; nothing was stored: send the "
                "file again"
            ) from None
        replaced = await self.repo.upsert_rates(
            [
                (r.currency, r.effective_on, r.usd_per_unit, r.source, now, actor.subject)
                for r, _, _ in changed
            ]
        )
        stored = new + replaced
        summary = RatesUploaded(
            rows=len(stored),
            currencies=sorted({r.currency for r in stored}),
            added=len(added),
            corrected=len(changed),
            unchanged=unchanged,
        )
        # One funding.rates.uploaded event tells of the whole upload (exchange rates are read by the Secretariat
        # and funders only: not for the consumer feed); the audit log keeps each new rate and each correction.
        if added:
            await changelog.record(
                self.conn,
                "funding.rates.uploaded",
                actor=actor.subject,
                subject_type="exchange_rates",
                subject_id=via,
                data={"rates": new},
                event_data=summary,
                public=False,
            )
        for r, old, used in changed:
            await changelog.record(
                self.conn,
                "funding.rate.corrected",
                actor=actor.subject,
                subject_type="exchange_rate",
                subject_id=f"{r.currency}:{r.effective_on}",
                data={"old": old, "new": r, "reason": reason, "events_using_old_rate": used, "via": via},
                publish=False,  # the upload's one funding.rates.uploaded event counts the corrections
            )
        if (
            stored and not added
        ):  # no new rate (corrections or repeats only): the event still tells of the upload
            await outbox.publish(self.conn, "funding.rates.uploaded", subject=via, data=summary, public=False)
        return summary

    async def upload_rates_csv(
        self, body: bytes, *, actor: Principal, correction: bool = False, reason: str | None = None
    ) -> RatesUploaded:
        rates, pointers = parse_rates_csv(body)
        return await self.add_rates(
            rates, actor=actor, via="csv", correction=correction, reason=reason, pointers=pointers
        )

    async def list_rates(self, *, currency: str | None, cursor: str | None, limit: int) -> ExchangeRatePage:
        keyset = Keyset(cursor, tuple[str, date], limit)
        rows = await self.repo.list_rates(currency=currency, after=keyset.after, limit=keyset.fetch)
        items, next_cursor = keyset.cut(rows, lambda row: (row.currency, row.effective_on))
        return ExchangeRatePage(items=items, next_cursor=next_cursor)

    async def in_force(self, currency: str, on: date) -> ExchangeRate:
        """The USD rate in force on a date (USD itself is 1); a missing one is a 422 naming it."""
        if currency == "USD":
            return ExchangeRate(
                currency="USD",
                effective_on=on,
                usd_per_unit=Decimal(1),
                source="USD (no conversion)",
                recorded_at=self.clock.now(),
            )
        rate = await self.repo.rate_in_force(currency, on, self.settings.funding.rate_max_age_days)
        if rate is None:
            raise MissingExchangeRate(
                f"no USD rate for {currency} on {on}: upload a {currency} rate effective between "
                f"{on.fromordinal(on.toordinal() - self.settings.funding.rate_max_age_days + 1)} and {on}",
                errors=[FieldError("/currency", f"no {currency} rate in force on {on}")],
                extra={"missing_rate": {"currency": currency, "date": on.isoformat()}},
            )
        return rate


def parse_rates_csv(body: bytes) -> tuple[list[ExchangeRateCreate], list[str]]:
    """Rows of ``currency,effective_on,usd_per_unit,source``; every bad cell is reported, nothing is stored."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRates("the file is not UTF-8 text", errors=[FieldError("", "not UTF-8")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if sorted(header) != sorted(RATE_COLUMNS):
        raise InvalidRates(
            f"the header must be exactly: {','.join(RATE_COLUMNS)}",
            errors=[FieldError("/header", f"got {header}")],
        )
    rates, pointers, errors, seen = [], [], [], set()
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"/rows/{number}"
        if number - 1 > MAX_RATE_ROWS:
            errors.append(FieldError(where, f"at most {MAX_RATE_ROWS} rows per upload"))
            break
        currency = row["currency"].upper()
        if not currencies.is_known(currency):
            errors.append(FieldError(f"{where}/currency", f"{row['currency']!r} is not an ISO 4217 code"))
        # the same rules as the JSON route (core/schemas.py)
        effective_on: date | None
        try:
            effective_on = BoundedDate.parse(row["effective_on"])
        except ValueError as e:
            errors.append(FieldError(f"{where}/effective_on", f"{row['effective_on']!r}: {e}"))
            effective_on = None
        per_unit: Decimal | None
        try:
            per_unit = UsdRateRule.parse(row["usd_per_unit"])
        except ValueError as e:
            errors.append(FieldError(f"{where}/usd_per_unit", f"{row['usd_per_unit']!r}: {e}"))
            per_unit = None
        if not row["source"]:
            errors.append(FieldError(f"{where}/source", "name the source of the rate"))
        if effective_on is not None and (currency, effective_on) in seen:
            errors.append(FieldError(where, f"{currency} on {effective_on} appears twice"))
        if (
            effective_on is not None
            and per_unit is not None
            and currencies.is_known(currency)
            and row["source"]
        ):
            seen.add((currency, effective_on))
            pointers.append(where)
            rates.append(
                ExchangeRateCreate(
                    currency=currency,
                    effective_on=effective_on,
                    usd_per_unit=per_unit,
                    source=row["source"][:200],
                )
            )
    if errors:
        raise InvalidRates(f"{len(errors)} problem(s) in the file; nothing was stored", errors=errors)
    if not rates:
        raise InvalidRates("the file has no rows", errors=[FieldError("/rows", "empty")])
    return rates, pointers
