"""The one NinjaAPI: version 1 under /api/v1/, the schema at /api/openapi.json, the docs at /api/docs.

Why django-ninja (README, "JSON API"): its operations are typed functions whose pydantic schemas are
both the validation and the OpenAPI 3 document, with no second serializer layer; it runs the store's
own services from plain Django views, in the same threads and middleware as the pages.
"""

import functools
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema

from . import errors
from .auth import StoreAuth

VERSION = "1"
DESCRIPTION = """The store's JSON API.

**Authentication.** Send a personal access token (made on the account page, `/accounts/api-tokens/`)
as `Authorization: Bearer sf_...`, or call from the store's own pages with the session cookie and the
`X-CSRFToken` header. Without either, calls act as a guest (the catalog, a guest cart and checkout).

**Errors** share one shape: `{"code": "...", "message": "...", "fields": {"field": ["..."]}}`.

**Lists** are paged by cursor: follow `next` until it is null.

**Rate limits**: per token, and per address for calls without one; over the limit the answer is 429
with `Retry-After` (seconds).
"""

# (prefix under /v1, module) for each router; the areas' writes live in their own services.
ROUTERS = [
    ("catalog", "catalog"),
    ("cart", "cart"),
    ("checkout", "checkout"),
    ("orders", "orders"),
    ("account", "account"),
    ("staff/orders", "staff_orders"),
    ("staff/stock", "staff_stock"),
    ("staff/support", "staff_support"),
]


class StoreApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        """ninja's schema, with the token made optional: every operation also takes a call without one
        (the session's, or a guest's), which the operation then serves or answers 401/403."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("security") and {} not in operation["security"]:
                    operation["security"].append({})
        return schema


def build(routers: list[tuple[str, Router]], *, urls_namespace: str = "api") -> NinjaAPI:
    """A NinjaAPI with the store's framework (auth, rate limits, input checks, error shape) and these routers."""
    built = StoreApi(
        title=f"{settings.STORE_NAME} API",
        version=VERSION,
        description=DESCRIPTION,
        auth=StoreAuth(),
        urls_namespace=urls_namespace,
    )
    errors.install(built)
    for prefix, router in routers:
        built.add_router(f"/v{VERSION}/{prefix}", router)
    return built


@functools.cache
def api() -> NinjaAPI:
    return build([(prefix, import_module(f"commerce.api.{module}").router) for prefix, module in ROUTERS])


def index(request: HttpRequest) -> HttpResponse:
    """/api/: where the schema, the docs and each version live."""
    return JsonResponse(
        {
            "name": f"{settings.STORE_NAME} API",
            "versions": {VERSION: request.build_absolute_uri(f"/api/v{VERSION}/")},
            "schema": request.build_absolute_uri(reverse("api:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
        }
    )


def not_found(request: HttpRequest) -> HttpResponse:
    """/api/<anything the API does not have>: the one error shape, not the store's HTML 404 page."""
    body = {"code": "not_found", "message": f"There is no {request.path} in this API: see /api/docs.", "fields": {}}
    return JsonResponse(body, status=404)
