from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .pages import page_topics
from .topics import TopicTokenError, allowed_topics, request_binding, sign_topics, verify_topics


@never_cache
@require_GET
def live_extend(request: HttpRequest) -> JsonResponse:
    """Re-sign a page's topics plus the ones every page follows now (say, a cart created since).

    Grants nothing new: the old token proves the page's topics were given to this browser, and
    each is checked again (a role withdrawn, a cart or conversation no longer this visitor's: the
    topic is dropped); the page-wide topics are computed for this request's own user or session.
    """
    token = request.GET.get("t", "")
    try:
        topics = verify_topics(token, binding=request_binding(request)) if token else []
    except TopicTokenError as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    wanted = sorted({*allowed_topics(request, topics), *page_topics(request)})
    # `changed`: whether the page must reconnect (to follow something new, or to stop following).
    return JsonResponse({"token": sign_topics(request, wanted), "changed": wanted != sorted(set(topics))})
