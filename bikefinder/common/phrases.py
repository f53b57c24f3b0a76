"""Sentences said to the rider by the layers below the UI, kept translatable.

A :class:`Phrase` holds an English template (marked for extraction by :func:`phrase` and
:func:`plural_phrase`) and the values it is filled with. Printed output (``--once``,
JSON, CSV) uses ``str(phrase)``: the English, as scripts read it. The app renders the
same phrase in its own language (``bikefinder.ui.words.say``), so neither side keeps a
copy of the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrase:
    """An English ``template`` (``str.format`` fields) and its ``values``; with
    ``plural`` and ``count``, the template is the singular form."""

    template: str
    values: tuple[tuple[str, object], ...] = ()
    plural: str | None = None
    count: int | None = None

    def english(self) -> str:
        """The sentence in English, the source language."""
        template = self.template
        if self.plural is not None and self.count != 1:
            template = self.plural
        return template.format(**dict(self.values))

    def __str__(self) -> str:
        return self.english()


def phrase(template: str, **values: object) -> Phrase:
    """A sentence to say: ``template`` filled with ``values`` (extracted for translation)."""
    return Phrase(template, tuple(values.items()))


def plural_phrase(singular: str, plural: str, count: int, **values: object) -> Phrase:
    """A sentence about ``count`` things (``count`` is among the values, as ``{count}``)."""
    return Phrase(singular, (("count", count), *values.items()), plural, count)
