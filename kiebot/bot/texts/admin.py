"""Texts of the admin part of the bot (see the package doc for the format): the admin
commands and the alerts sent to KIEBOT_ADMIN_IDS."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "admin.stats": {
        "en": "<b>kiebot</b>\n"
        "Users: {users} (new today {new_today}, blocked the bot {blocked})\n"
        "Jobs today: {jobs_today}\n"
        "Queue: {queued}; in flight: {in_flight}\n"
        "Revenue: {revenue_today} ⭐ today, {revenue_week} ⭐ in 7 days",
        "ru": "<b>kiebot</b>\n"
        "Пользователи: {users} (новых сегодня {new_today}, заблокировали бота {blocked})\n"
        "Задачи сегодня: {jobs_today}\n"
        "Очередь: {queued}; в работе: {in_flight}\n"
        "Выручка: {revenue_today} ⭐ сегодня, {revenue_week} ⭐ за 7 дней",
    },
    "admin.stats.none": {
        "en": "none",
        "ru": "нет",
    },
    "admin.grant.usage": {
        "en": "Usage: <code>/grant &lt;user id&gt; &lt;credits&gt; &lt;reason&gt;</code>\n"
        "A negative amount deducts, e.g. <code>/grant 12345 -10 refund reversed</code>.",
        "ru": "Формат: <code>/grant &lt;id пользователя&gt; &lt;кредиты&gt; "
        "&lt;причина&gt;</code>\n"
        "Отрицательное число списывает, например <code>/grant 12345 -10 возврат</code>.",
    },
    "admin.grant.done": {
        "en": "✅ {amount:+d} credits for user {user_id} ({reason}). Balance now: {balance}.",
        "ru": "✅ {amount:+d} кредитов пользователю {user_id} ({reason}). Баланс: {balance}.",
    },
    "admin.grant.insufficient": {
        "en": "Not deducted: the user's balance is {balance}, a deduction cannot take it "
        "below 0 (credits reserved by running jobs are not deductible).",
        "ru": "Не списано: баланс пользователя {balance}, списание не может увести его "
        "ниже 0 (кредиты, зарезервированные идущими задачами, не списываются).",
    },
    "admin.broadcast.usage": {
        "en": "Usage: <code>/broadcast &lt;text&gt;</code>, or reply <code>/broadcast</code> "
        "to a text message to send that message to every user.",
        "ru": "Формат: <code>/broadcast &lt;текст&gt;</code> или ответьте "
        "<code>/broadcast</code> на текстовое сообщение, чтобы разослать его всем.",
    },
    "admin.broadcast.busy": {
        "en": "Another broadcast is still being sent; wait until it is done.",
        "ru": "Ещё идёт другая рассылка; дождитесь её окончания.",
    },
    "admin.broadcast.nobody": {
        "en": "Nobody to send to: no user has talked to the bot yet.",
        "ru": "Некому отправлять: с ботом ещё никто не говорил.",
    },
    "admin.broadcast.progress": {
        "en": "📣 Broadcast: {handled} of {total} handled. Sent {sent}, blocked {blocked}, "
        "failed {failed}.",
        "ru": "📣 Рассылка: обработано {handled} из {total}. Доставлено {sent}, "
        "заблокировали {blocked}, ошибок {failed}.",
    },
    "admin.broadcast.done": {
        "en": "✅ Broadcast done: {sent} of {total} delivered, blocked {blocked}, failed {failed}.",
        "ru": "✅ Рассылка завершена: доставлено {sent} из {total}, заблокировали "
        "{blocked}, ошибок {failed}.",
    },
    "alert.kie_credits": {
        "en": "⚠️ KIE credits are low: {credits} left on {key_id} (alert below {threshold}). "
        "Top up at kie.ai.",
        "ru": "⚠️ Кредиты KIE заканчиваются: на {key_id} осталось {credits} (порог {threshold}). "
        "Пополните на kie.ai.",
    },
    "alert.kie_key": {
        "en": "⚠️ KIE key {key_id} was taken out of the pool: {reason}.",
        "ru": "⚠️ Ключ KIE {key_id} выведен из пула: {reason}.",
    },
    "alert.error_rate": {
        "en": "⚠️ {percent}% of jobs failed recently ({errors} of {ended}). "
        "See the admin page's errors.",
        "ru": "⚠️ {percent}% задач за последнее время с ошибкой ({errors} из {ended}). "
        "Подробности на странице ошибок в админке.",
    },
    "alert.redis_lost": {
        "en": "🚨 Redis is not answering ({error}). Jobs wait; new prompts are refused.",
        "ru": "🚨 Redis не отвечает ({error}). Задачи ждут; новые запросы не принимаются.",
    },
    "alert.redis_back": {
        "en": "✅ Redis answers again after about {seconds} s; jobs carry on.",
        "ru": "✅ Redis снова отвечает (не было около {seconds} с); задачи продолжаются.",
    },
}
