"""Bringing candidates into HeyMilo: CSV imports, single candidates, JSON exports."""

from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "dashboard.ingestion"
    label = "ingestion"
    verbose_name = "Ingestion"
