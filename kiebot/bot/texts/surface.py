"""Texts of the product surface: /models, the photo flows, result buttons, refusals.

Keys by prefix: `kind.` (the kinds of job), `models.` and `option.` / `value.` (the
/models menu and a model's settings), `flow.` (photos and prompts, fallback offers),
`result.` (buttons under a result), `wait.` (the queue's estimate), and the refusals
this part adds under `input.` and `kie.`.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # -- kinds ---------------------------------------------------------------------------
    "kind.text_to_image": {"en": "🖼 Text → image", "ru": "🖼 Текст → картинка"},
    "kind.image_edit": {"en": "✏️ Photo edit", "ru": "✏️ Правка фото"},
    "kind.multi_image": {"en": "🧩 Merge photos", "ru": "🧩 Объединить фото"},
    "kind.upscale": {"en": "🔍 Upscale", "ru": "🔍 Увеличить"},
    "kind.background_removal": {"en": "✂️ Remove background", "ru": "✂️ Убрать фон"},
    "kind.text_to_video": {"en": "🎬 Text → video", "ru": "🎬 Текст → видео"},
    "kind.image_to_video": {"en": "📽 Photo → video", "ru": "📽 Фото → видео"},
    # -- /models ---------------------------------------------------------------------------
    "models.title": {
        "en": "What would you like to make? Now: {mode}.",
        "ru": "Что будем делать? Сейчас: {mode}.",
    },
    "models.kind_title": {
        "en": "{kind}: choose a model (price in credits).",
        "ru": "{kind}: выберите модель (цена в кредитах).",
    },
    "models.model_button": {"en": "{mark}{name} · {price}", "ru": "{mark}{name} · {price}"},
    "models.chosen": {
        "en": "{kind}: <b>{model}</b>, {price:credit|credits}.\n{options}\n\n{hint}",
        "ru": "{kind}: <b>{model}</b>, {price:кредит|кредита|кредитов}.\n{options}\n\n{hint}",
    },
    "models.no_options": {
        "en": "This model has no settings.",
        "ru": "У этой модели нет настроек.",
    },
    "models.option_line": {"en": "• {name}: <b>{value}</b>", "ru": "• {name}: <b>{value}</b>"},
    "models.option_button": {"en": "⚙️ {name}: {value}", "ru": "⚙️ {name}: {value}"},
    "models.choose_value": {
        "en": "{model}: choose {name}.",
        "ru": "{model}: выберите «{name}».",
    },
    "models.back": {"en": "« Back", "ru": "« Назад"},
    "models.saved": {"en": "Saved", "ru": "Сохранено"},
    "models.none": {
        "en": "No models are available right now.",
        "ru": "Сейчас нет доступных моделей.",
    },
    "models.hint.text_to_image": {
        "en": "Send a text prompt, e.g. <i>a lighthouse at dawn, oil painting</i>.",
        "ru": "Отправьте описание, например <i>маяк на рассвете, масло</i>.",
    },
    "models.hint.image_edit": {
        "en": "Send a photo with a caption saying what to change.",
        "ru": "Отправьте фото с подписью: что в нём изменить.",
    },
    "models.hint.multi_image": {
        "en": "Send several photos as an album, with a caption saying how to combine them.",
        "ru": "Отправьте несколько фото альбомом с подписью: как их объединить.",
    },
    "models.hint.upscale": {
        "en": "Send a photo and I will upscale it.",
        "ru": "Отправьте фото, и я его увеличу.",
    },
    "models.hint.background_removal": {
        "en": "Send a photo and I will remove its background.",
        "ru": "Отправьте фото, и я уберу фон.",
    },
    "models.hint.text_to_video": {
        "en": "Send a text prompt describing the scene.",
        "ru": "Отправьте описание сцены.",
    },
    "models.hint.image_to_video": {
        "en": "Send a photo with a caption describing the motion.",
        "ru": "Отправьте фото с подписью: как оно должно ожить.",
    },
    # -- settings of a model ---------------------------------------------------------------
    "option.aspect_ratio": {"en": "Aspect ratio", "ru": "Соотношение сторон"},
    "option.output_format": {"en": "Format", "ru": "Формат"},
    "option.image_size": {"en": "Size", "ru": "Размер"},
    "option.image_resolution": {"en": "Resolution", "ru": "Разрешение"},
    "option.resolution": {"en": "Resolution", "ru": "Разрешение"},
    "option.quality": {"en": "Quality", "ru": "Качество"},
    "option.upscale_factor": {"en": "Upscale ×", "ru": "Увеличение ×"},
    "option.sound": {"en": "Sound", "ru": "Звук"},
    "option.duration": {"en": "Duration, s", "ru": "Длительность, с"},
    "option.camera_fixed": {"en": "Fixed camera", "ru": "Неподвижная камера"},
    "value.true": {"en": "on", "ru": "вкл"},
    "value.false": {"en": "off", "ru": "выкл"},
    # -- photos and prompts ----------------------------------------------------------------
    "flow.photo_choices": {
        "en": "What should I do with this photo? Or just send me what to change in it.",
        "ru": "Что сделать с этим фото? Или просто напишите, что в нём изменить.",
    },
    "flow.choice_button": {"en": "{kind} · {price}", "ru": "{kind} · {price}"},
    "flow.prompt_needed": {
        "en": "Photos: {count}. Now send a text: {what} ({model}, {price:credit|credits}).",
        "ru": "Фото: {count}. Теперь напишите, {what} ({model}, {price:кредит|кредита|кредитов}).",
    },
    "flow.what.image_edit": {"en": "what to change", "ru": "что изменить"},
    "flow.what.multi_image": {"en": "how to combine them", "ru": "как их объединить"},
    "flow.what.image_to_video": {"en": "how it should move", "ru": "как оно должно двигаться"},
    "flow.photo_expired": {
        "en": "I no longer have that photo. Please send it again.",
        "ru": "Это фото уже не сохранилось. Пришлите его ещё раз.",
    },
    "flow.offer": {
        "en": "{model} {reason}. I can do it with {fallback} for {price:credit|credits} instead.",
        "ru": "{model} {reason}. Могу сделать с помощью {fallback} "
        "за {price:кредит|кредита|кредитов}.",
    },
    "flow.reason.disabled": {"en": "is switched off for now", "ru": "сейчас отключена"},
    "flow.reason.failing": {"en": "is failing right now", "ru": "сейчас сбоит"},
    "flow.reason.out_of_budget": {
        "en": "has used up today's budget (it is back at 00:00 UTC)",
        "ru": "исчерпала лимит на сегодня (снова доступна с 00:00 UTC)",
    },
    "model.over_budget": {
        "en": "This model has just used up today's budget; nothing was charged. "
        "It is back at 00:00 UTC — or pick another one in /models.",
        "ru": "У этой модели только что закончился лимит на сегодня; ничего не списано. "
        "Она снова доступна с 00:00 UTC — или выберите другую в /models.",
    },
    "flow.offer_button": {"en": "✅ Use {model} · {price}", "ru": "✅ {model} · {price}"},
    "flow.retry_button": {
        "en": "🔁 Try {model} · {price}",
        "ru": "🔁 Попробовать {model} · {price}",
    },
    # -- under a result --------------------------------------------------------------------
    "result.again": {"en": "🔁 Again · {price}", "ru": "🔁 Ещё раз · {price}"},
    "result.file": {"en": "📎 As file", "ru": "📎 Файлом"},
    "result.upscale": {"en": "🔍 Upscale · {price}", "ru": "🔍 Увеличить · {price}"},
    "result.animate": {"en": "🎬 Animate · {price}", "ru": "🎬 Оживить · {price}"},
    "result.sending": {"en": "Sending the file…", "ru": "Отправляю файл…"},
    # -- waiting ---------------------------------------------------------------------------
    "status.queued_wait": {
        "en": "⏳ In the queue, position {position}; ready in about {wait}. "
        "{model}, {price:credit|credits} reserved.",
        "ru": "⏳ В очереди, позиция {position}; будет готово примерно через {wait}. "
        "{model}, зарезервировано {price:кредит|кредита|кредитов}.",
    },
    "wait.seconds": {"en": "{n} s", "ru": "{n} с"},
    "wait.minutes": {"en": "{n} min", "ru": "{n} мин"},
    # -- refusals --------------------------------------------------------------------------
    "input.photo_too_large": {
        "en": "This photo is too large: at most {max_mb} MB. Nothing was charged.",
        "ru": "Фото слишком большое: не больше {max_mb} МБ. Кредиты не списаны.",
    },
    "input.photo_type": {
        "en": "Please send a JPEG, PNG or WebP image. Nothing was charged.",
        "ru": "Пришлите картинку в формате JPEG, PNG или WebP. Кредиты не списаны.",
    },
    "input.file_unavailable": {
        "en": "Telegram would not give me the photo. Please send it again.",
        "ru": "Telegram не отдал мне фото. Пришлите его ещё раз.",
    },
    "kie.refused_content": {
        "en": "The model refused this under its content rules. "
        "Try rewording the prompt or another photo.",
        "ru": "Модель отказалась по своим правилам о содержании. "
        "Попробуйте переформулировать запрос или другое фото.",
    },
    "kie.refused_input": {
        "en": "The model could not use this input (the photo may be too small "
        "or of a kind it does not take).",
        "ru": "Модель не смогла использовать этот ввод (возможно, фото слишком "
        "маленькое или неподходящего вида).",
    },
}
