"""Shared constrained types used by every domain's Structs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

from igf_hub.core.errors import describe_pattern

Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
            "must be 1 to 64 lowercase letters, digits or hyphens, starting and ending with a letter or digit "
            "(for example ke-igf)",
        ),
        examples=["ke-igf"],
    ),
]
CountryCode = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[A-Z]{2}$", "must be a two-letter country code in capitals (for example KE)"
        ),
        description="ISO 3166-1 alpha-2",
    ),
]
CurrencyCode = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[A-Z]{3}$", "must be a three-letter currency code in capitals (for example USD)"
        ),
        description="ISO 4217",
    ),
]
LanguageTag = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", "must be a language tag such as en, fr or pt-BR"
        ),
        description="BCP 47",
        examples=["en", "pt-BR"],
    ),
]
NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
LongText = Annotated[str, msgspec.Meta(max_length=100_000)]
Email = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "must be an e-mail address (name@example.org)"
        ),
        max_length=320,
        examples=["coordinator@example.org"],
    ),
]
HttpUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=describe_pattern(
            r"^https?://[^\s/$.?#].[^\s]*$", "must be a web address starting with http:// or https://"
        ),
        max_length=2000,
    ),
]
Year = Annotated[int, msgspec.Meta(ge=2006, le=2100)]  # an IGF year: the first IGF met in 2006
# The year an initiative was founded: several predate the first IGF (the Caribbean IGF dates from 2005).
FoundedYear = Annotated[int, msgspec.Meta(ge=1990, le=2100)]


class Classification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Where an object sits in the IGF's frames: WSIS Action Lines, SDGs, Global Digital Compact objectives."""

    wsis_action_lines: list[str] = []
    sdgs: list[int] = []
    gdc_objectives: list[int] = []

    def __post_init__(self) -> None:
        from igf_hub.core.vocab import GDC_OBJECTIVE_NUMBERS, SDG_NUMBERS, WSIS_ACTION_LINE_CODES

        unknown = (
            [f"wsis_action_lines: {c}" for c in self.wsis_action_lines if c not in WSIS_ACTION_LINE_CODES]
            + [f"sdgs: {n}" for n in self.sdgs if n not in SDG_NUMBERS]
            + [f"gdc_objectives: {n}" for n in self.gdc_objectives if n not in GDC_OBJECTIVE_NUMBERS]
        )
        if unknown:
            raise ValueError(f"unknown classification codes ({', '.join(unknown)}); see /v1/vocab")
        self.wsis_action_lines = sorted(set(self.wsis_action_lines))
        self.sdgs = sorted(set(self.sdgs))
        self.gdc_objectives = sorted(set(self.gdc_objectives))


# -- money, rates and dates that clients send -----------------------------------------------------------------
#
# msgspec cannot bound a Decimal or a date (Meta(gt=...) is for int and float), and Python's Decimal() reads
# "NaN", "Infinity", "1e30", " 100 " and Arabic-Indic digits alike. So each bounded value is a small class that
# only names its rule, and one decoder (:func:`decode_bounded`, registered on the app as a type decoder) reads
# the JSON string strictly. The metaclass makes any Decimal (or date, datetime) an instance of the class: the
# decoder returns plain values, and rows from the database convert into response Structs with no hook.

_PLAIN_DECIMAL = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,10})?", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


class _Bounded(type):
    """``isinstance(value, cls)`` is true for any value of the class's ``base`` type."""

    base: type

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, cls.base) and not (cls.base is date and isinstance(instance, datetime))


class BoundedDecimal(metaclass=_Bounded):
    """A positive decimal sent as a JSON string of ASCII digits, with at most ``places`` decimal places and
    ``minimum <= value < maximum``: never a JSON number (a binary float), a sign, an exponent, NaN or Infinity."""

    base = Decimal
    places: ClassVar[int]
    minimum: ClassVar[Decimal]
    maximum: ClassVar[Decimal]
    example: ClassVar[str]

    @classmethod
    def parse(cls, value: object) -> Decimal:
        if not isinstance(value, str):
            raise TypeError(f'must be a decimal in a JSON string, such as "{cls.example}", not a JSON number')
        if not _PLAIN_DECIMAL.fullmatch(value):
            raise ValueError(
                f"must be written with the digits 0-9 and at most {cls.places} decimal places, such as "
                f'"{cls.example}" (no sign, spaces, exponent, NaN or Infinity)'
            )
        number = Decimal(value)
        if -number.as_tuple().exponent > cls.places:  # type: ignore[operator]  # finite: an int exponent
            raise ValueError(f"must have at most {cls.places} decimal places")
        if not cls.minimum <= number < cls.maximum:
            raise ValueError(f"must be at least {cls.minimum:f} and below {cls.maximum:,f}")
        return number

    @classmethod
    def pattern(cls) -> str:
        return rf"^[0-9]{{1,16}}(\.[0-9]{{1,{cls.places}}})?$"


class CurrencyAmountRule(BoundedDecimal):
    places, minimum, maximum, example = 4, Decimal("0.0001"), Decimal("1e15"), "1250.00"


class UsdAmountRule(BoundedDecimal):
    places, minimum, maximum, example = 2, Decimal("0.01"), Decimal("1e15"), "1250.00"


class UsdRateRule(BoundedDecimal):
    # numeric(24, 10): 1e-10 is the smallest rate stored exactly; no currency is worth a million dollars a unit
    places, minimum, maximum, example = 10, Decimal("1e-10"), Decimal("1e6"), "1.0850"


class BoundedDate(metaclass=_Bounded):
    """A calendar date as ``YYYY-MM-DD`` between 1990-01-01 and 2100-12-31: asyncpg would store 0001-01-01
    and 9999-12-31 as -infinity and infinity, and no IGF record is dated outside that range."""

    base = date

    @classmethod
    def parse(cls, value: object) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValueError('must be a date written YYYY-MM-DD, such as "2025-06-23"')
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a date in the calendar") from None
        if not EARLIEST <= day <= LATEST:
            raise ValueError(f"must be between {EARLIEST} and {LATEST}")
        return day


class BoundedDatetime(metaclass=_Bounded):
    """An RFC 3339 time with its UTC offset, between 1990 and 2100 (same reason as :class:`BoundedDate`)."""

    base = datetime

    @classmethod
    def parse(cls, value: object) -> datetime:
        try:
            moment: datetime = msgspec.convert(value, Annotated[datetime, msgspec.Meta(tz=True)])
        except msgspec.ValidationError:
            raise ValueError(
                'must be an RFC 3339 time with its UTC offset, such as "2025-06-23T09:00:00Z"'
            ) from None
        if not EARLIEST <= moment.astimezone(UTC).date() <= LATEST:
            raise ValueError(f"must be between {EARLIEST} and {LATEST}")
        return moment


if TYPE_CHECKING:  # to the type checker they are what the decoder returns
    CurrencyAmountValue: TypeAlias = Decimal
    UsdAmountValue: TypeAlias = Decimal
    UsdRateValue: TypeAlias = Decimal
    DateValue: TypeAlias = date
    DatetimeValue: TypeAlias = datetime
else:
    CurrencyAmountValue, UsdAmountValue, UsdRateValue = CurrencyAmountRule, UsdAmountRule, UsdRateRule
    DateValue, DatetimeValue = BoundedDate, BoundedDatetime

CurrencyAmount = Annotated[
    CurrencyAmountValue,
    msgspec.Meta(
        description='An amount in its currency: a decimal string (never a float) such as "1250.00" (at most 4 decimal '
        "places, below 10^15)"
    ),
]
UsdAmount = Annotated[
    UsdAmountValue,
    msgspec.Meta(
        description='US dollars: a decimal string (never a float) such as "1250.00" (at most 2 decimal places, below 10^15)'
    ),
]
UsdRate = Annotated[
    UsdRateValue,
    msgspec.Meta(
        description='USD per one unit of a currency: a decimal string (never a float) such as "1.0850" (at most 10 '
        "decimal places, from 0.0000000001 to below 1,000,000)"
    ),
]
Day = Annotated[DateValue, msgspec.Meta(description="A date, YYYY-MM-DD, between 1990-01-01 and 2100-12-31")]
Moment = Annotated[
    DatetimeValue,
    msgspec.Meta(description="An RFC 3339 time with its UTC offset, between 1990 and 2100"),
]

_BOUNDED = (BoundedDecimal, BoundedDate, BoundedDatetime)


def is_bounded(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, _BOUNDED)


def decode_bounded(kind: type, value: object) -> object:
    """The one decoder of every bounded value (a ``dec_hook``); a ValueError becomes a 422 naming the field."""
    return kind.parse(value)  # type: ignore[attr-defined]


def dec_hook(kind: type, value: object) -> object:
    """For ``msgspec.convert``/``decode`` of input Structs outside a request (CSV and archive imports)."""
    if is_bounded(kind):
        return decode_bounded(kind, value)
    raise TypeError(f"unsupported type {kind!r}")


TYPE_DECODERS = [(is_bounded, decode_bounded)]


class BoundedSchemaPlugin(OpenAPISchemaPlugin):
    """Documents each bounded value as the string it is on the wire, with its pattern or format."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return is_bounded(value)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        kind = field_definition.annotation
        if issubclass(kind, BoundedDecimal):
            return Schema(type=OpenAPIType.STRING, pattern=kind.pattern(), examples=[kind.example])
        if issubclass(kind, BoundedDate):
            return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE)
        return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)
