"""Every KIE code maps to its typed error, whichever way KIE chooses to say it."""

from __future__ import annotations

import pytest

from kiebot.errors import KiebotError
from kiebot.kie import (
    ERRORS_BY_CODE,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieInsufficientCredits,
    KieKeyLimitExceeded,
    KieMaintenance,
    KieRateLimited,
    KieServerError,
    KieTaskNotFound,
    KieTransportError,
    KieUnauthorized,
    KieUnexpectedReply,
    KieValidationError,
)
from kiebot.kie.envelope import parse_reply, parse_retry_after
from kiebot.kie.errors import error_for_code
from tests.kie.conftest import ClientFactory
from tests.kie.fake_kie import CREDIT, FakeKie, Reply, envelope

# code -> (class, retryable, blame, key_fault): the table in kie-api.md, as policy.
TABLE: dict[int, tuple[type[KieError], bool, str, bool]] = {
    401: (KieUnauthorized, False, "operator", True),
    402: (KieInsufficientCredits, False, "operator", True),
    404: (KieTaskNotFound, False, "provider", False),
    422: (KieValidationError, False, "user", False),
    429: (KieRateLimited, True, "provider", False),
    433: (KieKeyLimitExceeded, False, "operator", True),
    455: (KieMaintenance, True, "provider", False),
    500: (KieServerError, True, "provider", False),
    501: (KieGenerationFailed, False, "provider", False),
    505: (KieFeatureDisabled, False, "operator", False),
}


def _body(code: int, text_field: str = "msg", text: str = "why") -> bytes:
    return f'{{"code": {code}, "{text_field}": "{text}", "data": null}}'.encode()


def test_the_table_covers_every_documented_error_code() -> None:
    assert set(ERRORS_BY_CODE) == set(TABLE)


@pytest.mark.parametrize("code", sorted(TABLE))
def test_error_class_policy(code: int) -> None:
    cls, retryable, blame, key_fault = TABLE[code]
    error = error_for_code(code, "m")
    assert type(error) is cls
    assert isinstance(error, KiebotError)
    assert (error.code, error.retryable, error.blame, error.key_fault) == (
        code,
        retryable,
        blame,
        key_fault,
    )
    assert error.user_message_key.startswith("kie.")


@pytest.mark.parametrize("code", sorted(TABLE))
@pytest.mark.parametrize("text_field", ["msg", "message"])
def test_body_code_at_http_200(code: int, text_field: str) -> None:
    with pytest.raises(TABLE[code][0]) as caught:
        parse_reply(200, _body(code, text_field), key_id="key-1")
    assert caught.value.message == "why"
    assert caught.value.http_status == 200
    assert caught.value.key_id == "key-1"


@pytest.mark.parametrize("code", sorted(TABLE))
def test_http_status_equal_to_code_with_json_body(code: int) -> None:
    with pytest.raises(TABLE[code][0]) as caught:
        parse_reply(code, _body(code, "message"))
    assert caught.value.message == "why"


@pytest.mark.parametrize("code", sorted(TABLE))
def test_http_status_equal_to_code_without_a_body(code: int) -> None:
    with pytest.raises(TABLE[code][0]) as caught:
        parse_reply(code, b"")
    assert caught.value.code == code


def test_the_body_code_wins_over_the_http_status() -> None:
    with pytest.raises(KieValidationError):
        parse_reply(500, _body(422))
    assert parse_reply(500, b'{"code": 200, "data": 7}') == 7


def test_success_returns_data() -> None:
    assert parse_reply(200, b'{"code": 200, "msg": "success", "data": {"taskId": "t1"}}') == {
        "taskId": "t1"
    }


def test_a_code_sent_as_a_string_is_understood() -> None:
    with pytest.raises(KieRateLimited):
        parse_reply(200, b'{"code": "429", "msg": "slow down"}')


@pytest.mark.parametrize("status", [200, 418])
def test_an_unknown_code_is_an_unexpected_reply(status: int) -> None:
    with pytest.raises(KieUnexpectedReply) as caught:
        parse_reply(status, _body(418))
    assert caught.value.code == 418
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, b"<html><body>502 Bad Gateway</body></html>"),
        (504, b""),
        (200, b"<html>captive portal</html>"),
        (200, b""),
        (200, b'["not", "an", "envelope"]'),
    ],
)
def test_a_body_that_is_not_kie_json_is_a_transport_error(status: int, body: bytes) -> None:
    with pytest.raises(KieTransportError) as caught:
        parse_reply(status, body)
    assert caught.value.retryable
    assert caught.value.request_sent
    assert caught.value.http_status == status


def test_the_key_is_scrubbed_from_kie_messages() -> None:
    secret = "sk-very-secret-value"
    with pytest.raises(KieUnauthorized) as caught:
        parse_reply(401, _body(401, text=f"bad key {secret}"), secret=secret, key_id="key-1")
    assert secret not in str(caught.value)
    assert "key-1" in str(caught.value)


@pytest.mark.parametrize(
    ("header", "expected"), [("3", 3.0), ("0.5", 0.5), (None, None), ("soon", None), ("-1", None)]
)
def test_retry_after_header(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


# -- the same table through the client, over real HTTP ----------------------------------


@pytest.mark.parametrize("code", sorted(TABLE))
@pytest.mark.parametrize("variant", ["body-code", "http-status"])
async def test_client_maps_every_code(
    fake: FakeKie, make_client: ClientFactory, code: int, variant: str
) -> None:
    reply = envelope(code, text_field="message", text="said KIE")
    if variant == "http-status":
        reply.status = code
    fake.script(CREDIT, reply)
    client = make_client(max_attempts=1)
    with pytest.raises(TABLE[code][0]) as caught:
        await client.get_key_credits(client.pool.key_ids[0])
    assert caught.value.message == "said KIE"
    assert caught.value.key_id == client.pool.key_ids[0]


async def test_client_maps_an_unknown_code(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(CREDIT, envelope(451))
    client = make_client(max_attempts=1)
    with pytest.raises(KieUnexpectedReply):
        await client.get_key_credits(client.pool.key_ids[0])


async def test_client_maps_an_html_502(fake: FakeKie, make_client: ClientFactory) -> None:
    fake.script(
        CREDIT, Reply(status=502, body=b"<html>bad gateway</html>", content_type="text/html")
    )
    client = make_client(max_attempts=1)
    with pytest.raises(KieTransportError) as caught:
        await client.get_key_credits(client.pool.key_ids[0])
    assert caught.value.http_status == 502
