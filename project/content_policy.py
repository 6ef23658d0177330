"""The Content-Security-Policy of every response (django-csp; settings.CONTENT_SECURITY_POLICY).

Scripts from this origin only, no inline script, no eval (pages show text other people wrote:
reviews, support messages, addresses), and connections (fetch, the live socket: 'self' covers
ws/wss to this host) to this host only, no framing. The pay page adds Stripe.js's origins
(`commerce.payments.views`, from STRIPE_JS_URL and STRIPE_API_BASE). htmx's inserted indicator
style and localstripe's dialog need inline styles; no page markup uses them.
"""

from typing import Any

POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
}
