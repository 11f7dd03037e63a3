"""What a file really is, judged by its bytes, never by the name or the type the browser claims. Pure."""

from __future__ import annotations

from .choices import DocumentKind

# Signatures at the start of the file (offset, bytes) → content type.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"\xff\xf3", "audio/mpeg"),
    (0, b"\xff\xf2", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"\x1a\x45\xdf\xa3", "audio/webm"),
)

DOCUMENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff"})
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/wav", "audio/ogg", "audio/flac", "audio/webm", "audio/mp4"})


def sniff(head: bytes) -> str | None:
    """The content type the first bytes prove, or None when they prove nothing we accept."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    for offset, magic, content_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    return None


def allowed_types(kind: str) -> frozenset[str]:
    return AUDIO_TYPES if kind == DocumentKind.CALL_RECORDING else DOCUMENT_TYPES


EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tiff",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/flac": ".flac",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
}


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One byte range from an HTTP Range header (RFC 9110 14.1.2), inclusive, or None if unusable."""
    if not header.startswith("bytes=") or "," in header or size <= 0:
        return None
    first, _, last = header[len("bytes=") :].strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(size - length, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start > end or start >= size:
        return None
    return start, min(end, size - 1)
