"""What the caregiver said the patient feels, and when.

In: a :class:`~voice.transcription.transcript.Transcript` and the patient's names. Out:
:class:`~voice.narration.emotions.EmotionEvent` s (emotion, time, who, tense, mood, negation, and
why an event does not count), and each event's window of poses
(:mod:`~voice.narration.windows`). Rule-based: the lexicon and parser in
:mod:`~voice.narration.emotions`, how a sentence is read in :mod:`~voice.narration.reading`,
:mod:`~voice.narration.clauses` and :mod:`~voice.narration.grammar`.
"""
