import logging

import pytest
from django.core.exceptions import ValidationError

from grids.privacy import (
    PersonalDataLogFilter,
    id_number_check_character,
    mask_id_number,
    mask_name,
    mask_phone,
    scrub,
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


def test_logs_never_carry_phones_or_id_numbers():
    assert scrub(f"call 13812345678 about {VALID_ID}") == "call 138****5678 about 110105********002X"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13812345678",), None)
    PersonalDataLogFilter().filter(record)
    assert record.getMessage() == "phone 138****5678"
