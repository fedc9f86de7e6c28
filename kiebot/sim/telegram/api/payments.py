"""Telegram Stars: sendInvoice, createInvoiceLink, answerPreCheckoutQuery,
refundStarPayment, editUserStarSubscription, getStarTransactions.

The payment itself is played by the test (`sim.pay_invoice` for an invoice message,
`sim.pay_invoice_link` for a link, `sim.renew_subscription` for the next period of a
subscription), which sends the bot a pre_checkout_query; when the bot approves it within
`pre_checkout_ttl` (10 s, as Telegram), the simulator sends the message with
`successful_payment`, as Telegram does once the user's Stars have moved. No answer in
time and the payment fails: nothing is charged, no message comes.

Parameter checks follow the Bot API's documentation: title 1-32 characters, description
1-255, payload 1-128 bytes; for XTR an empty provider token, exactly one price, 1 to
10000 Stars, no tips; `subscription_period` only with XTR, only 2592000 (30 days), and a
subscription price of at most 10000 Stars.
"""

from __future__ import annotations

import secrets
from typing import Any

from kiebot.sim.telegram.api.common import (
    Handler,
    admit,
    ensure_writable,
    find_chat,
    message_answer,
    reply_markup,
    store_outgoing,
)
from kiebot.sim.telegram.core import Answer, Call, SimCore
from kiebot.sim.telegram.errors import QUERY_TOO_OLD, bad_request, parameter_required
from kiebot.sim.telegram.incoming import inject_message
from kiebot.sim.telegram.records import (
    ChargeRecord,
    InvoiceRecord,
    PreCheckoutRecord,
    StarSubscriptionRecord,
)
from kiebot.sim.telegram.state import BotState

STARS = "XTR"
SUBSCRIPTION_PERIOD = 2_592_000  # the only period the Bot API accepts (30 days)
LINK_PREFIX = "https://t.me/$"


def _required(call: Call, name: str) -> str:
    value = call.params.text(name)
    if not value:
        raise parameter_required(name)
    return value


def _prices(call: Call, currency: str) -> list[dict[str, Any]]:
    raw = call.params.json_value("prices", "prices")
    if raw is None:
        raise parameter_required("prices")
    if not isinstance(raw, list) or not raw:
        raise bad_request("expected an Array of LabeledPrice")
    prices: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("amount"), int):
            raise bad_request('can\'t parse LabeledPrice: Field "amount" must be a valid Number')
        prices.append({"label": str(item.get("label", "")), "amount": item["amount"]})
    if currency == STARS and len(prices) != 1:
        raise bad_request("STARS_INVOICE_INVALID")
    return prices


def _invoice(call: Call) -> InvoiceRecord:
    """The terms both invoice methods take, checked as the Bot API documents them."""
    title = _required(call, "title")
    description = _required(call, "description")
    payload = _required(call, "payload")
    currency = _required(call, "currency")
    if len(title) > 32:
        raise bad_request("INVOICE_TITLE_INVALID")
    if len(description) > 255:
        raise bad_request("INVOICE_DESCRIPTION_INVALID")
    if len(payload.encode()) > 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    prices = _prices(call, currency)
    total = sum(price["amount"] for price in prices)
    if currency == STARS:
        if call.params.text("provider_token"):
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        if call.params.integer("max_tip_amount"):
            raise bad_request("STARS_INVOICE_INVALID")
        if not 1 <= total <= call.core.config.max_invoice_stars:
            raise bad_request("STARS_INVOICE_INVALID")
    elif total <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    period = _subscription_period(call, currency, total)
    return InvoiceRecord(title, description, payload, currency, total, period)


def _subscription_period(call: Call, currency: str, total: int) -> int | None:
    if not call.params.has("subscription_period"):
        return None
    period = call.params.integer("subscription_period")
    if currency != STARS:
        raise bad_request("the subscription_period can be used only with XTR currency")
    if period != SUBSCRIPTION_PERIOD:
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID")
    if total > call.core.config.max_subscription_stars:
        raise bad_request("STARS_INVOICE_INVALID")
    return period


async def send_invoice(call: Call) -> Answer:
    invoice = _invoice(call)
    if invoice.subscription_period is not None:
        # sendInvoice has no such parameter: only invoice links can be subscriptions.
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID")
    markup = reply_markup(call)
    chat = find_chat(call)
    ensure_writable(call, chat)
    admit(call, chat)
    shown = {
        "title": invoice.title,
        "description": invoice.description,
        "start_parameter": call.params.text("start_parameter"),
        "currency": invoice.currency,
        "total_amount": invoice.total_amount,
    }
    message = store_outgoing(call, chat, "invoice", reply_markup=markup, extra={"invoice": shown})
    message.meta["payload"] = invoice.payload
    return message_answer(chat, message)


async def create_invoice_link(call: Call) -> Answer:
    """A reusable link to the invoice (anyone who has it can pay it, as in Telegram)."""
    invoice = _invoice(call)
    slug = secrets.token_urlsafe(12)
    call.bot.invoice_links[slug] = invoice
    return Answer(LINK_PREFIX + slug)


async def answer_pre_checkout_query(call: Call) -> Answer:
    ok = call.params.flag("ok")
    error_message = call.params.text("error_message")
    if not ok and not error_message:
        raise parameter_required("error_message")
    record = call.bot.pre_checkouts.get(call.params.text("pre_checkout_query_id").strip())
    ttl = call.core.config.pre_checkout_ttl
    if record is None or record.status(call.core.clock(), ttl) != "pending":
        raise bad_request(QUERY_TOO_OLD)
    record.answered, record.ok = True, ok
    record.error_message = error_message or None
    if ok:
        _complete(call, record)
    call.bot.changed(record.chat_id)
    return Answer(True)


def _complete(call: Call, record: PreCheckoutRecord) -> None:
    """The user's Stars moved: record the charge and send the successful_payment."""
    core, bot = call.core, call.bot
    charge = _new_charge(
        core, bot, record.user["id"], record.total_amount, record.payload,
        record.subscription_period,
    )  # fmt: skip
    record.charge_id = charge.charge_id
    extra: dict[str, Any] = {}
    if record.subscription_period is not None:
        expires = core.now_date() + record.subscription_period
        invoice = InvoiceRecord(
            "", "", record.payload, record.currency, record.total_amount,
            record.subscription_period,
        )  # fmt: skip
        bot.subscriptions[charge.charge_id] = StarSubscriptionRecord(
            charge.charge_id, record.user["id"], record.chat_id, invoice, expires,
            charges=[charge.charge_id],
        )  # fmt: skip
        charge.subscription = charge.charge_id
        extra = {
            "subscription_expiration_date": expires,
            "is_recurring": True,
            "is_first_recurring": True,
        }
    _send_successful_payment(
        core, bot, record.chat_id, record.user["id"], record.payload, charge, extra
    )


def renew_subscription(core: SimCore, bot: BotState, charge_id: str) -> str:
    """Telegram charges the next period of a subscription: a recurring successful_payment
    (no pre-checkout: the user agreed to renewals when subscribing). Returns the new
    charge id. Refused (ValueError) once the bot cancelled it: then it simply expires."""
    subscription = bot.subscriptions.get(charge_id)
    if subscription is None:
        msg = f"no subscription {charge_id!r}"
        raise ValueError(msg)
    if subscription.canceled_by_bot:
        msg = f"subscription {charge_id} was cancelled by the bot; it does not renew"
        raise ValueError(msg)
    invoice = subscription.invoice
    charge = _new_charge(
        core, bot, subscription.user_id, invoice.total_amount, invoice.payload,
        invoice.subscription_period,
    )  # fmt: skip
    charge.subscription = subscription.charge_id
    subscription.charges.append(charge.charge_id)
    subscription.expires += invoice.subscription_period or SUBSCRIPTION_PERIOD
    extra = {"subscription_expiration_date": subscription.expires, "is_recurring": True}
    _send_successful_payment(
        core, bot, subscription.chat_id, subscription.user_id, invoice.payload, charge, extra
    )
    return charge.charge_id


def _new_charge(
    core: SimCore, bot: BotState, user_id: int, amount: int, payload: str, period: int | None
) -> ChargeRecord:
    charge = ChargeRecord("stxSIM" + secrets.token_urlsafe(24), user_id, amount)
    bot.charges[charge.charge_id] = charge
    partner: dict[str, Any] = {
        "type": "user",
        "transaction_type": "invoice_payment",
        "user": bot.users[user_id].to_api(),
        "invoice_payload": payload,
    }
    if period is not None:
        partner["subscription_period"] = period
    charge.partner = partner
    _transaction(core, bot, charge, "source")
    return charge


def _transaction(core: SimCore, bot: BotState, charge: ChargeRecord, side: str) -> None:
    """A StarTransaction: incoming (`source`) for a payment, outgoing (`receiver`, same id)
    for its refund, as getStarTransactions lists them."""
    bot.star_transactions.append(
        {"id": charge.charge_id, "amount": charge.total_amount, "date": core.now_date(),
         side: charge.partner}
    )  # fmt: skip


def _send_successful_payment(
    core: SimCore,
    bot: BotState,
    chat_id: int,
    user_id: int,
    payload: str,
    charge: ChargeRecord,
    extra: dict[str, Any],
) -> None:
    payment = {
        "currency": STARS,
        "total_amount": charge.total_amount,
        "invoice_payload": payload,
        "telegram_payment_charge_id": charge.charge_id,
        "provider_payment_charge_id": "",
        **extra,
    }
    user = bot.users[user_id]
    chat = bot.chats[chat_id]
    inject_message(core, bot, user, chat, "successful_payment", payment)


def _charge_of(call: Call) -> ChargeRecord:
    """The charge a refund or a subscription edit names, checked against its user."""
    user_id = call.params.integer("user_id")
    if not call.params.has("user_id"):
        raise parameter_required("user_id")
    charge_id = _required(call, "telegram_payment_charge_id")
    charge = call.bot.charges.get(charge_id)
    if charge is None or charge.user_id != user_id:
        raise bad_request("CHARGE_NOT_FOUND")
    return charge


async def refund_star_payment(call: Call) -> Answer:
    charge = _charge_of(call)
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    charge.refunded = True
    _transaction(call.core, call.bot, charge, "receiver")
    _send_refunded_payment(call.core, call.bot, charge)
    return Answer(True)


def _send_refunded_payment(core: SimCore, bot: BotState, charge: ChargeRecord) -> None:
    """The service message Telegram puts in the user's chat about a refund."""
    user = bot.users.get(charge.user_id)
    chat = bot.chats.get(charge.user_id)
    if user is None or chat is None:
        return
    refunded = {
        "currency": STARS,
        "total_amount": charge.total_amount,
        "invoice_payload": charge.partner.get("invoice_payload", ""),
        "telegram_payment_charge_id": charge.charge_id,
    }
    inject_message(core, bot, user, chat, "refunded_payment", refunded)


async def get_star_transactions(call: Call) -> Answer:
    """The bot's Stars transactions in chronological order, `offset` skipped, 1-100."""
    offset = call.params.integer("offset")
    limit = call.params.integer("limit", 100)
    if not 1 <= limit <= 100:
        raise bad_request("limit must be between 1 and 100")
    if offset < 0:
        raise bad_request("offset must be non-negative")
    return Answer({"transactions": call.bot.star_transactions[offset : offset + limit]})


async def edit_user_star_subscription(call: Call) -> Answer:
    """Cancel (or re-enable) the renewals of a subscription; the paid period stays."""
    charge = _charge_of(call)
    if not call.params.has("is_canceled"):
        raise parameter_required("is_canceled")
    subscription = call.bot.subscriptions.get(charge.subscription or "")
    if subscription is None:
        raise bad_request("SUBSCRIPTION_NOT_FOUND")
    subscription.canceled_by_bot = call.params.flag("is_canceled")
    return Answer(True)


PAYMENT_METHODS: dict[str, Handler] = {
    "sendInvoice": send_invoice,
    "createInvoiceLink": create_invoice_link,
    "answerPreCheckoutQuery": answer_pre_checkout_query,
    "refundStarPayment": refund_star_payment,
    "editUserStarSubscription": edit_user_star_subscription,
    "getStarTransactions": get_star_transactions,
}
