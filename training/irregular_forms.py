"""Build index/data/irregular_forms.txt from WordNet 3.0's morphological exception lists.

    apt-get download wordnet-base && dpkg-deb -x wordnet-base_*.deb wn
    python training/irregular_forms.py --wordnet wn/usr/share/wordnet

WordNet's `noun.exc`, `verb.exc`, `adj.exc` and `adv.exc` list the inflected forms
no suffix rule reaches ("fought fight", "children child", "better good well").
newsbot's Snowball stemmer leaves these apart, so a question saying "fight" missed
an article saying "fought". Each line written here is one group of index terms
(stems): a base word, then its irregular forms; a question term is expanded to the
other terms of every line it is on. Skipped: forms that already stem alike,
stopwords ("was", "be"), multi-word entries, and very short forms (mostly
abbreviations and Latin).

WordNet 3.0 is (c) 2006 Princeton University; its licence allows redistribution with
its notice, which `index/data/WORDNET-LICENSE.txt` carries beside the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index.text.analysis import analyze  # noqa: E402

FILES = ("noun.exc", "verb.exc", "adj.exc", "adv.exc")
HEADER = """\
# Irregular word forms as newsbot index terms (stems): a base word, then its forms.
# Built by training/irregular_forms.py from WordNet 3.0's exception lists
# (noun.exc, verb.exc, adj.exc, adv.exc; Debian package wordnet-base 1:3.0-37).
# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
# Licence: WORDNET-LICENSE.txt beside this file.
"""


def term(word: str) -> str | None:
    """The one index term of a single word, or None (a stopword, or several terms)."""
    terms = analyze(word.replace("_", " "))
    return terms[0] if len(terms) == 1 and "_" not in word else None


def groups(lines: list[str]) -> list[tuple[str, ...]]:
    """One group per base word: its term, then the terms of its irregular forms.

    Groups are not merged with each other: "left" is a form of "leave" and "leaves"
    one of "leaf", and merging would make "leaf" find "left". A term in two groups
    ("better": good, well) is expanded to both, one step and no further.
    """
    forms: dict[str, set[str]] = {}
    for line in lines:
        words = line.split()
        if len(words) < 2:
            continue
        form = term(words[0])
        for base_word in words[1:]:
            base = term(base_word)
            if form is None or base is None or form == base:
                continue  # a stopword, a phrase, or stemmed alike already
            if len(form) < 3 or (len(base) < 3 and len(form) < 4):
                continue  # mostly abbreviations and Latin ("ly", "os ora"); "go went" stays
            forms.setdefault(base, set()).add(form)
    return [(base, *sorted(f)) for base, f in sorted(forms.items())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet", type=Path, required=True, help="folder of the .exc files")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "irregular_forms.txt")
    args = parser.parse_args(argv)
    lines: list[str] = []
    for name in FILES:
        path = args.wordnet / name
        if not path.is_file():
            raise SystemExit(f"{path} not found: --wordnet is the folder holding {FILES}")
        lines += path.read_text("utf-8").splitlines()
    found = groups(lines)
    body = "".join(" ".join(g) + "\n" for g in found)
    args.out.write_text(HEADER + body, encoding="utf-8")
    print(f"{len(found)} groups from {len(lines)} exception lines -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
