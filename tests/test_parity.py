"""Every stored query gives the same rows, in the same order, in every output format, on three engines:
the embedded pyoxigraph store, an Oxigraph server and Virtuoso (both loaded with `probgraph load`)."""

from __future__ import annotations

import io
import shlex

import pyoxigraph as ox
import pytest

import probgraph
from probgraph.output import write_result
from probgraph.queries import stored_queries

FORMATS = ("csv", "tsv", "json", "xml", "table")
# parameter sets the competency tests use beyond each query's own `# example:` line
EXTRA = {
    "owners": ["-p date=2016-01-01", "-p org='Northumbria CRC'", "-p date=2019-06-01"],
    "chief-inspector": ["-p date=2019-06-26"],
    "caseloads": ["-p org=nps-north-east-division"],
    "coverage": ["-p place=Sunderland -p date=2022"],
    "successors": ["-p org=durham-tees-valley-probation-trust"],
    "organisations": ["-p kind=trust", "-p kind=CRC"],
    "provenance": ["-p source=hmip-2019-06-26-nps-north-east"],
}


def cases() -> list[tuple[str, str]]:
    """(query, parameters) for every stored query: its examples (or none), then the extra sets."""
    out = []
    for name, q in stored_queries().items():
        for params in (q.examples or [""]) + EXTRA.get(name, []):
            out.append((name, params))
    return out


def test_every_extra_case_names_a_stored_query():
    assert set(EXTRA) <= set(stored_queries())


def params_of(text: str) -> dict[str, str]:
    argv = shlex.split(text)
    assert argv[::2] == ["-p"] * len(argv[1::2]), text
    return dict(value.split("=", 1) for value in argv[1::2])


def rendered(name: str, params: dict[str, str], store=None) -> dict[str, bytes]:
    """The query's output in every format, as `probgraph query` writes it (embedded, or on the store).

    The query runs once per engine (some take a minute on a loaded machine); its JSON answer is then
    read back and written in each format, which is what the remote path does with a store's answer.
    """
    remote = {"endpoint": store.query_url, "default_graph": store.default_graph, "timeout": 600} if store else {}
    answer = io.BytesIO()
    write_result(probgraph.run_query(name, params=params, **remote), "json", answer)
    out = {}
    for fmt in FORMATS:
        buffer = io.BytesIO()
        write_result(ox.parse_query_results(answer.getvalue(), format=ox.QueryResultsFormat.JSON), fmt, buffer)
        out[fmt] = buffer.getvalue()
    return out


@pytest.mark.parametrize(("name", "params"), cases(), ids=[f"{n}[{p}]" for n, p in cases()])
def test_same_rows_in_the_same_order_on_three_engines(oxigraph, virtuoso, name, params):
    values = params_of(params)
    local = rendered(name, values)
    assert local["csv"].count(b"\n") > 1, f"{name} {params} gives no rows"
    for store in (oxigraph, virtuoso):
        there = rendered(name, values, store)
        for fmt in FORMATS:
            assert there[fmt] == local[fmt], f"{store.name} differs from the embedded graph ({fmt})"
