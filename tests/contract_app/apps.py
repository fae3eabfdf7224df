from django.apps import AppConfig


class ContractAppConfig(AppConfig):
    name = "tests.contract_app"
    label = "contract_app"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Search engine contract tests"
