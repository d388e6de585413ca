"""Schemathesis against the OpenAPI document, every operation, signed in: no 5xx and no
answer the document does not describe."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, settings

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.fuzz.conftest import Figures

# The document the server publishes at /api/openapi.json; making it connects to nothing.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
# Schema-valid input is still refused by rules no schema states (a taken username, an ID
# that names nothing, a media file that is not a picture), so "positive data acceptance"
# is not expected of this API; every check of what the server answers stays on.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
EXAMPLES = 30
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: schemathesis.Case, fuzz_server: str,
                                               fuzz_token: str, figures: Figures) -> None:
    signed_in = {"Authorization": f"Bearer {fuzz_token}"}
    if case.path.startswith("/api/v1/streaming") and not case.path.endswith("/health"):
        _check_stream(case, fuzz_server, signed_in, figures)
        return
    response = case.call(base_url=fuzz_server, headers=signed_in, timeout=30)
    figures.answered(response.status_code)
    excluded = EXCLUDED
    if case.media_type in FORMS:
        # A form cannot tell an array from a field sent twice (the last one counts, as in
        # Mastodon), so "invalid" arrays in forms are valid input; JSON bodies are checked.
        excluded = [*EXCLUDED, schemathesis.checks.negative_data_rejection]
    try:
        case.validate_response(response, excluded_checks=excluded)
    except BaseException:  # schemathesis reports with a BaseExceptionGroup
        figures["failures"] = 1
        raise


def _check_stream(case: schemathesis.Case, base_url: str, headers: dict[str, str],
                  figures: Figures) -> None:
    """An event stream never ends: judge its status and type, then hang up."""
    sent = case.as_transport_kwargs(base_url=base_url, headers=headers)
    with httpx.stream(sent["method"], sent["url"], params=sent.get("params"),
                      headers=sent.get("headers"), timeout=10) as answer:
        figures.answered(answer.status_code)
        kind = answer.headers.get("content-type", "")
        documented = (kind.startswith("text/event-stream") if answer.status_code == 200
                      else kind == "application/json"
                      and str(answer.status_code) in case.operation.definition.raw["responses"])
        if answer.status_code >= 500 or not documented:
            figures["failures"] = 1
            raise AssertionError(f"{case.path}: {answer.status_code} {kind}")
