"""Reviews in real browsers: a verified buyer's review, and staff moderation, reach other open product pages live."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from commerce.reviews import services
from commerce.reviews.models import Review
from tests.e2e.support import LIVE, elsewhere, sign_in, wait_for_socket
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e
PAGE = "/products/harbour-tee/"


def test_a_verified_buyers_review_appears_live_and_a_non_buyer_cannot_review(
    browser: Browser, live_url, transactional_db
):
    variant = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", stock=9)
    product_pk = variant.product_id
    buyer = UserFactory(email="ada@example.com", password="ada-pass-123", first_name="Ada", last_name="Byron")
    OrderFactory(delivered=True, user=buyer, variant=variant)
    UserFactory(email="nina@example.com", password="nina-pass-123")
    contexts = [browser.new_context(base_url=live_url) for _ in range(3)]
    try:
        watcher, author, outsider = (c.new_page() for c in contexts)
        # A guest has the product open before anyone reviewed it.
        watcher.goto(PAGE)
        wait_for_socket(watcher)
        expect(watcher.locator("#reviews-summary")).to_have_text("No reviews yet.")
        expect(watcher.locator("#reviews")).to_contain_text("Sign in to review this product.")
        expect(watcher.locator("#review-form")).to_have_count(0)

        sign_in(author, "ada@example.com", "ada-pass-123")
        author.goto(PAGE)
        wait_for_socket(author)
        form = author.locator("#review-form")
        form.locator("label[for=review-rating-4]").click()  # the fourth star, as a shopper clicks it
        expect(form.get_by_label("4 stars")).to_be_checked()
        form.get_by_label("Title (optional)").fill("Soft & <b>warm</b>")
        form.get_by_label("Your review").fill("Wore it all week. <script>alert(1)</script>")
        form.get_by_role("button", name="Post review").click()
        expect(author.locator("#review-form-area")).to_have_text("Thank you: your review is published.")

        # The other browser: the review, the average and the title's figure, without a reload.
        review = watcher.locator("#review-list > li")
        expect(review).to_have_count(1, timeout=LIVE)
        expect(review.locator(".review__title")).to_have_text("Soft & <b>warm</b>")
        expect(review).to_contain_text("Wore it all week. <script>alert(1)</script>")
        expect(review).to_contain_text("Ada B.")
        expect(watcher.locator("#reviews-summary")).to_contain_text("4.0 out of 5, 1 review", timeout=LIVE)
        expect(watcher.locator(f"#rating-{product_pk}")).to_contain_text("4.0 (1 review)", timeout=LIVE)
        # The author's page got the same push on top of its own answer: still one copy.
        expect(author.locator("#reviews-summary")).to_contain_text("4.0 out of 5, 1 review")
        expect(author.locator("#review-list > li")).to_have_count(1)

        # A signed-in non-buyer is told why and offered no form; a POST made anyway is refused.
        sign_in(outsider, "nina@example.com", "nina-pass-123")
        outsider.goto(PAGE)
        expect(outsider.locator("#reviews")).to_contain_text("Only customers who received this product can review it.")
        expect(outsider.locator("#review-form")).to_have_count(0)
        token = next(c["value"] for c in contexts[2].cookies() if c["name"] == "csrftoken")
        answer = outsider.request.post(
            f"/reviews/{product_pk}/post/",
            form={"rating": "1", "body": "Never bought it."},
            headers={"X-CSRFToken": token, "HX-Request": "true", "Referer": f"{live_url}{PAGE}"},
        )
        assert answer.status == 403
        assert list(Review.objects.values_list("user__email", "rating")) == [("ada@example.com", 4)]
    finally:
        for c in contexts:
            c.close()


def test_staff_moderation_reaches_open_product_pages_live(browser: Browser, live_url, transactional_db):
    variant = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", stock=9)
    written = []
    for rating, body in ((5, "Lovely fabric."), (1, "Rude words here.")):
        person = UserFactory()
        OrderFactory(delivered=True, user=person, variant=variant)
        written.append(
            elsewhere(
                services.review_post, user=person, product_pk=variant.product_id, rating=rating, title="", body=body
            )
        )
    kind, rude = written
    support = UserFactory(email="sue@example.com", password="sue-pass-123", is_staff=True)
    support.groups.add(Group.objects.get_or_create(name="support")[0])
    contexts = [browser.new_context(base_url=live_url) for _ in range(2)]
    try:
        shopper, staff = (c.new_page() for c in contexts)
        shopper.goto(PAGE)
        wait_for_socket(shopper)
        expect(shopper.locator("#reviews-summary")).to_contain_text("3.0 out of 5, 2 reviews")

        sign_in(staff, "sue@example.com", "sue-pass-123")
        staff.goto("/ops/reviews/")
        row = staff.locator(f"#ops-review-{rude.pk}")
        row.get_by_role("button", name="Hide").click()
        expect(row).to_have_attribute("data-status", "hidden")
        expect(row.get_by_role("status")).to_have_text("Hidden.")

        expect(shopper.locator(f"#review-{rude.pk}")).to_have_count(0, timeout=LIVE)
        expect(shopper.locator("#reviews-summary")).to_contain_text("5.0 out of 5, 1 review", timeout=LIVE)
        expect(shopper.locator(f"#rating-{variant.product_id}")).to_contain_text("5.0 (1 review)")

        row = staff.locator(f"#ops-review-{kind.pk}")
        row.get_by_text("Reply", exact=True).click()
        row.get_by_label("Reply from the store").fill("Thank you, glad it fits!")
        row.get_by_role("button", name="Save reply").click()
        expect(row.get_by_role("status")).to_have_text("Reply saved.")

        expect(shopper.locator(f"#review-{kind.pk} .review__reply")).to_contain_text(
            "Thank you, glad it fits!", timeout=LIVE
        )
    finally:
        for c in contexts:
            c.close()
