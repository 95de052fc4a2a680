"""pytest collects every docs/**/*.md page program with Sybil (see tests/page_program.py)."""

from sybil import Sybil

from tests.page_program import fresh_page_state, parse_page

pytest_collect_file = Sybil(parsers=[parse_page], patterns=["docs/*.md", "docs/**/*.md"], setup=fresh_page_state).pytest()
