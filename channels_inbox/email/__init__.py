"""Email parsing: guards, MIME, charsets, trimming, loop detection."""
