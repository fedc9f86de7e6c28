"""The model catalog: what the bot sells, and how each request becomes KIE's input.

One TOML file (the bundled `catalog.toml`, or the operator's via `KIEBOT_CATALOG`)
describes every model: its id at KIE, endpoint family, kind and scheduling class, input
fields with KIE's own names, types, choices, defaults and limits, which field takes the
prompt and which the images, the price (optionally depending on options), timeouts and
display names. The file's own header documents the format.

    catalog = load_catalog(settings.catalog_path)     # at start-up; raises CatalogError
    entry = catalog.default_model(Kind.TEXT_TO_IMAGE)
    price = entry.price_for(options)                   # before reserving credits
    task_input = entry.build_input(prompt, options, image_urls)
    await kie.create_task(entry.kie_model, task_input, family=entry.endpoint)

User mistakes raise `InputError` subclasses with a `user_message_key`; nothing here
does I/O after `load_catalog`.
"""

from kiebot.catalog.catalog import Catalog
from kiebot.catalog.errors import (
    CatalogError,
    ImagesRequired,
    InputError,
    InvalidOption,
    ModelUnavailable,
    PromptMissing,
    PromptNotAccepted,
    PromptTooLong,
    PromptTooShort,
    TooManyImages,
    UnknownModel,
)
from kiebot.catalog.fields import FieldSpec, FieldType, OptionValue
from kiebot.catalog.health import ModelHealth, Unavailable
from kiebot.catalog.loader import load_catalog, parse_catalog
from kiebot.catalog.model import JobClass, Kind, ModelEntry
from kiebot.catalog.pricing import Price
from kiebot.catalog.switches import ModelSwitches

__all__ = [
    "Catalog",
    "CatalogError",
    "FieldSpec",
    "FieldType",
    "ImagesRequired",
    "InputError",
    "InvalidOption",
    "JobClass",
    "Kind",
    "ModelEntry",
    "ModelHealth",
    "ModelSwitches",
    "ModelUnavailable",
    "OptionValue",
    "Price",
    "PromptMissing",
    "PromptNotAccepted",
    "PromptTooLong",
    "PromptTooShort",
    "TooManyImages",
    "Unavailable",
    "UnknownModel",
    "load_catalog",
    "parse_catalog",
]
