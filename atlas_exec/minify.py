"""Built pages without the whitespace that the theme's templates leave in them.

MkDocs Material's Jinja templates indent and space out every navigation entry:
about 16 KB of each page is whitespace that a browser collapses anyway. This
runs htmlmin (the minifier mkdocs-minify-plugin uses) once a page is final,
after its math is typeset, so that TeX is never touched. Whitespace inside
``<pre>`` and ``<textarea>`` and in attribute values (the copy text of a cell,
a replay's data) is kept, a run of spaces between inline elements becomes
one space, and attribute values keep their quotes (tests and scripts read
the HTML as written).
"""

from __future__ import annotations

import htmlmin


def minified(page_html: str) -> str:
    """``page_html`` (a whole HTML document) with whitespace runs collapsed.

    Comments stay: the icons' licence notes are comments.

    Rendering is unchanged: htmlmin collapses only whitespace that HTML's own
    rules collapse, outside ``pre`` and ``textarea``.
    """
    return htmlmin.minify(page_html, remove_optional_attribute_quotes=False)
