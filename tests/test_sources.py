"""Citations: every source key cited in the repository is listed in docs/sources.md, and nothing
cites the design guide, which is not part of the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "scripts", "benchmarks", "docs", "examples")
SUFFIXES = {".py", ".md", ".toml", ".csv"}
NOT_SOURCES = {"SUBSAMPLE"}  # bracketed words that are not citations
# a key has a hyphen (KYIV-2026, UA-GPV) or is a capitalised word of 5+ characters (TABULA)
KEY = re.compile(r"\[([A-Z][A-Za-z0-9]+(?:-[A-Za-z0-9.]+)+|[A-Z][A-Z0-9]{4,})\]")


def _files():
    for top in SCANNED:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SUFFIXES and path.is_file() and path.name != "test_sources.py":
                yield path
    yield ROOT / "README.md"


def test_no_file_cites_the_design_guide():
    bad = [
        str(p.relative_to(ROOT)) for p in _files() if "DESIGN.md" in p.read_text(errors="ignore")
    ]
    assert not bad, f"cite the original source (docs/sources.md) instead of DESIGN.md: {bad}"


def test_every_cited_key_is_in_the_bibliography():
    listed = set(re.findall(r"\*\*\[([^\]]+)\]\*\*", (ROOT / "docs/sources.md").read_text()))
    assert {"WHO-2018", "KYIV-2026", "UA-GPV", "TABULA"} <= listed
    missing = {}
    for path in _files():
        if path.name == "sources.md":
            continue
        for key in KEY.findall(path.read_text(errors="ignore")):
            if key not in listed and key not in NOT_SOURCES:
                missing.setdefault(key, str(path.relative_to(ROOT)))
    assert not missing, f"keys cited but not in docs/sources.md: {missing}"
