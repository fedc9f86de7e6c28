"""Errors of the catalog: a broken catalog file, and user input a model cannot take.

Two families with different audiences. `CatalogError` is the operator's: the file is
wrong, the process must not start, and the message names the file, the model and the
field so it can be fixed without reading code. `InputError` and its subclasses are the
user's: each carries the numbers a reply needs (`max_length`, `choices`, ...) and a
`user_message_key`, so the bot's one error handler can tell the user what to change.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiebot.errors import KiebotError


class CatalogError(KiebotError):
    """The catalog file is malformed; raised at start-up, never while serving.

    `model` and `field` locate the problem (`field` is a dotted path inside the model's
    table, such as `fields.aspect_ratio.default` or `price.add.duration`); either is None
    when the problem is above that level.
    """

    def __init__(
        self,
        problem: str,
        *,
        model: str | None = None,
        field: str | None = None,
        source: str | None = None,
    ) -> None:
        where = [source] if source else []
        if model is not None:
            where.append(f"model {model!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)
        self.problem = problem
        self.model = model
        self.field = field
        self.source = source


class UnknownModel(KiebotError):
    """No catalog entry has this id (a stale button, or a job of a removed model)."""

    user_message_key = "catalog.unknown_model"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"no model {model_id!r} in the catalog")
        self.model_id = model_id


class ModelUnavailable(KiebotError):
    """No enabled model of this kind: the operator switched them all off."""

    user_message_key = "catalog.model_unavailable"

    def __init__(self, kind: str) -> None:
        super().__init__(f"no enabled model of kind {kind!r}")
        self.kind = kind


class InputError(KiebotError):
    """What the user asked for does not fit the model; nothing was sent or charged."""

    user_message_key = "input.invalid"


class PromptMissing(InputError):
    """The model needs a prompt and none (or only whitespace) was given."""

    user_message_key = "input.prompt_missing"

    def __init__(self) -> None:
        super().__init__("a prompt is required")


class PromptNotAccepted(InputError):
    """A prompt was given to a model without one (upscale, background removal).

    Refused rather than dropped: the user would believe the text shaped the result.
    """

    user_message_key = "input.prompt_not_accepted"

    def __init__(self) -> None:
        super().__init__("this model takes no prompt")


class PromptTooLong(InputError):
    user_message_key = "input.prompt_too_long"

    def __init__(self, max_length: int, length: int) -> None:
        super().__init__(f"the prompt has {length} characters, at most {max_length} allowed")
        self.max_length = max_length
        self.length = length


class PromptTooShort(InputError):
    user_message_key = "input.prompt_too_short"

    def __init__(self, min_length: int, length: int) -> None:
        super().__init__(f"the prompt has {length} characters, at least {min_length} needed")
        self.min_length = min_length
        self.length = length


class InvalidOption(InputError):
    """An option the model does not have, or a value it does not take.

    `choices` lists the allowed values when the field is an enum (empty otherwise);
    `reason` says what is wrong in words, for logs.
    """

    user_message_key = "input.invalid_option"

    def __init__(
        self, field: str, value: object, choices: Sequence[str] = (), *, reason: str = ""
    ) -> None:
        detail = reason or (f"must be one of {list(choices)}" if choices else "not accepted")
        super().__init__(f"option {field!r} = {value!r}: {detail}")
        self.field = field
        self.value = value
        self.choices = tuple(choices)
        self.reason = detail


class ImagesRequired(InputError):
    """The model works on images and got fewer than it needs."""

    user_message_key = "input.images_required"

    def __init__(self, min_images: int, count: int = 0) -> None:
        super().__init__(f"{count} image(s) given, at least {min_images} needed")
        self.min_images = min_images
        self.count = count


class TooManyImages(InputError):
    """More images than the model takes; `max_images` is 0 for a text-only model."""

    user_message_key = "input.too_many_images"

    def __init__(self, max_images: int, count: int) -> None:
        super().__init__(f"{count} image(s) given, at most {max_images} allowed")
        self.max_images = max_images
        self.count = count
