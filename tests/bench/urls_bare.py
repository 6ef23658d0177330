"""Only the trivial view (/bench/trivial/) and the health check the harness waits for."""

from django.urls import path

from project.health import healthz

from .urls import trivial

urlpatterns = [path("bench/trivial/", trivial), path("healthz", healthz)]
