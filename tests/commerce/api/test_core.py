"""The API's framework: tokens, who a call acts as, CSRF for sessions, rate limits, the error shape, the schema."""

import pytest
from django.test import Client
from django.utils import timezone

from commerce.api.models import ApiToken
from commerce.api.tokens import TokenError, digest, token_authenticate, token_create, token_revoke
from tests.factories import UserFactory


def test_a_token_is_shown_once_and_kept_only_as_its_digest(shopper):
    new = token_create(user=shopper, name="  My   phone ", scopes=["shop:write", "shop:read"])
    assert new.raw.startswith(f"sf_{new.token.prefix}_")
    row = ApiToken.objects.get()
    assert row.digest == digest(new.raw)
    assert new.raw not in {row.digest, row.prefix, row.name}
    assert row.name == "My phone"
    assert row.scopes == ["shop:read", "shop:write"]
    assert token_authenticate(new.raw, address="10.0.0.1") == row
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert row.last_used_from == "10.0.0.1"


@pytest.mark.parametrize(
    ("name", "scopes", "code"),
    [
        ("", ["shop:read"], "token_name"),
        ("x", [], "token_scopes"),
        ("x", ["orders:write"], "token_scopes"),
        ("x", ["root"], "token_scopes"),
    ],
)
def test_a_token_needs_a_name_and_scopes_its_person_may_give(shopper, name, scopes, code):
    with pytest.raises(TokenError) as caught:
        token_create(user=shopper, name=name, scopes=scopes)
    assert caught.value.code == code
    assert not ApiToken.objects.exists()


def test_a_revoked_token_or_one_of_an_inactive_person_no_longer_works(shopper):
    first = token_create(user=shopper, name="a", scopes=["shop:read"])
    second = token_create(user=shopper, name="b", scopes=["shop:read"])
    other = UserFactory()
    assert token_revoke(user=other, pk=first.token.pk) is False  # not theirs
    assert token_revoke(user=shopper, pk=first.token.pk) is True
    assert token_revoke(user=shopper, pk=first.token.pk) is False  # already
    assert token_authenticate(first.raw) is None
    assert token_authenticate(second.raw) is not None
    shopper.is_active = False
    shopper.save()
    assert token_authenticate(second.raw) is None
    assert token_authenticate("sf_nothing_here") is None
    assert token_authenticate("garbage") is None


def test_errors_share_one_shape(api, shopper, bearer):
    response = api.get("/api/v1/account", HTTP_AUTHORIZATION="Bearer sf_wrong_token")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": response.json()["message"], "fields": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/api/v1/account").json()["code"] == "unauthenticated"  # a guest


def test_a_token_acts_with_its_scopes_only(api, shopper, ops_user, bearer):
    response = api.get("/api/v1/account", **bearer(shopper, "shop:read"))
    assert response.status_code == 200
    assert response.json()["email"] == shopper.email
    assert response.json()["scopes"] == ["shop:read"]
    response = api.get("/api/v1/account", **bearer(shopper, "shop:write"))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    # A role withdrawn takes the staff scopes away from the person's tokens at once.
    headers = bearer(ops_user, "shop:read", "orders:read")
    assert api.get("/api/v1/account", **headers).json()["scopes"] == ["orders:read", "shop:read"]
    ops_user.groups.clear()
    assert api.get("/api/v1/account", **headers).json()["scopes"] == ["shop:read"]


def test_the_session_acts_as_its_person_and_writes_need_csrf(shopper):
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    browser.force_login(shopper)
    me = browser.get("/api/v1/account").json()
    assert me["email"] == shopper.email
    assert "shop:write" in me["scopes"]
    assert "orders:read" not in me["scopes"]


def test_calls_over_the_rate_limit_answer_429_with_retry_after(api, shopper, bearer, settings):
    settings.API_RATE_PER_TOKEN = "3/minute"
    settings.API_RATE_PER_ADDRESS = "2/minute"
    headers = bearer(shopper, "shop:read")
    assert [api.get("/api/v1/account", **headers).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/account", **headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another token of the same person has its own count; guests count per address.
    assert api.get("/api/v1/account", **bearer(shopper, "shop:read")).status_code == 200
    assert [api.get("/api/openapi.json").status_code for _ in range(2)] == [200, 200]  # the schema is not counted
    assert [api.get("/api/v1/account").status_code for _ in range(3)] == [401, 401, 429]


def test_the_schema_and_the_index_name_version_one(api):
    schema = api.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == "1"
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    index = api.get("/api/").json()
    assert index["schema"].endswith("/api/openapi.json")
    assert index["docs"].endswith("/api/docs")
    assert api.get("/api/docs").status_code == 200


def test_token_last_use_is_written_at_most_once_a_minute(shopper, clock):
    new = token_create(user=shopper, name="a", scopes=["shop:read"])
    token_authenticate(new.raw, address="10.0.0.1")
    first = ApiToken.objects.get().last_used_at
    token_authenticate(new.raw, address="10.0.0.1")
    assert ApiToken.objects.get().last_used_at == first
    assert first is not None
    assert first <= timezone.now()


def test_a_call_from_an_unknown_address_still_authenticates(shopper):
    new = token_create(user=shopper, name="a", scopes=["shop:read"])
    assert token_authenticate(new.raw, address="unknown") is not None
    assert ApiToken.objects.get().last_used_from is None
