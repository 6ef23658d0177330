"""STORE_CURRENCY and STORE_LOCALE are checked when settings load: a bad one stops every process, named."""

import pytest

from tests.project.bare_processes import PROCESSES, run


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"STORE_CURRENCY": "XYZ"}, "STORE_CURRENCY 'XYZ' is not an ISO 4217 code (USD, EUR, JPY...)."),
        ({"STORE_CURRENCY": "KWD"}, "STORE_CURRENCY KWD has 3 decimals; prices are stored with at most 2."),
        ({"STORE_LOCALE": "xx_NOPE"}, "STORE_LOCALE 'xx_NOPE' is not a locale Babel knows (en_US, de_DE...)."),
    ],
)
def test_a_currency_or_locale_the_store_cannot_handle_is_refused_at_start(given, said):
    result = run(PROCESSES["manage.py"], given)  # the embedded mode: no services needed

    assert result.returncode != 0
    assert said in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("given", [{"STORE_CURRENCY": "jpy"}, {"STORE_CURRENCY": "EUR", "STORE_LOCALE": "de_DE"}])
def test_a_currency_and_locale_babel_knows_start(given):
    result = run(PROCESSES["manage.py"], given)

    assert result.returncode == 0, result.stderr[-2000:]
