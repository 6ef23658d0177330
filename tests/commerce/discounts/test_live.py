"""A change to a code reaches the open carts holding it: its last use taken or given back, staff edits."""

import pytest
from django.urls import reverse

from commerce.cart import live
from commerce.discounts.services import discount_give_back, discount_redeem
from tests.commerce.discounts.admin_forms import code_form
from tests.factories import CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory

pytestmark = pytest.mark.django_db

USED_UP = "The code LIMITED has been used as many times as it allows. It is not counted."


def holding(code: str, count: int = 1) -> list[int]:
    """Carts with a $10.00 line holding `code`; their pks."""
    return [CartLineFactory(cart=CartFactory(discount_code=code)).cart.pk for _ in range(count)]


def pushed(sent: list[tuple[str, str]]) -> dict[str, str]:
    return {topic: html for topic, html in sent if topic.startswith("cart.")}


class TestUses:
    def test_the_last_use_pushes_every_cart_holding_the_code(self, order_row, capture_broadcasts, clock):
        code = DiscountCodeFactory(code="LIMITED", usage_limit=2, times_used=1)
        carts = holding("LIMITED", 2)
        holding("OTHER")

        with capture_broadcasts() as sent:
            discount_redeem(code=code, order=order_row(), user=None, email="a@example.com")

        assert sorted(pushed(sent)) == sorted(f"cart.{pk}" for pk in carts)
        assert all(USED_UP in html and 'data-amount="discount"' not in html for html in pushed(sent).values())

    @pytest.mark.parametrize("limit", [None, 3])
    def test_a_use_that_leaves_some_pushes_no_cart(self, order_row, capture_broadcasts, limit):
        code = DiscountCodeFactory(code="LIMITED", usage_limit=limit)
        holding("LIMITED")

        with capture_broadcasts() as sent:
            discount_redeem(code=code, order=order_row(), user=None, email="a@example.com")

        assert pushed(sent) == {}

    def test_a_use_given_back_to_a_used_up_code_pushes_its_carts(self, order_row, capture_broadcasts, clock):
        code = DiscountCodeFactory(code="LIMITED", usage_limit=1)
        order = order_row()
        discount_redeem(code=code, order=order, user=None, email="a@example.com")
        (cart,) = holding("LIMITED")

        with capture_broadcasts() as sent:
            assert discount_give_back(order=order)

        html = pushed(sent)[f"cart.{cart}"]
        assert '<span data-amount="discount">−$1.00</span>' in html
        assert "It is not counted" not in html

    def test_a_use_given_back_to_a_code_not_used_up_pushes_nothing(self, order_row, capture_broadcasts):
        code = DiscountCodeFactory(code="LIMITED", usage_limit=5)
        order = order_row()
        discount_redeem(code=code, order=order, user=None, email="a@example.com")
        holding("LIMITED")

        with capture_broadcasts() as sent:
            discount_give_back(order=order)

        assert pushed(sent) == {}


class TestAdmin:
    @pytest.fixture
    def staff_client(self, client):  # type: ignore[no-untyped-def]
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    def test_deactivating_pushes_the_carts_holding_it(self, staff_client, capture_broadcasts, clock):
        code = DiscountCodeFactory(code="SPRING", value=15)
        (cart,) = holding("SPRING")
        change = reverse("admin:discounts_discountcode_change", args=[code.pk])

        with capture_broadcasts() as sent:
            response = staff_client.post(change, code_form(is_active=""))

        assert response.status_code == 302
        html = pushed(sent)[f"cart.{cart}"]
        assert "“SPRING” is not a discount code we know." in html

    def test_renaming_pushes_the_carts_of_the_old_text_and_the_new(self, staff_client, capture_broadcasts):
        code = DiscountCodeFactory(code="SPRING", value=15)
        old, new = holding("SPRING")[0], holding("SPRING-15")[0]
        change = reverse("admin:discounts_discountcode_change", args=[code.pk])

        with capture_broadcasts() as sent:
            staff_client.post(change, code_form(code="spring-15"))

        assert sorted(pushed(sent)) == sorted([f"cart.{old}", f"cart.{new}"])

    def test_deleting_pushes_the_carts_holding_it(self, staff_client, capture_broadcasts):
        code = DiscountCodeFactory(code="SPRING")
        (cart,) = holding("SPRING")
        delete = reverse("admin:discounts_discountcode_delete", args=[code.pk])

        with capture_broadcasts() as sent:
            staff_client.post(delete, {"post": "yes"})

        assert list(pushed(sent)) == [f"cart.{cart}"]


def test_only_followed_carts_are_rendered_read_in_chunks(monkeypatch, capture_broadcasts, followers):
    monkeypatch.setattr(live, "CODE_CARTS_CHUNK", 2)
    carts = holding("SPRING", 5)
    followers.add(f"cart.{carts[1]}")  # no page shows this one

    with capture_broadcasts() as sent:
        count = live.code_carts_publish("SPRING")

    assert count == 4
    assert [topic for topic, _ in sent] == [f"cart.{pk}" for pk in carts if pk != carts[1]]
