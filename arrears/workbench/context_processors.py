from django.http import HttpRequest

from arrears.tenancy.domain import Principal


def principal(request: HttpRequest) -> dict[str, Principal | None]:
    """The acting principal, as `staff_view` resolved it, for every page's navigation."""
    return {"principal": getattr(request, "principal", None)}
