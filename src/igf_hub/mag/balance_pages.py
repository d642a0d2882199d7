"""The MAG balance in pages: the public dashboard of a cycle (``/mag/cycles/{year}/balance``) and the words and
pictures of the what-if preview that the Secretariat's appoint page shows (mag/pages.py).

Nothing here judges a slate: every status and figure comes from ``mag/balance.py`` through BalanceService (the
same computation as ``GET .../balance`` and ``POST .../balance:preview``); this module only says them in the
reader's language and draws them (inline SVG with the numbers beside it in a table, so no JavaScript and a text
equivalent for every bar).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from babel.numbers import format_percent
from litestar import Response, get

from igf_hub.auth.principal import AnyRequest, Role
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings
from igf_hub.core.vocab import MagStakeholderGroup, RegionalGroup
from igf_hub.mag.appointment_service import AppointmentService
from igf_hub.mag.balance import Balance, RuleCheck
from igf_hub.mag.balance_service import BalanceService, WhatIf
from igf_hub.mag.enums import Gender, RuleStatus
from igf_hub.mag.service import CycleService
from igf_hub.web import i18n
from igf_hub.web.errors import PageController
from igf_hub.web.formatting import country_name, locale_of, number_text
from igf_hub.web.i18n import N_, gettext
from igf_hub.web.templating import render
from igf_hub.web.vocabulary import MAG_GROUP_NAMES, REGIONAL_GROUP_NAMES

GENDER_NAMES = {
    Gender.female: N_("Women"),
    Gender.male: N_("Men"),
    Gender.non_binary: N_("Non-binary"),
}
RULE_TITLES = {
    "target_size": N_("Size"),
    "government_share": N_("Government share"),
    "non_government_parity": N_("Stakeholder group parity"),
    "host_country_seats": N_("Host-country seats"),
    "intergovernmental_observers": N_("Observers"),
    "regional_representation": N_("Regions"),
    "gender_band": N_("Gender balance"),
    "term_limit": N_("Term limit"),
}
STATUS_WORDS = {RuleStatus.passed: N_("Met"), RuleStatus.warn: N_("Not met")}
NOW_FILL, AFTER_FILL, LIMIT_STROKE = "#a9c4de", "#1f5f99", "#b00020"


def share_text(value: float, language: str) -> str:
    """A share as the reader writes percentages, to one decimal place where it has one (41.7 %, 40 %)."""
    return format_percent(value, "#,##0.#%", locale=locale_of(language))


def _t(language: str, message: str, **values: Any) -> str:
    text = gettext(language, message)
    return text % values if values else text


def _names(language: str, codes: Sequence[str]) -> str:
    return ", ".join(country_name(code, language) for code in codes)


def rule_sentence(check: RuleCheck, language: str) -> str:
    """What one rule's figures say, as a sentence in the reader's language."""
    f = check.figures

    def n(value: int) -> str:
        return number_text(value, language)

    if check.rule == "target_size":
        return _t(
            language,
            N_("%(seats)s counted seats for a target of %(target)s."),
            seats=n(f["seats"]),
            target=n(f["target_size"]),
        )
    if check.rule == "government_share":
        return _t(
            language,
            N_(
                "Government holds %(government)s of %(seats)s counted seats (%(share)s); the limit is %(limit)s."
            ),
            government=n(f["government"]),
            seats=n(f["seats"]),
            share=share_text(f["share"], language),
            limit=share_text(f["max_share"], language),
        )
    if check.rule == "non_government_parity":
        return _t(
            language,
            N_(
                "Civil society holds %(civil)s seats, the private sector %(private)s and the technical community "
                "%(technical)s: they differ by %(spread)s, and may differ by at most %(limit)s."
            ),
            civil=n(f["civil_society"]),
            private=n(f["private_sector"]),
            technical=n(f["technical_community"]),
            spread=n(f["spread"]),
            limit=n(f["max_spread"]),
        )
    if check.rule == "host_country_seats":
        if check.status is RuleStatus.passed:
            return _t(
                language,
                N_("Each of the %(count)s former host countries holds its seat."),
                count=n(len(f["host_countries"])),
            )
        parts = []
        if f["missing"]:
            parts.append(
                _t(
                    language,
                    N_("Without their seat: %(countries)s."),
                    countries=_names(language, f["missing"]),
                )
            )
        if f["duplicated"]:
            parts.append(
                _t(
                    language,
                    N_("More than one seat: %(countries)s."),
                    countries=_names(language, f["duplicated"]),
                )
            )
        if f["not_host_country"]:
            parts.append(
                _t(
                    language,
                    N_("Not a former host country: %(countries)s."),
                    countries=_names(language, f["not_host_country"]),
                )
            )
        return " ".join(parts)
    if check.rule == "intergovernmental_observers":
        text = _t(
            language,
            N_("%(observers)s observer seats, not counted towards the balance."),
            observers=n(f["observers"]),
        )
        if f["intergovernmental_members"]:
            text += " " + _t(
                language,
                N_(
                    "Intergovernmental organisations hold %(count)s member seats: they sit as observers only."
                ),
                count=n(f["intergovernmental_members"]),
            )
        return text
    if check.rule == "regional_representation":
        if not f["missing"]:
            return _t(language, N_("Every UN regional group is represented."))
        missing = ", ".join(gettext(language, REGIONAL_GROUP_NAMES[RegionalGroup(g)]) for g in f["missing"])
        return _t(language, N_("Not represented: %(groups)s."), groups=missing)
    if check.rule == "gender_band":
        if not f["declared"]:
            return _t(language, N_("No member has declared a gender yet."))
        return _t(
            language,
            N_(
                "Women hold %(women)s and men %(men)s of the seats of the %(declared)s members who declared a "
                "gender; each share should stay between %(low)s and %(high)s."
            ),
            women=share_text(f["female_share"], language),
            men=share_text(f["male_share"], language),
            declared=n(f["declared"]),
            low=share_text(f["min_share"], language),
            high=share_text(f["max_share"], language),
        )
    if check.rule == "term_limit":
        return _t(
            language,
            N_(
                "%(beyond)s seats are beyond %(limit)s consecutive terms, %(excepted)s of them with a recorded "
                "exception."
            ),
            beyond=n(f["beyond_limit"]),
            limit=n(f["max_consecutive_terms"]),
            excepted=n(f["with_exception"]),
        )
    return check.detail  # a rule this page does not know yet: the service's own words


def rules_table(balance: Balance, language: str) -> list[dict[str, Any]]:
    return [
        {
            "rule": check.rule,
            "title": gettext(language, RULE_TITLES.get(check.rule, check.rule)),
            "met": check.status is RuleStatus.passed,
            "status": gettext(language, STATUS_WORDS[check.status]),
            "sentence": rule_sentence(check, language),
        }
        for check in balance.rules
    ]


def _check(balance: Balance, rule: str) -> RuleCheck:
    return next(c for c in balance.rules if c.rule == rule)


def warnings(what_if: WhatIf, name: str, language: str) -> list[str]:
    """Sentences for what the appointment would break or make worse, the term limit first."""
    found = []
    if what_if.beyond_term_limit:
        found.append(
            _t(
                language,
                N_(
                    "%(name)s would serve %(number)s consecutive terms, more than the limit of %(limit)s. To appoint "
                    "anyway, record an exception with its reason: it is published with the appointment."
                ),
                name=name,
                number=number_text(what_if.term_number, language),
                limit=number_text(what_if.after.config.max_consecutive_terms, language),
            )
        )
    for now, after in zip(what_if.now.rules, what_if.after.rules, strict=True):
        if after.status is not RuleStatus.warn or now.rule == "term_limit":
            continue
        if now.rule == "government_share":
            before, then = now.figures["share"], after.figures["share"]
            limit = share_text(after.figures["max_share"], language)
            if now.status is RuleStatus.passed:
                found.append(
                    _t(
                        language,
                        N_(
                            "Appointing %(name)s would take the government share from %(before)s to %(after)s, past "
                            "the limit of %(limit)s."
                        ),
                        name=name,
                        before=share_text(before, language),
                        after=share_text(then, language),
                        limit=limit,
                    )
                )
            elif then > before:
                found.append(
                    _t(
                        language,
                        N_(
                            "The government share is already past the limit of %(limit)s; appointing %(name)s would "
                            "raise it from %(before)s to %(after)s."
                        ),
                        name=name,
                        before=share_text(before, language),
                        after=share_text(then, language),
                        limit=limit,
                    )
                )
        elif now.status is RuleStatus.passed:
            found.append(
                _t(
                    language,
                    N_("Appointing %(name)s would break a rule that is met now (%(rule)s): %(sentence)s"),
                    name=name,
                    rule=gettext(language, RULE_TITLES.get(now.rule, now.rule)),
                    sentence=rule_sentence(after, language),
                )
            )
    return found


def improvements(what_if: WhatIf, language: str) -> list[str]:
    """The rules not met now that the appointment would meet."""
    return [
        gettext(language, RULE_TITLES.get(after.rule, after.rule))
        for now, after in zip(what_if.now.rules, what_if.after.rules, strict=True)
        if now.status is RuleStatus.warn and after.status is RuleStatus.passed
    ]


# -- pictures ---------------------------------------------------------------------------------------------

BAR_X, BAR_WIDTH, ROW_HEIGHT = 250, 400, 34


def chart(
    label: str,
    rows: Sequence[tuple[str, Sequence[tuple[float, str]]]],
    language: str,
    *,
    limit: float | None = None,
    limited_rows: int = 0,
) -> dict[str, Any]:
    """Horizontal bars in SVG: each row a label and one bar (now) or two (now, then with the appointment), each
    (share from 0 to 1, the words shown beside it); ``limit`` draws the limit's line across the first
    ``limited_rows`` rows (those it applies to). The template also shows the same numbers in a table."""
    drawn = []
    first = 24 if limit is not None else 10  # the limit's words go above the bars
    y = first
    for name, values in rows:
        bars = []
        height = 24 if len(values) == 1 else 12
        for i, (value, shown) in enumerate(values):
            bar_y = y + i * (height + 2)
            width = round(max(min(value, 1.0), 0.0) * BAR_WIDTH, 1)
            bars.append(
                {
                    "y": bar_y,
                    "width": width,
                    "height": height,
                    "fill": AFTER_FILL if i == len(values) - 1 else NOW_FILL,
                    "shown": shown,
                    "text_x": BAR_X + width + 6,
                    "text_y": bar_y + height - 2,
                }
            )
        drawn.append({"name": name, "label_y": y + 17, "bars": bars})
        y += ROW_HEIGHT
    height = y + 6
    line = None
    if limit is not None:
        x = BAR_X + round(limit * BAR_WIDTH, 1)
        line = {
            "x": x,
            "top": first - 6,
            "bottom": first + limited_rows * ROW_HEIGHT - 6,
            "text_y": 12,
            "shown": _t(language, N_("limit %(limit)s"), limit=share_text(limit, language)),
        }
    return {"label": label, "rows": drawn, "height": height, "width": BAR_X + BAR_WIDTH + 80, "limit": line}


def _group_rows(balances: Sequence[Balance], language: str) -> list[tuple[str, list[tuple[float, str]]]]:
    rows = []
    for group in MagStakeholderGroup:
        counts = [next(g for g in b.by_stakeholder_group if g.group == group.value) for b in balances]
        rows.append(
            (
                gettext(language, MAG_GROUP_NAMES[group]),
                [
                    (c.share, f"{number_text(c.seats, language)} ({share_text(c.share, language)})")
                    for c in counts
                ],
            )
        )
    return rows


def _region_rows(balances: Sequence[Balance], language: str) -> list[tuple[str, list[tuple[float, str]]]]:
    rows = []
    for region in RegionalGroup:
        counts = [next(g for g in b.by_regional_group if g.group == region.value) for b in balances]
        rows.append(
            (
                gettext(language, REGIONAL_GROUP_NAMES[region]),
                [
                    (c.share, f"{number_text(c.seats, language)} ({share_text(c.share, language)})")
                    for c in counts
                ],
            )
        )
    return rows


def _gender_rows(balances: Sequence[Balance], language: str) -> list[tuple[str, list[tuple[float, str]]]]:
    rows = []
    for gender in Gender:
        counts = [next(g for g in b.gender.groups if g.group == gender.value) for b in balances]
        rows.append(
            (
                gettext(language, GENDER_NAMES[gender]),
                [
                    (c.share, f"{number_text(c.seats, language)} ({share_text(c.share, language)})")
                    for c in counts
                ],
            )
        )
    return rows


def pictures(balances: Sequence[Balance], language: str) -> dict[str, Any]:
    """The charts of one balance (the dashboard) or of two (now, then with the appointment: the what-if)."""
    government = _check(balances[-1], "government_share").figures["max_share"]
    gender = _check(balances[-1], "gender_band").figures
    return {
        "groups": chart(
            gettext(language, N_("Seats by stakeholder group")),
            _group_rows(balances, language),
            language,
            limit=government,
            limited_rows=1,  # the government row (MagStakeholderGroup's first)
        ),
        "regions": chart(
            gettext(language, N_("Seats by UN regional group")), _region_rows(balances, language), language
        ),
        "gender": chart(
            gettext(language, N_("Seats by declared gender")),
            _gender_rows(balances, language),
            language,
            limit=gender["max_share"],
            limited_rows=2,  # the band holds for women and for men
        ),
    }


def figures(balance: Balance, language: str) -> dict[str, Any]:
    """The balance's numbers, as the dashboard's tables and summary show them."""
    government = _check(balance, "government_share").figures
    hosts = _check(balance, "host_country_seats").figures
    rotation = balance.rotation

    def n(value: int) -> str:
        return number_text(value, language)

    return {
        "seats": n(balance.seats),
        "target": n(balance.target_size),
        "observers": n(balance.observers),
        "met": balance.status is RuleStatus.passed,
        "government_share": share_text(government["share"], language),
        "government_limit": share_text(government["max_share"], language),
        "government_over": _check(balance, "government_share").status is RuleStatus.warn,
        "groups": [
            {
                "name": gettext(language, MAG_GROUP_NAMES[MagStakeholderGroup(g.group)]),
                "seats": n(g.seats),
                "share": share_text(g.share, language),
            }
            for g in balance.by_stakeholder_group
        ],
        "regions": [
            {
                "name": gettext(language, REGIONAL_GROUP_NAMES[RegionalGroup(g.group)]),
                "seats": n(g.seats),
                "share": share_text(g.share, language),
            }
            for g in balance.by_regional_group
        ],
        "genders": [
            {
                "name": gettext(language, GENDER_NAMES[Gender(g.group)]),
                "seats": n(g.seats),
                "share": share_text(g.share, language),
            }
            for g in balance.gender.groups
        ],
        "undeclared": n(balance.gender.undeclared),
        "hosts": [
            {"name": country_name(code, language), "seated": code in hosts["represented"]}
            for code in hosts["host_countries"]
        ],
        "rotation": {
            "previous_year": rotation.previous_year,
            "returning": None if rotation.returning is None else n(rotation.returning),
            "renewed": None if rotation.renewed is None else n(rotation.renewed),
            "renewed_share": None
            if rotation.renewed_share is None
            else share_text(rotation.renewed_share, language),
            "newcomers": n(rotation.newcomers),
            "newcomer_share": share_text(rotation.newcomer_share, language),
        },
        "rules": rules_table(balance, language),
    }


def comparison(what_if: WhatIf, language: str) -> list[dict[str, Any]]:
    """Now and with the appointment, figure by figure (the what-if's table)."""
    now, after = what_if.now, what_if.after

    def n(value: int) -> str:
        return number_text(value, language)

    rows: list[dict[str, Any]] = [
        {"name": gettext(language, N_("Counted seats")), "now": n(now.seats), "after": n(after.seats)},
        {
            "name": gettext(language, N_("Government share")),
            "now": share_text(_check(now, "government_share").figures["share"], language),
            "after": share_text(_check(after, "government_share").figures["share"], language),
        },
    ]
    for before, then in zip(now.by_stakeholder_group, after.by_stakeholder_group, strict=True):
        rows.append(
            {
                "name": gettext(language, MAG_GROUP_NAMES[MagStakeholderGroup(before.group)]),
                "now": n(before.seats),
                "after": n(then.seats),
            }
        )
    for before, then in zip(now.by_regional_group, after.by_regional_group, strict=True):
        rows.append(
            {
                "name": gettext(language, REGIONAL_GROUP_NAMES[RegionalGroup(before.group)]),
                "now": n(before.seats),
                "after": n(then.seats),
            }
        )
    for before, then in zip(now.gender.groups, after.gender.groups, strict=True):
        rows.append(
            {
                "name": gettext(language, GENDER_NAMES[Gender(before.group)]),
                "now": n(before.seats),
                "after": n(then.seats),
            }
        )
    rows.append(
        {
            "name": gettext(language, N_("Newcomers to the MAG")),
            "now": n(now.rotation.newcomers),
            "after": n(after.rotation.newcomers),
        }
    )
    for rule_now, rule_after in zip(now.rules, after.rules, strict=True):
        rows.append(
            {
                "name": gettext(language, RULE_TITLES.get(rule_now.rule, rule_now.rule)),
                "now": gettext(language, STATUS_WORDS[rule_now.status]),
                "after": gettext(language, STATUS_WORDS[rule_after.status]),
            }
        )
    for row in rows:
        row["changed"] = row["now"] != row["after"]
    return rows


class MagBalancePages(PageController):
    @get("/mag/cycles/{year:int}/balance", operation_id="MagBalancePage")
    async def balance(
        self, request: AnyRequest, db: asyncpg.Connection, clock: Clock, settings: Settings, year: int
    ) -> Response[Any]:
        """A cycle's balance (public, as ``GET /v1/mag/cycles/{year}/balance``): numbers, pictures, each rule in
        words, and the term-limit exceptions with their published reasons."""
        language = i18n.request_language(request)
        cycle = await CycleService(db, clock, settings).get(year)
        balance = await BalanceService(db, clock, settings).balance(year)
        exceptions = await AppointmentService(db, clock, settings).term_limit_exceptions(
            year=year, actor=request.user, cursor=None, limit=100
        )
        return render(
            request,
            "mag/balance.html",
            {
                "cycle": cycle,
                "figures": figures(balance, language),
                "pictures": pictures([balance], language),
                "exceptions": exceptions.items,
                "secretariat": request.user.has_role(Role.secretariat),
            },
        )
