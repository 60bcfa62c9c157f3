"""Small valid media files: silent WAV recordings, a one-page PDF resume, an SVG image."""

from __future__ import annotations

import struct
from collections.abc import Iterator

SAMPLE_RATE = 8000  # 8 kHz, mono, 8-bit unsigned PCM: 8 kB per second
MAX_SECONDS = 600


def wav_length(seconds: float) -> int:
    return 44 + int(min(max(seconds, 1.0), MAX_SECONDS) * SAMPLE_RATE)


def wav_chunks(seconds: float, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A WAV file of silence (sample value 128), streamed in chunks."""
    data_len = wav_length(seconds) - 44
    yield (b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVE"
           + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8)
           + b"data" + struct.pack("<I", data_len))
    silence = b"\x80" * chunk
    remaining = data_len
    while remaining > 0:
        n = min(chunk, remaining)
        yield silence[:n]
        remaining -= n


def resume_pdf(name: str, title: str) -> bytes:
    """A minimal one-page PDF showing the candidate's name (xref offsets computed)."""

    def esc(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = (f"BT /F1 18 Tf 72 720 Td ({esc(name)}) Tj ET\n"
              f"BT /F1 12 Tf 72 696 Td (Resume - applied for {esc(title)}) Tj ET\n")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def svg_image(label: str) -> bytes:
    initials = "".join(w[0] for w in label.replace("-", " ").split()[:2]).upper() or "H"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        '<rect width="96" height="96" rx="16" fill="#3b5bdb"/>'
        '<text x="48" y="60" font-size="36" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif">{initials}</text></svg>'
    ).encode()
