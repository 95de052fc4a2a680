"""What a reader sees refers only to what a reader can see.

Chapters, labs and the snippets shown on the pages describe a mistake or an idea
itself, never the private material the site was written from ("seed 003", "the
course notes", "the homework this chapter is based on").
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

READER_FILES = sorted([*(ROOT / "docs").rglob("*.md"), *(ROOT / "labs").glob("*.py"), *(ROOT / "snippets").rglob("*.py")])

# The word "seed" is fine where it means seeding a random generator:
# torch.manual_seed (no word boundary before "seed"), "seeded", "seeding",
# "a random seed", "seed first", "seed the generator", torch.seed().
SEED = re.compile(r"(?<!random )\bseeds?\b(?!\s*\()(?! first\b)(?! the (random )?generator)", re.IGNORECASE)
UNSEEN = re.compile(
    r"\bcourse notes?\b"
    r"|\bsource (notebook|material|file)s?\b"
    r"|\bhomework\b"
    r"|\bthis site's sources?\b"
    r"|\b(chapter|lab|page|exercise) is based on\b",
    re.IGNORECASE,
)


def unseen_references(text: str) -> list[str]:
    """Each line that names material the reader cannot see, as 'line N: match'."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (SEED, UNSEEN):
            found += [f"line {number}: {match[0]!r}" for match in pattern.finditer(line)]
    return found


@pytest.mark.parametrize("path", READER_FILES, ids=[p.relative_to(ROOT).as_posix() for p in READER_FILES])
def test_no_reference_to_material_readers_cannot_see(path):
    found = unseen_references(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} refers to material readers cannot see: " + "; ".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "This chapter solves seed 004's exercise.",
        "The Russian translation (seed 003) says so.",
        "Pitfall: the seed homework's formula",
        "One of this site's source notebooks writes zeros_().",
        "Some course notes write it.",
        "The homework this lab is based on drifted apart.",
    ],
)
def test_catches_references_to_unseen_material(text):
    assert unseen_references(text)


@pytest.mark.parametrize(
    "text",
    [
        "torch.manual_seed(0)",
        "The draws are seeded, so they repeat.",
        "it set no random seed",
        "# Random values: seed first, so every run draws the same numbers.",
        "Seeding it with torch.manual_seed makes the draws repeat.",
        "torch.seed() returns a fresh random seed.",
    ],
)
def test_allows_seeding_a_random_generator(text):
    assert not unseen_references(text)
