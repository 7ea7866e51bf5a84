"""Residents' personal data at rest: sealed with AES-256-GCM, found again by a blind index.

PIPL art. 28 counts identity numbers among sensitive personal data. ID numbers and phones of
residents, mediation parties, co-governance members, micro-grid leaders and case contacts are
stored sealed (`SealedCharField`): `pii1$<key id>$<base64 of nonce, ciphertext and tag>`. The
key id travels with the value, so that values sealed under an older key are still read while
`rotate_pii_key` re-seals them under the active one: no downtime, no flag day. The key id and
the format are the associated data of the seal, so neither can be swapped without the tag
failing.

A sealed value cannot be looked up (its nonce is random). Exact look-up by ID number or phone
goes through a blind index (`BlindIndexField`): HMAC-SHA256, under a key of its own, of the
normalised value (digits only for a phone, upper-case X for an ID number). The database then
holds neither the value nor anything a dictionary of phones could reverse without the key.

The keys come from the settings (`PII_KEYS`, `PII_ACTIVE_KEY`, `PII_INDEX_KEY`), read only here.
Masking and the validators stay in `grids.privacy`; this module is what protects the stored
value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.lookups import Exact, IsNull

PREFIX = "pii1"
NONCE_BYTES = 12
SEPARATOR = "$"


class UnsealError(ValueError):
    """A stored value could not be opened: an unknown key id, or it was tampered with."""


# --- the keys: the one place that reads them -----------------------------------------------------


def active_key_id() -> str:
    return settings.PII_ACTIVE_KEY


def known_key_ids() -> list[str]:
    return sorted(settings.PII_KEYS)


def keys_are_unsafe() -> bool:
    """Development's keys are derived from the secret key and must never guard real data."""
    return settings.PII_KEYS_UNSAFE


@lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def _key(key_id: str) -> bytes:
    try:
        return settings.PII_KEYS[key_id]
    except KeyError:
        raise UnsealError(f"No key with id {key_id!r} in PII_KEYS.") from None


# --- sealing -------------------------------------------------------------------------------------


def _associated_data(key_id: str) -> bytes:
    return f"{PREFIX}{SEPARATOR}{key_id}".encode()


def seal(value: str, *, key_id: str | None = None) -> str:
    """The sealed form of `value` under the active key (or `key_id`). "" stays "" (nothing to hide)."""
    if not value:
        return ""
    key_id = key_id or active_key_id()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(_key(key_id)).encrypt(nonce, value.encode(), _associated_data(key_id))
    return SEPARATOR.join((PREFIX, key_id, base64.b64encode(nonce + sealed).decode()))


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX + SEPARATOR)


def sealed_key_id(stored: str) -> str | None:
    """The id of the key that sealed `stored`, or None for a value not sealed (yet)."""
    return stored.split(SEPARATOR, 2)[1] if is_sealed(stored) else None


def unseal(stored: str | None) -> str:
    """The value of a stored column. A value written before sealing existed (one the data
    migration or `rotate_pii_key` has not reached) is returned as it is."""
    if not stored or not is_sealed(stored):
        return stored or ""
    _prefix, key_id, body = stored.split(SEPARATOR, 2)
    raw = base64.b64decode(body)
    try:
        opened = _cipher(_key(key_id)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id))
    except InvalidTag:
        raise UnsealError("A sealed value failed its authentication tag.") from None
    return opened.decode()


def reseal(stored: str) -> str | None:
    """`stored` sealed under the active key, or None when it already is."""
    if sealed_key_id(stored) == active_key_id() or not stored:
        return None
    return seal(unseal(stored))


# --- the blind index -----------------------------------------------------------------------------


def normalise_phone(value: str) -> str:
    """Digits only: "023-4700 1234" and "02347001234" are one phone."""
    return re.sub(r"[^0-9]", "", value or "")


def normalise_document(value: str) -> str:
    """An ID number or a passport number: no blanks, upper case (GB 11643's X)."""
    return re.sub(r"\s", "", value or "").upper()


NORMALISERS = {"phone": normalise_phone, "document": normalise_document}


def blind_index(value: str, *, kind: str) -> str:
    """HMAC-SHA256 of the normalised value under the index key, hex; "" for no value."""
    normalised = NORMALISERS[kind](value)
    if not normalised:
        return ""
    message = f"{kind}:{normalised}".encode()
    return hmac.new(settings.PII_INDEX_KEY, message, hashlib.sha256).hexdigest()


# --- model fields --------------------------------------------------------------------------------

# A sealed value of up to 40 characters: prefix, key id, base64 of 12 + 40 + 16 bytes.
SEALED_LENGTH = 120


class _EmptyOnlyExact(Exact):
    """`field=""` finds the rows without a value; any other value cannot be matched."""

    def get_db_prep_lookup(self, value, connection):
        if value != "":
            raise TypeError("A sealed field is looked up through its blind index, never by value.")
        return super().get_db_prep_lookup(value, connection)


class SealedCharField(models.CharField):
    """A text column stored sealed (AES-256-GCM) and read in clear; `max_length` is the value's."""

    description = "Text sealed at rest"

    def __init__(self, *args, **kwargs):
        self.value_length = kwargs.pop("value_length", None) or kwargs.get("max_length") or 40
        kwargs["max_length"] = SEALED_LENGTH
        super().__init__(*args, **kwargs)
        # The column holds the sealed form; the value itself keeps its own limit.
        self.validators.append(MaxLengthValidator(self.value_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["value_length"] = self.value_length
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def get_lookup(self, lookup_name):
        return {"exact": _EmptyOnlyExact, "isnull": IsNull}.get(lookup_name)

    def from_db_value(self, value, expression, connection):
        return unseal(value) if value is not None else value

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return seal(value) if isinstance(value, str) and not is_sealed(value) else value

    def formfield(self, **kwargs):
        return super().formfield(**{"max_length": self.value_length, **kwargs})


class BlindIndexField(models.CharField):
    """The blind index of another field of the model, kept by every save and insert.

    `source` names the sealed field, `kind` its normaliser ("phone" or "document"). Looked up
    with `Model.objects.filter(<index>=blind_index(value, kind=...))`.
    """

    def __init__(self, *args, source: str = "", kind: str = "phone", **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        for default in ("max_length", "blank", "editable", "db_index"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "", kind=self.kind)
        setattr(model_instance, self.attname, value)
        return value


class SealedModel(models.Model):
    """Keeps a blind index with its source when a save names only the source in `update_fields`."""

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            indexes = {
                f.name
                for f in self._meta.concrete_fields
                if isinstance(f, BlindIndexField) and f.source in update_fields
            }
            update_fields = sorted({*update_fields, *indexes})
        super().save(*args, update_fields=update_fields, **kwargs)


def sealed_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model holding sealed columns, with their names: what `rotate_pii_key` walks."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda entry: entry[0]._meta.label)


# --- data migrations -----------------------------------------------------------------------------


def seal_stored_values(model, fields: list[str], *, indexes: dict[str, tuple[str, str]] | None = None):
    """Seal every stored value of `fields` still in clear, and fill the blind `indexes`
    ({index field: (source field, kind)}): the forward step of a migration that seals a column.

    Reading passes a value in clear through as it is, and writing seals it, so each row is
    read and written back, a batch at a time.
    """
    indexes = indexes or {}
    names = [*fields, *indexes]
    batch = []
    for obj in model._base_manager.only("pk", *fields).iterator(chunk_size=2000):
        for index, (source, kind) in indexes.items():
            setattr(obj, index, blind_index(getattr(obj, source) or "", kind=kind))
        batch.append(obj)
        if len(batch) == 1000:
            model._base_manager.bulk_update(batch, names)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, names)


def unseal_stored_values(model, fields: list[str], schema_editor) -> None:
    """The backward step: write the values back in clear, past the field that would seal them."""
    table = schema_editor.quote_name(model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for obj in model._base_manager.only("pk", *fields).iterator(chunk_size=2000):
            for name in fields:
                column = schema_editor.quote_name(model._meta.get_field(name).column)
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s", [getattr(obj, name), obj.pk]
                )
