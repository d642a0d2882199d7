"""Countries and territories as the UN system groups them, keyed by ISO 3166-1 alpha-2 code.

Encoded here; nothing is read from files or the network at runtime. Sources:

- Regional groups: UN DGACM, "Regional groups of Member States"
  (https://www.un.org/dgacm/en/content/regional-groups). All 193 Member States are in a group:
  African 54, Asia-Pacific 54 (Kiribati joined in 2010), Eastern European 23, GRULAC 33,
  WEOG 28 + the United States (an observer of WEOG, counted there for elections) = 29.
  Türkiye and Israel sit in WEOG. Observer states and territories have no group (``None``).
- Development status: UN M49 "developed regions" (Europe, Northern America, Japan, Australia,
  New Zealand); everything else is developing, except the economies in transition of the UN World
  Economic Situation and Prospects (WESP): the Western Balkans outside the EU, the CIS and Georgia.
- LDC / LLDC / SIDS: UN-OHRLLS lists (https://www.un.org/ohrlls/). LDCs: 44 (after Bhutan
  graduated in Dec 2023 and Sao Tome and Principe in Dec 2024). LLDCs: 32. SIDS: the 38 UN Member
  States on the OHRLLS list, plus the non-UN members / associate members of the regional commissions
  that the same list names (flagged on the territories below).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec


class Country(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    regional_group: str | None
    development_status: str
    ldc: bool = False
    lldc: bool = False
    sids: bool = False


AF = "african"
AP = "asia_pacific"
EE = "eastern_european"
LA = "latin_american_caribbean"
WE = "western_european_others"

DEV = "developed"
DVG = "developing"
EIT = "economy_in_transition"

# (code, name, regional group, development status); names follow UN terminology (UNTERM short names).
_TABLE: tuple[tuple[str, str, str | None, str], ...] = (
    # --- African Group (54) ---
    ("DZ", "Algeria", AF, DVG),
    ("AO", "Angola", AF, DVG),
    ("BJ", "Benin", AF, DVG),
    ("BW", "Botswana", AF, DVG),
    ("BF", "Burkina Faso", AF, DVG),
    ("BI", "Burundi", AF, DVG),
    ("CV", "Cabo Verde", AF, DVG),
    ("CM", "Cameroon", AF, DVG),
    ("CF", "Central African Republic", AF, DVG),
    ("TD", "Chad", AF, DVG),
    ("KM", "Comoros", AF, DVG),
    ("CG", "Congo", AF, DVG),
    ("CI", "Côte d'Ivoire", AF, DVG),
    ("CD", "Democratic Republic of the Congo", AF, DVG),
    ("DJ", "Djibouti", AF, DVG),
    ("EG", "Egypt", AF, DVG),
    ("GQ", "Equatorial Guinea", AF, DVG),
    ("ER", "Eritrea", AF, DVG),
    ("SZ", "Eswatini", AF, DVG),
    ("ET", "Ethiopia", AF, DVG),
    ("GA", "Gabon", AF, DVG),
    ("GM", "Gambia", AF, DVG),
    ("GH", "Ghana", AF, DVG),
    ("GN", "Guinea", AF, DVG),
    ("GW", "Guinea-Bissau", AF, DVG),
    ("KE", "Kenya", AF, DVG),
    ("LS", "Lesotho", AF, DVG),
    ("LR", "Liberia", AF, DVG),
    ("LY", "Libya", AF, DVG),
    ("MG", "Madagascar", AF, DVG),
    ("MW", "Malawi", AF, DVG),
    ("ML", "Mali", AF, DVG),
    ("MR", "Mauritania", AF, DVG),
    ("MU", "Mauritius", AF, DVG),
    ("MA", "Morocco", AF, DVG),
    ("MZ", "Mozambique", AF, DVG),
    ("NA", "Namibia", AF, DVG),
    ("NE", "Niger", AF, DVG),
    ("NG", "Nigeria", AF, DVG),
    ("RW", "Rwanda", AF, DVG),
    ("ST", "Sao Tome and Principe", AF, DVG),
    ("SN", "Senegal", AF, DVG),
    ("SC", "Seychelles", AF, DVG),
    ("SL", "Sierra Leone", AF, DVG),
    ("SO", "Somalia", AF, DVG),
    ("ZA", "South Africa", AF, DVG),
    ("SS", "South Sudan", AF, DVG),
    ("SD", "Sudan", AF, DVG),
    ("TG", "Togo", AF, DVG),
    ("TN", "Tunisia", AF, DVG),
    ("UG", "Uganda", AF, DVG),
    ("TZ", "United Republic of Tanzania", AF, DVG),
    ("ZM", "Zambia", AF, DVG),
    ("ZW", "Zimbabwe", AF, DVG),
    # --- Asia-Pacific Group (54) ---
    ("AF", "Afghanistan", AP, DVG),
    ("BH", "Bahrain", AP, DVG),
    ("BD", "Bangladesh", AP, DVG),
    ("BT", "Bhutan", AP, DVG),
    ("BN", "Brunei Darussalam", AP, DVG),
    ("KH", "Cambodia", AP, DVG),
    ("CN", "China", AP, DVG),
    ("CY", "Cyprus", AP, DEV),
    ("KP", "Democratic People's Republic of Korea", AP, DVG),
    ("FJ", "Fiji", AP, DVG),
    ("IN", "India", AP, DVG),
    ("ID", "Indonesia", AP, DVG),
    ("IR", "Iran (Islamic Republic of)", AP, DVG),
    ("IQ", "Iraq", AP, DVG),
    ("JP", "Japan", AP, DEV),
    ("JO", "Jordan", AP, DVG),
    ("KZ", "Kazakhstan", AP, EIT),
    ("KI", "Kiribati", AP, DVG),
    ("KW", "Kuwait", AP, DVG),
    ("KG", "Kyrgyzstan", AP, EIT),
    ("LA", "Lao People's Democratic Republic", AP, DVG),
    ("LB", "Lebanon", AP, DVG),
    ("MY", "Malaysia", AP, DVG),
    ("MV", "Maldives", AP, DVG),
    ("MH", "Marshall Islands", AP, DVG),
    ("FM", "Micronesia (Federated States of)", AP, DVG),
    ("MN", "Mongolia", AP, DVG),
    ("MM", "Myanmar", AP, DVG),
    ("NR", "Nauru", AP, DVG),
    ("NP", "Nepal", AP, DVG),
    ("OM", "Oman", AP, DVG),
    ("PK", "Pakistan", AP, DVG),
    ("PW", "Palau", AP, DVG),
    ("PG", "Papua New Guinea", AP, DVG),
    ("PH", "Philippines", AP, DVG),
    ("QA", "Qatar", AP, DVG),
    ("KR", "Republic of Korea", AP, DVG),
    ("WS", "Samoa", AP, DVG),
    ("SA", "Saudi Arabia", AP, DVG),
    ("SG", "Singapore", AP, DVG),
    ("SB", "Solomon Islands", AP, DVG),
    ("LK", "Sri Lanka", AP, DVG),
    ("SY", "Syrian Arab Republic", AP, DVG),
    ("TJ", "Tajikistan", AP, EIT),
    ("TH", "Thailand", AP, DVG),
    ("TL", "Timor-Leste", AP, DVG),
    ("TO", "Tonga", AP, DVG),
    ("TM", "Turkmenistan", AP, EIT),
    ("TV", "Tuvalu", AP, DVG),
    ("AE", "United Arab Emirates", AP, DVG),
    ("UZ", "Uzbekistan", AP, EIT),
    ("VU", "Vanuatu", AP, DVG),
    ("VN", "Viet Nam", AP, DVG),
    ("YE", "Yemen", AP, DVG),
    # --- Eastern European Group (23) ---
    ("AL", "Albania", EE, EIT),
    ("AM", "Armenia", EE, EIT),
    ("AZ", "Azerbaijan", EE, EIT),
    ("BY", "Belarus", EE, EIT),
    ("BA", "Bosnia and Herzegovina", EE, EIT),
    ("BG", "Bulgaria", EE, DEV),
    ("HR", "Croatia", EE, DEV),
    ("CZ", "Czechia", EE, DEV),
    ("EE", "Estonia", EE, DEV),
    ("GE", "Georgia", EE, EIT),
    ("HU", "Hungary", EE, DEV),
    ("LV", "Latvia", EE, DEV),
    ("LT", "Lithuania", EE, DEV),
    ("ME", "Montenegro", EE, EIT),
    ("MK", "North Macedonia", EE, EIT),
    ("PL", "Poland", EE, DEV),
    ("MD", "Republic of Moldova", EE, EIT),
    ("RO", "Romania", EE, DEV),
    ("RU", "Russian Federation", EE, EIT),
    ("RS", "Serbia", EE, EIT),
    ("SK", "Slovakia", EE, DEV),
    ("SI", "Slovenia", EE, DEV),
    ("UA", "Ukraine", EE, EIT),
    # --- Latin American and Caribbean Group (33) ---
    ("AG", "Antigua and Barbuda", LA, DVG),
    ("AR", "Argentina", LA, DVG),
    ("BS", "Bahamas", LA, DVG),
    ("BB", "Barbados", LA, DVG),
    ("BZ", "Belize", LA, DVG),
    ("BO", "Bolivia (Plurinational State of)", LA, DVG),
    ("BR", "Brazil", LA, DVG),
    ("CL", "Chile", LA, DVG),
    ("CO", "Colombia", LA, DVG),
    ("CR", "Costa Rica", LA, DVG),
    ("CU", "Cuba", LA, DVG),
    ("DM", "Dominica", LA, DVG),
    ("DO", "Dominican Republic", LA, DVG),
    ("EC", "Ecuador", LA, DVG),
    ("SV", "El Salvador", LA, DVG),
    ("GD", "Grenada", LA, DVG),
    ("GT", "Guatemala", LA, DVG),
    ("GY", "Guyana", LA, DVG),
    ("HT", "Haiti", LA, DVG),
    ("HN", "Honduras", LA, DVG),
    ("JM", "Jamaica", LA, DVG),
    ("MX", "Mexico", LA, DVG),
    ("NI", "Nicaragua", LA, DVG),
    ("PA", "Panama", LA, DVG),
    ("PY", "Paraguay", LA, DVG),
    ("PE", "Peru", LA, DVG),
    ("KN", "Saint Kitts and Nevis", LA, DVG),
    ("LC", "Saint Lucia", LA, DVG),
    ("VC", "Saint Vincent and the Grenadines", LA, DVG),
    ("SR", "Suriname", LA, DVG),
    ("TT", "Trinidad and Tobago", LA, DVG),
    ("UY", "Uruguay", LA, DVG),
    ("VE", "Venezuela (Bolivarian Republic of)", LA, DVG),
    # --- Western European and Others Group (28 + the United States) ---
    ("AD", "Andorra", WE, DEV),
    ("AU", "Australia", WE, DEV),
    ("AT", "Austria", WE, DEV),
    ("BE", "Belgium", WE, DEV),
    ("CA", "Canada", WE, DEV),
    ("DK", "Denmark", WE, DEV),
    ("FI", "Finland", WE, DEV),
    ("FR", "France", WE, DEV),
    ("DE", "Germany", WE, DEV),
    ("GR", "Greece", WE, DEV),
    ("IS", "Iceland", WE, DEV),
    ("IE", "Ireland", WE, DEV),
    ("IL", "Israel", WE, DVG),  # M49: Western Asia, so "developing"
    ("IT", "Italy", WE, DEV),
    ("LI", "Liechtenstein", WE, DEV),
    ("LU", "Luxembourg", WE, DEV),
    ("MT", "Malta", WE, DEV),
    ("MC", "Monaco", WE, DEV),
    ("NL", "Netherlands (Kingdom of the)", WE, DEV),
    ("NZ", "New Zealand", WE, DEV),
    ("NO", "Norway", WE, DEV),
    ("PT", "Portugal", WE, DEV),
    ("SM", "San Marino", WE, DEV),
    ("ES", "Spain", WE, DEV),
    ("SE", "Sweden", WE, DEV),
    ("CH", "Switzerland", WE, DEV),
    ("TR", "Türkiye", WE, DVG),  # M49: Western Asia, so "developing"
    ("GB", "United Kingdom of Great Britain and Northern Ireland", WE, DEV),
    ("US", "United States of America", WE, DEV),  # WEOG observer, counted in WEOG for elections
    # --- Non-member observer states (no regional group) ---
    ("VA", "Holy See", None, DEV),
    ("PS", "State of Palestine", None, DVG),
    # --- Territories and other areas with an ISO code (no regional group); M49 region decides status ---
    ("AX", "Åland Islands", None, DEV),
    ("AS", "American Samoa", None, DVG),
    ("AI", "Anguilla", None, DVG),
    ("AW", "Aruba", None, DVG),
    ("BM", "Bermuda", None, DEV),
    ("BQ", "Bonaire, Sint Eustatius and Saba", None, DVG),
    ("VG", "British Virgin Islands", None, DVG),
    ("KY", "Cayman Islands", None, DVG),
    ("CK", "Cook Islands", None, DVG),
    ("CW", "Curaçao", None, DVG),
    ("FK", "Falkland Islands (Malvinas)", None, DVG),
    ("FO", "Faroe Islands", None, DEV),
    ("GF", "French Guiana", None, DVG),
    ("PF", "French Polynesia", None, DVG),
    ("GI", "Gibraltar", None, DEV),
    ("GL", "Greenland", None, DEV),
    ("GP", "Guadeloupe", None, DVG),
    ("GU", "Guam", None, DVG),
    ("GG", "Guernsey", None, DEV),
    ("HK", "Hong Kong", None, DVG),
    ("IM", "Isle of Man", None, DEV),
    ("JE", "Jersey", None, DEV),
    ("MO", "Macao", None, DVG),
    ("MQ", "Martinique", None, DVG),
    ("YT", "Mayotte", None, DVG),
    ("MS", "Montserrat", None, DVG),
    ("NC", "New Caledonia", None, DVG),
    ("NU", "Niue", None, DVG),
    ("MP", "Northern Mariana Islands", None, DVG),
    ("PN", "Pitcairn", None, DVG),
    ("PR", "Puerto Rico", None, DVG),
    ("RE", "Réunion", None, DVG),
    ("BL", "Saint Barthélemy", None, DVG),
    ("SH", "Saint Helena, Ascension and Tristan da Cunha", None, DVG),
    ("MF", "Saint Martin (French part)", None, DVG),
    ("PM", "Saint Pierre and Miquelon", None, DEV),
    ("SX", "Sint Maarten (Dutch part)", None, DVG),
    ("TW", "Taiwan, Province of China", None, DVG),
    ("TK", "Tokelau", None, DVG),
    ("TC", "Turks and Caicos Islands", None, DVG),
    ("VI", "United States Virgin Islands", None, DVG),
    ("WF", "Wallis and Futuna", None, DVG),
    # Kosovo: XK is the user-assigned code the UN system and IATI use (ISO 3166 has no code for it). Referred to
    # "in the context of UN Security Council resolution 1244 (1999)"; no regional group. Its economy sits with
    # the Western Balkans in the WESP's economies in transition.
    ("XK", "Kosovo", None, EIT),
    ("EH", "Western Sahara", None, DVG),
)


def _codes(*lines: str) -> frozenset[str]:
    """Space-separated code lists, one line per region, as a set."""
    return frozenset(code for line in lines for code in line.split())


# UN-OHRLLS: Least Developed Countries (44).
_LDC = _codes(
    # Africa (32)
    "AO BJ BF BI CF TD KM CD DJ ER ET GM GN GW LS LR MG MW ML MR MZ NE RW SN SL SO SS SD TG UG TZ ZM",
    "AF BD KH LA MM NP TL YE",  # Asia (8)
    "HT",  # Caribbean (1)
    "KI SB TV",  # Pacific (3)
)

# UN-OHRLLS: Landlocked Developing Countries (32).
_LLDC = _codes(
    "BW BF BI CF TD SZ ET LS MW ML NE RW SS UG ZM ZW",  # Africa (16)
    "AF BT KZ KG LA MN NP TJ TM UZ",  # Asia (10)
    "AM AZ MK MD",  # Europe (4)
    "BO PY",  # Latin America (2)
)

# UN-OHRLLS: Small Island Developing States.
_SIDS = _codes(
    # UN Member States (38)
    "AG BS BB BZ CU DM DO GD GY HT JM KN LC VC SR TT",  # Caribbean (16)
    "FJ KI MH FM NR PW PG WS SB TL TO TV VU",  # Pacific (13)
    "BH CV KM GW MV MU ST SC SG",  # Atlantic, Indian Ocean and South China Sea (9)
    # Non-UN members / associate members of the regional commissions (20)
    "AS AI AW BM VG KY MP CK CW PF GP GU MQ MS NC NU PR SX TC VI",
)


def _build() -> dict[str, Country]:
    countries: dict[str, Country] = {}
    for code, name, group, status in _TABLE:
        if code in countries:
            raise RuntimeError(f"duplicate country code {code}")
        countries[code] = Country(
            code=code,
            name=name,
            regional_group=group,
            development_status=status,
            ldc=code in _LDC,
            lldc=code in _LLDC,
            sids=code in _SIDS,
        )
    unknown = (_LDC | _LLDC | _SIDS) - countries.keys()
    if unknown:
        raise RuntimeError(f"flag lists name unknown codes: {sorted(unknown)}")
    return countries


COUNTRIES: dict[str, Country] = _build()


def get(code: str) -> Country | None:
    """The country or territory with this ISO alpha-2 code (case-insensitive), or ``None``."""
    return COUNTRIES.get(code.upper())


def is_known(code: str) -> bool:
    return get(code) is not None


def regional_group(code: str) -> str | None:
    """The UN regional group of a Member State; ``None`` for observers, territories and unknown codes."""
    country = get(code)
    return country.regional_group if country is not None else None


def regional_groups(codes: Iterable[str]) -> list[str]:
    """The distinct regional groups of ``codes``, sorted; codes without a group are dropped."""
    return sorted({group for code in codes if (group := regional_group(code)) is not None})
