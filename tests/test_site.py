"""The static site of the real graph: every page there, every link resolving, data in every page."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest

from probgraph.site import page_path

from conftest import run_cli

PG = "https://w3id.org/probgraph/ontology#"


class _Page(HTMLParser):
    """The links, scripts and JSON-LD of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.jsonld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append(a[key])
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_ld:
            self.jsonld.append(data)

    def handle_endtag(self, tag):
        self._in_ld = False


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_a_page_for_every_entity(built_site, store):
    for cls, folder in (("Organisation", "organisation"), ("Inspection", "inspection"), ("Person", "person"),
                        ("Place", "place"), ("SourceDocument", "source")):
        iris = {s["x"].value for s in store.query(f"SELECT ?x WHERE {{ ?x a <{PG}{cls}> FILTER(isIRI(?x)) }}")}
        paths = {page_path(i) for i in iris} - {None}
        assert paths, cls
        assert all(p.startswith(folder + "/") for p in paths)
        assert all((built_site / p).is_file() for p in paths), cls
    assert page_path("https://w3id.org/probgraph/id/org/northumbria-crc") == "organisation/northumbria-crc.html"
    assert page_path("https://w3id.org/probgraph/id/event/2010-04-merger-wales-probation-trust") is None


def test_every_internal_link_resolves(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 600
    # a link resolves if its normalised path is one of the site's own files, none of which is a symlink (so
    # none leads outside): one walk of the folder instead of a resolve() and a stat per link
    files = {os.path.normpath(p) for p in built_site.rglob("*") if p.is_file()}
    assert not [p for p in built_site.rglob("*") if p.is_symlink()]
    checked = 0
    for page in pages:
        for ref in parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https", "data"):  # outside links, and the inline empty icon
                continue
            assert not parts.scheme and not ref.startswith("/"), f"{page}: {ref} is not a relative link"
            target = os.path.normpath(page.parent / unquote(parts.path))
            assert target in files, f"{page.relative_to(built_site)}: broken link {ref}"
            checked += 1
    assert checked > 5000


def test_every_organisation_with_an_inspection_has_a_ratings_chart(built_site, store):
    inspected = {s["o"].value for s in store.query(
        f"SELECT DISTINCT ?o WHERE {{ ?i a <{PG}Inspection> ; <{PG}inspected> ?o ; <{PG}overallRating> ?r }}")}
    assert len(inspected) > 50
    for iri in inspected:
        html = (built_site / page_path(iri)).read_text(encoding="utf-8")
        assert 'class="picture chart"' in html and "<circle" in html, iri


def test_organisation_page_shows_its_record(built_site):
    html = (built_site / "organisation/northumbria-crc.html").read_text(encoding="utf-8")
    for text in ("Community rehabilitation company", "2014-06-01", "2021-06-26", "Sodexo Justice Services",
                 "Sunderland", 'class="pg-lineage"', "Requires improvement", "Caseloads"):
        assert text.casefold() in html.casefold(), text
    assert 'href="../organisation/sodexo-justice-services.html"' in html
    assert 'href="../source/hmip-2020-02-11-northumbria-crc.html"' in html


def test_inspection_page_shows_findings_by_theme(built_site):
    html = (built_site / "inspection/2020-northumbria-crc.html").read_text(encoding="utf-8")
    for text in ("Requires improvement", "2020-02-11", "Case supervision", "Home visits",
                 'href="../person/justin-russell.html"', "Recommendations", "Work with victims"):
        assert text.casefold() in html.casefold(), text


def test_place_page_lists_who_covered_it(built_site):
    html = (built_site / "place/sunderland.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td><a href=\"([^\"]+)\"", html)
    covered = {href for _, _, href in rows}
    assert "../organisation/northumbria-crc.html" in covered
    assert "../organisation/north-east-region.html" in covered
    froms = [f.replace("?", "") for f, _, _ in rows]  # unknown starts first
    assert froms == sorted(froms)


def test_each_page_carries_its_own_triples(built_site, store):
    page = built_site / "inspection/2020-northumbria-crc.html"
    (ld,) = parse(page).jsonld
    from_page = set(ox.parse(ld.replace("<\\/", "</").encode(), format=ox.RdfFormat.JSON_LD))
    from_turtle = set(ox.parse(path=str(page.with_suffix(".ttl")), format=ox.RdfFormat.TURTLE))
    assert from_page == from_turtle
    subjects = {q.subject.value for q in from_page}
    assert "https://w3id.org/probgraph/id/inspection/2020-northumbria-crc" in subjects
    assert "https://w3id.org/probgraph/id/finding/2020-northumbria-crc-06" in subjects
    asserted = ox.NamedNode("https://w3id.org/probgraph/graph/asserted")
    for q in from_page:
        assert list(store.quads_for_pattern(q.subject, q.predicate, q.object, asserted)), q


def test_search_index_names_every_page(built_site):
    text = (built_site / "assets/index.js").read_text(encoding="utf-8")
    entries = json.loads(text[text.index("=") + 1:].strip().rstrip(";"))
    hrefs = {e[2] for e in entries}
    assert hrefs == {str(p.relative_to(built_site)) for p in built_site.glob("*/*.html")}
    assert any(e[0] == "Northumbria Community Rehabilitation Company" and "Northumbria CRC" in e[3]
               for e in entries)


def test_build_is_deterministic_and_replaces_only_its_own_folder(built_site, tmp_path):
    """A second build, into the first one's folder (its own, so replaced in place), gives the same bytes.

    One build where there were two (a fresh folder, then that folder again): the first build, built_site, is
    the fresh one, and the in-place one is now compared byte for byte rather than only by its exit code."""
    first = {str(p.relative_to(built_site)): p.read_bytes() for p in built_site.rglob("*") if p.is_file()}
    assert run_cli("site", "-o", str(built_site)).returncode == 0  # its own folder: rebuilt in place
    second = {str(p.relative_to(built_site)): p.read_bytes() for p in built_site.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    assert not [p for p in built_site.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    res = run_cli("site", "-o", str(mine))
    assert res.returncode == 2
    assert b"probgraph did not write" in res.stderr and b"Traceback" not in res.stderr
    assert (mine / "notes.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left


@pytest.mark.parametrize("bad", ["missing-parent/site", "file.txt"])
def test_bad_output_folder_is_one_line_exit_2(tmp_path, bad):
    (tmp_path / "file.txt").write_text("x")
    res = run_cli("site", "-o", str(tmp_path / bad))
    assert res.returncode == 2
    assert len(res.stderr.decode().strip().splitlines()) == 2  # the error and its hint
