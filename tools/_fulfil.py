"""Choosing warehouses for an order: pure, so it can be tested without a store.

Objective, in order: ship as much as the network holds, from as few
warehouses as possible (fewest splits), then with the shortest slowest
shipment, then the shortest total days; ties break on warehouse id, so the
plan is deterministic. Six warehouses give at most 63 subsets, so an exact
search is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations


@dataclass
class Plan:
    # warehouse -> item -> quantity, only warehouses that ship something
    allocation: dict[str, dict[str, int]] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)  # item -> units nobody can ship


def plan(demand: Mapping[str, int], available: Mapping[str, Mapping[str, int]],
         days: Mapping[str, int]) -> Plan:
    """Allocate ``demand`` (item -> units) over ``available`` (warehouse -> item -> units).

    ``days`` gives each warehouse's delivery days to the destination; a warehouse
    missing from it cannot ship there.
    """
    warehouses = sorted((w for w in available if w in days), key=lambda w: (days[w], w))
    fillable = {i: min(q, sum(max(0, available[w].get(i, 0)) for w in warehouses))
                for i, q in demand.items()}
    result = Plan(short={i: demand[i] - f for i, f in fillable.items() if demand[i] > f})
    if not any(fillable.values()):
        return result
    chosen: tuple[str, ...] = ()
    for k in range(1, len(warehouses) + 1):
        candidates = [
            s for s in combinations(warehouses, k)
            if all(sum(max(0, available[w].get(i, 0)) for w in s) >= f
                   for i, f in fillable.items())
        ]
        if candidates:
            chosen = min(candidates, key=lambda s: (max(days[w] for w in s),
                                                    sum(days[w] for w in s), s))
            break
    for item, need in fillable.items():
        for w in chosen:  # fastest first within the chosen set
            take = min(need, max(0, available[w].get(item, 0)))
            if take:
                result.allocation.setdefault(w, {})[item] = take
                need -= take
            if not need:
                break
    return result
