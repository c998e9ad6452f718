"""Links a question to the tables, terms, values and examples that may answer it.

BM25 over short documents: each table (its description, synonyms and columns),
each metric and dimension of the semantic layer, and the example bank's
questions. Category values (a status, a region, a product name) that appear in
the question verbatim are found by matching, and pull their table in; ids the
question gives (an item, an order, a user) are looked up in the store's id
columns, which have too many values to list. The
result is what the model's first message shows, so the schema it reads is small.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from ._semantic import SemanticLayer
from ._sql_catalog import Catalog
from ._sql_query import StructuredQuery

EXAMPLES_PATH = Path(__file__).with_name("analyst_examples.jsonl")
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = (
    "a an and are as at be by can do does did for from has have how i in is it its me my "
    "of on or our per so that the their there these this to was were what when where which "
    "who will with we us show give list tell many much all each")
_STOP = frozenset(_STOP_WORDS.split())
# A token that may be an id: has a digit ("1240311797", "#W1006327", "harper_ito_5985").
_ID = re.compile(r"(?<![\w#])#?\w[\w-]*\d[\w-]*")

# Whether the store holds ``value`` in ``table.column`` (id columns are too long to list).
Holds = Callable[[str, str], bool]
# (the column holding a value, the value, another column of its table) -> that column's
# distinct values on the value's rows
Lookup = Callable[[str, str, str], list[str]]
# "the Dallas fulfilment centre's region": a named thing's attribute, said possessively
# (its table's noun may come between: "the Dallas warehouse's region")
_POSSESSIVE = re.compile(r"^(?: \w+){0,2}?(?:'s|’s) (\w+)|^ (\w+)")


# Word forms a question uses for the same thing (no stemmer package here).
_FORMS = {"sold": "sell", "selling": "sell", "sale": "sell", "paid": "pay", "payment": "pay",
          "shipped": "ship", "shipping": "ship", "refunded": "refund", "ordered": "order",
          "bought": "buy", "purchase": "buy", "purchased": "buy", "cheapest": "cheap",
          "delivered": "deliver", "delivery": "deliver", "reserved": "reserve",
          "reservation": "reserve", "promo": "promotion"}


# American and British spellings of one word, as the store writes it.
_SPELLINGS = {"fulfillment": "fulfilment", "center": "centre", "catalogue": "catalog",
              "colour": "color", "canceled": "cancelled", "canceling": "cancelling",
              "cancelation": "cancellation", "labeled": "labelled", "modeled": "modelled",
              "traveled": "travelled", "favorite": "favourite", "analyze": "analyse"}


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):  # "cities", "deliveries"
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return _SPELLINGS.get(word, word)


def _word(word: str) -> str:
    word = _singular(word)
    return _FORMS.get(word, word)


# Stored values that, in a question, quantify or answer rather than name ("have none of").
_NOT_VALUES = frozenset({"none", "all", "any", "yes", "no", "not", "other", "each", "every",
                         "half", "both", "either", "neither", "single", "double", "most",
                         "least", "more", "less", "few", "many", "true", "false"})


# Two capitals a person types for a code ("CN vs MX suppliers", "TX customers"), except
# those that are words or labels written in capitals ("user ID", "OK", "IN", "OR")
_CODE = re.compile(r"\b[A-Z]{2}\b")
_CAPITAL_WORDS = frozenset({"ID", "OK", "IN", "OR", "ME", "HI", "AM", "PM", "AN", "AT", "BY",
                            "DO", "GO", "IF", "IS", "IT", "NO", "OF", "ON", "SO", "TO", "UP",
                            "WE", "PO", "QA", "OT", "DC"})  # (a distribution centre)


def _base_forms(participle: str) -> list[str]:
    """The base verbs a past participle may come from: "failed" fail, "shipped" ship,
    "received" receive."""
    if not re.fullmatch(r"[a-z]{3,}ed", participle):
        return []
    stem = participle[:-2]
    doubled = [stem[:-1]] if len(stem) > 3 and stem[-1] == stem[-2] else []
    return [stem, f"{stem}e", *doubled]


def _verb_forms(value: str, text: str) -> list[str]:
    """A stored participle said as its verb after "did", "do", "does" (a subject and "not"
    may come between): "runs that did not fail" says 'failed', "orders did we deliver"
    'delivered'. Only the forms ``text`` (a phrase) holds after such a word."""
    return [base for base in _base_forms(value.lower())
            if re.search(rf"\b(?:did|does|do)(?: \w+)?(?: not)? {base}\b", text)]


# An event's code: a thing and what happened to it ("order_placed", "payment_failed")
_EVENT_CODE = re.compile(r"[a-z]+_[a-z]+ed")


def _nameable(value: str) -> bool:
    """A stored value a question may name as it is ('TX' or '42' would match other words)."""
    return len(value) >= 3 and not value.isdigit() and value.lower() not in _NOT_VALUES


# Words that ask for rows rather than one total.
_GROUPING = re.compile(r"\b(by|per|each|every|which|who|list|top|most|least|highest|lowest|"
                       r"breakdown|split|monthly|weekly|daily|trend)\b")


# (not a quantity in a unit: "how many days", "the number of units")
_COUNTING = re.compile(r"\b(how many|number of|count)\b(?! (?:days|units|hours|weeks|months|"
                       r"years|dollars|percent)\b)")
_SHARE_WORDS = re.compile(r"\b(percentage|percent|share|proportion|fraction|rate|ratio|"
                          r"(?:half|third|quarter)s? of)\b|%")
# A time window says when, not what: "the last 30 days" names no days-metric (transit days).
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_WINDOW = re.compile(rf"\b(?:(?:last|past|previous|next|first|within|over)(?: the)? (?:\d+|\w+) "
                     rf"(?:days?|weeks?|months?|years?)|\d+ (?:days?|weeks?) ago|(?:{_MONTHS})"
                     rf"(?: \d{{1,2}}(?:st|nd|rd|th)?)?,? 20\d\d|20\d\d)\b")


# A verb with "out" that asks to show or work a figure out ("could you set out the revenue",
# "work out the margin"): its "out" is not the "out" of "out of stock"
_SAID_OUT = re.compile(r"\b((?:set|lay|spell|figure|find|work|point|print|pull|write|sort|map|"
                       r"draw|bring|read|call|single|pick|list|break)(?:s|ing|ed)?) out\b")


def tokens(text: str) -> list[str]:
    """Lower-case words without stop words, in one form ("sales", "sold" -> "sell")."""
    text = _LIST_PRICE.sub("listed", text.lower().replace("_", " "))
    return [_word(w) for w in _WORD.findall(text) if w not in _STOP]


# "list" asks for a list, but a "list price" is a kind of price
_LIST_PRICE = re.compile(r"\blist(?= pric)")


def phrase(text: str) -> str:
    """``text`` as space-separated singular words, for matching values inside a question
    (no other word forms: "paid" must not find the transaction type 'payment'); "can't"
    and "isn't" as "cannot" and "is not", as a name would say them."""
    words = " ".join(_singular(w) for w in _WORD.findall(text.lower()))
    if " t" in words:
        words = _NOT.sub(r"\1 not", _WONT.sub("will not", _CANNOT.sub("cannot", words)))
    return words


# "can t", "won t", "isn t" (an apostrophe is no word character)
_CANNOT = re.compile(r"\bcan t\b")
_WONT = re.compile(r"\bwon t\b")
_NOT = re.compile(r"\b(\w+)n t\b")


class Bm25:
    """Okapi BM25 over a handful of short documents (a few hundred at most)."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = sum(self.lengths) / max(1, len(docs))
        self.k1, self.b = k1, b
        df = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        out = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            s = 0.0
            for t in set(query):
                f = doc.get(t, 0)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (
                        f + self.k1 * (1 - self.b + self.b * length / self.avg))
            out.append(s)
        return out


class Example(BaseModel):
    question: str
    query: StructuredQuery


class ValueHit(BaseModel):
    value: str  # as stored
    columns: list[str]  # every table.column (or dimension) holding it
    said: str = ""  # the words the question names it with, when not the value ("Texas")
    # its attribute another table holds with no join to this one (a warehouse's region)
    stands_for: ValueHit | None = None

    @property
    def words(self) -> str:
        return self.said or self.value


def _bridges(catalog: Catalog) -> set[str]:
    """Columns whose values another table holds with no join between the two tables
    (a warehouse's region: the lanes' origins and destinations)."""
    held = [(t, set(c.values)) for t in catalog.tables.values() for c in t.columns
            if c.kind == "text" and c.values]
    return {c.ref for t in catalog.tables.values() for c in t.columns
            if c.kind == "text" and c.values and any(
                other is not t and set(c.values) <= values
                and catalog.path(t.name, other.name) is None for other, values in held)}


class Linked(BaseModel):
    tables: list[str]
    metrics: list[str]
    dimensions: list[str]
    values: list[ValueHit]
    examples: list[Example]


def load_examples(path: Path = EXAMPLES_PATH) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Example.model_validate(json.loads(line)) for line in lines if line.strip()]


def _top(scores: list[float], k: int, floor: float = 0.0) -> list[int]:
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    return [i for i in ranked[:k] if scores[i] > floor]


# "orders.status = 'open'": a term's filter pinning a column to one value
_PINNED = re.compile(r"\b(\w+\.\w+) = '([^']*)'")


_BOUNDED_NUMBER = re.compile(r"\b(?:than|least|most|over|under|above|below|exceeding|"
                             r"exactly) (\d+(?: \d+)?)\b")


class Linker:
    def __init__(self, catalog: Catalog, layer: SemanticLayer, examples: list[Example], *,
                 dimension_values: dict[str, list[str]] | None = None,
                 tables: int = 2, metrics: int = 4, shots: int = 4) -> None:
        self.catalog, self.layer, self.examples = catalog, layer, examples
        self.k_tables, self.k_metrics, self.k_shots = tables, metrics, shots
        self.table_names = list(catalog.tables)
        table_docs = []
        for name in self.table_names:
            note = layer.tables.get(name)
            text = " ".join([name, name, *(c.name for c in catalog.tables[name].columns),
                             note.description if note else "", *(note.synonyms if note else [])])
            table_docs.append(tokens(text))
        self.tables_bm25 = Bm25(table_docs)
        self.metrics_bm25 = Bm25([tokens(m.search_text()) for m in layer.metrics])
        self.dims_bm25 = Bm25([tokens(d.search_text()) for d in layer.dimensions])
        self.example_tokens = [tokens(e.question) for e in examples]
        self.examples_bm25 = Bm25(self.example_tokens)
        # Where a value may be: columns, then the configured dimensions (a customer's city),
        # then the JSON attributes, the commonest first (layer.attributes is in that order).
        dimension_values = dimension_values or {}
        holders = [(c.ref, c.values) for t in catalog.tables.values() for c in t.columns] + [
            (d.name, dimension_values.get(d.name, []))
            for d in [*layer.dimensions, *layer.attributes]]
        self.values = [(ref, v) for ref, values in holders for v in values
                       if _nameable(v) or v in layer.value_synonyms]
        self.attributes = {a.name for a in layer.attributes}
        self.bridges = _bridges(catalog)

    def link(self, question: str, holds: Holds | None = None,
             lookup: Lookup | None = None) -> Linked:
        """``holds`` asks the store about ids the question gives; without it ids are not
        linked (their columns list no values). ``lookup`` reads a named thing's attribute
        the question says ("the Dallas centre's region"); without it those are not linked."""
        q = tokens(question)
        ids = self._ids(question, holds) if holds else []
        inside = f" {' '.join(phrase(h.words) for h in ids)} "  # 'Harper' of harper_ito_5985
        values = ids + [v for v in self._values(question) if v.value not in
                        {h.value for h in ids} and f" {phrase(v.words)} " not in inside]
        if lookup is not None:  # (the thing only points at its attribute: that is named)
            values = [self._attribute_of(question, v, lookup) or self._stand_in(v, lookup)
                      for v in values]
        plain = _SAID_OUT.sub(r"\1", question.lower())  # "set out the revenue": no "out of stock"
        metrics = self._metrics(question, tokens(_WINDOW.sub(" ", plain)), values)
        dims = [self.layer.dimensions[i].name for i in _top(self.dims_bm25.scores(q), 2, 1.0)]
        tables = [self.table_names[i] for i in _top(self.tables_bm25.scores(q), self.k_tables)]
        if not metrics and _COUNTING.search(question.lower()):
            # "how many markdowns": no term's words, but a segment of a table's rows
            text = f" {phrase(question)} "
            tables = [g.table for g in self.layer.segments if any(
                f" {phrase(n)} " in text for n in (g.label, *g.synonyms))][:1] + tables
        if not metrics and tables and _COUNTING.search(question.lower()):
            # "how many fulfilment centres": no term's words, but a table's other name
            metrics = [m.name for m in self.layer.metrics if m.table == tables[0]
                       and m.format == "count" and not m.filter][:1]
        first = self.layer.metric(metrics[0]) if metrics else None
        root = first.table if first else None
        for v in values:  # the column nearest the metric's table first
            v.columns.sort(key=lambda ref: self._hops(root, self.table_of(ref)))
        for name in metrics[:2]:
            m = self.layer.metric(name)
            if m is not None:
                tables += [m.table, *m.joins]
        tables += [self.table_of(v.columns[0]) for v in values]  # the nearest holder
        return Linked(tables=list(dict.fromkeys(tables)), metrics=metrics, dimensions=dims,
                      values=values, examples=self._examples(question, q, metrics))

    def _metrics(self, question: str, q: list[str], values: list[ValueHit]) -> list[str]:
        """Metrics by BM25, raised when their table holds a value the question names
        ("pending" -> orders) and, for "how many", when they count."""
        holders = {c.partition(".")[0] for v in values for c in v.columns}
        counting = bool(_COUNTING.search(question.lower()))
        # a share of rows ("what percentage of variants") counts them too
        shared = counting or bool(_SHARE_WORDS.search(question.lower()))
        scores = self.metrics_bm25.scores(q)
        lower = question.lower()
        said = {(c, v.value) for v in values for c in v.columns if not re.search(
            rf"(?:\b(?:not|never|no|without)|n['’]t)\s+(?:\w+\s+){{0,2}}{re.escape(v.words.lower())}",
            lower)}
        for i, m in enumerate(self.layer.metrics):
            if scores[i] > 0:
                # a term pinned to another value of a column the question names a value of
                # ("credit cards" against the gift cards' balance) is not what it asks
                pinned = _PINNED.findall(m.filter or "")
                if any((c, v) not in said and any(c == s[0] for s in said) for c, v in pinned):
                    scores[i] *= 0.3
                scores[i] *= (1.3 if m.table in holders else 1.0) * (
                    1.3 if counting and m.format == "count" else
                    # a table's bare row count ("state_regions_count") only when counting
                    0.5 if m.name == f"{m.table}_count" and not shared else 1.0)
        return [self.layer.metrics[i].name for i in _top(scores, self.k_metrics)]

    def _examples(self, question: str, q: list[str], metrics: list[str]) -> list[Example]:
        """The examples most like the question, the most alike LAST (a small model copies
        the nearest one). An example whose words the question lacks ("by region", a product
        name) ranks lower, and one of another shape (a breakdown for a total, or the other
        way round); one using the question's likeliest metrics ranks higher."""
        words = set(q)
        grouped = bool(_GROUPING.search(question.lower()))
        scores = []
        for e, score, toks in zip(self.examples, self.examples_bm25.scores(q),
                                  self.example_tokens, strict=True):
            covered = len(words & set(toks)) / max(1, len(set(toks)))
            used = set(e.query.metrics)
            boost = 2.0 if metrics[:1] and metrics[0] in used else (
                1.3 if used & set(metrics[1:2]) else 1.0)
            shape = 1.0 if grouped == bool(e.query.group_by) else 0.5
            scores.append(score * covered * shape * boost)
        best = _top(scores, self.k_shots)
        return [self.examples[i] for i in reversed(best)]

    def table_of(self, field: str) -> str:
        """The table of a ``table.column`` or of a dimension."""
        dim = self.layer.dimension(field)
        return dim.table if dim is not None else field.partition(".")[0]

    def _hops(self, root: str | None, table: str) -> int:
        path = self.catalog.path(root, table) if root else None
        return len(path) if path is not None else 99

    def _ids(self, question: str, holds: Holds) -> list[ValueHit]:
        """Ids the question gives ("variant 1240311797", "order W1006327"), each with the
        id columns that hold it, as typed or with the '#' order ids carry. Short numbers
        are quantities or years, not ids."""
        columns = [c for t in self.catalog.tables.values() for c in t.columns
                   if c.kind == "text" and c.name.endswith("_id")]
        hits: list[ValueHit] = []
        for token in dict.fromkeys(_ID.findall(question)):
            if len(token) < (6 if token.isdigit() else 5):
                continue
            for value in dict.fromkeys([token, token if token.startswith("#") else f"#{token}"]):
                refs = [c.ref for c in columns
                        if (value in c.values if c.values else holds(c.ref, value))]
                if refs:
                    hits.append(ValueHit(value=value, columns=refs,
                                         said="" if value == token else token))
                    break
        return hits

    def _attribute_of(self, question: str, hit: ValueHit, lookup: Lookup) -> ValueHit | None:
        """"From the Dallas fulfilment centre's region": a named thing said with a column
        of its own table after it names that column's value on its row (one), wherever
        that value is held ('south_central'); None when it names no such thing."""
        text = question.lower()
        at = text.find(hit.words.lower())
        said = _POSSESSIVE.match(text[at + len(hit.words):]) if at >= 0 else None
        if said is None or not hit.value[:1].isupper():
            return None
        for ref in hit.columns:
            table = self.catalog.tables.get(ref.partition(".")[0])
            column = table.column(said[1] or said[2]) if table is not None else None
            if column is None or column.kind != "text" or column.ref == ref:
                continue
            owned = lookup(ref, hit.value, column.name)
            if len(owned) == 1:
                return ValueHit(value=owned[0], said=f"{hit.words}{said[0]}",
                                columns=[r for r, v in self.values if v == owned[0]])
        return None

    def _stand_in(self, hit: ValueHit, lookup: Lookup) -> ValueHit:
        """``hit`` with what it may stand for: "shipping from the Dallas site" names the
        warehouse, but lanes (no join leads from them to warehouses) hold its region. The
        amend takes that reading where the query's table reaches only the region."""
        for ref in hit.columns:
            table = self.catalog.tables.get(ref.partition(".")[0])
            for column in table.columns if table is not None else []:
                if column.ref == ref or column.ref not in self.bridges:
                    continue
                owned = lookup(ref, hit.value, column.name)
                if len(owned) == 1:
                    return hit.model_copy(update={"stands_for": ValueHit(
                        value=owned[0], said=hit.words,
                        columns=[r for r, v in self.values if v == owned[0]])})
        return hit

    def _values(self, question: str) -> list[ValueHit]:
        text = f" {phrase(question)} "
        # (a value is said within a sentence: "per order? 2 decimals" names no 'order:2')
        sentences = [f" {phrase(part)} " for part in re.split(r"[?!;]", question)]
        codes = set(_CODE.findall(question)) - _CAPITAL_WORDS
        lower = question.lower()
        hits: dict[str, ValueHit] = {}
        synonyms = self.layer.value_synonyms
        for ref, value in self.values:
            named = _nameable(value) or value in codes
            for said in ([value] if named else []) + synonyms.get(value, []) + (
                    _verb_forms(value, text) if named else []):
                needle = f" {phrase(said)} "
                if said == value and _EVENT_CODE.fullmatch(value) and re.search(
                        rf"\b{value.replace('_', 's ')}\b", lower):
                    continue  # "orders placed" are orders, not the event 'order_placed'
                if needle.strip() and any(needle in sentence for sentence in sentences):
                    hit = hits.setdefault(f"{needle.strip()}\0{value}", ValueHit(
                        value=value, columns=[], said="" if said == value else said))
                    hit.columns.append(ref)
        # An attribute only where no column or dimension holds the words ('Laptop' is a
        # product, not the backpack compartment 'laptop').
        held = {key.partition("\0")[0] for key, hit in hits.items()
                if any(c not in self.attributes for c in hit.columns)}
        for key, hit in list(hits.items()):
            if key.partition("\0")[0] in held:
                hit.columns = [c for c in hit.columns if c not in self.attributes]
                if not hit.columns:
                    del hits[key]
        # A number bounding something ("more than 60%") is not a name ("60%", a size).
        bounded = set(_BOUNDED_NUMBER.findall(text))
        hits = {k: h for k, h in hits.items() if phrase(h.words) not in bounded}
        # The longest phrase wins: "gift card" hides "gift".
        found = sorted(hits.values(), key=lambda h: -len(h.words))
        kept: list[ValueHit] = []
        for h in found:
            shorter = [k for k in kept if len(k.words) > len(h.words)]
            if not any(f" {phrase(h.words)} " in f" {phrase(k.words)} " for k in shorter):
                kept.append(h)
        return kept[:6]
