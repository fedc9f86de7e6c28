"""Texts of the rewards part of the bot (see the package doc for the format): promo codes,
referrals, the daily spending cap, the low-balance notice, per-user limits and bans."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "promo.redeemed": {
        "en": "🎁 Promo code <b>{code}</b> redeemed: +{credits:credit|credits}.\n"
        "Balance: <b>{balance:credit|credits}</b>.",
        "ru": "🎁 Промокод <b>{code}</b> активирован: +{credits:кредит|кредита|кредитов}.\n"
        "Баланс: <b>{balance:кредит|кредита|кредитов}</b>.",
    },
    "promo.missing": {
        "en": "Send the code after the command, e.g. <code>/promo SPRING25</code>.",
        "ru": "Отправьте код после команды, например <code>/promo SPRING25</code>.",
    },
    "promo.malformed": {
        "en": "That is not a promo code: a code is 3 to {max_length} letters, digits, "
        "<code>_</code> or <code>-</code>.",
        "ru": "Это не промокод: код состоит из 3–{max_length} букв, цифр, "
        "<code>_</code> или <code>-</code>.",
    },
    "promo.unknown": {
        "en": "There is no promo code <b>{code}</b>. Check the spelling.",
        "ru": "Промокода <b>{code}</b> нет. Проверьте написание.",
    },
    "promo.expired": {
        "en": "The promo code <b>{code}</b> has expired.",
        "ru": "Срок действия промокода <b>{code}</b> истёк.",
    },
    "promo.used_up": {
        "en": "The promo code <b>{code}</b> has been used up.",
        "ru": "Промокод <b>{code}</b> уже исчерпан.",
    },
    "promo.already_redeemed": {
        "en": "You have already redeemed <b>{code}</b>: each code works once per person.",
        "ru": "Вы уже активировали <b>{code}</b>: каждый код действует один раз.",
    },
    "referral.invite": {
        "en": "👥 Invite friends with your personal link:\n{link}\n\n"
        "When a friend who joined through it makes their first purchase, you get "
        "<b>{bonus:credit|credits}</b>.\n"
        "Joined: {joined} · purchased: {paid} · earned: {earned:credit|credits}.",
        "ru": "👥 Приглашайте друзей по личной ссылке:\n{link}\n\n"
        "Когда друг, пришедший по ней, сделает первую покупку, вы получите "
        "<b>{bonus:кредит|кредита|кредитов}</b>.\n"
        "Пришли: {joined} · купили: {paid} · заработано: {earned:кредит|кредита|кредитов}.",
    },
    "referral.bonus": {
        "en": "🎉 A friend you invited made their first purchase: +{bonus:credit|credits}.\n"
        "Balance: <b>{balance:credit|credits}</b>.",
        "ru": "🎉 Приглашённый вами друг сделал первую покупку: +{bonus:кредит|кредита|кредитов}.\n"
        "Баланс: <b>{balance:кредит|кредита|кредитов}</b>.",
    },
    "spending.cap_reached": {
        "en": "Your daily spending cap of {cap:credit|credits} is reached: {spent} spent today, "
        "this costs {price}. Nothing was charged. The cap resets at 00:00 UTC; "
        "change it with /cap.",
        "ru": "Достигнут ваш дневной лимит трат в {cap:кредит|кредита|кредитов}: сегодня потрачено "
        "{spent}, это стоит {price}. Ничего не списано. Лимит обнуляется в 00:00 UTC; "
        "изменить его можно командой /cap.",
    },
    "spending.cap_invalid": {
        "en": "The daily cap is a whole number of credits from 1 to {max_cap}, e.g. "
        "<code>/cap 50</code>, or <code>/cap off</code> to remove it.",
        "ru": "Дневной лимит — целое число кредитов от 1 до {max_cap}, например "
        "<code>/cap 50</code>, или <code>/cap off</code>, чтобы снять его.",
    },
    "spending.cap": {
        "en": "Daily spending cap: <b>{cap:credit|credits}</b>. "
        "Spent today: {spent}, left: {left}.\n"
        "It resets at 00:00 UTC. <code>/cap off</code> removes it.",
        "ru": "Дневной лимит трат: <b>{cap:кредит|кредита|кредитов}</b>. "
        "Потрачено сегодня: {spent}, "
        "осталось: {left}.\nОбнуляется в 00:00 UTC. <code>/cap off</code> снимает лимит.",
    },
    "spending.no_cap": {
        "en": "No daily spending cap. Spent today: {spent:credit|credits}.\n"
        "Set one with e.g. <code>/cap 50</code>.",
        "ru": "Дневного лимита трат нет. Потрачено сегодня: {spent:кредит|кредита|кредитов}.\n"
        "Установить: например, <code>/cap 50</code>.",
    },
    "low_balance.notice": {
        "en": "💡 Your balance is down to <b>{balance:credit|credits}</b>. /buy tops it up.",
        "ru": "💡 На балансе осталось <b>{balance:кредит|кредита|кредитов}</b>. Пополнить: /buy.",
    },
    "limits.messages": {
        "en": "You are sending messages too fast. Try again in {retry_after} s.",
        "ru": "Вы отправляете сообщения слишком часто. Попробуйте через {retry_after} с.",
    },
    "limits.presses": {
        "en": "Too many button presses. Try again in {retry_after} s.",
        "ru": "Слишком много нажатий. Попробуйте через {retry_after} с.",
    },
    "limits.banned": {
        "en": "Sorry, your access to this bot has been suspended.",
        "ru": "К сожалению, ваш доступ к этому боту приостановлен.",
    },
}
