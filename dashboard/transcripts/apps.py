"""Transcripts: the reader beside the recording, downloads, and full-text search across them."""

from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "dashboard.transcripts"
    label = "transcripts"
    verbose_name = "Transcripts"
