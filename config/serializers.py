"""Model serializers that render long lists quickly, and stay declarative.

DRF renders each field of each row through a generic path: it walks the field's source
attribute by attribute, asks of every value whether it is a callable taking no arguments
(`inspect.signature` for a method such as `get_status_display`), builds a related object only
to read its id, and builds every field of a model serializer again for each request from the
model's metadata. On a page of 200 cases that is most of the request's time.

`LeanModelSerializer` keeps DRF's fields and output, and decides once per serializer what
each field reads:

- a source that is a chain of the model's own fields (`title`, `category.name`) is read with
  plain attribute access, and a source naming a model method (`get_status_display`, the kind
  of source a label field has) is called without asking each time whether it can be;
- a relation is given by its id column (`grid_id`), without building the grid;
- anything else (a method field, a nested serializer, a custom `get_attribute`) goes through
  DRF's own path, and so does any row on which the plain access fails (a missing related
  row), so that defaults, `allow_null` and errors are DRF's.

The fields a model serializer builds from the model are built once per class and copied for
each instance, as DRF copies the declared ones.
"""

from __future__ import annotations

import copy
import inspect
import operator
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models.query import ValuesIterable
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from config.labels import LabelField

Reader = Callable[[object], object]


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation given by the id in the row's own column: the related row is never built."""

    def get_attribute(self, instance):
        if len(self.source_attrs) != 1:
            return super().get_attribute(instance)
        return getattr(instance, instance._meta.get_field(self.source_attrs[0]).attname)

    def to_representation(self, value):
        return value.pk if isinstance(value, PKOnlyObject) else value


def _plain_chain(model, attrs: list[str]) -> str | None:
    """'plain' when every step of `attrs` is a field of the model reached so far, 'call' when
    the last one is a method of it taking no arguments, else None (DRF's own path)."""
    for position, attr in enumerate(attrs):
        last = position == len(attrs) - 1
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            member = inspect.getattr_static(model, attr, None)
            if last and inspect.isfunction(member) and _takes_no_arguments(member):
                return "call"
            return None
        if field.is_relation:
            if field.many_to_many or field.one_to_many or not getattr(field, "concrete", False):
                return None
            model = field.related_model
        elif not last:
            return None
    return "plain"


def _takes_no_arguments(function) -> bool:
    parameters = list(inspect.signature(function).parameters.values())[1:]  # self
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)


def _drf_reader(field: Field) -> Reader:
    get = field.get_attribute

    def read(instance):
        attribute = get(instance)
        if isinstance(attribute, PKOnlyObject) and attribute.pk is None:
            return None
        return attribute

    return read


def _mode(field: Field, model) -> tuple[str, str] | None:
    """How the field reads a row: ('plain' or 'call', the dotted path), or None for DRF's way."""
    if isinstance(field, IdRelatedField) and len(field.source_attrs) == 1:
        try:
            return "plain", model._meta.get_field(field.source_attrs[0]).attname
        except FieldDoesNotExist:
            return None
    if type(field).get_attribute is not Field.get_attribute or not field.source_attrs:
        return None
    mode = _plain_chain(model, field.source_attrs)
    return None if mode is None else (mode, ".".join(field.source_attrs))


def _reader(field: Field, mode: tuple[str, str] | None) -> Reader:
    fallback = _drf_reader(field)
    if mode is None:
        return fallback
    get = operator.attrgetter(mode[1])
    call = mode[0] == "call"

    def read(instance):
        try:
            value = get(instance)
        except (AttributeError, ObjectDoesNotExist):
            return fallback(instance)
        return value() if call else value

    return read


def _representer(field: Field) -> Callable[[object], object]:
    """`field.to_representation`, or the same done with what a page's rows share looked up once
    (the request's language for a label, its time zone for a time): a list of 200 rows renders
    a thousand labels and six hundred times."""
    if isinstance(field, LabelField):
        table = field.labels.table()
        return lambda code: table.get(code, code) if code != "" else ""
    if isinstance(field, serializers.DateTimeField):
        return _iso_datetime(field)
    return field.to_representation


def _iso_datetime(field: serializers.DateTimeField) -> Callable[[object], object]:
    """DRF's ISO 8601 output of an aware time in the field's zone, without its per-value
    settings look-ups; any other format or value goes through DRF."""
    # The request's zone, looked up once; not kept on the field, which a class's plan shares.
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None or getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return field.to_representation
    slow = field.to_representation

    def represent(value):
        if type(value) is not datetime or value.tzinfo is None:
            return slow(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:  # DRF's own answer for a time its zone cannot hold
            return slow(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


# Fields that hold no other field and no queryset: an unbound one is copied by its attributes
# (its choices, validators and messages are only read), without running its constructor
# again. Fields holding others (a nested serializer, a list of a child, a relation) are
# copied deeply, as DRF does, so that no two requests share one.
def _copy(field: Field) -> Field:
    if (
        type(field).__deepcopy__ is Field.__deepcopy__
        and not isinstance(
            field, (serializers.BaseSerializer, serializers.RelatedField, serializers.ManyRelatedField)
        )
        and not hasattr(field, "child")
        and field.parent is None
    ):
        return copy.copy(field)
    return copy.deepcopy(field)


class FieldsOnce:
    """A serializer whose fields are built once per class and copied for each instance."""

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = cls._fields_prototype = super().get_fields()
        return {name: _copy(field) for name, field in prototype.items()}


def _own(field: Field):
    """The `to_representation` of the first `ROW_FIELDS` class the field's class derives from:
    a subclass that answers otherwise (a masked personal datum) is not a row field."""
    for base in type(field).__mro__:
        if base in ROW_FIELDS:
            return base.to_representation
    return None


def _class_cache(cls: type, name: str) -> dict:
    """A dict kept on `cls` itself (not inherited from a base serializer, whose fields differ)."""
    cache = cls.__dict__.get(name)
    if cache is None:
        cache = {}
        setattr(cls, name, cache)
    return cache


class Row(dict):
    """A row read by `.values()`, whose columns a serializer method may read as attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class RowIterable(ValuesIterable):
    def __iter__(self):
        for row in super().__iter__():
            yield Row(row)


# Fields whose answer for a value depends on the value alone (not on the request, as a file's
# or a link's URL does): a class's plan for rows may hold them for every request.
ROW_FIELDS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BigIntegerField,
    serializers.FloatField,
    serializers.DecimalField,
    serializers.BooleanField,
    serializers.DateTimeField,
    serializers.DateField,
    serializers.ChoiceField,
    IdRelatedField,
    LabelField,
)


def _row_key(field: Field, mode: tuple[str, str] | None, model) -> str | None:
    """The `.values()` name a field reads in a row, "" for a method given the row, or None
    when only a model instance can answer it (a method of the model, a related object, a
    field whose answer depends on the request)."""
    if isinstance(field, serializers.SerializerMethodField):
        return ""
    if not isinstance(field, ROW_FIELDS) or type(field).to_representation is not _own(field):
        return None
    if mode is None or mode[0] != "plain":
        return None
    attrs = mode[1].split(".")
    if not isinstance(field, IdRelatedField):
        # A path ending on a relation would read its object, which a row does not hold.
        target = model
        for attr in attrs:
            found = target._meta.get_field(attr) if target is not None else None
            # A relation named by its column (`major_id`) is the id, which a row holds.
            related = found is not None and found.is_relation and attr != found.attname
            target = found.related_model if related else None
        if target is not None:
            return None
    return "__".join(attrs)


# Model fields whose value, as the database driver gives it, is what each of these DRF fields
# answers for it (`str`, `int`, `bool` of a value of that type): a row's column is then
# answered as it is, without a call per value.
_ANSWERED_AS_READ = {
    serializers.CharField: ("CharField", "TextField", "SlugField", "EmailField"),
    serializers.IntegerField: (
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "AutoField",
        "BigAutoField",
    ),
    serializers.BooleanField: ("BooleanField",),
}


def _row_value_is_answer(field: Field, model, key: str) -> bool:
    if isinstance(field, IdRelatedField):
        return True  # the id in the row's column, as `IdRelatedField` answers it
    internal = _ANSWERED_AS_READ.get(type(field))
    if internal is None:
        return False
    *path, last = key.split("__")
    for attr in path:
        model = model._meta.get_field(attr).related_model
    found = model._meta.get_field(last)
    if found.is_relation:  # a relation's column (`major_id`): the target's primary key
        found = found.target_field
    return found.get_internal_type() in internal


class LeanModelSerializer(FieldsOnce, serializers.ModelSerializer):
    """A model serializer that renders long lists quickly: from model instances, or, for a
    list that asks for them (`rows()`), from the rows of `.values()`, which cost a third of an
    instance to read. Both give exactly what DRF gives."""

    serializer_related_field = IdRelatedField

    @classmethod
    def row_columns(cls) -> list[str] | None:
        """The `.values()` names a page's rows need, or None if some field needs an instance."""
        cached = cls.__dict__.get("_row_columns", False)
        if cached is not False:
            return cached
        serializer, model, columns = cls(), cls.Meta.model, []
        for field in serializer._readable_fields:
            key = _row_key(field, _mode(field, model), model)
            if key is None:
                columns = None
                break
            if key:
                columns.append(key)
        cls._row_columns = None if columns is None else list(dict.fromkeys(columns))
        return cls._row_columns

    @classmethod
    def rows(cls, queryset):
        """`queryset` read as rows for this serializer (or as it is, if it cannot be)."""
        columns = cls.row_columns()
        if columns is None:
            return queryset
        rows = queryset.values(*columns)
        rows._iterable_class = RowIterable
        rows.counted_as = queryset  # a page's count needs none of the joins of its columns
        return rows

    def _row_plan(self) -> list:
        """(name, read, represent) of each field, for rows: built once per class, language
        and time zone from the class's own fields, so that a page builds no field at all; a
        method field's method is this serializer's own."""
        plan = self.__dict__.get("_rows_plan")
        if plan is None:
            plans = _class_cache(type(self), "_row_plans")
            context = (get_language(), timezone.get_current_timezone_name())
            shared = plans.get(context)
            if shared is None:
                shared = plans[context] = self._build_row_plan()
            plan = self._rows_plan = [
                (name, read, getattr(self, represent) if isinstance(represent, str) else represent)
                for name, read, represent in shared
            ]
        return plan

    def _build_row_plan(self) -> list:
        model, plan = self.Meta.model, []
        for field in self._readable_fields:
            name = field.field_name
            key = _row_key(field, _mode(field, model), model)
            if key == "":
                plan.append((name, lambda row: row, field.method_name))
                continue
            represent = None if _row_value_is_answer(field, model, key) else _representer(field)
            plan.append((name, operator.itemgetter(key), represent))
        return plan

    def to_representation(self, instance):
        model = self.Meta.model
        if isinstance(instance, Row):
            out = {}
            for name, read, represent in self._row_plan():
                attribute = read(instance)
                out[name] = attribute if attribute is None or represent is None else represent(attribute)
            return out
        if not isinstance(instance, model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan")
        if plan is None:
            modes = _class_cache(type(self), "_modes")
            plan = self._plan = []
            for field in self._readable_fields:
                key = (field.field_name, field.source)
                if key not in modes:
                    modes[key] = _mode(field, model)
                plan.append((field.field_name, _reader(field, modes[key]), _representer(field)))
        out = {}
        for name, read, represent in plan:
            try:
                attribute = read(instance)
            except SkipField:
                continue
            out[name] = None if attribute is None else represent(attribute)
        return out


# --- inputs that refuse what they do not take ---------------------------------------------------


def refuse_undeclared(serializer: serializers.Serializer) -> None:
    """A 400 naming each field of the body the serializer does not take, rather than dropping it
    (DRF's default): a misspelt option must not run the action with its default instead."""
    if not isinstance(serializer.initial_data, dict):
        return
    unknown = {
        name: [_("Unknown or read-only field: it cannot be set here.")]
        for name in serializer.initial_data
        if name not in serializer.fields
    }
    if unknown:
        raise serializers.ValidationError(unknown)


class StrictParams(serializers.Serializer):
    """Query parameters where a misspelt one is a 400 naming it and the allowed ones, rather
    than being ignored (a filter left out would answer the unfiltered list or totals)."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            allowed = ", ".join(sorted(self.fields))
            message = _("Unknown parameter. Allowed: %(allowed)s.") % {"allowed": allowed}
            raise serializers.ValidationError({name: [message] for name in unknown})
        return super().validate(attrs)


class StrictInput(serializers.Serializer):
    refuses_unknown_fields = True  # the schema says so: additionalProperties false

    def validate(self, attrs):
        refuse_undeclared(self)
        return attrs
