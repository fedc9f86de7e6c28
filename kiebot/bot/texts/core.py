"""Texts of the core conversation: start, balance, job status, errors.

Counted words use the plural spec of `texts.plurals`: `{n:credit|credits}`,
`{n:кредит|кредита|кредитов}`.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "start.greeting": {
        "en": "Hi, {name}! I turn your words into images and videos.\n"
        "Balance: <b>{balance:credit|credits}</b>. Model: {model} "
        "({price:credit|credits} per image).\n"
        "Send me a prompt to begin, or /help to see what I can do.",
        "ru": "Привет, {name}! Я превращаю слова в картинки и видео.\n"
        "Баланс: <b>{balance:кредит|кредита|кредитов}</b>. Модель: {model} "
        "({price:кредит|кредита|кредитов} за картинку).\n"
        "Отправьте описание, чтобы начать, или /help, чтобы узнать больше.",
    },
    "balance": {
        "en": "Balance: <b>{balance:credit|credits}</b>.{held_line}",
        "ru": "Баланс: <b>{balance:кредит|кредита|кредитов}</b>.{held_line}",
    },
    "balance.held": {
        "en": "\nReserved for generations in progress: {held:credit|credits} more.",
        "ru": "\nПод идущие генерации зарезервировано ещё: {held:кредит|кредита|кредитов}.",
    },
    "status.queued": {
        "en": "⏳ In the queue, position {position}. {model}, {price:credit|credits} reserved.",
        "ru": "⏳ В очереди, позиция {position}. {model}, "
        "зарезервировано {price:кредит|кредита|кредитов}.",
    },
    "status.generating": {
        "en": "🎨 Generating with {model}…{progress} {elapsed} s",
        "ru": "🎨 Генерирую с помощью {model}…{progress} {elapsed} с",
    },
    "status.delivering": {
        "en": "📤 Done, sending the result…",
        "ru": "📤 Готово, отправляю результат…",
    },
    "status.done": {
        "en": "✅ Done. {price:credit|credits} spent.",
        "ru": "✅ Готово. Списано {price:кредит|кредита|кредитов}.",
    },
    "status.failed": {
        "en": "❌ {reason}\nReturned to your balance: {price:credit|credits}.",
        "ru": "❌ {reason}\nВернули на баланс {price:кредит|кредита|кредитов}.",
    },
    "status.cancelled": {
        "en": "Cancelled. Returned to your balance: {price:credit|credits}.",
        "ru": "Отменено. Вернули на баланс {price:кредит|кредита|кредитов}.",
    },
    "button.cancel": {"en": "✖ Cancel", "ru": "✖ Отменить"},
    "button.cancelled": {"en": "Cancelled", "ru": "Отменено"},
    "button.stale": {
        "en": "This button is no longer valid.",
        "ru": "Эта кнопка больше не действует.",
    },
    "unsupported": {
        "en": "I understand text prompts. Send me a description of the image you want.",
        "ru": "Я понимаю текстовые описания. Опишите картинку, которую хотите получить.",
    },
    "job.insufficient_credits": {
        "en": "Not enough credits: this costs {price:credit|credits}, your balance is "
        "{balance:credit|credits}.",
        "ru": "Недостаточно кредитов: нужно {price:кредит|кредита|кредитов}, на балансе "
        "{balance:кредит|кредита|кредитов}.",
    },
    "job.too_many_active": {
        "en": "You already have {limit:generation|generations} running. Wait for one to finish.",
        "ru": "Уже запущено генераций: {limit}. Дождитесь завершения одной из них.",
    },
    "job.rate_limited": {
        "en": "Too many requests. Try again in {retry_after} s.",
        "ru": "Слишком много запросов. Попробуйте через {retry_after} с.",
    },
    "job.queue_full": {
        "en": "I am very busy right now. Please try again in a minute; nothing was charged.",
        "ru": "Сейчас очень много запросов. Попробуйте через минуту, кредиты не списаны.",
    },
    "job.not_found": {"en": "I cannot find that generation.", "ru": "Не нахожу эту генерацию."},
    "job.not_cancellable": {
        "en": "Too late to cancel: the result is on its way.",
        "ru": "Отменить уже нельзя: результат отправляется.",
    },
    "job.expired": {
        "en": "The model took too long to answer.",
        "ru": "Модель слишком долго не отвечала.",
    },
    "billing.insufficient_balance": {
        "en": "The balance cannot go below zero.",
        "ru": "Баланс не может стать отрицательным.",
    },
    "catalog.unknown_model": {"en": "That model does not exist.", "ru": "Такой модели нет."},
    "catalog.model_unavailable": {
        "en": "This model is switched off for now.",
        "ru": "Эта модель сейчас отключена.",
    },
    "input.invalid": {"en": "That input is not valid.", "ru": "Такой ввод не подходит."},
    "input.invalid_option": {
        "en": "That option is not valid for this model.",
        "ru": "Такой параметр не подходит для этой модели.",
    },
    "input.prompt_missing": {"en": "Please write a prompt.", "ru": "Напишите описание."},
    "input.prompt_not_accepted": {
        "en": "This model does not take a text prompt.",
        "ru": "Эта модель не принимает текстовое описание.",
    },
    "input.prompt_too_long": {
        "en": "The prompt is too long: {length} characters, at most {max_length}.",
        "ru": "Описание слишком длинное: {length} символов, можно не больше {max_length}.",
    },
    "input.prompt_too_short": {
        "en": "The prompt is too short: at least {min_length} characters.",
        "ru": "Описание слишком короткое: нужно хотя бы {min_length} символов.",
    },
    "input.images_required": {
        "en": "This model needs a photo.",
        "ru": "Для этой модели нужна фотография.",
    },
    "input.too_many_images": {
        "en": "Too many photos: at most {max_images}.",
        "ru": "Слишком много фотографий: не больше {max_images}.",
    },
    "kie.unavailable": {
        "en": "The image service is unavailable right now.",
        "ru": "Сервис генерации сейчас недоступен.",
    },
    "kie.busy": {"en": "The image service is overloaded.", "ru": "Сервис генерации перегружен."},
    "kie.maintenance": {
        "en": "The image service is under maintenance.",
        "ru": "Сервис генерации на обслуживании.",
    },
    "kie.generation_failed": {
        "en": "The model could not generate this (it may have refused the content).",
        "ru": "Модель не смогла это сгенерировать (возможно, отклонила содержание).",
    },
    "kie.invalid_input": {
        "en": "The model refused this request.",
        "ru": "Модель отклонила этот запрос.",
    },
    "kie.task_lost": {
        "en": "The image service lost this generation.",
        "ru": "Сервис генерации потерял эту задачу.",
    },
    "kie.outcome_unknown": {
        "en": "The image service did not confirm the generation.",
        "ru": "Сервис генерации не подтвердил задачу.",
    },
    "kie.file_rejected": {"en": "That file cannot be used.", "ru": "Этот файл не подходит."},
    "kie.file_too_large": {
        "en": "The file is too large (10 MB at most).",
        "ru": "Файл слишком большой (не больше 10 МБ).",
    },
    "kie.file_type": {
        "en": "Please send a JPEG, PNG or WebP image.",
        "ru": "Пришлите картинку в формате JPEG, PNG или WebP.",
    },
    "delivery.failed": {
        "en": "Telegram would not take the result.",
        "ru": "Telegram не принял результат.",
    },
    "delivery.recipient_unavailable": {
        "en": "The chat is not reachable.",
        "ru": "Чат недоступен.",
    },
    "delivery.result_unavailable": {
        "en": "The result could not be downloaded.",
        "ru": "Не удалось скачать результат.",
    },
    "error.internal": {
        "en": "Something went wrong on our side. Please try again in a minute.",
        "ru": "У нас что-то пошло не так. Попробуйте через минуту.",
    },
    "error.unavailable": {
        "en": "The service is briefly unavailable. Please try again in a minute.",
        "ru": "Сервис ненадолго недоступен. Попробуйте через минуту.",
    },
}
