"""A probe API for tests of the API's framework (tests/commerce/api/test_core.py): the store's own
NinjaAPI setup (commerce.api.main.build) with a few operations that take every kind of input.
Tests mount it with `@pytest.mark.urls("tests.api_probe")`."""

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from commerce.api.errors import answers
from commerce.api.etag import etag
from commerce.api.main import build
from commerce.api.pagination import SignedCursor
from commerce.catalog.models import Category

router = Router()


class ItemIn(Schema):
    name: str
    quantity: int = 1


class ItemOut(Schema):
    name: str
    quantity: int


class NoteIn(Schema):
    note: str | None = None


class CategoryOut(Schema):
    slug: str


@router.post("/echo", response=answers({200: ItemOut}))
def echo(request: HttpRequest, item: ItemIn) -> ItemIn:
    return item


@router.patch("/note", response=answers({200: ItemOut}))
def note(request: HttpRequest, body: NoteIn) -> ItemOut:
    return ItemOut(name=body.note or "", quantity=0)


@router.get("/find/{name}", response=answers({200: ItemOut}))
def find(request: HttpRequest, name: str, q: str = "") -> ItemOut:
    return ItemOut(name=name + q, quantity=0)


@router.get("/cast", response=answers({200: ItemOut}))
def cast(request: HttpRequest, n: int) -> ItemOut:
    with connection.cursor() as cursor:  # the database's own range check, as a service's save meets it
        cursor.execute("SELECT %s::smallint", [n])
        value = cursor.fetchone()[0]
    return ItemOut(name="cast", quantity=value)


@router.get("/categories", response=answers({200: list[CategoryOut]}))
@paginate(SignedCursor, ordering=("-pk",))
def categories(request: HttpRequest) -> QuerySet[Category]:
    return Category.objects.all()


@router.get("/tagged", response=answers({200: ItemOut}))
@decorate_view(etag)
def tagged(request: HttpRequest) -> ItemOut:
    return ItemOut(name="tagged", quantity=Category.objects.count())


probe = build([("probe", router)], urls_namespace="api-probe")
urlpatterns = [path("api/", probe.urls)]
