"""pytest collects every docs/**/*.md page program with Sybil (see tests/page_program.py)."""

from tests.page_program import PAGES

pytest_collect_file = PAGES.pytest()
