"""A view and a Celery task that fail with a shopper's e-mail address in hand (tests/project/test_sentry.py)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from project.celery import app

logger = logging.getLogger(__name__)


@csrf_exempt
def failing(request: HttpRequest) -> HttpResponse:
    email = request.user.email  # type: ignore[union-attr]
    logger.info("looking at the cart of %s", email)  # a breadcrumb with the address in it
    raise RuntimeError(f"the till jammed for {email}")


@app.task(name="tests.project.sentry_failing_task")
def failing_task(email: str) -> None:
    logger.info("sending the receipt to %s", email)
    raise ValueError(f"no receipt for {email}")


urlpatterns = [path("failing/", failing)]
