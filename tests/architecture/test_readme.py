"""The README tells the truth about configuration and layout: every environment variable core/settings.py
reads is in its configuration table (and nothing else is), every Settings field can be set by one (or is named
below), and the layout block names what is in the tree."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

from igf_hub.core import settings
from tests.architecture.source import PACKAGE, ROOT

README = (ROOT / "README.md").read_text()

# Settings fields deliberately not configurable from the environment, each with why.
NOT_CONFIGURABLE = {
    ("auth", "authorization_code_ttl"): "OAuth 2 authorization codes live minutes by RFC 6749 (4.1.2)",
}


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def _documented_variables() -> set[str]:
    """The variables named in the first column of the configuration table."""
    rows = [line for line in _section("Configuration").splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(IGF_HUB_[A-Z0-9_]+)`", row.split("|")[1])}


def _fields(struct: type[msgspec.Struct], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for field in msgspec.structs.fields(struct):
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct):
            yield from _fields(field.type, (*prefix, field.name))
        else:
            yield (*prefix, field.name)


def test_every_environment_variable_is_in_the_configuration_table() -> None:
    read = set(settings._ENV_MAP)
    documented = _documented_variables()
    undocumented = sorted(read - documented)
    assert not undocumented, "not in README.md's configuration table (by full name):\n" + "\n".join(
        undocumented
    )
    stale = sorted(documented - read)
    assert not stale, "README.md documents variables core/settings.py does not read:\n" + "\n".join(stale)


def test_every_setting_has_an_environment_variable() -> None:
    unreachable = set(_fields(settings.Settings)) - set(settings._ENV_MAP.values()) - set(NOT_CONFIGURABLE)
    names = sorted(".".join(path) for path in unreachable)
    assert not names, "Settings fields no IGF_HUB_* variable sets (add one to _ENV_MAP):\n" + "\n".join(names)


# -- layout -------------------------------------------------------------------------------------------------

PATHLIKE = re.compile(r"^(?:\.?[\w-]+/)+(?:[\w-]+(?:\.\w+)?)?$|^[\w-]+\.\w+$|^dev$")


def _layout_block() -> list[str]:
    blocks: list[str] = re.findall(r"^```\n(.*?)^```", _section("How it is built"), re.MULTILINE | re.DOTALL)
    layout = [b for b in blocks if "src/igf_hub/" in b]
    assert len(layout) == 1, "README.md's 'How it is built' has one layout block naming src/igf_hub/"
    return layout[0].splitlines()


def _layout_names() -> set[str]:
    """Paths the block names, relative to the repository root: a line's leading path-like words; an indented
    line is inside the last unindented directory."""
    names: set[str] = set()
    parent = ""
    for line in _layout_block():
        indented = line.startswith(" ")
        for word in line.split():
            if not PATHLIKE.match(word):
                break
            path = f"{parent}{word}" if indented else word
            names.add(path)
            if not indented and word.endswith("/"):
                parent = word
    return names


def test_the_layout_block_names_only_what_exists() -> None:
    missing = sorted(name for name in _layout_names() if not (ROOT / name).exists())
    assert not missing, "README.md's layout block names paths that do not exist:\n" + "\n".join(missing)


def test_the_layout_block_names_every_package_and_top_level_entry() -> None:
    names = {"/".join(name.rstrip("/").split("/")[:n]) for name in _layout_names() for n in range(1, 4)}
    in_package = {
        str(path.relative_to(ROOT))
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").exists()
    }
    at_root = {
        path.name
        for path in ROOT.iterdir()
        if not path.name.startswith(".") and path.name not in {"README.md", "__pycache__"}
    } | {".ci/run"}
    unnamed = sorted((in_package | at_root) - names)
    assert not unnamed, "not named in README.md's layout block:\n" + "\n".join(unnamed)
