"""The analyst's structured query: names from the catalog only, compiled to the right SQL.

Each construct is checked by running the compiled SQL and a hand-written one on
the seeded store and comparing their rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agents._semantic import load_layer
from agents._sql_catalog import Catalog, read_catalog
from agents._sql_compile import Compiler, QueryError, period_range
from agents._sql_linking import Linker, load_examples
from agents._sql_query import GRAINS, StructuredQuery, Vocabulary, bound_query_model
from agents.trace import TraceStore
from tests.tools._seeded import seeded_template  # noqa: F401  (a fixture)
from tools import DuckDBStore, Store
from tools.seed import business_date


class World:
    def __init__(self, store: Store) -> None:
        self.store = store
        configured = load_layer()
        with store.cursor() as cur:
            self.catalog: Catalog = read_catalog(cur, configured.view_keys(), configured.references())
            self.as_of = business_date(cur)
        self.layer = configured.restrict(self.catalog)
        self.vocabulary = Vocabulary(self.catalog, self.layer)
        self.compiler = Compiler(self.catalog, self.layer, self.as_of)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.store.cursor() as cur:
            return cur.execute(sql).fetchall()

    def run(self, **query: Any) -> list[tuple[Any, ...]]:
        return self.rows(self.compiler.compile(StructuredQuery.model_validate(query)).sql)


@pytest.fixture(scope="module")
def world(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
          ) -> Iterator[World]:
    path = tmp_path_factory.mktemp("analyst") / "store.duckdb"
    shutil.copyfile(seeded_template, path)
    store = DuckDBStore(path)  # the tests here only read; the audit trail's tables are made
    TraceStore(store)
    yield World(store)
    store.close()


def same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    def norm(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]
    return norm(a) == norm(b)


def test_a_metric_with_a_category_filter_matches_the_stored_value(world: World) -> None:
    rows = world.run(metrics=["order_count"],
                     filters=[{"field": "orders.status", "op": "=", "value": "Pending"}])
    assert rows == world.rows("SELECT count(*) FROM orders WHERE status = 'pending'")
    assert rows[0][0] > 0


def test_a_value_is_matched_to_the_one_stored_value_it_names(world: World) -> None:
    for said in ("Wireless Earbuds", "wireless earbuds", "Wireless Earbud", "earbuds"):
        rows = world.run(metrics=["product_count"],
                         filters=[{"field": "products.name", "op": "=", "value": said}])
        assert rows == [(1,)], said
    with pytest.raises(QueryError) as caught:  # two products hold "kettle": ask which
        world.run(metrics=["product_count"],
                  filters=[{"field": "products.name", "op": "=", "value": "kettle"}])
    assert "'Electric Kettle'" in caught.value.hint and "'Tea Kettle'" in caught.value.hint


def test_group_order_limit(world: World) -> None:
    rows = world.run(metrics=["order_count"], group_by=["orders.status"], order="desc", limit=2)
    gold = world.rows("SELECT status, count(*) n FROM orders GROUP BY 1 ORDER BY n DESC LIMIT 2")
    assert rows == gold


def test_last_month_is_the_calendar_month_before_the_business_date(world: World) -> None:
    assert world.as_of == date(2026, 11, 1)
    assert period_range("last_month", world.as_of) == (date(2026, 10, 1), date(2026, 10, 31))
    assert period_range("last_7_days", world.as_of) == (date(2026, 10, 25), date(2026, 10, 31))
    assert period_range("yesterday", world.as_of) == (date(2026, 10, 31), date(2026, 10, 31))
    rows = world.run(metrics=["units_sold", "revenue"], period="last_month")
    gold = world.rows("SELECT sum(quantity), sum(quantity * unit_price) FROM sales_history "
                      "WHERE day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'")
    assert same(rows, gold) and rows[0][0] > 0


def test_joins_follow_the_keys_through_an_intermediate_table(world: World) -> None:
    rows = world.run(metrics=["on_hand"], group_by=["products.name"], order="asc", limit=3)
    gold = world.rows("SELECT p.name, sum(s.on_hand) n FROM stock s "
                      "JOIN variants v ON s.item_id = v.item_id "
                      "JOIN products p ON v.product_id = p.product_id "
                      "GROUP BY 1 ORDER BY n ASC LIMIT 3")
    assert rows == gold


def test_a_metric_that_needs_another_table_joins_it(world: World) -> None:
    rows = world.run(metrics=["margin"], group_by=["sales_history.region"], period="last_30_days")
    gold = world.rows(
        "SELECT s.region, sum(s.quantity * (s.unit_price - c.unit_cost)) FROM sales_history s "
        "JOIN unit_costs c ON s.item_id = c.item_id WHERE s.day BETWEEN DATE '2026-10-02' "
        "AND DATE '2026-11-01' GROUP BY 1 ORDER BY 1")
    assert same(rows, gold)


def test_month_grain_and_between_filter(world: World) -> None:
    rows = world.run(metrics=["units_sold"], group_by=["month"], filters=[
        {"field": "sales_history.day", "op": "between", "value": ["2026-08-01", "2026-09-30"]},
        {"field": "products.name", "op": "=", "value": "office chair"}])
    gold = world.rows(
        "SELECT CAST(date_trunc('month', day) AS DATE) m, sum(quantity) FROM sales_history "
        "JOIN products USING (product_id) WHERE name = 'Office Chair' "
        "AND day BETWEEN DATE '2026-08-01' AND DATE '2026-09-30' GROUP BY 1 ORDER BY 1")
    assert rows == gold and len(rows) == 2


def test_metrics_with_different_filters_each_keep_their_own(world: World) -> None:
    rows = world.run(metrics=["refunds", "payments"])
    gold = world.rows(
        "SELECT sum(amount) FILTER (WHERE transaction_type = 'refund'), "
        "sum(amount) FILTER (WHERE transaction_type = 'payment') FROM order_payments")
    assert same(rows, gold) and rows[0][0] < rows[0][1]


def test_a_list_without_metrics_is_distinct_rows(world: World) -> None:
    rows = world.run(group_by=["warehouses.name"],
                     filters=[{"field": "warehouses.region", "op": "in",
                               "value": ["West", "midwest"]}])
    gold = world.rows("SELECT DISTINCT name FROM warehouses WHERE region IN ('west', 'midwest') "
                      "ORDER BY 1")
    assert rows == gold and len(rows) == 2


def test_every_table_can_be_counted_and_a_list_is_ordered_by_its_figure(world: World) -> None:
    assert world.run(metrics=["warehouses_count"]) == world.rows("SELECT count(*) FROM warehouses")
    assert "suppliers_count" in world.vocabulary.metrics
    assert "purchase_orders_count" not in world.vocabulary.metrics  # purchase_order_count is
    rows = world.run(group_by=["variants.item_id", "variants.price"], order="desc", limit=3)
    gold = world.rows("SELECT item_id, price FROM variants ORDER BY price DESC, item_id LIMIT 3")
    assert rows == gold


def test_totals_of_different_tables_are_read_side_by_side(world: World) -> None:
    rows = world.run(metrics=["product_count", "variant_count", "warehouses_count"])
    assert rows == world.rows("SELECT (SELECT count(*) FROM products), "
                              "(SELECT count(*) FROM variants), (SELECT count(*) FROM warehouses)")


def test_dates_compare_against_the_business_date(world: World) -> None:
    rows = world.run(metrics=["promotion_count"], filters=[
        {"field": "promotions.starts_on", "op": "<=", "value": "today"},
        {"field": "promotions.ends_on", "op": ">=", "value": "today"}])
    assert rows == world.run(metrics=["active_promotions"])


@pytest.mark.parametrize(("query", "message", "hint"), [
    ({"metrics": ["units_sold", "on_hand"], "group_by": ["variants.item_id"]},
     "different tables", "one table"),
    ({"metrics": ["order_count"], "period": "last_month"}, "no date column", "period all"),
    ({"metrics": ["order_count"], "filters": [
        {"field": "orders.status", "op": "=", "value": "shipped"}]},
     "'shipped' is not a value of orders.status", "'pending'"),
    ({"metrics": ["on_hand"], "filters": [
        {"field": "stock.on_hand", "op": ">", "value": "lots"}]}, "holds numbers", "number"),
    ({}, "no metric and no column", "group_by"),
])
def test_what_cannot_compile_says_what_to_change(world: World, query: dict[str, Any],
                                                 message: str, hint: str) -> None:
    with pytest.raises(QueryError) as caught:
        world.compiler.compile(StructuredQuery.model_validate(query))
    assert message in caught.value.message and hint in caught.value.hint


def test_the_schema_names_only_the_stores_tables_and_columns(world: World) -> None:
    schema = world.vocabulary.schema()
    fields, metrics = schema["$defs"]["field"]["enum"], schema["$defs"]["metric"]["enum"]
    for name in fields:
        assert (world.catalog.column(name) is not None or world.layer.dimension(name)
                or world.layer.segment(name) or name in GRAINS), name
    assert "orders.order_date" not in fields and not any(f.startswith("refunds.") for f in fields)
    assert {"refunds", "units_sold", "margin", "on_hand", "open_purchase_orders"} <= set(metrics)


def test_an_unknown_name_is_refused_with_the_nearest_names(world: World) -> None:
    model = bound_query_model(lambda: world.vocabulary)
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"metrics": ["order_count"], "group_by": ["orders.order_date"],
                              "filters": [{"field": "customers.state", "op": "=", "value": "TX"}]})
    text = str(caught.value)
    assert "'orders.order_date' is not a field" in text and "did you mean" in text
    assert "'customers.state' is not a field" in text and "state" in text
    with pytest.raises(ValidationError, match="'refund_total' is not a metric"):
        model.model_validate({"metrics": ["refund_total"]})
    assert model.model_json_schema() == world.vocabulary.schema()


def test_the_layer_refuses_a_name_the_store_lacks(world: World) -> None:
    broken = load_layer().model_copy(deep=True)
    broken.metrics[0].sql = "count(orders.order_day)"
    with pytest.raises(ValueError, match="no column orders.order_day"):
        broken.check(world.catalog)
    # a subquery's table must be declared as read, and a values_of column must exist
    layer = load_layer()
    region = next(d for d in layer.dimensions if d.reads)
    for change, problem in [({"reads": []}, "needs state_regions in joins"),
                            ({"values_of": "state_regions.area"},
                             "values_of: no column state_regions.area")]:
        changed = layer.model_copy(update={"dimensions": [region.model_copy(update=change)]})
        with pytest.raises(ValueError, match=problem):
            changed.check(world.catalog)
    layer.model_copy(update={"dimensions": [region]}).check(world.catalog)
    # a reference must name columns both tables have
    runs = layer.tables["agent_runs"].model_copy(update={"references": {"subject_id": "orders.id"}})
    with pytest.raises(ValueError, match="references.subject_id: no column orders.id"):
        layer.model_copy(update={"tables": {**layer.tables, "agent_runs": runs}}).check(
            world.catalog)
    # other names for a column must name one the table has
    tiers = broken.tables["volume_tiers"].model_copy(update={"column_words": {"pct": ["off"]}})
    with pytest.raises(ValueError, match="column_words: no column pct"):
        layer.model_copy(update={"tables": {**layer.tables, "volume_tiers": tiers}}).check(
            world.catalog)


def test_every_example_compiles_and_runs_and_the_bank_covers_the_tables(world: World) -> None:
    examples = load_examples()
    assert len(examples) >= 40
    assert len({e.question.lower() for e in examples}) == len(examples)
    tables: set[str] = set()
    for e in examples:
        world.vocabulary.check(e.query)
        compiled = world.compiler.compile(e.query)
        world.rows(compiled.sql)
        tables |= {t for t in world.catalog.tables if f"FROM {t}\n" in compiled.sql + "\n"
                   or f"JOIN {t} " in compiled.sql}
    assert {"orders", "order_payments", "sales_history", "stock", "purchase_orders",
            "suppliers", "promotions", "competitor_prices", "carrier_lanes",
            "agent_runs", "agent_steps"} <= tables


def test_linking_finds_the_terms_tables_values_and_examples(world: World) -> None:
    linker = Linker(world.catalog, world.layer, load_examples())
    linked = linker.link("How much did we refund to customers in total?")
    assert "refunds" in linked.metrics[:2] and "order_payments" in linked.tables
    linked = linker.link("Units on hand of the Office Chair at each warehouse")
    assert "on_hand" in linked.metrics and "stock" in linked.tables
    assert any(h.value == "Office Chair" and "products.name" in h.columns
               for h in linked.values)
    assert linked.examples and all(e.query.metrics or e.query.group_by
                                   for e in linked.examples)
    # a time window names no days-metric: "the last 30 days" is when, profit is what
    linked = linker.link("How much profit did we make on the Smartphone in the last 30 days?")
    assert linked.metrics[0] == "margin"
    # a count of rows answers a question that counts, not one that names its table's words
    for question in ("What was the Northeast region's revenue for the past 30 days?",
                     "Break down the units sold in September 2026 by region."):
        assert linker.link(question).metrics[0] != "state_regions_count"
    assert linker.link("How many regions are there?").metrics[0] == "state_regions_count"
    # "set out" asks to show a figure: its "out" is not "out of stock"
    assert linker.link("Could you set out our revenue month by month for September 2026?"
                       ).metrics[0] == "revenue"
    # no term's words, but another name of a table counted: that table's count
    assert linker.link("How many fulfilment centres do we have?").metrics == ["warehouses_count"]
    # a term pinned to one value of a column is not what a question naming another asks
    # ("open" purchase orders against "received" ones), unless it says "not received"
    assert "open_purchase_orders" not in linker.link(
        "How many units are on purchase orders that were received?").metrics[:2]
    assert "units_on_order" in linker.link(
        "How many units on purchase orders have not been received yet?").metrics[:2]
    assert linker.link("What is the total balance left on gift cards?").metrics[0] == \
        "unspent_balance"
    # the cost-to-price ratio is a term of its own; a charge or a cost alone is not it
    assert linker.link("Which product has the highest cost as a fraction of price?"
                       ).metrics[0] == "cost_ratio"
    for question in ("What was the list price of item 1340995114 on 15 September 2026, a "
                     "customer disputes the charge?",
                     "Per carrier, what is the average per-parcel cost over its routes?"):
        assert linker.link(question).metrics[0] != "cost_ratio"
    # money "left unused" on gift cards is their balance, not what was paid with them
    assert linker.link("How much money is still unused on gift cards in Ohio?").metrics[0] == \
        "unspent_balance"
    # "the number of days" is a quantity in days, no count of rows
    assert linker.link("Which lanes take the longest? Give the origin and destination "
                       "regions and the number of days.").metrics[0] == "transit_days"
    # no term's words but a segment's: a count of its table's rows
    assert linker.link("How many markdowns took effect in June 2026?").metrics == [
        "price_history_count"]
    # "list" asks for a list, but not in "list price"
    assert linker.link("What was the list price of item 1340995114 on 15 July 2026?"
                       ).metrics[0] == "list_price"
    # units not yet promised to a customer: on hand minus reserved
    for question in ("How many units in the Reno warehouse are not already promised to a "
                     "customer?", "Units on the shelf minus what has been set aside, in Reno?"):
        assert linker.link(question).metrics[0] == "available_stock"
    # the goods on hand valued at what they cost us
    for question in ("What is the stock in Denver worth at cost?",
                     "Units on the shelf times our cost per unit, for Denver?"):
        assert linker.link(question).metrics[0] == "stock_value"


def test_an_event_code_is_not_its_things_said_with_the_verb(world: World) -> None:
    linker = Linker(world.catalog, world.layer, load_examples())
    linker.values.append(("agent_runs.kind", "order_placed"))
    # "orders placed" are orders; "order placed" (or the code) names the event
    for question, named in (("How many orders placed in Texas were cancelled?", False),
                            ("How many order placed runs failed?", True),
                            ("How many order_placed runs failed?", True)):
        hits = linker.link(question).values
        assert any(h.value == "order_placed" for h in hits) is named, question


def test_a_value_is_said_within_one_sentence(world: World) -> None:
    linker = Linker(world.catalog, world.layer, load_examples())
    linker.values.append(("agent_runs.thread_id", "order:3"))
    said = linker.link("Which agent runs were about order 3?")
    assert any(h.value == "order:3" for h in said.values)
    # "... per order? 3 decimals": the sentence ends between the two words
    apart = linker.link("How many agent runs per order? 3 decimals")
    assert not any(h.value == "order:3" for h in apart.values)


def test_a_two_letter_code_is_a_value_when_typed_in_capitals(world: World) -> None:
    linker = Linker(world.catalog, world.layer, load_examples())
    codes = linker.link("Average quoted lead time, DE vs CN suppliers")
    assert {"DE", "CN"} <= {h.value for h in codes.values}
    # in lower case, or a capitalised word ("user ID"), it is a word
    assert "CN" not in {h.value for h in linker.link("lead time of the cn line").values}
    assert "ID" not in {h.value for h in linker.link("user ID of the biggest buyer").values}


def test_an_aggregate_of_any_number_column(world: World) -> None:
    assert "avg(warehouses.handling_days)" in world.vocabulary.metrics
    assert not any("line_no" in m for m in world.vocabulary.metrics)
    rows = world.run(metrics=["max(carrier_lanes.transit_days)", "avg(carrier_lanes.cost_usd)"],
                     group_by=["carriers.service"], order="desc")
    gold = world.rows("SELECT service, max(transit_days) t, avg(cost_usd) FROM carrier_lanes "
                      "JOIN carriers USING (carrier_id) GROUP BY 1 ORDER BY t DESC")
    assert same(rows, gold)
    compiled = world.compiler.compile(StructuredQuery(metrics=["avg(carrier_lanes.cost_usd)"]))
    assert [c.name for c in compiled.columns] == ["avg_cost_usd"]
    metric = world.layer.metric("avg(carrier_lanes.cost_usd)")
    assert metric is not None and metric.format == "money" and metric.label == "average cost usd"


def test_the_extreme_of_an_averaged_term_is_its_rows_extreme(world: World) -> None:
    """``max(price_change_pct)``: the largest value the term averages, one per row, with
    the term's own filter; code writes it, the model is not offered it."""
    assert "max(price_change_pct)" in world.vocabulary.code_metrics
    assert "max(price_change_pct)" not in world.vocabulary.metrics
    assert world.layer.metric("max(payments)") is None  # a sum has no value per row to pick
    compiled = world.compiler.compile(StructuredQuery(metrics=["max(price_change_pct)"]))
    assert [c.name for c in compiled.columns] == ["max_price_change_pct"]
    assert same(world.rows(compiled.sql), world.rows(
        "SELECT max(100.0 * (price - previous_price) / previous_price) FROM price_history "
        "WHERE previous_price IS NOT NULL"))


def test_the_duration_of_a_table_whose_rows_last_counts_both_ends(world: World) -> None:
    assert "duration(promotions)" in world.vocabulary.code_metrics
    assert world.layer.metric("duration(orders)") is None  # orders do not last
    compiled = world.compiler.compile(StructuredQuery(metrics=["duration(promotions)"]))
    assert [c.name for c in compiled.columns] == ["promotions_days"]
    assert same(world.rows(compiled.sql), world.rows(
        "SELECT avg(date_diff('day', starts_on, ends_on) + 1) FROM promotions"))
    # the end date minus the start date, a name the query's vocabulary takes too
    assert "span(promotions)" in world.vocabulary.code_metrics
    compiled = world.compiler.compile(StructuredQuery(metrics=["span(promotions)"]))
    assert same(world.rows(compiled.sql), world.rows(
        "SELECT avg(date_diff('day', starts_on, ends_on)) FROM promotions"))


def test_a_filter_value_matches_stored_values_by_whole_words_only() -> None:
    from agents._sql_compile import QueryError, _match_value

    names = ["Bluetooth Speaker", "Wireless Earbuds", "T-Shirt"]
    assert _match_value("products.name", "earbuds", names) == "Wireless Earbuds"
    with pytest.raises(QueryError):
        _match_value("products.name", "blue", names)


def test_a_date_bucketed_by_weekday_and_month_of_year(world: World) -> None:
    rows = world.run(metrics=["units_sold"], group_by=["weekday"], order="desc")
    assert same(rows, world.rows("SELECT dayname(day) d, sum(quantity) n FROM sales_history "
                                 "GROUP BY d ORDER BY n DESC"))
    by_month = world.run(metrics=["units_sold"], group_by=["month_of_year"])
    assert {r[0] for r in by_month} <= {date(2026, m, 1).strftime("%B") for m in range(1, 13)}


def test_having_keeps_the_groups_whose_metric_passes_and_count_groups_counts_them(
        world: World) -> None:
    per_order = {"metrics": ["order_lines"], "group_by": ["order_items.order_id"],
                 "having": {"op": ">", "value": 4}}
    gold = world.rows("SELECT order_id, count(*) FROM order_items GROUP BY 1 HAVING count(*) > 4")
    assert sorted(world.run(**per_order)) == sorted(gold) and gold
    assert world.run(**per_order, count_groups=True) == [(len(gold),)]
    compiled = world.compiler.compile(StructuredQuery.model_validate(
        {**per_order, "count_groups": True}))
    assert [c.name for c in compiled.columns] == ["group_count"]
    assert compiled.columns[0].label == "number of orders"


def test_ties_keep_every_group_tied_with_the_last_one_kept(world: World) -> None:
    gold = world.rows("WITH c AS (SELECT address ->> '$.city' city, count(*) n FROM users "
                      "GROUP BY 1) SELECT city, n FROM c WHERE n = (SELECT max(n) FROM c)")
    tied = world.run(metrics=["customer_count"], group_by=["customer_city"], order="desc",
                     limit=1, ties=True)
    assert sorted(tied) == sorted(gold) and len(gold) > 1  # the seeded store has a tie
    assert len(world.run(metrics=["customer_count"], group_by=["customer_city"],
                         order="desc", limit=1)) == 1


def test_latest_keeps_the_latest_date_among_the_rows_the_other_filters_keep(
        world: World) -> None:
    bargain = {"field": "competitor_prices.competitor", "op": "=", "value": "BargainBay"}
    rows = world.run(metrics=["avg(competitor_prices.price)"], filters=[
        bargain, {"field": "competitor_prices.observed_on", "op": "latest", "value": None}])
    assert same(rows, world.rows(
        "SELECT avg(price) FROM competitor_prices WHERE competitor = 'BargainBay' AND "
        "observed_on = (SELECT max(observed_on) FROM competitor_prices "
        "WHERE competitor = 'BargainBay')"))
    with pytest.raises(QueryError) as caught:
        world.run(metrics=["avg(competitor_prices.price)"], filters=[
            {"field": "competitor_prices.price", "op": "latest", "value": None}])
    assert "date column" in caught.value.hint


def test_a_filter_the_metric_carries_is_written_once(world: World) -> None:
    compiled = world.compiler.compile(StructuredQuery.model_validate(
        {"metrics": ["active_reservations"],
         "filters": [{"field": "reservations.status", "op": "=", "value": "active"}]}))
    assert compiled.sql.count("reservations.status = 'active'") == 1


def test_having_between_keeps_the_groups_within_both_ends(world: World) -> None:
    per_user = {"metrics": ["order_count"], "group_by": ["orders.user_id"],
                "having": {"op": "between", "value": [4, 2]}, "count_groups": True}
    gold = world.rows("SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY 1 "
                      "HAVING count(*) BETWEEN 2 AND 4)")
    assert world.run(**per_user) == gold and gold[0][0] > 0
    for wrong in ({"op": "between", "value": 3}, {"op": ">", "value": [2, 4]},
                  {"op": "between", "value": [1, 2, 3]}):
        with pytest.raises(ValidationError):
            StructuredQuery.model_validate({**per_user, "having": wrong})


def test_share_part_puts_the_part_s_figure_before_its_share(world: World) -> None:
    cancelled = {"metrics": ["order_count"],
                 "share": [{"field": "orders.status", "op": "=", "value": "cancelled"}]}
    gold = world.rows("SELECT count(*) FILTER (WHERE status = 'cancelled'), 100.0 * "
                      "count(*) FILTER (WHERE status = 'cancelled') / count(*) FROM orders")
    assert world.run(**cancelled, share_part=True) == gold
    assert world.run(**cancelled) == [gold[0][1:]]


def test_having_needs_groups_and_a_metric(world: World) -> None:
    with pytest.raises(QueryError) as caught:
        world.run(metrics=["order_count"], having={"op": ">", "value": 3})
    assert "group_by" in caught.value.hint


def test_a_named_condition_filters_through_its_table(world: World) -> None:
    sold_out = {"field": "sold_out", "op": "=", "value": True}
    assert world.run(metrics=["order_lines"], filters=[sold_out]) == world.rows(
        "SELECT count(*) FROM order_items JOIN variants USING (item_id) WHERE NOT available")
    kept = world.run(metrics=["variant_count"], filters=[{**sold_out, "value": False}])
    assert kept == world.rows("SELECT count(*) FROM variants WHERE available")
    with pytest.raises(QueryError) as caught:
        world.run(metrics=["variant_count"], filters=[{**sold_out, "op": ">"}])
    assert "true" in caught.value.hint


def test_a_value_said_with_its_columns_name_is_matched_to_the_value(world: World) -> None:
    for said in ("pending status", "pending_status", "status pending"):
        rows = world.run(metrics=["order_count"],
                         filters=[{"field": "orders.status", "op": "=", "value": said}])
        assert rows == world.rows("SELECT count(*) FROM orders WHERE status = 'pending'"), said


def test_average_groups_averages_the_first_metric_over_the_groups(world: World) -> None:
    per_order = {"metrics": ["order_lines"], "group_by": ["order_items.order_id"]}
    gold = world.rows("SELECT avg(n) FROM (SELECT order_id, count(*) n FROM order_items "
                      "GROUP BY 1)")
    assert same(world.run(**per_order, average_groups=True), gold)
    compiled = world.compiler.compile(StructuredQuery.model_validate(
        {**per_order, "average_groups": True}))
    assert [c.label for c in compiled.columns] == ["average items ordered per order"]
    with pytest.raises(QueryError, match="needs group_by"):
        world.run(metrics=["order_lines"], average_groups=True)
    # every group is averaged, however few rows an answer may show
    few = world.compiler.compile(StructuredQuery.model_validate(
        {**per_order, "average_groups": True}), max_rows=5)
    assert same(world.rows(few.sql), gold)


def test_share_is_each_metric_over_its_rows_as_a_percentage_of_all_rows(world: World) -> None:
    pending = {"field": "orders.status", "op": "=", "value": "pending"}
    gold = world.rows("SELECT 100.0 * count(*) FILTER (WHERE status = 'pending') / count(*) "
                      "FROM orders")
    assert same(world.run(metrics=["order_count"], share=[pending]), gold) and 0 < gold[0][0] < 100
    # the filters are the whole: the share of pending orders among those of one customer
    user = world.rows("SELECT user_id FROM orders LIMIT 1")[0][0]
    mine = world.rows(f"SELECT 100.0 * count(*) FILTER (WHERE status = 'pending') / count(*) "
                      f"FROM orders WHERE user_id = '{user}'")
    assert same(world.run(metrics=["order_count"], share=[pending], filters=[
        {"field": "orders.user_id", "op": "=", "value": user}]), mine)
    with pytest.raises(QueryError, match="share needs a metric"):
        world.run(group_by=["orders.status"], share=[pending])


def test_versus_is_a_metric_over_two_sets_of_rows_and_their_difference(world: World) -> None:
    gold = world.rows("SELECT count(*) FILTER (WHERE status = 'processed'), count(*) FILTER "
                      "(WHERE status = 'pending'), count(*) FILTER (WHERE status = 'processed')"
                      " - count(*) FILTER (WHERE status = 'pending') FROM orders")
    got = world.run(metrics=["order_count"], versus=[
        {"field": "orders.status", "op": "=", "value": "processed"},
        {"field": "orders.status", "op": "=", "value": "pending"}])
    assert same(got, gold) and gold[0][2] != 0
    with pytest.raises(QueryError, match="over the rows of two filters"):
        world.run(metrics=["order_count"], versus=[
            {"field": "orders.status", "op": "=", "value": "pending"}])


def test_subset_is_the_metric_again_over_the_rows_its_filters_also_keep(world: World) -> None:
    gold = world.rows("SELECT count(*), count(*) FILTER (WHERE o.status = 'pending') "
                      "FROM orders o WHERE o.address ->> '$.state' = 'TX'")
    got = world.run(metrics=["order_count"],
                    filters=[{"field": "order_state", "op": "=", "value": "TX"}],
                    subset=[{"field": "orders.status", "op": "=", "value": "pending"}])
    assert same(got, gold) and 0 < gold[0][1] < gold[0][0]
    with pytest.raises(QueryError, match="subset repeats the first metric"):
        world.run(metrics=["order_count"], subset=[
            {"field": "orders.status", "op": "=", "value": "pending"}], versus=[
            {"field": "orders.status", "op": "=", "value": "processed"},
            {"field": "orders.status", "op": "=", "value": "pending"}])


def test_combine_percent_with_versus_is_the_ratio_over_each_side(world: World) -> None:
    gold = world.rows("SELECT 100.0 * sum(reserved) FILTER (WHERE w.region = 'west') / "
                      "sum(on_hand) FILTER (WHERE w.region = 'west'), 100.0 * sum(reserved) "
                      "FILTER (WHERE w.region = 'southeast') / sum(on_hand) FILTER "
                      "(WHERE w.region = 'southeast') FROM stock JOIN warehouses w USING "
                      "(warehouse_id)")
    got = world.run(metrics=["reserved_units", "on_hand"], combine="percent", versus=[
        {"field": "warehouses.region", "op": "=", "value": "west"},
        {"field": "warehouses.region", "op": "=", "value": "southeast"}])
    assert same([row[:2] for row in got], gold) and gold[0][0] != gold[0][1]
    assert got[0][2] == pytest.approx(gold[0][0] - gold[0][1])


def test_also_having_counts_the_groups_of_a_second_bound_beside_the_first(
        world: World) -> None:
    gold = world.rows("SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n >= 2) "
                      "FROM (SELECT user_id, count(*) AS n FROM orders GROUP BY 1)")
    got = world.run(metrics=["order_count"], group_by=["orders.user_id"], count_groups=True,
                    having={"op": "=", "value": 1}, also_having={"op": ">=", "value": 2})
    assert same(got, gold) and gold[0][0] != gold[0][1]
    with pytest.raises(QueryError, match="second bound"):
        world.run(metrics=["order_count"], group_by=["orders.user_id"],
                  also_having={"op": ">=", "value": 2})


def test_combine_change_is_the_first_part_s_change_from_the_second_in_percent(
        world: World) -> None:
    gold = world.rows("SELECT p, q, p - q, 100.0 * (p - q) / q FROM (SELECT count(*) FILTER "
                      "(WHERE status = 'processed') AS p, count(*) FILTER "
                      "(WHERE status = 'pending') AS q FROM orders)")
    got = world.run(metrics=["order_count"], combine="change", versus=[
        {"field": "orders.status", "op": "=", "value": "processed"},
        {"field": "orders.status", "op": "=", "value": "pending"}])
    assert same(got, gold) and gold[0][3] != 0
    with pytest.raises(QueryError, match="change between the two parts of versus"):
        world.run(metrics=["order_count"], combine="change")


def test_average_groups_averages_over_the_last_group_for_each_group_before_it(
        world: World) -> None:
    gold = world.rows("SELECT status, avg(n) FROM (SELECT o.status, order_id, count(*) AS n "
                      "FROM order_items JOIN orders o USING (order_id) GROUP BY 1, 2) "
                      "GROUP BY 1 ORDER BY 1")
    got = world.run(metrics=["order_lines"], group_by=["orders.status", "order_items.order_id"],
                    average_groups=True)
    assert same(got, gold) and len(gold) > 1


def test_combine_is_two_metrics_difference_or_ratio(world: World) -> None:
    gold = world.rows("SELECT max(price), min(price), max(price) - min(price) FROM variants")
    assert same(world.run(metrics=["max(variants.price)", "min(variants.price)"],
                          combine="difference"), gold)
    ratio = world.rows("SELECT sum(reserved), sum(on_hand), 100.0 * sum(reserved) / "
                       "sum(on_hand) FROM stock")
    assert same(world.run(metrics=["reserved_units", "on_hand"], combine="percent"), ratio)
    with pytest.raises(QueryError, match="needs two metrics"):
        world.run(metrics=["max(variants.price)"], combine="difference")


def test_a_filter_on_the_many_side_of_a_key_keeps_the_root_rows_once(world: World) -> None:
    # A variant may have several open purchase orders: joining them would count its
    # stock once per order. The filter is asked as EXISTS; the rows are the root's.
    gold = world.rows("SELECT sum(on_hand) FROM stock WHERE item_id IN "
                      "(SELECT item_id FROM purchase_orders WHERE status = 'open')")
    joined = world.rows("SELECT sum(s.on_hand) FROM stock s JOIN purchase_orders p "
                        "ON p.item_id = s.item_id WHERE p.status = 'open'")
    assert gold != joined  # the seeded store has variants with several open orders
    open_po = {"field": "purchase_orders.status", "op": "=", "value": "open"}
    assert same(world.run(metrics=["on_hand"], filters=[open_po]), gold)
    # two conditions on that table hold for the same row of it, as a join would ask
    both = world.rows("SELECT sum(on_hand) FROM stock WHERE item_id IN (SELECT item_id FROM "
                      "purchase_orders WHERE status = 'open' AND quantity > 100)")
    assert same(world.run(metrics=["on_hand"], filters=[
        open_po, {"field": "purchase_orders.quantity", "op": ">", "value": 100}]), both)
    # a table the breakdown joins anyway is joined, not asked
    sql = world.compiler.compile(StructuredQuery.model_validate(
        {"metrics": ["order_count"], "group_by": ["order_items.name"],
         "filters": [{"field": "order_items.status", "op": "=", "value": "pending"}]})).sql
    assert "EXISTS" not in sql and "JOIN order_items" in sql


def test_an_absent_table_keeps_the_root_rows_with_none_of_its_rows(world: World) -> None:
    never = world.rows("SELECT count(*) FROM users u WHERE NOT EXISTS "
                       "(SELECT 1 FROM orders o WHERE o.user_id = u.user_id)")
    assert same(world.run(metrics=["customer_count"], absent=["orders"]), never)
    # the filters on the absent table say which of its rows are lacked
    unsold = world.rows("SELECT count(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM "
                        "sales_history s WHERE s.item_id = v.item_id AND s.day BETWEEN "
                        "'2026-10-01' AND '2026-10-31')")
    october = {"field": "sales_history.day", "op": "between",
               "value": ["2026-10-01", "2026-10-31"]}
    assert same(world.run(metrics=["variant_count"], filters=[october],
                          absent=["sales_history"]), unsold)
    assert unsold != never and unsold[0][0] > 0
    # an order has one customer: it cannot lack one
    with pytest.raises(QueryError, match="cannot lack users rows"):
        world.run(metrics=["order_count"], absent=["users"])


def test_a_period_on_dateless_rows_applies_to_the_filtered_rows_that_have_dates(
        world: World) -> None:
    # order lines have no dates: the period is of the price cuts the filter keeps, in one
    # EXISTS with the cut itself
    cut_lately = world.rows(
        "SELECT count(DISTINCT item_id) FROM order_items oi WHERE EXISTS (SELECT 1 FROM "
        "price_history p WHERE p.item_id = oi.item_id AND p.price < p.previous_price AND "
        "p.effective_on BETWEEN DATE '2026-10-02' AND DATE '2026-10-31')")
    assert same(world.run(metrics=["count_distinct(order_items.item_id)"], period="last_30_days",
                          filters=[{"field": "price_cut", "op": "=", "value": True}]),
                cut_lately)
    assert cut_lately != world.rows("SELECT count(DISTINCT item_id) FROM order_items oi "
                                    "WHERE EXISTS (SELECT 1 FROM price_history p WHERE "
                                    "p.item_id = oi.item_id AND p.price < p.previous_price)")
    # two such tables: which one is meant is not known
    with pytest.raises(QueryError, match="does not apply"):
        world.run(metrics=["count_distinct(order_items.item_id)"], period="last_30_days",
                  filters=[{"field": "price_cut", "op": "=", "value": True},
                           {"field": "sales_history.quantity", "op": ">", "value": 5}])


def test_a_payment_method_filter_reads_the_method_each_payment_used(world: World) -> None:
    # user_payment_methods is a view: its key comes from the layer, so payments join it
    # by payment_method_id, not through the customer (the methods a customer holds).
    refunded = world.run(metrics=["refunds"], filters=[
        {"field": "user_payment_methods.source", "op": "=", "value": "credit_card"}])
    assert refunded == world.rows(
        "SELECT sum(amount) FROM order_payments WHERE transaction_type = 'refund' "
        "AND payment_method_id LIKE 'credit_card%'")
    # from orders the two ways are as short: through the payments, not the customer
    orders = world.run(metrics=["order_count"], filters=[
        {"field": "user_payment_methods.source", "op": "=", "value": "gift_card"}])
    assert orders == world.rows(
        "SELECT count(DISTINCT order_id) FROM order_payments "
        "WHERE payment_method_id LIKE 'gift_card%'")
    assert orders != world.rows(
        "SELECT count(*) FROM orders WHERE user_id IN "
        "(SELECT user_id FROM user_payment_methods WHERE source = 'gift_card')")


def test_among_equally_short_join_paths_siblings_come_last() -> None:
    from agents._sql_catalog import Join
    joins = [Join(left="orders", right="users", left_column="user_id", right_column="user_id"),
             Join(left="methods", right="users", left_column="user_id", right_column="user_id"),
             Join(left="payments", right="orders", left_column="order_id",
                  right_column="order_id"),
             Join(left="payments", right="methods", left_column="method_id",
                  right_column="method_id")]
    catalog = Catalog(tables={}, joins=joins)
    assert [j.left for j in catalog.path("orders", "methods") or []] == ["payments"] * 2


def test_among_equally_short_join_paths_a_mostly_empty_reference_comes_last() -> None:
    from agents._sql_catalog import Join
    # sales reach promotions through the product every promotion has, not the variant
    # only a few name
    joins = [Join(left="sales", right="variants", left_column="item_id", right_column="item_id"),
             Join(left="sales", right="products", left_column="product_id",
                  right_column="product_id"),
             Join(left="promotions", right="variants", left_column="item_id",
                  right_column="item_id", filled=0.2),
             Join(left="promotions", right="products", left_column="product_id",
                  right_column="product_id")]
    catalog = Catalog(tables={}, joins=joins)
    assert [j.right for j in catalog.path("sales", "promotions") or []] == ["products"] * 2


def test_a_breakdown_on_the_many_side_of_a_key_counts_each_root_row_once(world: World) -> None:
    # Stock on hand by the status of the variant's purchase orders: a variant with two
    # open orders is still one stock row in the 'open' group.
    gold = world.rows("SELECT p.status, sum(s.on_hand) FROM stock s JOIN (SELECT DISTINCT "
                      "item_id, status FROM purchase_orders) p ON p.item_id = s.item_id "
                      "GROUP BY 1 ORDER BY 1")
    joined = world.rows("SELECT p.status, sum(s.on_hand) FROM stock s JOIN purchase_orders p "
                        "ON p.item_id = s.item_id GROUP BY 1 ORDER BY 1")
    assert gold != joined  # the seeded store has variants with several orders of one status
    assert same(world.run(metrics=["on_hand"], group_by=["purchase_orders.status"]), gold)
    # a breakdown on the root's own side joins as before
    sql = world.compiler.compile(StructuredQuery.model_validate(
        {"metrics": ["on_hand"], "group_by": ["warehouses.name"]})).sql
    assert "DISTINCT" not in sql and "JOIN warehouses" in sql


def test_decimals_round_the_figures_not_the_groups_nor_the_ranking(world: World) -> None:
    per_order = {"metrics": ["order_lines"], "group_by": ["order_items.order_id"]}
    assert world.run(**per_order, average_groups=True, decimals=2) == world.rows(
        "SELECT round(avg(n), 2) FROM (SELECT order_id, count(*) n FROM order_items GROUP BY 1)")
    ranked = world.run(metrics=["shipping_cost"], group_by=["carrier_lanes.carrier_id"],
                       order="desc", decimals=1, having={"op": ">", "value": 10})
    assert ranked == world.rows(
        "SELECT carrier_id, round(avg(cost_usd), 1) c FROM carrier_lanes GROUP BY 1 "
        "HAVING avg(cost_usd) > 10 ORDER BY avg(cost_usd) DESC")
    # a date is no figure to round
    assert world.run(metrics=["max(sales_history.day)"], decimals=0) == world.rows(
        "SELECT max(day) FROM sales_history")


def test_every_keeps_the_groups_whose_rows_all_pass_the_filters(world: World) -> None:
    zero = [{"field": "stock.on_hand", "op": "=", "value": 0}]
    rows = world.run(metrics=["stock_count"], group_by=["stock.item_id"], filters=zero,
                     every=True, count_groups=True)
    assert rows == world.rows("SELECT count(*) FROM (SELECT item_id FROM stock GROUP BY 1 "
                              "HAVING bool_and(on_hand = 0))")
    assert rows != world.run(metrics=["stock_count"], group_by=["stock.item_id"], filters=zero,
                             count_groups=True)
    with pytest.raises(QueryError, match="needs group_by"):
        world.run(metrics=["stock_count"], filters=zero, every=True)


def test_compare_keeps_the_rows_where_one_column_beats_another(world: World) -> None:
    below = [{"field": "variants.price", "op": "<", "value": "unit_costs.unit_cost"}]
    assert world.run(metrics=["variant_count"], compare=below) == world.rows(
        "SELECT count(*) FROM variants v JOIN unit_costs u USING (item_id) "
        "WHERE v.price < u.unit_cost")
    late = [{"field": "purchase_orders.received_on", "op": ">",
             "value": "purchase_orders.expected_on"}]
    assert world.run(metrics=["purchase_order_count"], compare=late) == world.rows(
        "SELECT count(*) FROM purchase_orders WHERE received_on > expected_on")
    with pytest.raises(QueryError, match="a number and a date"):
        world.run(metrics=["purchase_order_count"], compare=[
            {"field": "purchase_orders.quantity", "op": ">",
             "value": "purchase_orders.expected_on"}])
    # two texts are equal or not; they have no order
    same = [{"field": "carrier_lanes.origin_region", "op": "=",
             "value": "carrier_lanes.dest_region"}]
    assert world.run(metrics=["transit_days"], compare=same) == world.rows(
        "SELECT avg(transit_days) FROM carrier_lanes WHERE origin_region = dest_region")
    with pytest.raises(QueryError, match="not a number or date column"):
        world.run(metrics=["transit_days"], compare=[{**same[0], "op": "<"}])
