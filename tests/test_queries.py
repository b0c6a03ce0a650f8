"""Competency questions: each stored query, run on the real graph, gives the expected rows.

Expected answers were checked against the sources the graph cites (seeds, HMIP press releases,
SI 2014/2704 and the reference notes' URLs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import probgraph

QUERIES = Path(__file__).resolve().parent.parent / "queries"


ORG_SCOPE = {"scope": "organisation"}


def rows(name, params=None, *cols):
    out = probgraph.select(name, params)
    return [tuple(r[c] for c in cols) for r in out] if cols else out


def test_organisational_predecessors_of_north_east_region_include_both_trusts():
    got = rows("predecessors", {"org": "north-east-region", **ORG_SCOPE}, "predecessor", "successor", "kind", "date")
    assert got[:3] == [
        ("organisation:durham-tees-valley-crc", "organisation:north-east-region", "unification", "2021-06-26"),
        ("organisation:northumbria-crc", "organisation:north-east-region", "unification", "2021-06-26"),
        ("organisation:nps-north-east-division", "organisation:north-east-region", "unification", "2021-06-26"),
    ]
    preds = {p for p, *_ in got}
    assert {"organisation:northumbria-probation-trust", "organisation:durham-tees-valley-probation-trust"} <= preds
    assert ("organisation:northumbria-probation-trust", "organisation:northumbria-crc", "split", "2014-06-01") in got
    # the NPS North East Division also took work from the Yorkshire, Humberside and Lincolnshire trusts
    assert len(got) == 12


def test_successors_of_durham_tees_valley_trust():
    got = rows("successors", {"org": "durham-tees-valley-probation-trust", **ORG_SCOPE}, "predecessor", "successor",
               "kind",
               "date", "inferred")
    o = "organisation:"
    assert got == [
        (o + "durham-tees-valley-probation-trust", o + "durham-tees-valley-crc", "split", "2014-06-01", "false"),
        (o + "durham-tees-valley-probation-trust", o + "nps-north-east-division", "split", "2014-06-01", "true"),
        (o + "durham-tees-valley-crc", o + "north-east-region", "unification", "2021-06-26", "false"),
        (o + "nps-north-east-division", o + "east-midlands-region", "unification", "2021-06-26", "true"),
        (o + "nps-north-east-division", o + "north-east-region", "unification", "2021-06-26", "false"),
        (o + "nps-north-east-division", o + "yorkshire-humber-region", "unification", "2021-06-26", "false"),
    ]


def test_every_2014_trust_has_a_successor_in_june_2014():
    trusts = probgraph.select("organisations", {"kind": "trust"})
    dissolved = [t["slug"] for t in trusts if t["until"] == "2014-10-31"]
    assert len(dissolved) == 35
    for slug in dissolved:
        succ = rows("successors", {"org": slug}, "predecessor", "date", "kind")
        assert (f"organisation:{slug}", "2014-06-01", "split") in succ, slug


def test_lineage_inspections_of_northumbria_crc_oldest_first():
    got = rows("lineage-inspections", {"org": "northumbria-crc", **ORG_SCOPE}, "published", "inspection", "rating",
               "chiefInspector")
    assert got[:3] == [
        ("2013-11", "inspection:2013-northumbria-probation-trust", "", "Liz Calderbank"),
        ("2018-11", "inspection:2018-northumbria-crc", "Requires improvement", "Dame Glenys Stacey"),
        ("2020-02-11", "inspection:2020-northumbria-crc", "Requires improvement", "Justin Russell"),
    ]
    assert ("2025", "inspection:2025-north-east-region", "Requires improvement", "Martin Jones") in got
    assert len(got) == 13
    assert got[-1][0] == ""  # undated reports come last


def test_rating_history_of_durham_tees_valley_crc():
    got = rows("rating-history", {"org": "durham-tees-valley-crc", **ORG_SCOPE}, "published", "organisation",
               "rating", "rank")
    assert got[:2] == [
        ("2019-03", "Durham Tees Valley Community Rehabilitation Company", "Requires improvement", "2"),
        ("2020-04", "Durham Tees Valley Community Rehabilitation Company", "Good", "3"),
    ]
    assert len(got) == 12


def test_recurring_concerns_in_the_north_east_lineage():
    got = rows("recurring-concerns", {"org": "north-east-region", **ORG_SCOPE}, "theme", "inspections")
    assert got[:4] == [("risk management", "12"), ("work with victims", "10"),
                       ("risk of harm assessment", "8"), ("information sharing", "7")]
    assert all(int(n) >= 2 for _, n in got)


def test_owner_of_each_crc_on_1_january_2016():
    got = rows("owners", {"date": "2016-01-01"}, "owned", "owner")
    assert len(got) == 21
    owners = {}
    for _, owner in got:
        owners[owner] = owners.get(owner, 0) + 1
    assert owners == {
        "organisation:sodexo-justice-services": 6, "organisation:purple-futures": 5, "organisation:working-links": 3,
        "organisation:reducing-reoffending-partnership": 2, "organisation:mtcnovo": 2, "organisation:arcc": 1,
        "organisation:seetec": 1, "organisation:eos": 1,
    }
    assert ("organisation:northumbria-crc", "organisation:sodexo-justice-services") in got
    assert ("organisation:durham-tees-valley-crc", "organisation:arcc") in got


def test_owners_of_northumbria_crc_by_label():
    got = rows("owners", {"org": "Northumbria CRC"}, "owner", "from", "until")
    assert got == [("organisation:sodexo-justice-services", "2015-02-01", "")]


def test_working_links_crcs_have_no_owner_after_the_collapse():
    got = rows("owners", {"date": "2019-06-01"}, "owned", "owner")
    assert len(got) == 18
    assert all(owner != "organisation:working-links" for _, owner in got)


def test_chief_inspector_on_a_date_and_reports_signed():
    got = rows("chief-inspector", {"date": "2017-06-01"}, "name", "from", "until", "inspection")
    assert {g[:3] for g in got} == {("Dame Glenys Stacey", "2016-03-01", "2019-05-31")}
    assert got[0][3] == "inspection:2016-durham"
    assert ("Dame Glenys Stacey", "2016-03-01", "2019-05-31", "inspection:2019-durham-tees-valley-crc") in got
    june_2019 = rows("chief-inspector", {"date": "2019-06-26"}, "name", "inspection", "rating")
    assert ("Justin Russell", "inspection:2019-nps-north-east-division", "Good") in june_2019


def test_caseloads_with_exactness():
    assert rows("caseloads", {"org": "nps-north-east-division"}, "asOf", "count", "exactness", "dateInferred") == [
        ("2018-09-30", "18566", "exact", "false"),
        ("2019-06", "19000", "upper bound", "true"),
    ]
    assert rows("caseloads", {"org": "northumbria-crc"}, "asOf", "count", "exactness") == [
        ("2019-07", "3788", "approximate"),
        ("2020-02", "3700", "lower bound"),
    ]


def test_coverage_of_sunderland():
    # every level that applied: national bodies (Sunderland is in Northumbria, which is in England), division, CRC;
    # one row per risk tier (no GROUP_CONCAT: its order is not portable)
    assert rows("coverage", {"place": "sunderland", "date": "2017-06-01"}, "organisation", "riskTier") == [
        ("organisation:hmpps", ""),
        ("organisation:nps", "high risk"),
        ("organisation:nps", "high risk"),
        ("organisation:nps-north-east-division", "high risk"),
        ("organisation:national-probation-service-2001", ""),
        ("organisation:northumbria-crc", "low risk"),
        ("organisation:northumbria-crc", "medium risk"),
    ]
    assert [r[0] for r in rows("coverage", {"place": "Sunderland", "date": "2022"}, "organisation")] == [
        "organisation:hmpps", "organisation:national-probation-service-2001",
        *["organisation:probation-service"] * 6, "organisation:north-east-region", "organisation:sunderland-pdu"]
    assert rows("coverage", {"place": "Sunderland", "date": "2022"}, "organisation", "kind")[-2:] == [
        ("organisation:north-east-region", "Probation Service region"),
        ("organisation:sunderland-pdu", "probation delivery unit")]


def test_provenance_of_the_nps_north_east_seed():
    got = rows("provenance", {"source": "hmip-2019-06-26-nps-north-east"}, "node", "kind")
    nodes = {n for n, _ in got}
    assert {"inspection:2019-nps-north-east-division", "caseload:nps-north-east-division-2018-09-30",
            "initiative:project-beta", "person:justin-russell"} <= nodes
    assert ("inspection:2019-nps-north-east-division", "inspection") in got


def test_organisations_lists_the_seven_divisions():
    got = rows("organisations", {"kind": "division"}, "slug")
    assert [g[0] for g in got] == [
        "nps-london-division", "nps-midlands-division", "nps-north-east-division", "nps-north-west-division",
        "nps-south-east-eastern-division", "nps-south-west-south-central-division", "nps-wales-division"]


def test_organisations_of_a_kind_match_the_class_not_the_name():
    trusts = rows("organisations", {"kind": "trust"}, "slug", "type")
    assert len(trusts) == 37 and {t for _, t in trusts} == {"probation trust"}
    slugs = {s for s, _ in trusts}
    assert "st-giles-trust" not in slugs and "tees-esk-wear-valleys-nhs-foundation-trust" not in slugs
    # a class's short name (skos:altLabel) counts: CRC, PDU
    crcs = rows("organisations", {"kind": "CRC"}, "type")
    assert len(crcs) == 21 and {t for (t,) in crcs} == {"community rehabilitation company"}
    assert {t for (t,) in rows("organisations", {"kind": "pdu"}, "type")} == {"probation delivery unit"}


def test_rating_tallies_match_the_index():
    got = probgraph.select("rating-tallies")
    totals: dict[str, int] = {}
    for r in got:
        totals[r["rating"]] = totals.get(r["rating"], 0) + int(r["inspections"])
    # the national index's tallies (national-inspections.md): RI 67, Inadequate 34, Good 11, none 24
    assert totals == {"Requires improvement": 67, "Inadequate": 34, "Good": 11, "none": 24}
    assert {"programme": "Post-unification PDU inspection", "year": "2022", "rating": "Inadequate",
            "inspections": "10"} in got


def test_latest_pdu_ratings_in_the_north_east():
    got = rows("latest-pdu-ratings", {"region": "north-east-region"}, "pdu", "rating", "inspection")
    assert len(got) == 7
    # the undated re-inspection is placed by its chief inspector's tenure, after the 2022 report, and flagged
    assert ("organisation:gateshead-south-tyneside-pdu", "Requires improvement",
            "inspection:undated-gateshead-south-tyneside-pdu") in got
    flagged = rows("latest-pdu-ratings", {"region": "north-east-region"}, "pdu", "ordered_by_tenure")
    assert ("organisation:gateshead-south-tyneside-pdu", "true") in flagged
    assert ("organisation:sunderland-pdu", "false") in flagged
    assert ("organisation:sunderland-pdu", "Requires improvement", "inspection:2025-sunderland-pdu") in got
    assert ("organisation:county-durham-darlington-pdu", "Inadequate",
            "inspection:2025-county-durham-darlington-pdu") in got


def test_rating_falls():
    assert rows("rating-falls", None, "organisation", "earlierRating", "laterRating", "ordered_by_tenure") == [
        ("organisation:gateshead-south-tyneside-pdu", "Good", "Requires improvement", "true")]


def test_inspections_by_chief_inspector():
    got = rows("inspections-by-chief-inspector", None, "chiefInspector", "rating", "inferred", "inspections")
    assert ("Liz Calderbank", "none", "false", "4") in got
    assert ("Justin Russell", "Good", "false", "6") in got
    assert sum(int(n) for *_, n in got) == 135  # one index row names no chief inspector


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_stored_query_has_a_competency_test_and_a_total_order(path):
    text = path.read_text(encoding="utf-8")
    assert "SELECT *" not in text.upper().replace("SELECT  *", "SELECT *")
    assert "ORDER BY" in text, f"{path.name} needs a total ORDER BY"
    assert f'"{path.stem}"' in Path(__file__).read_text(encoding="utf-8"), f"no competency test for {path.stem}"
