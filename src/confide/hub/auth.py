"""Who is calling the API: devices authenticate with a bearer token (``confide devices add``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from confide.vault import Device, Vault

bearer = HTTPBearer(auto_error=False)


def authenticated_device(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Device:
    """The device whose bearer token came with the request, or 401."""
    vault: Vault = request.app.state.assistant.vault
    found = vault.authenticate(creds.credentials) if creds else None
    if found is None or found.household_id != request.app.state.assistant.household_id:
        raise HTTPException(
            401,
            "a valid device token is required (confide devices add NAME)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


DeviceDep = Annotated[Device, Depends(authenticated_device)]
