"""The machinery every typed (msgspec) feed decoder shares, whatever the feed.

Station and vehicle feeds are decoded straight into :mod:`wire` and :mod:`vehicle_wire`
structs; this module holds what both need around that: the UTF-8 check msgspec does
not make, the defusing of values nested too deep for any decoder, and the decoding of
big bodies a batch of records at a time (each misfit record the lenient way). It sits
apart from the feeds' own rules so that each feed's module reads as those rules alone.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from bikefinder.feeds import wire

#: JSON nested deeper than this inside a feed is no GBFS value (records need ~6 levels);
#: msgspec and ``json`` give up at ~1,000, with a RecursionError.
MAX_NESTING = 64
#: A whole JSON string (escapes included) or one bracket: what :func:`shallow` walks.
_STRUCTURE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def shallow(body: bytes, max_depth: int = MAX_NESTING) -> bytes:
    """``body`` with every array or object nested deeper than ``max_depth`` replaced by
    ``null``: one hostile record cannot make a decoder recurse past its limit, and the
    rest of the document (that record's other fields too) reads as before. Linear in
    the body; used only after a decoder gave up."""
    pieces: list[bytes] = []
    kept_from = 0
    depth = 0
    cut_at = -1  # where the current over-deep value starts
    for match in _STRUCTURE.finditer(body):
        mark = match.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth == max_depth + 1:
                cut_at = match.start()
        elif mark in (b"]", b"}"):
            if depth == max_depth + 1 and cut_at >= 0:
                pieces += [body[kept_from:cut_at], b"null"]
                kept_from, cut_at = match.end(), -1
            depth = max(0, depth - 1)
    if cut_at >= 0:  # cut short inside an over-deep value: drop the rest
        pieces += [body[kept_from:cut_at], b"null"]
        kept_from = len(body)
    pieces.append(body[kept_from:])
    return b"".join(pieces)


def is_utf8(body: bytes, chunk: int = 2**20) -> bool:
    """Whether ``body`` is all UTF-8 (msgspec checks only the strings it decodes, not
    those in fields it skips; the lenient path names the fault). Checked a megabyte at a
    time, so a big body never holds the GIL in one long call. An all-ASCII body (most
    feeds: names are often escaped) is UTF-8, and ``bytes.isascii`` says so many times
    faster than decoding."""
    if body.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), chunk):
            decoder.decode(body[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


#: A body up to this size is decoded in one call; a larger one record batch by record
#: batch, so that no single C call holds the GIL long (the app parses on a thread while
#: its event loop must keep running: one call on a 25 MB feed holds it ~0.1 s).
WHOLE_DECODE_MAX_BYTES = 2 * 2**20
BATCH_RECORDS = 2000


def decode_in_batches(
    raws: list[Any],
    batch_decoder: Any,
    decoder: Any,
    fast: Any,
    lenient: Any,
    context: Any,
    clean: tuple[Any, Any] | None = None,
) -> list[Any]:
    """Raw records decoded ``BATCH_RECORDS`` at a time; a batch that does not fit the
    typed shape is decoded record by record (each misfit the lenient way). With
    ``clean`` (a batch decoder of the cleanest shape, and what turns its records into
    models in one loop), that shape is tried first."""
    parsed: list[Any] = []
    for start in range(0, len(raws), BATCH_RECORDS):
        batch = raws[start : start + BATCH_RECORDS]
        body = b"[" + b",".join(batch) + b"]"
        if clean is not None:
            try:
                clean_records = clean[0].decode(body)
            except wire.MISFIT:
                pass
            else:
                parsed.extend(clean[1](clean_records))
                continue
        try:
            records = batch_decoder.decode(body)
        except wire.MISFIT:
            parsed.extend(_record_by_record(raw, decoder, fast, lenient, context) for raw in batch)
        else:
            parsed.extend(fast(record, context) for record in records)
    return parsed


def _record_by_record(raw: Any, decoder: Any, fast: Any, lenient: Any, context: Any) -> Any:
    """One raw record: typed when it fits, else decoded and judged the lenient way."""
    try:
        return fast(decoder.decode(raw), context)
    except wire.MISFIT:
        pass
    try:
        record = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        return None
    return lenient(record, context)
