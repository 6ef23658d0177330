from decimal import Decimal
from typing import Any

import factory
from django.utils.text import slugify

from commerce.accounts.models import User
from commerce.cart.models import Cart, CartLine
from commerce.catalog.models import Category, Product, Variant


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = "Pat"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or "correct-horse-battery")
        if create:
            self.save(update_fields=["password"])


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A fine thing."


class VariantFactory(factory.django.DjangoModelFactory[Variant]):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Option {n}")
    price = Decimal("10.00")
    stock = 10


class CartFactory(factory.django.DjangoModelFactory[Cart]):
    class Meta:
        model = Cart


class CartLineFactory(factory.django.DjangoModelFactory[CartLine]):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1


# A shipping address as checkout snapshots it.
ADDRESS = {
    "full_name": "Sam Shopper",
    "line1": "1 Harbour Road",
    "line2": "",
    "city": "Portland",
    "postal_code": "04101",
    "country": "US",
    "phone": "",
}
