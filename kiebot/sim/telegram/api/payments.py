"""Telegram Stars: sendInvoice, answerPreCheckoutQuery, refundStarPayment.

The payment itself is played by the test (`sim.pay_invoice`), which sends the bot a
pre_checkout_query; when the bot approves it in time, the simulator sends the message with
`successful_payment`, as Telegram does once the user's Stars have moved.
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
from kiebot.sim.telegram.core import Answer, Call
from kiebot.sim.telegram.errors import QUERY_TOO_OLD, bad_request, parameter_required
from kiebot.sim.telegram.incoming import inject_message


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
    if currency == "XTR" and len(prices) != 1:
        raise bad_request("STARS_INVOICE_INVALID")
    return prices


async def send_invoice(call: Call) -> Answer:
    title = _required(call, "title")
    description = _required(call, "description")
    payload = _required(call, "payload")
    currency = _required(call, "currency")
    prices = _prices(call, currency)
    markup = reply_markup(call)
    chat = find_chat(call)
    ensure_writable(call, chat)
    admit(call, chat)
    invoice = {
        "title": title,
        "description": description,
        "start_parameter": call.params.text("start_parameter"),
        "currency": currency,
        "total_amount": sum(price["amount"] for price in prices),
    }
    message = store_outgoing(call, chat, "invoice", reply_markup=markup, extra={"invoice": invoice})
    message.meta["payload"] = payload
    return message_answer(chat, message)


async def answer_pre_checkout_query(call: Call) -> Answer:
    ok = call.params.flag("ok")
    error_message = call.params.text("error_message")
    if not ok and not error_message:
        raise parameter_required("error_message")
    record = call.bot.pre_checkouts.get(call.params.text("pre_checkout_query_id").strip())
    ttl = call.core.config.pre_checkout_ttl
    if record is None or record.answered or call.core.clock() - record.created > ttl:
        raise bad_request(QUERY_TOO_OLD)
    record.answered, record.ok = True, ok
    record.error_message = error_message or None
    if ok:
        record.charge_id = "stxSIM" + secrets.token_urlsafe(24)
        call.bot.charges[record.charge_id] = False
        user = call.bot.users[record.user["id"]]
        payment = {
            "currency": record.currency,
            "total_amount": record.total_amount,
            "invoice_payload": record.payload,
            "telegram_payment_charge_id": record.charge_id,
            "provider_payment_charge_id": "",
        }
        chat = call.bot.chats[record.chat_id]
        inject_message(call.core, call.bot, user, chat, "successful_payment", payment)
    call.bot.changed(record.chat_id)
    return Answer(True)


async def refund_star_payment(call: Call) -> Answer:
    charge_id = call.params.text("telegram_payment_charge_id")
    refunded = call.bot.charges.get(charge_id)
    if refunded is None:
        raise bad_request("CHARGE_NOT_FOUND")
    if refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    call.bot.charges[charge_id] = True
    return Answer(True)


PAYMENT_METHODS: dict[str, Handler] = {
    "sendInvoice": send_invoice,
    "answerPreCheckoutQuery": answer_pre_checkout_query,
    "refundStarPayment": refund_star_payment,
}
