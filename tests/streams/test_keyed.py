"""Per-key queues: one item of a key at a time, in order; keys take turns."""

import random

from streams._keyed import KeyedQueue


def test_same_key_waits_for_release() -> None:
    q: KeyedQueue[int] = KeyedQueue()
    q.push("a", 1)
    q.push("a", 2)
    q.push("b", 3)
    assert q.pop_ready() == ("a", 1)
    assert q.pop_ready() == ("b", 3)
    assert q.pop_ready() is None  # a's next waits for a's release
    q.release("a")
    assert q.pop_ready() == ("a", 2)
    assert len(q) == 0 and q.busy == 2


def test_pop_ready_many_takes_one_item_of_each_free_key() -> None:
    q: KeyedQueue[int] = KeyedQueue()
    for key, item in [("a", 1), ("a", 2), ("b", 3), ("c", 4), ("d", 5)]:
        q.push(key, item)
    assert q.pop_ready_many(3) == [("a", 1), ("b", 3), ("c", 4)]
    assert q.pop_ready_many(3) == [("d", 5)]  # a's next waits for a's release
    q.release("a")
    assert q.pop_ready_many(3) == [("a", 2)]


def test_keys_take_turns() -> None:
    q: KeyedQueue[str] = KeyedQueue()
    for i in range(3):
        q.push("x", f"x{i}")
        q.push("y", f"y{i}")
    order = []
    while (got := q.pop_ready()) is not None:
        key, item = got
        order.append(item)
        q.release(key)
    assert order == ["x0", "y0", "x1", "y1", "x2", "y2"]


def test_drop_removes_waiting_items_only() -> None:
    q: KeyedQueue[int] = KeyedQueue()
    for i in range(6):
        q.push(i % 2, i)
    key, first = q.pop_ready()  # type: ignore[misc]
    dropped = q.drop(lambda item: item % 2 == 0)
    assert sorted(dropped) == [2, 4] and first == 0
    assert len(q) == 3
    q.release(key)
    got = []
    while (nxt := q.pop_ready()) is not None:
        got.append(nxt[1])
        q.release(nxt[0])
    assert got == [1, 3, 5]


def test_random_interleaving_keeps_per_key_order_and_exclusivity() -> None:
    rng = random.Random(3)
    q: KeyedQueue[tuple[int, int]] = KeyedQueue()
    pushed = {k: 0 for k in range(20)}
    seen: dict[int, list[int]] = {k: [] for k in range(20)}
    out: list[int] = []
    for _ in range(3000):
        if rng.random() < 0.5:
            k = rng.randrange(20)
            q.push(k, (k, pushed[k]))
            pushed[k] += 1
        elif rng.random() < 0.5 and (got := q.pop_ready()) is not None:
            key, (k, n) = got
            assert key not in out, "a key was handed out twice at once"
            out.append(k)
            seen[k].append(n)
        elif out:
            q.release(out.pop(rng.randrange(len(out))))
    for ns in seen.values():
        assert ns == list(range(len(ns)))
