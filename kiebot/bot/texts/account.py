"""Texts of the user's own corner: /help and the command menu, /history, /settings,
/cancel and the deletion of their data (see the package doc for the format).

Counted words use the plural spec of `texts.plurals`: `{n:credit|credits}`,
`{n:кредит|кредита|кредитов}`.
"""

from __future__ import annotations

_HELP: dict[str, dict[str, str]] = {
    "help.title": {
        "en": "<b>What I can do</b> (prices in credits, from the cheapest model):",
        "ru": "<b>Что я умею</b> (цены в кредитах, от самой дешёвой модели):",
    },
    "help.kind.text_to_image": {
        "en": "🖼 <b>Text → image</b>, from {price}: just send a description, e.g.\n"
        "<i>a lighthouse on a cliff at dawn, oil painting</i>",
        "ru": "🖼 <b>Текст → картинка</b>, от {price}: просто отправьте описание, например\n"
        "<i>маяк на скале на рассвете, масло</i>",
    },
    "help.kind.image_edit": {
        "en": "✏️ <b>Edit a photo</b>, from {price}: send a photo with a caption saying what "
        "to change, e.g. <i>make it winter, snow on the roofs</i>; or send the photo alone "
        "and then write what to change",
        "ru": "✏️ <b>Правка фото</b>, от {price}: отправьте фото с подписью, что изменить, "
        "например <i>сделай зиму, снег на крышах</i>; или отправьте фото без подписи, а "
        "затем напишите, что изменить",
    },
    "help.kind.multi_image": {
        "en": "🧩 <b>Merge photos</b>, from {price}: send several photos as an album with a "
        "caption (or the album first, then the words), e.g. "
        "<i>put the cat from the first photo on the sofa from the second</i>",
        "ru": "🧩 <b>Объединить фото</b>, от {price}: отправьте несколько фото альбомом с "
        "подписью (или альбом, а затем текст), например "
        "<i>посади кота с первого фото на диван со второго</i>",
    },
    "help.kind.upscale": {
        "en": "🔍 <b>Upscale</b>, from {price}: send a photo without a caption and press "
        "<b>{button}</b>, or choose it in /models and then each photo sent without a caption "
        "is upscaled at once; "
        "an image result has this button too",
        "ru": "🔍 <b>Увеличить качество</b>, от {price}: отправьте фото без подписи и "
        "нажмите <b>{button}</b> или выберите это в /models, и тогда каждое фото без "
        "подписи будет увеличиваться сразу; такая кнопка есть и под готовой картинкой",
    },
    "help.kind.background_removal": {
        "en": "✂️ <b>Remove the background</b>, from {price}: send a photo without a caption "
        "and press <b>{button}</b>, or choose it in /models and then each photo sent without "
        "a caption is cut out at once (you get a file that keeps the transparency)",
        "ru": "✂️ <b>Убрать фон</b>, от {price}: отправьте фото без подписи и нажмите "
        "<b>{button}</b> или выберите это в /models, и тогда с каждого фото без подписи "
        "фон будет убираться сразу (придёт файл с прозрачностью)",
    },
    "help.kind.text_to_video": {
        "en": "🎬 <b>Text → video</b>, from {price}: choose a video model in /models, then "
        "send a description, e.g. <i>a paper boat drifting down a rainy street</i>",
        "ru": "🎬 <b>Текст → видео</b>, от {price}: выберите видеомодель в /models, затем "
        "отправьте описание, например <i>бумажный кораблик плывёт по дождливой улице</i>",
    },
    "help.kind.image_to_video": {
        "en": "📽 <b>Photo → video</b>, from {price}: send a photo without a caption, press "
        "<b>{button}</b> and write how it should move, e.g. <i>waves roll in, the camera "
        "pulls back</i>; with a video model chosen in /models, a photo with such a caption "
        "is animated at once; under an image result, press 🎬 Animate",
        "ru": "📽 <b>Фото → видео</b>, от {price}: отправьте фото без подписи, нажмите "
        "<b>{button}</b> и напишите, как оно должно двигаться, например <i>волны набегают, "
        "камера отъезжает</i>; если в /models выбрана видеомодель, фото с такой подписью "
        "оживёт сразу; под готовой картинкой нажмите 🎬 Оживить",
    },
    "help.commands": {"en": "<b>Commands</b>", "ru": "<b>Команды</b>"},
    "help.command": {"en": "/{command} — {description}", "ru": "/{command} — {description}"},
    "help.footer": {
        "en": "Each generation shows its progress in one message, with a button to cancel "
        "it; credits come back for anything that fails or is cancelled.",
        "ru": "Каждая генерация показывает ход работы в одном сообщении с кнопкой отмены; "
        "за неудачную или отменённую генерацию кредиты возвращаются.",
    },
}

# The command menu (setMyCommands) and the list in /help: one description per command.
_COMMANDS: dict[str, dict[str, str]] = {
    "command.start": {"en": "Start, see your balance", "ru": "Начать, узнать баланс"},
    "command.models": {
        "en": "Choose a model and its options",
        "ru": "Выбрать модель и её параметры",
    },
    "command.balance": {"en": "Your credits", "ru": "Ваши кредиты"},
    "command.buy": {"en": "Buy credits", "ru": "Купить кредиты"},
    "command.history": {
        "en": "Your recent generations",
        "ru": "Последние генерации",
    },
    "command.settings": {
        "en": "Language, aspect ratio, spending cap, your data",
        "ru": "Язык, формат кадра, лимит трат, ваши данные",
    },
    "command.cancel": {"en": "Stop a running generation", "ru": "Остановить генерацию"},
    "command.help": {"en": "What I can do, with examples", "ru": "Что я умею, с примерами"},
}

_HISTORY: dict[str, dict[str, str]] = {
    "history.empty": {
        "en": "You have no generations yet. Send a description to make your first one.",
        "ru": "Генераций пока нет. Отправьте описание, чтобы сделать первую.",
    },
    "history.title": {
        "en": "<b>Your generations</b>, page {page} of {pages}:",
        "ru": "<b>Ваши генерации</b>, страница {page} из {pages}:",
    },
    "history.entry": {
        "en": "{number}. {state} · {model}\n    {cost} · {date}{prompt}",
        "ru": "{number}. {state} · {model}\n    {cost} · {date}{prompt}",
    },
    "history.prompt": {"en": "\n    <i>“{prompt}”</i>", "ru": "\n    <i>«{prompt}»</i>"},
    "history.date": {
        "en": "{when:%Y-%m-%d %H:%M} UTC",
        "ru": "{when:%d.%m.%Y %H:%M} UTC",
    },
    "history.cost.spent": {
        "en": "{price:credit|credits}",
        "ru": "{price:кредит|кредита|кредитов}",
    },
    "history.cost.refunded": {
        "en": "{price:credit|credits} returned",
        "ru": "{price:кредит|кредита|кредитов} возвращено",
    },
    "history.cost.reserved": {
        "en": "{price:credit|credits} reserved",
        "ru": "{price:кредит|кредита|кредитов} в резерве",
    },
    "history.state.queued": {"en": "⏳ queued", "ru": "⏳ в очереди"},
    "history.state.running": {"en": "🎨 generating", "ru": "🎨 генерируется"},
    "history.state.delivering": {"en": "📤 sending", "ru": "📤 отправляется"},
    "history.state.done": {"en": "✅ done", "ru": "✅ готово"},
    "history.state.failed": {"en": "❌ failed", "ru": "❌ не удалось"},
    "history.state.cancelled": {"en": "✖ cancelled", "ru": "✖ отменено"},
    "history.state.expired": {"en": "⌛ timed out", "ru": "⌛ время вышло"},
    "history.hint": {
        "en": "Tap 📥 with a number to get that result again.",
        "ru": "Нажмите 📥 с номером, чтобы получить результат ещё раз.",
    },
    "history.button.resend": {"en": "📥 {number}", "ru": "📥 {number}"},
    "history.button.newer": {"en": "◀ Newer", "ru": "◀ Новее"},
    "history.button.older": {"en": "Older ▶", "ru": "Старше ▶"},
    "history.page_gone": {
        "en": "That page is no longer there; here is the nearest one.",
        "ru": "Этой страницы больше нет; вот ближайшая.",
    },
    "history.resent": {"en": "Sent again", "ru": "Отправлено ещё раз"},
    "history.not_found": {
        "en": "I cannot find that generation in your history.",
        "ru": "Не нахожу эту генерацию в вашей истории.",
    },
    "history.not_kept": {
        "en": "There is no kept file for this generation to send again.",
        "ru": "Для этой генерации нет сохранённого файла, чтобы отправить его снова.",
    },
    "history.file_gone": {
        "en": "Telegram no longer has this file.",
        "ru": "В Telegram этого файла больше нет.",
    },
}

_SETTINGS: dict[str, dict[str, str]] = {
    "settings.title": {
        "en": "<b>Settings</b>\nLanguage: {language_name}\nDefault aspect ratio: {aspect_ratio}\n"
        "Daily spending cap: {cap}",
        "ru": "<b>Настройки</b>\nЯзык: {language_name}\nФормат кадра по умолчанию: {aspect_ratio}\n"
        "Лимит трат в день: {cap}",
    },
    "settings.aspect_ratio.none": {"en": "each model's own", "ru": "свой у каждой модели"},
    "settings.cap.none": {"en": "none", "ru": "нет"},
    "settings.cap.value": {
        "en": "{cap:credit|credits} ({spent} spent today)",
        "ru": "{cap:кредит|кредита|кредитов} (сегодня потрачено {spent})",
    },
    "language.name.en": {"en": "English", "ru": "English"},
    "language.name.ru": {"en": "Русский", "ru": "Русский"},
    "settings.button.language": {"en": "🌐 Language", "ru": "🌐 Язык"},
    "settings.button.aspect_ratio": {"en": "📐 Aspect ratio", "ru": "📐 Формат кадра"},
    "settings.button.cap": {"en": "💳 Spending cap", "ru": "💳 Лимит трат"},
    "settings.button.delete": {"en": "🗑 Delete my data", "ru": "🗑 Удалить мои данные"},
    "settings.button.back": {"en": "« Back", "ru": "« Назад"},
    "settings.button.aspect_ratio_none": {"en": "Model's own", "ru": "Как у модели"},
    "settings.button.cap_none": {"en": "No cap", "ru": "Без лимита"},
    "settings.button.chosen": {"en": "• {label} •", "ru": "• {label} •"},
    "settings.choose_language": {"en": "Choose the language:", "ru": "Выберите язык:"},
    "settings.choose_aspect_ratio": {
        "en": "Aspect ratio for new generations, used by every model that offers it "
        "(a choice made in a model's own options in /models wins):",
        "ru": "Формат кадра для новых генераций, для всех моделей, где он есть "
        "(выбор в параметрах самой модели в /models важнее):",
    },
    "settings.choose_cap": {
        "en": "The most credits you want to spend in a day. Generations over it are "
        "refused until the next day (UTC).",
        "ru": "Сколько кредитов вы готовы тратить в день. Генерации сверх лимита не "
        "запускаются до следующего дня (UTC).",
    },
    "settings.saved": {"en": "Saved", "ru": "Сохранено"},
    "settings.invalid_choice": {
        "en": "That choice is not available any more.",
        "ru": "Этот вариант больше недоступен.",
    },
}

_KEPT_EN = (
    "<b>What stays, and why:</b> your balance and the ledger of credit movements (amounts, "
    "dates, references to generations and payments) under your numeric Telegram id, and "
    "your Telegram Stars payments. They are accounting records: the balance must keep "
    "adding up, and a payment must stay refundable and auditable. Nothing in them says "
    "what you asked for. Messages already in this chat stay until you delete them in "
    "Telegram."
)
_KEPT_RU = (
    "<b>Что остаётся и почему:</b> ваш баланс и журнал движения кредитов (суммы, даты, "
    "ссылки на генерации и платежи) под вашим числовым id в Telegram, а также платежи "
    "Telegram Stars. Это бухгалтерские записи: баланс должен сходиться, а платёж — "
    "оставаться доступным для возврата и проверки. В них нет того, что вы просили "
    "сгенерировать. Сообщения в этом чате остаются, пока вы не удалите их в Telegram."
)

_ERASE: dict[str, dict[str, str]] = {
    "erase.confirm": {
        "en": "<b>Delete your data?</b>\n<b>What goes:</b> your history of generations "
        "(prompts, options, your photos' and the results' Telegram file ids, links to "
        "results), your settings (chosen models and their options, aspect ratio, language, "
        "daily spending cap), your Telegram username, and any unfinished request."
        "\n\n" + _KEPT_EN + "\n\nThis cannot be undone.",
        "ru": "<b>Удалить ваши данные?</b>\n<b>Что удаляется:</b> история генераций "
        "(описания, параметры, id ваших фото и результатов в Telegram, ссылки на "
        "результаты), настройки (выбранные модели и их параметры, формат кадра, язык, "
        "лимит трат), ваше имя пользователя в Telegram и незавершённые запросы."
        "\n\n" + _KEPT_RU + "\n\nОтменить удаление будет нельзя.",
    },
    "erase.button.confirm": {"en": "🗑 Yes, delete", "ru": "🗑 Да, удалить"},
    "erase.button.keep": {"en": "Keep my data", "ru": "Не удалять"},
    "erase.done": {
        "en": "Done: your data is deleted ({jobs:generation|generations} with their prompts "
        "and file ids, your settings and language).\n\n" + _KEPT_EN + "\n\nYour balance: "
        "{balance:credit|credits}.",
        "ru": "Готово: ваши данные удалены ({jobs:генерация|генерации|генераций} с "
        "описаниями и id файлов, настройки и язык).\n\n" + _KEPT_RU + "\n\nВаш баланс: "
        "{balance:кредит|кредита|кредитов}.",
    },
    "erase.active_jobs": {
        "en": "You have {count:generation|generations} running. Wait until they finish "
        "(or /cancel them), then delete your data: a running generation still needs its "
        "record to reach you and to settle its credits.",
        "ru": "У вас идёт {count:генерация|генерации|генераций}. Дождитесь окончания "
        "(или отмените через /cancel) и удалите данные: идущей генерации её запись ещё "
        "нужна, чтобы дойти до вас и рассчитаться за кредиты.",
    },
}

_CANCEL: dict[str, dict[str, str]] = {
    "cancel.nothing": {
        "en": "Nothing to cancel: no generation of yours is running.",
        "ru": "Отменять нечего: у вас не идёт ни одной генерации.",
    },
    "cancel.too_late": {
        "en": "Nothing left to cancel: your result is already on its way.",
        "ru": "Отменять уже нечего: результат уже отправляется.",
    },
    "cancel.done": {
        "en": "Cancelled: {models}. Returned to your balance: {price:credit|credits}.",
        "ru": "Отменено: {models}. Возвращено на баланс: {price:кредит|кредита|кредитов}.",
    },
    "cancel.choose": {
        "en": "You have {count:generation|generations} running. Which one should I cancel?",
        "ru": "У вас идёт {count:генерация|генерации|генераций}. Какую отменить?",
    },
    "cancel.button.job": {"en": "✖ {number}. {model}", "ru": "✖ {number}. {model}"},
    "cancel.separator": {"en": ", ", "ru": ", "},
    "cancel.button.all": {"en": "✖ Cancel all", "ru": "✖ Отменить все"},
}


def _joined(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    joined: dict[str, dict[str, str]] = {}
    for table in tables:
        for key in table.keys() & joined.keys():
            raise ValueError(f"text key {key!r} is defined twice")
        joined.update(table)
    return joined


TEXTS = _joined(_HELP, _COMMANDS, _HISTORY, _SETTINGS, _ERASE, _CANCEL)
