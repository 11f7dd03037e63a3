from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "arrears.accounts"
    label = "accounts"

    def ready(self) -> None:
        # A debtor merge (debtors, below accounts) moves an account's debtors through this app's services.
        from arrears.debtors.merging import debtor_links_register

        from .services import account_debtors_reassign, account_debtors_restore

        debtor_links_register(
            key="accounts.AccountDebtor.debtor",
            reassign=account_debtors_reassign,
            restore=account_debtors_restore,
        )
