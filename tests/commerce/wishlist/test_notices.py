"""A saved product's price drop or return to stock is told once, to the savers who asked for it."""

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from commerce.inventory.services import stock_return, stock_take
from commerce.notifications.models import Channel, Event, Notification
from commerce.notifications.services import preference_chosen, preferences_save
from commerce.wishlist.models import WishlistItem
from commerce.wishlist.notices import wishlist_products_check
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

WISHLIST_EVENTS = (Event.WISHLIST_PRICE_DROP, Event.WISHLIST_BACK_IN_STOCK)


def opt_in(user, *events: str) -> None:  # type: ignore[no-untyped-def]
    preferences_save(user=user, phone=user.phone, choices={(event, Channel.EMAIL): True for event in events})


def told(event: str) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(event=event).order_by("pk")
    return [(row.recipient, row.subject) for row in rows]


def save(client, user, product_pk: int) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user)
    assert client.post(reverse("wishlist:save", args=[product_pk])).status_code == 302


@pytest.fixture
def savers(client, variant):  # type: ignore[no-untyped-def]
    """Three people saved Harbour Tee ($12.50, 5 in stock): two asked for both notices, one for none."""
    people = [UserFactory(email=f"{name}@example.com") for name in ("ana", "ben", "cy")]
    opt_in(people[0], *WISHLIST_EVENTS)
    opt_in(people[1], *WISHLIST_EVENTS)
    for person in people:
        save(client, person, variant.product_id)
    return people


def move_stock(django_capture_on_commit_callbacks, *, take: int = 0, give: int = 0, variant) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        if take:
            stock_take(quantities=[(variant.pk, take)])
        if give:
            stock_return(quantities=[(variant.pk, give)])


class TestPreferences:
    def test_wishlist_notices_are_off_until_asked_for_and_the_rest_stay_on(self, client, shopper):
        for event in WISHLIST_EVENTS:
            assert preference_chosen(user=shopper, event=event, channel=Channel.EMAIL) is False
        assert preference_chosen(user=shopper, event=Event.ORDER_SHIPPED, channel=Channel.EMAIL) is True
        client.force_login(shopper)

        form = client.get(reverse("accounts:notifications")).context["form"]

        assert form[f"{Event.WISHLIST_PRICE_DROP}__email"].initial is False
        assert form[f"{Event.WISHLIST_BACK_IN_STOCK}__email"].initial is False
        assert form[f"{Event.BACK_IN_STOCK}__email"].initial is True
        assert form[f"{Event.ORDER_PAID}__email"].initial is True


class TestBackInStock:
    def test_a_return_to_stock_is_told_once_to_those_who_asked(
        self, savers, variant, django_capture_on_commit_callbacks
    ):
        move_stock(django_capture_on_commit_callbacks, take=5, variant=variant)
        assert told(Event.WISHLIST_BACK_IN_STOCK) == []  # sold out: nothing to tell yet

        move_stock(django_capture_on_commit_callbacks, give=2, variant=variant)
        move_stock(django_capture_on_commit_callbacks, give=1, variant=variant)  # more stock: not news
        wishlist_products_check(product_pks=[variant.product_id])  # a check run again

        assert told(Event.WISHLIST_BACK_IN_STOCK) == [
            ("ana@example.com", "Back in stock: Harbour Tee"),
            ("ben@example.com", "Back in stock: Harbour Tee"),
        ]
        row = Notification.objects.filter(event=Event.WISHLIST_BACK_IN_STOCK).first()
        assert row is not None
        assert f"See it: {settings.SITE_URL}{variant.product.get_absolute_url()}" in row.body_text

    def test_a_second_return_is_told_again(self, savers, variant, django_capture_on_commit_callbacks):
        for _ in range(2):
            move_stock(django_capture_on_commit_callbacks, take=5, variant=variant)
            move_stock(django_capture_on_commit_callbacks, give=5, variant=variant)

        assert len(told(Event.WISHLIST_BACK_IN_STOCK)) == 4

    def test_saved_while_sold_out_then_restocked_in_the_admin(
        self, client, variant, django_capture_on_commit_callbacks
    ):
        variant.stock = 0
        variant.save()
        person = UserFactory(email="dee@example.com")
        opt_in(person, Event.WISHLIST_BACK_IN_STOCK)
        save(client, person, variant.product_id)
        staff = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(staff)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:catalog_variant_changelist"),
                {
                    "form-TOTAL_FORMS": "1",
                    "form-INITIAL_FORMS": "1",
                    "form-0-id": str(variant.pk),
                    "form-0-stock": "4",
                    "form-0-is_active": "on",
                    "_save": "Save",
                },
            )

        assert response.status_code == 302
        variant.refresh_from_db()
        assert variant.stock == 4
        assert told(Event.WISHLIST_BACK_IN_STOCK) == [("dee@example.com", "Back in stock: Harbour Tee")]

    def test_a_hidden_product_tells_nobody(self, savers, variant, django_capture_on_commit_callbacks):
        move_stock(django_capture_on_commit_callbacks, take=5, variant=variant)
        variant.product.is_published = False
        variant.product.save()

        move_stock(django_capture_on_commit_callbacks, give=5, variant=variant)

        assert told(Event.WISHLIST_BACK_IN_STOCK) == []


class TestPriceDrop:
    def change_price(self, client, variant, price: str, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        data = {
            "product": variant.product_id,
            "sku": variant.sku,
            "name": variant.name,
            "options": "{}",
            "price": price,
            "compare_at_price": "",
            "weight": "0",
            "stock": str(variant.stock),
            "position": "0",
            "is_active": "on",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("admin:catalog_variant_change", args=[variant.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        variant.refresh_from_db()

    def test_a_drop_in_the_admin_is_told_once_to_those_who_asked(
        self, client, savers, variant, django_capture_on_commit_callbacks
    ):
        self.change_price(client, variant, "9.99", django_capture_on_commit_callbacks)
        wishlist_products_check(product_pks=[variant.product_id])  # a check run again

        assert told(Event.WISHLIST_PRICE_DROP) == [
            ("ana@example.com", "Price drop: Harbour Tee"),
            ("ben@example.com", "Price drop: Harbour Tee"),
        ]
        body = Notification.objects.filter(event=Event.WISHLIST_PRICE_DROP).first().body_text  # type: ignore[union-attr]
        assert "now from $9.99 (it was $12.50)" in body
        assert set(WishlistItem.objects.values_list("price_seen", flat=True)) == {variant.price}

    def test_a_rise_tells_nobody_and_a_later_drop_is_measured_from_it(
        self, client, savers, variant, django_capture_on_commit_callbacks
    ):
        self.change_price(client, variant, "20.00", django_capture_on_commit_callbacks)
        assert told(Event.WISHLIST_PRICE_DROP) == []

        self.change_price(client, variant, "15.00", django_capture_on_commit_callbacks)
        self.change_price(client, variant, "15.00", django_capture_on_commit_callbacks)  # unchanged: no news

        assert len(told(Event.WISHLIST_PRICE_DROP)) == 2
        assert "now from $15.00 (it was $20.00)" in Notification.objects.first().body_text  # type: ignore[union-attr]

    def test_the_lowest_option_counts(self, client, savers, variant, django_capture_on_commit_callbacks):
        dearer = VariantFactory(product=variant.product, price="30.00", stock=2)

        self.change_price(client, dearer, "20.00", django_capture_on_commit_callbacks)  # still above $12.50

        assert told(Event.WISHLIST_PRICE_DROP) == []


def form_data(form, prefix_fields=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a browser would post for a bound-or-initial Django form, as shown."""
    data: dict[str, object] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        widget = bound.field.widget
        if hasattr(widget, "decompress") and not isinstance(value, list):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else part
            continue
        data[bound.html_name] = value
    return data


def test_a_drop_on_the_products_page_in_the_admin_is_told(client, savers, variant, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_product_change", args=[variant.product_id])
    page = client.get(url)
    data = form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_data(formset.management_form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = len(formset.initial_forms)  # no empty extra rows
        for form in formset.initial_forms:
            data |= form_data(form)
    data["variants-0-price"] = "11.00"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302, (
        [response.context["adminform"].form.errors]
        + [i.formset.errors for i in response.context["inline_admin_formsets"]],
        data,
    )
    assert told(Event.WISHLIST_PRICE_DROP) == [
        ("ana@example.com", "Price drop: Harbour Tee"),
        ("ben@example.com", "Price drop: Harbour Tee"),
    ]
