"""Wishes relative to the item a customer has, the words about each item, and the verbs
that govern them: read in code (pure functions over product records; no store, no model)."""

from __future__ import annotations

from typing import Any

import pytest

from agents._support_clauses import (
    cancelled_orders,
    complete,
    governed,
    only_asked,
    request_verbs,
)
from agents._support_match import about, kept_in, pick_variant, refund_named
from agents._support_plan import _asks_all
from agents._support_schema import CustomerRequest
from agents._support_wish import order_of, read_wishes


def product(options: list[dict[str, str]], prices: list[float] | None = None,
            unavailable: tuple[int, ...] = ()) -> dict[str, Any]:
    prices = prices or [100.0 + i for i in range(len(options))]
    return {"variants": {str(1000 + i): {"item_id": str(1000 + i), "options": o,
                                         "available": i not in unavailable, "price": p}
                         for i, (o, p) in enumerate(zip(options, prices, strict=True))}}


def line(p: dict[str, Any], item_id: str) -> dict[str, Any]:
    v = p["variants"][item_id]
    return {"item_id": item_id, "options": v["options"], "price": v["price"], "name": "X"}


@pytest.mark.parametrize(("values", "ranked"), [
    (["1000ml", "500ml", "750ml"], ["500ml", "750ml", "1000ml"]),
    (["1.5L", "1L", "2L"], ["1L", "1.5L", "2L"]),
    (["1 liter", "2 liters", "1.5 liters"], ["1 liter", "1.5 liters", "2 liters"]),
    (["1TB SSD", "256GB SSD", "512GB SSD"], ["256GB SSD", "512GB SSD", "1TB SSD"]),
    (["XL", "S", "XXL", "M"], ["S", "M", "XL", "XXL"]),
    (["high", "low", "medium"], ["low", "medium", "high"]),
    (["1080p", "4K", "2K"], ["1080p", "2K", "4K"]),
    (["17-inch", "13-inch", "15-inch"], ["13-inch", "15-inch", "17-inch"]),
    (["3 ft", "6 ft", "4 ft"], ["3 ft", "4 ft", "6 ft"]),
    (["60%", "full size", "80%"], ["60%", "80%", "full size"]),
    (["i9", "i5", "i7"], ["i5", "i7", "i9"]),
    (["portable", "large", "medium"], ["portable", "medium", "large"]),
])
def test_option_values_have_an_order(values: list[str], ranked: list[str]) -> None:
    ranks = order_of(values)
    assert ranks is not None and sorted(values, key=ranks.__getitem__) == ranked


def test_values_without_a_common_order_have_none() -> None:
    assert order_of(["red", "blue"]) is None
    assert order_of(["IPX4", "not resistant"]) is None
    assert order_of(["500ml", "2 cups"]) is None  # two dimensions


LAMP = product([
    {"color": "white", "brightness": "medium", "power source": "USB"},       # 1000 current
    {"color": "white", "brightness": "high", "power source": "USB"},         # 1001
    {"color": "silver", "brightness": "low", "power source": "AC adapter"},  # 1002
    {"color": "silver", "brightness": "low", "power source": "battery"},     # 1003
    {"color": "black", "brightness": "low", "power source": "USB"},          # 1004
    {"color": "black", "brightness": "medium", "power source": "AC adapter"},  # 1005
], prices=[138, 164, 143, 150, 153, 135])


@pytest.mark.parametrize(("said", "want"), [
    ("a less bright one (prefer AC adapter > battery > USB)", "1002"),
    ("a less bright one (prefer battery > USB > AC)", "1003"),
    ("a dimmer one, prefer USB over battery", "1004"),
    ("a brighter one", "1001"),
    ("the cheapest one", "1005"),
    ("the most expensive one", "1001"),
])
def test_relative_wishes_and_preferences_pick_the_variant(said: str, want: str) -> None:
    got = pick_variant(LAMP, line(LAMP, "1000"), [], said)
    assert got is not None and got["item_id"] == want


BOTTLE = product([
    {"capacity": "500ml", "material": "glass", "color": "black"},            # 1000 current
    {"capacity": "750ml", "material": "glass", "color": "black"},            # 1001
    {"capacity": "1000ml", "material": "stainless steel", "color": "red"},   # 1002
    {"capacity": "500ml", "material": "plastic", "color": "black"},          # 1003
])


def test_bigger_means_a_larger_value_of_the_size_like_option_nearest_first() -> None:
    got = pick_variant(BOTTLE, line(BOTTLE, "1000"), [], "a bigger one")
    assert got is not None and got["item_id"] == "1001"
    biggest = pick_variant(BOTTLE, line(BOTTLE, "1000"), [], "the largest capacity")
    assert biggest is not None and biggest["item_id"] == "1002"
    # Nothing smaller than the smallest: nothing is picked (the customer is asked).
    assert pick_variant(BOTTLE, line(BOTTLE, "1000"), [], "a smaller one") is None


SHIRT = product([
    {"size": "M", "color": "blue"}, {"size": "S", "color": "blue"},
    {"size": "XS", "color": "blue"}, {"size": "S", "color": "black"},
    {"size": "L", "color": "blue"},
])


def test_steps_amounts_bounds_and_kept_options() -> None:
    one_smaller = pick_variant(SHIRT, line(SHIRT, "1000"), [], "one size smaller, prefer black")
    assert one_smaller is not None and one_smaller["item_id"] == "1003"
    puzzle = product([{"pieces": "500", "theme": "art"}, {"pieces": "1500", "theme": "art"},
                      {"pieces": "1000", "theme": "art"}, {"pieces": "1500", "theme": "animals"}])
    more = pick_variant(puzzle, line(puzzle, "1000"), [],
                        "1000 more pieces, and I prefer animal than art theme")
    assert more is not None and more["item_id"] == "1003"
    laptop = product([{"processor": "i5", "ram": "8GB"}, {"processor": "i7", "ram": "8GB"},
                      {"processor": "i9", "ram": "16GB"}, {"processor": "i5", "ram": "16GB"}],
                     prices=[900, 1200, 1100, 950])
    cheap = pick_variant(laptop, line(laptop, "1000"), [], "the cheapest i7 or above")
    assert cheap is not None and cheap["item_id"] == "1002"
    same = read_wishes("the same size and color but bigger", {"size": ["S", "M"], "color": [
        "red"]}, {"size": "S", "color": "red"})
    assert same.options["color"].keep and not same.options["size"].keep


def test_each_item_s_wishes_come_from_what_is_said_about_it() -> None:
    text = ("I want to exchange the water bottle to a bigger one, and the desk lamp to a less "
            "bright one (prefer AC adapter > battery > USB).")
    names = ["Water Bottle", "Desk Lamp", "Hiking Boots"]
    assert "bigger" in about(text, "Water Bottle", names)
    assert "bright" not in about(text, "Water Bottle", names)
    assert "bigger" not in about(text, "Desk Lamp", names)
    # A message about one product: all of it.
    assert about("exchange the lamp, red please", "Desk Lamp", names) == \
        "exchange the lamp, red please"


def test_verbs_govern_the_items_named_after_them() -> None:
    text = ("If not, cancel the charger I just bought, because it goes with the tablet. Also "
            "cancel the boot and keep the kettle, and return the sneaker. I lost my tablet.")
    names = ["Tablet", "Portable Charger", "Hiking Boots", "Electric Kettle", "Sneakers"]
    assert governed(text, names) == [("cancel", "Portable Charger"), ("cancel", "Hiking Boots"),
                                     ("return", "Sneakers")]
    assert governed("please do not cancel the kettle", names) == []


def test_the_model_s_requests_are_completed_not_replaced() -> None:
    text = ("exchange the helmet for a red one, and exchange the luggage set to black. Lastly, "
            "modify the grill I just ordered.")
    names = ["Cycling Helmet", "Luggage Set", "Grill"]
    model = [CustomerRequest(intent="exchange", items=["helmet", "grill"], payment="visa")]
    got = complete(model, text, names)
    assert [(r.intent, r.items) for r in got] == [
        ("exchange", ["helmet", "Luggage Set"]),
        ("modify_items", ["Grill"])]
    assert got[1].payment == "visa"  # a payment named once holds for the message


def test_an_item_the_customer_keeps_is_read() -> None:
    order = {"items": [{"name": "Electric Kettle"}, {"name": "Hiking Boots"}]}
    assert kept_in(order, "cancel the boots and keep the kettle") == [order["items"][0]]
    assert kept_in(order, "cancel the boots and the kettle") == []


def test_superlatives_that_name_their_option() -> None:
    # τ² train task 41's words: "the easiest one with fewest pieces".
    puzzle = product([
        {"pieces": "1000", "theme": "fantasy", "difficulty level": "intermediate"},  # current
        {"pieces": "500", "theme": "art", "difficulty level": "intermediate"},
        {"pieces": "500", "theme": "animals", "difficulty level": "beginner"},
        {"pieces": "1500", "theme": "art", "difficulty level": "beginner"},
        {"pieces": "500", "theme": "art", "difficulty level": "expert"},
    ])
    easiest = pick_variant(puzzle, line(puzzle, "1000"), [], "the easiest one with fewest pieces")
    assert easiest is not None and easiest["item_id"] == "1002"
    hardest = pick_variant(puzzle, line(puzzle, "1000"), [], "a harder one")
    assert hardest is not None and hardest["item_id"] == "1004"
    brightest = pick_variant(LAMP, line(LAMP, "1004"), [], "the brightest one")
    assert brightest is not None and brightest["item_id"] == "1001"


def test_without_changing_the_other_options_keeps_every_option_not_wished_for() -> None:
    # τ² train task 99's words.
    camera = product([{"resolution": "24MP", "zoom": "3x", "storage": "SD card"},
                      {"resolution": "20MP", "zoom": "5x", "storage": "CF card"},
                      {"resolution": "20MP", "zoom": "3x", "storage": "SD card"},
                      {"resolution": "30MP", "zoom": "3x", "storage": "SD card"}],
                     prices=[100, 90, 95, 120])
    said = "exchange my camera to a slightly lower resolution, without changing the other options"
    lower = pick_variant(camera, line(camera, "1000"), [], said)
    assert lower is not None and lower["item_id"] == "1002"
    # A new value the words name is a wish, not kept: "in CF card, keep the other options".
    cf = read_wishes("the CF card one, keep the other options",
                     {"zoom": ["3x", "5x"], "storage": ["SD card", "CF card"]},
                     {"zoom": "3x", "storage": "SD card"})
    assert cf.options["zoom"].keep and not cf.options["storage"].keep


def test_items_joined_by_and_share_the_wish_after_them() -> None:
    names = ["Pet Bed", "Office Chair", "Water Bottle"]
    text = ("I want to return the water bottle, and exchange the pet bed and office chair to "
            "the cheapest version.")
    assert "cheapest" in about(text, "Pet Bed", names)
    assert "cheapest" in about(text, "Office Chair", names)
    assert "cheapest" not in about(text, "Water Bottle", names)
    # A verb between them ends the first item's words.
    text = "Exchange the pet bed and return the office chair, the cheapest one."
    assert "cheapest" not in about(text, "Pet Bed", names)


def test_a_sentence_that_says_not_to_process_it_only_asks() -> None:
    names = ["Air Purifier", "Vacuum Cleaner"]
    text = ("Return the air purifier. Also, check whether I can return the vacuum cleaner, "
            "but don't process anything.")
    assert only_asked(text, names) == ["Vacuum Cleaner"]
    # Keeping other options is a wish, not a question.
    assert only_asked("Exchange the vacuum cleaner without changing the other options.",
                      names) == []


def test_all_items_after_a_verb_of_the_request_means_every_line() -> None:
    text = ("I just won a lottery, and I want to upgrade all my items to the most expensive "
            "variants. Make sure the new shoe is still the same size.")
    assert _asks_all(text, "modify_items") and _asks_all(text, "exchange")
    assert not _asks_all(text, "return")
    assert not _asks_all("Exchange the shoe. I love all my items.", "exchange")


def test_a_cancel_verb_governs_the_order_ids_in_its_clause() -> None:
    text = ("for order #w5056519, i want to change the address. finally, i want to cancel "
            "order #w5995614 because i ordered by mistake.")
    assert cancelled_orders(text) == ["#W5995614"]
    assert cancelled_orders("cancel order #w1111111 and return items of #w2222222") == \
        ["#W1111111"]
    assert cancelled_orders("do not cancel #w1111111, return it") == []
    asked = complete([CustomerRequest(intent="cancel")], text, [])
    assert [(r.intent, r.order_id) for r in asked] == [("cancel", "#W5995614")]


def test_changing_one_s_mind_is_not_a_request_to_change_items() -> None:
    assert [v for _, _, v in request_verbs("i change my mind and return the other one")] == \
        ["return"]
    assert refund_named("cancel the whole order and refund to gift card.") == "gift card"
    assert refund_named("cancel the whole order.") == ""
