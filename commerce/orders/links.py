"""A guest's way back to an order: a fresh link emailed to the order's address (/orders/lookup/)."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from project.enqueue import enqueue_on_commit

from . import tasks
from .models import Order
from .selectors import order_access_url

logger = logging.getLogger(__name__)


def order_link_request(*, number: str, email: str) -> bool:
    """Queue a fresh link to a guest order if `number` and `email` are that order's; True if one was queued.

    The caller answers the same either way, and the email goes out from a task, so the answer's time
    does not tell a match either. Signed-in customers' orders get no link: they sign in to see them.
    """
    order = Order.objects.filter(number=number.strip().upper(), user__isnull=True, email__iexact=email.strip()).first()
    if order is None:
        logger.info("order link asked for, no match")
        return False
    # The broker down: the guest sees the same page, and may ask again.
    enqueue_on_commit(tasks.send_order_link, order.pk)
    return True


def order_link_send(*, order_pk: int) -> None:
    """Email a guest order's address a fresh link to it (from a task; raises OSError to be retried)."""
    order = Order.objects.get(pk=order_pk)
    site = settings.SITE_URL.rstrip("/")
    context = {
        "store_name": settings.STORE_NAME,
        "site_url": site,
        "order": order,
        "order_url": site + order_access_url(order),
        "days": max(1, settings.ORDER_LINK_MAX_AGE // 86400),
        "headline": f"Your link to order {order.number}",
        "sentence": "",
    }
    email = EmailMultiAlternatives(
        subject=f"Your link to order {order.number}",
        body=render_to_string("orders/email/order_link.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    email.attach_alternative(render_to_string("orders/email/order_link.html", context), "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPException as exc:
        raise OSError(str(exc)) from exc
    logger.info("order link sent", extra={"order": order.number})
