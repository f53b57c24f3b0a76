"""A cached body is hashed when it is written, and on a read only if its file is not
the one its metadata was written with (another inode or mtime): a warm start reads a
big feed without hashing it, and a body replaced behind the metadata's back is still
caught by its digest."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bikefinder.feeds import cache as cache_module
from bikefinder.feeds.cache import FeedCache

URL = "https://example.test/gbfs.json"
BODY = b'{"data": {"stations": []}, "last_updated": 1, "ttl": 60}'


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the bodies the cache module hashes (not the URL it names folders by)."""
    calls: list[int] = []
    real = cache_module.sha256_hex

    def counting(data: bytes) -> str:
        if data != URL.encode():
            calls.append(len(data))
        return real(data)

    monkeypatch.setattr(cache_module, "sha256_hex", counting)
    return calls


@pytest.mark.parametrize("data", [b"", b"abc", BODY, bytes(range(256)) * 1000])
def test_the_cache_digest_is_sha256(data: bytes) -> None:
    assert cache_module.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_a_body_is_hashed_by_openssl_and_a_url_by_cpython(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL's hash is several times faster on a big body and lets the event loop run
    meanwhile (CPython's own held the lock ~80 ms on 25 MB); a URL needs no hashlib."""
    seen: list[int] = []
    real = hashlib.sha256

    def counted(data: bytes = b"") -> Any:
        seen.append(len(data))
        return real(data)

    monkeypatch.setattr(hashlib, "sha256", counted)
    body = b"x" * (cache_module.SMALL_HASH_BYTES + 1)
    assert cache_module.sha256_hex(body) == real(body).hexdigest()
    assert cache_module.sha256_hex(URL.encode()) == real(URL.encode()).hexdigest()
    assert seen == [len(body)]


def test_a_systems_cache_folder_keeps_its_name(tmp_path: Path) -> None:
    """The name every earlier version gave it: a changed name would lose the cache."""
    folder = cache_module.system_cache_dir(URL, tmp_path)
    assert folder == tmp_path / "feeds" / "example.test-1ed7da6d57a24b76"


def test_a_warm_read_of_an_unchanged_body_hashes_nothing(tmp_path: Path, hashed: list[int]) -> None:
    FeedCache(URL, tmp_path).put("station_information", URL, BODY)
    assert hashed == [len(BODY)]
    cached = FeedCache(URL, tmp_path).get("station_information")  # a new process
    assert cached is not None and cached.body == BODY
    assert hashed == [len(BODY)]


def test_a_body_replaced_with_one_of_the_same_size_is_caught(
    tmp_path: Path, hashed: list[int]
) -> None:
    FeedCache(URL, tmp_path).put("station_information", URL, BODY)
    body_path = next(p for p in tmp_path.rglob("station_information.json"))
    other = body_path.with_suffix(".tmp")
    other.write_bytes(BODY.replace(b"60", b"61"))
    os.replace(other, body_path)  # a new file, as any atomic writer makes
    assert FeedCache(URL, tmp_path).get("station_information") is None
    assert not body_path.exists()  # dropped, to be fetched again


def test_metadata_without_a_stamp_is_checked_by_its_digest(
    tmp_path: Path, hashed: list[int]
) -> None:
    FeedCache(URL, tmp_path).put("station_information", URL, BODY)
    meta_path = next(p for p in tmp_path.rglob("station_information.meta.json"))
    meta = json.loads(meta_path.read_bytes())
    del meta["body_stamp"]
    meta_path.write_text(json.dumps(meta))
    cached = FeedCache(URL, tmp_path).get("station_information")
    assert cached is not None and cached.body == BODY
    assert hashed == [len(BODY), len(BODY)]


def test_an_ascii_body_is_utf8_without_decoding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from bikefinder.feeds import typed_decoding

    def no_decoder(name: str) -> Any:
        raise AssertionError("an ASCII body needs no decoding")

    assert typed_decoding.is_utf8(b"Gare de l'Est") and typed_decoding.is_utf8(
        "Gare Saint-Lazare à Paris".encode()
    )
    assert not typed_decoding.is_utf8(b'{"name": "Caf\xe9"}')
    monkeypatch.setattr(typed_decoding.codecs, "getincrementaldecoder", no_decoder)
    assert typed_decoding.is_utf8(BODY * 1000)
