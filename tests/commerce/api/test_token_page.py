"""The API tokens page: make a token (shown once), list them with their last use, revoke one; with
and without htmx; only the scopes the person may give; another's token is out of reach."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from commerce.api.models import ApiToken
from commerce.api.tokens import token_authenticate, token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/accounts/api-tokens/"


def signed_in(user, *, htmx: bool = False) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HX_REQUEST="true") if htmx else Client()
    client.force_login(user)
    return client


def shown_token(html: str) -> str:
    found = re.search(r'id="new-token" class="new-token__value" value="(sf_[^"]+)"', html)
    assert found, "no new token on the page"
    return found.group(1)


def test_the_page_needs_a_sign_in_and_is_linked_from_the_account(shopper):
    assert reverse("accounts:api_tokens") == URL
    answer = Client().get(URL)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login"))
    assert f'href="{URL}"' in signed_in(shopper).get(reverse("accounts:account")).content.decode()


def test_a_shopper_is_offered_the_shop_scopes_only(shopper, ops_user):
    html = signed_in(shopper).get(URL).content.decode()
    assert 'value="shop:read"' in html
    assert 'value="shop:write"' in html
    assert 'value="orders:read"' not in html
    assert "No tokens yet." in html
    staff_html = signed_in(ops_user).get(URL).content.decode()
    for scope in ("orders:read", "orders:write", "stock:read", "stock:write"):
        assert f'value="{scope}"' in staff_html
    assert 'value="support:read"' not in staff_html


def test_a_token_is_made_shown_once_and_works(shopper, api):
    client = signed_in(shopper)

    answer = client.post(URL, {"name": "Phone app", "scopes": ["shop:read"]})

    assert answer.status_code == 200
    html = answer.content.decode()
    raw = shown_token(html)
    assert "Copy it now: it is shown only this once" in html
    assert "no-store" in answer["Cache-Control"]
    token = ApiToken.objects.get(user=shopper)
    assert (token.name, token.scopes) == ("Phone app", ["shop:read"])
    assert f"<code>sf_{token.prefix}_…</code>" in html
    assert raw not in client.get(URL).content.decode()  # never again
    assert api.get("/api/v1/account", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["email"] == shopper.email
    html = client.get(URL).content.decode()
    assert "from 127.0.0.1" in html  # its last use, and where from


def test_errors_are_shown_in_the_form_at_422(shopper):
    client = signed_in(shopper, htmx=True)

    no_name = client.post(URL, {"name": "  ", "scopes": ["shop:read"]})
    forbidden = client.post(URL, {"name": "Sneaky", "scopes": ["shop:read", "orders:write"]})
    no_scope = client.post(URL, {"name": "Empty"})

    assert no_name.status_code == 422
    assert "Give the token a name, so you can tell it apart later." in no_name.content.decode()
    assert no_name.content.decode().lstrip().startswith('<div id="api-tokens"')  # htmx: the part only
    assert forbidden.status_code == 422
    assert "Not a scope you can give a token: orders:write." in forbidden.content.decode()
    assert 'value="Sneaky"' in forbidden.content.decode()
    assert no_scope.status_code == 422
    assert "Choose at least one scope." in no_scope.content.decode()
    nul = client.post(URL, {"name": "a\x00b", "scopes": ["shop:read"]})
    assert (nul.status_code, "A name cannot hold a NUL character." in nul.content.decode()) == (422, True)
    assert not ApiToken.objects.exists()


def test_revoke_ends_the_token_and_only_ones_own(shopper):
    mine = token_create(user=shopper, name="Old script", scopes=["shop:read"])
    theirs = token_create(user=UserFactory(), name="Theirs", scopes=["shop:read"])
    client = signed_in(shopper)

    answer = client.post(reverse("accounts:api_token_revoke", args=[mine.token.pk]), follow=True)

    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Token “Old script” revoked: calls with it are refused from now on." in html
    assert "Revoked " in html
    assert token_authenticate(mine.raw) is None
    client.post(reverse("accounts:api_token_revoke", args=[theirs.token.pk]))
    assert token_authenticate(theirs.raw) is not None
    assert client.get(reverse("accounts:api_token_revoke", args=[mine.token.pk])).status_code == 405
    htmx = signed_in(shopper, htmx=True).post(reverse("accounts:api_token_revoke", args=[mine.token.pk]))
    assert "That token was already revoked." in htmx.content.decode()


def test_revoke_needs_the_csrf_token(shopper):
    token = token_create(user=shopper, name="Kept", scopes=["shop:read"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)
    assert client.post(reverse("accounts:api_token_revoke", args=[token.token.pk])).status_code == 403
    assert token_authenticate(token.raw) is not None
