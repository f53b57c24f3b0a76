"""Sentences said to the rider by the layers below the UI, kept translatable.

A :class:`Phrase` *is* its English text (a ``str``: printed output, JSON, CSV and every
string operation see exactly that) and also keeps the English template (marked for
extraction by :func:`phrase` and :func:`plural_phrase`) and the values it was filled
with, so that the app can say the same sentence in its own language
(``bikefinder.ui.words.say``). Neither side keeps a copy of the sentence.
"""

from __future__ import annotations

from typing import Self


class Phrase(str):
    """English text that can be said again in another language: ``template`` (with
    ``str.format`` fields) filled with ``values``; with ``plural`` and ``plural_count``, the
    template is the singular form. A value may itself be a phrase (a translated word)."""

    template: str
    values: tuple[tuple[str, object], ...]
    plural: str | None
    plural_count: int | None

    def __new__(
        cls,
        template: str,
        values: tuple[tuple[str, object], ...] = (),
        plural: str | None = None,
        plural_count: int | None = None,
    ) -> Self:
        chosen = plural if plural is not None and plural_count != 1 else template
        said = super().__new__(cls, chosen.format(**dict(values)))
        said.template, said.values = template, values
        said.plural, said.plural_count = plural, plural_count
        return said


def phrase(template: str, **values: object) -> Phrase:
    """A sentence to say: ``template`` filled with ``values`` (extracted for translation)."""
    return Phrase(template, tuple(values.items()))


def plural_phrase(singular: str, plural: str, count: int, **values: object) -> Phrase:
    """A sentence about ``count`` things (``count`` is among the values, as ``{count}``)."""
    return Phrase(singular, (("count", count), *values.items()), plural, count)
