"""The API's framework: tokens, who a call acts as, CSRF for sessions, rate limits, the error shape, the schema."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from commerce.api.models import ApiToken
from commerce.api.pagination import SignedCursor
from commerce.api.tokens import TokenError, digest, token_authenticate, token_create, token_revoke
from tests.factories import CategoryFactory, UserFactory


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
    # The token is optional on every operation (a session's or a guest's call is served, or told 401/403).
    assert {str(op.get("security")) for item in schema["paths"].values() for op in item.values()} == {
        "[{'StoreAuth': []}, {}]"
    }
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


# Input that fuzzing sends (tests/e2e/test_api_schema.py): each gets a 4xx in the one shape, never a 500.
# The probe API (tests/api_probe.py) is the store's own framework with operations taking every kind of input.
probe = pytest.mark.urls("tests.api_probe")


def shape(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return body  # type: ignore[no-any-return]


@probe
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"name": "Tee", "quantity": 2}', 200, None),
        (b'{"name": "Tee", "quantity"', 400, "bad_request"),  # not JSON
        (b"\xff\xfe not text", 400, "bad_request"),
        (b'["Tee", 2]', 422, "invalid"),  # JSON, but not the object the schema says
        (b'{"name": "Tee", "quantity": "many"}', 422, "invalid"),
        (b'{"name": "Te\\u0000e"}', 422, "invalid"),  # PostgreSQL cannot store NUL
        (b'{"name": "Te\\ud800e"}', 422, "invalid"),  # nor a lone surrogate
        (b'{"n\\u0000ame": "Tee"}', 422, "invalid"),
        (b'{"name": "T\\ud83d\\ude00"}', 200, None),  # a surrogate pair is a character (an emoji)
    ],
)
def test_bad_bodies_answer_4xx_in_the_one_shape(db, api, body, status, code):
    response = api.post("/api/v1/probe/echo", body, content_type="application/json")
    assert response.status_code == status
    if code is None:
        assert response.json()["name"].startswith("T")
    else:
        assert shape(response)["code"] == code


@probe
@pytest.mark.parametrize("body", [b"[null, null]", b'"note"', b"7", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_refused_even_where_every_field_is_optional(db, api, body):
    response = api.patch("/api/v1/probe/note", body, content_type="application/json")
    assert response.status_code == 422
    assert shape(response)["fields"] == {"body": ["Send a JSON object as the body."]}
    assert api.patch("/api/v1/probe/note", b"{}", content_type="application/json").status_code == 200
    assert api.patch("/api/v1/probe/note", {"note": "hi"}, content_type="application/json").json()["name"] == "hi"


@probe
def test_text_the_database_cannot_store_is_refused_with_its_field(db, api):
    response = api.post("/api/v1/probe/echo", b'{"name": "a\\u0000b"}', content_type="application/json")
    assert shape(response)["fields"] == {"name": ["Null characters are not allowed."]}
    response = api.post("/api/v1/probe/echo", b'{"name": "a\\udc00b"}', content_type="application/json")
    assert shape(response)["fields"] == {"name": ["Text may not contain unpaired surrogates."]}
    assert api.get("/api/v1/probe/find/te%00e").status_code == 404
    assert api.get("/api/v1/probe/find/tee", {"q": "ü ✓"}).json()["name"] == "teeü ✓"
    # Query values are looked up, never stored: a NUL in one is dropped, as the search pages drop it.
    assert api.get("/api/v1/probe/find/tee", {"q": "a\x00b"}).json()["name"] == "teeab"
    assert api.get("/api/v1/probe/find/tee?q%00=x&q=%00").json()["name"] == "tee"


@probe
def test_a_value_the_database_refuses_is_422_not_500(db, api):
    assert api.get("/api/v1/probe/cast", {"n": 7}).json()["quantity"] == 7
    response = api.get("/api/v1/probe/cast", {"n": 10**30})
    assert response.status_code == 422
    assert shape(response)["code"] == "out_of_range"
    response = api.get("/api/v1/probe/cast", {"n": "1e400"})
    assert response.status_code == 422
    assert shape(response)["fields"] == {"n": ["Input should be a valid integer, unable to parse string as an integer"]}


@probe
def test_a_body_over_the_upload_limit_is_400_in_the_one_shape(db, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api.post("/api/v1/probe/echo", {"name": "x" * 200}, content_type="application/json")
    assert response.status_code == 400
    assert shape(response)["code"] == "bad_request"


@probe
def test_cursors_are_signed_and_page_sizes_bounded(db, api):
    for number in range(5):
        CategoryFactory(name=f"Shelf {number}")
    first = api.get("/api/v1/probe/categories", {"page_size": 2}).json()
    assert [row["slug"] for row in first["results"]] == ["shelf-4", "shelf-3"]
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    assert [row["slug"] for row in second["results"]] == ["shelf-2", "shelf-1"]
    assert len(api.get("/api/v1/probe/categories", {"page_size": 10**12}).json()["results"]) == 5
    assert len(api.get("/api/v1/probe/categories", {"cursor": ""}).json()["results"]) == 5  # empty: the first page
    assert SignedCursor(ordering=("-pk",), max_page_size=3)._get_page_size(10**12) == 3
    for cursor in ["garbage", "e30", "x" * 5000, first["next"].split("cursor=")[1][:-3] + "abc"]:
        response = api.get("/api/v1/probe/categories", {"cursor": cursor})
        assert response.status_code == 422, cursor
        assert list(shape(response)["fields"]) == ["cursor"]
    from tests.api_probe import probe as probe_api

    documented = probe_api.get_openapi_schema()["paths"]["/api/v1/probe/categories"]["get"]["parameters"]
    page_size = next(parameter for parameter in documented if parameter["name"] == "page_size")
    assert page_size["schema"]["anyOf"][0] == {"minimum": 1, "type": "integer"}  # so clients (and fuzzers) know
    for size in [0, -1]:
        response = api.get("/api/v1/probe/categories", {"page_size": size})
        assert response.status_code == 422
        assert list(shape(response)["fields"]) == ["page_size"]


@probe
def test_page_sizes_follow_the_settings_at_each_call(db, api, settings):
    for number in range(4):
        CategoryFactory(name=f"Shelf {number}")
    settings.API_PAGE_SIZE = 2
    assert len(api.get("/api/v1/probe/categories").json()["results"]) == 2
    settings.API_MAX_PAGE_SIZE = 3
    assert len(api.get("/api/v1/probe/categories", {"page_size": 50}).json()["results"]) == 3


@probe
def test_etags_answer_304_and_odd_if_none_match_values_are_harmless(db, api):
    response = api.get("/api/v1/probe/tagged")
    tag = response["ETag"]
    assert response.status_code == 200
    assert "Authorization" in response["Vary"]
    assert api.get("/api/v1/probe/tagged", HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert api.get("/api/v1/probe/tagged", HTTP_IF_NONE_MATCH=f'W/{tag}, "other"').status_code == 304
    assert api.get("/api/v1/probe/tagged", HTTP_IF_NONE_MATCH="*").status_code == 304
    for odd in ['"other"', "garbage", "", '"' * 3, "W/", "x" * 10000]:
        assert api.get("/api/v1/probe/tagged", HTTP_IF_NONE_MATCH=odd).status_code == 200, odd
    CategoryFactory()
    assert api.get("/api/v1/probe/tagged", HTTP_IF_NONE_MATCH=tag).status_code == 200  # the answer changed


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer sf_", "Bearer sf_" + "x" * 500, "Bearer sf_é", "Token x y"],
)
def test_odd_authorization_headers_are_401_in_the_one_shape(db, api, header):
    response = api.get("/api/v1/account", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert shape(response)["code"] == "unauthenticated"


def test_the_docs_page_sends_the_csrf_token_for_try_it_out(db, shopper):
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    browser.force_login(shopper)
    page = browser.get("/api/docs").content.decode()
    assert 'data-api-csrf="true"' in page
    assert 'data-csrf-token=""' not in page


def test_a_call_from_an_unknown_address_still_authenticates(shopper):
    new = token_create(user=shopper, name="a", scopes=["shop:read"])
    assert token_authenticate(new.raw, address="unknown") is not None
    assert ApiToken.objects.get().last_used_from is None


def test_an_address_the_api_does_not_have_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v2/catalog/products")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["fields"] == {}


def test_a_list_walks_any_number_of_equal_values_once_each(db, rf):
    """Positions are (value, pk): 150 rows of one created_at (a bulk load) walk through, each once,
    where ninja's own cursor (the value and an offset among equals, at most 100) could not be made."""
    from commerce.api.pagination import SignedCursor
    from commerce.catalog.models import Product
    from tests.factories import CategoryFactory

    category = CategoryFactory()
    Product.objects.bulk_create(
        Product(category=category, name=f"P{n}", slug=f"p{n}", description="") for n in range(150)
    )
    Product.objects.update(created_at=timezone.now())
    paginator = SignedCursor(ordering=("-created_at", "-pk"))
    seen, cursor = [], None
    while True:
        request = rf.get("/api/v1/x", {"cursor": cursor} if cursor else {})
        page = paginator.paginate_queryset(
            Product.objects.all(), SignedCursor.Input(page_size=40, cursor=cursor), request
        )
        seen += [product.pk for product in page["results"]]
        if not page["next"]:
            break
        cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
    assert seen == sorted(Product.objects.values_list("pk", flat=True), reverse=True)


def test_a_list_orders_by_one_field_then_the_pk():
    from commerce.api.pagination import SignedCursor

    with pytest.raises(ValueError, match="field, pk"):
        SignedCursor(ordering=("-created_at",))
