"""The staff stock API: levels by SKU, and adjustments through inventory's stock_adjust (atomic, never
below zero, published like an admin's restock)."""

import pytest
from django.db import connection
from django.test import Client

from commerce.catalog.models import Variant
from tests.commerce.alerts.helpers import sold_out, told, waiting
from tests.factories import VariantFactory
from tests.races import race

URL = "/api/v1/staff/stock"


def adjust(api, sku, headers, delta, reason=""):  # type: ignore[no-untyped-def]
    return api.post(
        f"{URL}/{sku}/adjust", {"delta": delta, "reason": reason}, content_type="application/json", **headers
    )


@pytest.mark.django_db
def test_the_list_by_sku_with_the_low_filter_and_search(api, ops_user, bearer, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    VariantFactory(sku="B-2", name="L", product__name="Beanie", stock=2)
    VariantFactory(sku="A-1", name="S", product__name="Anorak", stock=40)
    VariantFactory(sku="C-3", name="M", product__name="Cap", stock=0)
    token = bearer(ops_user, "stock:read")

    answer = api.get(URL, **token)

    assert answer.status_code == 200
    assert [(r["sku"], r["stock"], r["low"]) for r in answer.json()["results"]] == [
        ("A-1", 40, False),
        ("B-2", 2, True),
        ("C-3", 0, True),
    ]
    assert answer.json()["results"][1] == {
        "sku": "B-2",
        "product": "Beanie",
        "product_slug": Variant.objects.get(sku="B-2").product.slug,
        "name": "L",
        "stock": 2,
        "low": True,
        "is_active": True,
        "waiting": 0,
    }
    assert [r["sku"] for r in api.get(f"{URL}?low=true", **token).json()["results"]] == ["B-2", "C-3"]
    assert [r["sku"] for r in api.get(f"{URL}?q=anor", **token).json()["results"]] == ["A-1"]
    page = api.get(f"{URL}?page_size=2", **token).json()
    assert [r["sku"] for r in api.get(page["next"], **token).json()["results"]] == ["C-3"]
    assert api.get(f"{URL}/B-2", **token).json()["stock"] == 2
    assert api.get(f"{URL}/NOPE", **token).status_code == 404


@pytest.mark.django_db
def test_stock_needs_the_ops_role_and_the_write_scope(api, ops_user, support_user, buyer, bearer):
    VariantFactory(sku="TEE", stock=4)
    assert api.get(URL, **bearer(buyer, "shop:read")).status_code == 403
    assert api.get(URL, **bearer(support_user, "support:read")).status_code == 403
    answer = adjust(api, "TEE", bearer(ops_user, "stock:read"), 5)
    assert answer.status_code == 403
    assert answer.json()["code"] == "scope_missing"
    assert Variant.objects.get(sku="TEE").stock == 4


@pytest.mark.django_db
def test_an_adjustment_publishes_the_figure_and_never_goes_below_zero(
    api, ops_user, bearer, capture_broadcasts, followers
):
    followers.discard("ops.dashboard")  # a dashboard is open: its low-stock panel follows stock
    variant = VariantFactory(sku="TEE", stock=3)
    token = bearer(ops_user, "stock:write")

    with capture_broadcasts() as sent:
        answer = adjust(api, "TEE", token, -3, "Water damage")

    assert answer.status_code == 200
    assert (answer.json()["stock"], answer.json()["low"]) == (0, True)
    topics = [topic for topic, _html in sent]
    assert f"stock.{variant.pk}" in topics
    assert "ops.dashboard" in topics

    with capture_broadcasts() as sent:
        refused = adjust(api, "TEE", token, -1)
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "stock_negative",
        "message": f"Only 0 of {variant} in stock: it cannot go down by 1. Nothing changed.",
        "fields": {},
    }
    assert sent == []
    assert Variant.objects.get(pk=variant.pk).stock == 0

    zero = adjust(api, "TEE", token, 0)
    assert (zero.status_code, zero.json()["fields"]) == (
        422,
        {"delta": ["Give a change of at least one unit, up or down."]},
    )
    assert adjust(api, "TEE", token, "many").status_code == 422
    assert adjust(api, "NOPE", token, 1).status_code == 404
    assert adjust(api, "TEE", token, 12).json()["stock"] == 12


@pytest.mark.django_db
def test_a_restock_through_the_api_tells_the_people_waiting(api, ops_user, bearer, django_capture_on_commit_callbacks):
    variant = sold_out()  # HT-M, 0 left
    waiting(variant, "ann@example.com", "bob@example.com")
    token = bearer(ops_user, "stock:read", "stock:write")
    assert api.get(f"{URL}/HT-M", **token).json()["waiting"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        answer = adjust(api, "HT-M", token, 1, "Found one in the back")

    assert answer.json()["stock"] == 1
    assert told() == ["ann@example.com"]  # one unit: the first in line, as after a restock in the admin


@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_adjustments_at_once_all_count(ops_user, bearer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    VariantFactory(sku="RACE", stock=5)
    headers = bearer(ops_user, "stock:write")

    def call(i: int) -> int:
        return int(adjust(Client(HTTP_HOST="127.0.0.1"), "RACE", headers, [4, 7, -2, -2][i]).status_code)

    statuses = race(4, call)

    # 5 + 4 + 7 - 2 - 2 in any order: every move counts, none is lost to another.
    assert sorted(statuses) == [200, 200, 200, 200]  # type: ignore[type-var]
    assert Variant.objects.get(sku="RACE").stock == 12

    takes = race(2, lambda i: int(adjust(Client(HTTP_HOST="127.0.0.1"), "RACE", headers, -7).status_code))

    assert sorted(takes) == [200, 422]  # type: ignore[type-var]
    assert Variant.objects.get(sku="RACE").stock == 5
