"""Lay out a lineage as a timeline picture: one lane per body, time left to right, an arrow per link.

Only the geometry is computed here; the SVG itself is written by templates/lineage.svg. The axis runs
from 2001 (when the probation areas began) to the year after the latest date the graph knows, so
the bytes depend on the graph alone, never on the day the picture is drawn.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .names import short_name
from .succession import Body, Link
from .templating import render

FIRST_YEAR = 2001
WIDTH = 1000
_LEFT, _RIGHT = 20, 20
_TOP = 64  # title and year axis
_LANE = 50
_CHAR = 6.4  # rough width of one character of the 12 px labels, to keep labels apart
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def year_fraction(date: str) -> float:
    """A date (YYYY, YYYY-MM or YYYY-MM-DD) as a fractional year; a bare year means its 1 January."""
    m = _DATE.match(date)
    if not m:
        raise ValueError(f"not a date: {date!r}")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    return year + (month - 1) / 12 + (day - 1) / 365


@dataclass
class Lane:
    body: Body
    y: float
    root: bool
    x0: float = 0.0
    x1: float = 0.0
    open_start: bool = False
    open_end: bool = False
    name: str = ""


@dataclass
class Arrow:
    x: float
    y0: float
    y1: float
    inferred: bool
    title: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    areas: str
    inferred: bool
    anchor: str = "start"


@dataclass
class Picture:
    width: int
    height: int
    title: str
    description: str
    lanes: list[Lane] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    legend_y: float = 0.0
    any_inferred: bool = False


def _order(members: list[str], links: list[Link], bodies: dict[str, Body]) -> list[str]:
    """Lanes by generation (longest chain of predecessors), then near their predecessors, then by name."""
    preds = defaultdict(set)
    for k in links:
        if k.orig != k.res:
            preds[k.res].add(k.orig)
    generation: dict[str, int] = {}

    def gen(n: str, trail: frozenset[str]) -> int:
        if n not in generation:
            generation[n] = 1 + max((gen(p, trail | {n}) for p in preds[n] if p not in trail), default=-1)
        return generation[n]

    for n in members:
        gen(n, frozenset())
    placed: dict[str, int] = {}
    ordered: list[str] = []
    for g in sorted(set(generation.values())):
        level = [n for n in members if generation[n] == g]

        def key(n: str) -> tuple:
            near = [placed[p] for p in preds[n] if p in placed]
            centre = sum(near) / len(near) if near else -1.0
            return (centre, bodies[n].label if n in bodies else n, n)

        for n in sorted(level, key=key):
            placed[n] = len(ordered)
            ordered.append(n)
    return ordered


def layout(root: str, links: list[Link], bodies: dict[str, Body], last_year: int) -> Picture:
    """The geometry of the picture for the root's lineage."""
    members = sorted({root} | {k.orig for k in links} | {k.res for k in links})
    order = _order(members, links, bodies)
    end_year = max(last_year + 1, FIRST_YEAR + 2)
    per_year = (WIDTH - _LEFT - _RIGHT) / (end_year - FIRST_YEAR)

    def x(date: str | None) -> float:
        if date is None:
            return _LEFT
        return round(_LEFT + (min(max(year_fraction(date), FIRST_YEAR), end_year) - FIRST_YEAR) * per_year, 1)

    with_areas = any(k.areas for k in links)
    lane_h = _LANE + (12 if with_areas else 0)
    lanes = {}
    for i, n in enumerate(order):
        body = bodies.get(n, Body(n, short_name(n), None, None))
        ins = sorted(k.date for k in links if k.res == n and k.date)
        outs = sorted(k.date for k in links if k.orig == n and k.date)
        start = body.start or (ins[0] if ins else None)
        end = body.end or (outs[-1] if outs else None)
        lane = Lane(body, _TOP + i * lane_h, n == root, name=body.label)
        lane.open_start = start is None or year_fraction(start) < FIRST_YEAR
        lane.open_end = end is None
        lane.x0 = x(start)
        lane.x1 = round(WIDTH - _RIGHT, 1) if end is None else max(x(end), lane.x0 + 2)
        lanes[n] = lane
    pic = Picture(WIDTH, 0, f"Lineage of {lanes[root].name}",
                  f"How {lanes[root].name} came about and what followed it, {FIRST_YEAR} to {end_year - 1}: "
                  f"one lane per body, one arrow per succession.")
    pic.lanes = [lanes[n] for n in order]
    step = 1 if per_year >= 34 else 2
    pic.ticks = [(round(_LEFT + (yr - FIRST_YEAR) * per_year, 1), str(yr))
                 for yr in range(FIRST_YEAR, end_year + 1, step)]
    groups: dict[tuple, list[Link]] = defaultdict(list)
    for k in links:
        groups[(k.res, k.date or "", k.kind)].append(k)
    used: dict[tuple[str, float], float] = {}  # (lane, x) -> where the next label may start
    for (res, date, kind), members_ in sorted(groups.items()):
        target = lanes[res]
        gx = x(date) if date else target.x0
        members_.sort(key=lambda k: (lanes[k.orig].y, k.orig))
        for i, k in enumerate(members_):
            ax = round(gx + (i - (len(members_) - 1) / 2) * 5, 1)
            source = lanes[k.orig]
            down = source.y < target.y
            y0 = source.y + (30 if down else 20)
            y1 = target.y + (20 if down else 30)
            title = f"{source.name} to {target.name}: {k.how}" + (f"; territory: {k.areas}" if k.areas else "")
            pic.arrows.append(Arrow(ax, round(y0, 1), round(y1, 1), k.inferred, title))
        text = f"{kind} · {date or 'date unknown'}"
        lx = used.get((res, gx), gx + 6 + 2.5 * (len(members_) - 1))
        areas = ", ".join(sorted({a.strip() for k in members_ for a in k.areas.split(",") if a.strip()}))
        inferred = all(k.inferred for k in members_)
        anchor = "start"
        if lx + max(len(text), len(areas) + 11) * _CHAR > WIDTH - 4:  # near the right edge: end at the arrow
            lx, anchor = gx - 6 - 2.5 * (len(members_) - 1), "end"
        pic.labels.append(Label(round(lx, 1), round(target.y + 44, 1), text, areas, inferred, anchor))
        used[(res, gx)] = lx + len(text) * _CHAR + 10
    pic.any_inferred = any(k.inferred for k in links)
    pic.legend_y = _TOP + len(order) * lane_h + 8
    pic.height = int(pic.legend_y + 66)
    return pic


def render_svg(root: str, links: list[Link], bodies: dict[str, Body], last_year: int) -> str:
    """A self-contained SVG of the lineage (same graph, same bytes)."""
    return render("lineage.svg", pic=layout(root, links, bodies, last_year))
