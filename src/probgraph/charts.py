"""Small inline charts for the site: ratings over time. Geometry here, SVG in templates/ratings.svg."""

from __future__ import annotations

from dataclasses import dataclass

from .lineage_svg import year_fraction
from .templating import render

RANKS = ((4, "Outstanding"), (3, "Good"), (2, "Requires improvement"), (1, "Inadequate"))
_W, _H = 640, 190
_LEFT, _RIGHT, _TOP, _BOTTOM = 150, 20, 16, 30
_UNDATED = 70


@dataclass(frozen=True)
class Rated:
    """One rated inspection: when, how, of which unit, and where its page is (relative)."""

    date: str
    rank: int
    rating: str
    unit: str
    href: str
    inferred: bool


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    rated: Rated


def ratings_svg(points: list[Rated], title: str) -> str:
    """A dot per rated inspection, time across and rating up; dots link to the inspection pages.

    Undated inspections stand in a column of their own, since they cannot be put on the time axis.
    """
    dated = sorted((p for p in points if p.date), key=lambda p: (p.date, p.unit, p.href))
    first = int(year_fraction(dated[0].date)) if dated else 2001
    last = int(year_fraction(dated[-1].date)) + 1 if dated else 2002
    span = max(last - first, 1)

    def x(date: str) -> float:
        return round(_LEFT + (year_fraction(date) - first) / span * (_W - _LEFT - _RIGHT), 1)

    def y(rank: int) -> float:
        return round(_TOP + (4 - rank) * (_H - _TOP - _BOTTOM) / 3, 1)

    marks = [Point(x(p.date), y(p.rank), p) for p in dated]
    step = 1 if span <= 12 else 2
    ticks = [(x(str(yr)), str(yr)) for yr in range(first, last + 1, step)]
    undated = sorted((p for p in points if not p.date), key=lambda p: (p.unit, p.href))
    width = _W + (_UNDATED if undated else 0)
    if undated:  # no date to place them by: a column of their own at the right
        ticks.append((_W + _UNDATED / 2 - _RIGHT / 2, "undated"))
        marks += [Point(_W + _UNDATED / 2 - _RIGHT / 2, y(p.rank), p) for p in undated]
    levels = [(y(rank), name) for rank, name in RANKS]
    return render("ratings.svg", width=width, height=_H, left=_LEFT, right=width - _RIGHT, bottom=_H - _BOTTOM,
                  top=_TOP, marks=marks, ticks=ticks, levels=levels, title=title, dated=len(dated))
