"""Keeping the indexes in line with the catalog: sync after commit, rebuild, the periodic repair."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from commerce.catalog.models import Product
from commerce.search import backends, es_client, selectors, services, tasks
from commerce.search.models import SearchDocument, SearchFts, SearchFtsPrefix
from tests.commerce.search.modes import embedded_run, postgresql_run
from tests.factories import UserFactory, VariantFactory


def names(**params: str) -> list[str]:
    return sorted(p.name for p in selectors.search_page(selectors.search_params_parse(params)).products)


def index() -> backends.SearchBackend:
    return backends.primary()


class TestIndexSync:
    def test_a_soft_deleted_product_disappears_from_results_and_facets(
        self, client, shop, django_capture_on_commit_callbacks
    ):
        staff = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(staff)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/catalog/product/", {"action": "soft_delete", "_selected_action": [shop["trail"].pk]}
            )

        assert response.status_code == 302
        assert names(q="running") == ["Road Running Shoe"]
        assert {o.key: o.count for o in selectors.search_page(selectors.search_params_parse({})).categories} == {
            "mugs": 1,
            "shoes": 2,
            "t-shirts": 2,
        }
        assert [s.name for s in selectors.search_suggestions("trail")[1]] == []

    def test_a_renamed_or_new_product_is_found_after_commit(self, shop, django_capture_on_commit_callbacks):
        mug = shop["mug"]
        with django_capture_on_commit_callbacks(execute=True):
            Product.objects.filter(pk=mug.pk).update(name="Campfire Kettle")
            new = VariantFactory(product__name="Lantern", product__category=mug.category, price="30.00").product
            services.search_products_sync_on_commit(product_pks=[mug.pk, new.pk])

        assert names(q="kettle") == ["Campfire Kettle"]
        assert names(q="mug") == ["Campfire Kettle", "Lantern"]  # in the Mugs category
        assert names(q="lantern") == ["Lantern"]

    def test_nothing_is_queued_before_commit(self, shop, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.search_products_sync_on_commit(product_pks=[shop["mug"].pk])
            services.search_stock_sync_on_commit(variant_pks=[])

        assert len(callbacks) == 1

    def test_only_a_stock_move_that_reaches_or_leaves_zero_queues_an_availability_update(
        self, db, monkeypatch, django_capture_on_commit_callbacks
    ):
        from commerce.inventory.services import stock_return, stock_take

        queued: list[list[int]] = []
        monkeypatch.setattr(tasks.sync_stock, "delay", queued.append)
        variant = VariantFactory(stock=3)

        for move in (
            lambda: stock_take(quantities=[(variant.pk, 1)]),  # 2 left: still in stock
            lambda: stock_take(quantities=[(variant.pk, 2)]),  # sold out
            lambda: stock_return(quantities=[(variant.pk, 1)]),  # back in stock
            lambda: stock_return(quantities=[(variant.pk, 1)]),  # more of it
        ):
            with django_capture_on_commit_callbacks(execute=True):
                move()

        assert queued == [[variant.pk], [variant.pk]]


class TestRebuildAndRepair:
    def test_rebuild_command_shows_progress_and_counts(self, shop, search_backend):
        out = io.StringIO()

        call_command("search_index", "--rebuild", stdout=out)

        text = out.getvalue()
        assert re.search(r"database \[#{30}\] 6/6", text)
        assert "database: 6 products indexed" in text
        if search_backend == "elasticsearch":
            assert "elasticsearch: 6 products indexed" in text
        assert names(q="tee") == ["Dune Tee", "Harbour Tee"]

    def test_check_repairs_missing_stale_and_orphaned_documents(self, shop, search_backend):
        mug, boots, trail = shop["mug"], shop["boots"], shop["trail"]
        # Drift, in every index: a document lost, one stale, one left behind by a lost task.
        for idx in services._indexes():
            idx.remove([mug.pk])
            idx.update_availability({boots.pk: False})
        Product.objects.filter(pk=trail.pk).update(deleted_at=timezone.now())
        assert names(q="walking", in_stock="1") == []

        report = services.search_index_check()

        expected = {name: 2 for name in report.repaired}
        assert report.repaired == expected
        assert report.removed == {name: 1 for name in report.repaired}
        assert report.failed == {}
        assert names(q="mug") == ["Campfire Mug"]
        assert names(q="walking", in_stock="1") == ["Walking Boots"]
        assert names(q="trail") == []
        assert services.search_index_check().repaired == {name: 0 for name in report.repaired}

    def test_periodic_task_and_check_command(self, shop):
        SearchDocument.objects.filter(pk=shop["dune"].pk).delete()
        out = io.StringIO()

        assert tasks.check_consistency.delay().get()["repaired"]["database"] == 1
        call_command("search_index", "--check", stdout=out)

        assert "database: 0 repaired, 0 removed" in out.getvalue()


@postgresql_run
def test_the_database_index_holds_a_weighted_vector(shop, db):
    document = SearchDocument.objects.get(pk=shop["trail"].pk)

    assert document.title == "Trail Running Shoes Shoes"
    assert document.in_stock is True
    assert "'run':2A" in document.search_vector
    assert "'grippi':" in document.search_vector  # the description, stemmed


@embedded_run
def test_the_embedded_index_follows_every_write_to_the_documents(shop, db):
    def found(expression: str) -> list[str]:
        rows = SearchFts.objects.filter(text__match=expression).values_list("document__name", flat=True)
        return sorted(rows)

    def starting(expression: str) -> list[str]:
        rows = SearchFtsPrefix.objects.filter(text__match=expression).values_list("document__name", flat=True)
        return sorted(rows)

    mug = shop["mug"].pk
    assert found("runs") == ["Road Running Shoe", "Trail Running Shoes"]  # stemmed: run
    assert found("grippy") == ["Trail Running Shoes"]  # the description
    assert starting("camp*") == ["Campfire Mug"]

    SearchDocument.objects.filter(pk=mug).update(name="Campfire Kettle", in_stock=False)
    assert found("kettle") == starting("kett*") == ["Campfire Kettle"]
    assert found("mug") == ["Campfire Kettle"]  # its category, Mugs, is still indexed
    assert found("campfire") == ["Campfire Kettle"]

    SearchDocument.objects.filter(pk=mug).delete()
    assert found("kettle") == starting("kett*") == found("mug") == []


@postgresql_run
@pytest.mark.usefixtures("elasticsearch_url")
def test_an_index_is_created_on_the_first_write(db):
    variant = VariantFactory(product__name="First Thing")

    services.search_products_sync(product_pks=[variant.product_id])

    assert es_client.client().indices.exists_alias(name="test-products")
    assert names(q="first") == ["First Thing"]
