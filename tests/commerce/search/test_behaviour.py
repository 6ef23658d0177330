"""What a shopper sees from search, the same on every backend: the database on PostgreSQL, Elasticsearch
(on osmem-server), and the database on SQLite (the embedded mode; test_embedded.py runs these there)."""

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from commerce.inventory.services import stock_return, stock_take
from commerce.search import selectors
from commerce.search.selectors import SearchPage
from tests.factories import VariantFactory

SYNC_DELAY = 3.0  # seconds a change may take to reach search


def search(**params: str) -> SearchPage:
    return selectors.search_page(selectors.search_params_parse(params))


def names(page: SearchPage) -> list[str]:
    return [p.name for p in page.products]


def facets(page: SearchPage) -> dict[str, Any]:
    return {
        "categories": {o.key: o.count for o in page.categories},
        "bands": {o.key: o.count for o in page.bands},
        "in_stock": page.in_stock_count,
        "total": page.total,
    }


def eventually(check: Callable[[], bool], timeout: float = SYNC_DELAY) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class TestSearch:
    def test_a_typo_still_finds_running_shoes(self, shop):
        page = search(q="runing shoe")

        assert sorted(names(page)) == ["Road Running Shoe", "Trail Running Shoes"]
        assert page.params.sort == "relevance"

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("tees", ["Dune Tee", "Harbour Tee"]),
            ("mugs", ["Campfire Mug"]),
            ("boot", ["Walking Boots"]),
            ("harbour tees", ["Harbour Tee"]),
        ],
    )
    def test_plurals_and_singulars_find_each_other(self, shop, q, expected):
        assert sorted(names(search(q=q))) == expected

    @pytest.mark.parametrize(
        "q",
        [
            "habour",  # a letter dropped
            "harbourr",  # added
            "hrabour",  # two swapped
            "harboux",  # changed
            "habour tees",  # and a plural beside it
        ],
    )
    def test_a_one_letter_typo_finds_the_word(self, shop, q):
        page = search(q=q)

        assert names(page) == ["Harbour Tee"]
        assert str(page.products[0].search_hit.name_html).startswith("<mark>Harbour</mark>")

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("cofee", ["Campfire Mug"]),  # in the description
            ("walkign boots", ["Walking Boots"]),
            ("campfier mug", ["Campfire Mug"]),
        ],
    )
    def test_typos_anywhere_in_the_text(self, shop, q, expected):
        assert names(search(q=q)) == expected

    def test_words_under_four_letters_need_no_typo(self, shop):
        assert names(search(q="tea")) == []
        assert names(search(q="mgu")) == []

    def test_words_match_across_name_category_and_description(self, shop):
        assert names(search(q="navy tee")) == ["Harbour Tee"]
        assert names(search(q="enamel coffee")) == ["Campfire Mug"]
        assert sorted(names(search(q="shoes"))) == ["Road Running Shoe", "Trail Running Shoes", "Walking Boots"]

    def test_a_sku_finds_its_product(self, shop):
        sku = shop["trail_variants"][1].sku

        assert names(search(q=sku)) == ["Trail Running Shoes"]

    def test_matches_are_highlighted_and_escaped(self, shop):
        VariantFactory(product__name="Tee <b>bold</b> & co", product__category=shop["harbour"].category)
        from commerce.search import services

        services.search_index_rebuild()

        page = search(q="bold")

        assert names(page) == ["Tee <b>bold</b> & co"]
        html = str(page.products[0].search_hit.name_html)
        assert "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; co" in html

    def test_facet_counts_are_exact_and_each_ignores_its_own_filter(self, shop):
        everything = search()
        shoes = search(category="shoes")
        shoes_in_stock = search(category="shoes", in_stock="1")
        cheap = search(price="under-25")

        assert facets(everything) == {
            "categories": {"mugs": 1, "shoes": 3, "t-shirts": 2},
            "bands": {"under-25": 2, "25-50": 1, "50-100": 2, "100-plus": 1},
            "in_stock": 5,
            "total": 6,
        }
        assert facets(shoes) == {
            "categories": {"mugs": 1, "shoes": 3, "t-shirts": 2},
            "bands": {"50-100": 2, "100-plus": 1},
            "in_stock": 2,
            "total": 3,
        }
        assert facets(shoes_in_stock) == {
            "categories": {"mugs": 1, "shoes": 2, "t-shirts": 2},
            "bands": {"50-100": 2},
            "in_stock": 2,
            "total": 2,
        }
        assert sorted(names(shoes_in_stock)) == ["Trail Running Shoes", "Walking Boots"]
        assert sorted(names(cheap)) == ["Campfire Mug", "Harbour Tee"]
        assert facets(cheap)["categories"] == {"mugs": 1, "t-shirts": 1}

    def test_facets_count_the_query_matches(self, shop):
        page = search(q="tee")

        assert facets(page) == {
            "categories": {"t-shirts": 2},
            "bands": {"under-25": 1, "25-50": 1},
            "in_stock": 2,
            "total": 2,
        }

    def test_an_empty_query_shows_the_newest_products_in_pages(self, shop):
        first = search()
        second = search(page="2")

        assert names(first) == ["Campfire Mug", "Dune Tee", "Harbour Tee", "Walking Boots"]
        assert names(second) == ["Road Running Shoe", "Trail Running Shoes"]
        assert (first.number, first.num_pages, second.number) == (1, 2, 2)
        assert first.params.sort == "newest"

    def test_sorting_by_price(self, shop):
        assert names(search(sort="price")) == ["Campfire Mug", "Harbour Tee", "Dune Tee", "Walking Boots"]
        assert names(search(q="shoes", sort="-price")) == ["Road Running Shoe", "Trail Running Shoes", "Walking Boots"]

    def test_a_page_past_the_end_serves_the_last_page(self, shop):
        page = search(page="99")

        assert page.number == 2
        assert names(page) == ["Road Running Shoe", "Trail Running Shoes"]

    def test_deleted_and_unpublished_products_never_show(self, shop):
        assert "Ghost Runner Shoe" not in names(search(q="ghost runner"))
        assert names(search(q="secret sneaker")) == []
        assert [s.name for s in selectors.search_suggestions("ghost")[1]] == []

    def test_availability_flips_after_a_sale_and_back_after_a_return(self, shop, capture_broadcasts):
        trail = shop["trail_variants"][0]
        assert "Trail Running Shoes" in names(search(q="trail", in_stock="1"))

        with capture_broadcasts(), transaction.atomic():
            stock_take(quantities=[(trail.pk, 3)])  # the last three: the shoe is sold out

        assert eventually(lambda: names(search(q="trail", in_stock="1")) == [])
        assert names(search(q="trail")) == ["Trail Running Shoes"]
        assert search().in_stock_count == 4

        with capture_broadcasts(), transaction.atomic():
            stock_return(quantities=[(trail.pk, 1)])

        assert eventually(lambda: names(search(q="trail", in_stock="1")) == ["Trail Running Shoes"])
        assert search().in_stock_count == 5

    def test_suggestions_complete_what_is_typed(self, shop):
        text, running = selectors.search_suggestions("runn")
        _, mug = selectors.search_suggestions("campf")
        _, none = selectors.search_suggestions("r")

        assert text == "runn"
        assert sorted(s.name for s in running) == ["Road Running Shoe", "Trail Running Shoes"]
        assert str(running[0].name_html).count("<mark>Running</mark>") == 1
        assert [(s.name, s.url) for s in mug] == [("Campfire Mug", "/products/campfire-mug/")]
        assert none == []

    def test_suggestions_complete_words_in_any_order_and_forgive_a_typo(self, shop):
        assert [s.name for s in selectors.search_suggestions("harb")[1]] == ["Harbour Tee"]
        assert [s.name for s in selectors.search_suggestions("walking bo")[1]] == ["Walking Boots"]
        assert [s.name for s in selectors.search_suggestions("boots walk")[1]] == ["Walking Boots"]
        assert [s.name for s in selectors.search_suggestions("habour")[1]] == ["Harbour Tee"]
        assert [s.name for s in selectors.search_suggestions("hrabour")[1]] == ["Harbour Tee"]

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ('"running shoe"', ["Road Running Shoe", "Trail Running Shoes"]),
            ("trail*", ["Trail Running Shoes"]),
            ("(mug)", ["Campfire Mug"]),
            ("mug: enamel", ["Campfire Mug"]),
            ('tee" OR (', ["Dune Tee", "Harbour Tee"]),
        ],
    )
    def test_query_syntax_characters_are_just_text(self, shop, q, expected):
        assert sorted(names(search(q=q))) == expected

    def test_a_query_of_symbols_only_shows_the_newest(self, shop):
        page = search(q='"*(:')

        assert names(page) == ["Campfire Mug", "Dune Tee", "Harbour Tee", "Walking Boots"]
        assert page.notices == ["There were no words to search for, so here are our newest products."]

    def test_a_very_long_query_is_cut_and_still_searches(self, shop):
        page = search(q="mug " + "enamel " * 100)

        assert len(page.params.q) <= 100
        assert page.params.truncated is True
        assert names(page) == ["Campfire Mug"]
        assert page.notices == ["Your search was long, so we used its first 100 characters."]

    def test_unknown_filter_values_are_left_out(self, shop):
        page = search(q="tee", category="no-such-thing", price="free", sort="cheapest", page="x")

        assert sorted(names(page)) == ["Dune Tee", "Harbour Tee"]
        assert (page.params.category, page.params.band, page.params.sort, page.params.page) == (
            None,
            None,
            "relevance",
            1,
        )
        assert page.notices == ["A filter in the link is no longer available, so we left it out."]
