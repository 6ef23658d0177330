from django.urls import path

from .main import api, index

urlpatterns = [
    path("", index, name="api_index"),
    path("", api().urls),
]
