import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from commerce.accounts.models import User
from commerce.catalog.models import Category, Product, ProductImage, Variant
from commerce.discounts.models import DiscountCode
from commerce.orders.models import Order
from commerce.recommendations.models import CoPurchase
from commerce.reviews.models import Review
from commerce.tax.models import TaxRate

pytestmark = pytest.mark.django_db


def test_seed_demo_is_complete_and_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    call_command("seed_demo")
    counts = (Category.objects.count(), Product.objects.count(), Variant.objects.count(), ProductImage.objects.count())
    engagement = (Order.objects.count(), Review.objects.count(), CoPurchase.objects.count())
    call_command("seed_demo")

    assert (Category.objects.count(), Product.objects.count(), Variant.objects.count()) == counts[:3]
    # Delivered orders, their reviews (ratings on cards) and "Customers also bought", once.
    assert (Order.objects.count(), Review.objects.count(), CoPurchase.objects.count()) == engagement
    assert Order.objects.filter(status=Order.Status.DELIVERED).count() == engagement[0] > 0
    assert engagement[1] > 0
    assert engagement[2] > 0
    assert Product.objects.filter(rating_count__gt=0).count() > 0
    assert sorted(TaxRate.objects.values_list("country", "region")) == [("US", ""), ("US", "NY")]
    assert ProductImage.objects.count() == counts[3]
    assert counts[0] >= 3
    assert Category.objects.filter(parent__isnull=False).exists()  # one level of nesting: breadcrumbs to show
    assert counts[1] >= 24
    assert Variant.objects.filter(stock=0).exists()
    assert Variant.objects.filter(stock__gte=1, stock__lte=4).exists()
    assert Variant.objects.filter(compare_at_price__gt=F("price")).exists()  # one product on sale
    assert set(DiscountCode.objects.values_list("code", flat=True)) >= {"WELCOME10", "SHIPFREE"}
    assert all(p.variants.exists() and p.images.exists() for p in Product.objects.all())
    image = ProductImage.objects.first()
    assert image is not None
    assert image.image.width == 600
    assert (tmp_path / image.image.name).stat().st_size > 5000
    assert not ProductImage.objects.filter(renditions={}).exists()  # every picture has its sizes
    assert [f["width"] for f in image.renditions["files"]] == [96, 160, 320, 480, 600]


@pytest.mark.parametrize(
    ("email", "password", "staff", "group"),
    [
        ("shopper@example.com", "shopper-pass-123", False, None),
        ("support@example.com", "support-pass-123", True, "support"),
        ("ops@example.com", "ops-pass-123", True, "ops"),
    ],
)
def test_demo_accounts_can_sign_in(settings, tmp_path, email, password, staff, group):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    client = Client()

    response = client.post("/accounts/login/", {"username": email, "password": password})

    assert response.status_code == 302
    user = User.objects.get(email=email)
    assert user.is_staff is staff
    if group:
        assert user.in_role(group)
        assert not user.in_role("ops" if group == "support" else "support")


def test_the_demo_ops_account_restocks_in_the_admin_and_support_only_looks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    variant = Variant.objects.filter(stock=0).select_related("product").first()
    assert variant is not None
    ops, support = Client(), Client()
    ops.force_login(User.objects.get(email="ops@example.com"))
    support.force_login(User.objects.get(email="support@example.com"))
    change = f"/admin/catalog/variant/{variant.pk}/change/"
    form = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "options": '{"size": "S"}',
        "price": str(variant.price),
        "weight": str(variant.weight),
        "stock": 3,
        "position": variant.position,
        "is_active": "on",
    }

    assert support.get(change).status_code == 200  # a read-only view
    assert support.post(change, form).status_code == 403
    response = ops.post(change, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    variant.refresh_from_db()
    assert variant.stock == 3


def test_a_demo_seeded_before_categories_nested_gets_them_nested(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    Category.objects.filter(parent__isnull=False).update(parent=None)
    Category.objects.filter(slug="clothing").delete()

    call_command("seed_demo")

    assert sorted(Category.objects.filter(parent__slug="clothing").values_list("slug", flat=True)) == [
        "hoodies",
        "t-shirts",
    ]
