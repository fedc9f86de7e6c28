"""The rewards part of the bot: `/promo CODE`, `/invite`, `/cap`, and the two messages the
user gets without asking: the referral bonus (a payments listener) and the low-balance
notice (around the job status notifier).

Handlers are thin: parse, call one service, render. Refusals are typed errors turned into
text by the router's one `on_error`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from loguru import logger

from kiebot.billing import Billing
from kiebot.billing.spending import MAX_CAP, CapStatus, InvalidCap, SpendingCaps
from kiebot.bot.texts import text
from kiebot.delivery import Delivery
from kiebot.delivery.errors import DeliveryError
from kiebot.jobs import Job, JobState
from kiebot.jobs.runner import JobNotifier
from kiebot.rewards import LowBalanceWatch, PromoCodes, Referrals

CAP_OFF = frozenset({"off", "none", "выкл", "нет"})


def build_rewards_router() -> Router:
    router = Router(name="rewards")
    router.message.register(promo, Command("promo"))
    router.message.register(invite, Command("invite", "referral"))
    router.message.register(daily_cap, Command("cap"))
    return router


async def promo(
    message: Message,
    command: CommandObject,
    promos: PromoCodes,
    delivery: Delivery,
    language: str,
) -> None:
    if message.from_user is None:
        return
    redeemed = await promos.redeem(message.from_user.id, command.args)
    reply = text(
        "promo.redeemed",
        language,
        code=redeemed.code,
        credits=redeemed.credits,
        balance=redeemed.balance,
    )
    await delivery.send_text(message.chat.id, reply)


async def invite(
    message: Message, bot: Bot, referrals: Referrals, delivery: Delivery, language: str
) -> None:
    if message.from_user is None:
        return
    invitation = await referrals.invitation(message.from_user.id)
    me = await bot.me()  # cached by aiogram after the first call
    link = f"https://t.me/{me.username}?start={invitation.start_payload}"
    reply = text(
        "referral.invite",
        language,
        link=link,
        bonus=invitation.bonus,
        joined=invitation.joined,
        paid=invitation.paid,
        earned=invitation.earned,
    )
    await delivery.send_text(message.chat.id, reply)


@dataclass(frozen=True, slots=True)
class CapChange:
    """What `/cap N` or `/cap off` asks for: a new cap, or None for no cap."""

    cap: int | None


def parse_cap(raw: str | None) -> CapChange | None:
    """`/cap` only shows the cap (None), `/cap off` removes it, `/cap N` sets N."""
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value in CAP_OFF:
        return CapChange(None)
    if not value.isdigit() or not 1 <= int(value) <= MAX_CAP:
        raise InvalidCap()
    return CapChange(int(value))


async def daily_cap(
    message: Message,
    command: CommandObject,
    spending_caps: SpendingCaps,
    delivery: Delivery,
    language: str,
) -> None:
    """`/cap` until /settings offers it: show, set (`/cap 50`) or remove (`/cap off`)."""
    if message.from_user is None:
        return
    user_id = message.from_user.id
    change = parse_cap(command.args)
    if change is not None:
        await spending_caps.set_cap(user_id, change.cap)
    status = await spending_caps.status(user_id)
    await delivery.send_text(message.chat.id, render_cap(status, language))


def render_cap(status: CapStatus, language: str) -> str:
    if status.cap is None:
        return text("spending.no_cap", language, spent=status.spent)
    return text("spending.cap", language, cap=status.cap, spent=status.spent, left=status.left)


class ReferralBonusNotice:
    """A payments listener: on every handled payment, pays the referrer's bonus if this is
    the referred user's first payment (`Referrals.reward`, once ever) and tells the
    referrer. A redelivered payment finds the bonus paid and says nothing."""

    def __init__(self, *, referrals: Referrals, billing: Billing, delivery: Delivery) -> None:
        self._referrals = referrals
        self._billing = billing
        self._delivery = delivery

    async def payment_received(self, *, user_id: int, charge_id: str, stars: int) -> None:
        bonus = await self._referrals.reward(user_id)
        if bonus is None:
            return
        language = await self._billing.language(bonus.referrer_id)
        notice = text("referral.bonus", language, bonus=bonus.bonus, balance=bonus.balance)
        await _tell(self._delivery, bonus.referrer_id, notice)


class LowBalanceNotifier:
    """A `JobNotifier` around the status notifier: after a done job's final status, the
    low-balance notice with a /buy hint when `LowBalanceWatch` says one is due (once per
    crossing). Only done jobs: a failed job gave the credits back."""

    def __init__(
        self,
        inner: JobNotifier,
        *,
        watch: LowBalanceWatch,
        billing: Billing,
        delivery: Delivery,
    ) -> None:
        self._inner = inner
        self._watch = watch
        self._billing = billing
        self._delivery = delivery

    async def job_changed(self, job: Job, *, progress: float | None = None) -> None:
        await self._inner.job_changed(job, progress=progress)
        if job.state is not JobState.DONE:
            return
        balance = await self._watch.notice_due(job.user_id, balance_after=job.balance_after)
        if balance is None:
            return
        language = await self._billing.language(job.user_id)
        await _tell(
            self._delivery, job.chat_id, text("low_balance.notice", language, balance=balance)
        )


async def _tell(delivery: Delivery, chat_id: int, notice: str) -> None:
    """A notice nobody asked for: if it cannot be sent (blocked bot, Telegram down), the
    money is right anyway, so the failure is logged, not raised into the caller's work."""
    try:
        await delivery.send_text(chat_id, notice)
    except DeliveryError as exc:
        logger.warning("notice to {} not sent: {!r}", chat_id, exc)
