"""Images of messages: fetched on demand through the vendor (``/getMsgImg``), downloaded over
http(s) with size caps and Pillow's decompression-bomb guard, cached in the store directory."""

from .cache import MediaCache
from .errors import MediaError
from .fetch import MediaFetcher, fetch_image_url
from .limits import MediaLimits

__all__ = ["MediaCache", "MediaError", "MediaFetcher", "MediaLimits", "fetch_image_url"]
