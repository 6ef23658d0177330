"""The /search/ page and the header box's suggestions over HTTP: always a sensible page, never a 500."""

import re

import pytest
from django.test import Client

from realtime.topics import request_binding, verify_topics


def product_names(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", name) for name in re.findall(r'class="product-card__name">(.*?)</span>', html)]


class TestSearchPage:
    def test_results_page_with_facets_and_highlights(self, client: Client, shop):
        response = client.get("/search/", {"q": "runing shoe"})

        html = response.content.decode()
        assert response.status_code == 200
        assert sorted(product_names(html)) == ["Road Running Shoe", "Trail Running Shoes"]
        assert "Results for “runing shoe”" in html
        assert "<mark>Running</mark>" in html
        assert 'value="runing shoe"' in html  # the header box keeps the query
        assert re.search(
            r'href="\?q=runing\+shoe&amp;category=shoes"[^>]*>\s*<span>Shoes</span> <span[^>]*>2</span>', html
        )

    @pytest.mark.parametrize(
        "params",
        [
            {"q": '"'},
            {"q": "*"},
            {"q": "("},
            {"q": ":"},
            {"q": 'shoe" AND (run* OR sku:1) NOT'},
            {"q": "x" * 5000},
            {"q": "mug\x00\x1b[31m"},
            {"q": "\\"},
            {"q": "%_"},
            {"category": "no-such-category"},
            {"category": "bad slug\x00'; drop table"},
            {"price": "0-1000000"},
            {"in_stock": "maybe"},
            {"sort": "random()"},
            {"page": "0"},
            {"page": "-3"},
            {"page": "abc"},
            {"page": "99999999999999999999999"},
            {"page": "1e9"},
        ],
    )
    def test_bad_input_gets_a_sensible_page(self, client: Client, shop, params):
        response = client.get("/search/", params)

        assert response.status_code == 200
        assert 'id="search-count"' in response.content.decode()

    def test_a_page_past_the_end_shows_the_last_page(self, client: Client, shop):
        response = client.get("/search/", {"page": "50"})

        html = response.content.decode()
        assert product_names(html) == ["Road Running Shoe", "Trail Running Shoes"]
        assert "Page 2 of 2" in html

    def test_no_match_has_a_clear_empty_state(self, client: Client, shop):
        response = client.get("/search/", {"q": "zeppelin", "category": "mugs"})

        html = response.content.decode()
        assert 'id="search-empty"' in html
        assert "No products match “zeppelin” with these filters." in html
        assert "Clear filters" in html
        assert product_names(html) == []

    def test_htmx_gets_the_results_partial_with_its_live_topics(self, htmx_client: Client, shop):
        response = htmx_client.get("/search/", {"q": "trail"})

        html = response.content.decode()
        assert html.lstrip().startswith('<div id="search"')
        assert "<header" not in html
        token = re.search(r'data-live-token="([^"]+)"', html)
        assert token is not None
        topics = verify_topics(token[1], binding=request_binding(response.wsgi_request))
        assert {f"stock.{v.pk}" for v in shop["trail_variants"]} <= set(topics)

    def test_results_show_live_stock_figures(self, client: Client, shop):
        sold_out, in_stock = shop["trail_variants"][1], shop["trail_variants"][0]

        html = client.get("/search/", {"q": "trail"}).content.decode()

        assert f'id="stock-{in_stock.pk}" class="stock stock--low" data-stock="3"' in html
        assert f'id="stock-{sold_out.pk}" class="stock stock--out" data-stock="0"' in html
        assert 'ws-connect="/ws/live/?t=' in html


class TestSuggestions:
    def test_suggestions_are_listbox_options_linking_to_products(self, client: Client, shop):
        response = client.get("/search/suggest/", {"q": "campf"})

        html = response.content.decode()
        assert response.status_code == 200
        assert re.findall(r'role="option"', html) == ['role="option"', 'role="option"']
        assert '<a href="/products/campfire-mug/" tabindex="-1"><mark>Campfire</mark> Mug</a>' in html
        assert 'href="/search/?q=campf"' in html

    def test_no_suggestion_says_so_and_one_letter_asks_for_more(self, client: Client, shop):
        none = client.get("/search/suggest/", {"q": "zeppelin"}).content.decode()
        short = client.get("/search/suggest/", {"q": "z"}).content.decode()

        assert "No products match “zeppelin”" in none
        assert 'aria-disabled="true"' in none
        assert "option" not in short

    @pytest.mark.parametrize("q", ['"', "*(", "a:b", "x" * 3000, "\x00"])
    def test_bad_input_never_fails(self, client: Client, shop, q):
        assert client.get("/search/suggest/", {"q": q}).status_code == 200


def test_every_page_has_the_search_box(client: Client, db):
    html = client.get("/").content.decode()

    assert 'id="site-search-q"' in html
    assert 'role="combobox"' in html
    assert 'aria-controls="site-search-suggestions"' in html
    assert 'id="site-search-suggestions" class="site-search__suggestions" role="listbox"' in html
    assert 'hx-indicator="#site-search-busy"' in html
