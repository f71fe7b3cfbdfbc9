"""Reading an ``.eaf``: media names without directories, VOICE's tiers recognised, dependent tiers
left alone, authors from ANNOTATOR, PARTICIPANT or the file name."""

from __future__ import annotations

from tests.support.exchange import researcher_eaf
from voice.exchange.eaf import eaf_bytes
from voice.exchange.eaf_read import media_name, read_eaf
from voice.exchange.session_tiers import ExportSession
from voice.exchange.tiers import Annotation, Tier


def test_a_media_url_gives_its_file_name() -> None:
    assert media_name("file:///C:/Users/ben/My%20clip.mp4") == "My clip.mp4"
    assert media_name("./visit-1.mp4") == "visit-1.mp4"
    assert media_name(r"D:\coding\visit-1.mp4") == "visit-1.mp4"


def test_voices_own_tiers_and_their_notes_are_recognised() -> None:
    tiers = [
        Tier("Model", "emotion", annotations=[Annotation(0, 2, "happiness", "happiness p=0.81")]),
        Tier("Person 0 (patient)", "text", annotations=[Annotation(0, 10, "in view")]),
    ]
    coded = read_eaf(eaf_bytes(ExportSession("visit-1", 10, "visit-1.mp4", 25, tiers)), "visit-1.eaf")
    assert coded.media == ["visit-1.mp4"]
    assert coded.session == "visit-1"
    assert [(t.name, t.voice, [(s.start, s.end, s.value) for s in t.spans]) for t in coded.tiers] == [
        ("Model", True, [(0.0, 2.0, "happiness")]),  # its note tier is a dependent tier: not read
        ("Person 0 (patient)", True, [(0.0, 10.0, "in view")]),
    ]


def test_a_researchers_tier_is_authored_by_its_participant_without_annotator() -> None:
    data = researcher_eaf("a.mp4", {"E": [(1, 2, "joy")]}, annotator=None).replace(
        b'TIER_ID="E"', b'TIER_ID="E" PARTICIPANT="dan"'
    )
    (tier,) = read_eaf(data, "file.eaf").tiers
    assert (tier.author, tier.voice, tier.spans[0].value) == ("dan", False, "joy")
