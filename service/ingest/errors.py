"""Typed ingestion errors: each says what is wrong with the input and where."""

from __future__ import annotations


class IngestError(ValueError):
    """The input cannot be read as a report. `reason` is a short machine-readable code."""

    reason = "unreadable"

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class EmptyDocumentError(IngestError):
    reason = "empty"


class BinaryInputError(IngestError):
    reason = "binary"


class DecodingError(IngestError):
    reason = "decoding"


class UnsupportedMediaError(IngestError):
    reason = "unsupported_media"


class TooLargeError(IngestError):
    reason = "too_large"


class NoTextLayerError(IngestError):
    """A PDF whose pages are pictures (a scan): there is no text to read without OCR."""

    reason = "no_text_layer"


class EncryptedError(IngestError):
    reason = "encrypted"


class MalformedError(IngestError):
    """A PDF or Word file its library cannot open: truncated, damaged, or another format."""

    reason = "malformed"
