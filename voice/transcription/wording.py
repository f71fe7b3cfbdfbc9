"""Where captions may break: sentence ends, and how good a phrase boundary is between two words.

Subtitle guidelines ask for lines and cues broken "at natural linguistic breaks": after a clause's
punctuation, before a conjunction or a preposition, never inside a noun phrase ("the | ball") or
between an auxiliary and its verb. These are the English word lists (Whisper's ``tiny.en``
narrations); in any other language punctuation still decides and the rest costs the same.
"""

from __future__ import annotations

__all__ = ["break_cost", "ends_sentence"]

_CLOSERS = "\"'’”»)]}"
_SENTENCE_ENDS = (".", "!", "?", "…", "。", "！", "？")
_CLAUSE_ENDS = (",", ";", ":", "–", "—", "-", "，", "、", "；", "：")
#: Abbreviations whose full stop ends no sentence.
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "vs.", "e.g.", "i.e.", "etc."})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that open a clause: breaking before them reads well.
_CONJUNCTIONS = _words(
    "and but or so because when while if that which who whom whose where then although though "
    "until unless since as after before whether nor yet"
)
#: Words that open a prepositional phrase: breaking before them reads fairly well.
_PREPOSITIONS = _words(
    "with in on at to for from about by of into onto near under over through around behind "
    "beside between without during like"
)
#: Words that lean on the next one (as conjunctions and prepositions do): breaking after them
#: splits a phrase.
_LEANING = _words(
    "the a an this these those his her my your our their its some any no every each "
    "is are was were be been am has have had do does did will would can could shall should may "
    "might must not to of in on at with for from by very so too really quite"
)


def _bare(word: str) -> str:
    return word.strip(_CLOSERS + "\"'“‘«([{").lower()


def ends_sentence(word: str) -> bool:
    """Whether ``word`` (with its punctuation) ends a sentence."""
    stripped = word.rstrip(_CLOSERS)
    return stripped.endswith(_SENTENCE_ENDS) and _bare(word) not in _ABBREVIATIONS


def break_cost(before: str, after: str) -> float:
    """How bad a line or cue break between ``before`` and ``after`` reads (0 best, 9 worst)."""
    bare = _bare(before)
    if bare in _LEANING or bare in _CONJUNCTIONS or bare in _PREPOSITIONS or bare in _ABBREVIATIONS:
        return 9.0  # "and | his", "the | ball", "with | the", "Dr. | Smith": it belongs with what follows
    if before.rstrip(_CLOSERS).endswith(_SENTENCE_ENDS + _CLAUSE_ENDS):
        return 1.0
    word = _bare(after)
    if word in _CONJUNCTIONS:
        return 2.0
    if word in _PREPOSITIONS:
        return 3.0
    return 5.0
