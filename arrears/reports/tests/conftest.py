# The real SMTP server (aiosmtpd) of the contact tests.
from arrears.contact.tests.conftest import smtp_server  # noqa: F401
