"""A static site of the record: one page per organisation, inspection, person, place and source.

Pages are Jinja2 templates (templates/) filled from site_data's queries; every link is relative, so the
folder works from file:// and from any static host. Each page carries its own triples as JSON-LD and
beside it a Turtle file. The same graph gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from markupsafe import Markup

from . import __version__
from .charts import Rated, ratings_svg
from .compile import ASSERTED_GRAPH, canonical_triples
from .lineage_svg import render_svg
from .names import PREFIXES, compact
from .succession import bodies, latest_year, lineage_of, links
from .templating import render

PG = "https://w3id.org/probgraph/ontology#"
# the graph's id/<folder>/ -> the compact prefix (and the site folder) of that kind
KIND_PREFIX = {"org": "organisation", "inspection": "inspection", "person": "person", "place": "place",
               "source": "source"}
KIND_TITLE = {"organisation": "Organisations", "inspection": "Inspections", "person": "People",
              "place": "Places", "source": "Source documents"}
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# statements whose subject is drawn on the page of the entity they point at (the page's own triples)
_PART_OF_PAGE = ("findingOf", "recommendationOf", "remarkOn", "ownedOrganisation", "observedOrganisation",
                 "holder")
_ASSETS = ("style.css", "search.js")


def page_path(iri: str) -> str | None:
    """The site path of an entity's page, from its compact name: organisation:x -> organisation/x.html.

    The one place that maps names to pages; None for a thing that has no page of its own.
    """
    name = compact(iri)
    if name.startswith("pgid:"):  # today's names (pgid:org/x); the kind prefixes (organisation:x) map alike
        folder, _, local = name[len("pgid:"):].partition("/")
        prefix = KIND_PREFIX.get(folder)
    else:
        prefix, _, local = name.partition(":")
        prefix = prefix if prefix in KIND_TITLE else None
    if prefix is None or not _SAFE.match(local):
        return None
    return f"{prefix}/{local}.html"


@dataclass(frozen=True)
class Ref:
    """A thing as a page shows it: its label and, if it has a page, a relative link."""

    label: str
    href: str | None
    name: str


class _Site:
    """The data of every page, read once, and the page renderers."""

    def __init__(self, store: ox.Store) -> None:
        from .site_data import read_all

        self.store = store
        self.q = read_all(store)
        self.labels = {iri: rows[0]["label"] for iri, rows in self.q["labels"].items()}
        self.links = links(store)
        self.bodies = bodies(store)
        self.last_year = latest_year(store)
        self.pages: dict[str, str] = {}  # IRI -> kind, for entities with a page
        self.paths: dict[str, str] = {}  # IRI -> the page's path
        for iri in self.q["entities"]:
            path = page_path(iri)
            if path:
                self.pages[iri] = path.split("/", 1)[0]
                self.paths[iri] = path

    def ref(self, iri: str, root: str = "../") -> Ref:
        path = self.paths.get(iri)
        return Ref(self.labels.get(iri, compact(iri)), root + path if path else None, compact(iri))

    def rows(self, query: str, iri: str) -> list[dict[str, str]]:
        return self.q[query].get(iri, [])

    def triples(self, iri: str) -> list[ox.Triple]:
        """The page's own triples: the entity's, and those of the parts drawn on its page."""
        node = ox.NamedNode(iri)
        subjects: set[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {node}
        for local in _PART_OF_PAGE:
            subjects |= {q.subject for q in self.store.quads_for_pattern(None, ox.NamedNode(PG + local), node,
                                                                          ASSERTED_GRAPH)}
        subjects |= {q.object for q in self.store.quads_for_pattern(node, ox.NamedNode(PG + "aspectRating"),
                                                                     None, ASSERTED_GRAPH)}
        found = [q.triple for s in subjects if not isinstance(s, ox.Literal)
                 for q in self.store.quads_for_pattern(s, None, None, ASSERTED_GRAPH)]
        return canonical_triples(found)

    def rated(self, org: str, root: str = "../") -> list[Rated]:
        """The rated inspections of an organisation and of its units (and theirs)."""
        members, todo = {org}, [org]
        while todo:
            for row in self.rows("units", todo.pop()):
                if row["x"] not in members:
                    members.add(row["x"])
                    todo.append(row["x"])
        out = []
        for insp, rows in self.q["inspections"].items():
            row = rows[0]
            if row["org"] in members and row["rank"]:
                out.append(Rated(row["published"] or row["start"], int(row["rank"]), row["rating"],
                                 self.labels.get(row["org"], compact(row["org"])), self.ref(insp, root).href or "",
                                 row["inferred"] == "yes"))
        return out

    def context(self, iri: str, kind: str, triples: list[ox.Triple]) -> dict[str, object]:
        jsonld = (ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"").decode("utf-8").replace("</", "<\\/")
        local = self.paths[iri].split("/", 1)[1][: -len(".html")]
        return {"iri": iri, "kind": kind, "name": compact(iri), "label": self.labels.get(iri, compact(iri)),
                "root": "../", "turtle": f"{local}.ttl", "jsonld": Markup(jsonld), "ref": self.ref,
                "rows": lambda query: self.rows(query, iri), "version": __version__,
                "alt": [r["alt"] for r in self.rows("alt_labels", iri)],
                "comments": [r["comment"] for r in self.rows("comments", iri)],
                "notes": [r["note"] for r in self.rows("notes", iri)],
                "sources": [self.ref(r["source"]) for r in self.rows("sources", iri)]}

    def organisation(self, iri: str, ctx: dict) -> None:
        ctx["org_kind"] = ", ".join(r["kind"] for r in self.rows("org_kind", iri)) or "organisation"
        dates = self.rows("dates", iri)
        ctx["start"] = dates[0]["start"] if dates else ""
        ctx["end"] = dates[0]["end"] if dates else ""
        lineage = lineage_of(self.store, iri, self.links)
        ctx["lineage"] = Markup(render_svg(iri, lineage, self.bodies, self.last_year)) if lineage else None
        rated = self.rated(iri)
        ctx["chart"] = Markup(ratings_svg(rated, f"Ratings over time: {ctx['label']} and its units")) \
            if rated else None
        ctx["inspections"] = sorted(
            (r for rows in self.q["inspections"].values() for r in rows[:1] if r["org"] == iri),
            key=lambda r: (r["published"] or r["start"], r["insp"]))

    def place(self, iri: str, ctx: dict) -> None:
        ctx["covered"] = self.rows("coverage", iri)
        ctx["within"] = [self.ref(r["parent"]) for r in self.rows("within", iri)]
        ctx["contains"] = sorted((self.ref(x) for x, rows in self.q["within"].items()
                                  if any(r["parent"] == iri for r in rows)), key=lambda r: (r.label, r.name))

    def inspection(self, iri: str, ctx: dict) -> None:
        ctx["facts"] = self.rows("inspections", iri)[0]
        themes = defaultdict(list)
        for r in self.rows("findings", iri):
            themes[r["theme"] or "other"].append(r)
        ctx["themes"] = sorted(themes.items())

    def source(self, iri: str, ctx: dict) -> None:
        info = self.rows("source_info", iri)
        ctx["info"] = info[0] if info else {}
        ctx["cited_by"] = sorted({self.ref(r["x"]) for r in self.rows("cited_by", iri)},
                                 key=lambda r: (r.href is None, r.label, r.name))

    def person(self, iri: str, ctx: dict) -> None:
        ctx["led"] = sorted((r for rows in self.q["inspections"].values() for r in rows[:1] if r["chief"] == iri),
                            key=lambda r: (r["published"] or r["start"], r["insp"]))
        ctx["remarks"] = sorted((r for rows in self.q["remarks"].values() for r in rows if r["by"] == iri),
                                key=lambda r: r["remark"])

    def index(self) -> tuple[bytes, bytes]:
        groups = defaultdict(list)
        for iri, kind in self.pages.items():
            groups[kind].append(self.ref(iri, ""))
        sections = [(KIND_TITLE[k], k, sorted(groups[k], key=lambda r: (r.label.casefold(), r.name)))
                    for k in KIND_TITLE if groups[k]]
        entries = sorted(((r.label, KIND_TITLE[k].rstrip("s").lower() if k != "person" else "person", r.href,
                           [a["alt"] for a in self.rows("alt_labels", iri)])
                          for iri, k in self.pages.items() for r in [self.ref(iri, "")]),
                         key=lambda e: (e[0].casefold(), e[2] or ""))
        data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        script = f"window.PROBGRAPH_INDEX = {data};\n".replace("</", "<\\/").encode("utf-8")
        html = render("index.html", sections=sections, root="", version=__version__, count=len(self.pages))
        return html.encode("utf-8"), script


def build_site(store: ox.Store) -> dict[str, bytes]:
    """Every file of the site, by relative path."""
    site = _Site(store)
    files: dict[str, bytes] = {}
    for iri, kind in sorted(site.pages.items()):
        triples = site.triples(iri)
        ctx = site.context(iri, kind, triples)
        getattr(site, kind)(iri, ctx)
        path = site.paths[iri]
        files[path] = render(f"{kind}.html", **ctx).encode("utf-8")
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        files[path[: -len(".html")] + ".ttl"] = turtle
    files["index.html"], files["assets/index.js"] = site.index()
    assets = Path(__file__).parent / "templates" / "assets"
    for name in _ASSETS:
        files[f"assets/{name}"] = (assets / name).read_bytes()
    return files

