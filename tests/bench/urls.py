"""The store's URLs, with a trivial Django view in front: the catalog page's floor on the same server."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from project.urls import urlpatterns as store_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    """Through the same middleware as every page, but no query and no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *store_urlpatterns]
