from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's makemessages without fuzzy matching.

    msgmerge's guesses ("grid event" from "grid") would ship wrong Chinese labels that look
    finished; a new string should stay visibly untranslated until someone translates it.
    """

    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
