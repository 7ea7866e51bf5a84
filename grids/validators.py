from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import ngettext


@deconstructible
class DigitsValidator(RegexValidator):
    """Exactly `count` digits; the message is translated when it is shown."""

    def __init__(self, count: int):
        # [0-9], not \d: \d also matches full-width and other scripts' digits, which the
        # database's check constraints (and every other system reading a code) refuse.
        super().__init__(rf"^[0-9]{{{count}}}$")
        self.count = count

    @property
    def message(self):
        return ngettext("Enter exactly %(n)d digit.", "Enter exactly %(n)d digits.", self.count) % {
            "n": self.count
        }

    def __eq__(self, other):
        return isinstance(other, DigitsValidator) and other.count == self.count

    def __hash__(self):
        return hash(("digits", self.count))
