"""The site and the served pages as a person sees them: Debian's Chromium, headless, driven by Playwright.

Screenshots of three pages are kept in .artifacts/screenshots/ (ignored by git) to be looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / ".artifacts" / "screenshots"
# as root, and with no network beyond loopback (see /work/.library/env/machines/python.md)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": 1280, "phone": 390}
PAGES = ["index.html", "organisation/north-east-region.html", "organisation/northumbria-crc.html",
         "inspection/2020-northumbria-crc.html", "place/sunderland.html", "person/justin-russell.html",
         "source/hmip-2020-02-11-northumbria-crc.html"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"needs {CHROMIUM} (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        profile = tmp_path_factory.mktemp("chromium-profile")
        context = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=FLAGS,
                                                       headless=True)
        yield context
        context.close()


class Watched:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, context, width: int) -> None:
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def tab(browser):
    """One tab per width for the module's tests, its errors cleared for each: a new tab costs Chromium about
    0.2 s, a page load in a kept tab half the CPU it costs in a new one (docs/design-decisions.md)."""
    made: dict[str, Watched] = {}

    def at(width: str) -> Watched:
        if width not in made:
            made[width] = Watched(browser, WIDTHS[width])
        # the last test's page is left first, so what its leaving reports (a request cut short) is not this one's
        made[width].open("about:blank")
        made[width].errors.clear()
        return made[width]

    yield at
    for w in made.values():
        w.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("path", PAGES)
def test_site_page_reads_well_from_file(tab, built_site, path, width):
    w = tab(width)
    page = w.open((built_site / path).as_uri())
    assert page.locator("h1").first.is_visible()
    # nothing but the pictures' own scrolling boxes is wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= WIDTHS[width] + 1, f"{path} is {overflow}px wide at {WIDTHS[width]}px"
    if path.startswith("organisation/"):
        lineage = page.locator("svg.pg-lineage")
        assert lineage.is_visible()
        box = lineage.bounding_box()
        assert box["width"] >= 300 and box["height"] >= 200
        assert page.locator("svg.pg-ratings").is_visible()
    assert w.errors == []
    if (path, width) in (("organisation/north-east-region.html", "desktop"),
                         ("inspection/2020-northumbria-crc.html", "phone")):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{path.replace('/', '-')[:-5]}-{width}.png"), full_page=True)


def test_search_on_the_index_finds_a_place_and_goes_there(tab, built_site):
    w = tab("desktop")
    page = w.open((built_site / "index.html").as_uri())
    page.fill("#q", "sunderl")
    results = page.locator("#results a")
    assert "Sunderland" in results.all_inner_texts()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "index-search-desktop.png"))
    page.locator("#results").get_by_role("link", name="Sunderland", exact=True).click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/place/sunderland.html")
    assert "Northumbria Community Rehabilitation Company" in page.inner_text("main")
    assert w.errors == []


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_served_pages_and_the_query_page(tab, served, width):
    w = tab(width)
    page = w.open(f"{served}/organisation/north-east-region.html")
    assert page.locator("svg.pg-lineage").is_visible()
    page = w.open(f"{served}/queries")
    page.select_option("#example", "owners")
    assert "pg:ownedOrganisation" in page.input_value("#text")
    page.click("#go")
    page.wait_for_selector("#table table tbody tr")
    assert "Sodexo Justice Services" in page.inner_text("#table")
    assert "HTTP 200" in page.inner_text("#status")
    assert w.errors == []
