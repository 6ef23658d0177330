"""The caller's account through the API: read it with the address book, change the name."""

from django.utils import timezone

from commerce.accounts.models import Address, User
from tests.factories import ADDRESS

URL = "/api/v1/account"


def test_the_account_with_its_addresses(api, shopper, bearer):
    shopper.email_verified_at = timezone.now()
    shopper.save()
    home = Address.objects.create(user=shopper, default_shipping=True, **ADDRESS)
    response = api.get(URL, **bearer(shopper, "shop:read"))
    assert response.status_code == 200
    assert response.json() == {
        "email": "shopper@example.com",
        "email_verified": True,
        "first_name": "Pat",
        "last_name": "",
        "scopes": ["shop:read"],
        "addresses": [{"id": home.pk, "default_shipping": True, "default_billing": False, **ADDRESS}],
    }


def test_the_name_is_changed_and_bad_values_refused(api, shopper, bearer):
    headers = {"content_type": "application/json", **bearer(shopper, "shop:read", "shop:write")}
    response = api.patch(URL, {"last_name": "  Shopper  "}, **headers)
    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["last_name"]) == ("Pat", "Shopper")
    too_long = api.patch(URL, {"first_name": "x" * 151}, **headers)
    assert too_long.status_code == 422
    assert too_long.json()["fields"] == {"first_name": ["Ensure this value has at most 150 characters (it has 151)."]}
    assert api.patch(URL, {"first_name": "a\x00"}, **headers).status_code == 422
    assert User.objects.values_list("first_name", "last_name").get(pk=shopper.pk) == ("Pat", "Shopper")


def test_a_read_only_token_or_a_guest_cannot_change_it(api, shopper, bearer):
    refused = api.patch(URL, {"first_name": "Sam"}, content_type="application/json", **bearer(shopper, "shop:read"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    assert api.patch(URL, {"first_name": "Sam"}, content_type="application/json").status_code == 401
    assert User.objects.get(pk=shopper.pk).first_name == "Pat"
