"""What the reviews tests share (a plain module: test modules import it, never each other)."""

from django.contrib.auth.models import Group
from django.test import Client

from commerce.accounts.models import User
from commerce.catalog.models import Product, Variant
from commerce.orders.models import Order
from commerce.reviews import services
from commerce.reviews.models import Review
from tests.factories import OrderFactory, UserFactory, VariantFactory

PASSWORD = "correct-horse-battery"


def buyer_of(variant: Variant, *, status: str = Order.Status.DELIVERED, **user: object) -> User:
    """A new person with an order of `variant` that reached `status` (through the real services)."""
    person = UserFactory(**user)
    OrderFactory(user=person, variant=variant, quantity=1, status=status)
    return person


def reviewed(variant: Variant, rating: int, body: str = "Good.", **user: object) -> Review:
    """A published review by a new verified buyer, through the service."""
    person = buyer_of(variant, **user)
    return services.review_post(user=person, product_pk=variant.product_id, rating=rating, title="", body=body)


def staff(role: str) -> User:
    person = UserFactory(is_staff=True)
    person.groups.add(Group.objects.get_or_create(name=role)[0])
    return person


def client_of(user: User, *, htmx: bool = False) -> Client:
    client = Client(headers={"HX-Request": "true"} if htmx else {})
    client.force_login(user)
    return client


def product_of(variant: Variant) -> Product:
    return Product.objects.get(pk=variant.product_id)


def shirt() -> Variant:
    return VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", stock=50)
