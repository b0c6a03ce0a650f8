"""Generate an entry of N new, well-formed inspections (each with one finding) of an existing PDU.

Usage: python benchmarks/entries.py N OUT.ttl. The entry validates with no results against the real graph
(each inspection is benchmarks/run.py's ENTRY under a numbered slug); benchmarks/scale.py --entries times
`probgraph validate` of such entries (issue 14, item 5).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ENTRY  # noqa: E402


def many_inspections(n: int, path: Path) -> None:
    """Write an entry of n new inspections of sunderland-pdu, each citing an existing source."""
    head, body = ENTRY.split("<https://w3id.org/probgraph/id/inspection/bench-new>", 1)
    body = "<https://w3id.org/probgraph/id/inspection/bench-new>" + body
    body = body.format(org="sunderland-pdu", src="hmip-2020-02-11-northumbria-crc")
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        for i in range(n):
            fh.write(body.replace("bench-new", f"bench-new-{i}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("inspections", type=int)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    many_inspections(args.inspections, args.out)


if __name__ == "__main__":
    main()
