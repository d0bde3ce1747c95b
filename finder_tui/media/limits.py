"""How much image data the app keeps and downloads (config ``media_cache_mb``, ``image_max_mb``)."""

from __future__ import annotations

from dataclasses import dataclass

from .cache import DEFAULT_BUDGET
from .download import MAX_IMAGE_BYTES

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaLimits:
    cache_bytes: int = DEFAULT_BUDGET  # the cache's total, least recently used evicted first
    image_bytes: int = MAX_IMAGE_BYTES  # one download stops (refused) beyond this

    @classmethod
    def from_mb(cls, cache_mb: float, image_mb: float) -> MediaLimits:
        return cls(int(cache_mb * MB), int(image_mb * MB))
