"""The syncFinder wire format: keyBuff codec, item models, content parsing, scrubbing."""
