"""ISO 4217 active currency codes (the IATI Currency codelist is the same list), and their minor units."""

from __future__ import annotations

# Source: ISO 4217 list one (active codes), SIX Group; funds and precious-metal codes are left out.
ISO_4217: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 (a readable block of codes)
)

# Currencies whose minor unit is not 2 digits (everything else has cents).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),  # noqa: SIM905
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),  # noqa: SIM905
}


def is_known(code: str) -> bool:
    return code in ISO_4217


def minor_units(code: str) -> int:
    return _MINOR_UNITS.get(code, 2)


def minor_unit_exceptions() -> dict[int, list[str]]:
    """The currencies whose minor unit is not 2 digits, by their number of digits."""
    out: dict[int, list[str]] = {}
    for code, places in sorted(_MINOR_UNITS.items()):
        out.setdefault(places, []).append(code)
    return out
