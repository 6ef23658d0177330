import pytest
from django.urls import reverse

from commerce.accounts.models import Address
from commerce.orders.forms import CheckoutForm
from tests.factories import ADDRESS, UserFactory, VariantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

FORM = {**ADDRESS, "region": "ME"}


def test_add_edit_default_and_delete(client, shopper):
    client.force_login(shopper)

    response = client.post(reverse("accounts:address_add"), FORM)
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:addresses"))
    first = Address.objects.get(user=shopper)
    assert first.default_shipping  # the first is the default
    client.post(reverse("accounts:address_add"), {**FORM, "line1": "9 Pier Street", "make_default": "1"})
    second = Address.objects.get(line1="9 Pier Street")
    first.refresh_from_db()
    assert (first.default_shipping, second.default_shipping) == (False, True)

    client.post(reverse("accounts:address_edit", args=[first.pk]), {**FORM, "city": "Bangor"})
    client.post(reverse("accounts:address_default", args=[first.pk]))
    first.refresh_from_db()
    assert (first.city, first.default_shipping) == ("Bangor", True)
    html = client.get(reverse("accounts:addresses")).content.decode()
    assert html.index("Bangor") < html.index("9 Pier Street")  # the default first

    client.post(reverse("accounts:address_delete", args=[first.pk]))
    assert list(Address.objects.filter(user=shopper).values_list("line1", "default_shipping")) == [
        ("9 Pier Street", True)
    ]


def test_bad_input_is_refused_with_its_error(client, shopper):
    client.force_login(shopper)

    response = client.post(reverse("accounts:address_add"), {**FORM, "region": "", "city": ""})

    assert response.status_code == 422
    assert "Enter the state." in response.content.decode()
    assert not Address.objects.exists()


def test_another_users_address_is_a_404_and_stays_as_it_was(client, shopper):
    other = Address.objects.create(user=UserFactory(email="o@example.com"), default_shipping=True, **ADDRESS)
    client.force_login(shopper)

    assert client.get(reverse("accounts:address_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("accounts:address_edit", args=[other.pk]), {**FORM, "city": "X"}).status_code == 404
    assert client.post(reverse("accounts:address_default", args=[other.pk])).status_code == 404
    assert client.post(reverse("accounts:address_delete", args=[other.pk])).status_code == 404

    other.refresh_from_db()
    assert (other.city, other.default_shipping) == ("Portland", True)


def test_pages_need_sign_in(client, db):
    assert client.get(reverse("accounts:addresses")).status_code == 302


def test_checkout_preselects_the_default(shopper):
    Address.objects.create(user=shopper, **ADDRESS)
    default = Address.objects.create(user=shopper, default_shipping=True, **{**ADDRESS, "line1": "2 Quay"})
    Address.objects.create(user=shopper, **{**ADDRESS, "line1": "3 Dock"})

    form = CheckoutForm(addresses=Address.objects.filter(user=shopper))

    assert form.fields["saved_address"].initial == default
    assert f'<option value="{default.pk}" selected>' in str(form["saved_address"])


def test_a_default_billing_address_apart_is_what_checkout_bills_to(client, shopper):
    """One default billing address per person (the same as the shipping one, or another); checkout
    then starts with "Bill to the shipping address" unticked and the billing fields filled."""
    client.force_login(shopper)
    home = Address.objects.create(user=shopper, default_shipping=True, **ADDRESS)
    office = Address.objects.create(user=shopper, **{**ADDRESS, "line1": "9 Ledger Lane", "city": "Boston"})

    assert client.post(reverse("accounts:address_default", args=[office.pk]), {"kind": "billing"}).status_code == 302
    assert client.post(reverse("accounts:address_default", args=[home.pk]), {"kind": "nonsense"}).status_code == 400
    office.refresh_from_db()
    home.refresh_from_db()
    assert (home.default_shipping, home.default_billing, office.default_billing) == (True, False, True)
    assert "Default billing address" in client.get(reverse("accounts:addresses")).content.decode()

    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    page = client.get(reverse("orders:checkout")).content.decode()
    assert 'name="billing-line1" value="9 Ledger Lane"' in page
    assert "checked" not in page.split('name="billing_same"')[1].split(">")[0]

    client.post(reverse("accounts:address_default", args=[home.pk]), {"kind": "billing"})
    assert list(Address.objects.filter(user=shopper, default_billing=True)) == [home]
    page = client.get(reverse("orders:checkout")).content.decode()
    assert "checked" in page.split('name="billing_same"')[1].split(">")[0]  # billing and shipping the same
