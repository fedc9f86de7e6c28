"""The KIE.ai provider client: calls, typed errors, retries, key budgets, callbacks.

Build it in the composition root::

    session = create_kie_session()
    pool = KeyPool(settings.kie_api_keys, on_key_rejected=alert)
    kie = KieClient(session, pool, api_url=..., upload_url=...)

and close the session at shutdown. Everything a caller needs is importable from here.
"""

from kiebot.kie.budget import (
    KeyPool,
    KeyState,
    KeyStatus,
    Rate,
    fingerprint,
)
from kiebot.kie.callback import callback_signature, verify_callback
from kiebot.kie.client import KieClient
from kiebot.kie.errors import (
    ERRORS_BY_CODE,
    KieCallbackRejected,
    KieCreateOutcomeUnknown,
    KieError,
    KieFeatureDisabled,
    KieFileRejected,
    KieFileTooLarge,
    KieGenerationFailed,
    KieInsufficientCredits,
    KieKeyLimitExceeded,
    KieMaintenance,
    KieNoKeyAvailable,
    KieRateLimited,
    KieServerError,
    KieTaskNotFound,
    KieTransportError,
    KieUnauthorized,
    KieUnexpectedReply,
    KieUnsafeInput,
    KieUnsupportedFile,
    KieValidationError,
)
from kiebot.kie.families import FAMILIES, MARKET, VEO, EndpointFamily
from kiebot.kie.models import CreatedTask, TaskRecord, TaskState, UploadedFile
from kiebot.kie.retry import Backoff
from kiebot.kie.session import create_kie_session
from kiebot.kie.upload import MAX_UPLOAD_BYTES, sniff_image_type

__all__ = [
    "ERRORS_BY_CODE",
    "FAMILIES",
    "MARKET",
    "MAX_UPLOAD_BYTES",
    "VEO",
    "Backoff",
    "CreatedTask",
    "EndpointFamily",
    "KeyPool",
    "KeyState",
    "KeyStatus",
    "KieCallbackRejected",
    "KieClient",
    "KieCreateOutcomeUnknown",
    "KieError",
    "KieFeatureDisabled",
    "KieFileRejected",
    "KieFileTooLarge",
    "KieGenerationFailed",
    "KieInsufficientCredits",
    "KieKeyLimitExceeded",
    "KieMaintenance",
    "KieNoKeyAvailable",
    "KieRateLimited",
    "KieServerError",
    "KieTaskNotFound",
    "KieTransportError",
    "KieUnauthorized",
    "KieUnexpectedReply",
    "KieUnsafeInput",
    "KieUnsupportedFile",
    "KieValidationError",
    "Rate",
    "TaskRecord",
    "TaskState",
    "UploadedFile",
    "callback_signature",
    "create_kie_session",
    "fingerprint",
    "sniff_image_type",
    "verify_callback",
]
