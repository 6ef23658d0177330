"""The store's URLs plus one view that lets a DomainError escape (tests/project/test_errors.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from commerce.payments.errors import PaymentError
from project.urls import urlpatterns as store_urlpatterns


def escaping(request: HttpRequest) -> HttpResponse:
    raise PaymentError.hold_expired() if request.GET.get("kind") == "hold" else PaymentError.no_payment()


urlpatterns = [path("escaping/", escaping), *store_urlpatterns]
