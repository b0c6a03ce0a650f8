"""Generate a probgraph-shaped data set of about N triples, valid against the shapes, for benchmarks.

Trusts split into CRCs and divisions, which unify into regions with PDUs; each provider gets
inspections with findings; every node cites a generated source. The output is one Turtle file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HEAD = """@prefix pg: <https://w3id.org/probgraph/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
ID = "https://w3id.org/probgraph/id/"
V = "https://w3id.org/probgraph/vocab/"


def node(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def block(i: int) -> list[str]:
    """One lineage: trust -> CRC + division -> region with PDUs, with sources, inspections, findings."""
    src = node("source", f"gen-{i}")
    out = [f'{src} a pg:SourceDocument ; rdfs:label "generated source {i}"@en ; '
           f'<http://purl.org/dc/terms/title> "Generated source {i}" ; pg:url "https://example.org/{i}"^^xsd:anyURI .']
    trust, crc, div, region = (node("org", f"gen-{i}-{k}") for k in ("trust", "crc", "division", "region"))
    for iri, cls, label, start, end in ((trust, "ProbationTrust", "trust", None, "2014-10-31"),
                                        (crc, "CommunityRehabilitationCompany", "CRC", "2014-06-01", "2021-06-26"),
                                        (div, "NPSDivision", "division", "2014-06-01", "2021-06-26"),
                                        (region, "ProbationServiceRegion", "region", "2021-06-26", None)):
        dates = (f' pg:startDate "{start}"^^xsd:date ;' if start else "") + \
                (f' pg:endDate "{end}"^^xsd:date ;' if end else "")
        out.append(f'{iri} a pg:{cls} ; rdfs:label "Generated {label} {i}"@en ;{dates} prov:wasDerivedFrom {src} .')
    split, unify = node("event", f"gen-{i}-split"), node("event", f"gen-{i}-unification")
    out.append(f'{split} a pg:SuccessionEvent ; rdfs:label "split {i}"@en ;'
               f' pg:successionKind <{V}succession-kind/split> ;'
               f' pg:date "2014-06-01"^^xsd:date ; org:originalOrganization {trust} ;'
               f' org:resultingOrganization {crc} , {div} ; prov:wasDerivedFrom {src} .')
    out.append(f'{unify} a pg:SuccessionEvent ; rdfs:label "unification {i}"@en ;'
               f' pg:successionKind <{V}succession-kind/unification> ; pg:date "2021-06-26"^^xsd:date ;'
               f' org:originalOrganization {crc} , {div} ; org:resultingOrganization {region} ;'
               f' prov:wasDerivedFrom {src} .')
    for p in range(6):
        pdu = node("org", f"gen-{i}-pdu-{p}")
        out.append(f'{pdu} a pg:ProbationDeliveryUnit ; rdfs:label "Generated PDU {i}.{p}"@en ;'
                   f' pg:partOf {region} ; prov:wasDerivedFrom {src} .')
        insp = node("inspection", f"gen-{i}-{p}")
        out.append(f'{insp} a pg:Inspection ; rdfs:label "Generated inspection {i}.{p}"@en ; pg:inspected {pdu} ;'
                   f' pg:conductedBy <{ID}org/hmip> ; pg:inspectionProgramme <{V}programme/regional-2023> ;'
                   f' pg:reportPublished "2024-0{1 + p % 9}"^^xsd:gYearMonth ;'
                   f' pg:overallRating <{V}rating/{("good", "requires-improvement", "inadequate")[p % 3]}> ;'
                   f' prov:wasDerivedFrom {src} .')
        for f in range(3):
            kind = "Concern" if f % 2 else "Strength"
            out.append(f'{node("finding", f"gen-{i}-{p}-{f}")} a pg:{kind} ; rdfs:label "finding {i}.{p}.{f}"@en ;'
                       f' pg:findingOf {insp} ; pg:theme <{V}theme/risk-management> ;'
                       f' pg:statement "Generated finding."@en ; prov:wasDerivedFrom {src} .')
    return out


def generate(triples: int, path: Path) -> int:
    """Write about `triples` triples; return the number of lineages written."""
    per_block = 217
    n = max(1, triples // per_block)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        fh.write(f'<{ID}org/hmip> a pg:Inspectorate ; rdfs:label "Generated inspectorate"@en ;'
                 f' prov:wasDerivedFrom {node("source", "gen-0")} .\n')
        for i in range(n):
            fh.write("\n".join(block(i)) + "\n")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("triples", type=int)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    generate(args.triples, args.out)


if __name__ == "__main__":
    main()
