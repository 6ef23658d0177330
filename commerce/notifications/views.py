import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import inbound_sms, sms
from .phone import phone_normalize

logger = logging.getLogger(__name__)


def _signed_by_twilio(request: HttpRequest) -> bool:
    # Twilio signs the public URL it called; behind a proxy the request's own host and scheme
    # may differ, so rebuild it from SITE_URL.
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    valid = sms.request_signature_valid(
        url=url, params=request.POST, signature=request.headers.get("X-Twilio-Signature")
    )
    if not valid:
        logger.warning("twilio webhook with a bad signature", extra={"path": request.path})
    return valid


def _forbidden() -> HttpResponse:
    return HttpResponse("bad signature", status=403, content_type="text/plain")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Message status callback: move the outbox row forward. 403 unless signed by Twilio."""
    if not _signed_by_twilio(request):
        return _forbidden()
    inbound_sms.status_apply(
        sid=request.POST.get("MessageSid", ""),
        twilio_status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A text sent to our number: STOP/START/HELP. Answers TwiML. 403 unless signed by Twilio."""
    if not _signed_by_twilio(request):
        return _forbidden()
    reply = None
    try:
        phone = phone_normalize(request.POST.get("From", ""))
    except ValidationError:
        logger.warning("sms inbound from an unreadable number")
    else:
        reply = inbound_sms.inbound_apply(phone=phone, body=request.POST.get("Body", ""))
    return HttpResponse(sms.twiml_reply(reply), content_type="text/xml")
