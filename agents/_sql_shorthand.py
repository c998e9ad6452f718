"""Chat shorthand spelled out before a question is read: "avg PO value per wh w/ 6+ lines"
is read as "average purchase order value per warehouse with 6 or more lines"; speech
written down too ("um, how many orders are due by november seventh twenty twenty six").

The linker and the amend rules read whole words ("average", "warehouse"); a person typing
in a chat writes them short. Spelling the words out once, where a question comes in,
keeps every rule unaware of shorthand; so does reading a question typed without its
question words ("number of price cuts in Aug 2026") as asked in full ("how many ...").
The words are the semantic layer's (``shorthand`` in ``configs/semantic.yaml``: a
deployment adds its own); the symbols and forms below are language, not business terms,
so they live here.
"""

from __future__ import annotations

import calendar
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
    (re.compile(r"(?<=\w) [&+] (?=\w)"), " and "),  # "city + total units"
    (re.compile(r"(?<=[A-Za-z]) ?%(?=[\s,.;:?)]|$)"), " percentage"),  # "gross margin %"
]

# "item/warehouse spots": one thing of two parts, as "item-warehouse" (after the shorthand,
# which reads "item/whs" as "item/warehouse")
_PAIR = re.compile(r"(?<=[a-z])/(?=[a-z]{2})", re.I)

# A question typed without its question words: "number of price cuts in Aug 2026",
# "Denver warehouse: pct of items sold out" (after a topic and a colon, or a sentence
# before it: "Where do our customers live? Count of customers per region")
_TOPIC = r"^((?:[^,:;?.!]*(?:[:;]|[?.!](?=\s))\s*)?)"
_TERSE = [
    (re.compile(_TOPIC + r"(?:(?:please )?(?:give|tell|show|get)(?: me| us)? )?"
                r"(?:the |total )?(?:total )?(?:number|count) of\b(?! (?:them|those|these)\b)",
                re.I), r"\1how many"),
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


# Numbers said as words, as a person speaking them (to a voice assistant, say) writes
# them: "twenty twenty six", "november seventh", "two hundred and fifty". One word the
# rules read as it is ("five", "thirty"); a compound, a year or a day of a month is
# written in digits, the way the rules and the calendar read it.
_UNITS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"))}
_TENS = {w: 10 * i for i, w in enumerate(
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2)}
_ORDINAL_UNITS = {w: i for i, w in enumerate((
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth"), start=1)}
_ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30}
_MONTH_NAMES = "|".join(name.lower() for name in calendar.month_name if name)
_ONE_TO_NINE = "|".join(w for w, i in _UNITS.items() if 1 <= i <= 9)
_TEEN_OR_TENS = (rf"(?:{'|'.join(w for w, i in _UNITS.items() if i >= 10)}|"
                 rf"(?:{'|'.join(_TENS)})(?:[ -](?:{_ONE_TO_NINE}))?)")
# "twenty twenty six", "twenty twelve": the year 2026, 2012 (not 20 and 26)
_SPOKEN_YEAR = re.compile(rf"\btwenty[ -](?P<rest>{_TEEN_OR_TENS})\b", re.I)
_SPOKEN_ORDINAL = (rf"(?:(?:{'|'.join(_TENS)})[ -])?(?:{'|'.join(_ORDINAL_UNITS)})|"
                   rf"{'|'.join(_ORDINAL_TENS)}")
# "november seventh", "the twenty first of october"
_SPOKEN_DAY = re.compile(rf"\b(?P<m>{_MONTH_NAMES})(?: the)? (?P<o>{_SPOKEN_ORDINAL})\b|"
                         rf"\b(?:the )?(?P<p>{_SPOKEN_ORDINAL}) of (?P<n>{_MONTH_NAMES})\b", re.I)
_NUMBER_WORD = rf"(?:{'|'.join([*_UNITS, *_TENS])}|hundred|thousand)"
_SPOKEN_NUMBER = re.compile(
    rf"\b{_NUMBER_WORD}(?:(?:[ -]|(?<=hundred) and |(?<=thousand) and ){_NUMBER_WORD})*\b", re.I)


def _cardinal(words: list[str]) -> int | None:
    """The number the words say ("two hundred and fifty"), or None if they say none."""
    total, current, last = 0, 0, ""
    for word in words:
        if word in _UNITS or word in _TENS:
            if last == "unit" or (last == "tens" and (word in _TENS or _UNITS[word] >= 10)):
                return None
            current += _UNITS.get(word) or _TENS.get(word, 0)
            last = "tens" if word in _TENS else "unit"
        elif word == "hundred" and 0 < current < 100:
            current, last = current * 100, "hundred"
        elif word == "thousand" and 0 < current < 1000:
            total, current, last = total + current * 1000, 0, "thousand"
        else:
            return None
    return total + current


def _ordinal(said: str) -> int:
    words = re.split(r"[ -]", said.lower())
    return sum(_TENS.get(w) or _ORDINAL_UNITS.get(w) or _ORDINAL_TENS[w] for w in words)


def _number_in_digits(m: re.Match[str]) -> str:
    words = [w for w in re.split(r"[ -]", m[0].lower()) if w != "and"]
    number = _cardinal(words)
    said_as_one_word = len(words) == 1 and number is not None and number < 60
    return m[0] if number is None or said_as_one_word else str(number)


def _numbers_in_digits(text: str) -> str:
    """``text`` with its spoken years, days of a month and compound numbers in digits."""
    text = _SPOKEN_YEAR.sub(
        lambda m: str(2000 + (_cardinal(re.split(r"[ -]", m["rest"].lower())) or 0)), text)
    text = _SPOKEN_DAY.sub(lambda m: f"{m['m']} {_ordinal(m['o'])}" if m["m"]
                           else f"{_ordinal(m['p'])} {m['n']}", text)
    return _SPOKEN_NUMBER.sub(_number_in_digits, text)


# What a speaker says while thinking, not asking: "um", "uh"; "so", "okay", "well" before
# the question starts.
_FILLERS = [re.compile(r"\b(?:u+m+|u+h+|e+rm|uhm|hmm+)\b,?\s*", re.I),
            re.compile(r"^\W*(?:(?:so|ok|okay|well|alright|right|hey|oh)\b,?\s+)+(?=\w)", re.I)]


# A question's inverted negation said in the plain order the layer's words use: "which
# items can people not buy anymore" as "... people cannot buy", "can customers no longer
# order" as "customers can no longer order"
_INVERTED_NOT = re.compile(r"\b(?P<modal>can|could) (?P<who>people|customers|shoppers|buyers|"
                           r"we|you|they|anyone|one) (?P<neg>not|no longer)\b", re.I)


def _plain_order(m: re.Match[str]) -> str:
    glued = m["modal"].lower() == "can" and m["neg"].lower() == "not"  # "cannot"
    joined = f"{m['modal']}{'' if glued else ' '}{m['neg']}"
    return f"{m['who']} {joined}"


# "the order and support bots": two things said with one noun after both
_SHARED_NOUN = re.compile(r"\b(?P<a>\w+) (?P<and>and|or) (?P<b>\w+) (?P<noun>\w+)\b")


def each_with_its_noun(question: str, names: set[str]) -> str:
    """``question`` with two things said with one noun after both written each with it
    ("the order and support bots" as "the order bot and support bot"), where that names
    one of ``names`` (lower-case phrases, as the layer's words for a stored value)."""
    def expand(m: re.Match[str]) -> str:
        noun = m["noun"]
        for form in (noun, noun[:-1] if noun.endswith("s") else noun):
            if {f"{m['a']} {form}".lower(), f"{m['b']} {form}".lower()} & names:
                return f"{m['a']} {form} {m['and']} {m['b']} {form}"
        return m[0]
    return _SHARED_NOUN.sub(expand, question)


def spell_out(question: str, shorthand: dict[str, str]) -> str:
    """``question`` with its shorthand words and symbols written in full, numbers said
    as words in digits, a speaker's fillers left out, and a "one" that stands for a thing
    said before written as that thing; the rest as typed. Words match whole and in any
    case ("Avg", "PO", "POs" when the plural is listed)."""
    for filler in _FILLERS:
        question = filler.sub("", question)
    question = _INVERTED_NOT.sub(_plain_order, question)
    text = _NUMBER_SIGN.sub("number of ", _numbers_in_digits(question))
    text = _OR_MORE.sub(" or more", text)
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    if shorthand:
        short = re.compile(r"(?<![\w'-])(" + "|".join(
            re.escape(s) for s in sorted(shorthand, key=len, reverse=True)) + r")(?![\w'-])",
            re.I)
        text = short.sub(lambda m: shorthand[m.group(1).lower()], text)
    text = _PAIR.sub("-", text)
    for pattern, words in _TERSE:
        text = pattern.sub(words, text, count=1)
    return _one_as_said(_YES_NO_THEN_COUNT.sub(r"\1how many \g<things>?", text))
