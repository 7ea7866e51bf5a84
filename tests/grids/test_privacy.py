import io
import logging

import pytest
from django.core.exceptions import ValidationError

from grids.privacy import (
    PersonalDataFormatter,
    PersonalDataLogFilter,
    id_number_check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    scrub,
    scrub_url,
    validate_id_number,
    validate_phone,
)

# A made-up number with a correct check character (GB 11643 MOD 11-2).
VALID_ID = "11010519491231002X"


def test_masks_keep_what_the_rules_say():
    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(VALID_ID) == "110***********002X"
    assert mask_phone("123") == "***"


def test_check_character_follows_gb_11643():
    assert id_number_check_character("11010519491231002") == "X"
    # Weighted sum 173; 173 mod 11 = 8; position 8 of "10X98765432" is 4.
    assert id_number_check_character("50011619900101123") == "4"
    validate_id_number(VALID_ID)
    validate_id_number(VALID_ID.lower())


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_check_digit"),
        ("11010519491331002X", "id_birth_date"),
        ("1101051949123100", "id_shape"),
        ("11010519491231002Y", "id_shape"),
        ("110105180001010010", "id_birth_date"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    assert info.value.code == code


def test_phone_validation():
    validate_phone("13812345678")
    validate_phone("023-47001234")
    with pytest.raises(ValidationError):
        validate_phone("12812345678")


@pytest.mark.parametrize("value", ["１３８１２３４５６７８", "١٣٨١٢٣٤٥٦٧٨", "０２３-47001234"])
def test_phones_in_other_digits_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_an_id_number_in_full_width_digits_is_refused():
    with pytest.raises(ValidationError) as info:
        validate_id_number("１１０１０５１９４９１２３１００２Ｘ")
    assert info.value.code == "id_shape"


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("tel 0571-88881234.", "tel 057******1234."),
        ("tel 057188881234;", "tel 057*****1234;"),
        ("座机 023-6543210 已联系", "座机 023****3210 已联系"),
        # dates, times and short numbers are left alone
        ("at 2026-11-28 08:36:50, case 012, pk 12345", "at 2026-11-28 08:36:50, case 012, pk 12345"),
    ],
)
def test_logs_never_carry_landline_numbers(text, scrubbed):
    assert scrub(text) == scrubbed


@pytest.mark.parametrize(
    ("url", "scrubbed"),
    [
        ("/api/v1/members/?search=13812345678", "/api/v1/members/?search=138****5678"),
        # A number right after an escape (here a space) is a number all the same.
        ("/api/v1/cases/?search=%E7%8E%8B%2013812345678", "/api/v1/cases/?search=%E7%8E%8B%20138****5678"),
        (f"/x/?id=%20{VALID_ID}&t=%2002388881234", "/x/?id=%20110***********002X&t=%20023****1234"),
        # Escapes and other numbers stay as they were.
        ("/api/v1/cases/12345/?page=2&q=%E6%B5%8B", "/api/v1/cases/12345/?page=2&q=%E6%B5%8B"),
        ("/a%00b/13812345678", "/a%00b/138****5678"),
    ],
)
def test_urls_are_scrubbed_around_their_escapes(url, scrubbed):
    assert scrub_url(url) == scrubbed


def test_logs_never_carry_phones_or_id_numbers():
    # Masked as reads show them: the first 3 and last 4 characters kept.
    assert scrub(f"call 13812345678 about {VALID_ID}") == "call 138****5678 about 110***********002X"
    assert scrub(VALID_ID) == mask_id_number(VALID_ID)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13812345678",), None)
    PersonalDataLogFilter().filter(record)
    assert record.getMessage() == "phone 138****5678"


@pytest.fixture
def console():
    """The console handler settings.LOGGING installs, writing into a string for the test."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, PersonalDataFormatter))
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def test_a_logged_traceback_is_scrubbed(console):
    # Given an exception whose message holds an ID number and a mobile number
    try:
        raise ValueError(f"no resident with ID {VALID_ID} or phone 13812345678")
    except ValueError:
        # When it is logged with its traceback
        logging.getLogger("grids.test").exception("lookup failed for %s", VALID_ID)
    # Then neither number is written in clear, anywhere in the output
    output = console.getvalue()
    assert "Traceback" in output and "ValueError: no resident with ID 110***********002X" in output
    assert VALID_ID not in output and "13812345678" not in output
    assert "lookup failed for 110***********002X" in output


def _warn_with_stack(id_number):
    logging.getLogger("grids.test").warning("checking", stack_info=True)


def test_a_logged_stack_is_scrubbed(console):
    # The stack quotes the source line of each frame, this call with its literal included.
    _warn_with_stack("11010519491231002X")
    output = console.getvalue()
    assert "Stack (most recent call last)" in output
    assert '_warn_with_stack("110***********002X")' in output and VALID_ID not in output


def test_the_filter_scrubs_a_traceback_for_any_other_formatter():
    # Given a handler with a plain formatter and only the filter (as a third-party handler might be)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataLogFilter())
    logger = logging.getLogger("grids.test.plain")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise KeyError(VALID_ID)
        except KeyError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert "KeyError: '110***********002X'" in stream.getvalue()
    assert VALID_ID not in stream.getvalue()


def test_every_configured_handler_scrubs_its_output(settings):
    formatters = settings.LOGGING["formatters"]
    for name, handler in settings.LOGGING["handlers"].items():
        formatter = formatters[handler["formatter"]]
        assert formatter["class"] == "grids.privacy.PersonalDataFormatter", name
        assert "personal_data" in handler["filters"], name
