"""Code completes the model's structured query from the question's words (``_sql_amend``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents._semantic import DEFAULT_PATH
from agents._sql_amend import Amended, amend
from agents._sql_amend_shape import _share_counts
from agents._sql_compile import QueryError
from agents._sql_linking import EXAMPLES_PATH, Holds
from agents._sql_query import StructuredQuery
from agents.analyst import SqlKit, SqlWorld, store_holds, store_lookup
from tests.tools._seeded import seeded_template  # noqa: F401  (fixture)
from tools import DuckDBStore


@pytest.fixture(scope="module")
def store(seeded_template: Path) -> Iterator[DuckDBStore]:  # noqa: F811
    store = DuckDBStore(seeded_template)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def kit(store: DuckDBStore) -> SqlKit:
    return SqlWorld(DEFAULT_PATH, EXAMPLES_PATH).ready(store)


def q(**fields: Any) -> dict[str, Any]:
    return {"metrics": ["order_count"], "group_by": [], "filters": [], "period": "all",
            "order": "none", "limit": None, **fields}


def run(kit: SqlKit, question: str, examples: frozenset[str] = frozenset(),
        holds: Holds | None = None, **fields: Any) -> Amended:
    return amend(q(**fields), question, kit.linker.link(question, holds), kit.catalog,
                 kit.layer, set(examples))


def test_a_value_the_question_names_becomes_a_filter(kit: SqlKit) -> None:
    done = run(kit, "How many orders are still pending?")
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "=",
                                          "value": "pending"}]
    assert done.notes


def test_several_values_of_one_column_become_one_in_filter(kit: SqlKit) -> None:
    done = run(kit, "How many orders are pending or cancelled?")
    (f,) = done.arguments["filters"]
    assert f["field"] == "orders.status" and f["op"] == "in"
    assert sorted(f["value"]) == ["cancelled", "pending"]


def test_a_negated_value_becomes_an_exclusion(kit: SqlKit) -> None:
    done = run(kit, "How many orders are not delivered?")
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "!=",
                                          "value": "delivered"}]
    done = run(kit, "Leaving out the cancelled ones, how many orders do we have?")
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "!=",
                                          "value": "cancelled"}]


def test_the_model_filter_on_a_named_column_stands(kit: SqlKit) -> None:
    mine = [{"field": "orders.status", "op": "in", "value": ["pending", "cancelled"]}]
    done = run(kit, "How many orders are pending or cancelled?", filters=mine)
    assert done.arguments["filters"] == mine


def test_an_exclusion_the_question_does_not_ask_for_becomes_equality(kit: SqlKit) -> None:
    done = run(kit, "How many orders are pending?",
               filters=[{"field": "orders.status", "op": "!=", "value": "pending"}])
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "=",
                                          "value": "pending"}]


@pytest.mark.parametrize("value", ["anya", "all"])
def test_a_text_value_the_question_does_not_name_is_dropped(kit: SqlKit, value: str) -> None:
    done = run(kit, "How many orders do we have?",
               filters=[{"field": "orders.user_id", "op": "=", "value": value}])
    assert done.arguments["filters"] == []
    assert "does not name it" in done.notes[0] or "quantifier" in done.notes[0]


def test_a_category_value_said_in_other_words_stands_unless_an_example_showed_it(
        kit: SqlKit) -> None:
    status = [{"field": "orders.status", "op": "=", "value": "cancelled"}]
    assert run(kit, "How many orders were called off?", filters=status
               ).arguments["filters"] == status
    copied = run(kit, "How many orders were called off?", frozenset({"cancelled"}),
                 filters=status)
    assert copied.arguments["filters"] == []


def test_number_filters_are_the_model_s(kit: SqlKit) -> None:
    f = [{"field": "orders.exchange_price_difference", "op": ">", "value": 0}]
    assert run(kit, "How many exchanges cost the customer extra?",
               filters=f).arguments["filters"] == f


@pytest.mark.parametrize(("question", "period"), [
    ("How many orders in the last 30 days?", "last_30_days"),
    ("Units sold over the past week", "last_7_days"),
    ("Revenue this month", "this_month"),
    ("How many refunds did we issue yesterday?", "yesterday"),
    ("Refunds last month", "last_month"),
    ("How many orders do we have?", "all"),
    ("How many routes take more than 4 days by ground?", "all"),
])
def test_the_period_is_the_one_the_question_names(kit: SqlKit, question: str,
                                                  period: str) -> None:
    assert run(kit, question, period="last_90_days").arguments["period"] == period


def test_a_time_word_without_a_named_period_leaves_the_model_s_choice(kit: SqlKit) -> None:
    assert run(kit, "How many orders since the spring sale?",
               period="last_90_days").arguments["period"] == "last_90_days"


def test_on_a_later_try_all_time_stands(kit: SqlKit) -> None:
    question = "Refunds last month"
    done = amend(q(), question, kit.linker.link(question), kit.catalog, kit.layer, set(),
                 first=False)
    assert done.arguments["period"] == "all"


def test_a_breakdown_for_a_total_is_dropped(kit: SqlKit) -> None:
    assert run(kit, "How many orders do we have?",
               group_by=["orders.status"]).arguments["group_by"] == []
    assert run(kit, "How many orders do we have in each status?",
               group_by=["orders.status"]).arguments["group_by"] == ["orders.status"]


@pytest.mark.parametrize(("question", "order", "limit"), [
    ("Which 2 states have the most customers?", "desc", 2),
    ("Top 5 products by units sold", "desc", 5),
    ("Which three warehouses hold the fewest units?", "asc", 3),
    ("Which product shows up on the most order lines?", "desc", 1),
    ("Which carrier is the cheapest per parcel?", "asc", 1),
    ("Units sold per region, most first", "desc", None),
    ("Which 4 suppliers have the thinnest margins?", "asc", 4),
    ("Which order status is the busiest?", "desc", 1),
    ("Which order statuses have at least 100 orders?", "none", None),  # a bound, no rank
    ("Average price per variant in the most recent price check", "none", None),
])
def test_ranking_words_set_order_and_limit(kit: SqlKit, question: str, order: str,
                                           limit: int | None) -> None:
    done = run(kit, question, group_by=["orders.status"])
    assert (done.arguments["order"], done.arguments["limit"]) == (order, limit)


def test_arguments_of_another_shape_are_left_to_validation(kit: SqlKit) -> None:
    odd = {"metrics": "order_count", "filters": "pending"}
    question = "How many orders are pending?"
    done = amend(odd, question, kit.linker.link(question), kit.catalog, kit.layer, set())
    assert done.arguments == odd and done.notes == []


def test_a_named_value_on_the_wrong_column_moves_to_the_column_that_holds_it(
        kit: SqlKit) -> None:
    done = run(kit, "How many active stock reservations does the Columbus warehouse have?",
               metrics=["active_reservations"],
               filters=[{"field": "reservations.warehouse_id", "op": "=", "value": "Columbus"}])
    fields = [f["field"] for f in done.arguments["filters"]]
    assert {"field": "warehouses.city", "op": "=", "value": "Columbus"} in (
        done.arguments["filters"])
    assert "reservations.warehouse_id" not in fields


def test_a_product_name_filters_without_multiplying_rows(kit: SqlKit) -> None:
    done = run(kit, "How many T-Shirt variants are there?", metrics=["variant_count"],
               filters=[{"field": "order_items.name", "op": "=", "value": "T-Shirt"}])
    assert done.arguments["filters"] == [{"field": "products.name", "op": "=",
                                          "value": "T-Shirt"}]


def test_unnamed_members_of_a_list_are_dropped(kit: SqlKit) -> None:
    done = run(kit, "How many T-Shirt variants are there?", metrics=["variant_count"],
               filters=[{"field": "products.name", "op": "in",
                         "value": ["T-Shirt", "Bluetooth Speaker"]}])
    assert done.arguments["filters"] == [{"field": "products.name", "op": "in",
                                          "value": ["T-Shirt"]}]


def test_a_one_value_list_moves_like_a_value(kit: SqlKit) -> None:
    done = run(kit, "How many active stock reservations does the Columbus warehouse have?",
               metrics=["active_reservations"],
               filters=[{"field": "reservations.warehouse_id", "op": "in",
                         "value": ["Columbus"]}])
    assert {"field": "warehouses.city", "op": "in", "value": ["Columbus"]} in (
        done.arguments["filters"])


def test_a_date_filter_stands_only_where_the_question_names_a_date(kit: SqlKit) -> None:
    days = [{"field": "sales_history.day", "op": "between",
             "value": ["2026-11-01", "2026-11-30"]}]
    invented = run(kit, "On which day of the week do we sell the most units?",
                   metrics=["units_sold"], filters=days)
    assert invented.arguments["filters"] == []
    named = run(kit, "How many units did we sell in November 2026?", metrics=["units_sold"],
                filters=days)
    assert named.arguments["filters"] == days


def test_repeated_every_value_and_unnamed_id_filters_are_dropped(kit: SqlKit) -> None:
    twice = {"field": "reservations.status", "op": "=", "value": "active"}
    done = run(kit, "How many active stock reservations are there?",
               metrics=["reservation_count"], filters=[twice, dict(twice)])
    assert done.arguments["filters"] == [twice]
    every = run(kit, "How many promotions target a single variant?",
                metrics=["promotion_count"], filters=[
                    {"field": "variants.available", "op": "in", "value": ["true", "false"]}])
    assert every.arguments["filters"] == []
    ids = run(kit, "How many units are on order for the Atlanta warehouse?",
              metrics=["units_on_order"], filters=[
                  {"field": "purchase_orders.warehouse_id", "op": "in",
                   "value": ["WH-DFW", "WH-ATL", "WH-CMH"]}])
    assert ids.arguments["filters"] == [{"field": "warehouses.city", "op": "=",
                                         "value": "Atlanta"}]


def test_metrics_of_another_table_are_dropped(kit: SqlKit) -> None:
    done = run(kit, "Which cities have the most customers?",
               metrics=["customer_count", "order_count"], group_by=["customer_city"])
    assert done.arguments["metrics"] == ["customer_count"]


def test_day_of_the_week_buckets_the_date_by_weekday(kit: SqlKit) -> None:
    done = run(kit, "Which day of the week sells the most units?", metrics=["units_sold"],
               group_by=["day"])
    assert done.arguments["group_by"] == ["weekday"]
    assert (done.arguments["order"], done.arguments["limit"]) == ("desc", 1)
    added = run(kit, "Units sold by month of the year", metrics=["units_sold"])
    assert added.arguments["group_by"] == ["month_of_year"]


def test_a_bound_on_a_count_per_thing_becomes_having_and_how_many_counts_the_groups(
        kit: SqlKit) -> None:
    done = run(kit, "How many customers have placed more than 3 orders?")
    assert done.arguments["group_by"] == ["orders.user_id"]
    assert done.arguments["having"] == {"op": ">", "value": 3.0}
    assert done.arguments["count_groups"] is True
    listed = run(kit, "Which customers placed at least two orders?", group_by=["orders.user_id"])
    assert listed.arguments["having"] == {"op": ">=", "value": 2.0}
    assert not listed.arguments.get("count_groups")
    # A bound a filter already carries is a row's, not a group's.
    row = run(kit, "How many variants are priced above $1,000?", metrics=["variant_count"],
              filters=[{"field": "variants.price", "op": ">", "value": 1000}])
    assert "having" not in row.arguments


def test_tied_keeps_every_group_tied(kit: SqlKit) -> None:
    done = run(kit, "Which cities are tied for the most customers?",
               metrics=["customer_count"], group_by=["customer_city"])
    assert (done.arguments["limit"], done.arguments["ties"]) == (1, True)
    plain = run(kit, "Which city has the most customers?", metrics=["customer_count"],
                group_by=["customer_city"])
    assert not plain.arguments.get("ties")


def test_a_latest_filter_stands_without_a_named_date(kit: SqlKit) -> None:
    latest = [{"field": "competitor_prices.observed_on", "op": "latest", "value": None}]
    done = run(kit, "What was BargainBay's average price in its most recent price check?",
               metrics=["avg(competitor_prices.price)"], filters=latest)
    assert latest[0] in done.arguments["filters"]


def test_in_the_most_recent_check_keeps_the_latest_date(kit: SqlKit) -> None:
    bargain = {"field": "competitor_prices.competitor", "op": "=", "value": "BargainBay"}
    done = run(kit, "In its most recent price check, what was BargainBay's average price?",
               metrics=["competitor_price"], filters=[bargain])
    assert done.arguments["filters"] == [bargain, {"field": "competitor_prices.observed_on",
                                                   "op": "latest", "value": None}]
    period = run(kit, "What was BargainBay's average price in the last 30 days?",
                 metrics=["competitor_price"], filters=[bargain])
    assert period.arguments["filters"] == [bargain]


def test_a_named_condition_becomes_a_filter_also_through_a_join(kit: SqlKit) -> None:
    done = run(kit, "How many order lines are for variants that are sold out?",
               metrics=["order_lines"])
    assert done.arguments["filters"] == [{"field": "sold_out", "op": "=", "value": True}]
    negated = run(kit, "How many variants are not sold out?", metrics=["variant_count"])
    assert negated.arguments["filters"] == [{"field": "sold_out", "op": "=", "value": False}]
    # a name with "the" said with another determiner and a word more ("cut the price")
    cut = run(kit, "When we cut a list price, by how much did it change?",
              metrics=["price_change_pct"])
    assert {"field": "price_cut", "op": "=", "value": True} in cut.arguments["filters"]


def test_a_quantifier_is_not_a_filter_value(kit: SqlKit) -> None:
    done = run(kit, "What is all the stock we have on hand worth at cost?",
               metrics=["stock_value"],
               filters=[{"field": "stock.item_id", "op": "=", "value": "all"}])
    assert done.arguments["filters"] == []


def test_a_value_of_a_json_attribute_filters_by_that_attribute(
        kit: SqlKit, seeded_template: Path) -> None:  # noqa: F811
    question = "How many variants of the T-Shirt are black?"
    done = run(kit, question, metrics=["variant_count"])
    assert {"field": "variants_color", "op": "=", "value": "black"} in done.arguments["filters"]
    compiled = kit.compiler.compile(StructuredQuery.model_validate(done.arguments))
    store = DuckDBStore(seeded_template)
    try:
        with store.cursor() as cur:
            (got,), = cur.execute(compiled.sql).fetchall()
            (want,), = cur.execute(
                "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
                "WHERE p.name = 'T-Shirt' AND v.options ->> 'color' = 'black'").fetchall()
    finally:
        store.close()
    assert got == want > 0


def test_attributes_are_valid_fields_but_not_offered_to_the_model(kit: SqlKit) -> None:
    offered = kit.vocabulary.schema()["$defs"]["field"]["enum"]
    assert "variants_color" not in offered
    kit.vocabulary.check(StructuredQuery(
        metrics=["variant_count"],
        filters=[{"field": "variants_color", "op": "=", "value": "blue"}]))


def test_a_value_a_column_holds_is_not_read_as_an_attribute(kit: SqlKit) -> None:
    # 'laptop' is a product's name and also a backpack's compartment option.
    hits = {h.value.lower(): h.columns for h in kit.linker.link(
        "What do laptop variants cost on average?").values}
    assert hits["laptop"] and not any(c.startswith("variants_") for c in hits["laptop"])


def test_quantity_words_are_not_values(kit: SqlKit) -> None:
    linked = kit.linker.link("Which products have over half of their variants in stock?")
    assert not any(h.value.lower() == "half" for h in linked.values)


def test_how_many_counts_the_thing_it_names(kit: SqlKit) -> None:
    done = run(kit, "How many lanes take more than 3 days with the ground service?",
               metrics=["order_count"], group_by=["order_items.order_id"],
               filters=[{"field": "order_items.order_id", "op": ">", "value": 3}])
    args = done.arguments
    assert args["metrics"] == ["carrier_lanes_count"] and args["group_by"] == []
    assert {"field": "carrier_lanes.transit_days", "op": ">", "value": 3} in args["filters"]
    assert {"field": "carriers.service", "op": "=", "value": "ground"} in args["filters"]
    assert not any(f["field"].startswith("order_items") for f in args["filters"])


def test_a_word_shared_with_the_counted_table_does_not_name_the_metric(kit: SqlKit) -> None:
    # "orders" shares "order" with order_payments_count, but counts orders
    done = run(kit, "How many orders were settled at least once with PayPal?",
               metrics=["order_payments_count"], group_by=["order_payments.order_id"])
    assert done.arguments["metrics"] == ["order_count"]
    assert done.arguments["group_by"] == []  # orders per order: 1 each


def test_a_bound_on_what_each_counted_thing_has_counts_that_per_thing(kit: SqlKit) -> None:
    # the model counted the customers; the bound is on their orders
    args = run(kit, "How many customers placed more than 3 orders?",
               metrics=["customer_count"]).arguments
    assert args["metrics"] == ["order_count"] and args["group_by"] == ["orders.user_id"]
    assert args["having"] == {"op": ">", "value": 3.0} and args["count_groups"]


def test_which_things_have_rows_of_another_table_lists_them(kit: SqlKit,
                                                            store: DuckDBStore) -> None:
    # all of them: the model's limit of 10 ranks nothing the question asks to rank
    done = run(kit, "Which customers have a gift card on file?", metrics=["customer_count"],
               order="desc", limit=10)
    assert [r[0] for r in _answer(kit, store, done.arguments)] == [r[0] for r in _rows(
        store, "SELECT DISTINCT user_id FROM user_payment_methods WHERE source = 'gift_card'")]


def test_which_rows_pass_a_condition_lists_them(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which orders were cancelled?", metrics=["order_count"])
    assert [r[0] for r in _answer(kit, store, done.arguments)] == [
        r[0] for r in _rows(store, "SELECT order_id FROM orders WHERE status = 'cancelled'")]
    # "the money customers spent": a bound per customer, not on a row's price
    done = run(kit, "Which customers spent more than 5000 dollars on delivered orders?",
               metrics=["order_value"])
    assert not any(f["field"] == "order_items.price" for f in done.arguments["filters"])


def test_a_word_the_term_says_is_no_other_table_s_value(kit: SqlKit) -> None:
    # 'failed' is a run's status too; failed tool calls already say it
    done = run(kit, "Which tool failed the most?", metrics=["failed_tool_calls"])
    assert done.arguments["filters"] == []
    assert done.arguments["group_by"] == ["tool_name"]


def test_the_plainer_term_of_a_share_drops_only_the_last_condition(kit: SqlKit) -> None:
    from agents._sql_amend_shape import _plain_metric
    plain = {m.name: p.name for m in kit.layer.metrics
             if (p := _plain_metric(m, kit.layer)) is not None}
    assert plain["failed_tool_calls"] == "agent_tool_calls"
    assert plain["open_purchase_orders"] == "purchase_order_count"
    assert "purchase_order_count" not in plain  # nothing plainer than no condition


def test_the_model_s_term_whose_words_the_question_says_stands(kit: SqlKit) -> None:
    # "how many purchase orders" also names the plain count; "overdue" is said too
    done = run(kit, "How many purchase orders are overdue?",
               metrics=["overdue_purchase_orders"])
    assert done.arguments["metrics"] == ["overdue_purchase_orders"]
    # 'active' is also a reservation's status; "active promotions" are said
    done = run(kit, "How many promotions are active at the moment?",
               metrics=["active_promotions"])
    assert done.arguments["metrics"] == ["active_promotions"]


def test_how_many_things_counts_them_though_the_model_counts_what_they_did(
        kit: SqlKit, store: DuckDBStore) -> None:
    # customers with a pending order, not the pending orders (a customer may have several)
    done = run(kit, "How many customers placed an order that is still pending?",
               metrics=["order_count"])
    gold = "SELECT count(DISTINCT user_id) FROM orders WHERE status = 'pending'"
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT count(*) FROM orders "
                                              "WHERE status = 'pending'")
    # "how many warehouses ... region": the region's words name another table's count
    done = run(kit, "How many warehouses are in the west region?",
               metrics=["state_regions_count"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT count(*) FROM warehouses WHERE region = 'west'")


def test_a_value_of_another_table_brings_that_table_s_metric(kit: SqlKit) -> None:
    done = run(kit, "What was ShopRival's average price in its latest price check?",
               metrics=["average_selling_price"], period="last_30_days",
               group_by=["variants.product_id"])
    args = done.arguments
    assert args["metrics"] == ["competitor_price"] and args["period"] == "all"
    assert {"field": "competitor_prices.competitor", "op": "=",
            "value": "ShopRival"} in args["filters"]
    assert any(f["op"] == "latest" for f in args["filters"])
    assert args["group_by"] == []  # "most recent" and "latest" rank nothing


def test_a_distinct_count_through_a_join_stands(kit: SqlKit) -> None:
    done = run(kit, "How many customers keep a PayPal account?", metrics=["customer_count"])
    assert done.arguments["metrics"] == ["customer_count"]


def _rows(store: DuckDBStore, sql: str) -> list[tuple[Any, ...]]:
    # Rounded: a parallel sum of floats may differ in its last digits from run to run.
    # (sorted by text, so that a NULL sorts beside values: a NULL row is a difference)
    with store.cursor() as cur:
        return sorted((tuple(round(v, 4) if isinstance(v, float) else v for v in row)
                       for row in cur.execute(sql).fetchall()), key=lambda row: repr(row))


def test_how_many_things_among_the_rows_of_a_named_table_counts_distinct_keys(
        kit: SqlKit, store: DuckDBStore) -> None:
    # volume_tiers holds several tiers per product: its row count is not the answer
    done = run(kit, "How many products come with volume discounts for buying in bulk?",
               metrics=["volume_tiers_count"])
    assert done.arguments["metrics"] == ["count_distinct(volume_tiers.product_id)"]
    compiled = kit.compiler.compile(StructuredQuery.model_validate(done.arguments))
    assert compiled.columns[0].name == "product_count"
    want = _rows(store, "SELECT count(DISTINCT product_id) FROM volume_tiers")
    assert _rows(store, compiled.sql) == want
    assert want != _rows(store, "SELECT count(*) FROM volume_tiers")


def test_a_bound_per_thing_is_not_a_distinct_count(kit: SqlKit) -> None:
    done = run(kit, "How many orders contain more than 4 items?", metrics=["order_items_count"])
    assert not any(m.startswith("count_distinct") for m in done.arguments["metrics"])


def test_how_many_after_a_leading_clause_counts_the_thing_it_names(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "For each supplier country, how many suppliers are there?",
               metrics=["supplier_products_count"], group_by=["suppliers.country"])
    compiled = kit.compiler.compile(StructuredQuery.model_validate(done.arguments))
    assert _rows(store, compiled.sql) == _rows(
        store, "SELECT country, count(*) FROM suppliers GROUP BY 1")


def test_the_median_of_a_number_column_is_asked_by_its_word(kit: SqlKit,
                                                           store: DuckDBStore) -> None:
    done = run(kit, "What is the median list price of a variant?", metrics=["list_price"])
    gold = "SELECT median(price) FROM variants"
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT avg(price) FROM variants")


def test_per_the_query_s_own_rows_is_no_breakdown(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the average quantity per purchase order?",
               metrics=["avg(purchase_orders.quantity)"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT avg(quantity) FROM purchase_orders")
    # "due by November 7" bounds a date; it asks for no breakdown
    done = run(kit, "How many open purchase orders are due to arrive by November 7, 2026?",
               metrics=["open_purchase_orders"], group_by=["purchase_orders.po_id"])
    assert not done.arguments["group_by"]
    # "waiting to be shipped" is the pending status
    done = run(kit, "How many orders are waiting to be shipped?")
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "=",
                                          "value": "pending"}]
    # "placed by customers" says who, "paid by credit card" how: no breakdown by them
    for question in ("How many orders were placed by customers in Texas?",
                     "How many orders were paid by credit card?"):
        assert not run(kit, question).arguments["group_by"], question
    done = run(kit, "What is the total amount paid by gift card?", metrics=["payments"])
    assert not done.arguments["group_by"]


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    ("List the 4 top-selling products by units sold.", q(metrics=["units_sold"]),
     "SELECT p.name, sum(quantity) FROM sales_history JOIN products p USING (product_id) "
     "GROUP BY p.product_id, 1 ORDER BY 2 DESC LIMIT 4"),
    ("Show our 2 busiest warehouses by units sold.", q(metrics=["units_sold"]),
     "SELECT w.name, sum(quantity) FROM sales_history JOIN warehouses w USING (warehouse_id) "
     "GROUP BY w.warehouse_id, 1 ORDER BY 2 DESC LIMIT 2"),
    ("Top 3 suppliers by purchase order value", q(metrics=["purchase_value"]),
     "SELECT s.name, sum(quantity * unit_cost) FROM purchase_orders JOIN suppliers s "
     "USING (supplier_id) GROUP BY s.supplier_id, 1 ORDER BY 2 DESC LIMIT 3"),
    ("What is the average unit cost of our variants by product?",
     q(metrics=["avg(unit_costs.unit_cost)"]),
     "SELECT p.name, avg(unit_cost) FROM unit_costs JOIN products p USING (product_id) "
     "GROUP BY p.product_id, 1"),
    ("Which city do the most customers live in?", q(metrics=["customer_count"]),
     "SELECT count(*) FROM users GROUP BY address ->> '$.city' ORDER BY 1 DESC LIMIT 1"),
    # the orders a product appears on: its distinct orders among the order lines
    ("Which 3 products appear on the most orders?", q(metrics=["product_count"]),
     "SELECT p.name, count(DISTINCT order_id) FROM order_items JOIN products p "
     "USING (product_id) GROUP BY p.product_id, 1 ORDER BY 2 DESC LIMIT 3"),
    ("How many purchase orders went out to each supplier?",
     q(metrics=["purchase_order_count"]),
     "SELECT s.name, count(*) FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "GROUP BY s.supplier_id, 1"),
])
def test_a_list_of_things_or_a_figure_for_each_thing_is_one_row_per_thing(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    done = amend(proposed, question, kit.linker.link(question), kit.catalog, kit.layer, set())
    assert sorted(r[1:] for r in _answer(kit, store, done.arguments)) == _rows(store, gold)


def test_an_aggregate_word_before_a_number_column_asks_for_that_aggregate(
        kit: SqlKit, store: DuckDBStore) -> None:
    # two columns are named unit_cost: the table named for it holds the answer
    done = run(kit, "What is the average unit cost across all our variants?",
               metrics=["unit_costs_count"])
    assert done.arguments["metrics"] == ["avg(unit_costs.unit_cost)"]
    done = run(kit, "Which 5 products have the highest average variant price?",
               metrics=["variant_count"], group_by=["products.name"], order="desc", limit=5)
    args = done.arguments
    assert args["metrics"] == ["avg(variants.price)"] and args["group_by"] == ["products.name"]
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert _rows(store, compiled.sql) == _rows(
        store, "SELECT p.name, avg(v.price) AS a FROM variants v JOIN products p "
               "USING (product_id) GROUP BY 1 ORDER BY a DESC LIMIT 5")


def test_the_cheapest_thing_is_the_lowest_of_its_price(kit: SqlKit, store: DuckDBStore) -> None:
    # list_price is an average of variants.price: the cheapest variant is the minimum
    args = run(kit, "What is the cheapest variant we sell: which product, and at what price?",
               metrics=["list_price"], group_by=["products.name"]).arguments
    assert args["metrics"] == ["min(variants.price)"]
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert _rows(store, compiled.sql) == _rows(
        store, "SELECT p.name, v.price FROM variants v JOIN products p USING (product_id) "
               "ORDER BY v.price LIMIT 1")


def test_a_term_over_the_named_column_stands(kit: SqlKit) -> None:
    # "refunds" sums order_payments.amount over refund transactions only
    refunds = next(m for m in kit.layer.metrics if "order_payments.amount" in m.sql
                   and m.filter and "refund" in m.filter)
    done = run(kit, "What is the total amount we have refunded to customers?",
               metrics=[refunds.name])
    assert done.arguments["metrics"] == [refunds.name]


def test_a_named_month_filters_the_date_column_the_question_means(
        kit: SqlKit, store: DuckDBStore) -> None:
    # the model bounds the wrong edge: "during October" is the whole month
    done = run(kit, "How many promotions ended during October 2026?",
               metrics=["promotion_count"], period="last_30_days",
               filters=[{"field": "promotions.ends_on", "op": ">=", "value": "2026-10-31"}])
    args = done.arguments
    assert args["filters"] == [{"field": "promotions.ends_on", "op": "between",
                                "value": ["2026-10-01", "2026-10-31"]}]
    assert args["period"] == "all"
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert _rows(store, compiled.sql) == _rows(
        store, "SELECT count(*) FROM promotions "
               "WHERE ends_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'")
    # "received" names received_on, whichever date column the model filtered
    args = run(kit, "How many purchase orders were received during October 2026?",
               metrics=["purchase_order_count"],
               filters=[{"field": "purchase_orders.expected_on", "op": ">",
                         "value": "2026-10-01"}]).arguments
    assert [f["field"] for f in args["filters"]
            if f["field"].endswith("_on")] == ["purchase_orders.received_on"]


def test_a_cycle_the_question_does_not_ask_for_is_its_calendar_grain(kit: SqlKit) -> None:
    done = run(kit, "How many units did we sell in each month from May to October 2026?",
               metrics=["units_sold"], group_by=["month_of_year"])
    assert done.arguments["group_by"] == ["month"]
    done = run(kit, "Which month of the year sells the most units?",
               metrics=["units_sold"], group_by=["month_of_year"])
    assert done.arguments["group_by"] == ["month_of_year"]


def test_a_breakdown_by_a_key_shows_the_name_beside_it_and_an_unstated_bound_goes(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which supplier has the most purchase orders still open, and how many?",
               metrics=["open_purchase_orders"], group_by=["purchase_orders.supplier_id"],
               having={"op": ">", "value": 10})
    args = done.arguments
    assert args["group_by"] == ["purchase_orders.supplier_id", "suppliers.name"]
    assert not args.get("having")  # the question states no 10
    assert args["order"] == "desc" and args["limit"] == 1
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert _rows(store, compiled.sql) == _rows(
        store, "SELECT p.supplier_id, s.name, count(*) AS n FROM purchase_orders p "
               "JOIN suppliers s USING (supplier_id) WHERE p.status = 'open' "
               "GROUP BY 1, 2 ORDER BY n DESC LIMIT 1")


def test_on_average_how_many_is_no_count_of_what_follows(kit: SqlKit) -> None:
    # "items" also names variants; the items an order contains are its lines
    done = run(kit, "On average, how many items does an order contain?",
               metrics=["order_lines"])
    assert done.arguments["metrics"] == ["order_lines"]


def test_a_question_for_a_day_groups_by_day_and_the_best_one_is_picked(
        kit: SqlKit, store: DuckDBStore) -> None:
    args = run(kit, "What was our best single day for units sold, and how many units?",
               metrics=["units_sold"]).arguments
    assert args["group_by"] == ["day"] and (args["order"], args["limit"]) == ("desc", 1)
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert [tuple(map(str, r)) for r in _rows(store, compiled.sql)] == [
        tuple(map(str, r)) for r in _rows(store, "SELECT day, sum(quantity) AS u FROM "
                                          "sales_history GROUP BY 1 ORDER BY u DESC LIMIT 1")]
    # "which day of the week" is a cycle, not a day
    args = run(kit, "Which day of the week sells the most units?",
               metrics=["units_sold"]).arguments
    assert args["group_by"] == ["weekday"]


def test_a_question_for_the_first_or_last_date_asks_for_that_date(
        kit: SqlKit, store: DuckDBStore) -> None:
    args = run(kit, "What was the first day in our sales records?",
               metrics=["min(sales_history.quantity)"]).arguments
    assert args["metrics"] == ["min(sales_history.day)"]
    compiled = kit.compiler.compile(StructuredQuery.model_validate(args))
    assert compiled.columns[0].format == "date"
    assert [str(r[0]) for r in _rows(store, compiled.sql)] == [
        str(r[0]) for r in _rows(store, "SELECT min(day) FROM sales_history")]
    # "received" names the column; "the last day of October" is a date given, not asked
    args = run(kit, "When did we receive the most recent purchase order?",
               metrics=["purchase_order_count"]).arguments
    assert args["metrics"] == ["max(purchase_orders.received_on)"]
    args = run(kit, "How many units did we sell on the last day of October 2026?",
               metrics=["units_sold"]).arguments
    assert args["metrics"] == ["units_sold"]


def test_a_distinct_count_is_code_s_not_offered_to_the_model(kit: SqlKit) -> None:
    assert "count_distinct" not in json.dumps(kit.vocabulary.schema())
    kit.vocabulary.check(StructuredQuery(metrics=["count_distinct(orders.user_id)"]))
    with pytest.raises(ValueError, match="not a metric"):
        kit.vocabulary.check(StructuredQuery(metrics=["count_distinct(orders.nope)"]))


def test_how_many_units_sums_units_rather_than_counting_a_table_named_later(
        kit: SqlKit) -> None:
    done = run(kit, "How many units reserved do we hold in total?",
               metrics=["reserved_units"])
    assert done.arguments["metrics"] == ["reserved_units"]


def test_values_the_question_does_not_spell_out_beside_one_it_does_are_dropped(
        kit: SqlKit) -> None:
    done = run(kit, "What did cancelled orders add up to?", filters=[
        {"field": "orders.status", "op": "in", "value": ["cancelled", "pending", "delivered"]}])
    assert done.arguments["filters"] == [{"field": "orders.status", "op": "in",
                                          "value": ["cancelled"]}]


def test_a_status_said_in_other_words_stands_when_none_is_spelled_out(kit: SqlKit) -> None:
    mine = [{"field": "orders.status", "op": "=", "value": "cancelled"}]
    done = run(kit, "How many orders were called off?", filters=mine)
    assert done.arguments["filters"] == mine


@pytest.mark.parametrize(("question", "value", "stands"), [
    ("Which products have a variant priced above $1,200?", 1200, True),
    ("Which products have a variant priced above $1,200?", 500, False),
    ("Which products have a variant priced above a thousand dollars?", 1000, True),
    ("Which products have a variant priced above 99.5?", 99.5, True),
    ("Which variants are out of stock?", 0, True),
    ("Which products come in the most variants?", 5, False),
])
def test_a_number_filter_stands_only_with_a_number_the_question_states(
        kit: SqlKit, question: str, value: float, stands: bool) -> None:
    mine = [{"field": "variants.price", "op": ">", "value": value}]
    done = run(kit, question, metrics=["variant_count"], filters=mine)
    assert (mine[0] in done.arguments["filters"]) is stands
    assert stands or any("states no such number" in n for n in done.notes)


@pytest.mark.parametrize(("question", "metric", "grouped"), [
    # "across" sums over the warehouses rather than breaking down by them
    ("What is our stock worth at cost across our warehouses?", "stock_value",
     "stock.warehouse_id"),
    ("What is our stock worth at cost across every warehouse?", "stock_value",
     "stock.warehouse_id"),
    # "list price" asks for no list
    ("How many list price changes took effect in September 2026?", "price_changes",
     "purchase_orders.po_id"),
])
def test_one_total_is_asked_where_no_word_asks_for_rows(
        kit: SqlKit, question: str, metric: str, grouped: str) -> None:
    done = run(kit, question, metrics=[metric], group_by=[grouped])
    assert done.arguments["group_by"] == []


def test_a_value_named_by_its_synonym_filters_by_the_stored_value(kit: SqlKit) -> None:
    done = run(kit, "How many customers are based in California?",
               metrics=["customer_count"])
    assert done.arguments["filters"] == [{"field": "customer_state", "op": "=",
                                          "value": "CA"}]
    mine = run(kit, "How many customers are based in California?", metrics=["customer_count"],
               filters=[{"field": "customer_state", "op": "=", "value": "California"}])
    assert mine.arguments["filters"] == [{"field": "customer_state", "op": "=", "value": "CA"}]


def test_a_short_stored_value_is_not_read_from_other_words(kit: SqlKit) -> None:
    # 'IN' (Indiana) is a stored state; the word "in" does not name it.
    linked = kit.linker.link("How many orders are in the pending state?")
    assert not any(h.value == "IN" for h in linked.values)


def test_a_breakdown_dropped_for_a_total_leaves_the_named_value_as_a_filter(
        kit: SqlKit) -> None:
    done = run(kit, "How many customers live in Texas?", metrics=["customer_count"],
               group_by=["customer_state"])
    assert done.arguments["group_by"] == []
    assert done.arguments["filters"] == [{"field": "customer_state", "op": "=", "value": "TX"}]


@pytest.mark.parametrize(("question", "expected"), [
    ("What was our gross profit in September 2026?", "margin"),
    ("What cost of goods sold did we book last month?", "cost_of_goods"),
    # Elsewhere a metric's words only qualify what is asked: the model's choice stands.
    ("How many units are still on open purchase orders?", "margin_pct"),
    ("What margin do open purchase orders leave us?", "margin_pct"),
    # A headline names its term first: "units sold per region", not a count of regions.
    ("Units sold per region last month", "units_sold"),
    ("Show me the gross profit by product for September 2026", "margin"),
    ("Revenue per product", "revenue"),
])
def test_the_metric_a_what_question_asks_for_by_name_counts(kit: SqlKit, question: str,
                                                             expected: str) -> None:
    done = run(kit, question, metrics=["margin_pct"])
    assert done.arguments["metrics"][0] == expected


def test_today_with_a_metric_of_what_is_current_adds_no_period(kit: SqlKit) -> None:
    done = run(kit, "Which deals are live today?", metrics=["active_promotions"],
               period="today")
    assert done.arguments["period"] == "all"
    assert run(kit, "How many promotions started today?", metrics=["promotion_count"]
               ).arguments["period"] == "today"


def _some(store: DuckDBStore, sql: str) -> str:
    with store.cursor() as db:
        return str(db.execute(sql).fetchone()[0])


def test_an_id_the_question_gives_is_linked_to_the_columns_that_hold_it(
        kit: SqlKit, store: DuckDBStore) -> None:
    item = _some(store, "SELECT max(item_id) FROM stock")
    order = _some(store, "SELECT max(order_id) FROM orders")
    user = _some(store, "SELECT max(user_id) FROM users WHERE user_id LIKE '%\\_%' ESCAPE '\\'")
    holds = store_holds(store)
    linked = kit.linker.link(f"How many units of item {item} are on hand?", holds)
    assert linked.values[0].value == item and "stock.item_id" in linked.values[0].columns
    # Order ids carry a '#' a person may leave out.
    bare = order.lstrip("#")
    (hit, *_) = kit.linker.link(f"What is the status of order {bare}?", holds).values
    assert hit.value == order and hit.columns[0] == "orders.order_id" and hit.said == bare
    # A user name's parts are not also read as first and last names.
    linked = kit.linker.link(f"How many orders did {user} place?", holds)
    assert [h.value for h in linked.values if h.value != "order"] == [user]


def test_numbers_and_dates_are_not_looked_up_as_ids(kit: SqlKit) -> None:
    asked: list[str] = []

    def holds(ref: str, value: str) -> bool:
        asked.append(value)
        return True

    kit.linker.link("Which 25 orders after 2026-10-01 cost more than 1200 in 2026?", holds)
    # Only the date has the shape of an id (and the store holds it in no id column).
    assert set(asked) == {"2026-10-01"}


def test_a_filter_on_the_wrong_id_column_moves_to_the_one_that_holds_the_id(
        kit: SqlKit, store: DuckDBStore) -> None:
    item = _some(store, "SELECT max(item_id) FROM unit_costs")
    done = run(kit, f"What is the unit cost of item {item}?", holds=store_holds(store),
               metrics=["unit_costs_count"],
               filters=[{"field": "variants.product_id", "op": "=", "value": item}])
    assert {"field": "unit_costs.item_id", "op": "=", "value": item} in done.arguments["filters"]
    assert not any(f["field"] == "variants.product_id" for f in done.arguments["filters"])


def test_a_column_s_value_asked_of_one_thing_is_that_value_not_a_count(
        kit: SqlKit, store: DuckDBStore) -> None:
    item = _some(store, "SELECT min(item_id) FROM unit_costs")
    cost = _some(store, f"SELECT unit_cost FROM unit_costs WHERE item_id = '{item}'")
    for question in (f"What is the unit cost of item {item}?",
                     f"What does variant {item} cost us apiece?",
                     f"How much do we pay per unit for item {item}?",
                     f"Unit cost of SKU {item}, please."):
        done = run(kit, question, holds=store_holds(store), metrics=["unit_costs_count"])
        (row,) = _answer(kit, store, done.arguments)
        assert str(row[-1]) == cost, question
    # a term that is itself a value is what "what is ... worth" asks for
    done = run(kit, "What is the stock on hand in Reno worth at cost?", metrics=["stock_value"])
    assert done.arguments["metrics"] == ["stock_value"]


def test_a_percentage_of_rows_moves_the_condition_said_after_the_verb_into_share(
        kit: SqlKit) -> None:
    pending = {"field": "orders.status", "op": "=", "value": "pending"}
    done = run(kit, "What share of our orders are still pending?", filters=[pending])
    assert done.arguments["share"] == [pending] and done.arguments["filters"] == []
    # said before the verb, a value is the whole, not the part
    whole = run(kit, "What percentage of pending orders were paid by gift card?",
                filters=[pending])
    assert whole.arguments["filters"] == [pending]
    assert [f["value"] for f in whole.arguments["share"]] == ["gift_card"]
    # no percentage asked: the filter stays a filter
    plain = run(kit, "How many orders are still pending?", filters=[pending])
    assert not plain.arguments.get("share")


def test_on_average_per_thing_groups_by_its_key_and_averages_the_groups(kit: SqlKit) -> None:
    done = run(kit, "How many lines does a typical order have on average?",
               metrics=["order_lines"])
    assert done.arguments["group_by"] == ["order_items.order_id"]
    assert done.arguments["average_groups"] is True
    daily = run(kit, "On average, how many units do we sell per day?", metrics=["units_sold"])
    assert daily.arguments["group_by"] == ["day"] and daily.arguments["average_groups"] is True
    # an average metric is averaged already; no "on average": a plain total
    assert not run(kit, "On average, what does a variant cost per unit?",
                   metrics=["avg(variants.price)"]).arguments.get("average_groups")
    assert not run(kit, "How many lines do orders have?",
                   metrics=["order_lines"]).arguments.get("average_groups")


def _answer(kit: SqlKit, store: DuckDBStore, args: dict[str, Any]) -> list[tuple[Any, ...]]:
    return _rows(store, kit.compiler.compile(StructuredQuery.model_validate(args)).sql)


@pytest.mark.parametrize(("question", "metric", "gold"), [
    ("How many orders have had a refund?", "order_count",
     "SELECT count(DISTINCT order_id) FROM order_payments WHERE transaction_type = 'refund'"),
    ("How many customers have a gift card on file?", "customer_count",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source = 'gift_card'"),
    ("How many different orders hold reserved stock?", "order_count",
     "SELECT count(DISTINCT order_id) FROM reservations"),
])
def test_how_many_things_have_rows_of_another_table_counts_its_distinct_keys(
        kit: SqlKit, store: DuckDBStore, question: str, metric: str, gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _answer(kit, store, q(metrics=[metric]))


def test_how_many_things_have_not_is_no_count_of_those_that_have(kit: SqlKit) -> None:
    done = run(kit, "How many variants have not had a price change since August?",
               metrics=["variant_count"])
    assert not any(m.startswith("count_distinct(") for m in done.arguments["metrics"])


@pytest.mark.parametrize(("question", "proposed", "gold", "naive"), [
    # breakdowns: by the attribute said, from the table nearest the query's
    # the model broke down by state; the question asks for regions, the orders' own
    ("How many pending orders go out to each region?",
     q(metrics=["order_count"], group_by=["state_regions.state"],
       filters=[{"field": "orders.status", "op": "=", "value": "pending"}]),
     "SELECT r.region, count(*) FROM orders o JOIN state_regions r "
     "ON r.state = o.address ->> '$.state' WHERE o.status = 'pending' GROUP BY 1",
     "SELECT address ->> '$.state', count(*) FROM orders WHERE status = 'pending' GROUP BY 1"),
    # a state of the address an order ships to, not the states of its stock's warehouses
    ("Which state received the most delivered orders?",
     q(metrics=["order_count"], group_by=["state_regions.state"],
       filters=[{"field": "orders.status", "op": "=", "value": "delivered"}]),
     "SELECT address ->> '$.state', count(*) FROM orders WHERE status = 'delivered' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT w.state, count(DISTINCT o.order_id) FROM orders o JOIN reservations r USING "
     "(order_id) JOIN warehouses w USING (warehouse_id) WHERE o.status = 'delivered' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"),
    # "region" is also a column of the sales rows; the warehouses' region is nearer stock
    ("Per region, how many units sit on warehouse shelves?",
     q(metrics=["on_hand"], group_by=["sales_history.region"]),
     "SELECT w.region, sum(s.on_hand) FROM stock s JOIN warehouses w USING (warehouse_id) "
     "GROUP BY 1",
     "SELECT h.region, sum(s.on_hand) FROM stock s JOIN (SELECT DISTINCT item_id, region "
     "FROM sales_history) h USING (item_id) GROUP BY 1"),
    # suppliers per product are the distinct suppliers the sourcing table links to it
    ("How many products are sourced from more than one supplier?",
     q(metrics=["product_count"], group_by=["products.product_id"]),
     "SELECT count(*) FROM (SELECT product_id FROM supplier_products GROUP BY 1 "
     "HAVING count(DISTINCT supplier_id) > 1)",
     "SELECT count(*) FROM (SELECT product_id FROM purchase_orders GROUP BY 1 "
     "HAVING count(DISTINCT supplier_id) > 1)"),
    # a bound whose unit names a column of the rows is a row filter, not one per group
    ("How many lanes need at least 6 days in transit?",
     q(metrics=["carrier_lanes_count"], group_by=["carriers.name"]),
     "SELECT count(*) FROM carrier_lanes WHERE transit_days >= 6",
     "SELECT count(*) FROM (SELECT carrier_id FROM carrier_lanes GROUP BY 1 "
     "HAVING count(*) >= 6)"),
    # the measure a ranking is "by" is the metric
    ("Which was the quietest day of September 2026 by units sold?",
     q(metrics=["order_count"], group_by=["day"]),
     "SELECT day, sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30' GROUP BY 1 ORDER BY 2 LIMIT 1",
     "SELECT day, sum(quantity * unit_price) FROM sales_history WHERE day BETWEEN "
     "DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1 ORDER BY 2 LIMIT 1"),
    # "how many units did we receive": the noun and the verb name the layer's term
    ("How many units did we receive from suppliers in September 2026?",
     q(metrics=["units_sold"]),
     "SELECT sum(quantity) FROM purchase_orders WHERE status = 'received' "
     "AND received_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "how many units ... on hand": the units term whose other words are said
    ("How many units of laptops sit on hand across the network?",
     q(metrics=["sum(order_items.price)"], group_by=["products.name"]),
     "SELECT sum(on_hand) FROM stock JOIN variants USING (item_id) JOIN products p "
     "ON p.product_id = variants.product_id WHERE p.name = 'Laptop'",
     "SELECT sum(price) FROM order_items JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop'"),
    # ... unless the model's term is said too ("free to sell" units, not reserved ones)
    ("How many units are free to sell in each warehouse once reserved stock is set aside?",
     q(metrics=["available_stock"], group_by=["warehouses.name"]),
     "SELECT w.name, sum(on_hand - reserved) FROM stock JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1",
     "SELECT w.name, sum(reserved) FROM stock JOIN warehouses w USING (warehouse_id) "
     "GROUP BY 1"),
    # a bound per group the model wrote without groups: the rows are what is counted
    ("In how many cases is a variant missing from a warehouse's shelves, none on hand?",
     q(metrics=["out_of_stock_items"], having={"op": "<", "value": 1}, count_groups=True),
     "SELECT count(*) FROM stock WHERE on_hand = 0", "SELECT count(*) FROM stock"),
    # "the value of open purchase orders": their value, not their count
    ("What is the total value of our open purchase orders?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(quantity * unit_cost) FROM purchase_orders WHERE status = 'open'",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open'"),
    # "more than 20% off" bounds the discount
    ("How many promotions give more than 20% off?", q(metrics=["promotion_count"]),
     "SELECT count(*) FROM promotions WHERE percent_off > 20",
     "SELECT count(*) FROM promotions WHERE percent_off = 20"),
    # a share whose condition follows its things with no verb before it ("runs failed")
    ("What percentage of pending orders ship to Texas?", q(metrics=["order_count"]),
     "SELECT 100.0 * count(*) FILTER (WHERE address ->> '$.state' = 'TX') / count(*) "
     "FROM orders WHERE status = 'pending'",
     "SELECT count(*) FROM orders WHERE status = 'pending' AND address ->> '$.state' = 'TX'"),
    # "exactly 2": an equality bound per thing
    ("How many orders have exactly 2 lines?", q(metrics=["order_lines"]),
     "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY 1 HAVING count(*) = 2)",
     "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY 1 HAVING count(*) > 2)"),
    # a bound in dollars on the counted rows is on their money column
    ("How many variants are priced above 1000 dollars?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants WHERE price > 1000", "SELECT count(*) FROM variants"),
    ("How many payments were larger than $2,000?", q(metrics=["order_payments_count"]),
     "SELECT count(*) FROM order_payments WHERE transaction_type = 'payment' AND amount > 2000",
     "SELECT count(*) FROM order_payments WHERE transaction_type = 'payment'"),
    # which of the rows has the lowest of its own column: row by row
    ("Which variant has the highest list price?", q(metrics=["variant_count"]),
     "SELECT item_id, price FROM variants ORDER BY 2 DESC LIMIT 1",
     "SELECT count(*) FROM variants"),
    # a year is no count of rows to keep; the month asked for is picked
    ("Which month of 2026 brought in the most revenue?", q(metrics=["revenue"]),
     "SELECT date_trunc('month', day)::DATE, sum(quantity * unit_price) FROM sales_history "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT sum(quantity * unit_price) FROM sales_history"),
    ("How many units did we sell per month in 2026?", q(metrics=["units_sold"]),
     "SELECT date_trunc('month', day)::DATE, sum(quantity) FROM sales_history GROUP BY 1",
     "SELECT sum(quantity) FROM sales_history"),
    # "the average customer": an average per customer
    ("How many orders does the average customer place?", q(metrics=["order_count"]),
     "SELECT avg(n) FROM (SELECT user_id, count(*) AS n FROM orders GROUP BY 1)",
     "SELECT count(*) FROM orders"),
    # a share of what a term's condition keeps, among all the rows
    ("What share of our stock locations are out of stock?",
     q(metrics=["out_of_stock_items"]),
     "SELECT 100.0 * count(*) FILTER (WHERE on_hand = 0) / count(*) FROM stock",
     "SELECT count(*) FROM stock WHERE on_hand = 0"),
    ("What percentage of purchase orders are still open?",
     q(metrics=["open_purchase_orders"]),
     "SELECT 100.0 * count(*) FILTER (WHERE status = 'open') / count(*) FROM purchase_orders",
     "SELECT 100.0"),
    # the most common value of a column
    ("What is the most common order status?", q(metrics=["order_count"]),
     "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT count(*) FROM orders"),
    # a bound in units per counted thing sums the units term the question says, per thing
    ("How many variants have fewer than 5 units on hand in total?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) < 5)",
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING count(*) < 5)"),
    ("How many variants sold more than 500 units in October 2026?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM sales_history WHERE day BETWEEN "
     "DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1 HAVING sum(quantity) > 500)",
     "SELECT count(*) FROM (SELECT item_id FROM sales_history GROUP BY 1 "
     "HAVING sum(quantity) > 500)"),
    # a units term said whole wins over one whose word ("sell") is inside it
    ("How many variants have fewer than 20 units free to sell across all warehouses?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 "
     "HAVING sum(on_hand - reserved) < 20)",
     "SELECT count(*) FROM (SELECT item_id FROM sales_history GROUP BY 1 "
     "HAVING sum(quantity) < 20)"),
    # a nameless thing shown by the name of the thing it belongs to, when asked which
    ("Which variant has the highest list price, and what product is it?",
     q(metrics=["variant_count"]),
     "SELECT v.item_id, p.name, v.price FROM variants v JOIN products p USING (product_id) "
     "ORDER BY v.price DESC LIMIT 1",
     "SELECT item_id, price FROM variants ORDER BY price DESC LIMIT 1"),
    # "how many units": a units term, never a count of orders; "not yet received"
    # does not say the received units
    ("How many units do we have on order for the Denver warehouse that are not received yet?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(quantity) FROM purchase_orders JOIN warehouses USING (warehouse_id) "
     "WHERE status = 'open' AND city = 'Denver'",
     "SELECT count(*) FROM purchase_orders JOIN warehouses USING (warehouse_id) "
     "WHERE status = 'open' AND city = 'Denver'"),
    # a term kept to the business date ("live deals") is not asked for when no word says so
    ("How many of our deals give a percentage off?", q(metrics=["active_promotions"]),
     "SELECT count(*) FROM promotions WHERE kind = 'percent'",
     "SELECT count(*) FROM promotions WHERE kind = 'percent' "
     "AND starts_on <= DATE '2026-11-01' AND ends_on >= DATE '2026-11-01'"),
    # a date asked of a table the question names, whatever term was likelier
    ("What is the latest date in the sales history?", q(metrics=["transit_days"]),
     "SELECT max(day) FROM sales_history", "SELECT avg(transit_days) FROM carrier_lanes"),
    # of two bounds, the one on a column filters the rows ("at least one" only says "any")
    ("How many products have at least one variant with a price over $2,000?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM variants WHERE price > 2000",
     "SELECT count(*) FROM products"),
    # a term said as a named value's is that value's table's term
    ("What is ShopRival's average price on the items it lists?", q(metrics=["list_price"]),
     "SELECT avg(price) FROM competitor_prices WHERE competitor = 'ShopRival'",
     "SELECT avg(price) FROM variants WHERE item_id IN "
     "(SELECT item_id FROM competitor_prices WHERE competitor = 'ShopRival')"),
    # a bound on each group's share ("more than half of their variants"), counted or listed
    ("How many products have more than 30% of their variants sold out?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM variants GROUP BY 1 "
     "HAVING avg(CASE WHEN available THEN 0 ELSE 1 END) > 0.3)",
     "SELECT count(*) FROM variants WHERE NOT available"),
    ("Which products have at least three quarters of their variants sold out?",
     q(metrics=["variant_count"]),
     "SELECT v.product_id, p.name, round(100.0 * avg(CASE WHEN v.available THEN 0 ELSE 1 END), 4)"
     " FROM variants v JOIN products p USING (product_id) GROUP BY 1, 2 "
     "HAVING avg(CASE WHEN v.available THEN 0 ELSE 1 END) >= 0.75",
     "SELECT v.product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE NOT v.available GROUP BY 1, 2"),
    # "no longer" negates a state; it does not ask for things without rows
    ("How many products have over half of their variants no longer available?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM variants GROUP BY 1 "
     "HAVING avg(CASE WHEN available THEN 0 ELSE 1 END) > 0.5)",
     "SELECT count(*) FROM products WHERE product_id NOT IN (SELECT product_id FROM variants)"),
    # "each product's variants" are the variants of each product
    ("What share of each product's variants can no longer be bought?",
     q(metrics=["variant_count"]),
     "SELECT v.product_id, p.name, round(100.0 * avg(CASE WHEN v.available THEN 0 ELSE 1 END), 4)"
     " FROM variants v JOIN products p USING (product_id) GROUP BY 1, 2",
     "SELECT round(100.0 * avg(CASE WHEN available THEN 0 ELSE 1 END), 4) FROM variants"),
    # a figure taken "across" the rows of a table is that table's term of the kind
    ("What is the mean gross margin percentage across all of our variants?",
     q(metrics=["margin_pct"]),
     "SELECT 100 * avg((v.price - c.unit_cost) / v.price) FROM variants v "
     "JOIN unit_costs c USING (item_id)",
     "SELECT 100 * sum(s.quantity * (s.unit_price - c.unit_cost)) / "
     "sum(s.quantity * s.unit_price) FROM sales_history s JOIN unit_costs c USING (item_id)"),
    # a bound in percent on a percent term, per counted thing
    ("How many variants earn a margin at list price of under 30 percent?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN unit_costs c USING (item_id) "
     "WHERE (v.price - c.unit_cost) / v.price < 0.3",
     "SELECT count(*) FROM variants"),
    # a column by a name the layer gives it; "in percent" is a unit, not the kind 'percent'
    ("What is the average volume discount across the tiers, in percent?",
     q(metrics=["promotion_count"]),
     "SELECT avg(percent_off) FROM volume_tiers",
     "SELECT count(*) FROM promotions WHERE kind = 'percent'"),
    ("Which product has the highest cost to price ratio?", q(metrics=["cost_of_goods"]),
     "SELECT c.product_id, p.name, max(c.cost_ratio) FROM unit_costs c "
     "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT sum(s.quantity * c.unit_cost) FROM sales_history s JOIN unit_costs c "
     "USING (item_id)"),
    ("How many promotions, running or finished, have we had altogether?",
     q(metrics=["active_promotions"]), "SELECT count(*) FROM promotions",
     "SELECT count(*) FROM promotions "
     "WHERE starts_on <= DATE '2026-11-01' AND ends_on >= DATE '2026-11-01'"),
    # the part said first: "X come to what percentage of Y"; "refunds" names no filter then
    ("All our refunds added together amount to what share of the payments customers made?",
     q(metrics=["refunds"], filters=[{"field": "order_payments.transaction_type", "op": "=",
                                      "value": "refund"}]),
     "SELECT sum(amount) FILTER (WHERE transaction_type = 'refund'), "
     "sum(amount) FILTER (WHERE transaction_type = 'payment'), "
     "100.0 * sum(amount) FILTER (WHERE transaction_type = 'refund') / "
     "sum(amount) FILTER (WHERE transaction_type = 'payment') FROM order_payments",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # "which" after a leading clause still asks for the things
    ("Counting only open purchase orders, which 2 warehouses have the most units on order?",
     q(metrics=["units_on_order"]),
     "SELECT p.warehouse_id, w.name, sum(p.quantity) FROM purchase_orders p "
     "JOIN warehouses w USING (warehouse_id) WHERE p.status = 'open' "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT sum(quantity) FROM purchase_orders WHERE status = 'open'"),
    # "of the X, what percentage ..." is a share of the X; a share of an average's rows
    # counts them
    ("Of the price changes that took place in September 2026, what share raised the price?",
     q(metrics=["price_change_pct"]),
     "SELECT 100.0 * count(*) FILTER (WHERE price > previous_price) / count(*) "
     "FROM price_history WHERE previous_price IS NOT NULL "
     "AND effective_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE effective_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "the same region": the row's two region columns are equal
    ("On average, how many days do express parcels take when they begin and end in the "
     "same region?", q(metrics=["transit_days"]),
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'express' AND l.origin_region = l.dest_region",
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'express'"),
    # "steepest" ranks; "what percent off" asks a figure, not the promotions' kind 'percent'
    ("Which product gives the steepest volume discount, and what percent off is that?",
     q(metrics=["product_count"]),
     "SELECT t.product_id, p.name, max(t.percent_off) FROM volume_tiers t "
     "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT count(*) FROM products"),
    # the whole and the part split at the verb that leaves a term on each side
    ("What share of the total amount customers have paid us was later refunded?",
     q(metrics=["refunds"]),
     "SELECT sum(amount) FILTER (WHERE transaction_type = 'refund'), "
     "sum(amount) FILTER (WHERE transaction_type = 'payment'), "
     "100.0 * sum(amount) FILTER (WHERE transaction_type = 'refund') / "
     "sum(amount) FILTER (WHERE transaction_type = 'payment') FROM order_payments",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # "worth" asks for money: the count's rows, valued
    ("What are the open purchase orders for the Reno warehouse worth?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(p.quantity * p.unit_cost) FROM purchase_orders p JOIN warehouses w "
     "USING (warehouse_id) WHERE p.status = 'open' AND w.city = 'Reno'",
     "SELECT count(*) FROM purchase_orders p JOIN warehouses w USING (warehouse_id) "
     "WHERE p.status = 'open' AND w.city = 'Reno'"),
    # a term over the value the question leaves out gives way to the other value's
    ("How much money did customers pay us in total, not counting refunds?",
     q(metrics=["refunds"]),
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # a bound in units on the column the words before it name
    ("How many products have a main supplier asking for a minimum order of more than 40 units?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM supplier_products "
     "WHERE is_primary AND min_order_qty > 40",
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary"),
    # "charging less than our list price": the competitor's price against ours; a date's
    # comma ends no clause
    ("In the price check BargainBay ran on October 18, 2026, on how many variants was it "
     "charging less than our current list price?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM competitor_prices cp JOIN variants v USING (item_id) WHERE "
     "cp.competitor = 'BargainBay' AND cp.observed_on = DATE '2026-10-18' AND cp.price < v.price",
     "SELECT count(*) FROM competitor_prices WHERE competitor = 'BargainBay' "
     "AND observed_on = DATE '2026-10-18'"),
    # a country said by its adjective
    ("How many purchase orders have we placed with Mexican suppliers?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE country = 'MX'", "SELECT count(*) FROM purchase_orders"),
    # "how many days does it take" asks for a days term
    ("How many days does National Post take to get a parcel from the Midwest to the "
     "Southeast?", q(metrics=["state_regions_count"]),
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'National Post' AND l.origin_region = 'midwest' "
     "AND l.dest_region = 'southeast'",
     "SELECT count(*) FROM state_regions WHERE region IN ('midwest', 'southeast')"),
    # "on what date did we place the newest ...": that date, the latest
    ("On what date did we place the newest purchase order with a Chinese supplier?",
     q(metrics=["purchase_order_count"]),
     "SELECT max(ordered_on) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE country = 'CN'",
     "SELECT count(*) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE country = 'CN'"),
    # a term's words before another table's things qualify them ("out of stock variants")
    ("List the 2 products with the most sold out variants.",
     q(metrics=["variant_count"]),
     "SELECT v.product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE NOT v.available GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT s.item_id, count(*) FROM stock s WHERE s.on_hand = 0 GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 2"),
    # "have not sold a single unit" is "sold nothing": rows the things lack in the period
    ("How many variants that are still for sale have not sold any units in October 2026?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v WHERE v.available AND NOT EXISTS (SELECT 1 FROM "
     "sales_history s WHERE s.item_id = v.item_id AND s.day BETWEEN DATE '2026-10-01' "
     "AND DATE '2026-10-31')",
     "SELECT count(*) FROM variants WHERE available"),
    # "of the X, what share ..." with commas inside the X
    ("Of all our price changes so far, the first prices aside, what share raised the price?",
     q(metrics=["price_change_pct"]),
     "SELECT 100.0 * count(*) FILTER (WHERE price > previous_price) / count(*) "
     "FROM price_history WHERE previous_price IS NOT NULL",
     "SELECT count(*) FROM price_history WHERE price > previous_price"),
    # a bound in percent on the column the words before it name ("volume discount")
    ("How many products give a volume discount of 12% or more at some tier?",
     q(metrics=["volume_tiers_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off >= 12",
     "SELECT count(DISTINCT product_id) FROM volume_tiers"),
    # a leading clause may end at a colon too
    ("Split our suppliers up by country: how many suppliers does each country have?",
     q(metrics=["purchase_order_count"]),
     "SELECT country, count(*) FROM suppliers GROUP BY 1",
     "SELECT count(*) FROM purchase_orders"),
    # the other side of a comparison is the column of the table whose value it names, and
    # the date is that table's
    ("For how many items is our current list price lower than what ShopRival charged in its "
     "October 18, 2026 check?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN competitor_prices c USING (item_id) WHERE "
     "c.competitor = 'ShopRival' AND c.observed_on = DATE '2026-10-18' AND v.price < c.price",
     "SELECT count(*) FROM variants"),
    # "how many <a product> did we sell" counts units, not sales rows
    ("How many laptops did we sell in September 2026?", q(metrics=["sales_history_count"]),
     "SELECT sum(s.quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND s.day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT count(*) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND s.day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "no units on hand" across the warehouses: a sum of exactly 0 per thing
    ("How many variants have zero units on hand across all our warehouses?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) = 0)",
     "SELECT count(*) FROM variants"),
    # "the largest number of different orders" among the rows counted; "give the
    # warehouse's city" shows that column
    ("Which 2 warehouses hold active reservations for the most different orders? Give "
     "the warehouse's city.", q(metrics=["active_reservations"]),
     "SELECT r.warehouse_id, w.city, count(DISTINCT r.order_id) FROM reservations r "
     "JOIN warehouses w USING (warehouse_id) WHERE r.status = 'active' "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT count(*) FROM reservations WHERE status = 'active'"),
    # "have spent the most on orders": a verb and what was spent, not "have orders" counted
    ("Which 4 customers have spent the most on cancelled orders?", q(metrics=["order_value"]),
     "SELECT user_id, sum(price) FROM order_items WHERE status = 'cancelled' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 4",
     "SELECT user_id, count(*) FROM orders WHERE status = 'cancelled' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 4"),
    # a superlative of an averaged term, with no thing ranked: the one row's value
    ("What was the largest single price increase, as a percentage?",
     q(metrics=["price_change_pct"]),
     "SELECT max(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price > previous_price",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price > previous_price"),
    # of decreases, sizes: the deepest cut is the largest, "how big" the average size
    ("What was the deepest price cut we made, in percent?", q(metrics=["price_change_pct"]),
     "SELECT max(100.0 * (previous_price - price) / previous_price) FROM price_history "
     "WHERE price < previous_price",
     "SELECT min(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price < previous_price"),
    ("How big, in percent, were our price drops on average?", q(metrics=["price_change_pct"]),
     "SELECT avg(100.0 * (previous_price - price) / previous_price) FROM price_history "
     "WHERE price < previous_price",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price < previous_price"),
    ("What is the longest actual lead time of any received purchase order?",
     q(metrics=["actual_lead_time"]),
     "SELECT max(date_diff('day', ordered_on, received_on)) FROM purchase_orders "
     "WHERE status = 'received'",
     "SELECT avg(date_diff('day', ordered_on, received_on)) FROM purchase_orders "
     "WHERE status = 'received'"),
    # ... but which thing ranks so compares their averages
    ("Which supplier has the longest actual lead time?", q(metrics=["actual_lead_time"]),
     "SELECT supplier_id, s.name, avg(date_diff('day', ordered_on, received_on)) "
     "FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "WHERE status = 'received' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT supplier_id, s.name, max(date_diff('day', ordered_on, received_on)) "
     "FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "WHERE status = 'received' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # how long rows that last (from their time column to their ends column) run
    ("How long does a promotion last on average, in days?", q(metrics=["promotion_count"]),
     "SELECT avg(date_diff('day', starts_on, ends_on) + 1) FROM promotions",
     "SELECT count(*) FROM promotions"),
    ("Which 4 promotions are the longest-running? Give their names.",
     q(metrics=["promotion_count"]),
     "SELECT promo_id, name, date_diff('day', starts_on, ends_on) + 1 FROM promotions "
     "ORDER BY 3 DESC LIMIT 4",
     "SELECT promo_id, name, 1 FROM promotions ORDER BY 1 LIMIT 4"),
    # of the columns the words before a bound name, the one whose every name part is said
    ("How many variants cost us under $40 per unit?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM unit_costs WHERE unit_cost < 40",
     "SELECT count(*) FROM variants"),
    # "payment transactions" names the table, not its payment rows
    ("How many orders show at least 2 payment transactions?", q(metrics=["order_count"]),
     "SELECT count(*) FROM (SELECT order_id FROM order_payments GROUP BY 1 "
     "HAVING count(*) >= 2)",
     "SELECT count(*) FROM (SELECT order_id FROM order_payments "
     "WHERE transaction_type = 'payment' GROUP BY 1 HAVING count(*) >= 2)"),
    # a span of months without "from": "June through September 2026"
    ("What were units sold for July through September 2026?", q(metrics=["units_sold"]),
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-07-01' "
     "AND DATE '2026-09-30'",
     "SELECT sum(quantity) FROM sales_history"),
    # "add up" asks for a total, "mean" for an average, "individual" for one row
    ("Add up the balances on all the gift cards customers hold.",
     q(metrics=["customer_count"]),
     "SELECT sum(balance) FROM user_payment_methods WHERE source = 'gift_card'",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source = 'gift_card'"),
    ("What was our mean revenue per day in September 2026?", q(metrics=["revenue"]),
     "SELECT avg(r) FROM (SELECT day, sum(quantity * unit_price) AS r FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1)",
     "SELECT sum(quantity * unit_price) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    ("What was the smallest individual payment?", q(metrics=["order_payments_count"]),
     "SELECT min(amount) FROM order_payments WHERE transaction_type = 'payment'",
     "SELECT count(*) FROM order_payments WHERE transaction_type = 'payment'"),
    # a date word of a table's end column
    ("How many promotions wrapped up in September 2026?", q(metrics=["promotion_count"]),
     "SELECT count(*) FROM promotions WHERE ends_on BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30'",
     "SELECT count(*) FROM promotions WHERE starts_on BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30'"),
    # a request for a figure a term names is no list of things
    ("Give me the COGS of sales shipped from the Denver warehouse in August 2026.",
     q(metrics=["cost_of_goods"]),
     "SELECT sum(s.quantity * c.unit_cost) FROM sales_history s JOIN unit_costs c "
     "USING (item_id) JOIN warehouses w USING (warehouse_id) WHERE w.city = 'Denver' "
     "AND s.day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT sum(s.quantity * c.unit_cost) FROM sales_history s JOIN unit_costs c "
     "USING (item_id) JOIN warehouses w USING (warehouse_id) WHERE w.city = 'Denver'"),
    # "units ... shipped": a units term by one of its other names
    ("How many units were shipped out of the Reno warehouse in August 2026?",
     q(metrics=["warehouses_count"]),
     "SELECT sum(s.quantity) FROM sales_history s JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno' AND s.day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM warehouses WHERE city = 'Reno'"),
    # "the current count of", "did not sell anything", "have not ordered even once"
    ("What is the current count of orders that are pending?", q(metrics=["order_lines"]),
     "SELECT count(*) FROM orders WHERE status = 'pending'",
     "SELECT count(*) FROM order_items WHERE status = 'pending'"),
    ("How many variants did not sell anything in September 2026?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM sales_history s "
     "WHERE s.item_id = v.item_id AND s.day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30')",
     "SELECT count(*) FROM variants"),
    ("How many customers have not ordered even once?", q(metrics=["customer_count"]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id)",
     "SELECT count(*) FROM users"),
    # a superlative two words before the term's words
    ("What was our biggest one-time price increase, in percent?",
     q(metrics=["price_change_pct"]),
     "SELECT max(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price > previous_price",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price > previous_price"),
    # a negation holds in its own clause: "not sold out and can still be bought"
    ("How many laptop variants are not discontinued and can still be bought?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND v.available",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND NOT v.available"),
    # a request for "the X count" asks a figure per group, not which X
    ("Show me the warehouse count for each region.", q(metrics=["warehouses_count"]),
     "SELECT region, count(*) FROM warehouses GROUP BY 1",
     "SELECT warehouse_id, name, count(*) FROM warehouses GROUP BY 1, 2"),
    # "for every carrier", after "per parcel", and "each carrier's name" break down
    ("What's the average shipping cost per parcel for every carrier?",
     q(metrics=["shipping_cost"]),
     "SELECT carrier_id, c.name, avg(cost_usd) FROM carrier_lanes JOIN carriers c "
     "USING (carrier_id) GROUP BY 1, 2",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    ("Give me each carrier's name with its longest transit time on any lane.",
     q(metrics=["transit_days"]),
     "SELECT carrier_id, c.name, max(transit_days) FROM carrier_lanes JOIN carriers c "
     "USING (carrier_id) GROUP BY 1, 2",
     "SELECT max(transit_days) FROM carrier_lanes"),
    # "X as well as Y": customers with both
    ("How many customers have a credit card as well as a gift card saved?",
     q(metrics=["customer_count"]),
     "SELECT count(*) FROM (SELECT user_id FROM user_payment_methods GROUP BY 1 "
     "HAVING bool_or(source = 'credit_card') AND bool_or(source = 'gift_card'))",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods "
     "WHERE source IN ('credit_card', 'gift_card')"),
    # "how large" asks a size, no variant size 'large'; "give a percent" no kind 'percent'
    ("How large, on average, are our price drops in percent?",
     q(metrics=["price_change_pct"]),
     "SELECT avg(100.0 * (previous_price - price) / previous_price) FROM price_history "
     "WHERE price < previous_price",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price < previous_price"),
    # "longer than" bounds a duration; "lowest-priced" ranks by price
    ("How many express lanes have a transit time longer than 1 day?",
     q(metrics=["carrier_lanes_count"]),
     "SELECT count(*) FROM carrier_lanes JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'express' AND transit_days > 1",
     "SELECT count(*) FROM carrier_lanes JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'express'"),
    ("What does our highest-priced variant cost?", q(metrics=["variant_count"]),
     "SELECT max(price) FROM variants", "SELECT count(*) FROM variants"),
    # other names of terms: "sellable units", "units not yet arrived"
    ("How many sellable units does the Reno warehouse hold?", q(metrics=["on_hand"]),
     "SELECT sum(on_hand - reserved) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno'",
     "SELECT sum(on_hand) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno'"),
    # "who is the customer with"
    ("Who is the customer with the most delivered orders?", q(metrics=["order_count"]),
     "SELECT user_id, count(*) FROM orders WHERE status = 'delivered' "
     "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
     "SELECT count(*) FROM orders WHERE status = 'delivered'"),
    # "never been promoted": the promotions, by the verb's stem past its auxiliaries
    ("How many products have never been promoted?", q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM promotions r "
     "WHERE r.product_id = p.product_id)",
     "SELECT count(*) FROM products"),
    # "share the top count" asks for the ties
    ("Which product has had the most promotions? If several share the top count, list "
     "them all.", q(metrics=["promotion_count"]),
     "SELECT product_id, p.name, count(*) FROM promotions JOIN products p USING "
     "(product_id) GROUP BY 1, 2 HAVING count(*) = (SELECT max(n) FROM (SELECT "
     "count(*) AS n FROM promotions GROUP BY product_id))",
     "SELECT product_id, p.name, count(*) FROM promotions JOIN products p USING "
     "(product_id) GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 1"),
    # "name the 2 X that ...": which 2
    ("Name the 2 products that appear on the most order lines, with the number of lines.",
     q(metrics=["order_lines"]),
     "SELECT product_id, p.name, count(*) FROM order_items JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT product_id, p.name, count(*) FROM order_items JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # "which 3 ..." after a leading clause; "unit sales" are units sold
    ("Among open purchase orders, which two warehouses are we waiting on the most units for?",
     q(metrics=["units_on_order"]),
     "SELECT warehouse_id, w.name, sum(quantity) FROM purchase_orders JOIN warehouses w "
     "USING (warehouse_id) WHERE status = 'open' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT warehouse_id, w.name, sum(quantity) FROM purchase_orders JOIN warehouses w "
     "USING (warehouse_id) WHERE status = 'open' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    ("What were our average daily unit sales in September 2026?",
     q(metrics=["average_selling_price"]),
     "SELECT avg(units) FROM (SELECT day, sum(quantity) AS units FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1)",
     "SELECT sum(quantity * unit_price) / sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "have not placed any", "had zero sales", "fifteen", "the top region by ..."
    ("What number of customers have not placed any orders?", q(metrics=["order_count"]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id)",
     "SELECT count(*) FROM orders"),
    ("How many laptop variants had zero sales in October 2026?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND NOT EXISTS (SELECT 1 FROM sales_history s "
     "WHERE s.item_id = v.item_id AND s.day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31')",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop'"),
    ("How many products have more than twelve variants?", q(metrics=["product_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM variants GROUP BY 1 HAVING count(*) > 12)",
     "SELECT count(*) FROM products"),
    ("Tell me the top region by revenue in September 2026.", q(metrics=["revenue"]),
     "SELECT region, sum(quantity * unit_price) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 1",
     "SELECT sum(quantity * unit_price) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # American spelling of a stored name ("fulfillment center")
    ("How many fulfillment centers are in the west region?", q(metrics=["state_regions_count"]),
     "SELECT count(*) FROM warehouses WHERE region = 'west'",
     "SELECT count(*) FROM warehouses"),
    # "tell me what the X is worth" is a clause, not "which X"; "what's the biggest bulk
    # discount" is a column's value (its other name), not a list of tiers
    ("Tell me what the inventory held in the Reno warehouse is worth at cost.",
     q(metrics=["stock_value"]),
     "SELECT sum(s.on_hand * c.unit_cost) FROM stock s JOIN unit_costs c USING (item_id) "
     "JOIN warehouses w USING (warehouse_id) WHERE w.city = 'Reno'",
     "SELECT sum(on_hand) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno'"),
    ("At the top tier, what is the deepest bulk discount?",
     q(metrics=["max(volume_tiers.percent_off)"]),
     "SELECT max(percent_off) FROM volume_tiers",
     "SELECT product_id, p.name, min_qty, percent_off FROM volume_tiers JOIN products p "
     "USING (product_id) ORDER BY percent_off DESC LIMIT 1"),
    # "if more than one X is tied" asks for the ties, not a bound; "do not have a single
    # X" and "no <value> X" count the rows lacking them
    ("Which region is home to the most warehouses? If more than one region is tied for "
     "first, list every one.", q(metrics=["state_regions_count"]),
     "SELECT region, count(*) FROM warehouses GROUP BY 1 HAVING count(*) = "
     "(SELECT max(n) FROM (SELECT count(*) AS n FROM warehouses GROUP BY region))",
     "SELECT region, count(*) FROM warehouses GROUP BY 1 HAVING count(*) > 1"),
    ("What number of users do not have a single PayPal account on file?",
     q(metrics=["customer_count"]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_payment_methods m "
     "WHERE m.user_id = u.user_id AND m.source = 'paypal')",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source != 'paypal'"),
    # a segment of the rows lacked ("no alternate supplier"); "only one" is exactly one
    ("How many of our products have a primary supplier but no alternate supplier?",
     q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM supplier_products s "
     "WHERE s.product_id = p.product_id AND NOT s.is_primary)",
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary"),
    ("How many products can only be ordered from one supplier?", q(metrics=["product_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM supplier_products GROUP BY 1 "
     "HAVING count(DISTINCT supplier_id) = 1)",
     "SELECT count(DISTINCT product_id) FROM supplier_products"),
    # a count whose named value lies on another table counts that table's rows, linked
    # as a term or not
    ("In ShopRival's October 25, 2026 check, on how many items was its price below our "
     "current list price?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) WHERE "
     "c.competitor = 'ShopRival' AND c.observed_on = DATE '2026-10-25' AND c.price < v.price",
     "SELECT count(*) FROM variants v WHERE EXISTS (SELECT 1 FROM competitor_prices c "
     "WHERE c.item_id = v.item_id AND c.competitor = 'ShopRival' "
     "AND c.observed_on = DATE '2026-10-25')"),
    # a bound in percent of the price on the cost's ratio to it; a bound's number is no
    # name ("60%" is also a size)
    ("How many variants cost us more than half of their selling price?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM unit_costs WHERE cost_ratio > 0.5", "SELECT count(*) FROM variants"),
    ("What number of items cost us under 60% of what we charge for them?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM unit_costs WHERE cost_ratio < 0.6", "SELECT count(*) FROM variants"),
    # units kept per thing and place, bounded per row and counted per place
    ("For every warehouse, how many items have more than 50 units on hand?",
     q(metrics=["variant_count"], group_by=["warehouses.warehouse_id"]),
     "SELECT warehouse_id, w.name, count(*) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE on_hand > 50 GROUP BY 1, 2",
     "SELECT warehouse_id, w.name, count(*) FROM (SELECT item_id FROM stock GROUP BY 1 "
     "HAVING sum(on_hand) > 50) JOIN stock USING (item_id) JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2"),
    ("Which warehouse holds the fewest items with between 10 and 20 units on hand?",
     q(metrics=["variant_count"]),
     "SELECT warehouse_id, w.name, count(*) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE on_hand BETWEEN 10 AND 20 GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT warehouse_id, w.name, count(*) FROM stock JOIN warehouses w USING (warehouse_id) "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1"),
    # "nothing on hand" is a sum of units on hand of 0, not a thing without stock rows
    ("How many variants have none on hand at any warehouse?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) = 0)",
     "SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM stock s "
     "WHERE s.item_id = v.item_id)"),
    # a question opening with units asks for units: of a count's rows, its units term
    ("Total units across the open purchase orders going to Reno?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(quantity) FROM purchase_orders p JOIN warehouses w USING (warehouse_id) "
     "WHERE p.status = 'open' AND w.city = 'Reno'",
     "SELECT count(*) FROM purchase_orders p JOIN warehouses w USING (warehouse_id) "
     "WHERE p.status = 'open' AND w.city = 'Reno'"),
    # "how many of X's things" counts the things; a span said twice ("a week (7 days)")
    ("How many of SwiftAir's routes need a week (7 days) or more?",
     q(metrics=["transit_days"]),
     "SELECT count(*) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'SwiftAir' AND l.transit_days >= 7",
     "SELECT avg(transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'SwiftAir' AND l.transit_days >= 7"),
    # a terse question opening with its aggregate ("lowest ... ?") is "what is the ..."
    ("Shortest transit time SwiftAir offers?", q(metrics=["transit_days"]),
     "SELECT min(transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'SwiftAir'",
     "SELECT avg(transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'SwiftAir'"),
    # "can still sell" is the still-available segment; "give the product name" shows the
    # owner's name beside a nameless thing
    ("How many of the Laptop variants can we still sell?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' AND v.available",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop'"),
    ("Which variant carries the lowest list price? Give the product name too.",
     q(metrics=["min(variants.price)"], group_by=["variants.item_id"], order="asc", limit=1),
     "SELECT item_id, p.name, price FROM variants JOIN products p USING (product_id) "
     "ORDER BY price LIMIT 1",
     "SELECT item_id, price FROM variants ORDER BY price LIMIT 1"),
    # of two values of one column, the one said as wanted ("payments, not refunds"); groups
    # listed after a dash
    ("What is the total amount of payments, not refunds, made with a gift card?",
     q(metrics=["payments"]),
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'payment' AND m.source = 'gift_card'",
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type NOT IN ('payment', 'refund') "
     "AND m.source = 'gift_card'"),
    ("Break down refunds by the kind of payment method: credit card, PayPal or gift card.",
     q(metrics=["refunds"]),
     "SELECT m.source, sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'refund' GROUP BY 1",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # a route's destination a few words after "to"
    ("For parcels from the midwest to a customer living in the southeast, which carrier is "
     "cheapest?", q(metrics=["shipping_cost"]),
     "SELECT carrier_id, c.name, avg(cost_usd) FROM carrier_lanes JOIN carriers c "
     "USING (carrier_id) WHERE origin_region = 'midwest' AND dest_region = 'southeast' "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT carrier_id, c.name, avg(cost_usd) FROM carrier_lanes JOIN carriers c "
     "USING (carrier_id) WHERE origin_region IN ('midwest', 'southeast') "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1"),
    # a sentence that sets the scene before the question asks nothing
    ("We are reviewing fraud patterns. Which customers have had at least three orders "
     "cancelled?", q(metrics=["order_count"]),
     "SELECT user_id, count(*) FROM orders WHERE status = 'cancelled' GROUP BY 1 "
     "HAVING count(*) >= 3 ORDER BY 1",
     "SELECT count(*) FROM orders WHERE status = 'cancelled'"),
    # "price breaks" are the volume tiers; "(percent)" is a unit; "which X has the
    # biggest Y" ranks by a measure, it lists no rows X has
    ("How many products come with no price breaks at all?", q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM volume_tiers t "
     "WHERE t.product_id = p.product_id)",
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM promotions t "
     "WHERE t.product_id = p.product_id)"),
    ("Which product has the largest volume discount on offer (percent)?",
     q(metrics=["max(volume_tiers.percent_off)"]),
     "SELECT product_id, p.name, max(percent_off) FROM volume_tiers JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT product_id, p.name, count(*) FROM promotions JOIN products p "
     "USING (product_id) WHERE kind = 'percent' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # how long a promotion runs counted as its end date minus its start date
    ("How long, in days, does a promotion run on average, taking the end date minus the "
     "start date?", q(metrics=["promotion_count"]),
     "SELECT avg(date_diff('day', starts_on, ends_on)) FROM promotions",
     "SELECT avg(date_diff('day', starts_on, ends_on) + 1) FROM promotions"),
    # "is there any X where every Y is S": the Xs none of whose Ys is in the opposite
    # segment; "not one of" is none of
    ("Are there any products with all of their variants still on sale?",
     q(metrics=["variant_count"]),
     "SELECT p.name, count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v "
     "WHERE v.product_id = p.product_id AND NOT v.available) GROUP BY 1",
     "SELECT count(*) FROM variants WHERE available"),
    ("How many products have not one of their variants sold out?",
     q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v "
     "WHERE v.product_id = p.product_id AND NOT v.available)",
     "SELECT count(DISTINCT product_id) FROM variants WHERE NOT available"),
    # "the X we pay the least for per unit" ranks by unit cost; "what does a variant cost
    # us on average" is its average unit cost
    ("List the three variants we pay the least for per unit.", q(metrics=["variant_count"]),
     "SELECT item_id, min(unit_cost) FROM unit_costs GROUP BY 1 ORDER BY 2 LIMIT 3",
     "SELECT count(*) FROM variants"),
    ("What does a variant cost us on average?", q(metrics=["shipping_cost"]),
     "SELECT avg(unit_cost) FROM unit_costs", "SELECT avg(cost_usd) FROM carrier_lanes"),
    # "which of X's routes take the most days": the routes themselves (a route is its
    # carrier, origin and destination), ranked by their own days
    ("Which of SwiftAir's routes take the most days? List every route tied for the most.",
     q(metrics=["transit_days"]),
     "SELECT carrier_id, origin_region, dest_region, avg(transit_days) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) WHERE c.name = 'SwiftAir' GROUP BY 1, 2, 3 "
     "HAVING avg(transit_days) = (SELECT max(transit_days) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) WHERE c.name = 'SwiftAir')",
     "SELECT avg(transit_days) FROM carrier_lanes JOIN carriers c USING (carrier_id) "
     "WHERE c.name = 'SwiftAir'"),
    # "X's average price across the items": the term of X's own rows stands
    ("In the competitor price check of 11 October 2026, what was ShopRival's average price "
     "across the items it was checked on?", q(metrics=["competitor_price"]),
     "SELECT avg(price) FROM competitor_prices WHERE competitor = 'ShopRival' "
     "AND observed_on = DATE '2026-10-11'",
     "SELECT avg(v.price) FROM variants v WHERE EXISTS (SELECT 1 FROM competitor_prices c "
     "WHERE c.item_id = v.item_id AND c.competitor = 'ShopRival' "
     "AND c.observed_on = DATE '2026-10-11')"),
    # "was X cheaper than our list price": X's own price against ours
    ("In the October 18, 2026 check, on how many items was MegaMart Online cheaper than our "
     "current list price?", q(metrics=["competitor_prices_count"]),
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) "
     "WHERE c.competitor = 'MegaMart Online' AND c.observed_on = DATE '2026-10-18' "
     "AND c.price < v.price",
     "SELECT count(*) FROM competitor_prices c WHERE c.competitor = 'MegaMart Online' "
     "AND c.observed_on = DATE '2026-10-18'"),
    # a share whose part carries the bound ("with zero units") bounds no group
    ("Which warehouse has the lowest percentage of its items with zero units on hand?",
     q(metrics=["out_of_stock_items"]),
     "SELECT warehouse_id, w.name, 100.0 * count(*) FILTER (WHERE on_hand = 0) / count(*) "
     "FROM stock JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT warehouse_id, w.name, 100.0 * count(*) FILTER (WHERE on_hand = 0) / count(*) "
     "FROM stock JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 HAVING 1 = 0"),
    # an order shipped to another state than its customer's is a segment of the layer;
    # "could you check how many" is "how many"
    ("Could you check how many delivered orders went out of state, to another state than "
     "the customer lives in?", q(metrics=["state_regions_count"]),
     "SELECT count(*) FROM orders o JOIN users u USING (user_id) WHERE o.status = "
     "'delivered' AND (o.address ->> '$.state') <> (u.address ->> '$.state')",
     "SELECT count(*) FROM orders WHERE status = 'delivered'"),
    # a month asked for as YYYY-MM is text
    ("Revenue per month in Q2 2026, with each month shown like 2026-04?",
     q(metrics=["revenue"], group_by=["month"]),
     "SELECT strftime(day, '%Y-%m'), sum(quantity * unit_price) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-04-01' AND DATE '2026-06-30' GROUP BY 1 ORDER BY 1",
     "SELECT CAST(date_trunc('month', day) AS DATE), sum(quantity * unit_price) "
     "FROM sales_history WHERE day BETWEEN DATE '2026-04-01' AND DATE '2026-06-30' "
     "GROUP BY 1 ORDER BY 1"),
    # "a customer count", "a headcount of customers": the number of customers
    ("Give me a customer count for each region, by the state of their address.",
     q(metrics=["state_regions_count"], group_by=["state_regions.region"]),
     "SELECT r.region, count(*) FROM users u JOIN state_regions r "
     "ON r.state = u.address ->> '$.state' GROUP BY 1 ORDER BY 1",
     "SELECT region, count(*) FROM state_regions GROUP BY 1 ORDER BY 1"),
    # "do not have a X" lacks X; "at least one refund": the value its own words name
    ("How many users do not have a credit card among their payment methods?",
     q(metrics=["customer_count"]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_payment_methods m "
     "WHERE m.user_id = u.user_id AND m.source = 'credit_card')",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source = 'credit_card'"),
    ("How many different customers have received at least one refund?",
     q(metrics=["customer_count"]),
     "SELECT count(DISTINCT user_id) FROM order_payments WHERE transaction_type = 'refund'",
     "SELECT count(DISTINCT user_id) FROM order_payments"),
    # "a competitor charged less than our list price": the competitors' prices (a column
    # said names its table), on the check's date
    ("For how many of our items did a competitor charge less than our list price in the "
     "check observed on 2026-10-18?", q(metrics=["variant_count"]),
     "SELECT count(DISTINCT item_id) FROM competitor_prices c JOIN variants v USING (item_id) "
     "WHERE c.observed_on = DATE '2026-10-18' AND c.price < v.price",
     "SELECT count(*) FROM variants"),
    # a segment's name counts its table's rows: "price cuts" are price history rows
    ("How many markdowns took effect in August 2026?", q(metrics=["active_promotions"]),
     "SELECT count(*) FROM price_history WHERE price < previous_price "
     "AND effective_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM promotions"),
    ("Which product has seen the most price drops across its variants?",
     q(metrics=["variant_count"]),
     "SELECT product_id, p.name, count(*) FROM price_history JOIN products p "
     "USING (product_id) WHERE price < previous_price GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT product_id, p.name, count(*) FROM variants JOIN products p USING (product_id) "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # a topic before a colon is kept ("Reno warehouse: ..."); "whose variants are all S";
    # "across every one of our warehouses" adds up over them
    ("Reno warehouse: how many units are on hand there?", q(metrics=["on_hand"]),
     "SELECT sum(on_hand) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno'", "SELECT sum(on_hand) FROM stock"),
    ("Which products have variants that are all still for sale?",
     q(metrics=["variant_count"]),
     "SELECT p.name, count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v "
     "WHERE v.product_id = p.product_id AND NOT v.available) GROUP BY 1",
     "SELECT count(*) FROM variants WHERE available"),
    ("How many variants have no units on hand across every one of our warehouses?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) = 0)",
     "SELECT count(DISTINCT item_id) FROM stock WHERE on_hand = 0"),
    # "which three destination states": a dimension by another of its names
    ("Of the cancelled orders, which three destination states have the most?",
     q(metrics=["order_count"]),
     "SELECT address ->> '$.state', count(*) FROM orders WHERE status = 'cancelled' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
     "SELECT count(*) FROM orders WHERE status = 'cancelled'"),
    # a percent sign said as a word ("what %", "avg % off")
    ("What % of all units on hand sit in the Atlanta warehouse?", q(metrics=["on_hand"]),
     "SELECT 100.0 * sum(on_hand) FILTER (WHERE w.city = 'Atlanta') / sum(on_hand) "
     "FROM stock JOIN warehouses w USING (warehouse_id)",
     "SELECT sum(on_hand) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Atlanta'"),
    # a value "excluded" after it is denied
    ("How much did customers pay with gift cards in total (refunds excluded)?",
     q(metrics=["payments"]),
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'payment' AND m.source = 'gift_card'",
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'refund' AND m.source = 'gift_card'"),
    # of two date columns named, the one named last before the date
    ("Of the purchase orders placed in August 2026 that have been received, how many days "
     "did they take on average from order to receipt?", q(metrics=["actual_lead_time"]),
     "SELECT avg(date_diff('day', ordered_on, received_on)) FROM purchase_orders "
     "WHERE status = 'received' AND ordered_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT avg(date_diff('day', ordered_on, received_on)) FROM purchase_orders "
     "WHERE status = 'received'"),
    # "all three" values of one column are each held (like "both")
    ("How many customers have orders in all three statuses: pending, delivered and "
     "cancelled?", q(metrics=["customer_count"]),
     "SELECT count(*) FROM (SELECT user_id FROM orders WHERE status IN "
     "('pending', 'delivered', 'cancelled') GROUP BY 1 HAVING count(DISTINCT status) = 3)",
     "SELECT count(DISTINCT user_id) FROM orders WHERE status IN "
     "('pending', 'delivered', 'cancelled')"),
    # "orders worth more than $X": each order's total, bounded
    ("How many delivered orders are worth more than $2,500?", q(metrics=["order_count"]),
     "SELECT count(*) FROM (SELECT order_id FROM order_items WHERE status = 'delivered' "
     "GROUP BY 1 HAVING sum(price) > 2500)",
     "SELECT count(*) FROM orders WHERE status = 'delivered' "
     "AND exchange_price_difference > 2500"),
    # "at ShopRival's most recent check": the rows of its latest date
    ("At ShopRival's most recent price check, on how many items were they cheaper than our "
     "list price?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) WHERE "
     "c.competitor = 'ShopRival' AND c.observed_on = (SELECT max(observed_on) FROM "
     "competitor_prices WHERE competitor = 'ShopRival') AND c.price < v.price",
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) WHERE "
     "c.competitor = 'ShopRival' AND c.price < v.price"),
    # "neither X nor Y": the things with no X and no Y
    ("How many products have had neither a promotion nor a bulk discount?",
     q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM promotions x "
     "WHERE x.product_id = p.product_id) AND NOT EXISTS (SELECT 1 FROM volume_tiers t "
     "WHERE t.product_id = p.product_id)",
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM promotions x "
     "WHERE x.product_id = p.product_id)"),
    # "cannot be sold" is sold out; "list the X that are never a backup source": the Xs
    # lacking rows of that segment
    ("How many variants cannot be sold any more?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants WHERE NOT available", "SELECT count(*) FROM variants"),
    ("List the suppliers that are never a secondary source for any product.",
     q(metrics=["product_count"]),
     "SELECT s.name, count(*) FROM suppliers s WHERE NOT EXISTS (SELECT 1 FROM "
     "supplier_products sp WHERE sp.supplier_id = s.supplier_id AND NOT sp.is_primary) "
     "GROUP BY 1",
     "SELECT s.name, count(*) FROM suppliers s GROUP BY 1"),
    # "list price increases" are price history rows ("list price" names the variants
    # too); "if two or more X tie" asks for the ties
    ("How many list price increases took effect in July 2026?", q(metrics=["price_changes"]),
     "SELECT count(*) FROM price_history WHERE price > previous_price "
     "AND effective_on BETWEEN DATE '2026-07-01' AND DATE '2026-07-31'",
     "SELECT count(*) FROM variants v WHERE EXISTS (SELECT 1 FROM price_history h "
     "WHERE h.item_id = v.item_id AND h.price > h.previous_price)"),
    ("Which region is home to the most warehouses? If two or more regions tie, list them "
     "all.", q(metrics=["state_regions_count"]),
     "SELECT region, count(*) FROM warehouses GROUP BY 1 HAVING count(*) = "
     "(SELECT max(n) FROM (SELECT count(*) AS n FROM warehouses GROUP BY region))",
     "SELECT region, count(*) FROM warehouses GROUP BY 1 HAVING count(*) >= 2"),
    # "refunds not counted"; "break down our X by Y" counts the Xs; a terse
    # "cheapest carrier ...?" asks which carrier
    ("How much did customers pay by PayPal in total, refunds not counted?",
     q(metrics=["refunds"]),
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'payment' AND m.source = 'paypal'",
     "SELECT sum(amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'refund' AND m.source = 'paypal'"),
    ("Break down our vendors by country.", q(metrics=["purchase_order_count"]),
     "SELECT country, count(*) FROM suppliers GROUP BY 1 ORDER BY 1",
     "SELECT s.country, count(*) FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "GROUP BY 1 ORDER BY 1"),
    ("Fastest carrier on the lane from the midwest to the west?",
     q(metrics=["transit_days"]),
     "SELECT carrier_id, c.name, avg(transit_days) FROM carrier_lanes JOIN carriers c "
     "USING (carrier_id) WHERE origin_region = 'midwest' AND dest_region = 'west' "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT avg(transit_days) FROM carrier_lanes WHERE origin_region = 'midwest' "
     "AND dest_region = 'west'"),
    # "how many different X does <value> have": the Xs among the value's rows
    ("How many unique SKUs has MegaMart Online checked prices for?", q(metrics=["variant_count"]),
     "SELECT count(DISTINCT item_id) FROM competitor_prices WHERE competitor = 'MegaMart Online'",
     "SELECT count(*) FROM competitor_prices WHERE competitor = 'MegaMart Online'"),
    # the counted term's own condition is the bound ("zero units on hand" of out-of-stock
    # items); "percent, rounded ..." is a unit
    ("At the Reno warehouse, how many items that can still be bought have zero units on "
     "hand?", q(metrics=["out_of_stock_items"]),
     "SELECT count(*) FROM stock s JOIN variants v USING (item_id) JOIN warehouses w "
     "USING (warehouse_id) WHERE w.city = 'Reno' AND v.available AND s.on_hand = 0",
     "SELECT count(*) FROM (SELECT item_id FROM stock WHERE on_hand = 0 GROUP BY 1 "
     "HAVING count(*) = 0)"),
    ("What share of units sold last month came from the Denver warehouse? Percent, rounded "
     "to 2 decimals.", q(metrics=["units_sold"]),
     "SELECT round(100.0 * sum(quantity) FILTER (WHERE w.city = 'Denver') / sum(quantity), 2) "
     "FROM sales_history JOIN warehouses w USING (warehouse_id) "
     "WHERE day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'",
     "SELECT sum(quantity) FROM sales_history JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Denver' AND day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
    # "which Xs ... the most? if several tie for first": the first, ties and all
    ("Which statuses do our orders have most often? If several tie for first, list them all.",
     q(metrics=["order_count"], group_by=["orders.status"], order="desc"),
     "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC"),
    # with no room for a name beside the id, the name asked for replaces it
    ("Which routes are the fastest of all? List every one tied, with the carrier's name, "
     "the origin and destination regions and the days.", q(metrics=["transit_days"]),
     "SELECT c.name, origin_region, dest_region, avg(transit_days) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2, 3 HAVING avg(transit_days) = "
     "(SELECT min(transit_days) FROM carrier_lanes)",
     "SELECT carrier_id, origin_region, dest_region, avg(transit_days) FROM carrier_lanes "
     "GROUP BY 1, 2, 3 HAVING avg(transit_days) = (SELECT min(transit_days) FROM carrier_lanes)"),
    # two periods set against each other: each one's figure, and a change from the earlier
    # to the later (in percent when asked) of the term that changed
    ("Did revenue rise or fall from July 2026 to August 2026, and by what percentage?",
     q(metrics=["price_change_pct"]),
     "SELECT aug, jul, aug - jul, 100.0 * (aug - jul) / jul FROM (SELECT "
     "sum(quantity * unit_price) FILTER (WHERE month(day) = 8) AS aug, "
     "sum(quantity * unit_price) FILTER (WHERE month(day) = 7) AS jul FROM sales_history "
     "WHERE year(day) = 2026)",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history"),
    ("Compare units sold in June 2026 and July 2026.", q(metrics=["units_sold"]),
     "SELECT jun, jul, jun - jul FROM (SELECT sum(quantity) FILTER (WHERE month(day) = 6) "
     "AS jun, sum(quantity) FILTER (WHERE month(day) = 7) AS jul FROM sales_history "
     "WHERE year(day) = 2026)",
     "SELECT sum(quantity) FROM sales_history"),
    ("By what percentage did the count of purchase orders raised grow from August to "
     "September 2026, by order date?", q(metrics=["purchase_order_count"]),
     "SELECT sep, aug, sep - aug, 100.0 * sep / aug - 100 FROM (SELECT count(*) FILTER "
     "(WHERE month(ordered_on) = 9) AS sep, count(*) FILTER (WHERE month(ordered_on) = 8) "
     "AS aug FROM purchase_orders WHERE year(ordered_on) = 2026)",
     "SELECT count(*) FROM purchase_orders"),
    # a value whose letters are a stop word ("US") still filters
    ("How many of our vendors are located outside the US?", q(metrics=["suppliers_count"]),
     "SELECT count(*) FROM suppliers WHERE country != 'US'", "SELECT count(*) FROM suppliers"),
    # everyday names of the things: versions (variants), delivery companies (carriers)
    ("Which two products come in the most versions? Name and count.",
     q(metrics=["product_count"]),
     "SELECT v.product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2", "SELECT count(*) FROM products"),
    ("How many delivery companies do we work with?", q(metrics=["transit_days"]),
     "SELECT count(*) FROM carriers", "SELECT avg(transit_days) FROM carrier_lanes"),
    # two values (or two opposite conditions) set against each other: a row for each;
    # "true/false" names no stored value
    ("Express versus economy: what is the average transit time for each of the two service "
     "levels?", q(metrics=["transit_days"]),
     "SELECT c.service, avg(transit_days) FROM carrier_lanes JOIN carriers c USING "
     "(carrier_id) WHERE c.service IN ('express', 'economy') GROUP BY 1",
     "SELECT avg(transit_days) FROM carrier_lanes"),
    ("How does the average list price of sold-out items compare with that of items still "
     "for sale? Flag (true or false) and price.", q(metrics=["list_price"]),
     "SELECT available, avg(price) FROM variants GROUP BY 1",
     "SELECT avg(price) FROM variants"),
    # after a topic and a colon the question starts again; a longer name said wins over the
    # model's shorter one inside it
    ("Delivered vs cancelled: show the average order value of each status.",
     q(metrics=["order_value"]),
     "SELECT status, sum(price) / count(DISTINCT order_id) FROM order_items "
     "WHERE status IN ('delivered', 'cancelled') GROUP BY 1",
     "SELECT status, sum(price) FROM order_items WHERE status IN ('delivered', 'cancelled') "
     "GROUP BY 1"),
    # every name column listed after the first
    ("Which 3 customers have paid us the most? List their first name, last name and the "
     "amount.", q(metrics=["payments"]),
     "SELECT p.user_id, u.first_name, u.last_name, sum(amount) FROM order_payments p JOIN "
     "users u USING (user_id) WHERE transaction_type = 'payment' GROUP BY 1, 2, 3 "
     "ORDER BY 4 DESC LIMIT 3",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    # two opposite conditions side by side: a column each, in the order said
    ("Put the average list price of items still for sale and of sold-out items side by side.",
     q(metrics=["list_price"]),
     "SELECT a, b, a - b FROM (SELECT avg(price) FILTER (WHERE available) AS a, avg(price) "
     "FILTER (WHERE NOT available) AS b FROM variants)", "SELECT avg(price) FROM variants"),
    # a scene, a range with weekdays and a "which" after two clauses; "monthly" of an
    # occasion is no breakdown; "money from sales" is revenue
    ("For the monthly ops review: in the week from Monday 7 September to Sunday 13 "
     "September 2026, which region brought in the most money from sales?",
     q(metrics=["margin"]),
     "SELECT region, sum(quantity * unit_price) FROM sales_history WHERE day BETWEEN "
     "DATE '2026-09-07' AND DATE '2026-09-13' GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT sum(quantity * unit_price) FROM sales_history WHERE day BETWEEN "
     "DATE '2026-09-07' AND DATE '2026-09-13'"),
    # "any kind of X" is an X; "people" are the customers
    ("Which products have never had any sort of volume discount?",
     q(metrics=["product_count"]),
     "SELECT name, 1 FROM products p WHERE NOT EXISTS (SELECT 1 FROM volume_tiers "
     "t WHERE t.product_id = p.product_id)", "SELECT count(*) FROM products"),
    ("How many people have never placed an order?", q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id)", "SELECT count(*) FROM purchase_orders"),
    # parcels that stay inside their region: the two region columns equal
    ("What is the average shipping cost for parcels that stay within their own region?",
     q(metrics=["shipping_cost"]),
     "SELECT avg(cost_usd) FROM carrier_lanes WHERE origin_region = dest_region",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    ("How many lanes deliver within the same region?", q(metrics=["carrier_lanes_count"]),
     "SELECT count(*) FROM carrier_lanes WHERE origin_region = dest_region",
     "SELECT count(*) FROM carrier_lanes"),
    # held, then lacked: "have X but no Y"
    ("Which products have had promotions but offer no volume discounts?",
     q(metrics=["promotion_count"]),
     "SELECT name, 1 FROM products p WHERE EXISTS (SELECT 1 FROM promotions r WHERE "
     "r.product_id = p.product_id) AND NOT EXISTS (SELECT 1 FROM volume_tiers t "
     "WHERE t.product_id = p.product_id)",
     "SELECT name, 1 FROM products p WHERE NOT EXISTS (SELECT 1 FROM volume_tiers t "
     "WHERE t.product_id = p.product_id)"),
    # a verb between the negation and the condition lacked ("never used as a backup")
    ("How many suppliers are never used as a backup source?", q(metrics=["lead_time"]),
     "SELECT count(*) FROM suppliers s WHERE NOT EXISTS (SELECT 1 FROM supplier_products p "
     "WHERE p.supplier_id = s.supplier_id AND NOT p.is_primary)",
     "SELECT count(*) FROM suppliers"),
    # a condition's verb and noun a few words apart ("raised a variant's list price")
    ("How often have we raised a variant's list price?", q(metrics=["price_changes"]),
     "SELECT count(*) FROM price_history WHERE price > previous_price",
     "SELECT count(*) FROM price_history WHERE previous_price IS NOT NULL"),
    # one year's calendar months are months, not the month-of-year cycle
    ("Which calendar month of 2026 had the most units sold?", q(metrics=["units_sold"]),
     "SELECT CAST(date_trunc('month', day) AS DATE), sum(quantity) FROM sales_history "
     "WHERE year(day) = 2026 GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT sum(quantity) FROM sales_history WHERE year(day) = 2026"),
    # "the average price" of several tables' prices: the model's term's own column
    ("What was the average price each competitor charged for laptop variants?",
     q(metrics=["competitor_price"]),
     "SELECT cp.competitor, avg(cp.price) FROM competitor_prices cp JOIN products p USING "
     "(product_id) WHERE p.name = 'Laptop' GROUP BY 1",
     "SELECT c.competitor, avg(v.price) FROM variants v JOIN (SELECT DISTINCT item_id, "
     "competitor FROM competitor_prices) c USING (item_id) JOIN products p USING (product_id) "
     "WHERE p.name = 'Laptop' GROUP BY 1"),
    # two named conditions of one table against each other, "fewer" the other way round
    ("How many fewer price increases than price cuts took effect in October 2026?",
     q(metrics=["variant_count"]),
     "SELECT a, b, a - b FROM (SELECT count(*) FILTER (WHERE price < previous_price) AS a, "
     "count(*) FILTER (WHERE price > previous_price) AS b FROM price_history "
     "WHERE effective_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31')",
     "SELECT count(*) FROM variants"),
    # a share whose part is said without a verb, or named before "share"
    ("Which warehouse has the smallest share of its on-hand units reserved?",
     q(metrics=["on_hand"]),
     "SELECT warehouse_id, w.name, sum(reserved), sum(on_hand), 100.0 * sum(reserved) / "
     "sum(on_hand) FROM stock JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 "
     "ORDER BY 5 LIMIT 1",
     "SELECT warehouse_id, w.name, sum(on_hand) FROM stock JOIN warehouses w USING "
     "(warehouse_id) GROUP BY 1, 2 ORDER BY 3 LIMIT 1"),
    ("What is the reserved share of on-hand stock across all warehouses?",
     q(metrics=["on_hand"]),
     "SELECT sum(reserved), sum(on_hand), 100.0 * sum(reserved) / sum(on_hand) FROM stock",
     "SELECT sum(on_hand) FROM stock"),
    # two price superlatives joined: both extremes of the price
    ("What are the cheapest and the most expensive prices among desk lamp variants?",
     q(metrics=["list_price"]),
     "SELECT min(v.price), max(v.price) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Desk Lamp'",
     "SELECT avg(v.price) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Desk Lamp'"),
    # "the quickest and slowest" of a time are its extremes
    ("For each carrier, what are the quickest and slowest transit times on its lanes?",
     q(metrics=["transit_days"]),
     "SELECT carrier_id, c.name, min(transit_days), max(transit_days) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2",
     "SELECT carrier_id, c.name, avg(transit_days) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2"),
    # an average per thing, for each group of a breakdown said beside it
    ("Per order status, how many lines does an order have on average?",
     q(metrics=["order_lines"]),
     "SELECT status, avg(n) FROM (SELECT o.status, order_id, count(*) AS n FROM order_items "
     "JOIN orders o USING (order_id) GROUP BY 1, 2) GROUP BY 1",
     "SELECT avg(n) FROM (SELECT order_id, count(*) AS n FROM order_items GROUP BY 1)"),
    # "how much higher ... than": a difference too (of a column's aggregate, named as one)
    ("How much higher is the average price of variants still for sale than of sold-out "
     "ones?", q(metrics=["avg(variants.price)"]),
     "SELECT a, b, a - b FROM (SELECT avg(price) FILTER (WHERE available) AS a, avg(price) "
     "FILTER (WHERE NOT available) AS b FROM variants)", "SELECT avg(price) FROM variants"),
    # purchase orders that "have arrived" are the received ones
    ("How many purchase orders from Mexican suppliers have already arrived?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "WHERE status = 'received' AND s.country = 'MX'",
     "SELECT count(*) FROM purchase_orders JOIN suppliers s USING (supplier_id) "
     "WHERE s.country = 'MX'"),
    # "-ies" plurals ("cities", "companies") are their singulars; a ranking adjective after
    # the number names no thing
    ("Show me our 2 busiest customer cities by number of customers.",
     q(metrics=["customer_count"]),
     "SELECT address ->> '$.city', count(*) FROM users GROUP BY 1 ORDER BY 2 DESC LIMIT 2",
     "SELECT count(*) FROM users"),
    ("Which delivery company has the cheapest lane from the west to the northeast?",
     q(metrics=["shipping_cost"]),
     "SELECT carrier_id, c.name, min(cost_usd) FROM carrier_lanes JOIN carriers c USING "
     "(carrier_id) WHERE origin_region = 'west' AND dest_region = 'northeast' GROUP BY 1, 2 "
     "ORDER BY 3 LIMIT 1",
     "SELECT avg(cost_usd) FROM carrier_lanes WHERE origin_region = 'west' AND "
     "dest_region = 'northeast'"),
    # "line up" / "sort" the things by a figure: a row each
    ("Line up the warehouses by their units on hand.", q(metrics=["on_hand"]),
     "SELECT warehouse_id, w.name, sum(on_hand) FROM stock JOIN warehouses w USING "
     "(warehouse_id) GROUP BY 1, 2", "SELECT sum(on_hand) FROM stock"),
    # "the list of X who have both ...": which X hold every one of the values
    ("Give me the list of customers who have both a gift card and a PayPal account saved.",
     q(metrics=["customer_count"]),
     "SELECT user_id, 2 FROM user_payment_methods WHERE source IN ('gift_card', 'paypal') "
     "GROUP BY 1 HAVING count(DISTINCT source) = 2",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods "
     "WHERE source IN ('gift_card', 'paypal')"),
    # "the number of <named things> sold": their units, not sales rows
    ("Tell me the number of backpacks sold in September 2026.",
     q(metrics=["sales_history_count"]),
     "SELECT sum(quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Backpack' AND day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT count(*) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Backpack' AND day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    ("Tell me the number of desk lamps sold in September 2026.",
     q(metrics=["sales_history_count"]),
     "SELECT sum(quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Desk Lamp' AND day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT count(*) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Desk Lamp' AND day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "the highest all-time X": the term X
    ("Which warehouse has the highest all-time unit sales?", q(metrics=["cost_of_goods"]),
     "SELECT warehouse_id, w.name, sum(quantity) FROM sales_history JOIN warehouses w USING "
     "(warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT warehouse_id, w.name, count(*) FROM sales_history JOIN warehouses w USING "
     "(warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # "the top-earning X": the X with the highest revenue
    ("Tell me the top-earning warehouse for August 2026.", q(metrics=["units_sold"]),
     "SELECT warehouse_id, w.name, sum(quantity * unit_price) FROM sales_history JOIN "
     "warehouses w USING (warehouse_id) WHERE day BETWEEN DATE '2026-08-01' AND "
     "DATE '2026-08-31' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-08-01' AND "
     "DATE '2026-08-31'"),
    # "the cancellation rate of our orders": the share cancelled; "reductions" are price cuts
    ("What is the cancellation rate of our orders?", q(metrics=["margin_pct"]),
     "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders",
     "SELECT count(*) FROM orders WHERE status = 'cancelled'"),
    ("How many list price changes were reductions in August 2026?",
     q(metrics=["price_changes"]),
     "SELECT count(*) FROM price_history WHERE price < previous_price AND effective_on "
     "BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM price_history WHERE previous_price IS NOT NULL AND effective_on "
     "BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # "X-Y combinations" are the rows of the table keyed by both
    ("How many item-warehouse combinations have zero units on hand?",
     q(metrics=["out_of_stock_items"]),
     "SELECT count(*) FROM stock WHERE on_hand = 0", "SELECT count(*) FROM warehouses"),
    # "ran at any point during": what overlapped the range, not what began in it
    ("How many promotions were running at any point during August 2026?",
     q(metrics=["promotion_count"]),
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-08-31' "
     "AND ends_on >= DATE '2026-08-01'",
     "SELECT count(*) FROM promotions WHERE starts_on BETWEEN DATE '2026-08-01' "
     "AND DATE '2026-08-31'"),
    # "promoted more than twice": the promotions (the verb's noun), per product
    ("How many products have been promoted more than twice?", q(metrics=["product_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM promotions GROUP BY 1 HAVING count(*) > 2)",
     "SELECT count(*) FROM (SELECT product_id FROM supplier_products GROUP BY 1 "
     "HAVING count(*) > 2)"),
    # "list the card brands": the brands there are, no row for methods without one
    ("List the card brands our customers hold and how many saved methods each has.",
     q(metrics=["user_payment_methods_count"], group_by=["user_payment_methods.brand"]),
     "SELECT brand, count(*) FROM user_payment_methods WHERE brand IS NOT NULL GROUP BY 1",
     "SELECT count(*) FROM user_payment_methods"),
    # "when do our X records begin/end": X's first or last date, whatever the term
    ("When do our sales records start?", q(metrics=["purchase_order_count"]),
     "SELECT min(day) FROM sales_history", "SELECT min(ordered_on) FROM purchase_orders"),
    # "the days on which we sold more than N units": units sold is the measure, bounded
    ("On how many days in September 2026 did we sell more than 1700 units?",
     q(metrics=["actual_lead_time"]),
     "SELECT count(*) FROM (SELECT day FROM sales_history WHERE day BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30' GROUP BY 1 HAVING sum(quantity) > 1700)",
     "SELECT count(*) FROM (SELECT ordered_on FROM purchase_orders WHERE ordered_on BETWEEN "
     "DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1)"),
    # "how many are there": the count of the topic named before it
    ("Take our suppliers, by country: how many are there in each?",
     q(metrics=["lead_time"]),
     "SELECT country, count(*) FROM suppliers GROUP BY 1",
     "SELECT count(*) FROM supplier_products"),
    # the extreme of a column asked beside its row's id or name: the row, ranked
    ("What's the largest payment anyone made on one order? I need the order id and the "
     "amount.", q(metrics=["max(order_payments.amount)"]),
     "SELECT order_id, amount FROM order_payments WHERE transaction_type = 'payment' "
     "ORDER BY amount DESC LIMIT 1",
     "SELECT max(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    ("what is the priciest variant still on sale, item id and price please",
     q(metrics=["max(variants.price)"]),
     "SELECT item_id, price FROM variants WHERE available ORDER BY price DESC LIMIT 1",
     "SELECT max(price) FROM variants WHERE available"),
    # everyday words for layer terms: "marked prices down", "units set aside"
    ("How many times did we mark prices down in August 2026?", q(metrics=["price_changes"]),
     "SELECT count(*) FROM price_history WHERE price < previous_price AND effective_on "
     "BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM price_history WHERE previous_price IS NOT NULL AND effective_on "
     "BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    ("Across all warehouses, how many units set aside do we have?", q(metrics=["on_hand"]),
     "SELECT sum(reserved) FROM stock", "SELECT sum(on_hand) FROM stock"),
    # a bound per thing in a list: the things that pass, listed (not counted)
    ("Which customers have placed at least 7 orders?", q(metrics=["purchase_order_count"]),
     "SELECT user_id, count(*) FROM orders GROUP BY 1 HAVING count(*) >= 7",
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 HAVING count(*) >= 7)"),
    ("Could you list the delivered orders whose items come to over $6,000?",
     q(metrics=["units_received"]),
     "SELECT order_id, sum(price) FROM order_items WHERE status = 'delivered' GROUP BY 1 "
     "HAVING sum(price) > 6000",
     "SELECT order_id, sum(price) FROM order_items GROUP BY 1 HAVING sum(price) > 6000"),
    # a bound in dollars is on the money the words before it total, not a count of lines
    ("List the pending orders whose lines add up to more than $6,500.",
     q(metrics=["order_lines"]),
     "SELECT order_id, sum(price) FROM order_items WHERE status = 'pending' GROUP BY 1 "
     "HAVING sum(price) > 6500",
     "SELECT order_id, count(*) FROM order_items WHERE status = 'pending' GROUP BY 1 "
     "HAVING count(*) > 6500"),
    # "who have 3 payment methods": exactly 3 per customer
    ("List the customers who have 3 payment methods on file.", q(metrics=["payments"]),
     "SELECT user_id, count(*) FROM user_payment_methods GROUP BY 1 HAVING count(*) = 3",
     "SELECT user_id, count(*) FROM user_payment_methods GROUP BY 1 HAVING count(*) >= 3"),
    # "which X do we use most often": a breakdown by X (a number column by another name)
    ("Which discount size have our promotions used least often?",
     q(metrics=["promotion_count"]),
     "SELECT percent_off, count(*) FROM promotions GROUP BY 1 ORDER BY 2 ASC LIMIT 1",
     "SELECT count(*) FROM promotions"),
    # a scene, a dash, then the question; "from a centre in the X region to a shopper in Y"
    ("Picture a parcel going from a fulfilment centre in the southeast region to a shopper "
     "in the west — which carrier charges the least, and how much?",
     q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE origin_region = 'southeast' AND dest_region = 'west' "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT avg(cost_usd) FROM carrier_lanes WHERE origin_region IN ('southeast', 'west')"),
    # "the largest number of units reserved": a sum of units, ranked
    ("Which 2 warehouses have the largest number of units reserved?",
     q(metrics=["out_of_stock_items"]),
     "SELECT warehouse_id, w.name, sum(reserved) FROM stock JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT warehouse_id, count(*) FROM stock WHERE on_hand = 0 GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 2"),
    # "out of all the X, what percentage ...": the part of all X
    ("For each warehouse, out of all the item-warehouse pairs we stock, what percentage have "
     "zero units on hand?", q(metrics=["variant_count"]),
     "SELECT warehouse_id, w.name, 100.0 * count(*) FILTER (WHERE on_hand = 0) / count(*) "
     "FROM stock JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2",
     "SELECT warehouse_id, w.name, count(*) FROM stock JOIN warehouses w USING (warehouse_id) "
     "WHERE on_hand = 0 GROUP BY 1, 2"),
    # "how many X ..., and how many units": the count and the units of the same rows
    ("How many purchase orders were placed in August 2026, and how many units did they "
     "add up to?", q(metrics=["purchase_order_count"]),
     "SELECT count(*), sum(quantity) FROM purchase_orders WHERE ordered_on BETWEEN "
     "DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM purchase_orders WHERE ordered_on BETWEEN DATE '2026-08-01' "
     "AND DATE '2026-08-31'"),
    ("How many open purchase orders do we have, and how many units are on them?",
     q(metrics=["open_purchase_orders"]),
     "SELECT count(*), sum(quantity) FROM purchase_orders WHERE status = 'open'",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open'"),
    # "the average refunded amount": the average of the column the term totals
    ("What is the average refunded amount?", q(metrics=["refunds"]),
     "SELECT avg(amount) FROM order_payments WHERE transaction_type = 'refund'",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # "whose list price has been changed ... times": the events, past the auxiliaries
    ("Count the variants whose list price has been changed at least four times.",
     q(metrics=["list_price"]),
     "SELECT count(*) FROM (SELECT item_id FROM price_history WHERE previous_price IS NOT NULL "
     "GROUP BY 1 HAVING count(*) >= 4)",
     "SELECT count(*) FROM (SELECT item_id FROM competitor_prices GROUP BY 1 "
     "HAVING count(*) >= 4)"),
    # "the largest numbers of X": the number of X
    ("Which three cities are home to the largest numbers of our customers?",
     q(metrics=["state_regions_count"]),
     "SELECT address ->> '$.city', count(*) FROM users GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
     "SELECT state, count(*) FROM state_regions GROUP BY 1 ORDER BY 2 DESC LIMIT 3"),
    # 'payment' inside "payment methods" names the methods' table, no payment transaction
    ("Per customer, how many payment methods are saved on average?",
     q(metrics=["user_payment_methods_count"]),
     "SELECT avg(n) FROM (SELECT user_id, count(*) AS n FROM user_payment_methods GROUP BY 1)",
     "SELECT avg(n) FROM (SELECT user_id, count(*) AS n FROM order_payments GROUP BY 1)"),
    # "zero on-hand stock across all warehouses": variants with no units anywhere (not a
    # count of warehouses)
    ("How many variants hold zero on-hand inventory across all of our warehouses?",
     q(metrics=["out_of_stock_items"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) = 0)",
     "SELECT count(*) FROM warehouses"),
    # "among the X ..., how many had ...": the X counted
    ("Among the variants that are sold out, how many had no sales at all in October 2026?",
     q(metrics=["sales_history_count"]),
     "SELECT count(*) FROM variants v WHERE NOT available AND NOT EXISTS (SELECT 1 FROM "
     "sales_history s WHERE s.item_id = v.item_id AND s.day BETWEEN DATE '2026-10-01' AND "
     "DATE '2026-10-31')",
     "SELECT count(*) FROM sales_history WHERE day BETWEEN DATE '2026-10-01' AND "
     "DATE '2026-10-31'"),
    # "under N sellable units": a units term named with its adjective, bounded per thing
    ("How many variants have fewer than 5 sellable units in all?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 "
     "HAVING sum(on_hand - reserved) < 5)",
     "SELECT count(*) FROM variants"),
    # "each warehouse with the number of units ...": a sum of units, not which have rows
    ("List every warehouse by name with the number of units it can still sell, i.e. on hand "
     "minus reserved.", q(metrics=["available_stock"]),
     "SELECT warehouse_id, w.name, sum(on_hand - reserved) FROM stock JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2",
     "SELECT warehouse_id, w.name, count(*) FROM reservations JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2"),
    # "the average number of X in a single Y": X per Y, averaged
    ("What is the average number of tool calls in a single run of the support agent?",
     q(metrics=["agent_tool_calls"]),
     "SELECT avg(n) FROM (SELECT s.event_id, count(*) AS n FROM agent_steps s JOIN agent_runs "
     "r USING (event_id) WHERE r.agent = 'support' AND s.kind = 'tool' GROUP BY 1)",
     "SELECT count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'support' AND s.kind = 'tool'"),
    # "how many milliseconds do X take": the term in milliseconds that names X
    ("How many milliseconds does one of the support agent's tool calls take on average?",
     q(metrics=["agent_tool_calls"]),
     "SELECT avg(s.latency_ms) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'support' AND s.kind = 'tool'",
     "SELECT count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'support' AND s.kind = 'tool'"),
    # "of the X that C1, what percentage C2": C1 describes the whole, C2 the part
    ("Of the orders that were paid for with PayPal, what percentage were delivered?",
     q(metrics=["order_count"]),
     "SELECT 100.0 * count(DISTINCT o.order_id) FILTER (WHERE o.status = 'delivered') / "
     "count(DISTINCT o.order_id) FROM orders o JOIN order_payments p USING (order_id) JOIN "
     "user_payment_methods m USING (payment_method_id) WHERE p.transaction_type = 'payment' "
     "AND m.source = 'paypal'",
     "SELECT 100.0 * count(DISTINCT o.order_id) FILTER (WHERE o.status = 'delivered' AND "
     "m.source = 'paypal') / count(DISTINCT o.order_id) FROM orders o JOIN order_payments p "
     "USING (order_id) JOIN user_payment_methods m USING (payment_method_id)"),
    # "the best month for gross profit": the measure that ranks
    ("Which was our best month of 2026 for gross profit?", q(metrics=["revenue"]),
     "SELECT CAST(date_trunc('month', s.day) AS DATE), "
     "sum(s.quantity * (s.unit_price - c.unit_cost)) "
     "FROM sales_history s JOIN unit_costs c USING (item_id) GROUP BY 1 ORDER BY 2 DESC "
     "LIMIT 1",
     "SELECT CAST(date_trunc('month', day) AS DATE), sum(quantity * unit_price) "
     "FROM sales_history GROUP BY 1 ORDER BY 2 DESC LIMIT 1"),
    # "(quantity multiplied by unit cost)": the term the question defines
    ("What were the received purchase orders of October 2026 worth in total, quantity "
     "multiplied by unit cost?", q(metrics=["units_received"]),
     "SELECT sum(quantity * unit_cost) FROM purchase_orders WHERE status = 'received' AND "
     "received_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'",
     "SELECT sum(quantity) FROM purchase_orders WHERE status = 'received' AND "
     "received_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
    # "X minus Y": one term less the other
    ("What is the amount paid minus the refunded amount, for PayPal orders only?",
     q(metrics=["payments"]),
     "SELECT sum(p.amount) FILTER (WHERE transaction_type = 'payment'), sum(p.amount) "
     "FILTER (WHERE transaction_type = 'refund'), sum(p.amount) FILTER (WHERE "
     "transaction_type = 'payment') - sum(p.amount) FILTER (WHERE transaction_type = "
     "'refund') FROM order_payments p JOIN user_payment_methods m USING (payment_method_id) "
     "WHERE m.source = 'paypal'",
     "SELECT sum(p.amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE m.source = 'paypal' AND transaction_type = 'payment'"),
    # two opposite conditions both named: the first is the condition, the other a contrast
    ("Count the products that have a backup supplier as well as a main supplier.",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE NOT is_primary",
     "SELECT 0"),
    # "..., and what was their average discount": a second figure, of a column of the rows
    ("How many promotions started in August 2026, and what was their average discount? "
     "One decimal.", q(metrics=["promotion_count"]),
     "SELECT count(*), round(avg(percent_off), 1) FROM promotions "
     "WHERE starts_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM promotions "
     "WHERE starts_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # "percentage-off" is a kind of promotion, not the unit of the figure asked
    ("How many percentage-off promotions are there?", q(metrics=["promotion_count"]),
     "SELECT count(*) FROM promotions WHERE kind = 'percent'",
     "SELECT count(*) FROM promotions"),
    # "of all the variants" is the whole of a share, not "every variant is ..."
    ("Out of all the variants we list, what share are sold out, in percent?",
     q(metrics=["variant_count"]),
     "SELECT 100.0 * count(*) FILTER (WHERE NOT available) / count(*) FROM variants",
     "SELECT 100.0 * count(*) FILTER (WHERE available) / count(*) FROM variants"),
    # "had started and not yet ended" on a date: the rows running that day
    ("How many deals had started and had not yet ended on 15 September 2026?",
     q(metrics=["active_promotions"]),
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-09-15' "
     "AND ends_on >= DATE '2026-09-15'",
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-11-01' "
     "AND ends_on >= DATE '2026-11-01'"),
    # "by the region of ...": the breakdown is the region, "the" names nothing
    ("How many customers are there, broken down by the region of their home address?",
     q(metrics=["customer_count"]),
     "SELECT r.region, count(*) FROM users u JOIN state_regions r "
     "ON r.state = u.address ->> '$.state' GROUP BY 1",
     "SELECT count(*) FROM users"),
    ("How many delivered orders are there by the state they ship to?",
     q(metrics=["order_count"]),
     "SELECT address ->> '$.state', count(*) FROM orders WHERE status = 'delivered' "
     "GROUP BY 1", "SELECT count(*) FROM orders WHERE status = 'delivered'"),
    # "compare X (a, b and c)": the listed values are the groups compared
    ("Compare our service levels (ground, express and economy) on average transit days.",
     q(metrics=["transit_days"]),
     "SELECT c.service, avg(l.transit_days) FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) GROUP BY 1",
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id)"),
    # "the average A and the average B": a second aggregate of a column of the same rows
    ("What are the average transit days and the average cost of our lanes?",
     q(metrics=["transit_days"]),
     "SELECT avg(transit_days), avg(cost_usd) FROM carrier_lanes",
     "SELECT avg(transit_days) FROM carrier_lanes"),
    # "comparing A and B": a row for each
    ("Comparing delivered orders and cancelled orders: how many are there?",
     q(metrics=["order_count"]),
     "SELECT status, count(*) FROM orders WHERE status IN ('delivered', 'cancelled') "
     "GROUP BY 1",
     "SELECT count(*) FROM orders WHERE status IN ('delivered', 'cancelled')"),
    # a total per one of its own rows, on average: the average of what the term sums
    ("What purchase order value does one purchase order carry on average?",
     q(metrics=["purchase_value"]),
     "SELECT avg(quantity * unit_cost) FROM purchase_orders",
     "SELECT sum(quantity * unit_cost) FROM purchase_orders"),
    # "by how much did it fall from A to B": A less B, each month whole, the sentence after
    # naming the same two
    ("By how much did units sold drop from August 2026 to September 2026? August less "
     "September, please.", q(metrics=["units_sold"]),
     "SELECT sum(quantity) FILTER (WHERE month(day) = 8), sum(quantity) FILTER (WHERE "
     "month(day) = 9), sum(quantity) FILTER (WHERE month(day) = 8) - sum(quantity) FILTER "
     "(WHERE month(day) = 9) FROM sales_history WHERE year(day) = 2026",
     "SELECT sum(quantity) FROM sales_history"),
    # "as a percent" is a unit: it names no kind of promotion to count instead
    ("How many price cuts took effect in September 2026 (their size as a percent does not "
     "matter)?", q(metrics=["price_change_pct"]),
     "SELECT count(*) FROM price_history WHERE price < previous_price "
     "AND effective_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT count(*) FROM promotions WHERE starts_on BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30'"),
    # a column's name around an aside; "the percentage off" names the column, no kind
    ("What is the largest volume (tiered) discount on offer, as the percentage off?",
     q(metrics=["volume_tiers_count"]), "SELECT max(percent_off) FROM volume_tiers",
     "SELECT count(*) FROM promotions WHERE kind = 'percent'"),
    ("What is the mean percentage off of our promotions?", q(metrics=["promotion_count"]),
     "SELECT avg(percent_off) FROM promotions WHERE kind = 'percent'",
     "SELECT count(*) FROM promotions WHERE kind = 'percent'"),
    # "what quantity": units, not a count of the rows
    ("What quantity is still on order from suppliers for the Reno warehouse?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(p.quantity) FROM purchase_orders p JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno' AND p.status = 'open'",
     "SELECT count(*) FROM purchase_orders p JOIN warehouses w USING (warehouse_id) "
     "WHERE w.city = 'Reno' AND p.status = 'open'"),
    # "each geographic region": a region, the first word no attribute of its own
    ("How many customers do we have in each geographic region?",
     q(metrics=["customer_count"]),
     "SELECT r.region, count(*) FROM users u JOIN state_regions r "
     "ON r.state = u.address ->> '$.state' GROUP BY 1",
     "SELECT w.state, count(*) FROM warehouses w GROUP BY 1"),
    # "spent the most on orders" names no purchase orders "on order"
    ("Which customer has spent the most on orders that were cancelled? Give the customer id.",
     q(metrics=["payments"]),
     "SELECT p.user_id, sum(p.amount) FROM order_payments p JOIN orders o USING (order_id) "
     "WHERE o.status = 'cancelled' AND p.transaction_type = 'payment' GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 1",
     "SELECT user_id, count(*) FROM orders WHERE status = 'cancelled' GROUP BY 1 "
     "ORDER BY 2 DESC, 1 LIMIT 1"),
    # "for each size": a breakdown by the variants' own option of that name
    ("How many T-Shirt variants are there for each size?", q(metrics=["variant_count"]),
     "SELECT v.options ->> 'size', count(*) FROM variants v JOIN products p "
     "USING (product_id) WHERE p.name = 'T-Shirt' GROUP BY 1",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'T-Shirt'"),
    # units asked of rows no units term covers: the sum of their table's units column
    ("How many units did we order from Chinese suppliers on purchase orders placed in "
     "August 2026?", q(metrics=["purchase_order_count"]),
     "SELECT sum(p.quantity) FROM purchase_orders p JOIN suppliers s USING (supplier_id) "
     "WHERE s.country = 'CN' AND p.ordered_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM purchase_orders p JOIN suppliers s USING (supplier_id) "
     "WHERE s.country = 'CN' AND p.ordered_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # "payments only": the value said with "only"; the term whose condition it is
    ("Which state's customers paid us the most in total (payments only, refunds not "
     "subtracted)? Give the state.", q(metrics=["refunds"]),
     "SELECT u.address ->> '$.state', sum(p.amount) FROM order_payments p JOIN users u "
     "USING (user_id) WHERE p.transaction_type = 'payment' GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
     "SELECT u.address ->> '$.state', sum(p.amount) FROM order_payments p JOIN users u "
     "USING (user_id) WHERE p.transaction_type = 'refund' GROUP BY 1 ORDER BY 2 DESC LIMIT 1"),
    # "best-sellers" are the most sold products; "baskets" are orders
    ("Name our 3 best-sellers by units in September 2026.", q(metrics=["units_sold"]),
     "SELECT s.product_id, p.name, sum(s.quantity) FROM sales_history s JOIN products p "
     "USING (product_id) WHERE s.day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3",
     "SELECT sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    ("How many baskets were cancelled?", q(metrics=["order_lines"]),
     "SELECT count(*) FROM orders WHERE status = 'cancelled'",
     "SELECT count(*) FROM order_items WHERE status = 'cancelled'"),
    # "which 3 products had the most price cuts": ranked by a named condition's rows
    ("Which 3 products had the most price markdowns?", q(metrics=["list_price"]),
     "SELECT h.product_id, p.name, count(*) FROM price_history h JOIN products p "
     "USING (product_id) WHERE h.price < h.previous_price GROUP BY 1, 2 "
     "ORDER BY 3 DESC LIMIT 3",
     "SELECT count(DISTINCT product_id) FROM price_history WHERE price < previous_price"),
    # (and "across its variants" names no variants to count instead: the regression the
    # first rule met on its way)
    ("Which product has had the most price increases across its variants?",
     q(metrics=["variant_count"]),
     "SELECT h.product_id, p.name, count(*) FROM price_history h JOIN products p "
     "USING (product_id) WHERE h.price > h.previous_price GROUP BY 1, 2 "
     "ORDER BY 3 DESC LIMIT 1",
     "SELECT v.product_id, p.name, count(*) FROM variants v JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # "Ohio shoppers": the value is said of the customers, their state (not the orders')
    ("List the customer ids of Ohio shoppers who have placed 3 or more orders.",
     q(metrics=["customer_count"]),
     "SELECT o.user_id, count(*) FROM orders o JOIN users u USING (user_id) "
     "WHERE u.address ->> '$.state' = 'OH' GROUP BY 1 HAVING count(*) >= 3",
     "SELECT user_id, count(*) FROM orders WHERE address ->> '$.state' = 'OH' GROUP BY 1 "
     "HAVING count(*) >= 3"),
    # "in the average order": per order, averaged over the orders
    ("How many order lines are in the average order?", q(metrics=["order_lines"]),
     "SELECT avg(n) FROM (SELECT order_id, count(*) AS n FROM order_items GROUP BY 1)",
     "SELECT count(*) FROM order_items"),
    # "..., and how long did they last": beside the count, the rows' own duration
    ("How many promotions began in July 2026, and how long did they last on average, "
     "both first and last day counted?", q(metrics=["promotion_count"]),
     "SELECT count(*), avg(date_diff('day', starts_on, ends_on) + 1) FROM promotions "
     "WHERE starts_on BETWEEN DATE '2026-07-01' AND DATE '2026-07-31'",
     "SELECT count(*) FROM promotions "
     "WHERE starts_on BETWEEN DATE '2026-07-01' AND DATE '2026-07-31'"),
    # "running at any point in": rows whose own span overlaps the month, not those begun in it
    ("What was the average percent off of the deals running at any point in September "
     "2026?", q(metrics=["promotion_count"]),
     "SELECT avg(percent_off) FROM promotions WHERE starts_on <= DATE '2026-09-30' "
     "AND ends_on >= DATE '2026-09-01'",
     "SELECT avg(percent_off) FROM promotions "
     "WHERE starts_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "revenue minus units sold times unit cost": a product taken off, not units sold
    ("How much gross margin did we make in August 2026, i.e. sales revenue minus the units "
     "sold times their unit cost?", q(metrics=["margin"]),
     "SELECT sum(s.quantity * (s.unit_price - u.unit_cost)) FROM sales_history s "
     "JOIN unit_costs u USING (item_id) "
     "WHERE s.day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT sum(quantity * unit_price) - sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # terms listed one after another: each a figure, in the order said
    ("Per warehouse, show me stock value, units reserved and units available.",
     q(metrics=["stock_value"], group_by=["stock.warehouse_id"]),
     "SELECT s.warehouse_id, w.name, sum(s.on_hand * u.unit_cost), sum(s.reserved), "
     "sum(s.on_hand - s.reserved) FROM stock s JOIN unit_costs u USING (item_id) "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2",
     "SELECT s.warehouse_id, w.name, sum(s.on_hand * u.unit_cost) FROM stock s "
     "JOIN unit_costs u USING (item_id) JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2"),
    # "no longer sold" denies "sold": units on order, not units sold
    ("For items that are no longer sold, how many units do we still have on order?",
     q(metrics=["purchase_order_count"]),
     "SELECT sum(p.quantity) FROM purchase_orders p JOIN variants v USING (item_id) "
     "WHERE p.status = 'open' AND NOT v.available",
     "SELECT count(*) FROM purchase_orders p JOIN variants v USING (item_id) "
     "WHERE NOT v.available"),
    # one value said both ways ("US suppliers" and "outside the US"): one side each
    ("How many fewer purchase orders went to US suppliers than to suppliers based outside "
     "the US?", q(metrics=["purchase_order_count"]),
     "SELECT count(*) FILTER (WHERE s.country <> 'US'), count(*) FILTER (WHERE s.country = "
     "'US'), count(*) FILTER (WHERE s.country <> 'US') - count(*) FILTER (WHERE s.country = "
     "'US') FROM purchase_orders p JOIN suppliers s USING (supplier_id)",
     "SELECT count(*) FROM purchase_orders p JOIN suppliers s USING (supplier_id) "
     "WHERE s.country <> 'US'"),
    # a named condition of stock positions (every unit on hand reserved), counted as such
    ("How many item and warehouse combinations have nothing free, all units reserved?",
     q(metrics=["out_of_stock_items"]),
     "SELECT count(*) FROM stock WHERE on_hand > 0 AND reserved >= on_hand",
     "SELECT count(*) FROM stock WHERE on_hand = 0"),
    # the count's own name said after "how many" is what is counted (no warehouses)
    ("How many item-and-warehouse positions in Denver have every unit already reserved?",
     q(metrics=["stock_count"]),
     "SELECT count(*) FROM stock JOIN warehouses USING (warehouse_id) WHERE city = 'Denver' "
     "AND on_hand > 0 AND reserved >= on_hand",
     "SELECT count(DISTINCT warehouse_id) FROM stock JOIN warehouses USING (warehouse_id) "
     "WHERE city = 'Denver' AND on_hand > 0 AND reserved >= on_hand"),
    # "the Denver warehouse's region": the region that warehouse is in, as a route's end
    ("What does a ground parcel cost from the Denver warehouse's region to the northeast?",
     q(metrics=["shipping_cost"]),
     "SELECT avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'ground' AND l.dest_region = 'northeast' AND l.origin_region = "
     "(SELECT region FROM warehouses WHERE city = 'Denver')",
     "SELECT avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'ground' AND l.origin_region = 'northeast'"),
    # two questions joined by "and", one asking money, one days: a figure for each
    ("For an economy parcel from the midwest to the west, what does it cost and how many "
     "days does it take?", q(metrics=["transit_days"]),
     "SELECT avg(l.cost_usd), avg(l.transit_days) FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE c.service = 'economy' AND l.origin_region = 'midwest' "
     "AND l.dest_region = 'west'",
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'economy' AND l.origin_region = 'midwest' AND l.dest_region = 'west'"),
    # "how many of our items was X's price ...": no owner "our items was X" (a verb)
    ("For how many of our items was ShopRival's price above our current list price on "
     "18 October 2026?", q(metrics=["list_margin_pct"]),
     "SELECT count(DISTINCT c.item_id) FROM competitor_prices c JOIN variants v "
     "USING (item_id) WHERE c.competitor = 'ShopRival' AND c.observed_on = DATE '2026-10-18' "
     "AND c.price > v.price",
     "SELECT 100 * avg((v.price - u.unit_cost) / v.price) FROM variants v JOIN unit_costs u "
     "USING (item_id)"),
    # "count the ..." after a leading clause; "undercut" is "lower than"
    ("In the 18 October 2026 ShopRival check, count the variants where their price undercut "
     "our current list price.", q(metrics=["list_margin_pct"]),
     "SELECT count(DISTINCT c.item_id) FROM competitor_prices c JOIN variants v "
     "USING (item_id) WHERE c.competitor = 'ShopRival' AND c.observed_on = DATE '2026-10-18' "
     "AND c.price < v.price",
     "SELECT count(DISTINCT c.item_id) FROM competitor_prices c "
     "WHERE c.competitor = 'ShopRival' AND c.observed_on = DATE '2026-10-18'"),
    ("For August 2026, count the purchase orders placed with suppliers in Mexico.",
     q(metrics=["purchase_value"]),
     "SELECT count(*) FROM purchase_orders p JOIN suppliers s USING (supplier_id) "
     "WHERE s.country = 'MX' AND p.ordered_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT sum(p.quantity * p.unit_cost) FROM purchase_orders p JOIN suppliers s "
     "USING (supplier_id) WHERE s.country = 'MX' AND p.ordered_on BETWEEN DATE '2026-08-01' "
     "AND DATE '2026-08-31'"),
    # "the additional cost of A compared to B": A's figure less B's
    ("Averaged over its lanes, what is the additional cost of sending with Parcelway "
     "compared to National Post?", q(metrics=["shipping_cost"]),
     "SELECT avg(l.cost_usd) FILTER (WHERE c.name = 'Parcelway'), avg(l.cost_usd) FILTER "
     "(WHERE c.name = 'National Post'), avg(l.cost_usd) FILTER (WHERE c.name = 'Parcelway') "
     "- avg(l.cost_usd) FILTER (WHERE c.name = 'National Post') "
     "FROM carrier_lanes l JOIN carriers c USING (carrier_id)",
     "SELECT c.name, avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.name IN ('Parcelway', 'National Post') GROUP BY 1"),
    # "give the name of the X with the highest ...": which X
    ("Give the name of the carrier with the highest average shipping cost.",
     q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS a FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) GROUP BY 1, 2 ORDER BY a DESC LIMIT 1",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    # a table with no dates of its own is dated by the dated table the question names
    # ("a campaign", singular: the campaigns), here by what ran that day
    ("How many products had a campaign running on 1 October 2026?",
     q(metrics=["product_count"]),
     "SELECT count(*) FROM products WHERE product_id IN (SELECT product_id FROM promotions "
     "WHERE starts_on <= DATE '2026-10-01' AND ends_on >= DATE '2026-10-01')",
     "SELECT count(*) FROM products"),
    # "the top 2 states": states (not "top"), the orders' own ship-to state
    ("What are the top 2 states by number of orders shipped there?",
     q(metrics=["state_regions_count"]),
     "SELECT address ->> '$.state' AS s, count(*) AS n FROM orders GROUP BY 1 "
     "ORDER BY n DESC LIMIT 2",
     "SELECT w.state, count(DISTINCT r.order_id) AS n FROM reservations r JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1 ORDER BY n DESC LIMIT 2"),
    # "just one supplier, with no backup source": the negation says the bound again
    ("How many products come from just one supplier, with no backup source at all?",
     q(metrics=["supplier_products_count"]),
     "SELECT count(*) FROM (SELECT product_id FROM supplier_products GROUP BY 1 "
     "HAVING count(*) = 1)",
     "SELECT count(*) FROM supplier_products"),
    # "sold out of the Reno warehouse": shipped from there, not the sold-out variants
    ("How many units were sold out of the Reno warehouse in October 2026?",
     q(metrics=["units_sold"]),
     "SELECT sum(quantity) FROM sales_history WHERE warehouse_id = 'WH-RNO' "
     "AND day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'",
     "SELECT sum(s.quantity) FROM sales_history s JOIN variants v USING (item_id) "
     "WHERE s.warehouse_id = 'WH-RNO' AND NOT v.available "
     "AND s.day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
    # typed as the things wanted, then the columns: which things
    ("suppliers with 250 or more purchase orders: name and number of purchase orders",
     q(metrics=["purchase_order_count"]),
     "SELECT p.supplier_id, s.name, count(*) FROM purchase_orders p JOIN suppliers s "
     "USING (supplier_id) GROUP BY 1, 2 HAVING count(*) >= 250",
     "SELECT count(*) FROM purchase_orders"),
    ("warehouse that shipped the most units in October 2026 — city and units",
     q(metrics=["units_sold"]),
     "SELECT s.warehouse_id, w.name, sum(quantity) FROM sales_history s JOIN warehouses w "
     "USING (warehouse_id) WHERE day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' "
     "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
    # "the southeast to west lane": the two ends said without "from"
    ("Which carrier is cheapest on the southeast to west lane? Name and cost",
     q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, l.cost_usd FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE origin_region = 'southeast' AND dest_region = 'west' "
     "ORDER BY 3 LIMIT 1",
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) GROUP BY 1, 2 ORDER BY 3 LIMIT 1"),
    # "the average purchase order value": each purchase order's value, averaged; the
    # warehouses ranked by that average
    ("What is the average purchase order value for each warehouse? Bottom 2 only",
     q(metrics=["purchase_value"]),
     "SELECT p.warehouse_id, w.name, avg(quantity * unit_cost) FROM purchase_orders p "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 LIMIT 2",
     "SELECT p.warehouse_id, w.name, sum(quantity * unit_cost) FROM purchase_orders p "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 LIMIT 2"),
    # the asked column after a leading clause; the named warehouse's region is the origin;
    # "within 1 day" bounds the transit days
    ("Out of the Reno warehouse's region, which destination regions can SwiftAir reach "
     "within 1 day?", q(metrics=["transit_days"]),
     "SELECT dest_region, avg(transit_days) FROM carrier_lanes JOIN carriers USING "
     "(carrier_id) WHERE name = 'SwiftAir' AND origin_region = 'west' AND transit_days <= 1 "
     "GROUP BY 1",
     "SELECT dest_region, avg(transit_days) FROM carrier_lanes JOIN carriers USING "
     "(carrier_id) WHERE name = 'SwiftAir' GROUP BY 1"),
    # "where every unit is reserved" says the named condition "every unit reserved"
    ("How many stock positions at the Allentown warehouse hold units where every unit is "
     "reserved?", q(metrics=["stock_count"]),
     "SELECT count(*) FROM stock WHERE warehouse_id = 'WH-ABE' AND on_hand > 0 "
     "AND reserved >= on_hand",
     "SELECT count(*) FROM stock WHERE warehouse_id = 'WH-ABE'"),
    # "at today's price" of rows with no dates: as they are now; "35 percent" a bound's unit
    ("How many variants have a margin at today's price under 35 percent?",
     q(metrics=["list_margin_pct"]),
     "SELECT count(*) FROM variants v JOIN unit_costs c USING (item_id) "
     "WHERE (v.price - c.unit_cost) / v.price < 0.35",
     "SELECT count(*) FROM variants"),
    # "give me the ids of the pending orders ...": the orders listed
    ("Give me the ids of the pending orders worth more than $5,000.",
     q(metrics=["order_count"]),
     "SELECT order_id, sum(price) FROM order_items WHERE status = 'pending' GROUP BY 1 "
     "HAVING sum(price) > 5000",
     "SELECT count(*) FROM orders WHERE status = 'pending'"),
    # "exactly zero": a bound's number said as a word
    ("How many gift cards on file hold exactly zero dollars?",
     q(metrics=["user_payment_methods_count"]),
     "SELECT count(*) FROM user_payment_methods WHERE source = 'gift_card' AND balance = 0",
     "SELECT count(*) FROM user_payment_methods WHERE source = 'gift_card'"),
    # "are there any ...? tell me how many": a count of them
    ("Are there any pending orders lacking a reservation? Tell me how many.",
     q(metrics=["order_count"]),
     "SELECT count(*) FROM orders o WHERE status = 'pending' AND NOT EXISTS "
     "(SELECT 1 FROM reservations r WHERE r.order_id = o.order_id)",
     "SELECT count(*) FROM orders WHERE status = 'pending'"),
    # "each carrier's average shipping cost": the whole noun phrase is what each has
    ("Give me each carrier's average shipping cost.", q(metrics=["shipping_cost"]),
     "SELECT carrier_id, c.name, avg(cost_usd) FROM carrier_lanes "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    # a finance word for the value of purchase orders
    ("How much procurement spend went to Chinese suppliers in the third quarter of 2026?",
     q(metrics=["purchase_order_count"]),
     "SELECT sum(quantity * unit_cost) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE country = 'CN' AND ordered_on BETWEEN '2026-07-01' AND '2026-09-30'",
     "SELECT count(*) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE country = 'CN' AND ordered_on BETWEEN '2026-07-01' AND '2026-09-30'"),
    # the value of rows a count's words name ("due to arrive": open ones); two terms side
    # by side with no "and" between are one qualifying the other, not a list
    ("What was the total value of purchase orders due to arrive in October 2026?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(quantity * unit_cost) FROM purchase_orders WHERE status = 'open' "
     "AND expected_on BETWEEN '2026-10-01' AND '2026-10-31'",
     "SELECT sum(quantity * unit_cost) FROM purchase_orders "
     "WHERE expected_on BETWEEN '2026-10-01' AND '2026-10-31'"),
    # "how much" asks no count, even where the count's words are said too
    ("How much purchase spend is tied up in purchase orders due to arrive in December 2026?",
     q(metrics=["open_purchase_orders"]),
     "SELECT sum(quantity * unit_cost) FROM purchase_orders WHERE status = 'open' "
     "AND expected_on BETWEEN '2026-12-01' AND '2026-12-31'",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open' "
     "AND expected_on BETWEEN '2026-12-01' AND '2026-12-31'"),
    # "who paid for at least one order": a bound on things, not on the sum paid
    ("Among shoppers who paid for at least one order, what is the average total paid per "
     "shopper?", q(metrics=["payments"]),
     "SELECT avg(t) FROM (SELECT user_id, sum(amount) AS t FROM order_payments "
     "WHERE transaction_type = 'payment' GROUP BY 1)",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    # "..., and what do they all add up to": their sum beside their count
    ("How many refunds went to pending orders, and what do they all add up to?",
     q(metrics=["refund_count"]),
     "SELECT count(*), sum(amount) FROM order_payments p JOIN orders o USING (order_id) "
     "WHERE transaction_type = 'refund' AND o.status = 'pending'",
     "SELECT count(*) FROM order_payments p JOIN orders o USING (order_id) "
     "WHERE transaction_type = 'refund' AND o.status = 'pending'"),
    # the named condition in other words: a state that is not the customer's own
    ("How many delivered orders went to a state that is not the customer's own state?",
     q(metrics=["order_count"]),
     "SELECT count(*) FROM orders o JOIN users u USING (user_id) WHERE o.status = 'delivered' "
     "AND o.address ->> '$.state' <> u.address ->> '$.state'",
     "SELECT count(*) FROM orders WHERE status = 'delivered'"),
    # a period said before the term: the share of that period's revenue
    ("What share of September 2026 revenue came from the Denver warehouse?",
     q(metrics=["warehouses_count"]),
     "SELECT 100.0 * sum(quantity * unit_price) FILTER (WHERE w.city = 'Denver') / "
     "sum(quantity * unit_price) FROM sales_history JOIN warehouses w USING (warehouse_id) "
     "WHERE day BETWEEN '2026-09-01' AND '2026-09-30'",
     "SELECT 100.0 * count(*) FILTER (WHERE city = 'Denver') / count(*) FROM warehouses"),
    # the average per row of the summed table itself (payments have no key): the column's
    ("How much did shoppers pay on average per payment transaction?", q(metrics=["payments"]),
     "SELECT avg(amount) FROM order_payments WHERE transaction_type = 'payment'",
     "SELECT avg(t) FROM (SELECT user_id, sum(amount) AS t FROM order_payments "
     "WHERE transaction_type = 'payment' GROUP BY 1)"),
    # "by customer count", "the largest customer count": ranked by the number of them
    ("Top two states by customer count?", q(metrics=["state_regions_count"]),
     "SELECT address ->> '$.state' AS s, count(*) AS n FROM users GROUP BY 1 "
     "ORDER BY n DESC LIMIT 2",
     "SELECT state, count(*) AS n FROM state_regions GROUP BY 1 ORDER BY n DESC, 1 LIMIT 2"),
    ("Which two states have the largest customer count?", q(metrics=["state_regions_count"]),
     "SELECT address ->> '$.state' AS s, count(*) AS n FROM users GROUP BY 1 "
     "ORDER BY n DESC LIMIT 2",
     "SELECT state, count(*) AS n FROM state_regions GROUP BY 1 ORDER BY n DESC, 1 LIMIT 2"),
    # "how did our X ...": the term X is what is asked
    ("How did our takings in August 2026 stack up against July 2026? Give August minus July.",
     q(metrics=["margin"]),
     "SELECT a, j, a - j FROM (SELECT sum(quantity * unit_price) FILTER (WHERE day BETWEEN "
     "DATE '2026-08-01' AND DATE '2026-08-31') AS a, sum(quantity * unit_price) FILTER (WHERE "
     "day BETWEEN DATE '2026-07-01' AND DATE '2026-07-31') AS j FROM sales_history)",
     "SELECT a, j, a - j FROM (SELECT sum(quantity * (unit_price - unit_cost)) FILTER (WHERE "
     "day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31') AS a, sum(quantity * (unit_price - "
     "unit_cost)) FILTER (WHERE day BETWEEN DATE '2026-07-01' AND DATE '2026-07-31') AS j "
     "FROM sales_history JOIN unit_costs USING (item_id))"),
    # what customers buy from us is what we sell
    ("How many units did our buyers purchase in September 2026?", q(metrics=["cost_of_goods"]),
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-09-01' AND "
     "DATE '2026-09-30'",
     "SELECT sum(quantity * unit_cost) FROM sales_history JOIN unit_costs USING (item_id) "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "the orders customers paid": the second plural opens a clause; the orders are counted
    ("How many orders customers paid for by credit card are there?",
     q(metrics=["order_payments_count"]),
     "SELECT count(DISTINCT p.order_id) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE m.source = 'credit_card'",
     "SELECT count(DISTINCT p.user_id) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE m.source = 'credit_card'"),
    # "..., and how much did they pay": the money of the counted rows' payments beside
    ("How many orders were paid with a gift card, and how much did customers pay that way?",
     q(metrics=["order_payments_count"]),
     "SELECT count(DISTINCT p.order_id), sum(p.amount) FILTER (WHERE p.transaction_type = "
     "'payment') FROM order_payments p JOIN user_payment_methods m USING (payment_method_id) "
     "WHERE m.source = 'gift_card'",
     "SELECT count(DISTINCT p.order_id) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE m.source = 'gift_card'"),
    # "pay by gift card", "pay for by credit card": how they paid, not a breakdown
    ("How much did customers pay by gift card?", q(metrics=["payments"]),
     "SELECT sum(p.amount) FROM order_payments p JOIN user_payment_methods m USING "
     "(payment_method_id) WHERE m.source = 'gift_card' AND p.transaction_type = 'payment'",
     "SELECT p.payment_method_id, sum(p.amount) FROM order_payments p JOIN user_payment_methods "
     "m USING (payment_method_id) WHERE m.source = 'gift_card' AND p.transaction_type = "
     "'payment' GROUP BY 1"),
    ("How many orders did customers pay for by credit card?", q(metrics=["order_count"]),
     "SELECT count(DISTINCT p.order_id) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE m.source = 'credit_card'",
     "SELECT p.payment_method_id, count(DISTINCT p.order_id) FROM order_payments p JOIN "
     "user_payment_methods m USING (payment_method_id) WHERE m.source = 'credit_card' "
     "GROUP BY 1"),
    # "which product offers ...": the subject ends at its verb
    ("Which product offers customers the most variants that are still for sale?",
     q(metrics=["variant_count"]),
     "SELECT product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE v.available GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT count(*) FROM variants WHERE available"),
    # "available to buy": still for sale
    ("How many products have every one of their variants available to buy?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v "
     "WHERE v.product_id = p.product_id AND NOT v.available)",
     "SELECT count(*) FROM products"),
    # "all of their orders delivered": the customers whose orders all are
    ("How many customers have had all of their orders delivered?", q(metrics=["order_count"]),
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 "
     "HAVING bool_and(status = 'delivered'))",
     "SELECT count(DISTINCT user_id) FROM orders WHERE status = 'delivered'"),
    # "suppliers based in which country": which supplier country
    ("Suppliers based in which country quote the shortest average lead time?",
     q(metrics=["lead_time"]),
     "SELECT s.country, avg(sp.lead_time_mean_days) FROM supplier_products sp JOIN suppliers s "
     "USING (supplier_id) GROUP BY 1 ORDER BY 2 ASC LIMIT 1",
     "SELECT avg(lead_time_mean_days) FROM supplier_products"),
    # "counting those ...": all of them; "not counting those ...": without them
    ("How many purchase orders do we have, including the ones still open?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM purchase_orders",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open'"),
    ("How many orders are there, not counting those that were cancelled?",
     q(metrics=["order_count"]),
     "SELECT count(*) FROM orders WHERE status != 'cancelled'",
     "SELECT count(*) FROM orders"),
    # the term's own condition denied: all its rows but those
    ("How many purchase orders are not open?", q(metrics=["open_purchase_orders"]),
     "SELECT count(*) FROM purchase_orders WHERE status != 'open'",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open'"),
    # "of everything X, what percentage Y": Y as a share of X
    ("Of everything customers have paid us, what percentage did they get back as refunds?",
     q(metrics=["refunds"]),
     "SELECT sum(amount) FILTER (WHERE transaction_type = 'refund'), sum(amount) FILTER "
     "(WHERE transaction_type = 'payment'), 100.0 * sum(amount) FILTER (WHERE "
     "transaction_type = 'refund') / sum(amount) FILTER (WHERE transaction_type = 'payment') "
     "FROM order_payments",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # "can't buy" is "cannot buy": sold out
    ("How many laptop variants are there that customers can't buy anymore?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) WHERE p.name = "
     "'Laptop' AND NOT v.available",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) WHERE p.name = "
     "'Laptop'"),
    # "no longer available to buy" is sold out, said once; ", and that share ...": the
    # share's clause ends before it
    ("Name the product with the highest share of its variants no longer available to buy, "
     "and that share to one decimal.", q(metrics=["variant_count"]),
     "SELECT product_id, p.name, round(100.0 * count(*) FILTER (WHERE NOT v.available) / "
     "count(*), 1) FROM variants v JOIN products p USING (product_id) GROUP BY 1, 2 "
     "ORDER BY 3 DESC LIMIT 1",
     "SELECT product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE NOT v.available GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # "run out" names out-of-stock positions (the items are counted by them, not by
    # distinct items in stock); a bracket that says so again changes nothing
    ("Which warehouse has run out of the most items (zero units on hand there)? Give its "
     "name and the number of items.", q(metrics=["out_of_stock_items"]),
     "SELECT w.warehouse_id, w.name, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) WHERE s.on_hand = 0 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT w.warehouse_id, w.name, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # a warehouse named where lanes are asked stands for its region (no join reaches it)
    ("Sending parcels out of the Denver site to the west, which carrier is cheapest per "
     "parcel? Give its name and the cost.",
     q(metrics=["shipping_cost"], group_by=["carriers.name"]),
     "SELECT c.name, l.cost_usd FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE l.origin_region = 'mountain' AND l.dest_region = 'west' ORDER BY 2 LIMIT 1",
     "SELECT c.name, l.cost_usd FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE l.origin_region = 'west' AND l.dest_region = 'west' ORDER BY 2 LIMIT 1"),
    # "served from" one end: the other end named is the destination
    ("For customers in the southeast served from the Reno warehouse, which carrier is "
     "cheapest per shipment?", q(metrics=["shipping_cost"], group_by=["carriers.name"]),
     "SELECT c.name, l.cost_usd FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE l.origin_region = 'west' AND l.dest_region = 'southeast' ORDER BY 2 LIMIT 1",
     "SELECT c.name, avg(l.cost_usd) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE l.origin_region IN ('west', 'southeast') GROUP BY 1 ORDER BY 2 LIMIT 1"),
    # "list the destination regions": which ones; "in a single day": at most one
    ("List the destination regions the express carrier reaches in a single day from the "
     "Atlanta site.", q(metrics=["transit_days"]),
     "SELECT l.dest_region, l.transit_days FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE c.service = 'express' AND l.origin_region = 'southeast' "
     "AND l.transit_days <= 1 ORDER BY 1",
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'express' AND l.origin_region = 'southeast'"),
    # "which site sold": the verb ends the subject, a warehouse
    ("Which site sold the fewest units in August 2026? Give its name and the units.",
     q(metrics=["units_sold"]),
     "SELECT s.warehouse_id, w.name, sum(s.quantity) FROM sales_history s JOIN warehouses w "
     "USING (warehouse_id) WHERE s.day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31' "
     "GROUP BY 1, 2 ORDER BY 3 LIMIT 1",
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-08-01' "
     "AND DATE '2026-08-31'"),
    # "12% off or more": at least 12% off
    ("How many products have a volume discount tier that takes 12% off or more?",
     q(metrics=["volume_tiers_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off >= 12",
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off = 12"),
    # "waiting to go out" is pending
    ("How many order lines are still waiting to go out?", q(metrics=["order_lines"]),
     "SELECT count(*) FROM order_items WHERE status = 'pending'",
     "SELECT count(*) FROM order_items"),
    # "a SKU we no longer carry" is sold out, through the order's lines
    ("How many delivered orders had at least one SKU we no longer carry?",
     q(metrics=["order_count"]),
     "SELECT count(DISTINCT o.order_id) FROM orders o JOIN order_items i USING (order_id) "
     "JOIN variants v USING (item_id) WHERE o.status = 'delivered' AND NOT v.available",
     "SELECT count(*) FROM orders WHERE status = 'delivered'"),
    # "between today and ...": from the business date, not on it alone
    ("How many open purchase orders are due between today and November 10, 2026?",
     q(metrics=["open_purchase_orders"]),
     "SELECT count(*) FROM purchase_orders WHERE status = 'open' "
     "AND expected_on BETWEEN DATE '2026-11-01' AND DATE '2026-11-10'",
     "SELECT count(*) FROM purchase_orders WHERE status = 'open' "
     "AND expected_on = DATE '2026-11-01'"),
    # "shoppers based in Texas": where the shoppers live, not where an order went
    ("How many shoppers based in Texas have at least one delivered order?",
     q(metrics=["order_count"], filters=[{"field": "order_state", "op": "=", "value": "TX"}]),
     "SELECT count(DISTINCT u.user_id) FROM users u JOIN orders o USING (user_id) "
     "WHERE u.address ->> '$.state' = 'TX' AND o.status = 'delivered'",
     "SELECT count(DISTINCT user_id) FROM orders "
     "WHERE address ->> '$.state' = 'TX' AND status = 'delivered'"),
    # "SKU-and-site spots": the rows keyed by the two (stock positions), not the sites;
    # "nothing left" is none on hand
    ("Count the SKU-and-site spots with nothing left, among SKUs we no longer sell.",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM stock s JOIN variants v USING (item_id) "
     "WHERE s.on_hand = 0 AND NOT v.available",
     "SELECT count(*) FROM variants WHERE NOT available"),
    # "its price was lowered": price cuts, counted per product
    ("Which product had its price lowered the most times in October 2026?",
     q(metrics=["product_count"]),
     "SELECT product_id, p.name, count(*) FROM price_history h JOIN products p "
     "USING (product_id) WHERE h.price < h.previous_price AND h.effective_on BETWEEN "
     "DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
     "SELECT product_id, p.name, count(*) FROM price_history h JOIN products p "
     "USING (product_id) WHERE h.effective_on BETWEEN "
     "DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # the size of a price rise "in dollars": the money twin of the percent term
    ("In August 2026, what was the average size of a price increase in dollars?",
     q(metrics=["price_change_pct"]),
     "SELECT avg(price - previous_price) FROM price_history WHERE price > previous_price "
     "AND effective_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE price > previous_price "
     "AND effective_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # a named competitor's prices are its money, though a percent term ranked first
    ("What did ShopRival's prices average out to over the items it tracks?",
     q(metrics=["list_margin_pct"]),
     "SELECT avg(price) FROM competitor_prices WHERE competitor = 'ShopRival'",
     "SELECT avg(100 * (v.price - c.unit_cost) / v.price) FROM variants v "
     "JOIN unit_costs c USING (item_id)"),
    # "who bought at least once": times, no bound on the money; the average per buyer
    ("Among shoppers who have paid at least once, what is the average amount paid per "
     "shopper?", q(metrics=["payments"]),
     "SELECT avg(t) FROM (SELECT user_id, sum(amount) AS t FROM order_payments "
     "WHERE transaction_type = 'payment' GROUP BY user_id)",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    # "net of refunds": the term that takes refunds off, with no filter on them
    ("Net of refunds, what have shoppers paid us altogether?", q(metrics=["payments"]),
     "SELECT sum(amount) FILTER (WHERE transaction_type = 'payment') "
     "- sum(amount) FILTER (WHERE transaction_type = 'refund') FROM order_payments",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    # "how far apart are X and Y": their difference
    ("How far apart are the lowest and the highest lane cost of the ground carrier?",
     q(metrics=["min(carrier_lanes.cost_usd)", "max(carrier_lanes.cost_usd)"],
       filters=[{"field": "carriers.service", "op": "=", "value": "ground"}]),
     "SELECT max(l.cost_usd), min(l.cost_usd), max(l.cost_usd) - min(l.cost_usd) "
     "FROM carrier_lanes l JOIN carriers c USING (carrier_id) WHERE c.service = 'ground'",
     "SELECT min(l.cost_usd), max(l.cost_usd) "
     "FROM carrier_lanes l JOIN carriers c USING (carrier_id) WHERE c.service = 'ground'"),
    # "how many ..., and how many of them ...": the count, and again over a part of it
    ("How many promotions have we run in total, and how many of them were percentage "
     "discounts?", q(metrics=["promotion_count"]),
     "SELECT count(*), count(*) FILTER (WHERE kind = 'percent') FROM promotions",
     "SELECT count(*) FROM promotions WHERE kind = 'percent'"),
    # a lead-in sentence before the question ("Where do our parcels end up? Which ...")
    ("Where do our parcels end up? Which 2 cities did the most orders go to, and how many "
     "went to each?", q(metrics=["order_count"]),
     "SELECT address ->> '$.city', count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 2",
     "SELECT count(*) FROM orders"),
    # ... but the first "how many" is the question, not "Count ..." in a later sentence
    ("How many orders have stock held for them in an active reservation? Count orders, not "
     "lines.", q(metrics=["active_reservations"]),
     "SELECT count(DISTINCT order_id) FROM reservations WHERE status = 'active'",
     "SELECT count(*) FROM reservations WHERE status = 'active'"),
    # "... — which are they": a pronoun after the dash, no thing asked for anew
    ("Top 2 suppliers by number of purchase orders — which are they and how many purchase "
     "orders does each have?", q(metrics=["purchase_order_count"]),
     "SELECT s.supplier_id, s.name, count(*) FROM purchase_orders JOIN suppliers s "
     "USING (supplier_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2",
     "SELECT count(*) FROM purchase_orders"),
    # a count's narrower twin said by another of its names: "positions with none left"
    ("Per warehouse, how many stock positions have none left?",
     q(metrics=["stock_count"], group_by=["stock.warehouse_id"]),
     "SELECT s.warehouse_id, w.name, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) WHERE s.on_hand = 0 GROUP BY 1, 2",
     "SELECT s.warehouse_id, w.name, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2"),
    # the whole said first ("of all the money ..., what share was ..."): part over whole
    ("Of all the money customers have paid for their orders, what share was handed back "
     "as refunds?", q(metrics=["refunds"]),
     "SELECT sum(amount) FILTER (WHERE transaction_type = 'refund'), sum(amount) FILTER "
     "(WHERE transaction_type = 'payment'), 100.0 * sum(amount) FILTER (WHERE "
     "transaction_type = 'refund') / sum(amount) FILTER (WHERE transaction_type = 'payment') "
     "FROM order_payments",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund'"),
    # a named term's definition in brackets is no second figure taken off
    ("Which selling region earned the most gross profit in October 2026 (revenue minus "
     "what the units sold cost us)?", q(metrics=["margin"]),
     "SELECT s.region, sum(s.quantity * (s.unit_price - u.unit_cost)) FROM sales_history s "
     "JOIN unit_costs u USING (item_id) "
     "WHERE s.day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 1",
     "SELECT region, sum(quantity * unit_price), sum(quantity), "
     "sum(quantity * unit_price) - sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' GROUP BY 1 "
     "ORDER BY 4 DESC LIMIT 1"),
    # "price minus cost, over price": a formula (divided by), no bound between the two
    ("Which 2 products have the thinnest margin at list price (list price minus unit cost, "
     "over list price, averaged over the product's variants)?",
     q(metrics=["list_margin_pct"]),
     "SELECT v.product_id, p.name, 100 * avg((v.price - u.unit_cost) / v.price) AS m "
     "FROM variants v JOIN unit_costs u USING (item_id) JOIN products p "
     "ON p.product_id = v.product_id GROUP BY 1, 2 ORDER BY m ASC LIMIT 2",
     "SELECT v.product_id, p.name, 100 * avg((v.price - u.unit_cost) / v.price) AS m "
     "FROM variants v JOIN unit_costs u USING (item_id) JOIN products p "
     "ON p.product_id = v.product_id WHERE u.unit_cost > v.price GROUP BY 1, 2 "
     "ORDER BY m ASC LIMIT 2"),
    # "exactly one ..., and how many two or more": each bound's groups counted, one row
    ("How many customers hold exactly one saved payment method, and how many hold two or "
     "more?", q(metrics=["customer_count"]),
     "SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n >= 2) FROM "
     "(SELECT user_id, count(*) AS n FROM user_payment_methods GROUP BY 1)",
     "SELECT count(*) FROM (SELECT user_id FROM user_payment_methods GROUP BY 1 "
     "HAVING count(*) = 1)"),
    ("How many customers have placed exactly one order, and how many have placed more "
     "than three?", q(metrics=["customer_count"]),
     "SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n > 3) FROM "
     "(SELECT user_id, count(*) AS n FROM orders GROUP BY 1)",
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 HAVING count(*) = 1)"),
    # "(sum of each order's lines ...)" says how the figure is made: no row per order
    ("What is the average order value of processed orders (the sum of each order's line "
     "prices, averaged over orders)?", q(metrics=["average_order_value"]),
     "SELECT sum(i.price) / count(DISTINCT i.order_id) FROM order_items i "
     "JOIN orders o USING (order_id) WHERE o.status = 'processed'",
     "SELECT i.order_id, sum(i.price) FROM order_items i "
     "JOIN orders o USING (order_id) WHERE o.status = 'processed' GROUP BY 1"),
    # a sentence after "compare ...:" lists no groups; "how much higher ... than" asks
    ("Let me compare order sizes: how much higher is the average order value of pending "
     "orders than of processed ones?", q(metrics=["average_order_value"]),
     "SELECT sum(price) FILTER (WHERE status = 'pending') / count(DISTINCT order_id) "
     "FILTER (WHERE status = 'pending'), sum(price) FILTER (WHERE status = 'processed') / "
     "count(DISTINCT order_id) FILTER (WHERE status = 'processed'), sum(price) FILTER "
     "(WHERE status = 'pending') / count(DISTINCT order_id) FILTER (WHERE status = "
     "'pending') - sum(price) FILTER (WHERE status = 'processed') / count(DISTINCT "
     "order_id) FILTER (WHERE status = 'processed') FROM order_items",
     "SELECT status, sum(price) / count(DISTINCT order_id) FROM order_items "
     "WHERE status IN ('pending', 'processed') GROUP BY 1"),
    # "<superlative> N <things>": as many as said; slow ranks by the duration asked
    ("Slowest 2 suppliers: average days from placing a purchase order to receiving it, "
     "received orders only - supplier names?", q(metrics=["actual_lead_time"], group_by=["suppliers.name"],
                                 order="desc"),
     "SELECT s.name, avg(date_diff('day', p.ordered_on, p.received_on)) AS d FROM "
     "purchase_orders p JOIN suppliers s USING (supplier_id) WHERE p.status = 'received' "
     "GROUP BY 1 ORDER BY d DESC LIMIT 2",
     "SELECT s.name, avg(date_diff('day', p.ordered_on, p.received_on)) AS d FROM "
     "purchase_orders p JOIN suppliers s USING (supplier_id) WHERE p.status = 'received' "
     "GROUP BY 1"),
    # ... and "by average list price" ranks by the average the label says, not the top price
    ("Priciest 4 products by average list price, with that average?",
     q(metrics=["list_price"], group_by=["products.name"]),
     "SELECT p.name, avg(v.price) AS a FROM variants v JOIN products p USING (product_id) "
     "GROUP BY 1 ORDER BY a DESC LIMIT 4",
     "SELECT p.name, max(v.price) AS a FROM variants v JOIN products p USING (product_id) "
     "GROUP BY 1 ORDER BY a DESC LIMIT 4"),
    # "N units on hand": the column the words after the unit name
    ("How many stock positions hold between 2 and 4 units on hand?",
     q(metrics=["stock_count"]),
     "SELECT count(*) FROM stock WHERE on_hand BETWEEN 2 AND 4",
     "SELECT count(*) FROM stock"),
    # a bound with no unit on the column whose whole name the words before it say
    ("How many SKUs have a cost-to-price ratio below 0.4?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM unit_costs WHERE cost_ratio < 0.4",
     "SELECT count(*) FROM variants"),
    # "<figure> in <period> minus <figure> in <period>": the two periods, the first less
    ("Revenue in October 2026 minus revenue in August 2026?", q(metrics=["revenue"]),
     "SELECT oct, aug, oct - aug FROM (SELECT sum(quantity * unit_price) FILTER (WHERE day "
     "BETWEEN DATE '2026-10-01' AND DATE '2026-10-31') AS oct, sum(quantity * unit_price) "
     "FILTER (WHERE day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31') AS aug "
     "FROM sales_history)",
     "SELECT sum(quantity * unit_price) FROM sales_history"),
    # brackets that say a term's name define it; they lack nothing
    ("Which warehouse has the fewest SKUs out of stock (nothing on hand)? Warehouse name "
     "and how many.", q(metrics=["out_of_stock_items"], group_by=["warehouses.name"]),
     "SELECT w.name, count(*) AS n FROM stock s JOIN warehouses w USING (warehouse_id) "
     "WHERE s.on_hand = 0 GROUP BY 1 ORDER BY n ASC LIMIT 1",
     "SELECT w.name, 0 FROM warehouses w WHERE NOT EXISTS (SELECT 1 FROM stock s "
     "WHERE s.warehouse_id = w.warehouse_id AND s.on_hand = 0)"),
    # "a <name> of at least N%": the percent column so named, of a table the rows reach
    ("How many products offer a quantity discount of 12% or more?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off >= 12",
     "SELECT count(*) FROM products"),
    # "every lane that ties" asks for the rows tied for first, not each lane's extreme
    ("Ground service: what is the shortest transit time in days, and on which lanes? "
     "List every lane that ties.", q(metrics=["min(carrier_lanes.transit_days)"],
                                     group_by=["carrier_lanes.origin_region",
                                               "carrier_lanes.dest_region"]),
     "SELECT l.carrier_id, l.origin_region, l.dest_region, l.transit_days FROM "
     "carrier_lanes l JOIN carriers c USING (carrier_id) WHERE c.service = 'ground' AND l.transit_days = "
     "(SELECT min(transit_days) FROM carrier_lanes JOIN carriers USING (carrier_id) "
     "WHERE service = 'ground')",
     "SELECT l.carrier_id, l.origin_region, l.dest_region, min(l.transit_days) FROM "
     "carrier_lanes l JOIN carriers c USING (carrier_id) WHERE c.service = 'ground' "
     "GROUP BY 1, 2, 3"),
    # "the value of the items in them": the order lines' money beside the orders' count
    ("How many cancelled orders are there, and what is the value of the items in them?",
     q(metrics=["order_count"]),
     "SELECT count(DISTINCT order_id), sum(price) FROM order_items WHERE status = 'cancelled'",
     "SELECT count(*) FROM orders WHERE status = 'cancelled'"),
    # "item positions" are stock rows; "give me the warehouse's state": that column
    ("For each warehouse, how many item positions hold more than 40 units on hand? Give me "
     "the warehouse's state and the count.", q(metrics=["variant_count"],
                                               group_by=["stock.warehouse_id"]),
     "SELECT s.warehouse_id, w.state, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) WHERE s.on_hand > 40 GROUP BY 1, 2",
     "SELECT s.warehouse_id, w.name, count(*) FROM stock s JOIN warehouses w "
     "USING (warehouse_id) WHERE s.on_hand > 40 GROUP BY 1, 2"),
    # "$N left on it": the column the layer's words after the amount name (the balance)
    ("How many customers hold a gift card with more than $100 left on it?",
     q(metrics=["customer_count"]),
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source = 'gift_card' "
     "AND balance > 100",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE source = 'gift_card'"),
    # ... and in a share, the bound is more of the part
    ("What percentage of customers hold a gift card with at least $100 left on it?",
     q(metrics=["customer_count"]),
     "SELECT 100.0 * (SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE "
     "source = 'gift_card' AND balance >= 100) / (SELECT count(*) FROM users)",
     "SELECT 100.0 * (SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE "
     "source = 'gift_card') / (SELECT count(*) FROM users)"),
    # "for the last thirty days" is a period, not the latest day
    ("For the last thirty days, how many units did we sell?", q(metrics=["units_sold"]),
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-10-02' AND "
     "DATE '2026-10-31'",
     "SELECT sum(quantity) FROM sales_history WHERE day = DATE '2026-10-31'"),
    # "of every order" is all of them, no breakdown by order
    ("Of every order we took, what percentage were cancelled?", q(metrics=["order_count"]),
     "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders",
     "SELECT order_id, 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) "
     "FROM orders GROUP BY 1"),
    # "top 3 SKUs by unit cost": the column ranks each SKU, not a count of them
    ("Top 3 SKUs by unit cost", q(metrics=["variant_count"]),
     "SELECT item_id, unit_cost FROM unit_costs ORDER BY unit_cost DESC LIMIT 3",
     "SELECT count(*) FROM variants"),
    # "2 percentage-off promotions" counts promotions, not a percentage
    ("Which products have had at least 3 percentage-off promotions?",
     q(metrics=["promotion_count"]),
     "SELECT p.product_id, pr.name, count(*) FROM promotions p JOIN products pr "
     "USING (product_id) WHERE p.kind = 'percent' GROUP BY 1, 2 HAVING count(*) >= 3",
     "SELECT p.product_id, pr.name, count(*) FROM promotions p JOIN products pr "
     "USING (product_id) WHERE p.kind = 'percent' GROUP BY 1, 2"),
    # the month said around an ISO day is that day's own month, no second date
    ("For the late-October plan: how many promotions were running on 2026-10-20?",
     q(metrics=["active_promotions"]),
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-10-20' "
     "AND ends_on >= DATE '2026-10-20'",
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-11-01' "
     "AND ends_on >= DATE '2026-11-01'"),
    # one end said after "into" is the destination
    ("What does ground shipping into the west cost on average?", q(metrics=["shipping_cost"]),
     "SELECT avg(cost_usd) FROM carrier_lanes JOIN carriers USING (carrier_id) "
     "WHERE service = 'ground' AND dest_region = 'west'",
     "SELECT avg(cost_usd) FROM carrier_lanes JOIN carriers USING (carrier_id) "
     "WHERE service = 'ground' AND origin_region = 'west'"),
    # units sold while a promotion ran: the days within its own dates, reached through
    # its product (every promotion has one; few name a variant)
    ("How many Bicycle units did we sell while the 15% off Bicycle promotion ran?",
     q(metrics=["promotion_count"]),
     "SELECT sum(s.quantity) FROM sales_history s JOIN promotions p USING (product_id) "
     "WHERE p.name = '15% off Bicycle' AND s.day BETWEEN p.starts_on AND p.ends_on",
     "SELECT sum(s.quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Bicycle'"),
    # two counts asked in long clauses, each said in other words than its name, in order
    ("In August 2026, how many times did we raise a list price and how many times did we "
     "cut a list price?", q(metrics=["price_changes"]),
     "SELECT count(*) FILTER (WHERE price > previous_price), count(*) FILTER (WHERE price < "
     "previous_price), count(*) FILTER (WHERE price > previous_price) - count(*) FILTER "
     "(WHERE price < previous_price) FROM price_history WHERE effective_on BETWEEN "
     "DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT count(*) FROM price_history WHERE effective_on BETWEEN DATE '2026-08-01' AND "
     "DATE '2026-08-31' AND price > previous_price AND price < previous_price"),
    # "on which date ... the fewest": a day picked by the superlative
    ("On which date in September 2026 did we sell the fewest units?",
     q(metrics=["units_sold"]),
     "SELECT day, sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-09-01' AND "
     "DATE '2026-09-30' GROUP BY 1 ORDER BY 2 ASC LIMIT 1",
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-09-01' AND "
     "DATE '2026-09-30'"),
    # "what do cancelled orders average out to": the average of the per-order totals
    ("Totalling item prices per order, what do cancelled orders average out to?",
     q(metrics=["order_value"], group_by=["order_items.order_id"]),
     "SELECT avg(total) FROM (SELECT order_id, sum(price) AS total FROM order_items "
     "WHERE status = 'cancelled' GROUP BY 1)",
     "SELECT order_id, sum(price) FROM order_items WHERE status = 'cancelled' GROUP BY 1"),
    # "the average variant unit cost": the thing said before a column says whose it is
    ("Which three products have the highest average variant unit cost?",
     q(metrics=["list_price"]),
     "SELECT c.product_id, p.name, avg(c.unit_cost) FROM unit_costs c JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3",
     "SELECT v.product_id, p.name, avg(v.price) FROM variants v JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3"),
    # "what share of X lowered the price": no "were"; the part is the condition said
    # after the rows
    ("What share of price changes lowered the price?", q(metrics=["price_changes"]),
     "SELECT 100.0 * count(*) FILTER (WHERE price < previous_price) / count(*) "
     "FROM price_history WHERE previous_price IS NOT NULL",
     "SELECT count(*) FROM price_history WHERE previous_price IS NOT NULL"),
    # ... and the rows said before, with how they were recorded
    ("Of every price change recorded so far (first prices excluded), what share raised "
     "the price?", q(metrics=["price_changes"]),
     "SELECT 100.0 * count(*) FILTER (WHERE price > previous_price) / count(*) "
     "FROM price_history WHERE previous_price IS NOT NULL",
     "SELECT count(*) FROM price_history WHERE previous_price IS NOT NULL"),
    # "how much" of a count of rows with one amount: the amount (each one's: the average)
    ("Typically, how much does a single refund transaction come to?",
     q(metrics=["refund_count"]),
     "SELECT avg(amount) FROM order_payments WHERE transaction_type = 'refund'",
     "SELECT count(*) FROM order_payments WHERE transaction_type = 'refund'"),
    # the term's own word ("received") dates it, nearer the month than "placed"
    ("What total of units did we get in, received during August 2026, against purchase "
     "orders placed with suppliers in China?", q(metrics=["units_received"]),
     "SELECT sum(quantity) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE status = 'received' AND country = 'CN' AND received_on BETWEEN "
     "DATE '2026-08-01' AND DATE '2026-08-31'",
     "SELECT sum(quantity) FROM purchase_orders JOIN suppliers USING (supplier_id) "
     "WHERE status = 'received' AND country = 'CN' AND ordered_on BETWEEN "
     "DATE '2026-08-01' AND DATE '2026-08-31'"),
    # "a discount of 15% or more" on a quantity tier: the tiers' percent, by its head word
    ("How many products have a quantity tier with a discount of 15% or more?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off >= 15",
     "SELECT count(DISTINCT product_id) FROM volume_tiers"),
    # "how many orders has each placed on average", among the customers said first: the
    # average over the customers that pass the bound
    ("Among customers with at least 3 orders, how many orders has each placed on average?",
     q(metrics=["order_count"]),
     "SELECT avg(n) FROM (SELECT user_id, count(*) AS n FROM orders GROUP BY 1 "
     "HAVING count(*) >= 3)",
     "SELECT count(*) FROM orders"),
    # a hyphenated name before "of N%" ("bulk-buy discount") names the column
    ("How many products offer a bulk-buy discount of 12 percent or more?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off >= 12",
     "SELECT count(*) FROM products"),
    # "have not had a single order cancelled": none of the orders that were
    ("How many customers have not had a single order cancelled?",
     q(metrics=["customer_count"]),
     "SELECT count(*) FROM users WHERE user_id NOT IN "
     "(SELECT user_id FROM orders WHERE status = 'cancelled')",
     "SELECT count(DISTINCT user_id) FROM orders WHERE status = 'cancelled'"),
    # "between X and Y" bounds a figure per group as "more than X" does, both ends in
    ("How many customers have placed between 2 and 4 orders?", q(metrics=["customer_count"]),
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 "
     "HAVING count(*) BETWEEN 2 AND 4)", "SELECT count(*) FROM users"),
    # on how many days: the bound is on the day's total, which no row holds
    ("On how many days in September 2026 did total units sold come to between 1000 and "
     "1300?", q(metrics=["units_sold"]),
     "SELECT count(*) FROM (SELECT day FROM sales_history WHERE day BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30' GROUP BY 1 HAVING sum(quantity) BETWEEN 1000 AND 1300)",
     "SELECT sum(quantity) FROM sales_history WHERE day BETWEEN DATE '2026-09-01' "
     "AND DATE '2026-09-30'"),
    # "and how many of those": a bound on each row stays on the rows, the part is the subset
    ("How many carrier lanes take more than 4 days in transit, and how many of those are "
     "ground service?", q(metrics=["carrier_lanes_count"]),
     "SELECT count(*), count(*) FILTER (WHERE c.service = 'ground') FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) WHERE l.transit_days > 4",
     "SELECT count(*), count(*) FILTER (WHERE c.service = 'ground') FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id)"),
    # a count named says which rows; "the most units ... how many units" asks their units
    ("Outstanding purchase orders by supplier: which 2 suppliers (names) have the most units "
     "inbound, and how many units each?", q(metrics=["open_purchase_orders"]),
     "SELECT supplier_id, s.name, sum(p.quantity) AS u FROM purchase_orders p "
     "JOIN suppliers s USING (supplier_id) WHERE p.status = 'open' GROUP BY 1, 2 "
     "ORDER BY u DESC LIMIT 2",
     "SELECT supplier_id, s.name, count(*) AS n FROM purchase_orders p "
     "JOIN suppliers s USING (supplier_id) WHERE p.status = 'open' GROUP BY 1, 2 "
     "ORDER BY n DESC LIMIT 2"),
    # the part of a percentage named in the lead clause, its definition between
    ("Gross margin for September 2026 - revenue minus units times unit cost, as a percentage "
     "of revenue, to two decimals.", q(metrics=["margin"]),
     "SELECT round(sum(s.quantity * (s.unit_price - u.unit_cost)), 2), "
     "round(sum(s.quantity * s.unit_price), 2), "
     "round(100 * sum(s.quantity * (s.unit_price - u.unit_cost)) / "
     "sum(s.quantity * s.unit_price), 2) FROM sales_history s JOIN unit_costs u "
     "USING (item_id) WHERE s.day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT round(sum(s.quantity * (s.unit_price - u.unit_cost)), 2) FROM sales_history s "
     "JOIN unit_costs u USING (item_id) WHERE s.day BETWEEN DATE '2026-09-01' AND "
     "DATE '2026-09-30'"),
    # "the month as a number": months as 7, 8, 9
    ("Units sold by month in Q3 2026, with the month as a number.", q(metrics=["units_sold"]),
     "SELECT month(day), sum(quantity) FROM sales_history WHERE day BETWEEN "
     "DATE '2026-07-01' AND DATE '2026-09-30' GROUP BY 1",
     "SELECT date_trunc('month', day), sum(quantity) FROM sales_history WHERE day BETWEEN "
     "DATE '2026-07-01' AND DATE '2026-09-30' GROUP BY 1"),
    # the model's count of regions, its words scattered, gives way to the things ranked
    ("Which customer region, by the state on the address, is home to the most customers? "
     "Give the region and how many.", q(metrics=["state_regions_count"]),
     "SELECT r.region, count(*) AS n FROM users u JOIN state_regions r "
     "ON r.state = u.address ->> '$.state' GROUP BY 1 ORDER BY n DESC LIMIT 1",
     "SELECT r.region, count(*) AS n FROM state_regions r GROUP BY 1 ORDER BY n DESC LIMIT 1"),
    # how many and what share: the part's count beside its share
    ("How many orders were cancelled, and what share of all orders is that, as a percentage "
     "to one decimal?", q(metrics=["order_count"]),
     "SELECT count(*) FILTER (WHERE status = 'cancelled'), "
     "round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) FROM orders",
     "SELECT round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) "
     "FROM orders"),
    # "has the most stock positions where ...": the model's count of the things ranked,
    # not of the reservations said after them
    ("Which warehouse has the most stock positions where every unit on hand is reserved? "
     "Warehouse id and how many positions.", q(metrics=["stock_count"]),
     "SELECT warehouse_id, w.name, count(*) AS n FROM stock JOIN warehouses w "
     "USING (warehouse_id) WHERE on_hand > 0 AND reserved >= on_hand GROUP BY 1, 2 "
     "ORDER BY n DESC LIMIT 1",
     "SELECT warehouse_id, w.name, count(*) AS n FROM reservations JOIN warehouses w "
     "USING (warehouse_id) WHERE EXISTS (SELECT 1 FROM stock s WHERE s.item_id = "
     "reservations.item_id AND s.on_hand > 0 AND s.reserved >= s.on_hand) GROUP BY 1, 2 "
     "ORDER BY n DESC LIMIT 1"),
    # a stored participle said as its verb after "did": 'delivered' as "did we deliver"
    ("How many orders did we not deliver?", q(metrics=["order_count"]),
     "SELECT count(*) FROM orders WHERE status <> 'delivered'", "SELECT count(*) FROM orders"),
    ("How many orders did we cancel?", q(metrics=["order_count"]),
     "SELECT count(*) FROM orders WHERE status = 'cancelled'", "SELECT count(*) FROM orders"),
    # "by how much does X cost less than Y": the difference of the figure over the two
    ("Averaged over lanes, by how much does economy shipping cost less than express "
     "shipping? Give it to 2 decimals.", q(metrics=["shipping_cost"]),
     "SELECT round(avg(l.cost_usd) FILTER (WHERE c.service = 'express'), 2), "
     "round(avg(l.cost_usd) FILTER (WHERE c.service = 'economy'), 2), "
     "round(avg(l.cost_usd) FILTER (WHERE c.service = 'express') - "
     "avg(l.cost_usd) FILTER (WHERE c.service = 'economy'), 2) "
     "FROM carrier_lanes l JOIN carriers c USING (carrier_id)",
     "SELECT round(avg(l.cost_usd), 2) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service IN ('express', 'economy')"),
    # a negation before a hyphenated name ("not sold-out") negates it as it does the words
    ("How many variants are not sold-out?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants WHERE available", "SELECT count(*) FROM variants"),
    # the things whose rows all pass, listed by the name a person reads
    ("Which products can be bought in every one of their variants, none sold out? Product "
     "names.", q(metrics=["variant_count"]),
     "SELECT v.product_id, p.name, count(*) FROM variants v JOIN products p USING (product_id) "
     "GROUP BY 1, 2 HAVING bool_and(v.available)",
     "SELECT product_id, count(*) FROM variants GROUP BY 1 HAVING bool_and(available)"),
    # a count of times after a segment's own words ("price raised"): those events per thing
    ("How many variants have had their price raised more than twice?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM price_history WHERE price > previous_price "
     "GROUP BY 1 HAVING count(*) > 2)",
     "SELECT count(*) FROM (SELECT item_id FROM competitor_prices GROUP BY 1 "
     "HAVING count(*) > 2)"),
    # "N or more" with no unit after it, and a column the question names in full
    ("How many products have a main supplier with a minimum order quantity of 30 or more?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary "
     "AND min_order_qty >= 30",
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary"),
    ("How many products does a main supplier sell with a minimum order quantity of 30 units "
     "or more?", q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary "
     "AND min_order_qty >= 30",
     "SELECT count(DISTINCT product_id) FROM supplier_products WHERE is_primary"),
    # "aren't on hand at any site": nothing on hand, summed over the sites
    ("How many SKUs aren't on hand at any site?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 HAVING sum(on_hand) = 0)",
     "SELECT count(*) FROM variants"),
    # "tell me the name of the cheapest carrier": the carrier that ranks first, named
    ("Could you tell me the name of the cheapest carrier from the southeast to the midwest, "
     "and its cost?", q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS cost FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE origin_region = 'southeast' AND dest_region = 'midwest' "
     "GROUP BY 1, 2 ORDER BY cost LIMIT 1",
     "SELECT avg(cost_usd) FROM carrier_lanes WHERE origin_region = 'southeast' "
     "AND dest_region = 'midwest'"),
    # "the highest cost relative to what we sell them for": a ranking by the ratio, not cost
    ("Which three products have the highest cost relative to what we sell them for? Ratio "
     "to 3 decimals.", q(metrics=["cost_ratio"]),
     "SELECT u.product_id, p.name, round(avg(u.cost_ratio), 3) AS r FROM unit_costs u "
     "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY r DESC LIMIT 3",
     "SELECT s.product_id, p.name, sum(s.quantity * u.unit_cost) AS c FROM sales_history s "
     "JOIN unit_costs u USING (item_id) JOIN products p ON p.product_id = s.product_id "
     "GROUP BY 1, 2 ORDER BY c DESC LIMIT 3"),
    # days a parcel "spends" in transit are time, not money: averaged as the term is
    ("How many days does a parcel spend in transit on average for each carrier?",
     q(metrics=["transit_days"]),
     "SELECT l.carrier_id, c.name, avg(l.transit_days) FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2",
     "SELECT avg(t) FROM (SELECT carrier_id, sum(transit_days) AS t FROM carrier_lanes "
     "GROUP BY 1)"),
    # a place things are "shipped to" is where the orders go, not where their buyers live
    ("What are the items worth in orders shipped to addresses in the west region?",
     q(metrics=["order_value"]),
     "SELECT sum(i.price) FROM order_items i JOIN orders o USING (order_id) "
     "JOIN state_regions r ON r.state = o.address ->> '$.state' WHERE r.region = 'west'",
     "SELECT sum(i.price) FROM order_items i JOIN users u USING (user_id) "
     "JOIN state_regions r ON r.state = u.address ->> '$.state' WHERE r.region = 'west'"),
    # a label's last word alone ("cost") in a list of figures names the table's one such term
    ("Show every carrier with its cost and transit days on the lanes from the midwest to "
     "the southeast.", q(metrics=["transit_days"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd), avg(l.transit_days) FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) WHERE origin_region = 'midwest' "
     "AND dest_region = 'southeast' GROUP BY 1, 2",
     "SELECT l.carrier_id, c.name, avg(l.transit_days) FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) WHERE origin_region = 'midwest' "
     "AND dest_region = 'southeast' GROUP BY 1, 2"),
    # "which 4 customer home states": the compound ends the customer-state dimension's label
    ("Which 4 customer home states had the most refunds paid out, in dollars?",
     q(metrics=["refunds"]),
     "SELECT u.address ->> '$.state' AS st, sum(p.amount) AS r FROM order_payments p "
     "JOIN users u USING (user_id) WHERE p.transaction_type = 'refund' GROUP BY 1 "
     "ORDER BY r DESC LIMIT 4",
     "SELECT user_id, sum(amount) AS r FROM order_payments WHERE transaction_type = 'refund' "
     "GROUP BY 1 ORDER BY r DESC LIMIT 4"),
    # "a quantity discount of more than 12% off": the discount so named, of a table reached
    ("How many products give a quantity discount of more than 12% off?",
     q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers WHERE percent_off > 12",
     "SELECT count(*) FROM products"),
    # a lead time "from order placement to receipt" is the one taken, not the one quoted
    ("What is the average lead time from order placement to receipt of each supplier, in "
     "days?", q(metrics=["actual_lead_time"]),
     "SELECT p.supplier_id, s.name, avg(date_diff('day', p.ordered_on, p.received_on)) "
     "FROM purchase_orders p JOIN suppliers s USING (supplier_id) "
     "WHERE p.status = 'received' GROUP BY 1, 2",
     "SELECT p.supplier_id, s.name, avg(p.lead_time_mean_days) FROM supplier_products p "
     "JOIN suppliers s USING (supplier_id) GROUP BY 1, 2"),
    # "how many products have a promotion": those among the promotions' rows, also when the
    # model already counts products; a table keyed by the product and more holds some
    ("How many products have a promotion?", q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM promotions", "SELECT count(*) FROM products"),
    ("How many products have volume tiers?", q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers", "SELECT count(*) FROM products"),
    # a period compared with one said in brackets: each a column, no breakdown by week
    ("How did units sold in the week of 12 to 18 October 2026 compare with the week before "
     "(5 to 11 October)? Give both weekly totals.", q(metrics=["units_sold"]),
     "SELECT sum(quantity) FILTER (WHERE day BETWEEN '2026-10-12' AND '2026-10-18') AS a, "
     "sum(quantity) FILTER (WHERE day BETWEEN '2026-10-05' AND '2026-10-11') AS b, a - b "
     "FROM sales_history",
     "SELECT date_trunc('week', day), sum(quantity) FROM sales_history "
     "WHERE day BETWEEN '2026-10-12' AND '2026-10-18' GROUP BY 1"),
    # "the highest unit cost relative to its list price": the ratio term stands
    ("Which product carries the highest unit cost relative to its list price, and what is "
     "the ratio?", q(metrics=["cost_ratio"]),
     "SELECT u.product_id, p.name, avg(u.cost_ratio) AS r FROM unit_costs u "
     "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY r DESC LIMIT 1",
     "SELECT u.product_id, p.name, max(u.unit_cost) AS c FROM unit_costs u "
     "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY c DESC LIMIT 1"),
    # "the lowest share sitting at zero units": a share ranked, its part said with no "of"
    ("Among its stock positions, which warehouse has the lowest share sitting at zero units "
     "on hand?", q(metrics=["out_of_stock_items"]),
     "SELECT s.warehouse_id, w.name, 100.0 * count(*) FILTER (WHERE s.on_hand = 0) / count(*) "
     "AS pct FROM stock s JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 "
     "ORDER BY pct LIMIT 1",
     "SELECT s.warehouse_id, w.name, count(*) FILTER (WHERE s.on_hand = 0) AS n FROM stock s "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY n LIMIT 1"),
    # "a US state": a country said of a state describes where it lies; the suppliers'
    # country, four joins away, is no filter on the orders
    ("What percentage of orders were sent to a US state different from the customer's own "
     "state?", q(metrics=["order_count"]),
     "SELECT 100.0 * count(*) FILTER (WHERE o.address ->> '$.state' <> u.address ->> '$.state')"
     " / count(*) FROM orders o JOIN users u USING (user_id)",
     "SELECT 100.0 * count(DISTINCT o.order_id) FILTER (WHERE o.address ->> '$.state' <> "
     "u.address ->> '$.state' AND EXISTS (SELECT 1 FROM order_items i JOIN purchase_orders p "
     "USING (item_id) JOIN suppliers s USING (supplier_id) WHERE i.order_id = o.order_id AND "
     "s.country = 'US')) / count(DISTINCT o.order_id) FROM orders o JOIN users u "
     "USING (user_id)"),
    # "placed orders but not had a single order cancelled": the customers with orders, none
    # of them cancelled (the lines' status said of the orders lacked)
    ("How many customers have placed orders but have not had a single order cancelled?",
     q(metrics=["customer_count"], filters=[
         {"field": "order_items.status", "op": "=", "value": "cancelled"}]),
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 "
     "HAVING count(*) FILTER (WHERE status = 'cancelled') = 0)",
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id AND o.status = 'cancelled')"),
    # "can shoppers actually still buy" says "can still buy" (still available)
    ("How many of the backpack variants can shoppers actually still buy?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Backpack' AND v.available",
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Backpack'"),
    # "how many of the stainless steel coffee maker versions": the words before the table's
    # name describe the things counted (versions), not another table
    ("How many of the stainless steel coffee maker versions are there in total?",
     q(metrics=["open_purchase_orders"]),
     "SELECT count(*) FROM variants v JOIN products p USING (product_id) "
     "WHERE p.name = 'Coffee Maker' AND v.options ->> '$.color' = 'stainless steel'",
     "SELECT count(*) FROM purchase_orders o JOIN variants v USING (item_id) "
     "JOIN products p ON p.product_id = v.product_id WHERE o.status = 'open' "
     "AND p.name = 'Coffee Maker' AND v.options ->> '$.color' = 'stainless steel'"),
    # "for each product with more than 12 variants, how many of its variants are sold out":
    # the bound on all its variants, the figure over those sold out, per product
    ("For each product with more than 12 variants, how many of its variants are sold out?",
     q(metrics=["variant_count"]),
     "SELECT p.product_id, p.name, count(*), count(*) FILTER (WHERE NOT v.available) "
     "FROM variants v JOIN products p USING (product_id) GROUP BY 1, 2 HAVING count(*) > 12",
     "SELECT count(*) FROM (SELECT product_id FROM variants WHERE NOT available GROUP BY 1 "
     "HAVING count(*) > 12)"),
    # "what percentage by count": the refunds counted, not their amount summed (the term's
    # own condition kept as a filter)
    ("Of all refunds, what percentage by count went back to a gift card? 1 decimal.",
     q(metrics=["refunds"]),
     "SELECT round(100.0 * count(*) FILTER (WHERE m.source = 'gift_card') / count(*), 1) "
     "FROM order_payments p JOIN user_payment_methods m USING (payment_method_id) "
     "WHERE p.transaction_type = 'refund'",
     "SELECT round(100.0 * sum(amount) FILTER (WHERE m.source = 'gift_card') / sum(amount), 1)"
     " FROM order_payments p JOIN user_payment_methods m USING (payment_method_id) "
     "WHERE p.transaction_type = 'refund'"),
    # "into the region that Ohio belongs to": the destination, said by a state in it
    ("What is the average transit time of ground lanes into the region that Ohio belongs to?",
     q(metrics=["transit_days"]),
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'ground' AND l.dest_region = 'midwest'",
     "SELECT avg(l.transit_days) FROM carrier_lanes l JOIN carriers c USING (carrier_id) "
     "WHERE c.service = 'ground' AND l.origin_region = 'midwest'"),
    # "how many Water Bottle units": units asked, the product's name between
    ("How many Water Bottle units did we sell in September 2026?",
     q(metrics=["cost_of_goods"]),
     "SELECT sum(s.quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Water Bottle' AND s.day BETWEEN '2026-09-01' AND '2026-09-30'",
     "SELECT sum(s.quantity * c.unit_cost) FROM sales_history s "
     "JOIN unit_costs c USING (item_id) JOIN products p ON p.product_id = s.product_id "
     "WHERE p.name = 'Water Bottle' AND s.day BETWEEN '2026-09-01' AND '2026-09-30'"),
    # "count each item once" says no "every item" whose opposite is lacked: the condition
    # said stands
    ("How many items can we still sell? Count each item once.", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants WHERE available",
     "SELECT count(*) FROM variants WHERE NOT available"),
    # "weighted by units sold": the weight of the average asked, not the figure
    ("Weighted by units sold, what did a backpack sell for on average in September 2026?",
     q(metrics=["average_selling_price"]),
     "SELECT sum(s.quantity * s.unit_price) / sum(s.quantity) FROM sales_history s "
     "JOIN products p USING (product_id) WHERE p.name = 'Backpack' "
     "AND s.day BETWEEN '2026-09-01' AND '2026-09-30'",
     "SELECT sum(s.quantity) FROM sales_history s JOIN products p USING (product_id) "
     "WHERE p.name = 'Backpack' AND s.day BETWEEN '2026-09-01' AND '2026-09-30'"),
    # "higher than theirs": the same column on the table the question says (a competitor's)
    ("Going by ShopRival's prices on October 18, 2026, how many of our variants have a list "
     "price higher than theirs?", q(metrics=["competitor_prices_count"]),
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) "
     "WHERE c.competitor = 'ShopRival' AND c.observed_on = '2026-10-18' AND v.price > c.price",
     "SELECT count(*) FROM competitor_prices c "
     "WHERE c.competitor = 'ShopRival' AND c.observed_on = '2026-10-18'"),
    # a figure (not a count) of the rows that lack what the negation names
    ("Total value at unit cost of on-hand stock for SKUs with no sales during September 2026?",
     q(metrics=["stock_value"]),
     "SELECT sum(s.on_hand * u.unit_cost) FROM stock s JOIN unit_costs u USING (item_id) "
     "WHERE s.item_id NOT IN (SELECT item_id FROM sales_history "
     "WHERE day BETWEEN '2026-09-01' AND '2026-09-30')",
     "SELECT sum(s.on_hand * u.unit_cost) FROM stock s JOIN unit_costs u USING (item_id)"),
    # "discounts" inside "bulk-buy discounts" (volume tiers) names no promotion
    ("How many products have bulk-buy discounts?", q(metrics=["product_count"]),
     "SELECT count(DISTINCT product_id) FROM volume_tiers",
     "SELECT count(*) FROM products"),
    # "which warehouse has stock reserved for the most orders": the different orders among
    # its reservations, not its reservations
    ("Which warehouse has stock reserved for the most different pending orders? Give its city.",
     q(metrics=["order_count"]),
     "SELECT r.warehouse_id, w.city, count(DISTINCT r.order_id) AS n FROM reservations r "
     "JOIN warehouses w USING (warehouse_id) JOIN orders o USING (order_id) "
     "WHERE o.status = 'pending' GROUP BY 1, 2 ORDER BY n DESC LIMIT 1",
     "SELECT r.warehouse_id, w.city, count(*) AS n FROM reservations r "
     "JOIN warehouses w USING (warehouse_id) JOIN orders o USING (order_id) "
     "WHERE o.status = 'pending' GROUP BY 1, 2 ORDER BY n DESC LIMIT 1"),
    # "what percentage were cancelled": the whole said before it
    ("Looking only at orders shipped to Texas, what percentage were cancelled?",
     q(metrics=["order_count"]),
     "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders "
     "WHERE address ->> '$.state' = 'TX'",
     "SELECT count(*) FROM orders WHERE status = 'cancelled' AND address ->> '$.state' = 'TX'"),
    # a deal of a product grouped by: through the product, not the one variant a few name
    ("For each product with a deal live on 15 October 2026, how many units do we have on "
     "hand? Product names.", q(metrics=["on_hand"]),
     "SELECT v.product_id, p.name, sum(s.on_hand) FROM stock s JOIN variants v USING (item_id) "
     "JOIN products p USING (product_id) WHERE p.product_id IN (SELECT product_id FROM "
     "promotions WHERE starts_on <= '2026-10-15' AND ends_on >= '2026-10-15') GROUP BY 1, 2",
     "SELECT v.product_id, p.name, sum(s.on_hand) FROM stock s JOIN variants v USING (item_id) "
     "JOIN products p USING (product_id) WHERE v.item_id IN (SELECT item_id FROM "
     "promotions WHERE starts_on <= '2026-10-15' AND ends_on >= '2026-10-15') GROUP BY 1, 2"),
    # a units term said just before the bound, nothing after it: bounded per thing counted
    ("How many variants that can still be bought have an available to promise quantity "
     "below 5?", q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v WHERE v.available AND "
     "(SELECT sum(on_hand - reserved) FROM stock s WHERE s.item_id = v.item_id) < 5",
     "SELECT count(*) FROM variants WHERE available"),
    # ... by its longest name said ("unreserved stock", not "stock": units on hand)
    ("How many variants that can still be bought have unreserved stock of less than 5?",
     q(metrics=["variant_count"]),
     "SELECT count(*) FROM variants v WHERE v.available AND "
     "(SELECT sum(on_hand - reserved) FROM stock s WHERE s.item_id = v.item_id) < 5",
     "SELECT count(*) FROM variants v WHERE v.available AND "
     "(SELECT sum(on_hand) FROM stock s WHERE s.item_id = v.item_id) < 5"),
    # a second ask counting another table's things: their keys among the figure's rows
    ("How much have customers paid us in total, and across how many orders?",
     q(metrics=["payments"]),
     "SELECT sum(amount), count(DISTINCT order_id) FROM order_payments "
     "WHERE transaction_type = 'payment'",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    ("What did customers get back as refunds, and for how many orders was that?",
     q(metrics=["refunds"]),
     "SELECT sum(amount), count(DISTINCT order_id) FROM order_payments "
     "WHERE transaction_type = 'refund'",
     "SELECT sum(amount), count(DISTINCT order_id) FROM order_payments"),
    # "the highest ..., averaged over": the superlative ranks, the figure is an average
    ("Which 3 products have the highest unit cost, averaged over their variants? Give "
     "product names.", q(metrics=["max(unit_costs.unit_cost)"]),
     "SELECT u.product_id, p.name, avg(u.unit_cost) FROM unit_costs u JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3",
     "SELECT u.product_id, p.name, max(u.unit_cost) FROM unit_costs u JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 3"),
    # "days in transit": the transit days, listed beside the cost
    ("Show the days in transit and cost each carrier quotes from the midwest to the west.",
     q(metrics=["transit_days"], filters=[
         {"field": "carrier_lanes.origin_region", "op": "=", "value": "midwest"},
         {"field": "carrier_lanes.dest_region", "op": "=", "value": "west"}]),
     "SELECT l.carrier_id, c.name, l.transit_days, l.cost_usd FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) WHERE origin_region = 'midwest' "
     "AND dest_region = 'west'",
     "SELECT l.carrier_id, c.name, l.transit_days FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) WHERE origin_region = 'midwest' "
     "AND dest_region = 'west'"),
    # values listed, then "each": one row for each of them
    ("How many units did the west and the midwest each sell?",
     q(metrics=["units_sold"],
       filters=[{"field": "sales_history.region", "op": "in", "value": ["west", "midwest"]}]),
     "SELECT region, sum(quantity) FROM sales_history WHERE region IN ('west', 'midwest') "
     "GROUP BY 1",
     "SELECT sum(quantity) FROM sales_history WHERE region IN ('west', 'midwest')"),
    ("What revenue did the northeast and the southeast each bring in?",
     q(metrics=["revenue"]),
     "SELECT region, sum(quantity * unit_price) FROM sales_history "
     "WHERE region IN ('northeast', 'southeast') GROUP BY 1",
     "SELECT sum(quantity * unit_price) FROM sales_history "
     "WHERE region IN ('northeast', 'southeast')"),
    # "zero X": none of them (no group of X rows has none)
    ("How many products have zero promotions?", q(metrics=["product_count"]),
     "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM promotions r "
     "WHERE r.product_id = p.product_id)",
     "SELECT 0"),
    ("How many suppliers have zero open purchase orders?", q(metrics=["suppliers_count"]),
     "SELECT count(*) FROM suppliers s WHERE NOT EXISTS (SELECT 1 FROM purchase_orders p "
     "WHERE p.supplier_id = s.supplier_id AND p.status = 'open')",
     "SELECT count(*) FROM suppliers"),
    # money asked of a units term: the money term of the same table
    ("Which supplier do we have the most money tied up with in purchase orders not yet "
     "received?", q(metrics=["units_on_order"], filters=[
         {"field": "purchase_orders.status", "op": "=", "value": "open"}]),
     "WITH v AS (SELECT p.supplier_id, s.name, sum(p.quantity * p.unit_cost) AS v "
     "FROM purchase_orders p JOIN suppliers s USING (supplier_id) WHERE p.status = 'open' "
     "GROUP BY 1, 2) SELECT * FROM v WHERE v = (SELECT max(v) FROM v)",
     "WITH v AS (SELECT p.supplier_id, s.name, sum(p.quantity) AS v "
     "FROM purchase_orders p JOIN suppliers s USING (supplier_id) WHERE p.status = 'open' "
     "GROUP BY 1, 2) SELECT * FROM v WHERE v = (SELECT max(v) FROM v)"),
    # "how many units ..., and how many of those are reserved": the whole beside the part
    ("How many units sit in our warehouses, and how many of those are set aside already?",
     q(metrics=["reserved_units"]),
     "SELECT sum(on_hand), sum(reserved) FROM stock", "SELECT sum(reserved) FROM stock"),
    # two asks, each counting a table of its own: both totals, side by side
    ("How many products are in the range, and how many versions of them exist?",
     q(metrics=["product_count"]),
     "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM variants)",
     "SELECT count(*) FROM products"),
    # "which of the carriers": which carriers
    ("Which of the carriers charges the least per lane on average? Give its name.",
     q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS a FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2 ORDER BY a LIMIT 1",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    # a figure already per order is asked once, not once per order
    ("What does an order come to on average, taking the item prices per order, averaged?",
     q(metrics=["average_order_value"]),
     "SELECT sum(price) / count(DISTINCT order_id) FROM order_items",
     "SELECT order_id, sum(price) FROM order_items GROUP BY 1"),
    # a question that starts with the quantity asks for units
    ("Quantity still outstanding on open purchase orders for each supplier? Supplier id and units.",
     q(metrics=["open_purchase_orders"], group_by=["purchase_orders.supplier_id"]),
     "SELECT p.supplier_id, s.name, sum(p.quantity) FROM purchase_orders p JOIN suppliers s "
     "USING (supplier_id) WHERE p.status = 'open' GROUP BY 1, 2",
     "SELECT p.supplier_id, s.name, count(*) FROM purchase_orders p JOIN suppliers s "
     "USING (supplier_id) WHERE p.status = 'open' GROUP BY 1, 2"),
    # the columns listed after a comma: the city, not the name
    ("Revenue by warehouse in October, warehouse city and revenue",
     q(metrics=["revenue"], group_by=["sales_history.warehouse_id"],
       filters=[{"field": "sales_history.day", "op": "between", "value": ["2026-10-01", "2026-10-31"]}]),
     "SELECT s.warehouse_id, w.city, sum(s.quantity * s.unit_price) FROM sales_history s JOIN "
     "warehouses w USING (warehouse_id) WHERE s.day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' "
     "GROUP BY 1, 2",
     "SELECT s.warehouse_id, w.name, sum(s.quantity * s.unit_price) FROM sales_history s JOIN "
     "warehouses w USING (warehouse_id) WHERE s.day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' "
     "GROUP BY 1, 2"),
    # a number and a superlative before the things ranked: which things, that many
    ("the 3 cheapest carriers by average lane cost, with their names", q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS a FROM carrier_lanes l "
     "JOIN carriers c USING (carrier_id) GROUP BY 1, 2 ORDER BY a LIMIT 3",
     "SELECT avg(cost_usd) FROM carrier_lanes"),
    # "the total units" beside a count: the sum of the quantity, not of a unit cost
    ("How many purchase orders were placed in September 2026, and the total units?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*), sum(quantity) FROM purchase_orders "
     "WHERE ordered_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'",
     "SELECT count(*), sum(unit_cost) FROM purchase_orders "
     "WHERE ordered_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # "has most free stock": a named measure ranks the warehouses ("reserved" names no rows)
    ("Which warehouse has most free stock, that is on hand minus reserved? Warehouse id.",
     q(metrics=["available_stock"]),
     "SELECT s.warehouse_id, w.name, sum(s.on_hand - s.reserved) AS f FROM stock s "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY f DESC LIMIT 1",
     "SELECT r.warehouse_id, w.name, count(*) AS n FROM reservations r "
     "JOIN warehouses w USING (warehouse_id) GROUP BY 1, 2 ORDER BY n DESC LIMIT 1"),
    # "every unit reserved": all of them, no breakdown by the reserved count
    ("How many item-warehouse positions have every unit reserved?", q(metrics=["stock_count"]),
     "SELECT count(*) FROM stock WHERE on_hand > 0 AND reserved >= on_hand",
     "SELECT reserved, count(*) FROM stock WHERE on_hand > 0 AND reserved >= on_hand GROUP BY 1"),
    # "if several are level at the top": every product tied for first
    ("Which product comes in the most variants? If several are level at the top, name them all.",
     q(metrics=["variant_count"]),
     "SELECT v.product_id, p.name, count(*) AS n FROM variants v JOIN products p USING "
     "(product_id) GROUP BY 1, 2 HAVING count(*) = (SELECT max(c) FROM (SELECT count(*) AS c "
     "FROM variants GROUP BY product_id))",
     "SELECT v.product_id, p.name, count(*) AS n FROM variants v JOIN products p USING "
     "(product_id) GROUP BY 1, 2 ORDER BY n DESC, 1 LIMIT 1"),
    # "worth at unit cost": the money term, not the units it values
    ("What would our total stock on hand be worth if every unit were valued at its unit cost?",
     q(metrics=["stock_value"]),
     "SELECT sum(s.on_hand * u.unit_cost) FROM stock s JOIN unit_costs u USING (item_id)",
     "SELECT sum(on_hand) FROM stock"),
    # "unit cost relative to its list price": the cost table's ratio term ranks
    ("Which product has the highest unit cost relative to its list price?",
     q(metrics=["list_margin_pct"]),
     "SELECT u.product_id, p.name, avg(u.cost_ratio) AS r FROM unit_costs u JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY r DESC LIMIT 1",
     "SELECT u.product_id, p.name, max(u.unit_cost) AS r FROM unit_costs u JOIN products p "
     "USING (product_id) GROUP BY 1, 2 ORDER BY r DESC LIMIT 1"),
    # a sentence before the question names what "how many are there" counts: it stays
    ("Quite a few purchase orders with suppliers are still open, I gather. How many are there?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM purchase_orders WHERE status = 'open'",
     "SELECT count(*) FROM purchase_orders"),
    # "leaving gift cards aside": excluded, not named
    ("What were the total refunds, leaving gift cards aside?", q(metrics=["refunds"]),
     "SELECT sum(p.amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'refund' AND m.source != 'gift_card'",
     "SELECT sum(p.amount) FROM order_payments p JOIN user_payment_methods m "
     "USING (payment_method_id) WHERE p.transaction_type = 'refund' AND m.source = 'gift_card'"),
    # "could you identify the three customers who ...": which three
    ("Could you identify the three customers who have paid us the most?", q(metrics=["payments"]),
     "SELECT user_id, sum(amount) AS s FROM order_payments WHERE transaction_type = 'payment' "
     "GROUP BY 1 ORDER BY s DESC LIMIT 3",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
    # a sentence that says where from and where to stays: the question asks about that route
    ("Say we ship a parcel from the west to the northeast. Which carrier is the cheapest?",
     q(metrics=["shipping_cost"]),
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS cost FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) WHERE l.origin_region = 'west' AND l.dest_region = 'northeast' "
     "GROUP BY 1, 2 ORDER BY cost LIMIT 1",
     "SELECT l.carrier_id, c.name, avg(l.cost_usd) AS cost FROM carrier_lanes l JOIN carriers c "
     "USING (carrier_id) GROUP BY 1, 2 ORDER BY cost LIMIT 1"),
    # "I'd be grateful to know how many ...": a polite lead-in, then the question
    ("I'd be grateful to know how many customers have never placed an order.",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM orders)",
     "SELECT count(*) FROM purchase_orders"),
    # "never actually placed": never placed
    ("How many customers have never actually placed a single order?",
     q(metrics=["customer_count"]),
     "SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM orders)",
     "SELECT count(*) FROM users"),
    ("How many promotions are percentage discounts?", q(metrics=["promotion_count"]),
     "SELECT count(*) FROM promotions WHERE kind = 'percent'",
     "SELECT count(*) FROM promotions"),
    # a country said by name is its stored code
    ("How many of our suppliers are based in China?", q(metrics=["suppliers_count"]),
     "SELECT count(*) FROM suppliers WHERE country = 'CN'", "SELECT count(*) FROM suppliers"),
    # a column's abbreviations spelled out; "deepest" is the largest
    ("What is the average minimum order quantity our suppliers ask for?",
     q(metrics=["lead_time"]), "SELECT avg(min_order_qty) FROM supplier_products",
     "SELECT avg(lead_time_mean_days) FROM supplier_products"),
    ("What is the deepest discount a promotion has offered?", q(metrics=["promotion_count"]),
     "SELECT max(percent_off) FROM promotions", "SELECT count(*) FROM promotions"),
    # "how much" before a number column asks for its sum
    ("How much balance do customers keep on their gift cards?",
     q(metrics=["payments"]),
     "SELECT sum(balance) FROM user_payment_methods WHERE source = 'gift_card'",
     "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'payment'"),
])
def test_the_question_s_words_complete_the_model_s_query(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any], gold: str,
        naive: str) -> None:
    linked = kit.linker.link(question, store_holds(store), store_lookup(store))
    done = amend(proposed, question, linked, kit.catalog, kit.layer, set())
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, naive)


def test_a_count_per_thing_with_no_key_of_its_own_is_not_a_crash(
        kit: SqlKit, store: DuckDBStore) -> None:
    # order items have no key: nothing of theirs is counted per row, and the model's
    # query stands
    question = "On average, how many payments does an order item have?"
    linked = kit.linker.link(question, store_holds(store), store_lookup(store))
    done = amend(q(metrics=["order_payments_count"]), question, linked, kit.catalog,
                 kit.layer, set())
    assert done.arguments["metrics"] == ["order_payments_count"]


@pytest.mark.parametrize(("question", "op", "days"), [
    ("How many routes need 5 days or longer in transit?", ">=", 5),
    ("How many routes take a week or more to deliver?", ">=", 7),
    ("How many routes take 3 days or less in transit?", "<=", 3),
])
def test_a_bound_written_with_or_more_bounds_the_column_its_unit_names(
        kit: SqlKit, store: DuckDBStore, question: str, op: str, days: int) -> None:
    done = run(kit, question, metrics=["carrier_lanes_count"])
    want = f"SELECT count(*) FROM carrier_lanes WHERE transit_days {op} {days}"
    assert _answer(kit, store, done.arguments) == _rows(store, want)
    assert _rows(store, want) != _rows(store, "SELECT count(*) FROM carrier_lanes")


_PER_DAY = ("SELECT avg(units) FROM (SELECT day, sum(quantity) AS units FROM sales_history "
            "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1)")
_PER_ORDER = ("SELECT avg(v) FROM (SELECT order_id, sum(price) AS v FROM order_items "
              "WHERE status = 'processed' GROUP BY 1)")


@pytest.mark.parametrize(("question", "metrics", "gold", "naive"), [
    ("On an average day in September 2026, how many units did we sell?", ["units_sold"],
     _PER_DAY, "SELECT sum(quantity) FROM sales_history "
               "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    ("What were the average units sold per day in September 2026?", ["units_sold"], _PER_DAY,
     "SELECT sum(quantity) FROM sales_history "
     "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'"),
    # the model averaged the lines' prices; an order's value is the sum of its lines
    ("What is the average value of a processed order?", ["avg(order_items.price)"], _PER_ORDER,
     "SELECT avg(price) FROM order_items WHERE status = 'processed'"),
    ("What does a processed order come to on average, adding up its lines?",
     ["order_lines", "order_value"], _PER_ORDER,
     "SELECT avg(n) FROM (SELECT count(*) AS n FROM order_items WHERE status = 'processed' "
     "GROUP BY order_id)"),
    # the layer's term is that average in one expression
    ("What is the average order value of processed orders?", ["average_order_value"],
     _PER_ORDER, "SELECT avg(price) FROM order_items WHERE status = 'processed'"),
])
def test_an_average_per_thing_averages_the_thing_s_total(
        kit: SqlKit, store: DuckDBStore, question: str, metrics: list[str], gold: str,
        naive: str) -> None:
    def rounded(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [tuple(round(v, 6) for v in r) for r in rows]
    done = run(kit, question, metrics=metrics)
    assert rounded(_answer(kit, store, done.arguments)) == rounded(_rows(store, gold))
    assert rounded(_rows(store, gold)) != rounded(_rows(store, naive))


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    # the model wrote the bound as a row filter on some column; the bound is per order
    ("How many orders contain more than 4 items?",
     q(metrics=["order_lines"], filters=[{"field": "order_items.item_id", "op": ">",
                                          "value": 4}]),
     "SELECT count(*) FROM (SELECT order_id FROM order_items GROUP BY 1 HAVING count(*) > 4)"),
    # ... or counted another table's rows: the orders per customer count
    ("How many customers have placed more than 3 orders?",
     q(metrics=["purchase_order_count"], filters=[{"field": "purchase_orders.quantity",
                                                   "op": ">", "value": 3.0}]),
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 HAVING count(*) > 3)"),
    # "one" is the bound, not a percent-off of 1
    ("How many products have had more than one promotion?",
     q(metrics=["promotion_count"], group_by=["products.name"],
       filters=[{"field": "promotions.percent_off", "op": ">=", "value": 1.0}]),
     "SELECT count(*) FROM (SELECT product_id FROM promotions GROUP BY 1 HAVING count(*) > 1)"),
    # per day: the metric itself is bounded, and the calendar filter stays
    ("On how many days in October 2026 did we sell more than 1,500 units?",
     q(metrics=["units_sold"], group_by=["day"],
       filters=[{"field": "sales_history.day", "op": ">", "value": "1500"}]),
     "SELECT count(*) FROM (SELECT day FROM sales_history WHERE day BETWEEN '2026-10-01' "
     "AND '2026-10-31' GROUP BY 1 HAVING sum(quantity) > 1500)"),
    # what is averaged is the count of the rows named after "how many", per thing
    ("On average, how many payment methods does a customer have saved?",
     q(metrics=["avg(order_payments.amount)"],
       filters=[{"field": "order_payments.transaction_type", "op": "=", "value": "payment"}]),
     "SELECT avg(n) FROM (SELECT user_id, count(*) AS n FROM user_payment_methods GROUP BY 1)"),
])
def test_a_bound_or_average_per_thing_counts_the_rows_named_after_it(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    try:
        naive: list[tuple[Any, ...]] | None = _answer(kit, store, proposed)
    except QueryError:
        naive = None  # a date compared with a number does not compile
    done = amend(proposed, question, kit.linker.link(question, None), kit.catalog, kit.layer,
                 set())
    got = _answer(kit, store, done.arguments)
    assert [float(v) for r in got for v in r] == pytest.approx(
        [float(v) for r in _rows(store, gold) for v in r])
    assert got != naive


def test_a_value_said_beside_the_counted_table_s_name_stays_a_filter(kit: SqlKit) -> None:
    # "card" names user_payment_methods; "credit" is still the kind of card counted
    credit = {"field": "user_payment_methods.source", "op": "=", "value": "credit_card"}
    done = run(kit, "How many customers have more than one credit card saved?",
               metrics=["customer_count"], filters=[credit])
    assert done.arguments["filters"] == [credit]
    assert done.arguments["group_by"] == ["user_payment_methods.user_id"]
    assert done.arguments["having"] == {"op": ">", "value": 1.0}
    # a question about one total, with no bound per thing, keeps the model's shape
    plain = run(kit, "How many orders contain a laptop?", metrics=["order_count"])
    assert not plain.arguments.get("count_groups")


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    # a ratio of another table is no share of orders: the whole is the orders' count
    ("What percentage of all orders were cancelled?",
     q(metrics=["margin_pct"], group_by=["order_city"],
       filters=[{"field": "orders.status", "op": "=", "value": "cancelled"}]),
     "SELECT 100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders"),
    # constructs the question never asks for go, and so do share values it never names
    ("What share of all the units we have on hand sits in the Atlanta warehouse?",
     q(metrics=["on_hand"], group_by=["stock.warehouse_id"], count_groups=True,
       average_groups=True, share=[{"field": "warehouses.warehouse_id", "op": "=",
                                    "value": "WH-DFW"}] * 2),
     "SELECT 100.0 * sum(on_hand) FILTER (WHERE warehouse_id = 'WH-ATL') / sum(on_hand) "
     "FROM stock"),
])
def test_a_share_is_of_what_the_question_names(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    done = amend(proposed, question, kit.linker.link(question, None), kit.catalog, kit.layer,
                 set())
    assert [float(v) for r in _answer(kit, store, done.arguments) for v in r] == pytest.approx(
        [float(v) for r in _rows(store, gold) for v in r])


def test_a_share_of_units_keeps_the_model_s_sum(kit: SqlKit) -> None:
    done = run(kit, "What percentage of the units on hand are in Dallas?", metrics=["on_hand"])
    assert done.arguments["metrics"] == ["on_hand"]


def test_one_column_equal_to_several_values_lists_them(kit: SqlKit) -> None:
    said = [{"field": "orders.status", "op": "=", "value": v} for v in ("pending", "cancelled")]
    done = run(kit, "How many orders are pending or cancelled?", filters=said)
    (f,) = done.arguments["filters"]
    assert f["op"] == "in" and sorted(f["value"]) == ["cancelled", "pending"]


def test_values_listed_after_for_each_name_the_groups(kit: SqlKit, store: DuckDBStore) -> None:
    question = ("For each service level (ground, express, economy), what is the average "
                "cost per parcel?")
    done = run(kit, question, metrics=["shipping_cost"], group_by=["carriers.name"],
               filters=[{"field": "carriers.service", "op": "=", "value": v}
                        for v in ("ground", "express")])
    assert done.arguments["group_by"] == ["carriers.service"]
    assert not done.arguments["filters"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT c.service, avg(l.cost_usd) FROM carrier_lanes l "
               "JOIN carriers c USING (carrier_id) GROUP BY 1")
    # a list that is not after "each ..." stays a filter
    kept = run(kit, "What is the average cost per parcel of ground and express?",
               metrics=["shipping_cost"])
    assert [f["field"] for f in kept.arguments["filters"]] == ["carriers.service"]


def test_a_value_said_inside_another_table_s_name_is_no_filter(kit: SqlKit) -> None:
    # 'payment' is a transaction type, but "payment method" names the saved methods
    done = run(kit, "For each kind of payment method, how much have customers paid us?",
               metrics=["payments"])
    assert not any(f["field"] == "order_payments.transaction_type"
                   for f in done.arguments["filters"])
    # a table's own value in its name still filters: "gift cards" are saved methods
    cards = run(kit, "How many gift cards do customers hold?",
                metrics=["user_payment_methods_count"])
    assert {"field": "user_payment_methods.source", "op": "=", "value": "gift_card"} in \
        cards.arguments["filters"]


def test_from_one_place_to_another_sets_the_origin_and_the_destination(
        kit: SqlKit, store: DuckDBStore) -> None:
    question = "Which carrier is the cheapest from the Northeast region to the West region?"
    done = run(kit, question, metrics=["shipping_cost"], group_by=["carriers.name"],
               filters=[{"field": "carrier_lanes.origin_region", "op": "=", "value": "west"}])
    assert {"field": "carrier_lanes.origin_region", "op": "=", "value": "northeast"} in \
        done.arguments["filters"]
    assert {"field": "carrier_lanes.dest_region", "op": "=", "value": "west"} in \
        done.arguments["filters"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT c.name, avg(l.cost_usd) AS x FROM carrier_lanes l JOIN carriers c "
               "USING (carrier_id) WHERE origin_region = 'northeast' AND dest_region = 'west' "
               "GROUP BY 1 ORDER BY x LIMIT 1")
    # breakdowns by the two ends hold one value each: they go
    ends = run(kit, "What does ground shipping cost from the West region to the Northeast?",
               metrics=["shipping_cost"],
               group_by=["carrier_lanes.origin_region", "carrier_lanes.dest_region"])
    assert not ends.arguments["group_by"]
    # a filter holding a list of values (two carriers) stays beside the route
    two = run(kit, "What does shipping cost from the West to the Northeast with SwiftAir or "
                   "Parcelway?", metrics=["shipping_cost"], filters=[
                  {"field": "carriers.name", "op": "in", "value": ["SwiftAir", "Parcelway"]}])
    assert {"field": "carriers.name", "op": "in", "value": ["SwiftAir", "Parcelway"]} in \
        two.arguments["filters"]


def test_a_breakdown_no_join_reaches_is_dropped(kit: SqlKit) -> None:
    done = run(kit, "What does ground shipping cost per region?", metrics=["shipping_cost"],
               group_by=["carriers.name", "sales_history.region"])
    assert done.arguments["group_by"] == ["carriers.name"]


def test_a_region_of_customers_is_their_address_s_not_their_orders_warehouses(
        kit: SqlKit, store: DuckDBStore) -> None:
    region = ("SELECT r.region, count(*) FROM users u JOIN state_regions r "
              "ON r.state = u.address ->> '$.state' GROUP BY 1")
    done = run(kit, "How many customers do we have in each fulfilment region?",
               metrics=["customer_count"], group_by=["state_regions.region"])
    assert done.arguments["group_by"] == ["customer_region"]
    assert _answer(kit, store, done.arguments) == _rows(store, region)
    west = run(kit, "How many customers live in the West fulfilment region?",
               metrics=["customer_count"],
               filters=[{"field": "state_regions.region", "op": "=", "value": "west"}])
    assert _answer(kit, store, west.arguments) == [
        r[1:] for r in _rows(store, region) if r[0] == "west"]
    # a warehouse's region is its own column: nothing to move
    stock = run(kit, "How many units are on hand in each region?", metrics=["on_hand"],
                group_by=["warehouses.region"])
    assert stock.arguments["group_by"] == ["warehouses.region"]


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    # the model's status is implied by nothing the question says: "never" is any order
    ("How many customers have never placed an order?",
     q(metrics=["customer_count"],
       filters=[{"field": "orders.status", "op": "=", "value": "pending"}]),
     "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id)"),
    # the table named just before "nothing", dated by the question's month
    ("How many variants sold nothing in October 2026?", q(metrics=["units_sold"]),
     "SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM sales_history s "
     "WHERE s.item_id = v.item_id AND s.day BETWEEN '2026-10-01' AND '2026-10-31')"),
])
def test_never_or_nothing_counts_the_things_without_such_rows(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    done = amend(proposed, question, kit.linker.link(question, None), kit.catalog, kit.layer,
                 set())
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    # without the negation the same words count the things that have such rows
    plain = amend(q(metrics=["customer_count"]), "How many customers have placed an order?",
                  kit.linker.link("How many customers have placed an order?", None),
                  kit.catalog, kit.layer, set())
    assert not plain.arguments.get("absent")


def test_which_things_are_asked_for_gives_one_row_per_thing(
        kit: SqlKit, store: DuckDBStore) -> None:
    # grouped by variants and filtered on the word "product": one row per product instead
    done = run(kit, "Which 3 products have the highest average unit cost?",
               metrics=["avg(unit_costs.unit_cost)"], group_by=["variants.item_id"],
               filters=[{"field": "products.name", "op": "=", "value": "product"}])
    assert not done.arguments["filters"]
    got = _answer(kit, store, done.arguments)
    gold = _rows(store, "SELECT p.product_id, p.name, avg(c.unit_cost) AS a FROM unit_costs c "
                        "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY a DESC "
                        "LIMIT 3")
    assert [(str(r[0]), r[1]) for r in got] == [(str(r[0]), r[1]) for r in gold]
    assert [float(r[2]) for r in got] == pytest.approx([float(r[2]) for r in gold])
    # "the most orders" of a customer: the orders per customer, whatever the model counted
    most = run(kit, "Which customer has placed the most orders, and how many?",
               metrics=["purchase_order_count"], group_by=["customer_state"])
    assert most.arguments["metrics"] == ["order_count"]
    assert most.arguments["group_by"][0] == "orders.user_id"
    # a breakdown that already names the thing asked for stands
    states = run(kit, "Which 2 states have the most customers?", metrics=["customer_count"],
                 group_by=["customer_state"])
    assert states.arguments["group_by"] == ["customer_state"]


def test_how_many_of_a_column_s_values_counts_them_distinct(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many competitors do we track prices for?",
               metrics=["competitor_prices_count"])
    assert done.arguments["metrics"] == ["count_distinct(competitor_prices.competitor)"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT count(DISTINCT competitor) FROM competitor_prices")
    # a table's own rows are counted as rows
    assert run(kit, "How many suppliers do we have?",
               metrics=["suppliers_count"]).arguments["metrics"] == ["suppliers_count"]


def test_the_metric_a_ranking_names_is_the_one_ranked(kit: SqlKit) -> None:
    done = run(kit, "Which 3 products made the most gross profit over the last 30 days?",
               metrics=["margin_pct", "revenue"], group_by=["products.product_id"])
    assert done.arguments["metrics"] == ["margin"]


def test_the_lowest_and_the_highest_of_a_column_are_both_asked(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the price range of the office chair variants: the lowest and "
                    "the highest price?", metrics=["min(competitor_prices.price)"])
    assert done.arguments["metrics"] == ["min(variants.price)", "max(variants.price)"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT min(v.price), max(v.price) FROM variants v JOIN products p "
               "USING (product_id) WHERE p.name = 'Office Chair'")


def test_which_of_a_column_s_values_groups_by_it_and_a_singular_picks_one(
        kit: SqlKit) -> None:
    done = run(kit, "Which city has most warehouses?", metrics=["warehouses_count"],
               group_by=["warehouses.state"])
    assert done.arguments["group_by"] == ["warehouses.city"]
    assert done.arguments["limit"] == 1  # "which city": one
    plural = run(kit, "Which cities have most warehouses?", metrics=["warehouses_count"],
                 group_by=["warehouses.city"])
    assert plural.arguments["limit"] is None


def test_a_value_said_before_its_column_s_name_is_a_value() -> None:
    from agents._sql_amend_filters import _before_its_column
    from agents._sql_linking import ValueHit
    agent = ValueHit(value="order", columns=["agent_runs.agent"])
    # 'order' is also the orders table's name, but "the order agent" is an agent
    assert _before_its_column(agent, "which decision has the order agent made most often?")
    assert not _before_its_column(agent, "how many orders are pending?")


def test_a_date_column_is_also_named_by_the_layer_s_words_for_it(kit: SqlKit) -> None:
    # "due to arrive" is the expected date, though no word of expected_on is said
    done = run(kit, "How many open purchase orders are due to arrive by November 7, 2026?",
               metrics=["purchase_order_count"])
    assert {"field": "purchase_orders.expected_on", "op": "<=", "value": "2026-11-07"} in \
        done.arguments["filters"]
    # with no such word the table's time column stands
    placed = run(kit, "How many purchase orders did we have in October 2026?",
                 metrics=["purchase_order_count"])
    assert [f["field"] for f in placed.arguments["filters"]] == ["purchase_orders.ordered_on"]


@pytest.fixture(scope="module")
def audited(seeded_template: Path,  # noqa: F811
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    """A store with the analyst suite's fixed agent runs (decisions, steps, statuses)."""
    from evals.analyst import ensure_audit_trail
    path = tmp_path_factory.mktemp("audited") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    store = DuckDBStore(path)
    ensure_audit_trail(store)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def audit_kit(audited: DuckDBStore) -> SqlKit:
    return SqlWorld(DEFAULT_PATH, EXAMPLES_PATH).ready(audited)


def test_more_than_one_sharing_the_top_asks_for_ties_not_a_bound(
        audit_kit: SqlKit, audited: DuckDBStore) -> None:
    question = ("Which tool does the order agent call most? If more than one tool shares the "
                "top count, include all of them.")
    proposed = q(metrics=["agent_tool_calls"])
    done = amend(proposed, question, audit_kit.linker.link(question, None), audit_kit.catalog,
                 audit_kit.layer, set())
    gold = _rows(audited, "WITH c AS (SELECT s.name, count(*) AS n FROM agent_steps s JOIN "
                          "agent_runs r USING (event_id) WHERE r.agent = 'order' AND "
                          "s.kind = 'tool' GROUP BY 1) SELECT name, n FROM c "
                          "WHERE n = (SELECT max(n) FROM c)")
    assert len(gold) > 1  # a tie, as the question foresees
    assert sorted(_answer(audit_kit, audited, done.arguments)) == sorted(gold)


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    # the platform's codes said as words: 'hold_for_review', 'awaiting_approval'
    ("How many orders has the order agent held for review?",
     q(metrics=["agent_run_count"]),
     "SELECT count(DISTINCT subject_id) FROM agent_runs WHERE agent = 'order' AND "
     "decision = 'hold_for_review'"),
    ("How many orders did the order agent set aside for a human to review?",
     q(metrics=["agent_run_count"]),
     "SELECT count(DISTINCT subject_id) FROM agent_runs WHERE agent = 'order' AND "
     "decision = 'hold_for_review'"),
    ("How many agent runs are waiting for approval?", q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE status = 'awaiting_approval'"),
    # "failed" is the runs' status, not the failed tool calls the model counted
    ("How many order agent runs failed?", q(metrics=["failed_tool_calls"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order' AND status = 'failed'"),
    # "of the order agent's runs": the runs are counted, each by its model calls
    ("How many of the order agent's runs needed more than one call to the model?",
     q(metrics=["agent_run_count"], group_by=["agent_runs.agent"],
       having={"op": ">", "value": 1}),
     "SELECT count(*) FROM (SELECT r.event_id FROM agent_runs r JOIN agent_steps s "
     "USING (event_id) WHERE r.agent = 'order' AND s.kind = 'model' GROUP BY 1 "
     "HAVING count(*) > 1)"),
    # tool calls, not failed ones, when the question never says "failed"
    ("Which tools has the order agent called, and how many times each?",
     q(metrics=["failed_tool_calls"], group_by=["agent_steps.name"]),
     "SELECT s.name, count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'order' AND s.kind = 'tool' GROUP BY 1"),
    # "X's most frequently made Y": which Y of X is made most often
    ("What's the order agent's most frequently made decision?",
     q(metrics=["agent_run_count"]),
     "SELECT decision, count(*) FROM agent_runs WHERE agent = 'order' GROUP BY 1 "
     "ORDER BY 2 DESC LIMIT 1"),
    # other words for a platform code
    ("How many order agent runs are waiting to be approved?", q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order' AND status = 'awaiting_approval'"),
    # "each of its tools": a breakdown by tool
    ("How often did the order agent use each of its tools?", q(metrics=["agent_tool_calls"]),
     "SELECT s.name, count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'order' AND s.kind = 'tool' GROUP BY 1"),
    # 'order_placed' (the runs' event kind) is not said in "purchase orders placed"
    # "not yet finished": the promotions' own end date, no agent run that is 'done'
    ("How many promos were running on 15 September 2026, begun by then and not yet "
     "finished?", q(metrics=["active_promotions"]),
     "SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-09-15' "
     "AND ends_on >= DATE '2026-09-15'"),
    # "has the order agent done": the verb, not the runs' status 'done'
    ("How many runs in total has the order agent done so far?",
     q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order'"),
    # "done rather than awaiting approval": the second is denied (a code said as words)
    ("How many order agent runs that held the order for review are now done rather than "
     "awaiting approval?", q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order' AND decision = 'hold_for_review' "
     "AND status = 'done'"),
    ("How many purchase orders placed in August 2026 went to German suppliers?",
     q(metrics=["purchase_order_count"]),
     "SELECT count(*) FROM purchase_orders JOIN suppliers USING (supplier_id) WHERE "
     "country = 'DE' AND ordered_on BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'"),
    # a tool said in words ("a margin check")
    ("How many margin checks has the order agent made?", q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'order' AND s.name = 'check_margin'"),
    # a run's subject is its order (the layer's reference): the orders' own figures
    ("What is the total price of the order lines on orders the order agent split into separate shipments?",
     q(metrics=["order_value"]),
     "SELECT sum(price) FROM order_items WHERE order_id IN (SELECT subject_id FROM "
     "agent_runs WHERE agent = 'order' AND decision = 'split_shipment')"),
    # "get stock" in plain words is no filter on the far audit rows' tool 'get_stock'
    ("Which supplier takes longest to get stock to us, in average days from ordering to "
     "receiving? Give the supplier name.", q(metrics=["actual_lead_time"]),
     "SELECT s.supplier_id, s.name, avg(date_diff('day', po.ordered_on, po.received_on)) AS d "
     "FROM purchase_orders po JOIN suppliers s USING (supplier_id) "
     "WHERE po.status = 'received' GROUP BY 1, 2 ORDER BY d DESC LIMIT 1"),
    ("Which orders has the order agent held for review?", q(metrics=["agent_run_count"]),
     "SELECT subject_id, count(*) FROM agent_runs WHERE agent = 'order' AND "
     "decision = 'hold_for_review' GROUP BY 1"),
    # "failed ones included" keeps every run; "replying" says the decision 'reply'
    ("Of all the support agent's runs, failed ones included, what percentage ended with it "
     "replying? 1 decimal.", q(metrics=["agent_run_count"]),
     "SELECT round(100.0 * count(*) FILTER (WHERE decision = 'reply') / count(*), 1) "
     "FROM agent_runs WHERE agent = 'support'"),
    # "split an order into two shipments": the decision 'split_shipment'
    ("How many times did the order agent split an order into two shipments?",
     q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order' AND decision = 'split_shipment'"),
    # "the order and support bots": both agents, the noun said once after the two
    ("How many tool calls did the order and support bots make?",
     q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent IN ('order', 'support') AND s.kind = 'tool'"),
    # "including failed ones", "incl failed": every run, not the failed ones only
    ("How many order bot runs were there, including failed ones?", q(metrics=["agent_run_count"]),
     "SELECT count(*) FROM agent_runs WHERE agent = 'order'"),
    ("avg model time of support bot runs in ms, incl failed", q(metrics=["model_latency"]),
     "SELECT avg(model_latency_ms) FROM agent_runs WHERE agent = 'support'"),
    # "per order bot run": each run, which the average is over (no order is a breakdown)
    ("What is the average model time per order bot run in ms?", q(metrics=["model_latency"]),
     "SELECT avg(model_latency_ms) FROM agent_runs WHERE agent = 'order'"),
    # "by tool": a breakdown by the tool's name, though 'tool' is also a kind of step
    ("support bot tool calls by tool, tool name and count", q(metrics=["agent_tool_calls"]),
     "SELECT s.name, count(*) FROM agent_steps s JOIN agent_runs r USING (event_id) "
     "WHERE r.agent = 'support' AND s.kind = 'tool' GROUP BY 1"),
])
def test_audit_questions_read_the_trail_as_the_question_says(
        audit_kit: SqlKit, audited: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    said = audit_kit.read(question)  # (as the analyst reads it)
    done = amend(proposed, said, audit_kit.linker.link(said, None), audit_kit.catalog,
                 audit_kit.layer, set())
    got = _answer(audit_kit, audited, done.arguments)
    assert got == _rows(audited, gold)
    # the model's query alone answers something else
    assert _answer(audit_kit, audited, proposed) != got


def test_a_qualified_metric_stands_when_the_question_says_its_qualifier(
        audit_kit: SqlKit) -> None:
    question = "Which tools failed most often for the order agent?"
    done = amend(q(metrics=["failed_tool_calls"], group_by=["agent_steps.name"]), question,
                 audit_kit.linker.link(question, None), audit_kit.catalog, audit_kit.layer,
                 set())
    assert done.arguments["metrics"] == ["failed_tool_calls"]


def test_a_period_keeps_the_promotions_running_in_it_and_a_discount_said_is_one(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which promotions running today give 30% off? List their names.",
               metrics=["promotion_count"], group_by=["promotions.name"])
    assert {"field": "promotions.percent_off", "op": "=", "value": 30} in \
        done.arguments["filters"]
    got = [r[0] for r in _answer(kit, store, done.arguments)]
    gold = [r[0] for r in _rows(store, "SELECT name FROM promotions WHERE percent_off = 30 "
                                       "AND starts_on <= DATE '2026-11-01' "
                                       "AND ends_on >= DATE '2026-11-01'")]
    assert got == gold and gold
    # the promotions that start today are not those running today
    assert _rows(store, "SELECT name FROM promotions WHERE starts_on = DATE '2026-11-01'") \
        != sorted((g,) for g in gold)
    # a bound on the discount is no equality
    more = run(kit, "How many promotions give more than 30% off?",
               metrics=["promotion_count"])
    assert all(f.get("op") != "=" for f in more.arguments["filters"])


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    # the events are named by the verb before the count of times
    ("How many customers have ordered more than twice?", q(metrics=["customer_count"]),
     "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 HAVING count(*) > 2)"),
    # ... and counted by the layer's term for them (price changes leave out initial prices)
    ("How many variants have seen their price changed more than twice?",
     q(metrics=["list_price"], group_by=["variants.item_id"]),
     "SELECT count(*) FROM (SELECT item_id FROM price_history WHERE previous_price IS NOT "
     "NULL GROUP BY 1 HAVING count(*) > 2)"),
])
def test_a_count_of_times_counts_the_events_the_verb_names(
        kit: SqlKit, store: DuckDBStore, question: str, proposed: dict[str, Any],
        gold: str) -> None:
    done = amend(proposed, question, kit.linker.link(question, None), kit.catalog, kit.layer,
                 set())
    assert _answer(kit, store, done.arguments) == _rows(store, gold)


def test_a_breakdown_by_the_column_a_which_question_names_stands(kit: SqlKit,
                                                                store: DuckDBStore) -> None:
    done = run(kit, "Which fulfilment region's warehouse has the fewest units on hand?",
               metrics=["on_hand"], group_by=["state_regions.region"])
    # by region (the warehouses' own column: the same values as their state's, nearer)
    assert done.arguments["group_by"] == ["warehouses.region"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT w.region, sum(s.on_hand) FROM stock s JOIN warehouses w "
               "USING (warehouse_id) GROUP BY 1 ORDER BY 2 LIMIT 1")


def test_which_n_things_with_the_most_keeps_n_rows(kit: SqlKit) -> None:
    done = run(kit, "Which 3 suppliers have we spent the most with on purchase orders?",
               metrics=["purchase_value"], group_by=["suppliers.name"], order="desc", limit=10)
    assert (done.arguments["order"], done.arguments["limit"]) == ("desc", 3)


def test_a_segment_s_name_is_its_condition_not_a_value(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the average lead time in days from our main suppliers?",
               metrics=["lead_time"], filters=[{"field": "supplier_products.supplier_id",
                                                "op": "=", "value": "main"}])
    assert done.arguments["filters"] == [{"field": "main_supplier", "op": "=", "value": True}]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT avg(lead_time_mean_days) FROM supplier_products WHERE is_primary")


@pytest.mark.parametrize(("question", "table"), [
    ("On how many region-to-region routes does our express service deliver in a day?",
     "carrier_lanes"),
    ("How many order agent runs failed?", "agent_runs"),
    ("How many purchase orders are open?", "purchase_orders"),
    ("How many orders from customers in Texas were cancelled?", "orders"),
])
def test_how_many_counts_the_head_of_its_noun_phrase(kit: SqlKit, question: str,
                                                     table: str) -> None:
    from agents._sql_amend_common import _counted_table
    words = question.lower().replace("'", " ")
    assert _counted_table(words, kit.catalog, kit.layer) == table


@pytest.mark.parametrize(("question", "proposed", "gold"), [
    ("Which customers have never placed an order?", q(metrics=["customer_count"]),
     "SELECT u.user_id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o "
     "WHERE o.user_id = u.user_id)"),
    # the segment goes inside, and the model's contradicting filter on its column goes
    ("Which products have no variants that are sold out?",
     q(metrics=["variant_count"], group_by=["products.name"],
       filters=[{"field": "variants.available", "op": "!=", "value": True}]),
     "SELECT p.name FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v "
     "WHERE v.product_id = p.product_id AND NOT v.available)"),
])
def test_which_things_have_none_lists_them(kit: SqlKit, store: DuckDBStore, question: str,
                                           proposed: dict[str, Any], gold: str) -> None:
    done = amend(proposed, question, kit.linker.link(question, None), kit.catalog, kit.layer,
                 set())
    assert [r[0] for r in _answer(kit, store, done.arguments)] == \
        [r[0] for r in _rows(store, gold)]


def test_a_breakdown_the_question_never_asks_for_goes(kit: SqlKit) -> None:
    done = run(kit, "Which 3 products were on the most cancelled order lines?",
               metrics=["order_lines"], group_by=["products.name", "order_city"])
    assert done.arguments["group_by"] == ["products.name"]
    # one it asks for stays, and so does a calendar grain
    kept = run(kit, "How many cancelled order lines were there by city and month?",
               metrics=["order_lines"], group_by=["order_city", "month"])
    assert kept.arguments["group_by"] == ["order_city", "month"]


def test_which_values_of_a_column_leaves_out_rows_without_one(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which card brands are saved, and how many of each?",
               metrics=["user_payment_methods_count"], group_by=["user_payment_methods.brand"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT brand, count(*) FROM user_payment_methods WHERE brand IS NOT NULL "
               "GROUP BY 1")


def test_an_aggregate_of_a_table_s_one_number_is_asked_by_the_table_s_name(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What was the smallest refund we have issued?", metrics=["refund_count"])
    assert done.arguments["metrics"][0] == "min(order_payments.amount)"
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT min(amount) FROM order_payments WHERE transaction_type = 'refund'")


def test_a_yes_no_column_is_a_condition_only_where_the_question_says_it(kit: SqlKit) -> None:
    made_up = [{"field": "variants.available", "op": "=", "value": True}]
    done = run(kit, "How many variants do we have in the catalog?", metrics=["variant_count"],
               filters=made_up)
    assert done.arguments["filters"] == []
    said = run(kit, "How many variants are available?", metrics=["variant_count"],
               filters=made_up)
    assert said.arguments["filters"] == made_up
    # said in other words, a flag is a named condition (a segment)
    backup = run(kit, "How many products have a backup supplier?", metrics=["product_count"])
    assert {"field": "backup_supplier", "op": "=", "value": True} in \
        backup.arguments["filters"]


def test_what_how_many_names_by_a_metric_s_words_is_that_metric(kit: SqlKit) -> None:
    done = run(kit, "How many units shipped out of the Dallas warehouse in October 2026?",
               metrics=["units_on_order"])
    assert done.arguments["metrics"] == ["units_sold"]


def test_a_word_of_the_question_that_no_row_holds_is_no_value(kit: SqlKit) -> None:
    done = run(kit, "How many orders are being shipped to Texas?",
               filters=[{"field": "orders.status", "op": "=", "value": "shipped"}])
    assert all(f.get("value") != "shipped" for f in done.arguments["filters"])
    # a stored value the question says stands
    kept = run(kit, "How many orders were delivered to Texas?",
               filters=[{"field": "orders.status", "op": "=", "value": "delivered"}])
    assert {"field": "orders.status", "op": "=", "value": "delivered"} in \
        kept.arguments["filters"]


@pytest.mark.parametrize(("question", "metric", "counted", "gold"), [
    ("In how many different cities do our shoppers live?", "customer_count",
     "count_distinct(customer_city)",
     "SELECT count(DISTINCT address ->> '$.city') FROM users"),
    ("How many unique countries do our vendors come from?", "suppliers_count",
     "count_distinct(suppliers.country)", "SELECT count(DISTINCT country) FROM suppliers"),
])
def test_how_many_different_values_of_an_attribute_counts_them(
        kit: SqlKit, store: DuckDBStore, question: str, metric: str, counted: str,
        gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert done.arguments["metrics"] == [counted]
    kit.vocabulary.check(StructuredQuery.model_validate(done.arguments))  # code may write it
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _answer(kit, store, q(metrics=[metric])) != _rows(store, gold)


@pytest.mark.parametrize(("question", "gold"), [
    ("Which carrier delivers quickest on average?",
     "SELECT carrier_id, avg(transit_days) FROM carrier_lanes GROUP BY 1 ORDER BY 2 LIMIT 1"),
    ("Which carrier is the slowest?",
     "SELECT carrier_id, avg(transit_days) FROM carrier_lanes GROUP BY 1 ORDER BY 2 DESC "
     "LIMIT 1"),
])
def test_speed_ranks_a_duration_from_the_shortest(kit: SqlKit, store: DuckDBStore,
                                                  question: str, gold: str) -> None:
    done = run(kit, question, metrics=["carriers_count"], group_by=["carriers.carrier_id"])
    assert done.arguments["metrics"] == ["transit_days"]
    got = _answer(kit, store, done.arguments)
    assert [(row[0], row[-1]) for row in got] == _rows(store, gold)


def test_speed_of_something_that_is_no_duration_ranks_the_most_first(kit: SqlKit) -> None:
    done = run(kit, "Which product is our fastest-selling one?", metrics=["units_sold"],
               group_by=["products.product_id"])
    assert done.arguments["metrics"] == ["units_sold"]
    assert (done.arguments["order"], done.arguments["limit"]) == ("desc", 1)


@pytest.mark.parametrize(("question", "metric", "gold"), [
    # a lane's key is its carrier, origin and destination; "expensive" is its cost
    ("What is the most expensive route to ship on?", "carrier_lanes_count",
     "SELECT carrier_id, origin_region, dest_region, cost_usd FROM carrier_lanes "
     "ORDER BY cost_usd DESC LIMIT 1"),
    ("What was the cheapest item in the catalogue?", "variant_count",
     "SELECT item_id, price FROM variants ORDER BY price LIMIT 1"),
])
def test_what_is_the_cheapest_thing_names_the_thing(kit: SqlKit, store: DuckDBStore,
                                                    question: str, metric: str,
                                                    gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)


def test_what_is_the_highest_revenue_day_lists_no_sales_rows(kit: SqlKit) -> None:
    done = run(kit, "What was the highest revenue day in October 2026?", metrics=["revenue"])
    assert not any(g.startswith("sales_history.") for g in done.arguments["group_by"])


def test_a_measure_named_after_by_is_not_the_table_s_one_number_column(kit: SqlKit) -> None:
    done = run(kit, "What is the biggest order by value?", metrics=["order_value"])
    assert done.arguments["metrics"] == ["order_value"]
    assert (done.arguments["order"], done.arguments["limit"]) == ("desc", 1)


def test_the_fewest_units_ranks_a_units_term(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which warehouse keeps the fewest units?", metrics=["warehouses_count"])
    assert done.arguments["metrics"] == ["on_hand"]
    assert [row[0] for row in _answer(kit, store, done.arguments)] == [r[0] for r in _rows(
        store, "SELECT warehouse_id FROM stock GROUP BY 1 ORDER BY sum(on_hand) LIMIT 1")]


def test_the_average_number_of_things_per_thing_groups_by_the_second(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the average number of line items per order?",
               metrics=["order_lines"])
    assert done.arguments["group_by"] == ["order_items.order_id"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT avg(n) FROM (SELECT order_id, count(*) AS n FROM order_items GROUP BY 1)")


def test_a_term_of_what_runs_today_is_read_on_the_day_named(
        kit: SqlKit, store: DuckDBStore) -> None:
    gold = ("SELECT count(*) FROM promotions WHERE starts_on <= DATE '2026-09-20' "
            "AND ends_on >= DATE '2026-09-20'")
    done = run(kit, "How many promotions were live on September 20, 2026?",
               metrics=["active_promotions"])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    # what started that day, or what runs today, is another figure
    assert _rows(store, gold) != _rows(
        store, "SELECT count(*) FROM promotions WHERE starts_on = DATE '2026-09-20'")
    assert _answer(kit, store, q(metrics=["active_promotions"])) != _rows(store, gold)


def test_both_of_two_values_keeps_the_things_with_each(kit: SqlKit, store: DuckDBStore) -> None:
    question = "How many shoppers keep both a gift card and a credit card on file?"
    done = run(kit, question, holds=store_holds(store), metrics=["customer_count"])
    gold = ("SELECT count(*) FROM (SELECT user_id FROM user_payment_methods WHERE source IN "
            "('gift_card', 'credit_card') GROUP BY 1 HAVING count(DISTINCT source) = 2)")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    either = run(kit, "How many shoppers keep a gift card or a credit card on file?",
                 holds=store_holds(store), metrics=["customer_count"])
    assert _answer(kit, store, either.arguments) != _rows(store, gold)


def test_a_ranking_by_what_things_cost_takes_a_money_term_and_a_spelled_column(
        kit: SqlKit, store: DuckDBStore) -> None:
    # "origin region" is the column origin_region; "costliest" ranks a money term
    done = run(kit, "From which origin region is shipping costliest?",
               metrics=["state_regions_count"])
    assert done.arguments["metrics"] == ["shipping_cost"]
    assert done.arguments["group_by"] == ["carrier_lanes.origin_region"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT origin_region, avg(cost_usd) FROM carrier_lanes GROUP BY 1 "
               "ORDER BY 2 DESC LIMIT 1")


def test_a_column_said_after_its_table_s_synonym_is_aggregated(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the combined gift card balance of all our customers?",
               holds=store_holds(store), metrics=["payments"])
    assert done.arguments["metrics"] == ["sum(user_payment_methods.balance)"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT sum(balance) FROM user_payment_methods WHERE source = 'gift_card'")


@pytest.mark.parametrize(("question", "metric", "gold"), [
    ("How many lanes cost between $10 and $20 to ship on?", "carrier_lanes_count",
     "SELECT count(*) FROM carrier_lanes WHERE cost_usd BETWEEN 10 AND 20"),
    ("Which routes take from 2 to 3 days?", "carrier_lanes_count",
     "SELECT carrier_id, origin_region, dest_region FROM carrier_lanes "
     "WHERE transit_days BETWEEN 2 AND 3"),
])
def test_a_range_between_two_numbers_bounds_the_column_its_unit_names(
        kit: SqlKit, store: DuckDBStore, question: str, metric: str, gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert any(f["op"] == "between" for f in done.arguments["filters"])
    got = _answer(kit, store, done.arguments)
    width = len(_rows(store, gold)[0])
    assert [row[:width] for row in got] == _rows(store, gold)


def test_the_units_of_distinct_things_sold_count_them_among_the_sales(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many different variants were sold in September 2026?",
               metrics=["variant_count"])
    gold = ("SELECT count(DISTINCT item_id) FROM sales_history "
            "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _answer(kit, store, q(metrics=["variant_count"])) != _rows(store, gold)


@pytest.mark.parametrize(("question", "wrong", "metric"), [
    # after "share of", "more than N", "the highest total": the term the words name
    ("What share of units sold in September 2026 went to the south central region?",
     "state_regions_count", "units_sold"),
    ("Which variants have more than 400 units on hand in total?", "out_of_stock_items",
     "on_hand"),
    ("Which warehouse had the highest total revenue last month?", "warehouses_count",
     "revenue"),
])
def test_a_term_named_after_a_share_a_bound_or_a_ranking_is_the_metric(
        kit: SqlKit, question: str, wrong: str, metric: str) -> None:
    assert run(kit, question, metrics=[wrong]).arguments["metrics"][0] == metric


@pytest.mark.parametrize(("question", "gold"), [
    ("How many more orders were delivered than were cancelled?",
     "SELECT count(*) FILTER (WHERE status = 'delivered') - count(*) FILTER "
     "(WHERE status = 'cancelled') FROM orders"),
    # "fewer" is the other way round: the answer is how many fewer
    ("How many fewer cancelled orders are there than delivered ones?",
     "SELECT count(*) FILTER (WHERE status = 'delivered') - count(*) FILTER "
     "(WHERE status = 'cancelled') FROM orders"),
])
def test_how_many_more_of_one_value_than_another_is_their_difference(
        kit: SqlKit, store: DuckDBStore, question: str, gold: str) -> None:
    done = run(kit, question, holds=store_holds(store))
    got = _answer(kit, store, done.arguments)
    assert [row[-1:] for row in got] == _rows(store, gold)


def test_the_difference_between_the_extremes_is_the_largest_less_the_smallest(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the spread between the lowest and the highest handling time "
                    "of our warehouses?", metrics=["warehouses_count"])
    assert done.arguments["combine"] == "difference"
    got = _answer(kit, store, done.arguments)
    assert [row[-1:] for row in got] == _rows(
        store, "SELECT max(handling_days) - min(handling_days) FROM warehouses")


@pytest.mark.parametrize("question", [
    "What percentage of the stock on hand in Denver is reserved?",
    "Reserved units as a share of units on hand in Denver?",
])
def test_one_term_as_a_percentage_of_another(kit: SqlKit, store: DuckDBStore,
                                             question: str) -> None:
    done = run(kit, question, holds=store_holds(store), metrics=["on_hand"])
    assert done.arguments["combine"] == "percent"
    gold = _rows(store, "SELECT 100.0 * sum(s.reserved) / sum(s.on_hand) FROM stock s JOIN "
                        "warehouses w USING (warehouse_id) WHERE w.city = 'Denver'")
    assert [row[-1:] for row in _answer(kit, store, done.arguments)] == gold


def test_a_share_whose_part_is_a_condition_stays_a_share(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What percentage of purchase orders have been received?",
               holds=store_holds(store), metrics=["purchase_order_count"])
    assert "combine" not in done.arguments and done.arguments["share"]


@pytest.mark.parametrize(("question", "wrong", "gold"), [
    ("How many list price changes were markdowns?", "price_history_count",
     "SELECT count(*) FROM price_history WHERE price < previous_price"),
    ("How many times did we raise the price of a variant in October 2026? Count the price "
     "hikes.", "price_history_count",
     "SELECT count(*) FROM price_history WHERE price > previous_price "
     "AND effective_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'"),
    ("What is the average percentage price change across all price changes?", "list_price",
     "SELECT avg(100.0 * (price - previous_price) / previous_price) FROM price_history "
     "WHERE previous_price IS NOT NULL"),
    ("What was our average weekly units sold in September 2026?", "average_selling_price",
     "SELECT avg(u) FROM (SELECT date_trunc('week', day), sum(quantity) AS u FROM "
     "sales_history WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1)"),
])
def test_price_moves_and_terms_after_a_grain_are_read(kit: SqlKit, store: DuckDBStore,
                                                      question: str, wrong: str,
                                                      gold: str) -> None:
    done = run(kit, question, holds=store_holds(store), metrics=[wrong])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _answer(kit, store, q(metrics=[wrong])) != _rows(store, gold)


def test_a_period_applies_to_the_date_the_question_means(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many purchase orders came in over the past week? Count those "
                    "received.", holds=store_holds(store), metrics=["purchase_order_count"])
    assert done.arguments["period_on"] == "purchase_orders.received_on"
    gold = ("SELECT count(*) FROM purchase_orders WHERE status = 'received' "
            "AND received_on BETWEEN DATE '2026-10-25' AND DATE '2026-10-31'")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _answer(kit, store, {**done.arguments, "period_on": None}) != _rows(store, gold)


def test_only_one_is_exactly_one(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many products are sourced from just one supplier?",
               metrics=["product_count"])
    gold = "SELECT count(*) FROM (SELECT product_id FROM supplier_products GROUP BY 1 " \
           "HAVING count(*) = 1)"
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT count(*) FROM products")


def test_a_column_named_for_an_extreme_ranks_nothing(kit: SqlKit) -> None:
    done = run(kit, "For each supplier, what is the mean minimum order quantity?",
               metrics=["lead_time"])
    assert done.arguments["metrics"] == ["avg(supplier_products.min_order_qty)"]
    assert done.arguments["limit"] is None


def test_cheapest_with_no_money_term_linked_ranks_the_table_s_cost(kit: SqlKit) -> None:
    done = run(kit, "Which carrier is cheapest from the mountain region to the midwest?",
               metrics=["carrier_lanes_count"])
    assert done.arguments["metrics"][0] in ("avg(carrier_lanes.cost_usd)", "shipping_cost")
    assert (done.arguments["order"], done.arguments["limit"]) == ("asc", 1)


def test_year_to_date_is_this_year(kit: SqlKit) -> None:
    assert run(kit, "What is our YTD revenue?", metrics=["revenue"]).arguments["period"] == \
        "this_year"
    assert run(kit, "Units sold year-to-date?", metrics=["units_sold"]).arguments["period"] == \
        "this_year"


def test_how_many_different_values_of_a_json_attribute(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many distinct materials are our variants made of?",
               metrics=["variant_count"])
    assert done.arguments["metrics"] == ["count_distinct(variants_material)"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT count(DISTINCT options ->> '$.material') FROM variants")


@pytest.mark.parametrize(("question", "metric", "gold"), [
    ("How many products have a variant priced above $1,500?", "product_count",
     "SELECT count(DISTINCT product_id) FROM variants WHERE price > 1500"),
    ("How many customers hold a gift card balance of at least $80?", "customer_count",
     "SELECT count(DISTINCT user_id) FROM user_payment_methods WHERE balance >= 80"),
])
def test_a_bound_filters_the_column_said_just_before_it(kit: SqlKit, store: DuckDBStore,
                                                        question: str, metric: str,
                                                        gold: str) -> None:
    done = run(kit, question, holds=store_holds(store), metrics=[metric])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)


@pytest.mark.parametrize(("question", "holds"), [
    ("What is the mean list price of the available items?", True),
    ("What is the mean list price of items that are not available?", False),
])
def test_a_yes_no_column_said_of_the_things_is_a_condition(
        kit: SqlKit, store: DuckDBStore, question: str, holds: bool) -> None:
    done = run(kit, question, metrics=["list_price"])
    # (the column, or a segment of the layer over it: "not available" is sold out)
    assert any(f["field"] in ("variants.available", "still_available", "sold_out")
               for f in done.arguments["filters"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, f"SELECT avg(price) FROM variants WHERE available = {holds}")


def test_the_narrower_of_two_terms_said_wins(kit: SqlKit) -> None:
    done = run(kit, "Of our open purchase orders, how many are overdue?",
               metrics=["open_purchase_orders"])
    assert done.arguments["metrics"] == ["overdue_purchase_orders"]
    # "units ... on purchase orders" does not say "units on order"
    kept = run(kit, "How many units did we put on purchase orders in September 2026?",
               metrics=["sum(purchase_orders.quantity)"])
    assert kept.arguments["metrics"] == ["sum(purchase_orders.quantity)"]


def test_no_rows_of_a_term_keeps_the_term_s_condition(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many variants have no open purchase orders?",
               metrics=["open_purchase_orders"])
    gold = ("SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM purchase_orders p "
            "WHERE p.item_id = v.item_id AND p.status = 'open')")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT count(*) FROM variants v WHERE NOT "
                                              "EXISTS (SELECT 1 FROM purchase_orders p "
                                              "WHERE p.item_id = v.item_id)")


def test_what_is_the_most_popular_thing_names_it(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What was the most popular product by units sold in September 2026?",
               metrics=["units_sold"])
    got = _answer(kit, store, done.arguments)
    assert [(row[0], row[-1]) for row in got] == _rows(
        store, "SELECT product_id, sum(quantity) FROM sales_history WHERE day BETWEEN "
               "DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1 ORDER BY 2 DESC LIMIT 1")


def test_a_grain_said_as_an_adverb_breaks_down_by_it(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Weekly units sold in September 2026?", metrics=["units_sold"])
    assert "week" in done.arguments["group_by"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT CAST(date_trunc('week', day) AS DATE), sum(quantity) FROM sales_history "
               "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1")
    # an average per day is one figure: the days' totals averaged, not listed
    assert run(kit, "What were our average daily units sold in September 2026?",
               metrics=["units_sold"]).arguments["average_groups"]


def test_an_average_term_is_broken_down_not_averaged_again(kit: SqlKit) -> None:
    done = run(kit, "What is the average basket per customer state?",
               metrics=["average_order_value"])
    assert done.arguments["group_by"] == ["customer_state"]
    assert not done.arguments.get("average_groups")


@pytest.mark.parametrize(("question", "wrong", "gold"), [
    ("Name the 2 states with the largest number of customers.", "state_regions_count",
     "SELECT address ->> '$.state', count(*) FROM users GROUP BY 1 ORDER BY 2 DESC LIMIT 2"),
    ("Which 2 cities received the most delivered orders?", "reserved_units",
     "SELECT address ->> '$.city', count(*) FROM orders WHERE status = 'delivered' "
     "GROUP BY 1 ORDER BY 2 DESC LIMIT 2"),
])
def test_a_ranking_by_how_many_things_counts_them(kit: SqlKit, store: DuckDBStore,
                                                 question: str, wrong: str, gold: str) -> None:
    done = run(kit, question, holds=store_holds(store), metrics=[wrong])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)


def test_rows_bounded_in_units_filter_their_own_quantity(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many purchase orders are for at least 50 units?",
               metrics=["purchase_order_count"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT count(*) FROM purchase_orders WHERE quantity >= 50")


def test_a_range_is_the_highest_less_the_lowest_and_ranks_by_it(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which 2 products show the widest price range among their variants?",
               metrics=["list_price"], group_by=["variants.product_id"])
    assert done.arguments["combine"] == "difference"
    got = _answer(kit, store, done.arguments)
    assert sorted((row[0], row[-1]) for row in got) == _rows(
        store, "SELECT product_id, max(price) - min(price) FROM variants GROUP BY 1 "
               "ORDER BY 2 DESC LIMIT 2")


def test_one_column_of_those_a_term_adds_up_is_asked_on_its_own(kit: SqlKit) -> None:
    # (the test store has no agent runs: the query, not its rows, is checked)
    done = run(kit, "What is the total number of output tokens the support agent used?",
               metrics=["model_tokens"])
    assert done.arguments["metrics"] == ["sum(agent_runs.output_tokens)"]
    assert run(kit, "How many tokens did the support agent use in all?",
               metrics=["model_tokens"]).arguments["metrics"] == ["model_tokens"]


def test_a_bound_s_number_is_no_year(kit: SqlKit) -> None:
    done = run(kit, "How many agent runs used more than 2000 tokens?",
               metrics=["agent_run_count"])
    assert not any("2000-01-01" in str(f.get("value")) for f in done.arguments["filters"])


def test_a_share_whose_part_is_a_bound_counts_the_rows(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What percentage of our lanes take more than 5 days?",
               metrics=["transit_days"])
    assert "combine" not in done.arguments
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT 100.0 * count(*) FILTER (WHERE transit_days > 5) / count(*) "
               "FROM carrier_lanes")


def test_held_by_customers_ranks_nothing_and_remaining_is_no_word_between(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the total remaining balance on gift cards held by customers "
                    "living in Texas?", holds=store_holds(store), metrics=["payments"])
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT sum(balance) FROM user_payment_methods m JOIN users u USING (user_id) "
               "WHERE u.address ->> '$.state' = 'TX' AND m.source = 'gift_card'")


def test_the_gap_between_the_cheapest_and_the_dearest_is_a_range(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which 2 suppliers show the largest gap between their shortest and their "
                    "longest mean lead time in days?",
               metrics=["max(supplier_products.lead_time_mean_days)"],
               group_by=["supplier_products.supplier_id"])
    assert done.arguments["combine"] == "difference"
    got = _answer(kit, store, done.arguments)
    assert sorted((row[0], row[-1]) for row in got) == _rows(
        store, "SELECT supplier_id, max(lead_time_mean_days) - min(lead_time_mean_days) "
               "FROM supplier_products GROUP BY 1 ORDER BY 2 DESC LIMIT 2")


@pytest.mark.parametrize("question", [
    "How many variants had no sales over the last 30 days?",
    "Count the variants that sold nothing in the past 30 days",
])
def test_a_period_on_rows_without_dates_is_when_the_absent_rows_are_lacking(
        kit: SqlKit, store: DuckDBStore, question: str) -> None:
    done = run(kit, question, metrics=["variant_count"])
    gold = ("SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM sales_history s "
            "WHERE s.item_id = v.item_id AND s.day BETWEEN DATE '2026-10-02' "
            "AND DATE '2026-10-31')")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT count(*) FROM variants v WHERE NOT "
                                              "EXISTS (SELECT 1 FROM sales_history s "
                                              "WHERE s.item_id = v.item_id)")


@pytest.mark.parametrize("question", [
    "How many distinct variants on pending orders had a price cut in the last 30 days?",
    "Count the different items in pending orders that were marked down over the past 30 days",
])
def test_a_period_on_rows_without_dates_is_of_the_filtered_rows_with_dates(
        kit: SqlKit, store: DuckDBStore, question: str) -> None:
    done = run(kit, question, metrics=["order_lines"])
    gold = ("SELECT count(DISTINCT item_id) FROM order_items WHERE status = 'pending' AND "
            "item_id IN (SELECT item_id FROM price_history WHERE price < previous_price AND "
            "effective_on BETWEEN DATE '2026-10-02' AND DATE '2026-10-31')")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    # the cut itself in the period, not any price change then and a cut at any time
    assert _rows(store, gold) != _rows(
        store, "SELECT count(DISTINCT item_id) FROM order_items WHERE status = 'pending' AND "
               "item_id IN (SELECT item_id FROM price_history WHERE price < previous_price) AND "
               "item_id IN (SELECT item_id FROM price_history WHERE effective_on BETWEEN "
               "DATE '2026-10-02' AND DATE '2026-10-31')")


@pytest.mark.parametrize(("question", "decimals"), [
    ("What is the average unit cost, rounded to two decimal places?", 2),
    ("Average transit time per carrier, to 1 decimal place", 1),
    ("How much revenue did we make last month, to the nearest whole number?", 0),
    ("What is the average gift card balance in whole dollars?", 0),
    ("Average lead time by supplier country? Two decimals.", 2),
    ("Average refund per customer, 1 dp please", 1),
    ("What is the average price of a variant?", None),
])
def test_the_rounding_a_question_asks_for_is_kept(kit: SqlKit, question: str,
                                                  decimals: int | None) -> None:
    assert run(kit, question).arguments.get("decimals") == decimals


def test_figures_come_rounded_as_asked(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What is the average list price of a variant for each product, "
                    "rounded to 1 decimal?", metrics=["list_price"])
    gold = ("SELECT product_id, round(avg(price), 1) FROM variants GROUP BY 1")
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, gold)


@pytest.mark.parametrize(("question", "metric", "shown"), [
    ("Units sold per warehouse in September 2026, identified by their city",
     "units_sold", "warehouses.city"),
    ("Which 3 suppliers have the most open purchase orders? Name each by its country.",
     "open_purchase_orders", "suppliers.country"),
    ("Which 3 suppliers have the most open purchase orders?", "open_purchase_orders",
     "suppliers.name"),
    ("Which 2 warehouses hold the most reserved units? Give the warehouse cities.",
     "reserved_units", "warehouses.city"),
])
def test_a_thing_is_shown_by_the_column_the_question_names_it_by(
        kit: SqlKit, question: str, metric: str, shown: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert shown in done.arguments["group_by"]
    assert len([g for g in done.arguments["group_by"] if not g.endswith("_id")]) == 1


def test_a_breakdown_by_a_table_s_column_said_with_the_table_s_name(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Units on open purchase orders, split by supplier country",
               metrics=["units_on_order"])
    assert done.arguments["group_by"] == ["suppliers.country"]
    assert _answer(kit, store, done.arguments) == _rows(
        store, "SELECT s.country, sum(p.quantity) FROM purchase_orders p JOIN suppliers s "
               "USING (supplier_id) WHERE p.status = 'open' GROUP BY 1")


@pytest.mark.parametrize(("question", "counted"), [
    ("How many variants have nothing on hand in every one of our warehouses?", True),
    ("Which items are sold out at all of our warehouses?", False),
])
def test_things_whose_rows_meet_a_condition_in_every_place(
        kit: SqlKit, store: DuckDBStore, question: str, counted: bool) -> None:
    done = run(kit, question, metrics=["on_hand"])
    every = "SELECT item_id FROM stock GROUP BY item_id HAVING bool_and(on_hand = 0)"
    gold = f"SELECT count(*) FROM ({every})" if counted else every
    assert done.arguments["every"] is True
    assert [row[:1] for row in _answer(kit, store, done.arguments)] == _rows(store, gold)
    # not the items out of stock in some warehouse
    assert _rows(store, gold) != _rows(store, gold.replace("bool_and", "bool_or"))


@pytest.mark.parametrize(("question", "metric", "gold"), [
    ("How many sales were made at a unit price below the list price?", "units_sold",
     "SELECT count(*) FROM sales_history s JOIN variants v USING (item_id) "
     "WHERE s.unit_price < v.price"),
    ("How many competitor price checks found a price lower than our list price?",
     "average_competitor_price",
     "SELECT count(*) FROM competitor_prices c JOIN variants v USING (item_id) "
     "WHERE c.price < v.price"),
])
def test_two_columns_of_a_row_compared(kit: SqlKit, store: DuckDBStore, question: str,
                                       metric: str, gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, gold.replace("<", ">="))


@pytest.mark.parametrize(("question", "day"), [
    ("What was the list price of variant 1340995114 on September 15, 2026?", "2026-09-15"),
    ("Item 1340995114: what was its price on 2026-08-08?", "2026-08-08"),
])
def test_a_value_on_a_day_is_read_from_the_table_that_keeps_its_history(
        kit: SqlKit, store: DuckDBStore, question: str, day: str) -> None:
    done = run(kit, question, metrics=["list_price"],
               filters=[{"field": "variants.item_id", "op": "=", "value": "1340995114"}])
    gold = ("SELECT price FROM price_history WHERE item_id = '1340995114' AND effective_on <= "
            f"DATE '{day}' ORDER BY effective_on DESC LIMIT 1")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT price FROM variants "
                                              "WHERE item_id = '1340995114'")


def test_the_most_units_of_a_kind_ranks_that_kind(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which warehouse has the most reserved units?", metrics=["order_count"])
    assert done.arguments["metrics"] == ["reserved_units"]
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT warehouse_id, sum(reserved) FROM stock GROUP BY 1 ORDER BY 2 DESC "
               "LIMIT 1")


@pytest.mark.parametrize("question", ["Which carrier is the cheapest?",
                                      "Which carrier is cheapest on average?"])
def test_the_cheapest_thing_ranks_a_money_term_of_its_own_rows(
        kit: SqlKit, store: DuckDBStore, question: str) -> None:
    done = run(kit, question, metrics=["average_order_value"])
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT carrier_id, avg(cost_usd) FROM carrier_lanes GROUP BY 1 "
               "ORDER BY 2 LIMIT 1")


@pytest.mark.parametrize(("question", "direction"), [
    ("What was the best-selling product in September 2026?", "DESC"),
    ("What was our worst-selling product in September 2026?", "ASC"),
])
def test_best_selling_ranks_units_sold(kit: SqlKit, store: DuckDBStore, question: str,
                                       direction: str) -> None:
    done = run(kit, question, metrics=["product_count"])
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT product_id, sum(quantity) FROM sales_history WHERE day BETWEEN "
               f"DATE '2026-09-01' AND DATE '2026-09-30' GROUP BY 1 ORDER BY 2 {direction} "
               "LIMIT 1")


def test_a_named_value_moves_to_the_table_a_later_rule_counts_from(
        kit: SqlKit, store: DuckDBStore) -> None:
    # "percentage" links a margin term of order lines first; the share counts orders
    done = run(kit, "What percentage of orders were delivered?", metrics=["margin_pct"])
    assert [f["field"] for f in done.arguments["share"]] == ["orders.status"]
    got = _answer(kit, store, done.arguments)
    gold = _rows(store, "SELECT 100.0 * count(*) FILTER (WHERE status = 'delivered') / count(*) "
                        "FROM orders")
    assert got[0][-1] == pytest.approx(gold[0][0])


def test_the_most_expensive_single_row_ranks_the_column_s_extreme(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which carrier has the most expensive single lane?",
               metrics=["shipping_cost"])
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT carrier_id, max(cost_usd) FROM carrier_lanes GROUP BY 1 "
               "ORDER BY 2 DESC LIMIT 1")
    assert done.arguments["metrics"] == ["max(carrier_lanes.cost_usd)"]  # not the average


def test_each_group_s_extremes_are_no_ranking_of_the_groups(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "For each product, what are the lowest and the highest variant prices?",
               metrics=["list_price"], order="asc", limit=1)
    assert [(row[0], *row[-2:]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT product_id, min(price), max(price) FROM variants GROUP BY 1")


@pytest.mark.parametrize("question", [
    "Refunds as a percentage of payments?",
    "What percentage of the money customers paid us was refunded?",
])
def test_one_amount_as_a_percentage_of_another_of_the_same_rows(
        kit: SqlKit, store: DuckDBStore, question: str) -> None:
    done = run(kit, question, metrics=["refund_count"])
    assert done.arguments["combine"] == "percent"
    gold = _rows(store, "SELECT 100.0 * sum(amount) FILTER (WHERE transaction_type = 'refund') "
                        "/ sum(amount) FILTER (WHERE transaction_type = 'payment') "
                        "FROM order_payments")
    assert _answer(kit, store, done.arguments)[0][-1] == pytest.approx(gold[0][0])


@pytest.mark.parametrize(("question", "first", "second"), [
    ("How much more revenue did we make in August 2026 than in July 2026?", "08", "07"),
    ("How much less revenue did we make in July 2026 than in August 2026?", "08", "07"),
    # the two months said again in brackets, as the difference to take
    ("By how much did revenue change from July 2026 to August 2026 (August minus July)?",
     "08", "07"),
])
def test_a_metric_over_two_calendar_ranges_and_their_difference(
        kit: SqlKit, store: DuckDBStore, question: str, first: str, second: str) -> None:
    done = run(kit, question, metrics=["revenue"])

    def month(m: str) -> str:
        return (f"sum(quantity * unit_price) FILTER (WHERE day BETWEEN DATE '2026-{m}-01' "
                f"AND last_day(DATE '2026-{m}-01'))")
    gold = _rows(store, f"SELECT {month(first)}, {month(second)}, "
                        f"{month(first)} - {month(second)} FROM sales_history")
    assert _answer(kit, store, done.arguments) == gold


def test_an_amount_in_dollars_is_the_money_term_not_its_percent(
        kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "What gross margin did we make in August 2026, to the cent?",
               metrics=["margin_pct"])
    gold = _rows(store, "SELECT sum(s.quantity * (s.unit_price - c.unit_cost)) "
                        "FROM sales_history s JOIN unit_costs c USING (item_id) "
                        "WHERE day BETWEEN DATE '2026-08-01' AND DATE '2026-08-31'")
    assert _answer(kit, store, done.arguments)[0][0] == pytest.approx(gold[0][0])
    # a percentage asked stays one
    kept = run(kit, "What gross margin percent did we make in August 2026, to the cent?",
               metrics=["margin_pct"])
    assert kept.arguments["metrics"] == ["margin_pct"]


@pytest.mark.parametrize(("question", "metric", "gold"), [
    ("How many price cuts and how many price rises were there in August 2026?", "price_changes",
     "SELECT count(*) FILTER (WHERE price < previous_price), count(*) FILTER (WHERE price > "
     "previous_price) FROM price_history WHERE effective_on BETWEEN '2026-08-01' AND '2026-08-31'"),
    ("Give the number of delivered orders and the number of cancelled orders.", "order_count",
     "SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status = "
     "'cancelled') FROM orders"),
])
def test_two_counts_asked_one_after_the_other_are_two_figures(
        kit: SqlKit, store: DuckDBStore, question: str, metric: str, gold: str) -> None:
    done = run(kit, question, metrics=[metric])
    assert _answer(kit, store, done.arguments)[0][:2] == _rows(store, gold)[0]


@pytest.mark.parametrize("question", [
    "Which suppliers are never a backup for any product? Names only.",
    "Which suppliers are the main supplier of at least one product but never a backup "
    "supplier? Names only.",
])
def test_suppliers_that_are_never_a_backup(kit: SqlKit, store: DuckDBStore,
                                           question: str) -> None:
    done = run(kit, question, metrics=["suppliers_count"])
    gold = _rows(store, "SELECT s.name FROM suppliers s WHERE NOT EXISTS (SELECT 1 FROM "
                        "supplier_products p WHERE p.supplier_id = s.supplier_id "
                        "AND NOT p.is_primary)")
    assert [row[:1] for row in _answer(kit, store, done.arguments)] == gold
    assert len(gold) < len(_rows(store, "SELECT name FROM suppliers"))


def test_columns_listed_after_the_question_are_shown(kit: SqlKit) -> None:
    done = run(kit, "What was revenue per warehouse in August 2026, to the cent? Warehouse city "
                    "and revenue.", metrics=["revenue"], group_by=["sales_history.warehouse_id"])
    assert "warehouses.city" in done.arguments["group_by"]


def test_a_product_option_s_value_filters_only_where_goods_are_spoken_of(
        kit: SqlKit, store: DuckDBStore) -> None:
    holds, lookup = store_holds(store), store_lookup(store)

    def fields(question: str) -> list[Any]:
        linked = kit.linker.link(question, holds, lookup)
        done = amend(q(metrics=["promotion_count"]), question, linked, kit.catalog, kit.layer,
                     set())
        return [f["field"] for f in done.arguments["filters"]]
    # 'plain' is a design of some variants: an adjective of promotions here
    assert "variants_design" not in fields("How many plain percentage-off promotions are there?")
    assert "variants_design" in fields("How many promotions cover variants with a plain design?")


@pytest.mark.parametrize("question", [
    "List the products where the majority of variants are sold out.",
    "Which products have more than half of the variants sold out?",
])
def test_things_with_a_bounded_share_of_their_rows(kit: SqlKit, store: DuckDBStore,
                                                   question: str) -> None:
    done = run(kit, question, metrics=["variant_count"])
    names = {row[1] for row in _answer(kit, store, done.arguments)}
    gold = {row[0] for row in _rows(store, "SELECT p.name FROM variants v JOIN products p "
                                           "USING (product_id) GROUP BY p.name "
                                           "HAVING avg(CASE WHEN v.available THEN 0 ELSE 1 END) > 0.5")}
    assert names == gold


def test_things_that_lack_a_row_of_a_kind(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "How many products lack a backup supplier?", metrics=["product_count"])
    gold = ("SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM supplier_products s "
            "WHERE s.product_id = p.product_id AND NOT s.is_primary)")
    assert _answer(kit, store, done.arguments) == _rows(store, gold)
    assert _rows(store, gold) != _rows(store, "SELECT count(*) FROM products")


@pytest.mark.parametrize(("question", "available"), [
    ("How many variants can still be bought?", True),
    ("How many variants can no longer be bought?", False),
])
def test_what_can_still_be_bought_is_the_available_flag(
        kit: SqlKit, store: DuckDBStore, question: str, available: bool) -> None:
    done = run(kit, question, metrics=["variant_count"])
    gold = f"SELECT count(*) FROM variants WHERE available = {available}"
    assert _answer(kit, store, done.arguments) == _rows(store, gold)


def test_a_ranking_by_a_share_ranks_the_share(kit: SqlKit, store: DuckDBStore) -> None:
    done = run(kit, "Which product has the largest proportion of variants that are no longer "
                    "available?", metrics=["variant_count"])
    assert [(row[0], row[-1]) for row in _answer(kit, store, done.arguments)] == _rows(
        store, "SELECT product_id, 100.0 * count(*) FILTER (WHERE NOT available) / count(*) p "
               "FROM variants GROUP BY 1 ORDER BY p DESC LIMIT 1")

@pytest.mark.parametrize(("request_", "question", "metric", "gold"), [
    ("Tell me the number of variants that are sold out.",
     "How many variants are sold out?", "out_of_stock_items",
     "SELECT count(*) FROM variants WHERE NOT available"),
    ("What's the count of variants that are sold out?",
     "How many variants are sold out?", "out_of_stock_items",
     "SELECT count(*) FROM variants WHERE NOT available"),
    ("Could you show me the warehouse with the most units on hand?",
     "Which warehouse has the most units on hand?", "on_hand",
     "SELECT warehouse_id, w.name, sum(on_hand) FROM stock JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1"),
    # (not carriers by lanes: every carrier has as many lanes, a tie at any limit)
    ("I need the top 2 warehouses by number of purchase orders.",
     "Which 2 warehouses have the most purchase orders?", "purchase_order_count",
     "SELECT warehouse_id, w.name, count(*) FROM purchase_orders JOIN warehouses w "
     "USING (warehouse_id) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2"),
])
def test_a_request_is_read_as_the_question_it_puts(
        kit: SqlKit, store: DuckDBStore, request_: str, question: str, metric: str,
        gold: str) -> None:
    """"Tell me how many ...", "give me the number of ...", "show me the X with ...": the
    same query as the question asked plainly."""
    asked = _answer(kit, store, run(kit, question, metrics=[metric]).arguments)
    assert asked == _rows(store, gold)
    assert _answer(kit, store, run(kit, request_, metrics=[metric]).arguments) == asked


def test_include_ties_with_no_number_asks_for_the_first_ties_and_all(kit: SqlKit) -> None:
    done = run(kit, "Which tools did the assistants call most often? Include ties.",
               metrics=["agent_tool_calls"], group_by=["tool_name"], order="desc")
    assert (done.arguments["limit"], done.arguments["ties"]) == (1, True)


def test_a_share_s_whole_is_the_head_of_its_phrase_before_the_verb(kit: SqlKit) -> None:
    """"Of the order assistant's runs ended with ...": the runs, not the orders the first
    word names (an agent's everyday name, a possessive, a past tense after)."""
    args = q(metrics=["order_count"])
    _share_counts(args, " the order assistant's runs ended with the order confirmed?",
                  kit.catalog, kit.layer, [])
    assert args["metrics"] == ["agent_run_count"]


def test_break_down_a_things_column_groups_by_it(audit_kit: SqlKit, audited: DuckDBStore) -> None:
    question = "Break down the order agent's decisions for me: how many did it make in all?"
    done = amend(q(metrics=["agent_run_count"]), question, audit_kit.linker.link(question, None),
                 audit_kit.catalog, audit_kit.layer, set())
    gold = _rows(audited, "SELECT decision, count(*) FROM agent_runs WHERE agent = 'order' "
                          "GROUP BY 1")
    assert len(gold) > 1
    assert _answer(audit_kit, audited, done.arguments) == gold


def test_a_month_said_without_a_year_is_read_as_the_latest_one(
        kit: SqlKit, store: DuckDBStore) -> None:
    question = kit.read("For September, how many units did we sell?")
    done = run(kit, question, metrics=["units_sold"])
    gold = _rows(store, "SELECT sum(quantity) FROM sales_history "
                        "WHERE day BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'")
    assert gold != _rows(store, "SELECT sum(quantity) FROM sales_history")
    assert _answer(kit, store, done.arguments) == gold


def test_how_much_higher_names_the_term_after_the_comparison(kit: SqlKit) -> None:
    # "minus" is in the margin's description; "revenue" is what is asked
    question = ("How much higher or lower was revenue in August 2026 than in July 2026? "
                "Give August minus July.")
    assert run(kit, question, metrics=["margin"]).arguments["metrics"] == ["revenue"]
