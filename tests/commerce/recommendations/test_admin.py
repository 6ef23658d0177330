"""Staff may look at the co-purchase table in the admin; nobody writes it by hand."""

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.recommendations.models import CoPurchase
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_read_the_table_and_cannot_change_it(client):
    tee, mug = ProductFactory(name="Harbour Tee"), ProductFactory(name="Deep Sea Mug")
    row = CoPurchase.objects.create(product=tee, other=mug, orders=3, computed_at=timezone.now())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:recommendations_copurchase_changelist"))

    assert page.status_code == 200
    assert "Harbour Tee" in page.content.decode()
    assert "Deep Sea Mug" in page.content.decode()
    assert client.get(reverse("admin:recommendations_copurchase_add")).status_code == 403
    assert (
        client.post(reverse("admin:recommendations_copurchase_delete", args=[row.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert CoPurchase.objects.filter(pk=row.pk, orders=3).exists()
