"""The Jinja2 templates shipped in the package (templates/), loaded once, escaping on.

Pictures and pages are written from templates, not from strings built in code; every template
gets the same environment, so escaping and whitespace rules are the same everywhere.
"""

from __future__ import annotations

from functools import lru_cache

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment: autoescaping for HTML and SVG, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("probgraph", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: object) -> str:
    """One template rendered with the given values."""
    return environment().get_template(template).render(**context)
