from hypothesis import given
from hypothesis import strategies as st

from notifications.sms_encoding import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, sms_cost, to_gsm7


def test_gsm7_single_and_concatenated_segments():
    assert sms_cost("a" * 160).segments == 1
    assert sms_cost("a" * 161).segments == 2
    assert sms_cost("a" * 306).segments == 2
    assert sms_cost("a" * 307).segments == 3
    assert sms_cost("").segments == 1


def test_extension_characters_count_double():
    cost = sms_cost("€" * 80)
    assert (cost.encoding, cost.units, cost.segments) == ("GSM-7", 160, 1)
    assert sms_cost("€" * 80 + "a").segments == 2


def test_an_escape_pair_is_never_split_across_parts():
    # 152 plain septets then "€": the pair would straddle the 153 boundary and moves to part 2.
    assert sms_cost("a" * 152 + "€" + "a" * 152).segments == 3
    assert sms_cost("a" * 151 + "€" + "a" * 153).segments == 2


def test_french_accents_in_gsm7_keep_gsm7():
    assert is_gsm7("é è à ù É Ç ì ò")
    assert sms_cost("Orientation acceptée à 14h, déjà vue où?").encoding == "GSM-7"


def test_one_character_outside_gsm7_switches_the_whole_message_to_ucs2():
    for ch in "êâîôûçëïœ":
        cost = sms_cost("Orientation " + ch)
        assert cost.encoding == "UCS-2", ch
    assert sms_cost("ê" * 70).segments == 1
    assert sms_cost("ê" * 71).segments == 2
    assert sms_cost("ê" * 134).segments == 2
    assert sms_cost("ê" * 135).segments == 3


def test_emoji_take_two_ucs2_units():
    assert sms_cost("👍").units == 2


def test_transliteration_keeps_gsm7_accents_and_replaces_the_rest():
    assert to_gsm7("Évaluation de l’intérêt supérieur, œuvre façon Awɔ") == (
        "Évaluation de l'intéret supérieur, oeuvre facon Awo")


@given(st.text(max_size=400))
def test_transliterated_text_is_always_gsm7(text):
    converted = to_gsm7(text)
    assert is_gsm7(converted)
    assert sms_cost(converted).encoding == "GSM-7"


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=1000))
def test_segments_hold_all_the_units(text):
    cost = sms_cost(text)
    assert cost.units <= max(cost.segments * 153, 160)
