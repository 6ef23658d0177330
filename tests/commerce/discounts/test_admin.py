"""Staff make codes in the admin; a bad value is refused with a clear message and nothing is saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.discounts.models import DiscountCode
from commerce.discounts.services import discount_redeem
from tests.commerce.discounts.admin_forms import code_form
from tests.factories import DiscountCodeFactory, UserFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:discounts_discountcode_add")


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_code_is_saved_in_capitals(staff_client):
    response = staff_client.post(ADD, code_form(code="spring-15", usage_limit="100"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    code = DiscountCode.objects.get()
    assert (code.code, code.kind, code.value, code.usage_limit, code.times_used) == (
        "SPRING-15",
        "percent",
        Decimal("15.00"),
        100,
        0,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "0"}, "A percent off must be more than 0 and at most 100."),
        ({"value": "120"}, "A percent off must be more than 0 and at most 100."),
        ({"kind": "fixed", "value": "-5"}, "An amount off must be more than 0 and at most $10,000.00."),
        ({"kind": "fixed", "value": "25000"}, "An amount off must be more than 0 and at most $10,000.00."),
        ({"kind": "free_shipping", "value": "5"}, "Free shipping takes no value: leave it at 0."),
        ({"code": "a b"}, "Use 3 to 32 letters, digits, dashes or underscores, starting with a letter or digit."),
        ({"code": "welcome10"}, "That code exists."),
        ({"usage_limit": "0"}, "Ensure this value is greater than or equal to 1."),
        (
            {"starts_at_0": "2026-05-02", "starts_at_1": "00:00", "ends_at_0": "2026-05-01", "ends_at_1": "00:00"},
            "The end must be after the start.",
        ),
    ],
)
def test_a_bad_value_is_shown_and_nothing_saved(staff_client, fields, message):
    DiscountCodeFactory(code="WELCOME10")

    response = staff_client.post(ADD, code_form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(DiscountCode.objects.values_list("code", flat=True)) == ["WELCOME10"]


def test_a_limit_below_the_uses_made_is_refused(staff_client, order_row):
    code = DiscountCodeFactory(code="POPULAR", usage_limit=5)
    for _ in range(3):
        discount_redeem(code=code, order=order_row(), user=None, email="a@example.com")
    change = reverse("admin:discounts_discountcode_change", args=[code.pk])

    response = staff_client.post(
        change,
        code_form(
            code="POPULAR",
            value="10",
            usage_limit="2",
            **{"redemptions-TOTAL_FORMS": "3", "redemptions-INITIAL_FORMS": "3"},
        ),
    )

    assert response.status_code == 200
    assert "The usage limit cannot be below the uses already made (3)." in response.content.decode()
    code.refresh_from_db()
    assert (code.usage_limit, code.times_used) == (5, 3)


def test_the_change_page_lists_the_uses_read_only(staff_client, order_row):
    code = DiscountCodeFactory(code="SHOWME")
    order = order_row("ann@example.com")
    discount_redeem(code=code, order=order, user=None, email="ann@example.com")

    html = staff_client.get(reverse("admin:discounts_discountcode_change", args=[code.pk])).content.decode()

    assert order.number in html
    assert "ann@example.com" in html
    assert 'name="redemptions-0-email"' not in html  # shown, not editable


@pytest.mark.parametrize(("roles", "shown"), [((), False), (("support",), True)])
def test_a_codes_uses_name_customers_only_to_staff_in_a_role(client, order_row, roles, shown):
    from django.contrib.auth.models import Group, Permission

    code = DiscountCodeFactory(code="SHOWME")
    order = order_row("ann@example.com")
    discount_redeem(code=code, order=order, user=None, email="ann@example.com")
    marketer = UserFactory(is_staff=True)
    marketer.user_permissions.add(*Permission.objects.filter(content_type__app_label="discounts"))
    for role in roles:
        marketer.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(marketer)

    page = client.get(reverse("admin:discounts_discountcode_change", args=[code.pk]))

    assert page.status_code == 200  # the code itself is theirs to see
    html = page.content.decode()
    assert ("ann@example.com" in html) is shown
    assert (order.number in html) is shown
