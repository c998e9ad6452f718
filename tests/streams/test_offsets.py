"""The contiguous watermark: commit only below the first unfinished offset."""

import random

from streams._offsets import PartitionOffsets


def test_empty_has_no_watermark() -> None:
    t = PartitionOffsets()
    assert t.watermark() is None
    assert t.committable() is None


def test_watermark_waits_for_the_lowest_unfinished() -> None:
    t = PartitionOffsets()
    for o in range(10, 15):
        assert t.add(o)
    assert t.watermark() == 10
    assert t.done(12) and t.done(13)
    assert t.watermark() == 10
    assert t.done(10)
    assert t.watermark() == 11
    assert t.done(11)
    assert t.watermark() == 14
    assert t.done(14)
    assert t.watermark() == 15
    assert t.pending == 0


def test_gaps_in_offsets_are_followed_not_counted() -> None:
    t = PartitionOffsets()
    for o in (3, 7, 8, 20):
        t.add(o)
    t.done(7)
    t.done(3)
    assert t.watermark() == 8
    t.done(8)
    assert t.watermark() == 20
    t.done(20)
    assert t.watermark() == 21


def test_unknown_repeated_and_stale_offsets_are_refused() -> None:
    t = PartitionOffsets()
    t.add(5)
    t.add(6)
    assert not t.add(6) and not t.add(2)
    assert not t.done(4) and not t.done(9)
    assert t.done(6)
    assert not t.done(6)
    assert t.watermark() == 5


def test_committable_only_when_it_moves() -> None:
    t = PartitionOffsets()
    t.add(0)
    t.add(1)
    assert t.committable() == 0
    t.mark_committed(0)
    assert t.committable() is None
    t.done(0)
    assert t.committable() == 1
    t.mark_committed(1)
    t.mark_committed(0)  # an older commit never moves it back
    assert t.committed == 1
    t.done(1)
    assert t.committable() == 2


def test_random_completion_order_matches_a_model() -> None:
    rng = random.Random(7)
    for _ in range(50):
        offsets = sorted(rng.sample(range(1000), 60))
        t = PartitionOffsets()
        for o in offsets:
            t.add(o)
        finished: set[int] = set()
        for o in rng.sample(offsets, len(offsets)):
            t.done(o)
            finished.add(o)
            unfinished = [x for x in offsets if x not in finished]
            expected = unfinished[0] if unfinished else offsets[-1] + 1
            assert t.watermark() == expected
            assert t.pending == len(unfinished)
