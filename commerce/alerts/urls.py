from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("alerts/<int:variant>/", views.subscribe, name="subscribe"),
    path("alerts/confirm/<str:token>/", views.confirm, name="confirm"),
]
