"""Domain errors raised by services and turned into HTTP answers by `config.api`.

Services do not know about HTTP; they raise one of these and the API layer (and the admin)
decides how to show it. Each error carries the status code the API answers with.
"""

from collections.abc import Iterable


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)

    def as_data(self) -> dict:
        return {"detail": self.message, "code": self.code}


class InvalidInput(DomainError):
    """Bad input for a named field: 400 with `{field: [message]}`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def as_data(self) -> dict:
        return {self.field: [self.message]}


class ActionNotAllowed(DomainError):
    """The action is not allowed in the object's current state: 409."""

    status_code = 409
    code = "action_not_allowed"

    def __init__(self, message: str, *, allowed_actions: Iterable[str] = ()):
        super().__init__(message)
        self.allowed_actions = sorted(allowed_actions)

    def as_data(self) -> dict:
        return {**super().as_data(), "allowed_actions": self.allowed_actions}


class StaleVersion(DomainError):
    """The client's `If-Match` names an older version: 412."""

    status_code = 412
    code = "stale_version"

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version

    def as_data(self) -> dict:
        return {**super().as_data(), "current_version": self.current_version}


class RoleNotAllowed(DomainError):
    """The caller's role may not do this: 403."""

    status_code = 403
    code = "permission_denied"


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key came back with a different request: 422."""

    status_code = 422
    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(DomainError):
    """The first request with this Idempotency-Key is still being processed: 409."""

    status_code = 409
    code = "idempotency_key_in_flight"


class AccountLocked(DomainError):
    """Too many failed sign-ins: the account refuses every password for a while: 429."""

    status_code = 429
    code = "account_locked"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
