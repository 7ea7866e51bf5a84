"""Everything user-facing is translated: the zh_Hans catalogue covers every model label."""

import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

PROJECT_APPS = ["accounts", "grids", "registry", "cases", "mediation", "reports", "seeds"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def labels():
    for app_label in PROJECT_APPS:
        config = apps.get_app_config(app_label)
        yield f"{app_label} app", config.verbose_name
        for model in config.get_models():
            meta = model._meta
            yield f"{meta.label}", meta.verbose_name
            yield f"{meta.label} (plural)", meta.verbose_name_plural
            for field in meta.get_fields():
                if not hasattr(field, "verbose_name") or field.auto_created:
                    continue
                yield f"{meta.label}.{field.name}", field.verbose_name
                for value, label in getattr(field, "flatchoices", None) or []:
                    yield f"{meta.label}.{field.name}={value}", label


@pytest.mark.parametrize(("where", "label"), list(labels()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_label_has_a_chinese_translation(where, label):
    with translation.override("zh-hans"):
        text = str(label)
    assert CJK.search(text), f"{where}: {text!r} is not translated"


def test_english_stays_available():
    from grids.models import Grid

    with translation.override("en"):
        assert str(Grid._meta.verbose_name) == "grid"
    with translation.override("zh-hans"):
        assert str(Grid._meta.verbose_name) == "网格"


# --- the committed catalogue ---------------------------------------------------------------------

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unquote(lines: list[str]) -> str:
    text = "".join(_QUOTED.findall("\n".join(lines)))
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _po_entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry of the catalogue but its header; an entry with a
    context (pgettext) has the key gettext compiles it under."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        starts = {line.split(" ", 1)[0]: i for i, line in enumerate(lines) if line.startswith("msg")}
        # A plural entry has msgid_plural and msgstr[0]; Chinese has one form.
        id_end, msgstr = (
            starts.get("msgid_plural", starts.get("msgstr")),
            starts.get("msgstr[0]", starts.get("msgstr")),
        )
        if "msgid" not in starts or msgstr is None:
            continue
        msgid = _unquote(lines[starts["msgid"] : id_end])
        if "msgctxt" in starts:  # a message with a context is keyed "context\x04msgid" once compiled
            msgid = _unquote(lines[starts["msgctxt"] : starts["msgid"]]) + "\x04" + msgid
        if msgid:
            fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
            entries.append((msgid, _unquote(lines[msgstr:]), fuzzy))
    return entries


def test_every_message_of_the_catalogue_is_translated():
    entries = _po_entries()
    assert len(entries) > 500
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


def test_the_compiled_catalogue_is_the_committed_one():
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    assert {msgid: msgstr for msgid, msgstr, _fuzzy in _po_entries()} == {
        (msgid[0] if isinstance(msgid, tuple) else msgid): msgstr
        for msgid, msgstr in compiled.items()
        if msgid
    }


def test_one_english_word_two_chinese_ones_by_context():
    """单元 is a unit of a building (a micro-grid covers one), 单位 an organisation (a case is
    dispatched to one): the English "unit" needs a context to be translated both ways."""
    from cases.models import Case
    from grids.models import MicroGrid

    with translation.override("zh-hans"):
        assert str(MicroGrid.Covers.UNIT.label) == "单元"
        assert str(Case._meta.get_field("assignee_unit").verbose_name) == "承办单位"
        assert translation.pgettext("organisation", "unit") == "单位"
        assert translation.pgettext("building", "unit") == "单元"
