"""The contributor's loop (issue 12, item 1): a file is validated wherever it is, duplicates are named as
such, and reports point at the line of the offending triple."""

from __future__ import annotations

import shutil

import pytest

from probgraph.errors import InputSyntaxError
from probgraph.parsing import parse_turtle_bytes

from conftest import ROOT, run_cli

RATING_AS_STRING = ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A copy of the project whose data/ holds the rating-as-string example, as a contributor would put it."""
    home = tmp_path_factory.mktemp("home")
    for folder in ("ontology", "shapes", "queries"):
        (home / folder).symlink_to(ROOT / folder)
    shutil.copytree(ROOT / "data", home / "data")
    shutil.copy(RATING_AS_STRING, home / "data" / "inspections" / "2026-sunderland-pdu.ttl")
    return home


def rating_line() -> int:
    lines = RATING_AS_STRING.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.lstrip().startswith("pg:overallRating"))


def test_a_file_inside_data_is_validated_against_the_graph_without_it(home, tmp_path):
    env = {"PROBGRAPH_HOME": str(home), "PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    res = run_cli("validate", "data/inspections/2026-sunderland-pdu.ttl", cwd=home, env=env)
    out = res.stdout.decode()
    assert res.returncode == 1, out + res.stderr.decode()
    assert f"data/inspections/2026-sunderland-pdu.ttl:{rating_line()}: Violation: inspection:2026-sunderland-pdu " \
           "pg:overallRating" in out


def test_the_entry_outside_data_points_at_the_triple_not_the_subject():
    res = run_cli("validate", str(RATING_AS_STRING.relative_to(ROOT)), cwd=ROOT)
    assert f"inspection-rating-as-string.ttl:{rating_line()}: Violation" in res.stdout.decode()


def test_a_reused_iri_is_reported_as_a_duplicate(tmp_path):
    copy = tmp_path / "mine.ttl"
    shutil.copy(ROOT / "data" / "inspections" / "2020-northumbria-crc.ttl", copy)
    res = run_cli("validate", str(copy))
    out = res.stdout.decode()
    assert res.returncode == 1
    assert ("inspection:2020-northumbria-crc is already defined in data/inspections/2020-northumbria-crc.ttl:"
            in out)
    assert "pick a new slug or edit that file" in out
    assert "hint: inspection:2020-northumbria-crc-2 a pg:Inspection .  # a new slug, or edit data/" in out


def test_a_kind_added_to_a_place_is_no_duplicate_but_a_second_label_is(tmp_path):
    # data/territory/ adds the areas' kind to the places data/places.ttl names: that file conforms on its own
    res = run_cli("validate", "data/territory/areas.ttl")
    assert res.returncode == 0 and "0 violations" in res.stdout.decode(), res.stdout.decode()
    from probgraph.validation import validate_entries

    head = ("@prefix pg: <https://w3id.org/probgraph/ontology#> .\n"
            "@prefix place: <https://w3id.org/probgraph/id/place/> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
    labelled = tmp_path / "labelled.ttl"
    labelled.write_text(head + 'place:sunderland a pg:Place ;\n    rdfs:label "Sunderland"@en .\n', encoding="utf-8")
    found = [r for r in validate_entries([str(labelled)]).violations if "already defined" in r.message]
    assert [(r.focus, r.line) for r in found] == [("place:sunderland", 4)]
    assert found[0].message.startswith("is already defined in data/places.ttl:")


def test_whole_graph_results_carry_file_and_line(home, tmp_path, monkeypatch):
    monkeypatch.setenv("PROBGRAPH_HOME", str(home))
    monkeypatch.setenv("PROBGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    from probgraph.validation import validate_graph

    report = validate_graph()
    ours = [r for r in report.violations if r.focus == "inspection:2026-sunderland-pdu"]
    assert ours and all(r.file == "data/inspections/2026-sunderland-pdu.ttl" for r in ours)
    assert rating_line() in {r.line for r in ours}
    assert all(r.file and r.line for r in report.results if r.focus.split(":", 1)[0] in ("inspection", "organisation"))


def test_a_slash_in_a_prefixed_name_says_what_to_write():
    text = b"@prefix pgid: <https://w3id.org/probgraph/id/> .\npgid:inspection/2019-x a pgid:x .\n"
    with pytest.raises(InputSyntaxError) as info:
        parse_turtle_bytes(text, "entry.ttl")
    message = str(info.value)
    assert "entry.ttl:2:" in message
    assert "write inspection:2019-x (declare @prefix inspection: <https://w3id.org/probgraph/id/inspection/> .)" \
        in message
