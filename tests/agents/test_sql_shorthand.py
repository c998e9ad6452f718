"""Chat shorthand is spelled out before a question is read (``agents/_sql_shorthand.py``)."""

from __future__ import annotations

import pytest

from agents._semantic import load_layer
from agents._sql_shorthand import each_with_its_noun, spell_out

SHORTHAND = load_layer().shorthand


@pytest.mark.parametrize(("typed", "read"), [
    ("avg basket per cust", "average basket per customer"),
    ("# of POs per wh", "how many purchase orders per warehouse"),
    ("top wh by # returns last wk", "top warehouse by number of returns last week"),
    ("Pct of SKUs sold out", "what percentage of SKUs sold out"),
    ("buyers w/ 4+ orders w/o a refund", "buyers with 4 or more orders without a refund"),
    ("orders over $2,500+?", "orders over $2,500 or more?"),
    ("cost per lane east -> west", "cost per lane east to west"),
    ("spend = qty x unit cost", "spend = quantity times unit cost"),
    ("spend = qty × unit cost", "spend = quantity times unit cost"),
    ("units in & out", "units in and out"),
    ("units per whs, whs city + tot qty", "units per warehouse, warehouse city and total quantity"),
    ("orders w/ 6+ lines", "orders with 6 or more lines"),
    ("# item/whs spots w/ zero on hand", "how many item-warehouse spots with zero on hand"),
    # typed without its question words
    ("number of open POs", "how many open purchase orders"),
    ("Reno wh: pct of items w/ 0 on hand", "Reno warehouse: what percentage of items with 0 on hand"),
    ("share of refunds by card", "what share of refunds by card"),
    ("gross margin % by category", "gross margin percentage by category"),
    ("what % of orders", "what percentage of orders"),
    # the count asked after a yes-or-no question
    ("Are there products without a volume tier? Give the number of them.",
     "how many products without a volume tier?"),
    ("Stock check: do we have any items out of stock? How many?",
     "Stock check: how many items out of stock?"),
    # "count the X" at the start asks how many X
    ("Count the suppliers in Germany that ship late.",
     "how many suppliers in Germany that ship late."),
    ("Warehouses: count all the positions at zero", "Warehouses: how many positions at zero"),
    # "count of", and a terse ask after a sentence that sets the topic
    ("Count of suppliers per country", "how many suppliers per country"),
    ("Busy week ahead. Number of open POs per wh?",
     "Busy week ahead. how many open purchase orders per warehouse?"),
    ("Who buys from us? Count of customers by state.",
     "Who buys from us? how many customers by state."),
    ("Do we sit on dead stock? Give me the number of items with no sales.",
     "Do we sit on dead stock? how many items with no sales."),
    ("Tell us the total number of suppliers", "how many suppliers"),
    # "one" after a subject's verb is the thing said before it with "a"
    ("How often did we mark down a product and how often did they restock one?",
     "How often did we mark down a product and how often did they restock a product?"),
])
def test_shorthand_is_written_in_full(typed: str, read: str) -> None:
    assert spell_out(typed, SHORTHAND) == read


@pytest.mark.parametrize(("said", "read"), [
    ("due on or before november seventh twenty twenty six?", "due on or before november 7 2026?"),
    ("from the twenty first of october", "from 21 october"),
    ("between june the third and june ninth", "between june 3 and june 9"),
    ("in twenty twelve", "in 2012"),
    ("since two thousand and six", "since 2006"),
    ("more than two hundred and fifty units", "more than 250 units"),
    ("over one thousand five hundred dollars", "over 1500 dollars"),
    ("twenty-five orders or sixty days", "25 orders or 60 days"),
    # a speaker's fillers go; an inverted negation is read in the plain order
    ("so um how many orders, uh, shipped?", "how many orders, shipped?"),
    ("which items can people not buy anymore?", "which items people cannot buy anymore?"),
    ("could we no longer ship them?", "we could no longer ship them?"),
])
def test_numbers_said_as_words_are_read_in_digits(said: str, read: str) -> None:
    assert spell_out(said, SHORTHAND) == read


@pytest.mark.parametrize("typed", [
    "Where is order #W2611340?",          # a number sign before an id, not "number of"
    "What did the Dallas warehouse ship?",  # words that contain a short form stay
    "How many posts and whales?",
    "Items for pos-tagging",                # inside a hyphenated word
    "Box x",                                # a lone x ends no product
    "Top suppliers by number of open orders",  # "number of" not where a question starts
    "Which share of the stock is reserved?",
    "Are there any cancelled orders? List them.",  # a list asked, not a count
    "Promotions with 10% off",  # a number's percent sign stays
    "Do we have customers in Texas? How many of them placed orders?",  # a count of others
    "How many orders have at least one line?",  # a number, not a thing said before
    "We stock a product when we have sold one or more.",
    "Which one sold the most, and how much has each one paid?",
    "Count each item once.",  # how to count, not what
    "Count how many orders were cancelled.",
    # one number word is read as it is; words that are no number stay words
    "Which one? The top five, the first order, the last thirty days.",
    "Three and four, or one one?",
    "How many umbrellas can we sell? Some, or none?",  # no negation, no filler
])
def test_what_is_not_shorthand_is_left_as_typed(typed: str) -> None:
    assert spell_out(typed, SHORTHAND) == typed


@pytest.mark.parametrize(("said", "read"), [
    ("Which tool do the order and support bots call?",
     "Which tool do the order bot and support bot call?"),
    ("the support or order assistant", "the support assistant or order assistant"),
    ("orders and customers per state", "orders and customers per state"),  # no value's words
    ("the order and support teams", "the order and support teams"),
])
def test_a_noun_said_after_two_values_is_read_after_each(said: str, read: str) -> None:
    assert each_with_its_noun(said, {"order bot", "support bot", "order assistant"}) == read
