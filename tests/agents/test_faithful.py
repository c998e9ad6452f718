"""The faithfulness check: invented ids, numbers and statuses are caught; paraphrase is not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents._faithful import unfaithful

DELAY = {"kind": "shipment_delayed", "order_id": "#W2611340", "carrier": "UPS",
         "tracking_id": "682308736931", "delay_days": 7, "reason": "weather",
         "user_id": "mia_garcia_4516", "customer_first_name": "Mia"}


def test_a_faithful_notice_passes() -> None:
    text = ("Dear Mia, we are sorry: the UPS shipment of your order #W2611340 (tracking "
            "682308736931) is delayed by seven days because of the weather.")
    assert unfaithful(text, DELAY) == []


@pytest.mark.parametrize(("text", "invented"), [
    ("Your order #W2611341 is delayed by 7 days.", ["#W2611341"]),  # another order
    ("Order W2611340 is delayed by 9 days.", ["9"]),  # a number not in the facts
    ("Order #W2611340 is 7 days late; a refund of $20 is on its way.", ["refund", "$20"]),
    ("The customer is currently in the hold for review status.", ["hold for review"]),
    ("Your order was delivered and is delayed by 7 days.", ["delivered"]),
    ("Tracking 682308736932 shows a delay of 7 days.", ["682308736932"]),
    ("Delayed by five days.", ["five"]),
    ("Account mia_garcia_4517 has a 7-day delay.", ["mia_garcia_4517"]),
])
def test_invented_ids_numbers_and_statuses_are_named(text: str, invented: list[str]) -> None:
    assert unfaithful(text, DELAY) == invented


def test_the_demo_price_cut_explanation_is_caught() -> None:
    facts = {"kind": "price_changed", "item_id": "1008292230", "old_price": "54.04",
             "new_price": "45.12", "change_pct": "-16.5", "decision": "alert"}
    text = ("A price cut of 16.5% on item 1008292230 indicates that the item may need "
            "to be reordered.")
    assert unfaithful(text, facts) == ["reordered"]


@pytest.mark.parametrize("text", [
    "The new price is 12.5.", "The new price is 12.50.", "The new price is $12.50.",
    "The new price is $ 12.5.",
])
def test_a_number_is_its_value_however_written(text: str) -> None:
    for facts in ({"price": Decimal("12.50")}, {"price": 12.5}, {"price": "12.50"}):
        assert unfaithful(text, facts) == []


def test_percentages_match_fractions_and_percent_figures() -> None:
    assert unfaithful("The margin is 5%.", {"margin": 0.05}) == []
    assert unfaithful("The margin is 5 %.", {"margin_pct": 5}) == []
    assert unfaithful("The margin is 0.05.", {"margin": 0.05}) == []
    assert unfaithful("The margin is 6%.", {"margin": 0.05}) == ["6%"]
    # A fraction in the text is not read as a percentage of the facts.
    assert unfaithful("The margin is 0.05.", {"margin_pct": 5}) == ["0.05"]


def test_numbers_are_not_rounded() -> None:
    # Strict on purpose: the caller puts a rounded figure in the facts if it wants one.
    assert unfaithful("The margin is 12%.", {"margin": 0.1234}) == ["12%"]
    assert unfaithful("The margin is 12.34%.", {"margin": 0.1234}) == []


def test_thousands_signs_and_quantities() -> None:
    facts = {"quantity": 1200, "delta": -3, "warehouse_id": "WH-03"}
    assert unfaithful("1,200 units; down 3 units at wh-03.", facts) == []
    assert unfaithful("1,300 units at WH-04.", facts) == ["1,300", "WH-04"]


def test_upper_case_codes_are_ids() -> None:
    facts = {"warehouse_id": "WH-RNO", "supplier_id": "SUP-7"}
    assert unfaithful("From WH-RNO, ordered from SUP-7.", facts) == []
    assert unfaithful("From WH-DEN.", facts) == ["WH-DEN"]


def test_statuses_in_facts_are_read_with_inflections() -> None:
    facts = {"decision": "hold_for_review", "order_id": "#W1"}
    assert unfaithful("Order #W1 is held for review.", facts) == []
    assert unfaithful("Order #W1 is on hold.", facts) == []
    assert unfaithful("Order #W1 is confirmed.", facts) == ["confirmed"]
    assert unfaithful("Order #W1 is backordered.", {"decision": "backorder"}) == ["#W1"]


def test_dict_keys_are_not_facts() -> None:
    assert unfaithful("Reorder now.", {"should_reorder": False}) == ["Reorder"]
    assert unfaithful("Reorder now.", {"decision": "reorder"}) == []


def test_each_invention_is_named_once_in_text_order() -> None:
    assert unfaithful("#X1 then 9, again #x1 and 9.", {}) == ["#X1", "9"]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2))
def test_any_price_in_the_facts_is_accepted_in_any_usual_form(price: Decimal) -> None:
    facts = {"price": str(price)}
    for text in (f"at {price}", f"at ${price:,.2f}", f"at {price.normalize():f}",
                 f"at {float(price)}"):
        assert unfaithful(text, facts) == [], text


@given(st.integers(min_value=2, max_value=10**6), st.integers(min_value=1, max_value=50))
def test_any_other_number_is_flagged(fact: int, offset: int) -> None:
    told = fact + offset
    assert unfaithful(f"delayed by {told} days", {"delay_days": fact,
                                                  "kind": "shipment_delayed"}) != []
