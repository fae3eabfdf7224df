"""An editor retags an article in the admin, and the search page follows without a rebuild."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import EDITOR, api, screenshot

pytestmark = pytest.mark.browser

REMOVED, ADDED = "GB", "IS"  # the United Kingdom, a frequent tag; Iceland, in no sample article


def country_count(archive_server, code: str) -> int:
    facet = api(archive_server, "")["facets"]["country"]
    return next((value["count"] for value in facet if value["value"] == code), 0)


def log_in(page) -> None:
    page.goto("/admin/")
    page.get_by_label("Username").fill(EDITOR["username"])
    page.get_by_label("Password").fill(EDITOR["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_editor_changes_country_tags_and_search_follows(page, archive_server):
    article = api(archive_server, f"country={REMOVED}&sort=oldest")["results"][0]
    removed_before, added_before = country_count(archive_server, REMOVED), country_count(archive_server, ADDED)
    page.goto("/")
    removed_label = api(archive_server, f"country={REMOVED}")["facets"]["country"][0]["label"]
    expect(page.locator('section[aria-labelledby="facet-country"]')).to_contain_text(
        f"{removed_label} {removed_before}"
    )

    log_in(page)
    page.goto("/admin/articles/article/?q=" + article["slug"])
    page.get_by_role("link", name=article["title"], exact=True).click()
    expect(page.get_by_role("heading", name="Change article")).to_be_visible()

    countries = page.locator("#articlecountry_set-group")
    row = countries.locator("tr.form-row.has_original").filter(
        has=page.locator('select[name$="-country"] option[selected]', has_text=removed_label)
    )
    expect(row).to_have_count(1)
    row.locator('input[type="checkbox"][name$="-DELETE"]').check()

    empty = countries.locator("tr.form-row:not(.has_original):not(.empty-form)").first
    empty.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Iceland")
    page.locator(".select2-results__option", has_text=re.compile(r"^Iceland$")).click()
    expect(empty.locator(".select2-selection__rendered")).to_contain_text("Iceland")
    screenshot(page, "admin-change-article")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")

    assert country_count(archive_server, REMOVED) == removed_before - 1
    assert country_count(archive_server, ADDED) == added_before + 1
    page.goto("/")
    expect(page.locator('section[aria-labelledby="facet-country"]')).to_contain_text(
        f"{removed_label} {removed_before - 1}"
    )
    page.goto(f"/?country={ADDED}")
    expect(page.locator("ol.results .result-title")).to_have_text([article["title"]])
    page.goto(article["url"])
    expect(page.locator("article footer")).to_contain_text("Iceland")
    expect(page.locator("article footer")).not_to_contain_text(removed_label)
