from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "dashboard.mail"
    label = "mail"
    verbose_name = "Mail"
