"""The one module that talks to Twilio (or writes to the console when there is no account).

Sends carry a timeout and our idempotency key (the `I-Twilio-Idempotency-Token` header), and
the SDK's errors leave this module as `DeliveryError`, permanent or retryable, with Twilio's
error code. Webhook signatures are checked and TwiML replies built here too.
"""

import logging
from collections.abc import Mapping

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from .errors import DeliveryError

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"

# Twilio error codes (https://www.twilio.com/docs/api/errors) that no retry can fix.
CODE_UNSUBSCRIBED = "21610"  # the recipient replied STOP
PERMANENT_CODES = frozenset(
    {
        CODE_UNSUBSCRIBED,
        "21211",  # invalid 'To' number
        "21614",  # 'To' is not a mobile number
        "21408",  # no permission to send to that region
    }
)
THROTTLED_CODES = frozenset({"20429"})


class _Transport(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type information
    """Twilio's requests-based client, plus headers of our own on every request (the idempotency token)."""

    def __init__(self, *, timeout: float, headers: Mapping[str, str]) -> None:
        super().__init__(timeout=timeout, pool_connections=False)
        self.extra_headers = dict(headers)

    def request(self, method: str, url: str, *args: object, headers: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        return super().request(method, url, *args, headers={**(headers or {}), **self.extra_headers}, **kwargs)


def _client(*, idempotency_key: str) -> Client:
    # A client per send: each carries its own idempotency header, and tests may change the settings.
    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=_Transport(timeout=float(settings.TWILIO_TIMEOUT), headers={IDEMPOTENCY_HEADER: idempotency_key}),
    )
    # Edge and region would rewrite the host; the SDK reads them from os.environ, we configure nothing there.
    client.edge = client.region = None
    if settings.TWILIO_API_BASE:
        # Every Messages URL is built from the Api domain's base_url at request time.
        client.api.base_url = settings.TWILIO_API_BASE.rstrip("/")
    return client


def _mapped(error: Exception, *, to: str, idempotency_key: str) -> DeliveryError:
    """Translate an SDK or transport error into ours and log it once."""
    if isinstance(error, TwilioRestException | TwilioServiceException):
        status = int(error.status or 0)
        code = str(error.code or "")
        message = str(getattr(error, "msg", "") or getattr(error, "detail", "") or getattr(error, "title", ""))
        if code in PERMANENT_CODES:
            result = DeliveryError(message or "Twilio refused the number.", permanent=True, code=code)
        elif code in THROTTLED_CODES or status == 429 or status >= 500:
            result = DeliveryError(message or "Twilio is unavailable.", permanent=False, code=code or str(status))
        else:
            result = DeliveryError(message or "Twilio refused the message.", permanent=True, code=code or str(status))
    elif isinstance(error, requests.Timeout):
        status, code = 0, ""
        result = DeliveryError("Twilio did not answer in time.", permanent=False, code="timeout")
    else:  # connection errors, unreadable responses
        status, code = 0, ""
        result = DeliveryError("Could not reach Twilio.", permanent=False, code="connection")
    log = logger.error if result.permanent else logger.warning
    log(
        "twilio send failed",
        extra={
            "to": to,
            "idempotency_key": idempotency_key,
            "twilio_error": type(error).__name__,
            "http_status": status,
            "twilio_code": code,
            "permanent": result.permanent,
        },
    )
    return result


def sms_send(*, to: str, body: str, idempotency_key: str, status_callback: str | None) -> str:
    """Hand one text message to the provider and return its message id (Twilio's SID).

    `to` is E.164. Raises DeliveryError; `.permanent` says whether a retry could help and
    `.code` carries Twilio's error code (CODE_UNSUBSCRIBED: the number replied STOP).
    """
    if settings.SMS_BACKEND == "console":
        logger.info(
            "sms (console backend)",
            extra={"to": to, "body": body, "idempotency_key": idempotency_key, "status_callback": status_callback},
        )
        return f"console-{idempotency_key}"
    try:
        message = _client(idempotency_key=idempotency_key).messages.create(
            to=to,
            from_=settings.TWILIO_FROM_NUMBER,
            body=body,
            status_callback=status_callback or None,
        )
    except (TwilioException, requests.RequestException) as error:
        raise _mapped(error, to=to, idempotency_key=idempotency_key) from error
    except ValueError as error:  # a 2xx answer that is not JSON
        raise _mapped(error, to=to, idempotency_key=idempotency_key) from error
    sid = str(message.sid)
    logger.info("sms sent", extra={"to": to, "sid": sid, "idempotency_key": idempotency_key, "status": message.status})
    return sid


def request_signature_valid(*, url: str, params: Mapping[str, object], signature: str | None) -> bool:
    """Check a webhook's `X-Twilio-Signature` against the URL Twilio called and its POST params."""
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    return bool(RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature))


def twiml_reply(text: str | None = None) -> str:
    """A TwiML <Response>, with one <Message> when `text` is given (an empty one acknowledges only)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
