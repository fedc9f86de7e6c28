"""The models the simulator serves, transcribed from KIE's documentation.

Each entry follows docs/kie-models.md (KIE's model pages, with sources): required fields,
prompt limits, enums, number ranges, how many input images and of what kind. Written
from the documentation alone, never from the bot's catalog: a simulator that copied the
catalog would share its mistakes. Prices are KIE credits and durations seconds; both are
knobs (`KieSimulator.set_model_cost`, `set_model_duration`), not facts.
"""

from __future__ import annotations

from typing import Any

from kiebot.sim.kie.models import FieldSpec, ModelSpec

MiB = 1024 * 1024

ASPECT_RATIOS_NANO = (
    "1:1",
    "9:16",
    "16:9",
    "3:4",
    "4:3",
    "3:2",
    "2:3",
    "5:4",
    "4:5",
    "21:9",
    "auto",
)
SEEDREAM_V4_SIZES = (
    "square",
    "square_hd",
    "portrait_4_3",
    "portrait_3_2",
    "portrait_16_9",
    "landscape_4_3",
    "landscape_3_2",
    "landscape_16_9",
    "landscape_21_9",
)
SEEDREAM_45_RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16", "2:3", "3:2", "21:9")
FLUX2_RATIOS = ("1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "auto")
VEO_MODELS = ("veo3", "veo3_fast", "veo3_lite")
VEO_TYPES = ("TEXT_2_VIDEO", "FIRST_AND_LAST_FRAMES_2_VIDEO", "REFERENCE_2_VIDEO")


def _prompt(max_length: int | None, min_length: int | None = None) -> FieldSpec:
    return FieldSpec("string", required=True, max_length=max_length, min_length=min_length)


def _images(max_items: int, min_items: int | None = None, **limits: Any) -> FieldSpec:
    return FieldSpec("url_list", required=True, max_items=max_items, min_items=min_items, **limits)


def _enum(*choices: str, required: bool = False) -> FieldSpec:
    return FieldSpec("enum", required=required, choices=choices)


def _bool(required: bool = False) -> FieldSpec:
    return FieldSpec("boolean", required=required)


def _image_models() -> list[ModelSpec]:
    nano_format = _enum("png", "jpeg")
    nano_ratio = _enum(*ASPECT_RATIOS_NANO)
    nano = {
        "prompt": _prompt(5000),
        "output_format": nano_format,
        "aspect_ratio": nano_ratio,
        "image_size": nano_ratio,  # deprecated by KIE in favour of aspect_ratio
        "nsfw_checker": _bool(),
    }
    seedream_v4 = {
        "prompt": _prompt(5000),
        "image_size": _enum(*SEEDREAM_V4_SIZES),
        "image_resolution": _enum("1K", "2K", "4K"),
        "max_images": FieldSpec("number", minimum=1, maximum=6),
        "seed": FieldSpec("integer"),
        "nsfw_checker": _bool(),
    }
    seedream_45 = {
        "prompt": _prompt(3000),
        "aspect_ratio": _enum(*SEEDREAM_45_RATIOS, required=True),
        "quality": _enum("basic", "high", required=True),
    }
    flux2 = {
        "prompt": _prompt(5000, min_length=3),
        "aspect_ratio": _enum(*FLUX2_RATIOS, required=True),
        "resolution": _enum("1K", "2K", required=True),
    }
    return [
        ModelSpec(
            "z-image",
            "image",
            {
                "prompt": _prompt(1000),
                "aspect_ratio": _enum("1:1", "4:3", "3:4", "16:9", "9:16", required=True),
                "nsfw_checker": _bool(),
            },
            cost=0.8,
            median_s=8.0,
            sigma=0.3,
        ),
        ModelSpec("google/nano-banana", "image", dict(nano), cost=4.0, median_s=12.0, sigma=0.3),
        ModelSpec(
            "google/nano-banana-edit",
            "image",
            {**nano, "image_urls": _images(10)},
            cost=4.0,
            median_s=14.0,
            sigma=0.3,
        ),
        ModelSpec(
            "bytedance/seedream-v4-text-to-image",
            "image",
            seedream_v4,
            cost=5.0,
            median_s=21.0,
            sigma=0.3,
        ),
        ModelSpec(
            "bytedance/seedream-v4-edit",
            "image",
            {**seedream_v4, "image_urls": _images(10)},
            cost=5.0,
            median_s=22.0,
            sigma=0.3,
        ),
        ModelSpec("seedream/4.5-text-to-image", "image", seedream_45, cost=6.5, median_s=20.0),
        ModelSpec(
            "seedream/4.5-edit",
            "image",
            {**seedream_45, "image_urls": _images(14)},
            cost=6.5,
            median_s=22.0,
        ),
        ModelSpec("flux-2/pro-text-to-image", "image", flux2, cost=5.0, median_s=15.0),
        ModelSpec(
            "flux-2/pro-image-to-image",
            "image",
            {**flux2, "input_urls": _images(8, min_items=1)},
            cost=5.0,
            median_s=20.0,
        ),
        ModelSpec(
            "topaz/image-upscale",
            "image",
            {
                "image_url": FieldSpec("url", required=True),
                "upscale_factor": _enum("1", "2", "4", "8", required=True),
            },
            cost=10.0,
            median_s=15.0,
        ),
        ModelSpec(
            "recraft/crisp-upscale",
            "image",
            {"image": FieldSpec("url", required=True)},
            cost=0.5,
            median_s=8.0,
        ),
        ModelSpec(
            "recraft/remove-background",
            "image",
            {
                "image": FieldSpec(
                    "url", required=True, max_bytes=5 * MiB, min_side=256, max_side=4096
                )
            },
            cost=1.0,
            median_s=6.0,
        ),
    ]


def _veo_rules(body: dict[str, Any]) -> str | None:
    """Veo's rules across fields (docs/kie-models.md section 10)."""
    kind = body.get("generationType")
    images = body.get("imageUrls") or []
    if kind == "REFERENCE_2_VIDEO" and body.get("model", "veo3_fast") != "veo3_fast":
        return "REFERENCE_2_VIDEO is only supported by veo3_fast"
    if kind == "FIRST_AND_LAST_FRAMES_2_VIDEO" and not 1 <= len(images) <= 2:
        return "FIRST_AND_LAST_FRAMES_2_VIDEO needs 1 or 2 imageUrls"
    if kind == "REFERENCE_2_VIDEO" and not 1 <= len(images) <= 3:
        return "REFERENCE_2_VIDEO needs 1 to 3 imageUrls"
    if kind == "TEXT_2_VIDEO" and images:
        return "TEXT_2_VIDEO takes no imageUrls"
    return None


def _veo(name: str, cost: float, median_s: float) -> ModelSpec:
    ratio = _enum("16:9", "9:16", "Auto")
    return ModelSpec(
        name,
        "video",
        {
            "prompt": _prompt(None),
            "imageUrls": FieldSpec("url_list", max_items=3),
            "generationType": _enum(*VEO_TYPES),
            "aspect_ratio": ratio,
            "aspectRatio": ratio,  # the older docs' name; both are accepted
            "resolution": _enum("720p", "1080p", "4k"),
            "seeds": FieldSpec("integer", minimum=10000, maximum=99999),
            "enableTranslation": _bool(),
            "watermark": FieldSpec("string"),
            "enableFallback": _bool(),
        },
        cost=cost,
        median_s=median_s,
        sigma=0.2,
        family="veo",
        cross_check=_veo_rules,
    )


def _video_models() -> list[ModelSpec]:
    kling_duration = _enum("5", "10", required=True)
    return [
        ModelSpec(
            "kling-2.6/text-to-video",
            "video",
            {
                "prompt": _prompt(1000),
                "sound": _bool(required=True),
                "aspect_ratio": _enum("1:1", "16:9", "9:16", required=True),
                "duration": kling_duration,
            },
            cost=55.0,
            median_s=90.0,
            sigma=0.25,
            progress=True,
        ),
        ModelSpec(
            "kling-2.6/image-to-video",
            "video",
            {
                "prompt": _prompt(1000),
                "image_urls": _images(1, mime_types=("image/jpeg", "image/png")),
                "sound": _bool(required=True),
                "duration": kling_duration,
            },
            cost=55.0,
            median_s=100.0,
            sigma=0.25,
            progress=True,
        ),
        ModelSpec(
            "bytedance/v1-pro-text-to-video",
            "video",
            {
                "prompt": _prompt(10000),
                "aspect_ratio": _enum("21:9", "16:9", "4:3", "1:1", "3:4", "9:16"),
                "resolution": _enum("480p", "720p", "1080p"),
                "duration": _enum("5", "10"),
                "camera_fixed": _bool(),
                "seed": FieldSpec("number", minimum=-1, maximum=2147483647),
                "enable_safety_checker": _bool(),
            },
            cost=30.0,
            median_s=60.0,
            sigma=0.25,
        ),
        _veo("veo3", cost=250.0, median_s=150.0),
        _veo("veo3_fast", cost=60.0, median_s=90.0),
        _veo("veo3_lite", cost=40.0, median_s=80.0),
    ]


def default_models() -> list[ModelSpec]:
    """The built-in table: every model the bot's bundled catalog sells."""
    return [*_image_models(), *_video_models()]
