from django.urls import path, re_path

from .main import api, index, not_found

urlpatterns = [
    path("", index, name="api_index"),
    path("", api().urls),
    re_path(r"^.*$", not_found),  # anything else under /api/: a 404 in the API's error shape
]
