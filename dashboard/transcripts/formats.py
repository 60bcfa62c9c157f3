"""Transcript downloads: plain text and WebVTT captions built from the turns' times."""

from dashboard.transcripts.templatetags.transcripts import clock

DEFAULT_CUE_SECONDS = 5.0


def _speaker(line) -> str:
    return (line.speaker or "unknown").capitalize()


def to_text(interview, lines) -> str:
    out = [f"Interview transcript: {interview.name or interview.remote_id}", ""]
    for line in lines:
        stamp = f"[{clock(line.offset_seconds)}] " if line.offset_seconds is not None else ""
        out.append(f"{stamp}{_speaker(line)}: {line.text}")
    return "\n".join(out) + "\n"


def vtt_time(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    # WebVTT cue text is a tiny markup language: & and < must be escaped, and a cue may not
    # contain "-->" or a blank line.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def to_vtt(lines) -> str:
    timed = [line for line in lines if line.offset_seconds is not None]
    out = ["WEBVTT", ""]
    for index, line in enumerate(timed):
        start = line.offset_seconds
        following = timed[index + 1].offset_seconds if index + 1 < len(timed) else None
        end = following if following is not None and following > start else start + DEFAULT_CUE_SECONDS
        out += [
            f"t-{line.position}",
            f"{vtt_time(start)} --> {vtt_time(end)}",
            f"<v {vtt_escape(_speaker(line))}>{vtt_escape(line.text)}",
            "",
        ]
    return "\n".join(out)
