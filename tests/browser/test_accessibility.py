"""Accessibility in a real browser: axe-core finds nothing serious, and the keyboard alone suffices."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import axe_serious_violations

pytestmark = pytest.mark.browser

PAGES = {
    "results with facets and chips": "/?q=Anonymous&country=US",
    "a facet with all its values": "/?facet=country",
    "no results": "/?q=zzzzqqqq",
    "no results for a combination of filters": "/?country=IS&operation=operation-cartel",
    "article": "/articles/anonymous-floods-australian-government-websites-in-protest-at-internet-filter-plan/",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_serious_accessibility_violations(page_for_axe, axe_script, path):
    response = page_for_axe.goto(path)
    assert response.status == 200
    violations = axe_serious_violations(page_for_axe, axe_script)
    assert not violations, f"axe-core on {path}:\n" + "\n".join(violations)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            return {
                id: element.id,
                tag: element.tagName.toLowerCase(),
                href: element.getAttribute("href"),
                inFacets: Boolean(element.closest("nav.facets")),
                focusVisible: element.matches(":focus-visible"),
            };
        }"""
    )


def focus_is_drawn(page) -> bool:
    """Whether the focused element looks different unfocused: an outline, a ring, a stroke, anything."""
    box = page.evaluate(
        """() => {
            const r = document.activeElement.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        }"""
    )
    margin = 8
    clip = {"x": max(box["x"] - margin, 0), "y": max(box["y"] - margin, 0),
            "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}  # fmt: skip
    with_focus = page.screenshot(clip=clip, animations="disabled")
    page.evaluate("window.focusedForCheck = document.activeElement; document.activeElement.blur()")
    without_focus = page.screenshot(clip=clip, animations="disabled")
    page.evaluate("window.focusedForCheck.focus()")
    return with_focus != without_focus


def test_keyboard_reaches_search_box_and_facets_and_follows_a_facet_link(page):
    page.goto("/?q=Zetas")
    visited = []
    for _ in range(120):
        page.keyboard.press("Tab")
        element = focused(page)
        visited.append(element)
        assert element["focusVisible"] and focus_is_drawn(page), f"focus is not visible on {element}"
        if element["inFacets"] and element["tag"] == "a":
            break
    else:
        pytest.fail(f"Tab never reached a facet link: {visited}")
    assert visited[0]["href"] == "#main", "the first Tab stop is the skip link"
    assert any(element["id"] == "q" for element in visited), "Tab never reached the search box"

    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(visited[-1]["href"]) + "$"))
    expect(page.locator(".chips")).to_be_visible()


def test_skip_link_moves_focus_past_the_header(page):
    page.goto("/?q=Zetas")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), focused(page)


def test_skip_link_jumps_from_the_results_to_the_filters(page):
    page.goto("/?q=Zetas")
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["href"] == "#filters":
            break
    else:
        pytest.fail("no “Skip to filters” link near the top of the results")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["inFacets"], focused(page)


def test_a_facets_whole_list_opens_at_the_facet_keeps_the_results_and_closes_again(page):
    page.goto("/")
    country = page.locator('section[aria-labelledby="facet-country"]')
    all_values = country.locator("a.facet-all")
    expect(all_values).to_have_text(re.compile(r"All \d+ values"))
    total = int(re.search(r"\d+", all_values.inner_text()).group())
    assert country.locator("li").count() < total
    all_values.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"facet=country#facet-country$"))
    expect(country.locator("li")).to_have_count(total)
    expect(page.locator(".results .result").first).to_be_visible()
    page.keyboard.press("Tab")  # from the facet's heading, where the address's fragment landed
    assert focused(page)["inFacets"], focused(page)
    country.locator("a.facet-fewer").click()
    page.wait_for_url(re.compile(r"/#facet-country$"))
    assert country.locator("li").count() < total
