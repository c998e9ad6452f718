"""Chat shorthand spelled out before a question is read: "avg PO value per wh w/ 6+ lines"
is read as "average purchase order value per warehouse with 6 or more lines".

The linker and the amend rules read whole words ("average", "warehouse"); a person typing
in a chat writes them short. Spelling the words out once, where a question comes in,
keeps every rule unaware of shorthand; so does reading a question typed without its
question words ("number of price cuts in Aug 2026") as asked in full ("how many ...").
The words are the semantic layer's (``shorthand`` in ``configs/semantic.yaml``: a
deployment adds its own); the symbols and forms below are language, not business terms,
so they live here.
"""

from __future__ import annotations

import re

# "# of orders", "# customers": the number of; not an id ("order #W2611340", "#123")
_NUMBER_SIGN = re.compile(r"(?:^|(?<=[\s(]))#\s*(?:of\s+)?(?=[A-Za-z]+\b)")
# "6+ orders", "$1,000+": that many or more
_OR_MORE = re.compile(r"(?<=\d)\+(?=\s|$|[,.;:?)])")
_SYMBOLS = [
    (re.compile(r"\s*(?:->|→)\s*"), " to "),          # "west -> northeast"
    (re.compile(r"(?<![\w/])w/o(?![\w/])", re.I), "without"),
    (re.compile(r"(?<![\w/])w/(?![\w/])", re.I), "with"),
    (re.compile(r"(?<=\w) x (?=\w)|\s*×\s*"), " times "),  # "qty x unit cost"
    (re.compile(r"(?<=\w) & (?=\w)"), " and "),
    (re.compile(r"(?<=[A-Za-z]) ?%(?=[\s,.;:?)]|$)"), " percentage"),  # "gross margin %"
]

# A question typed without its question words: "number of price cuts in Aug 2026",
# "Denver warehouse: pct of items sold out" (after a topic and a colon, or a sentence
# before it: "Where do our customers live? Count of customers per region")
_TOPIC = r"^((?:[^,:;?.!]*(?:[:;]|[?.!](?=\s))\s*)?)"
_TERSE = [
    (re.compile(_TOPIC + r"(?:the |total )?(?:number|count) of\b", re.I), r"\1how many"),
    # "Count the in-stock variants whose ...": how many of them
    (re.compile(_TOPIC + r"count (?:up )?(?:the |all (?:the )?|all of the )?"
                r"(?!(?:how|each|every|them|it|those|these|that|this|once)\b)(?=[a-z])", re.I),
     r"\1how many "),
    (re.compile(_TOPIC + r"(?:the )?(percentage|percent|share|proportion|fraction) of\b", re.I),
     r"\1what \2 of"),
]

# "Are there products without a volume tier? Give the number of them", "do we have any
# orders over $5,000? How many?": the count asked after a yes-or-no question
_YES_NO_THEN_COUNT = re.compile(
    _TOPIC + r"(?:(?:are|were) there|(?:do|did) we have) (?:any )?(?P<things>[^?]+)\?\s*"
    r"(?:(?:please )?(?:give|tell|show)(?: me| us)? (?:the )?(?:number|count|total)"
    r"(?: of them)?|how many(?: are there| do we have| of them are there)?|"
    r"what is the (?:number|count))(?:,? please| in total)?[?.!]?\s*$", re.I)

# "how many times did we raise a list price and how many times did we cut one?": "one"
# after a subject's verb stands for the thing said before it with "a" or "an"
_VERB_ONE = re.compile(r"\b(?:we|they|you|i|did|do|does|have|has|had) (?:\w+ )?\w+ "
                       r"(?P<one>one)(?=\s*(?:[?.!,;]|$|and\b))", re.I)
_A_THING = re.compile(r"\b(?:a|an) (?P<thing>(?:(?!(?:and|or|but|in|on|at|for|with|to|from|"
                      r"that|which|who|than|by|of|per)\b)[a-z]+ ?){1,3})", re.I)


def _one_as_said(text: str) -> str:
    """``text`` with a "one" that stands for a thing said before written as that thing."""
    said = _VERB_ONE.search(text)
    things = list(_A_THING.finditer(text, 0, said.start("one"))) if said else []
    if said is None or not things:
        return text
    return f"{text[:said.start('one')]}a {things[-1]['thing'].strip()}{text[said.end('one'):]}"


def spell_out(question: str, shorthand: dict[str, str]) -> str:
    """``question`` with its shorthand words and symbols written in full, and a "one"
    that stands for a thing said before written as that thing; the rest as typed. Words
    match whole and in any case ("Avg", "PO", "POs" when the plural is listed)."""
    text = _NUMBER_SIGN.sub("number of ", question)
    text = _OR_MORE.sub(" or more", text)
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    if shorthand:
        short = re.compile(r"(?<![\w'-])(" + "|".join(
            re.escape(s) for s in sorted(shorthand, key=len, reverse=True)) + r")(?![\w'-])",
            re.I)
        text = short.sub(lambda m: shorthand[m.group(1).lower()], text)
    for pattern, words in _TERSE:
        text = pattern.sub(words, text, count=1)
    return _one_as_said(_YES_NO_THEN_COUNT.sub(r"\1how many \g<things>?", text))
