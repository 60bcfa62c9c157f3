"""HeyMilo webhooks: managing them and receiving their deliveries."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "dashboard.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
