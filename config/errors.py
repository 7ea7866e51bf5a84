"""The domain's errors: what services and selectors raise when they refuse something.

They say what went wrong in the domain's words and carry what a caller needs to react (the
field, the actions allowed instead, the current version). They know nothing of HTTP: the
API's edge (`config.api.ERROR_STATUS`) gives each its status code, and the admin shows its
message.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)

    def as_data(self) -> dict:
        return {"detail": self.message, "code": self.code}


class InvalidInput(DomainError):
    """Bad input for a named field: `{field: [message]}`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field

    def as_data(self) -> dict:
        return {self.field: [self.message]}


class ObjectNotFound(DomainError):
    """No such object among those the caller may see: one outside the caller's territory and
    one that does not exist are the same answer."""

    code = "not_found"

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Not found."))

    def as_data(self) -> dict:
        return {"detail": self.message}


class ActionNotAllowed(DomainError):
    """The action is not allowed in the object's current state."""

    code = "action_not_allowed"

    def __init__(self, message: str, *, allowed_actions: Iterable[str] = ()):
        super().__init__(message)
        self.allowed_actions = sorted(allowed_actions)

    def as_data(self) -> dict:
        return {**super().as_data(), "allowed_actions": self.allowed_actions}


class StaleVersion(DomainError):
    """The client's `If-Match` names an older version."""

    code = "stale_version"

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version

    def as_data(self) -> dict:
        return {**super().as_data(), "current_version": self.current_version}


class RoleNotAllowed(DomainError):
    """The caller's role may not do this."""

    code = "permission_denied"


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key came back with a different request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(DomainError):
    """The first request with this Idempotency-Key is still being processed."""

    code = "idempotency_key_in_flight"


class AccountLocked(DomainError):
    """Too many failed sign-ins: the account refuses every password for a while."""

    code = "account_locked"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
