"""Texts of the payments part of the bot (see the package doc for the format)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "payments.shop": {
        "en": "💳 <b>Buy credits</b> with Telegram Stars ⭐. Choose a pack:",
        "ru": "💳 <b>Покупка кредитов</b> за Telegram Stars ⭐. Выберите пакет:",
    },
    "payments.shop.subscribed": {
        "en": "\n\n🔁 Your subscription gives {credits:credit|credits} a month; paid until {until}."
        " /subscription to manage it.",
        "ru": "\n\n🔁 Ваша подписка даёт {credits:кредит|кредита|кредитов} в месяц; "
        "оплачена до {until}."
        " /subscription — управление.",
    },
    "payments.button.pack": {
        "en": "{credits:credit|credits} · {stars} ⭐",
        "ru": "{credits:кредит|кредита|кредитов} · {stars} ⭐",
    },
    "payments.button.pack_bonus": {
        "en": "{credits} + {bonus:bonus credit|bonus credits} · {stars} ⭐",
        "ru": "{credits} + {bonus:бонусный кредит|бонусных кредита|бонусных кредитов} · {stars} ⭐",
    },
    "payments.button.plan": {
        "en": "🔁 {credits:credit|credits} every month · {stars} ⭐/month",
        "ru": "🔁 {credits:кредит|кредита|кредитов} каждый месяц · {stars} ⭐/мес",
    },
    "payments.invoice.pack.title": {
        "en": "{total:credit|credits}",
        "ru": "{total:кредит|кредита|кредитов}",
    },
    "payments.invoice.pack.description": {
        "en": "{total:credit|credits} for AI images and videos ({bonus} of them a bonus).",
        "ru": "{total:кредит|кредита|кредитов} на ИИ-картинки и видео (из них {bonus} бонусом).",
    },
    "payments.invoice.plan.title": {
        "en": "{credits:credit|credits} a month",
        "ru": "{credits:кредит|кредита|кредитов} в месяц",
    },
    "payments.invoice.plan.description": {
        "en": "{credits:credit|credits} every 30 days for AI images and videos. "
        "Cancel any time with /subscription.",
        "ru": "{credits:кредит|кредита|кредитов} каждые 30 дней на ИИ-картинки и видео. "
        "Отменить можно в любой момент: /subscription.",
    },
    "payments.pay_prompt": {
        "en": "{title} for {stars} ⭐. Tap the button to pay.",
        "ru": "{title} за {stars} ⭐. Нажмите кнопку, чтобы оплатить.",
    },
    "payments.button.pay": {"en": "Pay {stars} ⭐", "ru": "Оплатить {stars} ⭐"},
    "payments.thanks": {
        "en": "✅ Payment received: +{credits:credit|credits}. Balance: <b>{balance}</b>.",
        "ru": "✅ Оплата получена: +{credits:кредит|кредита|кредитов}. Баланс: <b>{balance}</b>.",
    },
    "payments.thanks.subscription": {
        "en": "✅ Subscription paid: +{credits:credit|credits}. Balance: <b>{balance}</b>. "
        "Paid until {until}.",
        "ru": "✅ Подписка оплачена: +{credits:кредит|кредита|кредитов}. Баланс: <b>{balance}</b>. "
        "Оплачена до {until}.",
    },
    "payments.checkout.offer_changed": {
        "en": "This offer has changed. Please open /buy and choose again.",
        "ru": "Это предложение изменилось. Откройте /buy и выберите снова.",
    },
    "payments.checkout.not_yours": {
        "en": "This invoice was made for another user. Open /buy to get your own.",
        "ru": "Этот счёт выставлен другому пользователю. Откройте /buy, чтобы получить свой.",
    },
    "payments.checkout.banned": {
        "en": "Your account is blocked, so payments are not accepted.",
        "ru": "Ваш аккаунт заблокирован, поэтому оплата не принимается.",
    },
    "payments.checkout.already_subscribed": {
        "en": "You already have an active subscription. See /subscription.",
        "ru": "У вас уже есть активная подписка. См. /subscription.",
    },
    "payments.subscription.none": {
        "en": "You have no subscription. A subscription gives {credits:credit|credits} every "
        "month for {stars} ⭐.",
        "ru": "У вас нет подписки. Подписка даёт {credits:кредит|кредита|кредитов} "
        "каждый месяц за {stars} ⭐.",
    },
    "payments.subscription.off": {
        "en": "Subscriptions are not offered at the moment. /buy has credit packs.",
        "ru": "Подписка сейчас недоступна. Пакеты кредитов есть в /buy.",
    },
    "payments.subscription.active": {
        "en": "🔁 Your subscription: {credits:credit|credits} a month for {stars} ⭐, "
        "paid until {until}; it renews automatically.",
        "ru": "🔁 Ваша подписка: {credits:кредит|кредита|кредитов} в месяц за {stars} ⭐, "
        "оплачена до {until}, продлевается автоматически.",
    },
    "payments.subscription.cancelled": {
        "en": "🔁 Your subscription is cancelled: it stays paid until {until} and will not renew.",
        "ru": "🔁 Ваша подписка отменена: она оплачена до {until} и не продлится.",
    },
    "payments.button.cancel_subscription": {
        "en": "Cancel the subscription",
        "ru": "Отменить подписку",
    },
    "payments.subscription.cancel_done": {
        "en": "Subscription cancelled. No more charges; your credits stay, and it remains "
        "paid until {until}.",
        "ru": "Подписка отменена. Списаний больше не будет; кредиты остаются, подписка "
        "оплачена до {until}.",
    },
    "payments.unknown_offer": {
        "en": "This offer is no longer available. Open /buy again.",
        "ru": "Это предложение больше недоступно. Откройте /buy снова.",
    },
    "payments.no_subscription": {
        "en": "You have no active subscription to cancel.",
        "ru": "У вас нет активной подписки, которую можно отменить.",
    },
    "payments.subscription_change_failed": {
        "en": "Telegram did not accept the change. Please try again in a minute.",
        "ru": "Telegram не принял изменение. Попробуйте через минуту.",
    },
    "payments.not_found": {"en": "No such payment.", "ru": "Такой оплаты нет."},
    "payments.already_refunded": {
        "en": "This payment was already refunded.",
        "ru": "Эта оплата уже возвращена.",
    },
    "payments.credits_spent": {
        "en": "The credits of this payment were already spent (balance {balance}, "
        "payment {credits}).",
        "ru": "Кредиты этой оплаты уже потрачены (баланс {balance}, оплата {credits}).",
    },
    "payments.refund_refused": {
        "en": "Telegram refused the refund: {detail}",
        "ru": "Telegram отказал в возврате: {detail}",
    },
    "payments.refund_uncertain": {
        "en": "Telegram did not answer; try the refund again.",
        "ru": "Telegram не ответил; повторите возврат.",
    },
    "payments.recent": {"en": "\n\nRecent:\n{lines}", "ru": "\n\nПоследние операции:\n{lines}"},
    "payments.recent.line": {
        "en": "{when} · {what} · {amount}",
        "ru": "{when} · {what} · {amount}",
    },
    "payments.ledger.grant": {"en": "welcome credits", "ru": "приветственные кредиты"},
    "payments.ledger.adjustment": {"en": "operator adjustment", "ru": "корректировка"},
    "payments.ledger.reservation": {
        "en": "generation (reserved)",
        "ru": "генерация (резерв)",
    },
    "payments.ledger.capture": {"en": "generation charged", "ru": "генерация списана"},
    "payments.ledger.release": {"en": "generation refunded", "ru": "возврат за генерацию"},
    "payments.ledger.payment": {"en": "purchase", "ru": "покупка"},
    "payments.ledger.refund": {"en": "payment refunded", "ru": "возврат оплаты"},
    "payments.ledger.refund_revert": {
        "en": "refund cancelled",
        "ru": "возврат отменён",
    },
    "payments.ledger.promo": {"en": "promo code", "ru": "промокод"},
    "payments.ledger.referral": {"en": "referral bonus", "ru": "бонус за друга"},
}
