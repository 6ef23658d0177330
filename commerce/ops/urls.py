from django.urls import path

from . import export_views, views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.dashboard_live, name="live"),
    path("export/orders/", export_views.orders_export, name="orders_export"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/action/", views.order_action, name="action"),
    path("orders/<str:number>/return/", views.order_return, name="return"),
]
