import pytest

from arrears.api.services import token_create


@pytest.fixture
def make_token(system):
    def make(org, scopes="*", client=None, name="integration", expires_at=None):
        return token_create(
            organization_id=org.pk,
            client=client,
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            actor=system,
        ).plain

    return make


@pytest.fixture
def bearer(org, make_token):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(org)}"}
