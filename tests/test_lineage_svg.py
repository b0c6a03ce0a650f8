"""The lineage picture: a well-formed, deterministic SVG with a lane per body and an arrow per link."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from probgraph.lineage_svg import layout, render_svg
from probgraph.succession import Body, bodies, latest_year, lineage_of

from conftest import run_cli

SVG = "{http://www.w3.org/2000/svg}"
NE = "https://w3id.org/probgraph/id/org/north-east-region"


def test_north_east_picture_has_every_body_and_link(store):
    links = lineage_of(store, NE)
    svg = render_svg(NE, links, bodies(store), latest_year(store))
    root = ET.fromstring(svg)
    lanes = root.findall(f".//{SVG}g[@class='lane']") + root.findall(f".//{SVG}g[@class='lane root']")
    names = {lane.find(f"{SVG}text").text for lane in lanes}
    assert "Northumbria Community Rehabilitation Company" in names
    assert "Northumbria Probation Trust" in names
    assert len(lanes) == len({k.orig for k in links} | {k.res for k in links})
    arrows = root.findall(f".//{SVG}g[@class='arrow']")
    assert len(arrows) == len(links)
    dashed = [a for a in arrows if "inferred" in a.find(f"{SVG}line").get("class")]
    assert len(dashed) == sum(k.inferred for k in links) > 0
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class", "").startswith("how")]
    assert "unification · 2021-06-26" in labels and "split · 2014-06-01" in labels
    assert "inferred link" in svg  # the legend explains the dashed arrows


def test_axis_runs_from_2001_to_the_graphs_latest_year(store):
    pic = layout(NE, lineage_of(store, NE), bodies(store), latest_year(store))
    assert pic.ticks[0][1] == "2001"
    assert int(pic.ticks[-1][1]) >= latest_year(store)
    assert all(0 <= lane.x0 <= lane.x1 <= pic.width for lane in pic.lanes)


def test_territory_label_is_drawn_when_a_link_has_one():
    from probgraph.succession import Link

    a, b = "https://w3id.org/probgraph/id/org/a", "https://w3id.org/probgraph/id/org/b"
    link = Link(a, b, "transfer", "2014-06-01", False, areas="Sunderland, Gateshead")
    svg = render_svg(b, [link], {a: Body(a, "A & Co", "2005", "2014-06-01"), b: Body(b, "B", "2014-06-01", None)},
                     2020)
    root = ET.fromstring(svg)  # the & is escaped, the picture parses
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "territory: Gateshead, Sunderland" in texts and "A & Co" in texts  # one label: the areas sorted
    assert "territory: Sunderland, Gateshead" in root.find(f".//{SVG}g[@class='arrow']/{SVG}title").text


def test_cli_svg_is_byte_identical_across_runs():
    first = run_cli("lineage", "north-east-region", "--format", "svg")
    second = run_cli("lineage", "North East region", "--format", "svg")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.startswith(b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=")


def test_readme_picture_is_current():
    from conftest import ROOT

    shown = (ROOT / "docs" / "lineage-north-east-region.svg").read_bytes()
    assert shown == run_cli("lineage", "north-east-region", "--format", "svg").stdout, (
        "regenerate it: probgraph lineage north-east-region --format svg > docs/lineage-north-east-region.svg")
