"""Reading and validating the catalog file, once, at start-up.

Everything a job will later rely on is proven here: field types and defaults, roles
(which field is the prompt, which the images), prices for every choice, fallbacks that
exist and do not loop, defaults per kind. A mistake stops the start-up with one line
naming the file, the model and the field, instead of failing the first paying user.

The file is small and read once before serving, so the read is a plain blocking one;
call `load_catalog` from the composition root, not from a handler.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TypeVar

from kiebot.catalog.catalog import Catalog
from kiebot.catalog.errors import CatalogError
from kiebot.catalog.fields import (
    IMAGE_TYPES,
    FieldSpec,
    FieldType,
    check_required_has_default,
    parse_field,
)
from kiebot.catalog.model import JobClass, Kind, ModelEntry
from kiebot.catalog.pricing import parse_price
from kiebot.catalog.reader import Table
from kiebot.kie.families import FAMILIES

FORMAT_VERSION = 1
BUNDLED = "catalog.toml"
LANGUAGES = ("en", "ru")


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at `path` (the operator's `KIEBOT_CATALOG`), or the bundled one."""
    if path is None:
        source = f"<bundled {BUNDLED}>"
        data = resources.files("kiebot.catalog").joinpath(BUNDLED).read_bytes()
    else:
        source = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CatalogError(f"cannot read the file: {exc.strerror}", source=source) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError("not UTF-8 text", source=source) from exc
    return parse_catalog(text, source=source)


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """A catalog from TOML text; raises `CatalogError` on the first problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"not valid TOML: {exc}", source=source) from exc
    top = Table(data, source=source)
    version = top.integer("version")
    if version != FORMAT_VERSION:
        raise top.error(f"this kiebot reads format {FORMAT_VERSION}, not {version}", "version")
    models = top.table("models")
    entries = {model_id: _parse_model(models, model_id) for model_id, _ in list(models.entries())}
    if not entries:
        raise top.error("the catalog has no models", "models")
    defaults = _parse_defaults(top.opt_table("defaults"), entries)
    top.finish()
    _check_fallbacks(entries, source)
    return Catalog(entries, defaults, source=source)


def _parse_model(models: Table, model_id: str) -> ModelEntry:
    table = models.child(model_id, model=model_id)
    family = table.string("family")
    if family not in FAMILIES:
        known = sorted(FAMILIES)
        raise table.error(f"unknown endpoint family {family!r}, known: {known}", "family")
    kind = _enum(table, "kind", Kind)
    fields = _parse_fields(table.table("fields"))
    prompt_field, image_field = _parse_roles(table, kind, fields)
    entry = ModelEntry(
        id=model_id,
        kie_model=table.opt_string("kie_model") or model_id,
        family=family,
        kind=kind,
        job_class=_enum(table, "class", JobClass) if table.has("class") else kind.default_class,
        names=_parse_names(table.table("name")),
        price=parse_price(table.value("price"), table, fields),
        timeout_s=table.positive("timeout_s"),
        typical_s=table.positive("typical_s"),
        enabled=table.boolean("enabled", True),
        fallback=table.opt_string("fallback"),
        prompt_field=prompt_field,
        image_field=image_field,
        fields=fields,
        daily_budget=table.opt_integer("daily_budget", minimum=1),
    )
    table.finish()
    if entry.typical_s >= entry.timeout_s:
        raise table.error("typical_s must be below timeout_s", "typical_s")
    return entry


E = TypeVar("E", Kind, JobClass)


def _enum(table: Table, key: str, enum: type[E]) -> E:
    raw = table.string(key)
    try:
        return enum(raw)
    except ValueError:
        allowed = [member.value for member in enum]
        raise table.error(f"{raw!r} is not one of {allowed}", key) from None


def _parse_names(table: Table) -> dict[str, str]:
    names = {language: table.string(language) for language in LANGUAGES}
    for language, _ in list(table.entries()):
        names[language] = table.string(language)
    return names


def _parse_fields(table: Table) -> dict[str, FieldSpec]:
    fields = {name: parse_field(name, table.table(name)) for name, _ in list(table.entries())}
    if not fields:
        raise table.error("a model needs at least one input field")
    return fields


def _parse_roles(
    table: Table, kind: Kind, fields: Mapping[str, FieldSpec]
) -> tuple[str | None, str | None]:
    """Which field carries the prompt and which the images, checked against the kind."""
    prompt_field = table.opt_string("prompt_field")
    image_field = table.opt_string("image_field")
    _check_role(table, "prompt_field", prompt_field, fields, {FieldType.STRING})
    _check_role(table, "image_field", image_field, fields, IMAGE_TYPES)
    if kind.needs_prompt and prompt_field is None:
        raise table.error(f"{kind} models need a prompt_field", "prompt_field")
    if kind.needs_images and image_field is None:
        raise table.error(f"{kind} models need an image_field", "image_field")
    if kind is Kind.MULTI_IMAGE and image_field and fields[image_field].item_limits()[1] < 2:
        raise table.error("a multi_image model must take 2 or more images", "image_field")
    roles = {name for name in (prompt_field, image_field) if name}
    for spec in fields.values():
        _check_field_role(table, spec, roles)
    return prompt_field, image_field


def _check_role(
    table: Table,
    key: str,
    name: str | None,
    fields: Mapping[str, FieldSpec],
    types: frozenset[FieldType] | set[FieldType],
) -> None:
    if name is None:
        return
    spec = fields.get(name)
    if spec is None:
        raise table.error(f"names {name!r}, which is not among the fields", key)
    if spec.type not in types:
        allowed = sorted(t.value for t in types)
        raise table.error(f"names {name!r} of type {spec.type}, not one of {allowed}", key)
    if spec.default is not None or spec.fixed:
        raise table.error(f"{name!r} comes from the user: no default, not fixed", key)


def _check_field_role(table: Table, spec: FieldSpec, roles: set[str]) -> None:
    if spec.is_image and spec.name not in roles:
        raise CatalogError(
            "an image field must be the model's image_field (one image input per model)",
            model=table.model,
            field=f"fields.{spec.name}",
            source=table.source,
        )
    check_required_has_default(spec, roles, table)


def _parse_defaults(table: Table | None, entries: Mapping[str, ModelEntry]) -> dict[Kind, str]:
    if table is None:
        return {}
    defaults: dict[Kind, str] = {}
    for key, _ in list(table.entries()):
        kind = _kind_key(table, key)
        model_id = table.string(key)
        entry = entries.get(model_id)
        if entry is None:
            raise table.error(f"names {model_id!r}, which is not in the catalog", key)
        if entry.kind is not kind:
            raise table.error(f"{model_id!r} is a {entry.kind} model, not {kind}", key)
        defaults[kind] = model_id
    return defaults


def _kind_key(table: Table, key: str) -> Kind:
    try:
        return Kind(key)
    except ValueError:
        raise table.error(f"{key!r} is not a kind", key) from None


def _check_fallbacks(entries: Mapping[str, ModelEntry], source: str) -> None:
    """A fallback exists, does the same kind of work, and no chain comes back on itself."""
    for entry in entries.values():
        seen = {entry.id}
        current = entry
        while current.fallback is not None:
            target = entries.get(current.fallback)
            problem = _fallback_problem(current, target, seen)
            if problem is not None or target is None:
                raise CatalogError(problem or "", model=current.id, field="fallback", source=source)
            seen.add(target.id)
            current = target


def _fallback_problem(entry: ModelEntry, target: ModelEntry | None, seen: set[str]) -> str | None:
    if target is None:
        return f"{entry.fallback!r} is not in the catalog"
    if target.kind is not entry.kind:
        return f"{target.id!r} is a {target.kind} model, not {entry.kind}"
    if target.id in seen:
        return f"the fallback chain loops back to {target.id!r}"
    return None
