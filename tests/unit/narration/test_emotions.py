"""Narration → emotion events, on hand-built Whisper-like transcripts."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from voice.config import EMOTIONS
from voice.narration.emotions import LEXICON, EmotionEvent, Keywords, emotion_of, extract_events
from voice.transcription.transcript import Segment, Transcript, Word

STEP = 0.4  # seconds per word in the generated transcripts
LENGTH = 0.3  # spoken length of a word


def _segment(text: str, start: float = 0.0, *, zero: tuple[str, ...] = (), spaces: bool = True) -> Segment:
    """A segment like faster-whisper's: words with leading spaces and punctuation attached.

    Words whose bare form is in ``zero`` get a zero-length timing, as Whisper gives names.
    """
    words = []
    t = start
    for w in text.split():
        bare = w.strip(".,!?")
        end = t if bare in zero else t + LENGTH
        words.append(Word((" " if spaces else "") + w, round(t, 3), round(end, 3), 0.9))
        t += STEP
    return Segment(start, round(t, 3), text, tuple(words))


def _transcript(*segments: Segment) -> Transcript:
    return Transcript(language="en", segments=segments)


def _events(text: str, **kw: object) -> list[EmotionEvent]:
    return extract_events(_transcript(_segment(text, **kw)))  # type: ignore[arg-type]


def _time_of(segment: Segment, word: str) -> float:
    return next(w.start for w in segment.words if w.word.strip(" .,!?").lower() == word)


def _all_keywords() -> list[tuple[str, str]]:
    return [(emo, kw) for emo, k in LEXICON.items() for kw in (*k.strong, *k.weak)]


# --- lexicon ---------------------------------------------------------------------------------


def test_lexicon_covers_exactly_the_canonical_emotions() -> None:
    assert set(LEXICON) == set(EMOTIONS)
    for keywords in LEXICON.values():
        assert keywords.strong


def test_lexicon_includes_the_original_lists() -> None:
    original = {
        "happiness": "happy joyful excited cheerful delighted glad pleased thrilled",
        "sadness": "sad unhappy depressed miserable crying upset disappointed",
        "surprise": "surprised amazed astonished shocked stunned startled",
        "neutral": "neutral calm normal fine okay alright composed",
        "anger": "angry mad furious annoyed irritated frustrated",
    }
    for emotion, words in original.items():
        for word in words.split():
            assert emotion_of(word) == emotion, word


@pytest.mark.parametrize(
    ("word", "emotion"),
    [
        ("Happy!", "happiness"),
        (" happy,", "happiness"),
        ("HAPPIER", "happiness"),
        ("un-happy", "sadness"),
        ("in a good mood", "happiness"),
        ("Furious.", "anger"),
        ("okay", "neutral"),
        ("Stunned", "surprise"),
        ("down", "sadness"),
        ("table", None),
        ("", None),
        ("happy birthday", None),
    ],
)
def test_emotion_of(word: str, emotion: str | None) -> None:
    assert emotion_of(word) == emotion


def test_no_keyword_names_two_emotions() -> None:
    seen: dict[str, str] = {}
    for emotion, kw in _all_keywords():
        key = kw.lower()
        assert seen.setdefault(key, emotion) == emotion, kw


@pytest.mark.parametrize(("emotion", "keyword"), _all_keywords())
def test_every_keyword_as_predicate_of_a_name_gives_one_event(emotion: str, keyword: str) -> None:
    events = _events(f"Maria is {keyword}.")
    assert [(e.emotion, e.keyword, e.subject, e.negated) for e in events] == [
        (emotion, keyword.lower(), "Maria", False)
    ]


@pytest.mark.parametrize(("emotion", "keyword"), _all_keywords())
def test_every_keyword_negated_is_flagged(emotion: str, keyword: str) -> None:
    events = _events(f"She is not {keyword}.")
    assert [(e.emotion, e.negated) for e in events] == [(emotion, True)]


def test_custom_lexicon_extends_the_default() -> None:
    extended = {**LEXICON, "anger": replace(LEXICON["anger"], strong=(*LEXICON["anger"].strong, "seething"))}
    assert _events("He is seething.") == []
    events = extract_events(_transcript(_segment("He is seething.")), extended)
    assert [(e.emotion, e.keyword, e.subject) for e in events] == [("anger", "seething", "He")]
    assert emotion_of("seething", extended) == "anger"


def test_plain_keyword_lists_are_accepted_as_strong_words() -> None:
    lexicon = {"happiness": ["chuffed"], "neutral": ["meh"]}
    events = extract_events(_transcript(_segment("Meh. Chuffed again.")), lexicon)
    assert [(e.emotion, e.keyword) for e in events] == [("neutral", "meh"), ("happiness", "chuffed")]


@pytest.mark.parametrize(
    "lexicon",
    [
        {"joy": Keywords(strong=("happy",))},
        {"happiness": Keywords(strong=("happy",)), "sadness": Keywords(strong=("Happy",))},
        {"happiness": Keywords(strong=("",))},
        {"happiness": "happy"},
    ],
)
def test_bad_lexicons_are_refused(lexicon: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        extract_events(_transcript(_segment("Maria is happy.")), lexicon)  # type: ignore[arg-type]


# --- patterns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "emotion", "keyword", "subject"),
    [
        ("John is happy.", "happiness", "happy", "John"),
        ("Maria is happy", "happiness", "happy", "Maria"),
        ("She looks really sad.", "sadness", "sad", "She"),
        ("He seems a bit annoyed.", "anger", "annoyed", "He"),
        ("Now she feels a little calmer.", "neutral", "calmer", "she"),
        ("And then the little boy got very excited!", "happiness", "excited", "the little boy"),
        ("Look, Elliott became quite upset.", "sadness", "upset", "Elliott"),
        ("Maria's mom appears so surprised.", "surprise", "surprised", "Maria's mom"),
        ("She's furious.", "anger", "furious", "She"),
        ("I think Maria is getting frustrated.", "anger", "frustrated", "Maria"),
        ("Here he is smiling.", "happiness", "smiling", "he"),
        ("She is in a good mood today.", "happiness", "in a good mood", "She"),
        ("Maria is over-excited.", "happiness", "excited", "Maria"),
        ("Now happy again.", "happiness", "happy", ""),
        ("Happy!", "happiness", "happy", ""),
        ("What a cheerful morning.", "happiness", "cheerful", ""),
        ("Startled by the noise.", "surprise", "startled", ""),
        ("Calm.", "neutral", "calm", ""),
        ("Relaxed on the sofa.", "neutral", "relaxed", ""),
    ],
)
def test_affirmative_statements(text: str, emotion: str, keyword: str, subject: str) -> None:
    events = _events(text)
    assert [(e.emotion, e.keyword, e.subject, e.negated) for e in events] == [
        (emotion, keyword, subject, False)
    ]
    assert events[0].text == text


@pytest.mark.parametrize(
    ("text", "emotion", "subject"),
    [
        ("Maria is not happy.", "happiness", "Maria"),
        ("He isn't angry.", "anger", "He"),
        ("She doesn't look sad.", "sadness", "She"),
        ("She never seems surprised.", "surprise", "She"),
        ("She's not that happy.", "happiness", "She"),
        ("He is no longer upset.", "sadness", "He"),
        ("John wasn't very calm.", "neutral", "John"),
        ("She won't be mad.", "anger", "She"),
        ("Don't be sad.", "sadness", ""),
        ("He is not at all annoyed.", "anger", "He"),
        ("She doesn’t look happy.", "happiness", "She"),  # curly apostrophe
        ("Maria isn't fine.", "neutral", "Maria"),
    ],
)
def test_negated_statements_are_kept_and_flagged(text: str, emotion: str, subject: str) -> None:
    events = _events(text)
    assert [(e.emotion, e.subject, e.negated) for e in events] == [(emotion, subject, True)]


def test_negation_stays_in_its_clause() -> None:
    events = _events("She is happy, not sad.")
    assert [(e.emotion, e.negated) for e in events] == [("happiness", False), ("sadness", True)]
    events = _events("She isn't sad, she is happy.")
    assert [(e.emotion, e.negated, e.subject) for e in events] == [
        ("sadness", True, "She"),
        ("happiness", False, "she"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She isn't sad or angry.", [("sadness", "She", True), ("anger", "She", True)]),
        ("Neither happy nor sad.", [("happiness", "", True), ("sadness", "", True)]),
        ("She is happy and excited.", [("happiness", "She", False), ("happiness", "She", False)]),
        ("He isn't sad but calm.", [("sadness", "He", True), ("neutral", "He", False)]),
        ("She isn't sad and is happy.", [("sadness", "She", True), ("happiness", "She", False)]),
        ("Maria is calm and fine.", [("neutral", "Maria", False), ("neutral", "Maria", False)]),
    ],
)
def test_coordinated_keywords_share_subject_and_negation(
    text: str, expected: list[tuple[str, str, bool]]
) -> None:
    assert [(e.emotion, e.subject, e.negated) for e in _events(text)] == expected


# --- weak words: filler is not neutral -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Okay, let's start.",
        "Okay.",
        "Okay now let's go.",
        "OK so here we are.",
        "Alright, alright.",
        "All right, let's see.",
        "Fine, we'll see.",
        "That's fine.",
        "It's okay.",
        "Everything is fine.",
        "Things are fine.",
        "I'm fine, thanks.",
        "We are okay here.",
        "Is she okay?",
        "Her leg is fine.",
        "The weather is normal.",
        "That's normal for her.",
        "She sits down.",
        "She looks down at the floor.",
        "She is cross-legged.",
        "Let's cross the road.",
        "That is amazing.",
        "Happy birthday, Maria!",
        "She plays with the ball.",
        "",
    ],
)
def test_no_event(text: str) -> None:
    assert _events(text) == []


@pytest.mark.parametrize(
    ("text", "emotion", "keyword", "subject"),
    [
        ("She is fine.", "neutral", "fine", "She"),
        ("Maria seems okay.", "neutral", "okay", "Maria"),
        ("He looks normal.", "neutral", "normal", "He"),
        ("Now John is alright.", "neutral", "alright", "John"),
        ("The boy is all right.", "neutral", "all right", "The boy"),
        ("Her mom is OK.", "neutral", "ok", "Her mom"),
        ("She's back to normal.", "neutral", "back to normal", "She"),
        ("He is feeling down.", "sadness", "down", "He"),
        ("Elliott was cross.", "anger", "cross", "Elliott"),
        ("They will be fine.", "neutral", "fine", "They"),
    ],
)
def test_weak_words_count_as_predicate_of_a_person(
    text: str, emotion: str, keyword: str, subject: str
) -> None:
    assert [(e.emotion, e.keyword, e.subject, e.negated) for e in _events(text)] == [
        (emotion, keyword, subject, False)
    ]


def test_sentences_without_emotion_words_give_nothing() -> None:
    tr = _transcript(
        _segment("Here we are in the garden.", 0.0),
        _segment("Maria is playing with her brother.", 3.0),
        _segment("Let's go inside, it is getting late.", 6.0),
    )
    assert extract_events(tr) == []
    assert extract_events(Transcript()) == []


# --- times, subjects, sentences --------------------------------------------------------------


def test_event_time_is_the_keyword_start_and_end_its_end() -> None:
    seg = _segment("Okay, so now Maria is very happy.", 2.0)
    (event,) = extract_events(_transcript(seg))
    happy = seg.words[-1]
    assert happy.word == " happy."
    assert (event.time, event.end) == (happy.start, happy.end)
    assert event.time == pytest.approx(2.0 + 6 * STEP)


def test_multiple_events_in_time_order_with_their_own_subjects() -> None:
    s1 = _segment("Okay, let's start.", 0.0)
    s2 = _segment("Elliott is happy now.", 2.0, zero=("Elliott",))
    s3 = _segment("Then he gets a bit annoyed.", 5.0)
    s4 = _segment("Maria is not sad, she is surprised!", 8.0)
    events = extract_events(_transcript(s1, s2, s3, s4))
    assert [(e.emotion, e.keyword, e.subject, e.negated) for e in events] == [
        ("happiness", "happy", "Elliott", False),
        ("anger", "annoyed", "he", False),
        ("sadness", "sad", "Maria", True),
        ("surprise", "surprised", "she", False),
    ]
    assert [e.time for e in events] == [
        _time_of(s2, "happy"),
        _time_of(s3, "annoyed"),
        _time_of(s4, "sad"),
        _time_of(s4, "surprised"),
    ]
    assert [e.text for e in events] == [s2.text, s3.text, s4.text, s4.text]
    assert events == sorted(events, key=lambda e: e.time)


def test_events_are_sorted_by_time_even_when_segments_are_not() -> None:
    late = _segment("She is sad.", 10.0)
    early = _segment("She is happy.", 1.0)
    events = extract_events(_transcript(late, early))
    assert [e.emotion for e in events] == ["happiness", "sadness"]


def test_sentence_spanning_two_segments() -> None:
    s1 = _segment("And now Maria", 4.0, zero=("Maria",))
    s2 = _segment("looks really surprised. Okay.", 5.2)
    (event,) = extract_events(_transcript(s1, s2))
    assert event.subject == "Maria"
    assert event.text == "And now Maria looks really surprised."
    assert event.time == _time_of(s2, "surprised")


def test_words_without_leading_spaces_are_joined_with_spaces() -> None:
    seg = _segment("Maria's mom is happy, I think.", 0.0, spaces=False)
    (event,) = extract_events(_transcript(seg))
    assert event.text == "Maria's mom is happy, I think."
    assert event.subject == "Maria's mom"


def test_misspelled_zero_length_name_is_the_subject() -> None:
    seg = Segment(
        0.0,
        2.0,
        " Elliott is happy.",
        (
            Word(" Elliott", 0.52, 0.52, 0.41),
            Word(" is", 0.52, 0.8, 0.99),
            Word(" happy.", 0.8, 1.24, 0.97),
        ),
    )
    (event,) = extract_events(_transcript(seg))
    assert (event.subject, event.time, event.end) == ("Elliott", 0.8, 1.24)


def test_zero_length_keyword_is_never_before_the_previous_word() -> None:
    seg = Segment(
        0.0,
        2.0,
        " She is happy.",
        (Word(" She", 0.0, 0.3), Word(" is", 0.3, 0.9), Word(" happy.", 0.7, 0.7)),
    )
    (event,) = extract_events(_transcript(seg))
    assert (event.time, event.end) == (0.9, 0.9)


def test_zero_length_keyword_after_the_previous_word_keeps_its_start() -> None:
    seg = Segment(
        0.0, 2.0, " She is sad.", (Word(" She", 0.0, 0.3), Word(" is", 0.3, 0.5), Word(" sad.", 1.1, 1.1))
    )
    (event,) = extract_events(_transcript(seg))
    assert (event.time, event.end) == (1.1, 1.1)


def test_missing_keyword_timing_takes_the_previous_word_end() -> None:
    seg = Segment(
        3.0,
        5.0,
        " He is calm.",
        (Word(" He", 3.0, 3.2), Word(" is", 3.2, 3.5), Word(" calm.", math.nan, math.nan)),
    )
    (event,) = extract_events(_transcript(seg))
    assert (event.time, event.end) == (3.5, 3.5)


def test_missing_timing_on_the_first_word_takes_the_next_word_start() -> None:
    seg = Segment(3.0, 5.0, " Happy again.", (Word(" Happy", -1.0, -1.0), Word(" again.", 3.4, 3.7)))
    (event,) = extract_events(_transcript(seg))
    assert event.time == 3.4


def test_segments_without_word_timestamps_fall_back_to_the_segment_start() -> None:
    tr = _transcript(
        Segment(1.5, 3.0, "Maria is happy.", ()),
        Segment(3.0, 6.0, "Then she isn't sad anymore.", ()),
    )
    events = extract_events(tr)
    assert [(e.emotion, e.subject, e.negated, e.time, e.end) for e in events] == [
        ("happiness", "Maria", False, 1.5, 3.0),
        ("sadness", "she", True, 3.0, 6.0),
    ]
    assert events[1].text == "Then she isn't sad anymore."


def test_phrase_time_is_its_first_word() -> None:
    seg = _segment("She is in a good mood.", 1.0)
    (event,) = extract_events(_transcript(seg))
    assert event.keyword == "in a good mood"
    assert event.time == _time_of(seg, "in")
    assert event.end == seg.words[-1].end


def test_abbreviation_does_not_end_the_sentence() -> None:
    (event,) = _events("Dr. Smith is pleased.")
    assert event.text == "Dr. Smith is pleased."
    assert event.subject == "Dr Smith"


def test_same_keyword_twice_gives_two_events() -> None:
    events = _events("Happy, happy, happy!")
    assert len(events) == 3
    assert [e.time for e in events] == pytest.approx([0.0, STEP, 2 * STEP])


def test_the_record_has_the_metadata_event_fields() -> None:
    seg = _segment("Maria is happy.", 1.0 / 3.0)
    (event,) = extract_events(_transcript(seg))
    d = event.record((0.25, 4.5)).json_doc()
    assert d.pop("window") == [0.25, 4.5]
    assert d.pop("id") is None, "the session gives events their ids (voice.narration.event_ids)"
    assert set(d) == {
        "time",
        "emotion",
        "keyword",
        "subject",
        "text",
        "negated",
        "who",
        "tense",
        "mood",
        "ignored",
    }
    assert d["time"] == round(_time_of(seg, "happy"), 3)
    assert (d["emotion"], d["keyword"], d["subject"], d["text"], d["negated"]) == (
        "happiness",
        "happy",
        "Maria",
        "Maria is happy.",
        False,
    )
    assert (d["who"], d["tense"], d["mood"], d["ignored"]) == ("patient", "present", "statement", None)


def test_a_strong_word_about_a_thing_is_kept_and_ignored() -> None:
    (event,) = _events("It's sad.")
    assert (event.emotion, event.who, event.ignored, event.counts) == ("sadness", "thing", "thing", False)


def test_deterministic_and_pure() -> None:
    tr = _transcript(_segment("She is happy. He isn't angry. They seem fine.", 0.0))
    before = tr.record()
    first = extract_events(tr)
    assert extract_events(tr) == first
    assert tr.record() == before
    assert len(first) == 3


def test_unpunctuated_segments_split_at_a_capitalised_start() -> None:
    s1 = _segment("the boy looks a bit annoyed and then calm", 0.0)
    s2 = _segment("Okay so now Maria is really happy", 5.0)
    s3 = _segment("and I think relaxed", 8.0)
    events = extract_events(_transcript(s1, s2, s3))
    assert [(e.keyword, e.subject, e.text) for e in events] == [
        ("annoyed", "the boy", s1.text),
        ("calm", "", s1.text),
        ("happy", "Maria", f"{s2.text} {s3.text}"),
        ("relaxed", "", f"{s2.text} {s3.text}"),
    ]


def test_ellipsis_before_a_lower_case_word_is_a_pause_not_a_sentence_end() -> None:
    (event,) = _events("She is... very happy.")
    assert (event.subject, event.text) == ("She", "She is... very happy.")
    events = _events("She is tired... Calm now.")
    assert [(e.keyword, e.text) for e in events] == [("calm", "Calm now.")]
