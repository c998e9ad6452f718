"""Which rows the question keeps: the values, segments, flags and bounds its words name,
and the filters a model invented that its words do not (``_sql_amend``'s values,
named conditions, invented values and hygiene)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._semantic import Segment, SemanticLayer
from ._sql_amend_common import (
    _ASCENDING,
    _BETWEEN,
    _BOUND,
    _BOUND_OPS,
    _DESCENDING,
    _LIST,
    _NEGATION,
    _NUMBER,
    _SUPERLATIVE,
    _UNIT_WORDS,
    _UNREACHABLE,
    _WHICH,
    _WORDS,
    _a_named_thing,
    _counted_table,
    _counts_days,
    _field_table,
    _figure_named,
    _is_number,
    _money_total_per_thing,
    _plain_number,
    _singular,
    _spell,
    _stated,
    _stem,
    _table_named,
    _tables_said,
)
from ._sql_catalog import Catalog, CatalogColumn, CatalogTable
from ._sql_linking import Linked, ValueHit, phrase, tokens

# A date the question names: a day, a month or a year.
_DATES = re.compile(r"\b(\d{4} \d{1,2} \d{1,2}|\d{1,2} \d{1,2} \d{4}|20\d\d|january|february|"
                    r"march|april|may|june|july|august|september|october|november|december|"
                    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b")
_NEGATED_WINDOW = 4  # words between a negation and the value it excludes
# Words that quantify rather than name: "all the stock" asks for no filter at all.
_QUANTIFIERS = frozenset({"all", "any", "every", "each", "none", "total", "everything",
                          "anything", "*", "%"})
_PARAPHRASED_VALUES = 12  # a category this small may be named in other words (statuses)
# "A week or longer", "5 or more items", "10 units or fewer": the same bounds as "at least
# 7 days", "at least 5 items", "at most 10 units", written so one pattern reads them all.
_OR_MORE = re.compile(rf"\b(a|an|{_NUMBER}) (?:(\w+) or (more|longer|over|above|greater|"
                      rf"less|fewer|shorter|under|below)|or (more|fewer|less) (\w+))\b")
_AT_MOST_WORDS = frozenset({"less", "fewer", "shorter", "under", "below", "lower"})
# "a minimum order quantity of 25 or more?": the bound with no unit after it
_OR_MORE_ALONE = re.compile(rf"\b{_NUMBER} or (?P<way>more|over|above|greater|higher|less|fewer"
                            r"|under|below|lower)(?=\s*(?:[^\w\s]|$))")
_PERCENT_OR_MORE = re.compile(r"\b(?P<n>\d+(?:\.\d+)?)(?P<unit>%| percent)(?P<off> off)? or "
                              r"(?P<way>more|over|above|greater|less|fewer|under|below)\b")


def _useful(filters: list[dict[str, Any]], catalog: Catalog,
            notes: list[str]) -> list[dict[str, Any]]:
    """The filters less repeats and those that keep every row (every value listed); one
    column equal to several values at once ("source = 'paypal' AND source = 'gift_card'",
    which no row is) lists them (``in``)."""
    equal: dict[str, list[dict[str, Any]]] = {}
    for f in filters:
        if f.get("op") == "=" and not isinstance(f.get("value"), list | dict | None):
            equal.setdefault(str(f.get("field")), []).append(f)
    for field, same in equal.items():
        values = list(dict.fromkeys(f["value"] for f in same))
        if len(values) > 1:
            notes.append(f"filters {field} = {values!r} listed: no row has them all")
            at = filters.index(same[0])
            filters = [f for f in filters if f not in same]
            filters.insert(at, {"field": field, "op": "in", "value": values})
    out: list[dict[str, Any]] = []
    for f in filters:
        if f in out:
            notes.append(f"filter {f.get('field')} {f.get('op')} {f.get('value')!r} dropped: "
                         "written twice")
            continue
        column = catalog.column(str(f.get("field", "")))
        value = f.get("value")
        if column is not None and f.get("op") == "in" and isinstance(value, list):
            listed = {str(v).lower() for v in value}
            every = ({"true", "false"} if column.kind == "bool"
                     else {v.lower() for v in column.values})
            if every and every <= listed:
                notes.append(f"filter on {f.get('field')} dropped: it lists every value")
                continue
        out.append(f)
    return out


def _in_table_names(hit: ValueHit, said: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether the question says the value only as part of a longer name of another
    table than the value's ('payment' in "payment methods", which names
    user_payment_methods, is no transaction type). A name that is the value itself ("gift
    cards"), or a table's own value in its name ('model' in "model calls" of agent
    steps), still names the value."""
    term = f" {phrase(hit.words)} "
    own = {c.partition(".")[0] for c in hit.columns}
    synonyms = {t: note.synonyms for t, note in layer.tables.items()}
    names = {f" {phrase(n.replace('_', ' '))} " for t in catalog.tables if t not in own
             for n in (t, *t.split("_", 1)[1:], *synonyms.get(t, []))}
    rest = said
    for name in sorted(names, key=len, reverse=True):
        if term in name and term != name:
            rest = rest.replace(name, " | ")
    if term in said and term not in rest:
        return True
    # ("order placed" in "purchase orders placed": it starts inside another table's name)
    spans = [(m.start(), m.end()) for name in names
             for m in re.finditer(re.escape(name.strip()), said)]
    found = [m.start() for m in re.finditer(re.escape(term.strip()), said)]
    return bool(found) and all(any(a < at < b < at + len(term.strip()) for a, b in spans)
                               for at in found)


_UNIT_BOUND = re.compile(_BOUND.pattern + r"\s+([a-z]+)")


def _column_names(words: str, catalog: Catalog) -> str:
    """``words`` with a column's name said in full that starts with an extreme ("minimum
    order quantity") written as the column's (min_order_qty): it ranks nothing."""
    for table in catalog.tables.values():
        for c in table.columns:
            parts = c.name.split("_")
            if parts[0] in ("min", "max") and len(parts) > 1:
                spelled = _spell(c.name)
                words = re.sub(rf"\b{spelled}s?\b", c.name, words)
    return words


# Contractions, their apostrophe already a space: "what s" is "what is".
_CONTRACTIONS = [(re.compile(rf"\b{a}\b"), b) for a, b in [
    (r"(what|who|where|which|that|it|there|here) s", r"\1 is"),
    (r"(we|they|you|i) ve", r"\1 have"), (r"(we|they|you) re", r"\1 are"),
    (r"(\w+)n t", r"\1 not"), (r"ca not", "cannot"), (r"wo not", "will not"),
    (r"i d like", "i would like")]]
# "a customer count for each region", "a headcount of customers": the number of customers
# (a table's things, not "the top count")
_THING_COUNT = re.compile(r"\b(?:(?:a|the|our)|(?P<by>by|largest|highest|biggest|lowest|smallest"
                          r"|most|fewest)) (?:(?P<thing>[a-z]+) count|(?:head ?count|tally) of "
                          r"(?:the |our )?(?P<of>[a-z]+))\b")
# "is there any product where every variant ...": which products
# "if more than one tool shares the top count, include all of them": include ties (no
# bound of "more than one")
_SEVERAL_SHARE_TOP = re.compile(r"\b(?:if|where|when) (?:more than one|several|multiple|two or more)"
                                r" \w+ (?:shares?|has|have) the (?:same )?(?:top|highest|most|"
                                r"first|largest)\b[^,.;?]*,? (?:then )?(?:include|give|list|show|"
                                r"return) (?:all|each|every one) of them\b")
# "what's the order agent's most frequently called tool", "give me the most-used tool":
# which tool of the order agent is called most often
_MOST_DONE = re.compile(r"^\W*(?:(?:what|which) (?:is|was|are|were) |what s |(?:give|tell|show) "
                        r"me |name )?(?:the |our )?(?:(?P<owner>(?:\w+ ){0,3}?\w+) s )?most[- ]"
                        r"(?:frequently |often |commonly )?(?P<verb>used|sold|bought|chosen|made|"
                        r"\w+ed) (?P<thing>\w+)\b")
# "suppliers from which country ...", "customers in which city ...": which supplier country
_THINGS_FROM_WHICH = re.compile(r"^\W*(?P<things>\w+) (?:from|in|based in|located in) which "
                                r"(?P<attr>\w+)\b")
_IS_THERE_ANY = re.compile(r"^\W*(?:is|are) there (?:any|some)(?: single)? (?P<thing>(?:\w+ )?\w+) "
                           r"(?:where|whose|with|that|which)\b")
# "are there any pending orders with no reservation? give me the number": how many
_ANY_COUNTED = re.compile(r"^\W*(?:is|are) there (?:any|some) (?=[^?]*\?.*\b(?:number|count|how "
                          r"many)\b)")
# "neither a promotion nor a volume tier": no promotion and no volume tier
_NEITHER_NOR = re.compile(r"\bneither (?:an? |any )?(?P<a>[^,.;?]+?) nor (?:an? |any )?(?P<b>[^,.;?]+)")
# "not one of its variants", "not a single one of them": none of
_NOT_ONE_OF = re.compile(r"\bnot (?:a single |even )?one of\b")
# "I need the list of customers who ...", "give me a full list of the X": list the X
_LIST_OF = re.compile(r"^\W*(?:(?:please )?(?:i need|i want|i would like|give me|show me|get me|"
                      r"send me|pull|can i have|can i get)\s+)?(?:the |a )?(?:full |complete )?"
                      r"list of (?:all )?(?:the |our )?(?=[a-z])")
# "tell me the name of the lowest-cost carrier": name the carrier that ranks so (a list of
# one, ``_LIST``)
_NAME_OF_RANKED = re.compile(r"\b(?:(?:tell|give|show|get) (?:me|us) |what (?:is|s|are) |i need "
                             r"|i want )?the names? of (?=(?:the|our) (?:"
                             rf"{_DESCENDING}|{_ASCENDING})\b)")
# "list the ids of delivered orders ...": the orders listed (their ids are how they show)
_IDS_OF = re.compile(r"^\W*(?P<ask>list|show(?: me)?|give(?: me)?|pull|send(?: me)?) (?:the |all "
                     r"(?:the )?)?(?:ids?|id numbers?|identifiers) of (?:the |all (?:the )?|our )?"
                     r"(?=[a-z])")
_DASH = re.compile(r"\s+(?:—|–|--?)\s+")
_ASKS_AFTER = re.compile(r"(?:how|which|what|who|where|when)\b")
_ASKED_BEFORE = re.compile(r"\b(?:how|which|what|who|top|bottom|list|show|give|count|rank|"
                           r"break down|tell)\b")
# "can you list the delivered orders ...": the list asked for
_PLEASE_LIST = re.compile(r"^\W*(?:(?:please|ok|okay|so|hey)\W+)*(?:(?:can|could|would|will) you "
                          r"(?:please )?|please )(?=(?:list|rank|sort|line up)\b)")
# "any kind of deal", "some sort of discount": the thing itself
_KIND_OF = re.compile(r"\b(any|some|a|an|one|no) (?:kind|sort|type|form) of (?=[a-z])")
# A sentence before the question that sets the scene ("i am looking into repeat
# cancellers. which customers ...")
# (before a colon only a request, "support team wants to know: ...", not a topic:
# "dallas warehouse: how many units ...")
_LEAD = re.compile(r"^(?P<lead>[^.?!:]+(?:\b(?:know|ask|asks|asked|check|question|wondering|"
                   r"curious|quick one)(?=:))?)[.!:]\s+(?P<rest>\S.*)$", re.DOTALL)
_REQUEST_LEAD = re.compile(r"\b(?:know|ask|asks|asked|check|question|wondering|curious|quick one)$")
_ASKS = re.compile(r"^\W*(?:how|what|which|who|where|when|is|are|do|does|did|can|could|"
                   r"please|give|show|list|tell|name|count|find)\b")
_KEEPS = re.compile(r"\d|\b(?:only|just|not|no|never|except|excluding|without|ignore|ignoring|"
                    r"january|february|march|april|may|june|july|august|september|october|"
                    r"november|december|today|yesterday|last|this|since|per|each|every|by|break|breakdown|"
                    r"compare|rank|sort|split|round|rounded)\b")


# ", counting those still waiting for approval", "including the ones refunded": all of
# them, as a count is anyway ("not counting those ..." excludes: kept)
_ALSO_COUNTED = re.compile(r"(?<!\bnot)(?<!\bwithout),? (?:counting|including|inclusive of) "
                           r"(?:those|the ones|ones|any|all)\b[^.?!;]*|"
                           # "all its runs including failed", "including cancelled orders"
                           r"(?<!\bnot)(?<!\bwithout),? (?:including|inclusive of) (?:the )?"
                           r"(?:\w+ed|pending|open)(?: ones| \w+s)?(?=\s*[,.?!;)]|$)")

# ", failed ones included", "(cancelled orders included)": the same, said after
_INCLUDED_AFTER = re.compile(r"[,(]\s*(?:(?!not\b|never\b)[\w-]+ ){1,3}(?:included|counted)"
                             r"(?: too| as well)?(?=\s*[),.?!;]|$)\)?")

# "not counting those that were cancelled": excluding cancelled ones
_NOT_COUNTED = re.compile(r"\b(?:not counting|without counting|leaving out|setting aside) "
                          r"(?:those|the ones|ones|any)(?: (?:that|which|who) (?:were|are|was|is|"
                          r"have been|had been))? ")


# "(leaving refunds aside)", "setting aside gift cards": what is not counted
_ASIDE = re.compile(r"\b(?:leaving|setting|putting) (?:(?P<what>(?!aside\b)(?:\w+ ){0,3}?\w+) "
                    r"aside\b|aside\b)")


def _context_dropped(words: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """The question without a sentence before it that sets the scene and says nothing it
    asks (no number, date, condition or breakdown), and without a clause that only says
    some of the rows are counted too."""
    words = _NOT_COUNTED.sub("excluding ", _INCLUDED_AFTER.sub("", _ALSO_COUNTED.sub("", words)))
    words = _ASIDE.sub(lambda m: f"excluding {m['what'] or ''}".rstrip(), words)
    match = _LEAD.match(words)
    if match is None or _ASKS.match(match["lead"]) or not _ASKS.match(match["rest"]) \
            or _KEEPS.search(match["lead"]) or words[match.end("lead")] == ":" \
            and not _REQUEST_LEAD.search(match["lead"]) or _refers_back(match["rest"], catalog, layer) \
            or _ROUTE.search(match["lead"]):
        return words
    return match["rest"]


def _refers_back(rest: str, catalog: Catalog, layer: SemanticLayer) -> bool:
    """Whether the question asks about things only the sentence before it names: its first
    clause names no table's rows and says "they" or "how many are there"."""
    clause = re.split(r"[,;?.]", rest, maxsplit=1)[0]
    return bool(_REFERS_BACK.search(clause)) and not _tables_said(clause, catalog, layer)


# "Suppose we were sending a parcel from the west region to the northeast.": where from and
# to, which the question after it asks about
_ROUTE = re.compile(r"\bfrom (?:the |our )?\w+(?: \w+)? to (?:the |our )?\w+")
# "... purchase orders are still open. How many are there, and what are they worth?": the
# question asks about the things the sentence before it names
_REFERS_BACK = re.compile(r"\b(?:they|them|those|these|such)\b|\bhow many are there\b")


# "the mean refund", "avg order value": an average ("what do you mean" is no analyst's
# question)
_MEAN = re.compile(r"\b(?:mean|avg)\b")
# "the average purchase order value": the value of a purchase order, averaged over them
_AVERAGE_THING_VALUE = re.compile(r"\baverage (?P<thing>(?:[a-z]+ ){0,2}?[a-z]+) "
                                  r"(?P<what>value|total|amount)\b")
# "what % of all units", "avg % off": a percent sign said as a word (not "15%")
_PERCENT_SIGN = re.compile(r"(?<![\d.])(?<![\d.] )%")
# "break down our shoppers by region" (things, not a figure: "break down revenue by ...")
_BREAK_DOWN_THINGS = re.compile(r"^\W*(?:please )?(?:break (?:down|out)|split|group) (?:our |the |all "
                                r"(?:of )?(?:our |the )?)?(?P<thing>\w+) by\b")
# "lowest list price among the laptop variants?", "total units sold last week?": a terse
# question is "what is the ..."
_TERSE = re.compile(r"^\W*(?=(?:average|median|total|combined|overall|highest|largest|biggest|"
                    r"maximum|deepest|steepest|shallowest|longest|shortest|lowest|smallest|"
                    r"minimum|cheapest|priciest|fastest|slowest|quickest|busiest|most|least)\b)")
# "add up the balances on every gift card": their total
_ADD_UP = re.compile(r"^\W*(?:please )?(?:add up|sum up|sum|total up|tally up|tally) (?:all )?(?:of )?"
                     r"(?:the )?(?=[a-z])")
# "Tell me how many ...", "give me the top 3 ...", "I need to know which ...": a request
# put around the question it asks.
_REQUEST = re.compile(
    r"^\W*(?:(?:please|ok|okay|so|now|hey)\W+)*(?:(?:can|could|would|will) you (?:please )?"
    r"|please )?(?:tell|show|give|get|find|fetch|pull|let|name|check|see|calculate|compute|"
    r"identify|determine|pick out|single out|point out|"
    r"work out|figure out|look up|(?:i need|i want|i would like|"
    r"we need|i d like)(?! to (?!know|see))|"
    # "I'd be grateful to know", "I was wondering whether you could tell me"
    r"(?:(?:i|we) (?:d|would) (?:be (?:grateful|glad|keen|interested|curious)|love)"
    r"|(?:i|we) (?:was|were|am|are) (?:wondering|curious)|i wonder)"
    r"(?: (?:if|whether) you (?:could|can|would) (?:please )?(?:tell|show|give|let))?)"
    r"(?: me| us)?(?: know| to know| to see)?(?:,\s*)?\s+")
# "the order count", "the warehouse total": a figure of the thing named before it
_FIGURE_WORDS = (r"(?:count|counts|number|numbers|total|totals|sum|average|value|amount|rate|"
                 r"share|percentage|breakdown)")
_ASKED_WORD = re.compile(r"(?:how|what|which|who|where|when|whether|if)\b")
# "what is the number of X", "(give me) a count of the X": "how many X"
_NUMBER_OF = re.compile(r"^\W*(?:what (?:is|was|are) )?(?:the |a |what )?(?:(?:total|current|overall) )?"
                        r"(?:number|count) of (?:the |all (?:the )?)?(?=[a-z])")
# "who is the customer with the most orders": which customer
_WHO_IS_THE = re.compile(r"^\W*who (?:is|are|was|were) (?:the|our) ")


def _request_as_question(words: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """"Tell me how many days ..." as "how many days ..."; "give me the number of X" as
    "how many X"; "show me the supplier with the most open orders" as "which supplier
    ..."; "tell me the total units we received" as "what is the total units ..." (a
    request for a thing is "which", for a figure "what is")."""
    request = _REQUEST.match(words)
    if request is None:
        return words
    rest = words[request.end():]
    if re.match(r"(?:what|which|who) (?:the|our|a|an|its|their|this|that)\b", rest):
        return words  # "tell me what the stock is worth": a clause, not "which stock"
    if _ASKED_WORD.match(rest) or _NUMBER_OF.match(rest):
        return rest
    if re.match(r"(?:the|our) (?:\w+ ){1,2}s ", rest):  # "the order agent's most common ..."
        return f"what is {rest}"
    top = re.match(rf"(?:the|our) (?P<n>top|bottom|{_NUMBER} )", rest)
    if top:  # "give me the top 3 products by revenue", "name the 2 products that ..."
        return f"which {rest[top.start('n'):]}"
    named = re.match(r"(?:the|its|their) names? of (?:the|our|each) (?=\w+ (?:with|that|whose)\b)",
                     rest)
    if named:  # "give the name of the product with the largest ...": which product
        return f"which {rest[named.end():]}"
    thing = re.match(r"(?:the|our|a|one) (\w+)\b", rest)
    word = _singular(thing[1]) if thing else ""
    figure = thing is not None and _figure_named(rest[thing.start(1):], layer) \
        or bool(re.match(rf"(?:the|our|a|one) \w+ {_FIGURE_WORDS}\b", rest))
    if thing and not figure and (_table_named(word, catalog, layer) or any(
            c.name == word and c.kind == "text" for t in catalog.tables.values()
            for c in t.columns)):
        return f"which {rest[thing.start(1):]}"  # a thing: "the city where the most ..."
    return f"what is {rest}"  # a figure: "the total units we received"


# "customers with 6 or more orders: user id and number of orders", "product repriced most
# often — name": the things named first, then the columns wanted, with no question word
_COLUMNS_AFTER = re.compile(r"\s*(?::|\s(?:—|–|--?)\s)\s*")
_ASKING = re.compile(r"\b(?:how|what|which|who|whom|whose|where|when|why|list|show|give|tell|"
                     r"name the|rank|is there|are there)\b")
_FIGURE_ASKED = re.compile(r"\b(?:count|number|total|sum|average|percentage|percent|share|"
                           r"proportion)\b")


def _things_asked(words: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """A question typed as the things it wants ("customers with 6 or more orders: user id
    ...") read as "which customers ...": plural things of a table with one key (or one
    thing and a superlative, "product repriced most often"), no question word anywhere
    and no figure asked before the columns."""
    head = _COLUMNS_AFTER.split(words, maxsplit=1)[0]
    first = re.match(r"\W*([a-z]+)\b", head)
    if first is None or _ASKING.search(words) or _FIGURE_ASKED.search(head):
        return words
    table = _table_named(first[1], catalog, layer)
    if table is None or len(catalog.tables[table].primary_key) != 1 or not (
            first[1].endswith("s") or _SUPERLATIVE.search(head)) \
            or _figure_named(words[first.start(1):], layer):  # "cogs for Sep 2026"
        return words
    return f"which {words[first.start(1):]}"


# "among customers who have ordered at least once, how many orders has each placed": "each"
# stands for the things said first
_AMONG = re.compile(r"^\W*(?:among|of|for|across) (?:all |the |our |those )*(?P<things>[a-z]+)\b")
_EACH_ALONE = re.compile(r"\b(?:has|have|had|did|does|do) each\b(?! (?:of|one)\b)")


def _each_of_them(words: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """``words`` with a bare "each" after an auxiliary ("has each placed") as "each" of
    the things the question starts among, when they are a table's rows."""
    among, each = _AMONG.search(words), _EACH_ALONE.search(words)
    if among is None or each is None or _table_named(among["things"], catalog, layer) is None:
        return words
    return f"{words[:each.end()]} {among['things']}{words[each.end():]}"


def _as_question(words: str, catalog: Catalog, layer: SemanticLayer) -> str:
    """An instruction read as the question it asks: "count the variants that ..." as "how
    many variants ..." (a list asked for, "list the ...", is read as it is), "tell me
    how many ..." as "how many ..." (``_request_as_question``); "the best-selling
    product" as "the most sold product"; "what does X cost us per unit" as "what is the
    unit cost of X"."""
    for contraction, full in _CONTRACTIONS:
        words = contraction.sub(full, words)
    words = _things_asked(words, catalog, layer)
    # "sending a box from the west to the northeast — which carrier is cheapest": a scene,
    # then the question (a dash after a question adds to it: "top 3 products — name and ...")
    if (dash := _DASH.search(words)) and _ASKS_AFTER.match(words[dash.end():]) \
            and not _ASKED_BEFORE.search(words[:dash.start()]):
        words = f"{words[:dash.start()]}, {words[dash.end():]}"
    # ("top states by customer count": by the number of customers)
    words = _THING_COUNT.sub(lambda m: m[0] if not _table_named(m["thing"] or m["of"], catalog, layer)
                             else f"{'' if not m['by'] else 'by the' if m['by'] == 'by' else m['by']}"
                             f"{' ' if m['by'] else 'the '}number of {m['thing'] or m['of']}"
                             f"{'s' if m['thing'] and not m['thing'].endswith('s') else ''}",
                             words)
    words = _context_dropped(words, catalog, layer)
    words = _PLEASE_LIST.sub("", _LIST_OF.sub("list the ", words, count=1), count=1)
    words = _IDS_OF.sub("list the ", _NAME_OF_RANKED.sub("name ", words, count=1), count=1)
    words = _RATE_OF.sub(lambda m: f"the percentage of all {m['rows']} that are {m['what']}"
                         if _table_named(m["rows"], catalog, layer) else m[0], words, count=1)
    # (a few words name the rows before how they are said: "of all the money shoppers
    # paid us for orders (refunds not counted)" is no table's rows)
    words = _each_of_them(words, catalog, layer)
    words = _OUT_OF_ALL.sub(lambda m: f"what {m['part']} of all {m['rows']} "
                            if _table_named(m["rows"], catalog, layer)
                            and not (m["how"] and len(m["rows"].split()) > 3) else m[0],
                            words, count=1)
    words = _OF_WHOLE.sub(lambda m: f"what {m['part']} of {m['whole']} ", words, count=1)
    words = _SEVERAL_SHARE_TOP.sub("include ties", words)
    words = _MOST_DONE.sub(lambda m: f"which {m['thing']}"
                           + (f" of the {m['owner']}" if m["owner"] else "")
                           + f" is {m['verb']} most often", words, count=1)
    words = _THINGS_FROM_WHICH.sub(lambda m: f"which {_singular(m['things'])} {m['attr']}"
                                   if _table_named(m["things"], catalog, layer) else m[0],
                                   words, count=1)
    words = _IS_THERE_ANY.sub(r"which \g<thing> ", _ANY_COUNTED.sub("how many ", words, count=1),
                              count=1)
    words = re.sub(r"\b(largest|greatest|highest|biggest|smallest|lowest) numbers of\b",
                   r"\1 number of", words)  # "the largest numbers of our customers"
    words = _NOT_ONE_OF.sub("none of", words)
    words = _KIND_OF.sub(r"\1 ", words)
    words = _NEITHER_NOR.sub(r"no \g<a> and no \g<b>", words)
    words = _MEAN.sub("average", words)
    words = _AVERAGE_THING_VALUE.sub(lambda m: m[0] if _figure_named(m[0], layer) or not (
        (table := _table_named(m["thing"], catalog, layer))
        and len(catalog.tables[table].primary_key) == 1)
        else f"average {m['what']} of a {m['thing']}", words)
    words = _PERCENT_SIGN.sub("percent", words)
    words = _TERSE.sub("what is the ", words, count=1)
    thing = _BREAK_DOWN_THINGS.match(words)
    if thing and _table_named(thing["thing"], catalog, layer) and not any(
            # ("break down refunds by ...": a figure's name, not things to count)
            m.format != "count" and phrase(thing["thing"]) in map(phrase, (m.label, *m.synonyms))
            for m in layer.metrics):
        # "break down our shoppers by region": how many of them there are in each
        words = f"how many {thing['thing']} are there by{words[thing.end():]}"
    words = _ADD_UP.sub("what is the total ", words, count=1)
    words = _WHO_IS_THE.sub("which ", _request_as_question(words, catalog, layer), count=1)
    counted = _NUMBER_OF.match(words)
    after = words[counted.end():].split() if counted else []
    if counted and (_table_named(" ".join(after[:2]), catalog, layer) or any(
            _a_named_thing(" ".join(after[:n]), catalog) for n in (1, 2, 3))):
        # "the number of open purchase orders" counts rows; "the total number of output
        # tokens" adds up a column (``_column_aggregate``)
        words = f"how many {words[counted.end():]}"
    # ("our top 5 best-sellers": the most sold products)
    words = _SELLING.sub(lambda m: ("least sold" if m["worst"] else "most sold") + (
        " products" if m[0].endswith("sellers") else " product" if m[0].endswith("seller")
        else ""), words)
    words = _EARNING.sub(lambda m: f"{m['thing']} with the {'highest' if m['best'] else 'lowest'}"
                         " revenue", words)
    words = _COST_PER_UNIT.sub(r"what is the unit cost of \g<thing>", words, count=1)
    words = _PAY_FOR_ONE.sub(r"what is the unit cost of \g<thing>", words, count=1)
    words = _PAY_PER_UNIT.sub(
        lambda m: f"with the {'highest' if m['most'] or m['most2'] else 'lowest'} unit cost",
        words, count=1)
    average = _AVERAGE_COST.match(words)
    if average and _table_named(average["thing"], catalog, layer) == "variants":
        words = f"what is the average unit cost of {average['thing']}{words[average.end():]}"
    words = _EACH_OWNS.sub(r"\g<owned> of each \g<owner>", words)
    words = _MAJORITY.sub("more than half of", words)  # "where the majority of variants ..."
    words = _FRACTION.sub(lambda m: f"{m[1]} {_FRACTIONS[m[2]]}% of", words)
    words = _OF_THE_WHAT.sub(r"what \g<share> of \g<whole> that ", words, count=1)
    words = _DATE_COMMA.sub(r"\1 \2", words)
    words = _NEGATION_ADVERB.sub(r"\1 ", words)  # "never actually placed": never placed
    words = _NOT_A_SINGLE.sub(lambda m: f"{_PARTICIPLES.get(m['verb'], m['verb'])} nothing",
                              words)
    words = _NOT_EVEN_ONCE.sub(r"never \g<verb>", words)
    words = _NOT_ANY.sub(lambda m: f"never {_PARTICIPLES.get(m['verb'], m['verb'])} any", words)
    words = _NO_SALES.sub("sold nothing", words)
    words = _MORE_THAN_ONE_TIED.sub("several ", words)
    words = _NOT_HAVE_ONE.sub(r"\g<verb> no", words)
    words = _RESTATED_SPAN.sub(r"\g<span>", words)
    words = _HOW_MANY_OF_OWNED.sub(r"\g<ask> \g<things> of \g<owner>", words, count=1)
    words = _ONLY_ONE.sub(lambda m: f"{m['how'] or ''}exactly one", words)
    return _COUNT_THE.sub(lambda m: f"{m['lead'] or ''}how many ", words, count=1)


# "of the price changes in October, what percentage lowered the price": "what percentage
# of the price changes in October that lowered the price" (the part after "that")
_OF_THE_WHAT = re.compile(r"^\W*(?:of|among|out of) (?P<whole>(?:the|our|all) [^?]+?), what "
                          r"(?P<share>percentage|percent|share|proportion|fraction) ")
# "have not sold a single unit", "did not sell any units": "sold nothing"
_NOT_A_SINGLE = re.compile(r"\b(?:have|has|had|did|do|does) (?:not|n t) (?P<verb>\w+) "
                           r"(?:(?:a single|any|(?:even )?one) (?:units?|items?|ones?)|anything)"
                           r"(?: at all)?\b")
# "had zero units sold", "with no sales": sold nothing
_NO_SALES = re.compile(r"\b(?:had|have|has|with|made) (?:zero|no) (?:units? sold|sales)\b")
# "customers who have not placed any orders": who never placed any
_NOT_ANY = re.compile(r"\b(?:have|has|had|did|do|does) not (?P<verb>\w+) any\b")
# "did not sell anything": "sold nothing", as the tables' words say it
_PARTICIPLES = {"sell": "sold", "buy": "bought", "pay": "paid", "order": "ordered",
                "ship": "shipped", "receive": "received", "place": "placed", "make": "made"}
# "customers who have not ordered even once": who never ordered
# "never actually placed", "not really sold": an adverb between a negation and its verb
_NEGATION_ADVERB = re.compile(r"\b(never|not) (?:actually|really|once|even|truly|so much as) ")
_NOT_EVEN_ONCE = re.compile(r"\b(?:have|has|had|did|do|does) not (?P<verb>\w+) "
                            r"(?:even once|at all|ever)\b")
# "customers who don't have a single gift card": who have none
_NOT_HAVE_ONE = re.compile(r"\b(?:do|does|did) not (?P<verb>have|hold|own|keep|carry) "
                           r"(?:a single|even one|one single|a solitary|an?|any)\b")
# "a week (7 days) or longer": the span said twice
_RESTATED_SPAN = re.compile(r"\b(?P<span>week|month|fortnight|year)\s*\(\d+ (?:days|weeks)\)")
# "how many of national post's lanes": how many lanes of national post (which, what)
# (no verb in the owner: "how many of our items was bargainbay s price below" owns nothing)
_HOW_MANY_OF_OWNED = re.compile(r"\b(?P<ask>how many|which|what) of (?P<owner>(?:(?!(?:was|were|is|"
                                r"are|did|does|do|had|has|have)\b)\w+ ){1,4}?)s "
                                r"(?P<things>\w+)\b")
# "can only be sourced from one supplier", "from just a single carrier", "only one
# warehouse": exactly one ("the only one" names a thing)
_ONLY_ONE = re.compile(r"(?<!the )\b(?:only|just|solely) (?P<how>(?:(?:be|been|are|is) )?(?:\w+ )?"
                       r"(?:from|by|with|to|at|in|through) )?(?:one|a single|1)\b(?! of\b)")
# "if more than one city ties for the top spot, list them all": a tie, not a bound
_MORE_THAN_ONE_TIED = re.compile(r"\b(?:more than one|(?:two|2) or more|at least (?:two|2)) "
                                 r"(?=[^,.;?]*\b(?:tie|tied|ties|tying|share|sharing|joint)\b)")
# "october 25, 2026": no clause ends at the comma of a date
_DATE_COMMA = re.compile(r"\b((?:january|february|march|april|may|june|july|august|september|"
                         r"october|november|december) \d{1,2}),\s*(\d{4})\b")
# "more than half of their variants": "more than 50% of"
_MAJORITY = re.compile(r"\b(?:the|a) majority of\b")
_FRACTIONS = {"half": 50, "a half": 50, "a quarter": 25, "three quarters": 75}
_FRACTION = re.compile(rf"\b(more than|over|at least|less than|fewer than|under|at most) "
                       rf"({'|'.join(_FRACTIONS)}) of\b")
# "each product's variants" (the apostrophe read as a space): "variants of each product";
# "each carrier's average shipping cost": the whole noun phrase, up to a joining word
_EACH_OWNS = re.compile(r"\b(?:each|every) (?P<owner>\w+) s (?P<owned>\w+(?: (?!(?:for|in|on|"
                        r"at|with|from|to|over|during|and|or|by|since|across|per|is|are|was|"
                        r"were|as|than|that|which|who)\b)\w+){0,3})")
# "how much do we pay per unit for item 12": its unit cost
_PAY_FOR_ONE = re.compile(r"^\W*how much (?:do|did|does) (?:we|you|i|the company) pay "
                          r"(?:per unit|each|a unit|apiece|for one|for each) (?:for|of) "
                          r"(?P<thing>(?:item|variant|sku|product|version|model)\b.+?)(?=[?.!,]|$)")
# "what does variant 12 cost us per unit": its unit cost
_COST_PER_UNIT = re.compile(r"^\W*what (?:does|do|did) (?P<thing>.+?) cost(?: us| to make| to buy)?"
                            r" (?:per unit|each|a unit|apiece)\b")


# "the five skus we pay the most for per unit", "cost us the most per unit": ranked by
# the unit cost
_PAY_PER_UNIT = re.compile(r"\b(?:that |which )?(?:we )?(?:pay (?:the )?(?:(?P<most>most)|least)"
                           r"(?: for)?|cost us (?:the )?(?:(?P<most2>most)|least)) (?:per unit|each|"
                           r"a unit|apiece)\b")
# "what does an item cost us on average": the average unit cost of an item
_AVERAGE_COST = re.compile(r"^\W*what (?:does|do|did) (?:an?|each|one|the average|a typical) "
                           r"(?P<thing>\w+) cost(?: us| to buy)? on average\b")


_SELLING = re.compile(r"\b(?:(?:best|top|(?P<worst>worst|slowest))[- ]?sell(?:ing|ers?)|"
                      r"bestsell(?:ing|ers?))\b")


# "the cancellation rate across all orders": the percentage of them that are cancelled
_RATE_OF = re.compile(r"\b(?:the|our|a) (?P<what>[a-z]+) rate (?:across|of|among|for|over|on) "
                      r"(?:all (?:of )?)?(?:the |our )?(?P<rows>[a-z]+)")
# "out of all the stock slots we track, what percentage have ...": the part of all of them
# ("of every order we took, what percentage ...": the same)
_OUT_OF_ALL = re.compile(r"(?:\bout of (?:all |every )?|^\W*(?:of|among) (?:all|every) )(?:of )?"
                         r"(?:the |our )?(?P<rows>[a-z][a-z -]*?)"
                         # ("of every list price change made so far (initial prices
                         # don't count), what share ...": what the rows are, then how said)
                         r"(?: we \w+|(?P<how> (?:made|placed|taken|recorded|logged|so far|to date)\b"
                         r"[^,?]*| \([^)]*\)))?, what (?P<part>percentage|percent|share|proportion|"
                         r"fraction) (?!of\b)")
# "of everything customers paid us, what share did they get back": what share of it (an
# amount; "of the orders paid by card, what share ..." keeps its rows' condition apart)
_OF_WHOLE = re.compile(r"^\W*(?:of|out of) (?P<whole>(?:everything|all that|what) [^,?]+), "
                       r"what (?P<part>percentage|percent|share|proportion|fraction) (?!of\b)")
# "the top-earning region": the region with the highest revenue
_EARNING = re.compile(r"\b(?:(?P<best>top|best|highest)|worst|lowest)[- ](?:earning|grossing) "
                      r"(?P<thing>\w+)")
# (after one leading clause too: "in the october 25 price check, count the variants ...")
_COUNT_THE = re.compile(r"^(?P<lead>(?:[^,?.]|,(?= 20\d\d))*, )?\W*(?:please )?count (?:up )?"
                        r"(?:the |all (?:the )?)?(?=[a-z])")


def _plain_bounds(words: str) -> str:
    """``words`` with "N units or more" and "N or more units" as "at least N units" (and
    "... or fewer" as "at most"); a week counts 7 days."""
    def plain(m: re.Match[str]) -> str:
        number, unit = m.group(2) or "1", m.group(3) or m.group(6)
        direction = m.group(4) or m.group(5)
        if m.group(2) is None and unit not in ("day", "week"):
            return m.group(0)  # "a lot or more" bounds nothing
        count = int(number) if number.isdigit() else _WORDS[number]
        if unit in ("week", "weeks"):
            count, unit = 7 * count, "days"
        bound = "at most" if direction in _AT_MOST_WORDS else "at least"
        return f"{bound} {count} {unit}"
    # "products with only one supplier": exactly one
    words = _ONLY_N.sub(lambda m: f"exactly {m.group(1)} ", words)
    # "variants that have no units on hand", "have nothing on hand": a sum of units that
    # is exactly 0
    words = _NO_UNITS.sub(lambda m: f"{m['verb']} exactly 0 units"
                          + (" on hand" if m["hand"] is not None else ""),
                          _NOT_ON_HAND.sub("have nothing ", words))
    # "within 3 days", "which regions can it reach in 1 day": that long at most
    # ("in a single day": 1)
    words = _WITHIN.sub(lambda m: f"{m['lead']}at most {m['n'] or 1} {m['unit']}", words)
    # "10% off or more": at least 10% off
    words = _PERCENT_OR_MORE.sub(lambda m: f"{'at most' if m['way'] in _AT_MOST_WORDS else 'at least'}"
                                 f" {m['n']}{m['unit']}{m['off'] or ''}", words)
    # "a minimum order quantity of 25 or more": at least 25
    words = _OR_MORE_ALONE.sub(lambda m: f"{'at most' if m['way'] in _AT_MOST_WORDS else 'at least'}"
                               f" {m.group(1)}", _OR_MORE.sub(plain, words))
    # "customers who have four payment methods saved": exactly four
    return _HAVE_N.sub(r"\g<verb> exactly \g<n> ", words)


_WITHIN = re.compile(r"(?P<lead>\b(?:reach|deliver|arriv|get|gets|got|ship|travel)\w*"
                     r"(?: (?!in\b)\w+){0,4} in |\bwithin )"
                     rf"(?:(?P<n>\d+|{'|'.join(_WORDS)})|an?(?: single)?) (?P<unit>days?|weeks?)\b"
                     r"(?! or\b)")


_NO_UNITS = re.compile(r"\b(?P<verb>have|has|had|with|hold|holds|at) (?:(?:no|zero) units\b|"
                       r"(?:nothing|none|no stock|no inventory|no units)(?= on hand\b)|"
                       r"(?:no|zero) on[- ]hand (?:stock|inventory|units)\b(?P<hand>))")
# "variants that aren't on hand in any warehouse": that have nothing on hand
_NOT_ON_HAND = re.compile(r"\b(?:aren t|isn t|are not|is not|weren t|were not) (?=on hand\b)")
_HAVE_N = re.compile(rf"\b(?P<verb>have|has|had|hold|holds|held|with|placed|made) (?P<n>{_NUMBER}) "
                     r"(?!(?:or|and|to|decimals?|dp|places|digits|percent|%)\b)(?=[a-z])")
_ONLY_N = re.compile(rf"\b(?:only|just) {_NUMBER} (?=[a-z])")


_MONEY_UNITS = frozenset({"dollars", "dollar", "usd", "bucks"})
_MONEY_COLUMN = re.compile(r"price|cost|amount|balance|usd")


def _money_column(words: str, root: str, catalog: Catalog,
                  layer: SemanticLayer) -> list[CatalogColumn]:
    """"Variants priced above $1,000": the money column of the rows the question counts or
    lists (the one it names when several: priced -> price), none when those are other
    things than the query's rows ("customers who spent more than $5,000": per customer)."""
    which = _WHICH.match(words) or _LIST.match(words)
    things = _counted_table(words, catalog, layer) or (
        _table_named(which.group("thing"), catalog, layer) if which else None)
    if things != root:
        return []
    money = [c for c in catalog.tables[root].columns
             if c.kind == "number" and _MONEY_COLUMN.search(c.name)]
    said = {_stem(w) for w in tokens(words)}
    named = [c for c in money if {_stem(w) for w in c.name.split("_")} & said]
    return named if len(money) > 1 else money


def _column_bound(args: dict[str, Any], words: str, filters: list[dict[str, Any]],
                  catalog: Catalog, layer: SemanticLayer, root: str | None,
                  notes: list[str]) -> list[dict[str, Any]]:
    """"Routes that take more than 4 days", "variants priced between $100 and $200": a
    row filter on the one number column of the query's table that the unit names
    (``carrier_lanes.transit_days > 4``), or its money column for dollars."""
    if root not in catalog.tables:
        return []
    ratio = _ratio_bound(words, catalog, notes)
    if ratio is not None:
        return [ratio]
    if _counts_days(words):
        return []  # (``_count_per_subject`` bounds the figure per day)
    between = _BETWEEN.search(words)
    if between is not None:
        low, high = (float(between.group(i).replace(",", "")) for i in (2, 3))
        unit, money = between.group(4) or "", bool(between.group(1))
        at, end, number_end = between.start(), between.end(), between.end(3)
        op: str = "between"
        value: Any = [_plain_number(low), _plain_number(high)]
    else:
        # "larger than $2,000?": dollars, with no unit word after. Of several bounds the
        # first on a column: "at least one variant priced above $1,000" bounds the price
        # (the count is ``_count_per_subject``'s)
        bounds = [*_UNIT_BOUND.finditer(words),
                  *(m for m in _BOUND.finditer(words) if "$" in m.group(0))]
        # "a cost-to-price ratio above 0.6": no unit, but a column named right before
        bounds = bounds or [m for m in _BOUND.finditer(words)
                            if _column_just_before(words[:m.start()], root, catalog)]
        if not bounds:
            return []
        bound = next((m for m in bounds if _bounds_a_column(m, catalog.tables[root])),
                     bounds[0])
        number, unit = bound.group(2), (bound.group(4) if bound.re is _UNIT_BOUND else "")
        money, op = "$" in bound.group(0), _BOUND_OPS[bound.group(1)]
        at, end, number_end = bound.start(), bound.end(), bound.end(2)
        amount = float(_WORDS[number]) if number in _WORDS else float(number.replace(",", ""))
        value = _plain_number(amount)
    if unit in _UNIT_WORDS:
        # "purchase orders for more than 100 units": each row's quantity, when the rows
        # are the things counted; otherwise a sum per thing (``_count_per_subject``)
        which = _WHICH.match(words) or _LIST.match(words)
        things = _counted_table(words, catalog, layer) or (
            _table_named(which.group("thing"), catalog, layer) if which else None)
        quantity = [c for c in catalog.tables[root].columns
                    if c.kind == "number" and c.name in ("quantity", "qty", "units")]
        if things != root or len(quantity) != 1:
            # "stock rows with more than 5 units on hand": the column the words after the
            # unit name, when those rows are the things counted (else a sum per thing:
            # "products with fewer than 300 units on hand"); "a main supplier that
            # requires a minimum order of at least 25 units": the one the words before
            # the bound name, whatever the rows counted
            quantity = (_column_after(words[end:], root, catalog) if things == root
                        else []) or _column_before(words[:at], root, catalog, layer, words)
            if len(quantity) != 1:
                return []
        return [_bound_on(quantity[0], op, value, f"each {quantity[0].table} row's units",
                          notes)]
    if any(_is_number(f.get("value"), v) for f in filters
           for v in (value if isinstance(value, list) else [value])):
        return []
    stem = unit[:-1] if unit.endswith("s") else unit
    columns = [c for c in catalog.tables[root].columns
               if c.kind == "number" and stem in c.name.split("_")
               or c.kind == "number" and f"{stem}s" in c.name.split("_")]
    if money and _money_total_per_thing(words, at, catalog, layer) is not None:
        return []  # "orders worth more than $3,000": a total per order (_count_per_subject)
    if not columns and (not unit or unit in _MONEY_UNITS or money):
        columns = _column_before(words[:at], root, catalog, layer, words)
    if not columns and not unit:
        columns = _column_just_before(words[:at], root, catalog)
    if not columns and (unit in _MONEY_UNITS or money):
        columns = _money_column(words, root, catalog, layer) or _column_after(
            words[number_end:], root, catalog, layer)
    if len(columns) != 1:
        return []
    return [_bound_on(columns[0], op, value, f"its {'amount' if money else unit or 'amount'}",
                      notes)]


# "items that cost us more than 60% of their list price": the cost's ratio to the price
_RATIO_BOUND = re.compile(rf"\b(?P<bound>{'|'.join(_BOUND_OPS)}) (?P<percent>\d+(?:\.\d+)?)\s*"
                          r"(?:%|percent) of (?:their|its|the|our|what) ")


def _ratio_bound(words: str, catalog: Catalog, notes: list[str]) -> dict[str, Any] | None:
    """A bound in percent of another figure on the one ``<part>_ratio`` column one of the
    three words before it names ("cost us more than 60% of their list price": cost_ratio
    > 0.6)."""
    match = _RATIO_BOUND.search(words)
    if match is None:
        return None
    before = {_stem(w) for w in re.findall(r"[a-z]+", words[:match.start()])[-3:]}
    columns = [c for t in catalog.tables.values() for c in t.columns if c.kind == "number"
               and c.name.endswith("_ratio") and _stem(c.name.removesuffix("_ratio")) in before]
    if len(columns) != 1:
        return None
    value = _plain_number(float(match["percent"]) / 100)
    return _bound_on(columns[0], _BOUND_OPS[match["bound"]], value,
                     f"its {columns[0].name} (a fraction)", notes)


def _bound_on(column: CatalogColumn, op: str, value: Any, what: str,
              notes: list[str]) -> dict[str, Any]:
    notes.append(f"filter {column.ref} {op} {value}: the question bounds {what}")
    return {"field": column.ref, "op": op, "value": value}


def _bounds_a_column(bound: re.Match[str], table: CatalogTable) -> bool:
    """Whether a bound is on money, on units, or on a number column its unit names."""
    unit = bound.group(4) if bound.re is _UNIT_BOUND else ""
    stem = unit[:-1] if unit.endswith("s") else unit
    return "$" in bound.group(0) or unit in _MONEY_UNITS | _UNIT_WORDS or any(
        c.kind == "number" and (stem in c.name.split("_") or f"{stem}s" in c.name.split("_"))
        for c in table.columns)


def _column_just_before(before: str, root: str, catalog: Catalog) -> list[CatalogColumn]:
    """The one number column (of the query's table or one it reaches) whose every name
    part the last four words before a bound say, the longest such name: "a cost-to-price
    ratio" cost_ratio (not a column named cost)."""
    said = {_stem(w) for w in tokens(before)[-4:]}
    named = [c for t in catalog.tables.values() for c in t.columns if c.kind == "number"
             and not c.name.endswith(("_id", "_no", "position"))
             and (c.table == root or catalog.path(root, c.table) is not None)
             and all(_stem(p) in said for p in c.name.split("_"))]
    longest = max((len(c.name.split("_")) for c in named), default=0)
    named = [c for c in named if len(c.name.split("_")) == longest]
    return named if len(named) == 1 else []


def _column_after(after: str, root: str, catalog: Catalog,
                  layer: SemanticLayer | None = None) -> list[CatalogColumn]:
    """The number column of the query's table whose whole name the words right after a
    unit say: "5 units on hand" on_hand, "10 units reserved" reserved; with ``layer``,
    also a column of a table the rows reach that the layer's words for it name: "a gift
    card with more than $50 left on it" the balance."""
    said = f"{phrase(after)} "
    own = [c for c in catalog.tables[root].columns if c.kind == "number"
           and said.startswith(f"{phrase(c.name.replace('_', ' '))} ")]
    if own or layer is None:
        return own
    return [c for t in catalog.tables.values() if t.name in layer.tables and (
                t.name == root or catalog.path(root, t.name) is not None)
            for c in t.columns if c.kind == "number" and any(
                said.startswith(f"{phrase(w)} ") for w in layer.tables[t.name].column_words.get(
                    c.name, []))]


def _column_before(before: str, root: str, catalog: Catalog, layer: SemanticLayer,
                   question: str = "") -> list[CatalogColumn]:
    """The number column a bound's words just before it name: "priced above" the price,
    "a gift card balance over" the balance (of the query's table, else of a table the
    question names, else any); of several, those whose every name part the question
    says ("variants that cost us more than $500 per unit": the unit cost, not the cost
    ratio)."""
    last = before.split()[-3:]
    said = {_stem(phrase(w)) for w in last}
    # (a column the question names outright, as ``_column_names`` writes it, or by one
    # of its name's words)
    named = [c for t in catalog.tables.values() for c in t.columns if c.kind == "number"
             and not c.name.endswith(("_id", "_no", "position"))
             and (c.table == root or catalog.path(root, c.table) is not None)
             and (c.name in last or any(_stem(phrase(p)) in said
                                        for p in c.name.split("_") if len(p) > 3))]
    named = [c for c in named if c.name in last] or named
    tables = _tables_said(before, catalog, layer)
    everything = {_stem(w) for w in tokens(question)}

    def whole(c: CatalogColumn) -> bool:
        return all(_stem(p) in everything for p in c.name.split("_"))

    for keep in (lambda c: c.table == root, lambda c: c.table in tables, lambda c: True):
        kept = [c for c in named if keep(c)]
        if kept:  # of several, those whose every name part is said
            return [c for c in kept if whole(c)] or kept
    return []


# "give 30% off": that discount exactly (a bound on it, "more than 30%", is no equality)
_PERCENT_OFF = re.compile(rf"\b(?:(?P<bound>{'|'.join(_BOUND_OPS)}) )?"
                          r"(?P<number>\d+(?:\.\d+)?)\s*(?:%|percent) off\b")


def _percent_off(words: str, filters: list[dict[str, Any]], catalog: Catalog,
                 layer: SemanticLayer, root: str | None, notes: list[str],
                 compared: set[str] | frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """"Which promotions give 30% off", "more than 20% off": the one percent column of the
    query's table (else of the one table its rows are compared with) equal to (or bounded
    by) that number, unless a filter carries it."""
    said = _PERCENT_OFF.search(words) or _PERCENT_OF_NAMED.search(words)
    if said is None or root not in catalog.tables:
        return []
    # ("products that offer a bulk discount of at least 10% off": no percent of the
    # products', so the discount so named, of a table reached)
    named_off = _PERCENT_OFF_NAMED.search(words)
    if said.re is _PERCENT_OFF and named_off is not None and not any(
            c.kind == "number" and "percent" in c.name.split("_")
            for t in (root, *compared) if t in catalog.tables for c in catalog.tables[t].columns):
        said = named_off
    trailing = said.groupdict()
    op = ">=" if trailing.get("more") else "<=" if trailing.get("less") else _BOUND_OPS.get(
        said["bound"] or "", "=")
    value = float(said["number"])
    def percent_columns(table: str) -> list[CatalogColumn]:
        return [c for c in catalog.tables[table].columns
                if c.kind == "number" and "percent" in c.name.split("_")]
    columns = percent_columns(root)
    if not columns and len(compared) == 1 and (other := next(iter(compared))) in catalog.tables:
        columns = percent_columns(other)
    if said.re in (_PERCENT_OF_NAMED, _PERCENT_OFF_NAMED):  # "a quantity discount of 10%"
        def so_named(c: CatalogColumn) -> bool:
            note = layer.tables.get(c.table)
            names = [c.name.replace("_", " "), *(note.column_words.get(c.name, []) if note else [])]
            named = f" {phrase(said['named'])} "
            # ("a quantity tier with a discount of 10%": the discount, its head word, of the
            # query's table or of one the question names)
            tables = [c.table.replace("_", " "), *(note.synonyms if note else [])]
            rest = f" {phrase(words[:said.start()] + ' ' + words[said.end():])} "
            return any(f" {phrase(n)} " in named for n in names) or (
                c.table == root or any(f" {phrase(t)} " in rest for t in tables)
            ) and any(named.endswith(f" {phrase(n).split()[-1]} ") for n in names[1:])
        # ("products that offer a bulk discount of at least 14%": another table's, reached)
        columns = [c for c in columns if so_named(c)] or [
            c for t in catalog.tables.values() if t.name != root
            and catalog.path(root, t.name) is not None for c in t.columns
            if c.kind == "number" and "percent" in c.name.split("_") and so_named(c)]
    if len(columns) != 1 or any(f.get("field") == columns[0].ref for f in filters):
        return []
    f = {"field": columns[0].ref, "op": op, "value": int(value) if value.is_integer() else value}
    notes.append(f"filter {f['field']} {op} {f['value']}: the question names that discount")
    return [f]


# "a quantity discount of 10% or more" (read "of at least 10%"): the column so named
_PERCENT_OF_NAMED = re.compile(
    rf"(?P<named>(?:[\w-]+ ){{1,3}})of (?:(?P<bound>{'|'.join(_BOUND_OPS)}) )?"
    r"(?P<number>\d+(?:\.\d+)?)\s*(?:%|percent)(?! of\b| off\b)"
    r"(?: or (?:(?P<more>more|higher|greater|above)|(?P<less>less|lower|fewer|below)))?")

_PERCENT_OFF_NAMED = re.compile(_PERCENT_OF_NAMED.pattern.replace(r"(?! of\b| off\b)",
                                                                  r" off\b"))


def _own_values(f: dict[str, Any], said: str, words: str, catalog: Catalog,
                examples: set[str], notes: list[str],
                held: frozenset[str] | set[str] = frozenset()) -> dict[str, Any] | None:
    """The filter with only the text values the question gives it, or None when none is
    left. A value counts when the question names it, or when it is one of a short list
    of category values (a status said in other words: "called off" for 'cancelled')
    that no example showed; a value copied from an example, made up ('all', a user id)
    or one of many names (products) the question never says is dropped, as is a word of
    the question that is none of the column's values and no value the question names
    elsewhere (``held``: 'Columbus' on a warehouse id moves to the city)."""
    column = catalog.column(str(f.get("field", "")))
    if column is None or f.get("op") in ("is_null", "is_not_null", "latest"):
        return f
    if column.kind == "date":
        if _DATES.search(said):
            return f
        notes.append(f"filter on {f.get('field')} dropped: the question names no date "
                     "(the period says when)")
        return None
    if column.kind == "number":
        return _own_numbers(f, words, notes)
    if column.kind != "text":
        return f
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    # A question that spells out some of the values wants those: the others are padding.
    spelled = any(isinstance(v, str) and f" {phrase(v)} " in said for v in values)
    kept: list[Any] = []
    tables = {phrase(t.replace("_", " ")) for t in catalog.tables}
    for v in values:
        if isinstance(v, str) and v.strip().lower() in _QUANTIFIERS:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: a quantifier, not a value")
        elif isinstance(v, str) and phrase(v) in tables and v not in column.values:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: it names a table, not a "
                         "value")
        elif isinstance(v, str) and column.values and v.strip().casefold() not in held \
                and v.strip().casefold() not in {c.casefold() for c in column.values}:
            # a word of the question ("due to arrive") that no row holds: the values
            # the question does name are added from the linked values
            notes.append(f"filter {f.get('field')} = {v!r} dropped: not one of its values "
                         f"({', '.join(column.values)})")
        elif not isinstance(v, str) or f" {phrase(v)} " in said:
            kept.append(v)
        elif phrase(v) in examples:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: copied from an example")
        elif v in column.values and len(column.values) <= _PARAPHRASED_VALUES \
                and not column.name.endswith("_id") and not spelled:  # nor an id
            kept.append(v)
        else:
            notes.append(f"filter {f.get('field')} = {v!r} dropped: the question does not "
                         "name it")
    kept = list(dict.fromkeys(kept))
    if not kept:
        return None
    return {**f, "value": kept if isinstance(value, list) else kept[0]}


def _own_numbers(f: dict[str, Any], words: str, notes: list[str]) -> dict[str, Any] | None:
    """The filter, unless it compares with a number the question never states (a copied
    "min_qty >= 5")."""
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    if all(_stated(v, words) for v in values):
        return f
    notes.append(f"filter {f.get('field')} {f.get('op')} {value} dropped: the "
                 "question states no such number")
    return None


def _said_flags(filters: list[dict[str, Any]], said: str, catalog: Catalog,
                notes: list[str]) -> list[dict[str, Any]]:
    """A yes/no column is a condition only where the question says its word ("available",
    "primary"); otherwise the model made it up ("variants that sold nothing" are not only
    the available ones). Named conditions over such columns are segments ("sold out")."""
    kept = []
    for f in filters:
        column = catalog.column(str(f.get("field")))
        if column is not None and column.kind == "bool" and not any(
                f" {w} " in said for w in phrase(column.name.replace("_", " ")).split()
                if w not in ("is", "has")):
            notes.append(f"filter on {column.ref} dropped: the question does not say it")
            continue
        kept.append(f)
    return kept


def _flags_said(filters: list[dict[str, Any]], words: str, catalog: Catalog,
                layer: SemanticLayer, cost: Callable[[str], tuple[int, int]],
                notes: list[str]) -> list[dict[str, Any]]:
    """"The average list price of available variants", "variants that are (not)
    available": a yes/no column said as an adjective of its table's things is a
    condition, true, or false when "not" comes right before it."""
    added = []
    for table in catalog.tables.values():
        note = layer.tables.get(table.name)
        nouns = "|".join(re.escape(phrase(n)) for n in (
            table.name.replace("_", " "), *(note.synonyms if note else [])))
        for c in table.columns:
            word = c.name.removeprefix("is_").removeprefix("has_").replace("_", " ")
            if c.kind != "bool" or any(f.get("field") == c.ref for f in filters) \
                    or cost(c.ref)[0] >= _UNREACHABLE:
                continue
            before = re.search(rf"\b{word} (?:\w+ )?(?:{nouns})s?\b", phrase(words))
            after = re.search(rf"\b(?:{nouns})s? (?:(?:that|which) )?(?:are|is|were|was) "
                              rf"(?:still |currently )?(?P<no>not |no longer )?{word}\b",
                              phrase(words))
            if after is not None:
                holds = not after["no"]
            elif before is not None and not _negated(words, word):
                holds = True
            else:
                continue
            added.append({"field": c.ref, "op": "=", "value": holds})
            notes.append(f"filter {c.ref} = {str(holds).lower()}: the question says "
                         f"{'' if holds else 'not '}{word}")
    return added


def _which_not_null(filters: list[dict[str, Any]], grouped: list[str], words: str,
                    catalog: Catalog, notes: list[str]) -> None:
    """"Which card brands do customers use": the brands there are; a method with no brand
    (PayPal) answers no "which", so rows without a value in the text column grouped by
    (when the question asks "which" of it) are left out."""
    asked = _WHICH.match(words) or _LIST.match(words)  # ("list the card brands", too)
    if asked is None or len(grouped) != 1:
        return
    column = catalog.column(grouped[0])
    thing = set(tokens(asked.group("thing")))
    if column is None or column.kind != "text" or column.name.endswith("_id") \
            or not set(tokens(column.name)) & thing:
        return
    if not any(f.get("field") == column.ref for f in filters):
        filters.append({"field": column.ref, "op": "is_not_null", "value": None})
        notes.append(f"filter {column.ref} is_not_null: the question asks which {column.name}")


def _rehome(f: dict[str, Any], linked: Linked, cost: Callable[[str], tuple[int, int]],
            notes: list[str], words: str, catalog: Catalog, layer: SemanticLayer) -> None:
    """Move a filter whose values the question names to the column that holds them
    nearest the query's table without multiplying its rows ('Columbus' is a warehouse's
    city, not a warehouse id; a T-shirt is a product name, not an order line's); to the
    column of the things the value is said of, when it is said right before their name
    ("Texas shoppers": the customers' state, not the orders')."""
    value = f.get("value")
    values = value if isinstance(value, list) else [value]
    hits = [next((h for h in linked.values if isinstance(v, str)
                  and phrase(v) in (phrase(h.value), phrase(h.words))), None) for v in values]
    if not hits or any(h is None for h in hits):
        return
    shared = set.intersection(*(set(h.columns) for h in hits if h is not None))
    if not shared:
        return
    field = str(f.get("field", ""))
    first = next(h for h in hits if h is not None)
    after = re.search(rf"\b{re.escape(phrase(first.words))} (\w+)", phrase(words))
    # (the value's own attribute after it, "the northeast region", names no owner)
    attributes = {c.replace(".", "_").split("_")[-1] for c in first.columns}
    owner = _table_named(after[1], catalog, layer) \
        if after and after[1] not in attributes else None
    # "customers living in Ohio": the value is where the things before it live
    home = re.search(rf"\b(\w+) {_LIVING} (?:the )?{re.escape(phrase(first.words))}\b",
                     phrase(words))
    owner = owner or (_table_named(home[1], catalog, layer) if home else None)
    owned = [c for c in first.columns if c in shared and owner is not None
             and _field_table(c, catalog, layer) == owner and cost(c)[0] < _UNREACHABLE]
    # "orders headed to addresses in the midwest": the place is where things ship to
    said = phrase(first.words) or phrase(first.value)
    if owner is None and re.search(rf"{_SHIPPED_TO}(?: \w+){{0,3}} {re.escape(said)}\b",
                                   phrase(words)):
        owner = "where things ship to"
        owned = [c for c in first.columns if c in shared and cost(c)[0] < _UNREACHABLE
                 and _DESTINATION.search(_described(c, layer))]
    if len(owned) == 1 and field != owned[0]:
        notes.append(f"filter on {field} moved to {owned[0]}: {first.words!r} is said of "
                     f"{owner}")
        stored = [h.value for h in hits if h is not None]
        f["field"], f["value"] = owned[0], stored if isinstance(value, list) else stored[0]
        return
    if len(owned) == 1:
        return
    best = min((c for c in first.columns if c in shared), key=cost)  # ties: the list's order
    stored = [h.value for h in hits if h is not None]
    as_stored = stored if isinstance(value, list) else stored[0]
    if field != best and (field not in shared or cost(best) < cost(field)) \
            and cost(best)[0] < _UNREACHABLE:
        notes.append(f"filter on {field} moved to {best}, which holds {value!r}")
        f["field"], f["value"] = best, as_stored
    elif field in shared and value != as_stored:
        notes.append(f"filter {field} = {as_stored!r}, as stored for {value!r}")
        f["value"] = as_stored


_SHIPPED_TO = (r"\b(?:headed|heading|going|shipped|shipping|sent|ships?|delivered|bound|"
               r"destined)(?: out)? (?:to|for)\b")
_DESTINATION = re.compile(r"\bdest\w*|\bships? to\b|\bship-to\b")


def _described(column: str, layer: SemanticLayer) -> str:
    """A column's name with its dimension's label, description and synonyms."""
    d = layer.dimension(column)
    return column if d is None else " ".join([column, d.label, d.description, *d.synonyms])


_LIVING = (r"(?:who (?:live|lives|lived|reside|resides|are based|is based)|living|based|"
           r"located|residing|resident) in")


# the goods themselves, which product options describe
_GOODS = re.compile(r"\b(?:variants?|versions?|items?|skus?|products?|models?|units?|goods|"
                    r"stock|editions?)\b")


def _option_unsaid(hit: ValueHit, words: str, linked: Linked, layer: SemanticLayer) -> bool:
    """"Our plain percentage-off promotions", "refunded in full": a product option's value
    (the 'plain' design, a 'full' zipper) describes goods only where the question speaks
    of them: the option's name, a product's name, or items, variants, products."""
    options = [layer.dimension(c) for c in hit.columns]
    if not options or any(o is None or o not in layer.attributes for o in options):
        return False
    named = {phrase(o.label.split(" (")[0]) for o in options if o is not None}
    return not (_GOODS.search(words) or any(f" {n} " in f" {phrase(words)} " for n in named)
                or any(h is not hit and any(c.endswith("products.name") for c in h.columns)
                       for h in linked.values))


# An identifier-like value ('get_stock') said as plain words names it only this near.
_NEAR_JOINS = 2


def _value_filters(linked: Linked, filters: list[dict[str, Any]],
                   words: str, notes: list[str], cost: Callable[[str], tuple[int, int]],
                   subjects: set[str], catalog: Catalog) -> list[dict[str, Any]]:
    """Filters for the category values the question names that the query lacks, each on
    the holding column nearest the query's table (none when no join reaches it)."""
    # ("which destination regions ...": a column asked for holds no value said for another)
    asked = {str(f.get("field")) for f in filters if f.get("op") == "is_not_null"}
    filtered = {str(f.get("field")) for f in filters} - asked
    tables = {phrase(t.replace("_", " ")) for t in catalog.tables}
    by_column: dict[str, list[str]] = {}
    for hit in linked.values:
        if any(c in filtered for c in hit.columns):
            continue  # the model filtered that column (its choice of value stands)
        # ("the order assistant": a value named by its synonym, not the table's things)
        by_synonym = phrase(hit.words) != phrase(hit.value) and phrase(hit.value) in tables
        if phrase(hit.value) in subjects and not by_synonym \
                and not _before_its_column(hit, words):
            continue  # "orders" is what is counted, not the agent named 'order'
        if re.fullmatch(r"[\d.,]+\s*%?", hit.value) and any(
                hit.value.rstrip("% ") in m.group(0)
                for m in [*_BOUND.finditer(words), *_BETWEEN.finditer(words)]):
            continue  # "a balance of at least $80" names no size '80%'
        if not _said_outside(hit.words, words, _UNIT_PHRASE):
            continue  # "in percent" is the unit of the figure asked for, no kind 'percent'
        if phrase(hit.words) == "done" and _DONE_AS_VERB.search(words):
            continue  # "how many runs has the agent done": performed, not the status 'done'
        nearest = min([c for c in hit.columns if c not in asked] or hit.columns, key=cost)
        if "_" in hit.value and phrase(hit.words) == phrase(hit.value) \
                and cost(nearest)[0] > _NEAR_JOINS:
            continue  # "slow to get stock to us": plain words, no far table's 'get_stock'
        if cost(nearest)[1] > _NEAR_JOINS and _qualifies_other_kind(hit, words, catalog):
            continue  # "a US state": where a state lies, no far table's country 'US'
        if cost(nearest)[0] < _UNREACHABLE:
            by_column.setdefault(nearest, []).append(hit.value)
    added = []
    for field, values in by_column.items():
        said = {h.value: h.words for h in linked.values}
        denied = [v for v in values if _negated(words, said.get(v, v))]
        # "payments only, not refunds": the values said as wanted; one column holds one
        # value a row, so those kept leave the denied ones out
        if denied and len(denied) < len(values):
            values = [v for v in values if v not in denied]
        # "payments only, refunds not taken off": the one said with "only" (in its clause)
        only = [v for v in values if any(re.search(
            rf"\bonly (?:the )?{re.escape(w)}(?:s|es)?\b|\b{re.escape(w)}(?:s|es)? only\b", words)
            for w in {phrase(str(v)), *(phrase(h.words) for h in linked.values if h.value == v)})]
        if len(only) == 1 and len(values) > 1:
            values = only
        negated = len(denied) == len(by_column[field])
        f: dict[str, Any]
        if len(values) == 1:
            f = {"field": field, "op": "!=" if negated else "=", "value": values[0]}
        else:
            f = {"field": field, "op": "not_in" if negated else "in", "value": values}
        notes.append(f"filter {field} {f['op']} {f['value']!r}: the question names it")
        added.append(f)
    return added


# "in percent", "as a percentage", "in dollars", "what percent off", "give a percent",
# "(percent)": the unit a figure is asked in; "how large": its size (no variant size
# 'large')
_UNIT_PHRASE = re.compile(r"\b(?:in|as an?) (?:percent|percentage|dollars|days|units)\b|"
                          r"\d percent\b(?! off)|"  # "less than 40 percent": a number's unit
                          r"\b(?:what|how many) percent(?:age)?\b(?!-)|"  # not "percent-off"
                          # "the percentage off": a column's name ("percentage-off deals",
                          # "deals that give a percentage off" name a kind of deal)
                          r"\bthe percent(?:age)? off\b|"
                          r"\bgive (?:it |them )?(?:as )?(?:a |the )?percent(?:age)?\b(?! off)|"
                          r"\bhow (?:large|big|small|long|short|high|low|heavy|wide)\b|"
                          r"\((?:in |as a )?(?:percent|percentage|dollars|days|units)\)|"
                          # "... came from columbus? percent, rounded to 1 decimal."
                          r"(?:^|[.?!;:]\s*)(?:in |as a )?(?:percent|percentage)(?=\s*[,.]|\s+round)")


# "has the order agent done", "have we done": the verb (performed), after its auxiliary
_DONE_AS_VERB = re.compile(r"\b(?:has|have|had)(?: \w+){1,4} done\b")


def _said_outside(value: str, words: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``value`` is said somewhere in ``words`` other than where ``pattern`` is."""
    return f" {phrase(value)} " in f" {phrase(pattern.sub(' ', words))} "


def _qualifies_other_kind(hit: ValueHit, words: str, catalog: Catalog) -> bool:
    """Whether the value is said just before the name of a category column that its own
    tables lack ("a US state", a country before a state): it describes that thing, and
    a far table's column holding it is no filter on the question's rows."""
    after = re.search(rf"\b{re.escape(phrase(hit.words))} (\w+)", phrase(words))
    if after is None:
        return False
    noun = after.group(1)
    named = {noun, noun[:-1] if noun.endswith("s") else noun}
    own = {c.partition(".")[0] for c in hit.columns}
    tables = {n for t in catalog.tables for n in (t, t.rstrip("s"))}
    if named & tables:
        return False
    holders = {t.name for t in catalog.tables.values() for c in t.columns
               if c.values and c.name.split("_")[-1] in named}
    return bool(holders) and not holders & own


def _before_its_column(hit: ValueHit, words: str) -> bool:
    """Whether the question says the value just before its column's name ("the order
    agent", "the express service"): a value then, even one that names a table."""
    said = f" {phrase(words)} "
    return any(f" {phrase(hit.words)} {phrase(c.partition('.')[2].replace('_', ' '))} " in said
               for c in hit.columns)


def _segment_filters(layer: SemanticLayer, filters: list[dict[str, Any]], said: str,
                     words: str, notes: list[str],
                     cost: Callable[[str], tuple[int, int]]) -> list[dict[str, Any]]:
    """A filter for each named condition the question names ("sold out"), false after a
    negation ("not sold out"); none when the query filters it or no join reaches it. A
    model's filter whose value is a word of that name ('main' of "main supplier") goes."""
    added = []
    filtered = {str(f.get("field")) for f in filters}
    for seg in layer.segments:
        named = [p for p in [seg.name.replace("_", " "), seg.label, *seg.synonyms]
                 if _name_said(p, said) and not _place_after(p, said)]
        if not named or seg.name in filtered or cost(f"{seg.table}.x")[0] >= _UNREACHABLE:
            continue
        negated = _negated(words, named[0])
        # the segment says it: a value that is a word of its name, or any condition on a
        # column it reads ("available != true" beside "sold out" would contradict it)
        inside = [g for g in filters if isinstance(g.get("value"), str) and g["value"].strip()
                  and f" {phrase(g['value'])} " in f" {phrase(named[0])} "
                  or re.search(rf"\b{re.escape(str(g.get('field')))}\b", seg.sql)]
        if inside:
            filters[:] = [g for g in filters if g not in inside]
            notes.append(f"filters on {sorted({str(g.get('field')) for g in inside})} "
                         f"dropped: {named[0]!r} says them")
        f = {"field": seg.name, "op": "=", "value": not negated}
        notes.append(f"filter {seg.name} = {not negated}: the question names it")
        added.append(f)
    return added


def _said_twice(filters: list[dict[str, Any]], said: str, layer: SemanticLayer,
                notes: list[str]) -> list[dict[str, Any]]:
    """"Variants no longer available to buy" names sold_out and, denied, still_available,
    in words that overlap: one condition said twice. The denied one goes. (Opposites
    said apart are two conditions: "primary for one product but never a backup".)"""
    def spans(seg: Segment) -> set[int]:
        return {i for name in (seg.name.replace("_", " "), seg.label, *seg.synonyms)
                for m in re.finditer(rf"(?<= ){re.escape(phrase(name))}(?= )", said)
                for i in range(m.start(), m.end())}

    kept = [seg for f in filters if f.get("op") == "=" and f.get("value") is True
            and (seg := layer.segment(str(f.get("field")))) is not None]
    out = []
    for f in filters:
        seg = layer.segment(str(f.get("field"))) if f.get("value") is False else None
        twin = next((g.name for g in kept if seg is not None and (
            g.sql.strip() == f"NOT {seg.sql.strip()}" or seg.sql.strip() == f"NOT {g.sql.strip()}")
            and spans(g) & spans(seg)), None)
        if twin is None:
            out.append(f)
        else:
            notes.append(f"filter {f['field']} = False dropped: {twin} says it")
    return out


def _first_of_opposites(args: dict[str, Any], layer: SemanticLayer, said: str,
                        notes: list[str]) -> None:
    """"Products with a backup supplier alongside their main supplier": two segments that
    are each other's negation, both still wanted when the query is shaped (a comparison
    has split them by then), would keep no row; the one said first is the condition, the
    later one is said in contrast to it."""
    filters = args.get("filters") or []
    segments = {seg.name: seg for seg in layer.segments}

    def at(f: dict[str, Any]) -> int:
        seg = segments[f["field"]]
        return min((i for p in [seg.name.replace("_", " "), seg.label, *seg.synonyms]
                    if (i := said.find(f" {phrase(p)} ")) >= 0), default=len(said))
    wanted = sorted((f for f in filters if f.get("field") in segments
                     and f.get("op") == "=" and f.get("value") is True), key=at)
    for i, first in enumerate(wanted):
        for later in wanted[i + 1:]:
            a, b = (segments[f["field"]].sql.strip() for f in (first, later))
            if later in filters and (a == f"NOT {b}" or b == f"NOT {a}"):
                filters.remove(later)
                notes.append(f"filter {later['field']} dropped: it is the opposite of "
                             f"{first['field']}, said first")


def _place_after(name: str, said: str) -> bool:
    """Whether every time ``said`` says ``name`` a place follows it: "units sold out of the
    Atlanta warehouse" ships from there, which says no "sold out"."""
    at = [m.end() for m in re.finditer(rf" {re.escape(phrase(name))} ", said)]
    return bool(at) and all(re.match(r"of (?:the|our|a) ", said[i:]) for i in at)


# Words a name is said with that change nothing: "be" ("every unit on hand is already
# reserved"), an adverb ("can actually buy"), the one who can ("can they still buy").
_FILLER = re.compile(r" (?:is|are|was|were|be|been|being|actually|really|truly)(?= )|"
                     r"(?:(?<= can)|(?<= could)) (?:they|we|you|i|people|(?:an? |the )?"
                     r"(?:customers?|shoppers?|buyers?))(?= )")


def _name_said(name: str, said: str) -> bool:
    """Whether ``said`` (a phrase, padded) says ``name``: as written, or a name with "the"
    with another determiner and up to three more words ("cut the price": "cut a list price",
    "lowered its price", "lowered an item's list price")."""
    written = phrase(name)
    if f" {written} " in said:
        return True
    # ("every unit on hand is already reserved" says "every unit on hand already reserved")
    if _FILLER.sub("", f" {written} ") in _FILLER.sub("", said):
        return True
    if " the " not in f" {written} ":
        return False
    pattern = r"\b" + r" (?:the|a|an|its|our|their|this|that)(?: \w+){0,3} ".join(
        re.escape(part.strip()) for part in f" {written} ".split(" the ")).strip() + r"\b"
    return re.search(pattern, said) is not None


# "(refunds excluded)", "gift cards left out": a negation said after the value
_EXCLUDED_AFTER = re.compile(r"\w*\s*(?:excluded|not included|not counted|left out|set aside)\b")


def _negated(words: str, value: str) -> bool:
    """Whether a negation stands within a few words before ``value``, in its own clause
    ("not sold out and can still be bought": the second is not negated)."""
    # (a code said as words: 'awaiting_approval'; "sold out" written "sold-out")
    said = re.search(r"[\s_-]+".join(map(re.escape, value.lower().replace("_", " ").split())),
                     words)
    if said is None:
        return False
    at = said.start()
    if _EXCLUDED_AFTER.match(words, said.end()):
        return True  # "(refunds excluded)"
    before = words[:at].split()[-_NEGATED_WINDOW:]
    ends = [i for i, w in enumerate(before) if w in ("and", "but", "while") or w.endswith(",")]
    return bool(_NEGATION.search(" ".join(before[ends[-1] + 1:] if ends else before)))
