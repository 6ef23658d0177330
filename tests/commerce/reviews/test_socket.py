"""A product page's socket: the reviews figures on (re)connect, then a new review as it is published."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import signing

from commerce.reviews import services
from project.asgi import application
from realtime import topics
from tests.commerce.reviews.helpers import buyer_of, reviewed, shirt

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def page_socket(topic: str) -> WebsocketCommunicator:
    """A socket as a product page opens it: a public topic, so a token bound to no one."""
    token = signing.dumps({"t": [topic], "b": topics.PUBLIC_BINDING}, salt=topics.SALT, compress=True)
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    return WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)


@sync_to_async
def given_a_reviewed_product():  # type: ignore[no-untyped-def]
    variant = shirt()
    reviewed(variant, 5)
    reviewed(variant, 3)
    return variant, buyer_of(variant, first_name="Ada")


async def test_the_snapshot_then_a_new_review_as_it_is_published():
    variant, ada = await given_a_reviewed_product()
    comm = page_socket(f"reviews.{variant.product_id}")
    try:
        connected, _ = await comm.connect(timeout=5)
        assert connected
        snapshot = await comm.receive_from(timeout=5)
        assert "4.0 out of 5, 2 reviews" in snapshot
        assert f'id="rating-{variant.product_id}" class="rating" hx-swap-oob="true"' in snapshot

        review = await sync_to_async(services.review_post)(
            user=ada, product_pk=variant.product_id, rating=1, title="", body="Shrank in the wash."
        )

        received = [await comm.receive_from(timeout=5) for _ in range(2)]
        entry = next(html for html in received if "afterbegin:#review-list" in html)
        figures = next(html for html in received if 'id="reviews-summary"' in html)
        assert f'id="review-{review.pk}"' in entry
        assert "Shrank in the wash." in entry
        assert "3.0 out of 5, 3 reviews" in figures
    finally:
        await comm.disconnect()
