"""The dedupe key set answers exactly like a set of the keys, across its bucket merges."""

from __future__ import annotations

import random
from array import array

import pytest

from finder_tui.store.keyset import BUCKETS, KeySet, key_hash


@pytest.fixture
def small_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(KeySet, "MERGE_AT", 4)  # merge often: every path is taken many times


def random_keys(rng: random.Random, count: int) -> list[str]:
    # NewMsgIds of any size (up to 2^64 - 1) and system items' digest keys, some repeated
    keys = [str(rng.getrandbits(rng.choice((8, 40, 64)))) for _ in range(count)]
    keys += [f"sys:{rng.randrange(50)}:{rng.getrandbits(40):x}" for _ in range(count // 10)]
    keys += [str((1 << 64) - 1), "0"]
    rng.shuffle(keys)
    return keys


@pytest.mark.usefixtures("small_merges")
def test_add_if_new_is_true_exactly_once_per_key_and_every_key_stays_found() -> None:
    rng = random.Random(14)
    keys = random_keys(rng, 20_000)
    keyset, seen = KeySet(), set()
    for key in keys:
        assert keyset.add_if_new(key) is (key not in seen)
        seen.add(key)
    assert len(keyset) == len(seen)
    assert all(key in keyset for key in seen)
    assert not any(f"absent:{n}" in keyset for n in range(1_000))
    for b in range(BUCKETS):
        merged = keyset._sorted[b]
        assert list(merged) == sorted(set(merged))


@pytest.mark.usefixtures("small_merges")
def test_sealed_keys_added_in_bulk_dedupe_later_adds() -> None:
    rng = random.Random(7)
    sealed, later = random_keys(rng, 5_000), random_keys(rng, 5_000)
    keyset = KeySet()
    for key in later[:100]:
        keyset.add_if_new(key)
    keyset.add_hashes([array("Q", (key_hash(k) for k in sealed)).tobytes()])
    seen = set(sealed) | set(later[:100])
    for key in later[100:]:
        assert keyset.add_if_new(key) is (key not in seen)
        seen.add(key)
    assert len(keyset) == len(seen)
