"""Whether a typed literal is well-formed: `"abc"^^xsd:date` and `"2019-02-30"^^xsd:date` are not.

RDF calls such literals ill-typed; pyoxigraph and rdflib accept them silently and SHACL's
`sh:datatype` is not on every property, so validation asks this module about every typed literal.
One table, one entry per XML Schema datatype; tests check that it covers every datatype the
ontology and the data use.
"""

from __future__ import annotations

import re
from collections.abc import Callable

XSD = "http://www.w3.org/2001/XMLSchema#"

_TZ = r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?"
_YEAR = r"(-?(?:[1-9]\d{4,}|\d{4}))"


def _days_in(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _date(value: str) -> str | None:
    m = re.fullmatch(_YEAR + r"-(\d\d)-(\d\d)" + _TZ, value)
    if not m:
        return "write YYYY-MM-DD, e.g. 2019-02-28"
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if not 1 <= day <= _days_in(year, month):
        return f"{_MONTHS[month - 1]} {year} has {_days_in(year, month)} days"
    return None


def _pattern(regex: str, hint: str) -> Callable[[str], str | None]:
    compiled = re.compile(regex)
    return lambda value: None if compiled.fullmatch(value) else hint


def _year_month(value: str) -> str | None:
    m = re.fullmatch(_YEAR + r"-(\d\d)" + _TZ, value)
    if not m:
        return "write YYYY-MM, e.g. 2019-03"
    return None if 1 <= int(m.group(2)) <= 12 else f"there is no month {m.group(2)}"


def _date_time(value: str) -> str | None:
    date, sep, time = value.partition("T")
    if not sep or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?" + _TZ, time):
        return "write YYYY-MM-DDThh:mm:ss, e.g. 2019-02-28T09:30:00"
    return _date(date)


def _any_uri(value: str) -> str | None:
    if re.search(r'[\x00-\x20<>"{}|\\^`\x7f]', value):
        return "a URI has no spaces, control characters or any of <>\"{}|\\^`"
    return None


_INTEGER = r"[+-]?\d+"
CHECKS: dict[str, Callable[[str], str | None]] = {
    XSD + "string": lambda value: None,
    XSD + "anyURI": _any_uri,
    XSD + "boolean": _pattern(r"true|false|1|0", "write true or false"),
    XSD + "integer": _pattern(_INTEGER, "write digits only, e.g. 8"),
    XSD + "nonNegativeInteger": _pattern(r"\+?\d+|-0+", "write digits only, 0 or more"),
    XSD + "positiveInteger": _pattern(r"\+?0*[1-9]\d*", "write digits only, 1 or more"),
    XSD + "int": _pattern(_INTEGER, "write digits only, e.g. 8"),
    XSD + "long": _pattern(_INTEGER, "write digits only, e.g. 8"),
    XSD + "decimal": _pattern(r"[+-]?(\d+(\.\d*)?|\.\d+)", "write digits with an optional decimal point, e.g. 0.75"),
    XSD + "double": _pattern(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN", "write a number, e.g. 0.75 or 1e3"),
    XSD + "float": _pattern(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN", "write a number, e.g. 0.75 or 1e3"),
    XSD + "date": _date,
    XSD + "dateTime": _date_time,
    XSD + "gYearMonth": _year_month,
    XSD + "gYear": _pattern(_YEAR + _TZ, "write YYYY, e.g. 2019"),
}


def problem(lexical: str, datatype: str) -> str | None:
    """Why `lexical` is not a valid value of `datatype` (an XML Schema IRI); None if it is, or if not ours to judge."""
    check = CHECKS.get(datatype)
    if check is None:
        return None
    if datatype != XSD + "string" and lexical != lexical.strip():
        return "remove the spaces around the value"
    return check(lexical)
