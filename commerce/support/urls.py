from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("help/", views.help_page, name="help"),
    path("help/widget/", views.help_page, name="widget"),
    path("help/messages/", views.help_post, name="post"),
    path("help/orders/<str:number>/", views.help_order, name="ask_order"),
    path("help/c/<str:token>/", views.help_link, name="help_link"),
    path("help/email/<str:token>/", views.email_check, name="email_check"),
    path("support/", views.inbox, name="inbox"),
    path("support/c/<int:pk>/", views.conversation_view, name="conversation"),
    path("support/c/<int:pk>/reply/", views.conversation_reply, name="reply"),
    path("support/c/<int:pk>/seen/", views.conversation_seen, name="seen"),
    path("support/c/<int:pk>/action/", views.conversation_action, name="action"),
]
