"""What the API's links point to: recordings, resumes, images, export files, interview pages.

The files are small and valid: silent WAV recordings, a one-page PDF resume, an SVG image.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from html import escape
from typing import TYPE_CHECKING, Any

from .messages import ControlError, Request, Response, json_response

if TYPE_CHECKING:
    from .app import Sandbox

SAMPLE_RATE = 8000  # 8 kHz, mono, 8-bit unsigned PCM: 8 kB per second
MAX_SECONDS = 600


def wav_length(seconds: float) -> int:
    return 44 + int(min(max(seconds, 1.0), MAX_SECONDS) * SAMPLE_RATE)


def wav_chunks(seconds: float, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A WAV file of silence (sample value 128), streamed in chunks."""
    data_len = wav_length(seconds) - 44
    yield (
        b"RIFF"
        + struct.pack("<I", 36 + data_len)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE, 1, 8)
        + b"data"
        + struct.pack("<I", data_len)
    )
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

    stream = (
        f"BT /F1 18 Tf 72 720 Td ({esc(name)}) Tj ET\n"
        f"BT /F1 12 Tf 72 696 Td (Resume - applied for {esc(title)}) Tj ET\n"
    )
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
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def svg_image(label: str) -> bytes:
    initials = "".join(w[0] for w in label.replace("-", " ").split()[:2]).upper() or "H"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        '<rect width="96" height="96" rx="16" fill="#3b5bdb"/>'
        '<text x="48" y="60" font-size="36" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif">{initials}</text></svg>'
    ).encode()


# ---------------------------------------------------------------------- handlers


def serve_media(sb: Sandbox, req: Request, name: str) -> Response:
    """/_sandbox/media/<name>: <label>.svg, <interview id>.pdf (resume) or .wav (recording)."""
    if name.endswith(".svg"):
        return Response(200, svg_image(name.removesuffix(".svg")), content_type="image/svg+xml")
    stem, _, ext = name.rpartition(".")
    owner = sb.world.owner_of(stem) if ext in ("wav", "pdf") else None
    if owner is None:
        raise ControlError(f"media {name} not found", 404)
    key, plan, spec = owner
    if ext == "pdf":
        return Response(200, resume_pdf(spec.candidate["name"], plan.title), content_type="application/pdf")
    doc = sb.world.render(key, plan, spec, "")
    turns = (doc["agentic_data"].get("web_interview_info") or {}).get("transcript", {}).get("transcript", [])
    seconds = transcript_seconds(turns)
    length = wav_length(seconds)
    # Browsers seek in a recording with Range requests; without them the player can't jump.
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", (req.headers.get("Range") or "").strip())
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else length - 1, length - 1)
        else:  # a suffix range: the last N bytes
            start, end = max(0, length - int(match.group(2))), length - 1
        if start > end:
            return Response(
                416, b"", headers={"Content-Range": f"bytes */{length}"}, content_type="audio/wav"
            )
        body = b"".join(wav_chunks(seconds))[start : end + 1]
        return Response(
            206,
            body,
            content_type="audio/wav",
            headers={"Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end}/{length}"},
        )
    return Response(
        200, wav_chunks(seconds), content_type="audio/wav", length=length, headers={"Accept-Ranges": "bytes"}
    )


def export_file(sb: Sandbox, req: Request, name: str) -> Response:
    """/_sandbox/exports/<job id>.json: the file_url of an export, every interview of it."""
    job_id = name.removesuffix(".json")
    with sb.world.lock:
        job = sb.world.exports.get(job_id)
    if job is None:
        raise ControlError(f"export {job_id} not found", 404)
    key, posting_id = job
    return json_response(200, sb.all_interviews(key, posting_id, req.base_url))


def interview_page(sb: Sandbox, req: Request, interview_id: str) -> Response:
    """/i/<interview id>: the interview_link ingestion hands out."""
    owner = sb.world.owner_of(interview_id)
    if owner is None:
        raise ControlError(f"interview {interview_id} not found", 404)
    _key, plan, spec = owner
    html = (
        f"<!doctype html><title>Interview</title><h1>{escape(plan.title)}</h1>"
        f"<p>Sandbox interview {escape(interview_id)} for "
        f"{escape(spec.candidate['name'])}.</p>"
    )
    return Response(200, html.encode(), content_type="text/html; charset=utf-8")


def transcript_seconds(turns: list[dict[str, Any]]) -> float:
    """Length of a transcript in seconds, whatever its timestamp style."""
    if not turns:
        return 1.0
    first, last = turns[0]["timestamp"], turns[-1]["timestamp"]
    return float(last - first) + 5.0
