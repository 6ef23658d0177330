"""Staff moderation (/ops/reviews/): the reviews newest first by status, publish, hide, reply."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from commerce.accounts.permissions import STAFF_ROLES, in_any_role
from project.http import HtmxHttpRequest

from . import selectors, services
from .errors import ReviewError
from .forms import ReplyForm
from .models import REPLY_MAX, Review

View = Callable[..., HttpResponseBase]


def staff_only(view: View) -> View:
    """Support or ops staff: anonymous people are sent to sign in, others get 403."""

    @wraps(view)
    def wrapped(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not in_any_role(request.user, STAFF_ROLES):
            raise PermissionDenied("Support or ops staff only.")
        return view(request, *args, **kwargs)

    return wrapped


@staff_only
@require_GET
def moderation(request: HtmxHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Review.Status.values else ""
    page = selectors.ops_review_page(status=status, number=request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": selectors.OPS_STATUSES}
    if request.htmx and request.htmx.target == "ops-reviews" and not request.htmx.history_restore_request:
        return render(request, "reviews/ops/_list.html", context)
    return render(request, "reviews/ops/list.html", context)


ACTIONS = {"publish", "hide", "reply"}


@staff_only
@require_POST
def moderation_act(request: HtmxHttpRequest, review: int, action: str) -> HttpResponse:
    """Publish, hide or reply to one review; the htmx answer is its row again (422 with the error)."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    error: ReviewError | None = None
    form = ReplyForm(request.POST) if action == "reply" else None
    try:
        if action == "publish":
            services.review_publish(review_pk=review, actor=request.user)  # type: ignore[arg-type]
        elif action == "hide":
            services.review_hide(review_pk=review, actor=request.user)  # type: ignore[arg-type]
        elif form is not None and form.is_valid():
            services.review_reply(review_pk=review, text=form.cleaned_data["reply"], actor=request.user)  # type: ignore[arg-type]
        else:
            error = ReviewError("too_long", f"Keep the reply to {REPLY_MAX} characters.")
    except ReviewError as refused:
        if refused.code == "not_found":
            raise Http404(refused.message) from refused
        error = refused
    if not request.htmx:
        return redirect("reviews:moderation")
    shown = Review.objects.select_related("user", "product", "replied_by").get(pk=review)
    done = {"publish": "Published.", "hide": "Hidden.", "reply": "Reply saved."}[action]
    context = {"review": shown, "error": error, "done": None if error else done}
    return render(request, "reviews/ops/_row.html", context, status=error.status if error else 200)
