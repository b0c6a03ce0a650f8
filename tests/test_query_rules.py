"""Every stored query (today's and any added later) keeps to the rules that make it portable.

Measured on Virtuoso 7.2 against pyoxigraph (docs/design-decisions.md, "Portable stored queries"): booleans come
back as 1, raw ORDER BY on long language-tagged literals sorts wrongly, GROUP_CONCAT order is undefined. The
parity test checks the rows on three engines; these rules keep new queries from depending on luck.
"""

from __future__ import annotations

import re

import pytest

from probgraph.queries import stored_queries

QUERIES = stored_queries()
_COMMENT = re.compile(r"#[^\n]*")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_IRI = re.compile(r"<[^<>\s]*>")
_ORDER_KEY = re.compile(r"DESC\s*\(\s*STR\s*\(\s*\?\w+\s*\)\s*\)|ASC\s*\(\s*STR\s*\(\s*\?\w+\s*\)\s*\)"
                        r"|STR\s*\(\s*\?\w+\s*\)"
                        r"|\(\s*!\s*BOUND\s*\(\s*\?\w+\s*\)\s*\)|DESC\s*\(\s*\?\w+\s*\)|\?\w+", re.IGNORECASE)
_BOOLEAN = re.compile(r"\bEXISTS\b|\bBOUND\s*\(|\|\||&&|!=|<=|>=|(?<![<!])[<>=]|\bIN\s*\(|\bsameTerm\s*\(|\bREGEX\s*\("
                      r"|\bCONTAINS\s*\(|\bSTRSTARTS\s*\(|\bSTRENDS\s*\(|\bis(IRI|URI|BLANK|LITERAL|NUMERIC)\s*\(",
                      re.IGNORECASE)


def code(text: str) -> str:
    """The query without comments, strings and IRIs (so their contents are not taken for syntax)."""
    text = _COMMENT.sub(" ", text)
    return _IRI.sub("<iri>", _STRING.sub('""', text))


def outer_select(text: str) -> str:
    m = re.search(r"\bSELECT\b(.*?)\bWHERE\b", text, re.IGNORECASE | re.DOTALL)
    assert m, "no SELECT ... WHERE"
    return m.group(1)


def projected(text: str) -> list[str]:
    head = outer_select(text)
    names = re.findall(r"\bAS\s+\?(\w+)", head, re.IGNORECASE)
    plain = re.sub(r"\([^()]*(\([^()]*(\([^()]*\))*[^()]*\))*[^()]*\)", " ", head)
    return re.findall(r"\?(\w+)", plain) + names


def counted(text: str) -> set[str]:
    return set(re.findall(r"COUNT\s*\([^()]*\)\s*AS\s+\?(\w+)", outer_select(text), re.IGNORECASE))


def order_keys(text: str) -> list[str]:
    m = re.search(r"\bORDER\s+BY\b(.*?)(\bLIMIT\b|\bOFFSET\b|$)", text, re.IGNORECASE | re.DOTALL)
    assert m, "no ORDER BY"
    body = m.group(1)
    keys = _ORDER_KEY.findall(body)
    rest = _ORDER_KEY.sub(" ", body).strip()
    assert not rest, f"ORDER BY keys other than STR(?x), DESC(STR(?x)), (!BOUND(?x)) or a COUNT alias: {rest!r}"
    return keys


def bound_expressions(text: str) -> list[tuple[str, str]]:
    """(expression, variable) of every `BIND (expr AS ?v)` and every `(expr AS ?v)` in the projection."""
    out = []
    for m in re.finditer(r"\bAS\s+\?(\w+)\s*\)", text, re.IGNORECASE):
        depth, i = 1, m.start() - 1
        while i >= 0 and depth:
            depth += {")": 1, "(": -1}.get(text[i], 0)
            i -= 1
        out.append((text[i + 2: m.start()].strip(), m.group(1)))
    return out


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_order_by_is_total_and_portable(name):
    text = code(QUERIES[name].text)
    if not re.search(r"\bSELECT\b", text, re.IGNORECASE):
        return  # CONSTRUCT, ASK and DESCRIBE answers are sets; probgraph sorts graphs itself
    keys = order_keys(text)
    ordered = set()
    for key in keys:
        var = re.search(r"\?(\w+)", key).group(1)
        if "STR" not in key.upper() and "BOUND" not in key.upper():
            assert var in counted(text), f"ORDER BY ?{var}: write STR(?{var}) (only a COUNT may be a bare key)"
        if "BOUND" not in key.upper():
            ordered.add(var)
    missing = [v for v in projected(text) if v not in ordered]
    assert not missing, f"ORDER BY must name every projected variable (as STR(?x)); missing: {missing}"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_raw_boolean_is_projected(name):
    text = code(QUERIES[name].text)
    for expr, var in bound_expressions(text):
        if _BOOLEAN.search(expr):
            assert re.match(r"IF\s*\(", expr, re.IGNORECASE) and re.search(r'""\s*,\s*""\s*\)$', expr), (
                f"?{var} is a boolean (Virtuoso returns 1): write IF(..., \"true\", \"false\") AS ?{var}")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_group_concat(name):
    assert not re.search(r"\bGROUP_CONCAT\b", code(QUERIES[name].text), re.IGNORECASE), (
        "GROUP_CONCAT's order is undefined and differs between engines: list one row per value instead")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_required_parameters_have_an_example(name):
    q = QUERIES[name]
    if any(not p.optional for p in q.params):
        assert q.examples, "a query with required parameters needs an '# example:' line (the parity test runs it)"


BAD = {
    "raw literal key": "SELECT ?x ?l WHERE { ?x <p> ?l } ORDER BY ?l STR(?x)",
    "missing key": "SELECT ?x ?l WHERE { ?x <p> ?l } ORDER BY STR(?x)",
    "boolean": 'SELECT ?x ?b WHERE { ?x <p> ?l BIND (EXISTS { ?x <q> ?y } AS ?b) } ORDER BY STR(?x) STR(?b)',
    "comparison": "SELECT ?x ?b WHERE { ?x <p> ?l BIND (?l > 2 AS ?b) } ORDER BY STR(?x) STR(?b)",
    "group concat": 'SELECT ?x (GROUP_CONCAT(?l) AS ?ls) WHERE { ?x <p> ?l } GROUP BY ?x ORDER BY STR(?x) STR(?ls)',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_rules_catch_a_bad_query(case):
    text = code(BAD[case])
    order = test_order_by_is_total_and_portable
    checks = {"raw literal key": order, "missing key": order,
              "boolean": test_no_raw_boolean_is_projected, "comparison": test_no_raw_boolean_is_projected,
              "group concat": test_no_group_concat}
    from probgraph.queries import StoredQuery

    QUERIES[f"bad-{case}"] = StoredQuery(f"bad-{case}", text, "test")
    try:
        with pytest.raises(AssertionError):
            checks[case](f"bad-{case}")
    finally:
        del QUERIES[f"bad-{case}"]


def test_a_good_query_passes():
    good = ('SELECT ?x ?b (COUNT(?l) AS ?n) WHERE { ?x <p> ?l BIND (IF(EXISTS { ?x <q> ?y }, "true", "false") AS ?b) }'
            " GROUP BY ?x ?b ORDER BY DESC(?n) STR(?x) STR(?b)")
    from probgraph.queries import StoredQuery

    QUERIES["good"] = StoredQuery("good", good, "test")
    try:
        test_order_by_is_total_and_portable("good")
        test_no_raw_boolean_is_projected("good")
        test_no_group_concat("good")
    finally:
        del QUERIES["good"]
