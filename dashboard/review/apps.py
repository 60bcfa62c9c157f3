"""Reviewing candidates: postings, candidate lists and profiles, decisions, ratings, notes."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "dashboard.review"
    label = "review"
    verbose_name = "Review"
