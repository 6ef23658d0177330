"""What open product pages are sent: a review's entry, the figures, and the snapshot on reconnect."""

import pytest

from commerce.reviews import services
from realtime import topics
from tests.commerce.reviews.helpers import buyer_of, reviewed, shirt, staff

pytestmark = pytest.mark.django_db


def test_a_new_review_pushes_its_entry_and_the_new_figures_after_commit(capture_broadcasts):
    variant = shirt()
    reviewed(variant, 2)
    person = buyer_of(variant, first_name="Ada", last_name="Lovelace")
    topic = f"reviews.{variant.product_id}"

    with capture_broadcasts() as sent:
        review = services.review_post(
            user=person, product_pk=variant.product_id, rating=5, title="Lovely", body="Soft <b>and</b> warm."
        )

    assert [t for t, _ in sent] == [topic, topic]
    entry, figures = (html for _, html in sent)
    assert 'hx-swap-oob="afterbegin:#review-list"' in entry
    assert f'<li id="review-{review.pk}" hx-swap-oob="delete"></li>' in entry  # a copy already shown goes first
    assert "Lovely" in entry
    assert "Ada L." in entry
    assert "Soft &lt;b&gt;and&lt;/b&gt; warm." in entry
    assert "Lovelace" not in entry
    assert person.email not in entry
    assert 'id="reviews-summary"' in figures
    assert "3.5 out of 5, 2 reviews" in figures
    assert f'id="rating-{variant.product_id}"' in figures
    assert "(2 reviews)" in figures
    assert "csrfmiddlewaretoken" not in entry + figures


def test_nothing_is_pushed_for_a_refused_review(capture_broadcasts):
    variant = shirt()
    person = buyer_of(variant, status="paid")

    with capture_broadcasts() as sent, pytest.raises(Exception, match="Only customers"):
        services.review_post(user=person, product_pk=variant.product_id, rating=5, title="", body="Hm.")

    assert sent == []


def test_a_hide_removes_the_entry_and_pushes_the_figures_once(capture_broadcasts):
    variant = shirt()
    kept, hidden = reviewed(variant, 4), reviewed(variant, 1)
    moderator = staff("support")

    with capture_broadcasts() as pushed:
        services.review_hide(review_pk=hidden.pk, actor=moderator)
    sent = list(pushed)  # the fixture reuses its list
    with capture_broadcasts() as again:
        services.review_hide(review_pk=hidden.pk, actor=moderator)

    assert len(sent) == 2
    assert sent[0][0] == f"reviews.{variant.product_id}"
    assert sent[0][1].strip() == f'<li id="review-{hidden.pk}" hx-swap-oob="delete"></li>'
    assert "4.0 out of 5, 1 review<" in sent[1][1]
    assert f"review-{kept.pk}" not in "".join(html for _, html in sent)
    assert again == []


def test_a_reply_replaces_the_entry_on_open_pages(capture_broadcasts):
    variant = shirt()
    review = reviewed(variant, 3)

    with capture_broadcasts() as sent:
        services.review_reply(review_pk=review.pk, text="We have <i>fixed</i> the sizing.", actor=staff("ops"))

    assert len(sent) == 1
    topic, html = sent[0]
    assert topic == f"reviews.{variant.product_id}"
    assert f'<li id="review-{review.pk}" class="review" hx-swap-oob="true">' in html
    assert "Reply from the store" in html
    assert "We have &lt;i&gt;fixed&lt;/i&gt; the sizing." in html


def test_the_snapshot_brings_the_figures_in_line_with_the_database():
    variant = shirt()
    for rating in (5, 5, 2):
        reviewed(variant, rating)

    html = topics.snapshot(f"reviews.{variant.product_id}")

    assert html is not None
    assert "4.0 out of 5, 3 reviews" in html
    assert 'data-stars="5"' in html
    assert '<span class="visually-hidden">5 stars: </span>2' in html
    assert f'id="rating-{variant.product_id}"' in html
    assert 'hx-swap-oob="true"' in html


def test_the_topic_is_public_and_its_snapshot_of_a_product_without_reviews_says_so():
    variant = shirt()

    assert topics.is_public(f"reviews.{variant.product_id}")
    html = topics.snapshot(f"reviews.{variant.product_id}")
    assert html is not None
    assert "No reviews yet." in html
    assert 'data-count="0"' in html
    assert topics.snapshot("reviews.x") is None
