"""Who is speaking in each sentence of an article: rules, a verb list, no model.

A sentence carries someone's words when a speech verb ("said", "warned",
"told", "according to"...) has a person for its subject: a name ("Vladimir
Putin", "Putin", "President Putin"), a title that names one person in this
article ("the French president"), "he"/"she" (the person named last before
it), or "who" after a name. A quotation that runs over several sentences
belongs, as a whole, to whoever is named as saying it in any of them.

People are the names the article introduces: two or more capitalised words
that are not an organisation's or a place's ("Danish Refugee Council",
"Eastern Economic Forum"), or one word after a title ("President Zelensky").
A surname alone, or title plus surname, refers back to the full name. Only
people are speakers: "Russia said" or "the ministry said" get none, because a
wrong speaker is worse than none.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import overload

Span = tuple[int, int]


def _forms(*lemmas: str) -> set[str]:
    """Regular inflections: state -> state, states, stated, stating."""
    out: set[str] = set()
    for lemma in lemmas:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        out |= {lemma, lemma + "s", stem + "ed", stem + "ing"}
        if lemma.endswith("y") and lemma[-2] not in "aeiou":
            out |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    return out


# Verbs whose subject is speaking, in any form.
SPEECH_VERBS = frozenset(
    _forms(
        "state",
        "warn",
        "argue",
        "claim",
        "insist",
        "announce",
        "declare",
        "note",
        "explain",
        "stress",
        "emphasise",
        "emphasize",
        "urge",
        "remark",
        "acknowledge",
        "admit",
        "confirm",
        "suggest",
        "predict",
        "accuse",
        "vow",
        "comment",
        "mention",
        "reiterate",
        "indicate",
        "assert",
        "clarify",
        "characterise",
        "characterize",
        "reveal",
        "praise",
        "hail",
        "criticise",
        "criticize",
        "lament",
        "complain",
        "deny",
        "promise",
        "threaten",
        "caution",
        "concede",
        "observe",
        "express",
        "highlight",
        "tweet",
        "posit",
        "repeat",
        "describe",
        "recall",
        "add",
        "call",
        "maintain",
    )
    | {
        "say",
        "says",
        "said",
        "saying",
        "tell",
        "tells",
        "telling",
        "told",
        "write",
        "writes",
        "wrote",
        "writing",
        "denied",
        "denies",
        "replied",
        "replies",
        "stressed",
        "criticised",
    }
)
# Verbs that also mean something else: they count only before "that", a colon,
# a comma or a quotation ("maintained a stance" is not speech).
_NEEDS_SPEECH_AFTER = frozenset(_forms("add", "maintain", "note", "observe", "repeat", "describe"))

# Words that may stand between a subject and its verb: "Putin has firmly rejected".
_BETWEEN = frozenset(
    "also immediately reportedly firmly recently previously repeatedly publicly later then "
    "has had have was is were are would will did does do had once again further clearly "
    "explicitly strongly just subsequently quickly separately openly still already never "
    "not only initially earlier first last now today yesterday".split()
)
_PRONOUNS = frozenset({"he", "she"})

# Capitalised words that make a run of names a title, not part of the name.
# A title is a few words before a name; more is not a title but a list.
MAX_TITLE_WORDS = 6
TITLE_WORDS = frozenset(
    "president prime minister chancellor secretary spokesman spokeswoman spokesperson mr mrs "
    "ms miss dr sir dame lord lady general gen senator sen rep governor mayor king queen "
    "prince princess pope chief executive director chairman chairwoman chair leader foreign "
    "defence defense finance home deputy vice professor prof judge justice commissioner "
    "ambassador coach manager captain officer premier envoy boss head founder editor "
    "correspondent analyst economist spokesmen minister's president's campaigner actor actress "
    "singer star producer author writer musician player striker midfielder defender goalkeeper "
    "rapper comedian presenter host novelist artist chef designer lawyer solicitor barrister "
    "adviser advisor aide spokesperson's".split()
)
# A run holding one of these names an organisation, a place or an event.
_ORG_WORDS = frozenset(
    "council organization organisation forum union ministry treaty coalition summit day social "
    "party army navy force forces bank agency university committee commission office department "
    "court news times post group company corporation inc ltd plc league association institute "
    "foundation parliament assembly congress senate house cup championship open games club "
    "united city fc street road square airport station hospital school college sea ocean "
    "river island islands mountain east west north south eastern western northern southern far "
    "middle republic kingdom states federation emirates guard police service services airways "
    "airlines motors festival awards award prize film show week month year review board "
    "fund trust exchange market index network media press radio television tv channel "
    "records studios system systems software microsoft google apple sony nintendo "
    "commons lords labour conservative conservatives tory tories liberal democrats democrat "
    "democrats republican republicans nato eu un bbc itv cnn europe asia africa america "
    "world international national federal central royal olympic olympics premiership "
    "will of willing holy ukraine russia china india france germany britain".split()
)
# A name right after one of these is a company's or a body's: "IT firm Dimension Data".
_ORG_BEFORE = frozenset(
    "firm company group bank party charity agency magazine newspaper paper website retailer "
    "airline maker giant carrier studio studios network broadcaster organisation organization "
    "body union club team brand chain operator consultancy fund insurer lender supplier "
    "publisher developer manufacturer label watchdog regulator think-tank".split()
)
NOT_NAMES = frozenset(
    "the a an on in at for but and as if when while after before during since from with "
    "without however meanwhile despite although this that these those it its he she they we "
    "i you his her their our my your speaking looking any some previously there here what who "
    "why how where which according".split()
    + "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)

_JOINERS = "’'.-"  # join two words into one: "U.S", "Putin's", "so-called"
_WORD = re.compile(r"[^\W_]+(?:[’'.\-][^\W_]+)*")
_TOKEN = re.compile(rf"{_WORD.pattern}|[“”\"‘,:;()!?.]")
# A full stop after these does not end a run of names: "Mr. Blair", "U.S. President".
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "st", "u.s", "u.k"}
)
_OPEN, _CLOSE = "“", "”"


class _Token(tuple):  # type: ignore[type-arg]
    """A word or a punctuation mark: (text, start, folded text). A tuple, so that
    making one costs no Python call: an article has hundreds."""

    __slots__ = ()
    text: str = property(itemgetter(0))  # type: ignore[assignment]
    start: int = property(itemgetter(1))  # type: ignore[assignment]
    lower: str = property(itemgetter(2))  # type: ignore[assignment]

    @property
    def end(self) -> int:
        return self[1] + len(self[0])

    @property
    def capitalised(self) -> bool:
        return self[0][:1].isupper()


@dataclass
class _People:
    """The people an article names, where it names them, and the titles it gives them."""

    full: dict[str, str] = field(default_factory=dict)  # surname (folded) -> full name
    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, person)
    titles: list[tuple[int, str, str]] = field(default_factory=list)  # (position, title, person)
    _by_start: dict[int, str] = field(default_factory=dict)
    _by_end: dict[int, str] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)

    def index(self) -> None:
        """Sort the mentions and build the lookups (once every mention is in)."""
        self.mentions.sort()
        for start, end, person in self.mentions:
            self._by_start.setdefault(start, person)
            self._by_end[end] = person
        self._starts = [start for start, _, _ in self.mentions]

    @property
    def starts(self) -> list[int]:
        """Where the mentions start, sorted."""
        return self._starts

    def person_ending_at(self, end: int) -> str | None:
        return self._by_end.get(end)

    def person_starting_at(self, start: int) -> str | None:
        return self._by_start.get(start)

    def last_before(self, position: int) -> str | None:
        i = bisect_left(self._starts, position)
        return self.mentions[i - 1][2] if i else None

    def titled(self, title: str, position: int) -> str | None:
        """The person given `title` most recently before `position`."""
        found = None
        for at, name, person in self.titles:
            if at < position and name == title:
                found = person
        return found


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    return [
        _Token((word, m.start() + offset, word.casefold().rstrip(".")))
        for m in _TOKEN.finditer(text)
        for word in (m.group(),)
    ]


_QUOTE_MARK = re.compile(r'[“”"]')


class _Quoted:
    """Spans inside quotation marks, asked "is this position inside one?" many
    times per article: the spans are merged and searched by bisection."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: list[Span]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for a, b in sorted(spans):
            if ends and a < ends[-1]:  # overlapping open intervals: one interval
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        self._starts, self._ends = starts, ends

    def __bool__(self) -> bool:
        return bool(self._starts)

    def __contains__(self, position: int) -> bool:
        """Strictly inside: the quotation marks themselves are outside."""
        i = bisect_left(self._starts, position) - 1
        return i >= 0 and position < self._ends[i]


def _quoted_spans(text: str, offset: int = 0) -> _Quoted:
    """Spans inside quotation marks (curly pairs, or straight ones taken in pairs)."""
    spans: list[Span] = []
    opened: int | None = None
    straight: int | None = None
    for match in _QUOTE_MARK.finditer(text):
        i, ch = match.start() + offset, match.group()
        if ch == _OPEN and opened is None:
            opened = i
        elif ch == _CLOSE and opened is not None:
            spans.append((opened, i + 1))
            opened = None
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                spans.append((straight, i + 1))
                straight = None
    return _Quoted(spans)


# A capitalised word at a token boundary (or U.S. / U.K. inside a title), and
# where the next word would start if the two stand in one run of names: after
# spaces (group 1), or after ". " (group 2: "Mr. Blair", "U.S. President").
# The boundary is checked after the first letter, not before it: a pattern that
# opens with a lookbehind is tried at every position, one that opens with a
# character class skips to the next capital (twice as fast over an article).
_CAPITAL = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?<![\w’'.\-][A-ZÀ-ÖØ-Þ])"
    r"(?:(?<=U)\.[SK]\b|[^\W_]*(?:[’'.\-][^\W_]+)*)"
    r"(?=([ \t]+)|(\.[ \t]+)|)"
)
_WORD_AFTER = re.compile(rf"[ \t]+({_WORD.pattern})")
# (text, start, folded text without a final period, that without a possessive)
_Word = tuple[str, int, str, str]


def _possessive(word: str) -> str:
    """The word without its possessive: "Putin's" -> "Putin"."""
    return word.removesuffix("’s").removesuffix("'s")


def _name_runs(text: str) -> tuple[list[list[_Word]], list[_Word]]:
    """Runs of capitalised words standing next to each other: "Russian President
    Vladimir Putin", "U.S. President Donald Trump" (acronyms like NATO end a run);
    and every capitalised word. Plain tuples and no regex but the one: this runs
    over every capital of every article ingested."""
    runs: list[list[_Word]] = []
    run: list[_Word] = []
    capitals: list[_Word] = []
    next_after_space = next_after_stop = -1  # where run[-1]'s run may go on
    for match in _CAPITAL.finditer(text):
        word, start = match.group(), match.start()
        lower = word.casefold().rstrip(".")
        token = (word, start, lower, _possessive(lower))
        capitals.append(token)
        is_name = not word.isupper() or lower in ("u.s", "u.k")
        if run and is_name and start in (next_after_space, next_after_stop):
            run.append(token)
        else:
            if run:
                runs.append(run)
            run = [token] if is_name else []
        next_after_space = match.end(1)
        next_after_stop = match.end(2) if lower in _ABBREVIATIONS else -1
    if run:
        runs.append(run)
    return runs, capitals


def _before(text: str, position: int) -> tuple[str, str, bool]:
    """The word just before `position` (folded; "" when a comma stands there), the
    word before a comma if one does ("foreign minister, Andrii"), and whether that
    word is capitalised. Read backwards by hand: a regex anchored at the end of a
    window would try every start in it."""
    i = position
    while i > 0 and text[i - 1].isspace():
        i -= 1
    comma = i > 0 and text[i - 1] == ","
    if comma:
        i -= 1
        while i > 0 and text[i - 1].isspace():
            i -= 1
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in _JOINERS):
        j -= 1
    raw = text[j:i].lstrip(_JOINERS)
    if not raw or not raw[0].isalnum():
        return "", "", False
    word = raw.casefold().rstrip(".")
    return ("" if comma else word), word, raw[:1].isupper()


def find_people(text: str) -> _People:
    """Every person named in `text`, in order, with their titles."""
    people = _People()
    full_names = people.full
    quoted = _quoted_spans(text)
    covered: set[int] = set()  # starts of the words inside a mention
    organisations: set[str] = set()  # names once seen as a body's: never a person after
    runs, capitals = _name_runs(text)
    for run in runs:
        first = 0
        while first < len(run) and run[first][2] in NOT_NAMES:
            first += 1
        if first == len(run) or (quoted and run[first][1] in quoted):
            continue
        title_end = first
        for i in range(first, len(run)):
            if run[i][2].removesuffix("’s") in TITLE_WORDS:
                title_end = i + 1
        name = run[title_end:]
        if not name:
            continue
        # The title words nearest the name ("former US Secretary of State"); a run of
        # thousands ("Dr. Mr. St. " repeated) would make every suffix of it a title.
        title = " ".join(t[2] for t in run[max(first, title_end - MAX_TITLE_WORDS) : title_end])
        joined = " ".join(t[0] for t in name)
        last_text, last_start, _, surname = name[-1]
        after = _WORD_AFTER.match(text, last_start + len(last_text))
        if after and after.group(1)[:1].islower() and after.group(1) in TITLE_WORDS:
            organisations.add(joined)
            continue  # "Fair Trials Abroad director ...": a body's name qualifying a title
        if any(t[3] in _ORG_WORDS for t in name):
            continue
        # The word before the name: "IT firm Dimension Data" is a company's; a
        # lower-case title names a person's: "Kremlin spokesman Dmitry Peskov",
        # "foreign minister, Andrii Sybiha".
        name_start = name[0][1]
        adjacent, before, capitalised = _before(text, name_start)
        if title_end == first and adjacent in _ORG_BEFORE:
            organisations.add(joined)
            continue
        if joined in organisations:
            continue
        if before in TITLE_WORDS and not capitalised:
            title = (title + " " if title else "") + before
        end_text = _possessive(last_text)
        if len(name) == 1:
            known = full_names.get(surname)
            if known is None and not title:
                continue  # a lone capitalised word is a person only once named in full
            person = known or end_text
        else:
            full = " ".join(t[0] for t in name[:-1]) + " " + end_text
            person = full_names.setdefault(surname, full)
        people.mentions.append((name_start, last_start + len(end_text), person))
        covered.update(t[1] for t in name)
        full_names.setdefault(surname, person)
        if title:
            words = title.split()[-MAX_TITLE_WORDS:]
            for n in range(1, len(words) + 1):  # "russian president" and "president"
                people.titles.append((name_start, " ".join(words[-n:]), person))
    # Surnames mentioned alone, before or after the full name: "Putin argued".
    for word, start, _, key in capitals:
        if key in full_names and start not in covered and not (quoted and start in quoted):
            people.mentions.append((start, start + len(_possessive(word)), full_names[key]))
    people.index()
    return people


@dataclass(frozen=True)
class _Context:
    """What a pronoun may refer to: the person last in subject position before the
    sentence, and this sentence's own subject (its first person, if early)."""

    previous: str | None
    subject: str | None
    subject_at: int


def _subject_left(tokens: _Window, verb: int, people: _People, context: _Context) -> str | None:
    """The person before a speech verb: a name, he/she, "who", or a title phrase."""
    i = verb - 1
    while i >= 0 and tokens[i].lower in _BETWEEN:
        i -= 1
    if i < 0:
        return None
    token = tokens[i]
    if token.lower in _PRONOUNS:
        # "he" is the person in subject position: this sentence's, if it came first.
        if context.subject is not None and context.subject_at < token.start:
            return context.subject
        return context.previous or people.last_before(token.start)
    person = people.person_ending_at(_name_end(token))
    if person is not None:
        return person
    if token.lower in ("and", "but") and context.subject_at < token.start:
        return context.subject  # "Putin has rejected ... and has said that"
    if token.text == "," and i >= 1:
        # "Dmitry Peskov, spokesperson for the Kremlin, commented": the name before the
        # appositive; "Ukraine's foreign minister, Andrii Sybiha, urged": the name itself.
        person = people.person_ending_at(_name_end(tokens[i - 1]))
        if person is not None:
            return person
        for j in range(i - 2, max(0, i - 12), -1):
            if tokens[j].text == ",":
                person = people.person_ending_at(_name_end(tokens[j - 1]))
                if person is not None:  # "Mr Mubanga, 32, from Wembley, London, said"
                    return person
        if tokens[verb].lower.endswith("ing") and context.subject_at < token.start:
            return context.subject  # "Putin rejected the offer, stating that"
        return None
    if token.lower == "who" and i >= 2 and tokens[i - 1].text == ",":
        return people.person_ending_at(_name_end(tokens[i - 2]))
    # "the French president indicated": a title given to one person before.
    words: list[str] = []
    j = i
    while j >= 0 and (tokens[j].lower in TITLE_WORDS or (words and tokens[j].capitalised)):
        words.insert(0, tokens[j].lower)
        j -= 1
    if words and j >= 0 and tokens[j].lower == "the":
        for n in range(len(words), 0, -1):
            person = people.titled(" ".join(words[-n:]), tokens[j].start)
            if person is not None:
                return person
    return None


def _name_end(token: _Token) -> int:
    return token.start + len(_possessive(token.text))


def _subject_right(tokens: _Window, verb: int, people: _People) -> str | None:
    """The person after an inverted verb: `," said Putin` or `according to Putin`."""
    i = verb + 1
    while i < len(tokens) and tokens[i].lower in _TITLE_OR_ARTICLE:
        i += 1
    if i >= len(tokens):
        return None
    return people.person_starting_at(tokens[i].start)


_TITLE_OR_ARTICLE = TITLE_WORDS | {"the", "russian", "french", "us", "u.s", "uk"}


def _speech_around(tokens: _Window, verb: int) -> bool:
    """A quotation, "that", a colon or a comma after the verb, or a quotation just
    closed before it (`,” he noted`)."""
    nxt = tokens[verb + 1].text if verb + 1 < len(tokens) else ""
    if nxt.casefold() == "that" or nxt in (",", ":", _OPEN, '"'):
        return True
    return any(t.text in (_CLOSE, '"') for t in tokens[max(0, verb - 3) : verb])


_SUBJECT_WINDOW = 8  # tokens: a person this early in a sentence is its subject
# Matched at a sentence's start: the first _SUBJECT_WINDOW - 1 tokens (atomic, so a
# word is never split to make up the count), then what stands before the next one.
_BETWEEN_TOKENS = r"(?:[^\w“”\"‘,:;()!?.]|_)*"
_SUBJECT_REACH = re.compile(
    rf"(?:{_BETWEEN_TOKENS}(?>{_TOKEN.pattern})){{{_SUBJECT_WINDOW - 1}}}{_BETWEEN_TOKENS}"
)


def _first_in(positions: Sequence[int], span: Span) -> int | None:
    """The first of sorted `positions` inside `span`, if any."""
    i = bisect_left(positions, span[0])
    return positions[i] if i < len(positions) and positions[i] < span[1] else None


def _sentence_subject(
    text: str,
    span: Span,
    quoted: _Quoted | None,
    people: _People,
    previous: str | None,
    pronouns: Sequence[int] | None = None,
) -> tuple[str | None, int]:
    """This sentence's subject: its first person, if early; a sentence opening
    with "he" or "she" keeps the previous subject ("And he hit back at Mr X").

    `pronouns`: where "he" and "she" stand in the article, when the caller found
    them. Without quotation marks in the sentence, the first pronoun or name is
    looked up and the tokens before it counted by one regex; with them, the
    tokens are walked (words inside a quotation do not count).
    """
    if quoted is None and pronouns is not None:
        pronoun = _first_in(pronouns, span)
        mention = _first_in(people.starts, span)
        if pronoun is None and mention is None:
            return None, 1 << 62
        at = min(p for p in (pronoun, mention) if p is not None)
        reach = _SUBJECT_REACH.match(text, span[0], span[1])
        if reach is not None and at > reach.end():
            return None, 1 << 62
        return (previous if at == pronoun else people.person_starting_at(at)), at
    seen = 0
    for match in _TOKEN.finditer(text, span[0], span[1]):
        if quoted and match.start() in quoted:
            continue
        if match.group().casefold() in _PRONOUNS:
            return previous, match.start()
        person = people.person_starting_at(match.start())
        if person is not None:
            return person, match.start()
        seen += 1
        if seen == _SUBJECT_WINDOW:
            break
    return None, 1 << 62


_TRIGGERS = SPEECH_VERBS | {"according"}


def _trie(words: Sequence[str]) -> str:
    """A regex matching exactly `words`, their shared prefixes factored out
    ("sa(?:id|ys)"): an alternation of 200 words would be tried word by word at
    every position of an article."""
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:  # type: ignore[type-arg]
        ends = "" in node
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word ends here and longer ones go on ("say", "says"): the rest is
        # optional, tried first (greedy); the word-end check after it decides.
        return f"(?:{body})?" if ends else body

    return pattern(tree)


# Speech verbs (and "according") and the pronouns "he"/"she", found in one pass over
# an article's folded text: most sentences hold neither. `\b` keeps the scan fast;
# `_whole_token` then drops what `_TOKEN` would not split out as a word of its own.
_VERB_OR_PRONOUN = re.compile(rf"\b(?:(he|she)|{_trie(sorted(_TRIGGERS))})\b")


def _whole_token(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole `_TOKEN` word: not joined to a word
    before or after it ("x.said", "said-so")."""
    if start >= 2 and text[start - 1] in _JOINERS and text[start - 2].isalnum():
        return False
    return not (end + 1 < len(text) and text[end] in _JOINERS and text[end + 1].isalnum())


_LOOK_BACK = 160  # characters before a speech verb that its subject may stand in
_LOOK_AHEAD = 80  # and after it, for `said Putin`, `according to Putin`


def _quotations_in(text: str, span: Span) -> _Quoted | None:
    """The quoted spans of one sentence (marks paired within it), or None."""
    if _QUOTE_MARK.search(text, span[0], span[1]) is None:
        return None
    return _quoted_spans(text[span[0] : span[1]], span[0])


_SHORT_LOOK_BACK = 48  # characters: enough for most subjects; the full window if not


class _Window:
    """The tokens of text[start:end] around a speech verb at `verb`, those after
    the verb made only when read ("Putin said" never needs them). It notes
    whether its first two tokens were read: when the window was cut short, the
    first may be a piece of a word, and a walk back that reads the second may
    have stopped only because the window did ("for j in range(i - 2,
    max(0, i - 12), -1)"); then a longer window decides."""

    __slots__ = ("_after", "_done", "_tokens", "reached_start", "verb")

    def __init__(self, text: str, start: int, verb: int, end: int) -> None:
        self._tokens = _tokens(text[start:verb], start)
        self.verb = len(self._tokens)  # the verb's index
        self._after = _TOKEN.finditer(text, verb, end)
        self._done = False
        self.reached_start = False

    def _make(self, upto: int | None) -> None:
        """Make the tokens up to index `upto` (all of them when None)."""
        while not self._done and (upto is None or len(self._tokens) <= upto):
            match = next(self._after, None)
            if match is None:
                self._done = True
            else:
                word = match.group()
                self._tokens.append(_Token((word, match.start(), word.casefold().rstrip("."))))

    def __len__(self) -> int:
        self._make(None)
        return len(self._tokens)

    @overload
    def __getitem__(self, index: int) -> _Token: ...
    @overload
    def __getitem__(self, index: slice) -> list[_Token]: ...
    def __getitem__(self, index: int | slice) -> _Token | list[_Token]:
        if isinstance(index, slice):
            first = index.start or 0
            self._make(None if index.stop is None else index.stop)
        else:
            first = index
            self._make(None if index < 0 else index)
        if first <= 1:
            self.reached_start = True
        return self._tokens[index]


def _speaker_near(
    text: str, span: Span, position: int, people: _People, context: _Context
) -> str | None:
    """The speaker a speech verb at `position` names, read from the tokens around
    it: first from a short window, then, if the reading went back to the short
    window's first tokens, from the full one."""
    end = min(span[1], position + _LOOK_AHEAD)
    person = None
    for look_back in (_SHORT_LOOK_BACK, _LOOK_BACK):
        window_start = max(span[0], position - look_back)
        # Start the window at a word boundary, not inside a word.
        while window_start > span[0] and text[window_start - 1].isalnum():
            window_start -= 1
        tokens = _Window(text, window_start, position, end)
        person = _speaker_at(tokens, tokens.verb, people, context)
        if window_start == span[0] or not tokens.reached_start:
            break
    return person


@dataclass(frozen=True)
class _Found:
    """Where a text's speech verbs and pronouns start."""

    verbs: list[int]
    pronouns: list[int] | None  # None: not looked for (folding changes the text's length)

    @classmethod
    def of(cls, text: str) -> _Found:
        folded = text.casefold()
        if len(folded) != len(text):  # "ß" -> "ss": offsets would not carry over
            words = _WORD.finditer(text)
            return cls([m.start() for m in words if m.group().casefold() in _TRIGGERS], None)
        verbs: list[int] = []
        pronouns: list[int] = []
        for match in _VERB_OR_PRONOUN.finditer(folded):
            if _whole_token(folded, match.start(), match.end()):
                (verbs if match.group(1) is None else pronouns).append(match.start())
        return cls(verbs, pronouns)


def _speaker_at(tokens: _Window, i: int, people: _People, context: _Context) -> str | None:
    """The person a trigger word at `tokens[i]` attributes words to, if any."""
    if tokens[i].lower == "according":
        if i + 1 < len(tokens) and tokens[i + 1].lower == "to":
            return _subject_right(tokens, i + 1, people)
        return None
    if tokens[i].lower in _NEEDS_SPEECH_AFTER and not _speech_around(tokens, i):
        return None
    if i and tokens[i - 1].text.endswith(("’s", "'s")):
        return None  # "Putin's remarks": a noun, not a verb
    person = _subject_left(tokens, i, people, context)
    if person is None and i >= 1 and tokens[i - 1].text in (",", _CLOSE, '"'):
        person = _subject_right(tokens, i, people)  # `," said Putin`
    return person


def attribute_speakers(text: str, sentences: Sequence[Span]) -> list[str | None]:
    """For each sentence of `text` (in order), the person speaking in it, or None.

    Only sentences with a speech verb outside quotation marks are read closely.
    "He" in one refers to the subject of the sentences before it, found by
    walking back from it to the last person in subject position, so most other
    sentences are never looked at. A quotation left open at the end of a
    sentence runs on into the next ones; every sentence of it gets the speaker
    named in any of them.
    """
    people = find_people(text)
    found = _Found.of(text)
    verbs = found.verbs
    speakers: list[str | None] = [None] * len(sentences)
    # Of the sentences read closely: their subject for the sentences after them
    # (the speaker when none), and what "he" meant in them.
    subjects: dict[int, str | None] = {}
    previous_of: dict[int, str | None] = {}

    def subject_before(index: int) -> str | None:
        """The person in subject position last, before sentence `index`."""
        for j in range(index - 1, -1, -1):
            if j in subjects:
                return subjects[j] if subjects[j] is not None else previous_of[j]
            span = sentences[j]
            quoted = _quotations_in(text, span)
            person, _ = _sentence_subject(text, span, quoted, people, None, found.pronouns)
            if person is not None:  # a name; "he" stands for what came before
                return person
        return None

    for index, span in enumerate(sentences):
        first = bisect_left(verbs, span[0])
        triggers = verbs[first : bisect_left(verbs, span[1], first)]
        if not triggers:
            continue
        quoted = _quotations_in(text, span)
        if quoted:
            triggers = [position for position in triggers if position not in quoted]
            if not triggers:
                continue
        previous = subject_before(index)
        subject, subject_at = _sentence_subject(
            text, span, quoted, people, previous, found.pronouns
        )
        context = _Context(previous, subject, subject_at)
        speaker = None
        for position in triggers:
            speaker = _speaker_near(text, span, position, people, context)
            if speaker is not None:
                break
        speakers[index] = speaker
        subjects[index] = subject or speaker
        previous_of[index] = previous
    group: list[int] = []
    open_curly = 0
    open_straight = False

    def close(members: list[int]) -> None:
        named = next((speakers[i] for i in members if speakers[i] is not None), None)
        if named is None:
            named = _continued_quotation(text, sentences, members[0], speakers)
        if named is not None and (len(members) > 1 or speakers[members[0]] is None):
            for i in members:
                speakers[i] = speakers[i] or named

    for index, (start, end) in enumerate(sentences):
        piece = text[start:end].lstrip()
        reopens = piece[:1] in ('"', _OPEN)
        if group:
            gap = text[sentences[index - 1][1] : start]
            new_paragraph = "\n" in gap and not reopens
            new_quotation = speakers[index] is not None and ('"' in piece or _OPEN in piece)
            if new_paragraph or new_quotation:
                # A running quotation ends at a paragraph that does not reopen it,
                # or where someone is newly quoted (sources drop closing marks).
                close(group)
                group, open_curly, open_straight = [], 0, False
            elif reopens:
                piece = piece[1:]  # a new paragraph of a running quotation opens it again
        open_curly = max(0, open_curly + piece.count(_OPEN) - piece.count(_CLOSE))
        open_straight ^= piece.count('"') % 2 == 1
        group.append(index)
        if not open_curly and not open_straight:
            close(group)
            group = []
    if group:
        close(group)
    return speakers


def _continued_quotation(
    text: str, sentences: Sequence[Span], first: int, speakers: list[str | None]
) -> str | None:
    """A quotation that opens its own sentence, right after a quoted sentence with a
    speaker and unattributed itself, goes on with that speaker's words
    ("'...,' he said. 'Labour has had two years...'")."""
    if first == 0 or speakers[first - 1] is None:
        return None
    start, end = sentences[first]
    before_start, before_end = sentences[first - 1]
    opens = text[start:end].lstrip()[:1] in ('"', _OPEN)
    quoted_before = any(mark in text[before_start:before_end] for mark in ('"', _OPEN, _CLOSE))
    return speakers[first - 1] if opens and quoted_before else None


def speakers_by_passage(text: str, passages: Sequence[Sequence[Span]]) -> list[list[str | None]]:
    """`attribute_speakers` over the whole article (a "he" may refer to a person named
    in an earlier passage), returned per passage: each passage's sentences' speakers."""
    flat = attribute_speakers(text, [span for sentences in passages for span in sentences])
    out: list[list[str | None]] = []
    for sentences in passages:
        out.append(flat[: len(sentences)])
        flat = flat[len(sentences) :]
    return out
