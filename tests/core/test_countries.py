from __future__ import annotations

from collections import Counter

from igf_hub.core import countries
from igf_hub.core.countries import COUNTRIES
from igf_hub.core.vocab import DevelopmentStatus, RegionalGroup


def _members() -> list[countries.Country]:
    return [c for c in COUNTRIES.values() if c.regional_group is not None]


def test_codes_are_uppercase_alpha2_and_match_keys() -> None:
    for code, country in COUNTRIES.items():
        assert code == country.code
        assert len(code) == 2
        assert code.isalpha()
        assert code.isupper()
        assert country.name


def test_values_come_from_the_vocabularies() -> None:
    groups = {g.value for g in RegionalGroup}
    statuses = {s.value for s in DevelopmentStatus}
    for country in COUNTRIES.values():
        assert country.regional_group is None or country.regional_group in groups
        assert country.development_status in statuses


def test_all_193_member_states_have_a_group() -> None:
    assert len(_members()) == 193


def test_group_sizes() -> None:
    sizes = Counter(c.regional_group for c in _members())
    assert sizes == {
        "african": 54,
        "asia_pacific": 54,  # 53 until Kiribati joined the group (2010)
        "eastern_european": 23,
        "latin_american_caribbean": 33,
        "western_european_others": 29,  # 28 + the United States
    }
    assert sum(sizes.values()) == 193


def test_special_situation_counts() -> None:
    assert sum(c.ldc for c in COUNTRIES.values()) == 44
    assert sum(c.lldc for c in COUNTRIES.values()) == 32
    assert sum(c.sids for c in _members()) == 38
    # LDCs and LLDCs are all Member States; non-member SIDS are territories on the OHRLLS list
    assert all(c.regional_group is not None for c in COUNTRIES.values() if c.ldc or c.lldc)


def test_economies_in_transition() -> None:
    eit = {c.code for c in COUNTRIES.values() if c.development_status == "economy_in_transition"}
    assert eit == {
        *("AL", "BA", "ME", "MK", "RS", "XK"),
        *("AM", "AZ", "BY", "GE", "KZ", "KG", "MD", "RU", "TJ", "TM", "UA", "UZ"),
    }


def test_spot_checks() -> None:
    ke = countries.get("KE")
    assert ke is not None
    assert ke.regional_group == "african"
    assert ke.development_status == "developing"

    assert countries.regional_group("BR") == "latin_american_caribbean"

    de = countries.get("DE")
    assert de is not None
    assert (de.regional_group, de.development_status) == ("western_european_others", "developed")

    ru = countries.get("RU")
    assert ru is not None
    assert (ru.regional_group, ru.development_status) == ("eastern_european", "economy_in_transition")

    jp = countries.get("JP")
    assert jp is not None
    assert (jp.regional_group, jp.development_status) == ("asia_pacific", "developed")

    fj = countries.get("FJ")
    assert fj is not None
    assert fj.sids
    assert not fj.ldc

    np_ = countries.get("NP")
    assert np_ is not None
    assert np_.ldc
    assert np_.lldc
    assert not np_.sids

    assert countries.regional_group("US") == "western_european_others"
    assert countries.regional_group("TR") == "western_european_others"
    assert countries.regional_group("IL") == "western_european_others"
    assert countries.regional_group("KI") == "asia_pacific"
    assert countries.regional_group("KZ") == "asia_pacific"
    assert countries.regional_group("EE") == "eastern_european"


def test_graduated_ldcs_are_not_flagged() -> None:
    for code in ("BT", "ST", "VU"):
        country = countries.get(code)
        assert country is not None
        assert not country.ldc


def test_observers_and_territories_have_no_group() -> None:
    for code in ("PS", "VA", "TW", "HK", "MO", "PR", "GL"):
        assert countries.is_known(code)
        assert countries.regional_group(code) is None


def test_lookup_helpers() -> None:
    assert countries.is_known("ke")
    assert countries.get("ke") == countries.get("KE")
    assert not countries.is_known("XX")
    assert not countries.is_known("ZZ")
    assert countries.get("XX") is None
    assert countries.regional_group("ZZ") is None


def test_regional_groups() -> None:
    assert countries.regional_groups(["KE", "BR", "KE"]) == ["african", "latin_american_caribbean"]
    assert countries.regional_groups(["PS", "ZZ"]) == []
    assert countries.regional_groups([]) == []


def test_kosovo_uses_the_user_assigned_code_of_the_un_system_and_iati() -> None:
    # Issue 15: a regional NRI covering the Western Balkans lists Kosovo as XK; it was refused.
    kosovo = countries.get("XK")
    assert kosovo is not None and kosovo.name == "Kosovo"
    assert kosovo.regional_group is None  # not a UN Member State: no regional group
    assert countries.regional_groups(["AL", "XK", "RS"]) == ["eastern_european"]
