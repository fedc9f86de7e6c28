"""A catalog entry: one model as the bot sells it, and how a request becomes KIE's input.

`build_input` is the one place a user's prompt, options and photos turn into the `input`
object KIE receives. It checks everything KIE would check (prompt length, enum choices,
image count), so a bad request is refused with a typed error before any credit is held
or any call is made, instead of coming back as KIE's 422 after the user waited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiebot.catalog.errors import (
    ImagesRequired,
    InvalidOption,
    PromptMissing,
    PromptNotAccepted,
    PromptTooLong,
    PromptTooShort,
    TooManyImages,
)
from kiebot.catalog.fields import FieldSpec, FieldType, OptionValue
from kiebot.catalog.pricing import Price
from kiebot.kie.families import FAMILIES, EndpointFamily


class JobClass(StrEnum):
    """The scheduler's lanes: video jobs are few and slow, image jobs many and quick."""

    IMAGE = "image"
    VIDEO = "video"


class Kind(StrEnum):
    """What a model does, as the bot offers it (one menu per kind)."""

    TEXT_TO_IMAGE = "text_to_image"
    IMAGE_EDIT = "image_edit"
    MULTI_IMAGE = "multi_image"
    UPSCALE = "upscale"
    BACKGROUND_REMOVAL = "background_removal"
    TEXT_TO_VIDEO = "text_to_video"
    IMAGE_TO_VIDEO = "image_to_video"

    @property
    def default_class(self) -> JobClass:
        return JobClass.VIDEO if self in _VIDEO_KINDS else JobClass.IMAGE

    @property
    def needs_prompt(self) -> bool:
        return self in _PROMPT_KINDS

    @property
    def needs_images(self) -> bool:
        return self in _IMAGE_KINDS


_VIDEO_KINDS = frozenset({Kind.TEXT_TO_VIDEO, Kind.IMAGE_TO_VIDEO})
# Image-to-video needs words too: how the picture should move (Kling and Veo require it).
_PROMPT_KINDS = frozenset(
    {
        Kind.TEXT_TO_IMAGE,
        Kind.IMAGE_EDIT,
        Kind.MULTI_IMAGE,
        Kind.TEXT_TO_VIDEO,
        Kind.IMAGE_TO_VIDEO,
    }
)
_IMAGE_KINDS = frozenset(
    {Kind.IMAGE_EDIT, Kind.MULTI_IMAGE, Kind.UPSCALE, Kind.BACKGROUND_REMOVAL, Kind.IMAGE_TO_VIDEO}
)
_URL_PREFIXES = ("https://", "http://")


@dataclass(frozen=True, slots=True, eq=False)
class ModelEntry:
    """One model of the catalog.

    `id` is the catalog's name for it (job records, user settings, duration stats);
    `kie_model` is the name sent to KIE, usually the same. `family` names the endpoint
    family in `kiebot.kie.FAMILIES`. `price` is in the bot's credits. `typical_s` is the
    first guess of a generation's duration, until finished jobs teach a better one;
    `timeout_s` is when a job of this model gives up. `fields` keeps the file's order.
    `daily_budget` is the operator's cap on the credits users may spend on this model per
    UTC day (None: no cap); once reached, the fallback is offered (`catalog.health`).
    """

    id: str
    kie_model: str
    family: str
    kind: Kind
    job_class: JobClass
    names: Mapping[str, str]
    price: Price
    timeout_s: float
    typical_s: float
    enabled: bool
    fallback: str | None
    prompt_field: str | None
    image_field: str | None
    fields: Mapping[str, FieldSpec]
    daily_budget: int | None = None

    @property
    def endpoint(self) -> EndpointFamily:
        """The endpoint family to pass to `KieClient.create_task` / `get_task`."""
        return FAMILIES[self.family]

    def display_name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]

    @property
    def prompt_spec(self) -> FieldSpec | None:
        return self.fields[self.prompt_field] if self.prompt_field else None

    @property
    def max_prompt_length(self) -> int | None:
        spec = self.prompt_spec
        return spec.max_length if spec else None

    @property
    def image_limits(self) -> tuple[int, int]:
        """(fewest, most) input images; (0, 0) for a model that takes none."""
        if self.image_field is None:
            return 0, 0
        return self.fields[self.image_field].item_limits()

    @property
    def max_image_bytes(self) -> int:
        """The largest photo this model takes, checked before any credit moves."""
        if self.image_field is None:
            return 0
        return self.fields[self.image_field].max_image_bytes

    @property
    def options(self) -> tuple[FieldSpec, ...]:
        """The fields a user may choose (the settings menu), in the file's order."""
        return tuple(spec for spec in self.fields.values() if self._is_option(spec))

    def resolve_options(self, options: Mapping[str, Any]) -> dict[str, OptionValue]:
        """Checked options with defaults filled in; None means "not chosen"."""
        chosen = {name: value for name, value in options.items() if value is not None}
        for name in chosen:
            self._settable(name, chosen[name])
        resolved: dict[str, OptionValue] = {}
        for name, spec in self.fields.items():
            if name in chosen:
                resolved[name] = spec.check(chosen[name])
            elif spec.default is not None and not spec.deprecated:
                resolved[name] = spec.default
        return resolved

    def applicable(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The subset of `options` this model takes as they are: for carrying a user's
        saved preferences (or a job's options, on a fallback) over to another model."""
        kept: dict[str, Any] = {}
        for name, value in options.items():
            spec = self.fields.get(name)
            if spec is None or not self._is_option(spec):
                continue
            try:
                kept[name] = spec.check(value)
            except InvalidOption:
                continue
        return kept

    def build_input(
        self,
        prompt: str | None,
        options: Mapping[str, Any],
        image_urls: Sequence[str] = (),
    ) -> dict[str, Any]:
        """KIE's `input` object for this request, with KIE's own field names.

        Raises an `InputError` subclass for anything the user must change. The prompt is
        sent stripped of surrounding whitespace, and that is the length checked.
        """
        values: dict[str, Any] = dict(self.resolve_options(options))
        self._put_prompt(values, prompt)
        self._put_images(values, image_urls)
        return {name: values[name] for name in self.fields if name in values}

    def check_images(self, count: int) -> None:
        """Whether this many input images fit the model; `InputError` otherwise.

        Checked before credits are reserved, for photos still to be uploaded.
        """
        low, high = self.image_limits
        if count > high:
            raise TooManyImages(high, count)
        if count < low:
            raise ImagesRequired(low, count)

    def without_images(self, task_input: Mapping[str, Any]) -> dict[str, Any]:
        """`task_input` minus the image field, for a job whose photos are uploaded later."""
        return {name: value for name, value in task_input.items() if name != self.image_field}

    def with_images(
        self, task_input: Mapping[str, Any], image_urls: Sequence[str]
    ) -> dict[str, Any]:
        """`task_input` with these image URLs added after any it holds, in field order."""
        if self.image_field is None:
            return dict(task_input)
        held = task_input.get(self.image_field)
        urls = ([held] if isinstance(held, str) else list(held or [])) + list(image_urls)
        values = dict(task_input)
        self._put_images(values, urls)
        return {name: values[name] for name in self.fields if name in values}

    def price_for(self, options: Mapping[str, Any]) -> int:
        """The price in credits for these options (checked, defaults filled in)."""
        return self.price.of(self.resolve_options(options))

    def _settable(self, name: str, value: object) -> None:
        spec = self.fields.get(name)
        if spec is None:
            raise InvalidOption(name, value, reason=f"{self.id} has no such option")
        if name == self.prompt_field:
            raise InvalidOption(name, value, reason="the prompt is given as the prompt")
        if not spec.settable:
            raise InvalidOption(name, value, reason="set by the catalog, not by users")

    def _is_option(self, spec: FieldSpec) -> bool:
        return spec.settable and spec.name != self.prompt_field

    def _put_prompt(self, values: dict[str, Any], prompt: str | None) -> None:
        text = (prompt or "").strip()
        spec = self.prompt_spec
        if spec is None:
            if text:
                raise PromptNotAccepted()
            return
        if not text:
            if spec.required:
                raise PromptMissing()
            return
        if spec.max_length is not None and len(text) > spec.max_length:
            raise PromptTooLong(spec.max_length, len(text))
        if spec.min_length is not None and len(text) < spec.min_length:
            raise PromptTooShort(spec.min_length, len(text))
        values[spec.name] = text

    def _put_images(self, values: dict[str, Any], image_urls: Sequence[str]) -> None:
        urls = list(image_urls)
        low, high = self.image_limits
        if len(urls) > high:
            raise TooManyImages(high, len(urls))
        if len(urls) < low:
            raise ImagesRequired(low, len(urls))
        if not urls or self.image_field is None:
            return
        for url in urls:
            if not isinstance(url, str) or not url.startswith(_URL_PREFIXES):
                raise InvalidOption(self.image_field, url, reason="not an http(s) URL")
        single = self.fields[self.image_field].type is FieldType.IMAGE
        values[self.image_field] = urls[0] if single else urls
