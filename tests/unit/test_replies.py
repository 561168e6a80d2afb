import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.codes import ALPHABET, CODE_LENGTH
from notifications.buttons import decision_buttons, parse_button_data
from notifications.replies import DEFAULT_VOCABULARY, Intent, Reply, parse_reply


@pytest.mark.parametrize(("text", "intent", "code"), [
    ("OUI K7Q2", Intent.ACCEPT, "K7Q2"),
    ("oui k7q2", Intent.ACCEPT, "K7Q2"),
    ("  Oui,   K7Q2 !! ", Intent.ACCEPT, "K7Q2"),
    ("OK R-K7Q2", Intent.ACCEPT, "K7Q2"),
    ("ok r k7q2", Intent.ACCEPT, "K7Q2"),
    ("Accepté K7Q2", Intent.ACCEPT, "K7Q2"),
    ("ACCEPTE k7 q2", Intent.ACCEPT, "K7Q2"),
    ("J'accepte K7Q2", Intent.ACCEPT, "K7Q2"),
    ("awo k7q2", Intent.ACCEPT, "K7Q2"),
    ("Awɔ K7Q2", Intent.ACCEPT, "K7Q2"),
    ("AWƆ K7Q2", Intent.ACCEPT, "K7Q2"),
    ("YES K7Q2", Intent.ACCEPT, "K7Q2"),
    ("K7Q2 OUI", Intent.ACCEPT, "K7Q2"),
    ("OUI KO1I", Intent.ACCEPT, "K011"),  # O/0 and I/1 confusions
    ("OUI", Intent.ACCEPT, None),
    ("NON K7Q2", Intent.DECLINE, "K7Q2"),
    ("refus k7q2", Intent.DECLINE, "K7Q2"),
    ("ayi K7Q2", Intent.DECLINE, "K7Q2"),
    ("No K7Q2", Intent.DECLINE, "K7Q2"),
    ("VU K7Q2", Intent.ACKNOWLEDGE, "K7Q2"),
    ("vu", Intent.ACKNOWLEDGE, None),
    ("Statut", Intent.STATUS, None),
    ("STATUT K7Q2", Intent.STATUS, "K7Q2"),
    ("aide", Intent.HELP, None),
    ("HELP", Intent.HELP, None),
    ("?", Intent.HELP, None),
    ("bonjour", Intent.UNKNOWN, None),
    ("", Intent.UNKNOWN, None),
    ("   ", Intent.UNKNOWN, None),
])
def test_reply_words_and_codes(text, intent, code):
    reply = parse_reply(text)
    assert (reply.intent, reply.code) == (intent, code)
    assert reply.text == text


def test_decline_with_a_reason_number_and_text():
    reply = parse_reply("NON K7Q2 2 plus de place")
    assert (reply.intent, reply.code, reply.reason_number, reply.reason_text) == (
        Intent.DECLINE, "K7Q2", 2, "plus de place")
    assert parse_reply("non 3").reason_number == 3 and parse_reply("non 3").code is None
    reply = parse_reply("Refus K7Q2 hors zone")
    assert (reply.reason_number, reply.reason_text) == (None, "hors zone")


def test_capacity_with_and_without_a_service():
    assert parse_reply("PLEIN hébergement") == Reply(Intent.FULL, reason_text="hébergement", text="PLEIN hébergement")
    assert parse_reply("dispo").intent is Intent.AVAILABLE and parse_reply("dispo").reason_text is None


def test_start_carries_the_one_time_link_code():
    assert parse_reply("/start ab12cd") == Reply(Intent.START, code="AB12CD", text="/start ab12cd")
    assert parse_reply("/start@SiraBot K7Q2").code == "K7Q2"
    assert parse_reply("/start").code is None
    assert parse_reply("/start !!").code is None


def test_the_vocabulary_is_a_parameter():
    bambara_only = {"AWO": "accept", "AYI": "decline"}
    assert parse_reply("awɔ K7Q2", bambara_only).intent is Intent.ACCEPT
    assert parse_reply("OUI K7Q2", bambara_only).intent is Intent.UNKNOWN
    assert parse_reply("Sɔn K7Q2", {"SON": "accept"}).intent is Intent.ACCEPT  # keys are folded too


def test_default_vocabulary_covers_the_documented_words():
    for word in ("OUI", "OK", "ACCEPTE", "AWO", "AWƆ", "YES", "NON", "REFUS", "AYI", "NO", "VU", "STATUT",
                 "AIDE", "HELP", "PLEIN", "DISPO"):
        assert word in DEFAULT_VOCABULARY


@given(st.text(max_size=300))
def test_no_input_raises(text):
    reply = parse_reply(text)
    assert isinstance(reply.intent, Intent)
    assert reply.code is None or set(reply.code) <= set(ALPHABET)


@given(st.sampled_from(["OUI", "oui", "Ok", "ACCEPTE", "awɔ", "NON", "ayi", "VU"]),
       st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH).filter(
           lambda c: any(ch.isdigit() for ch in c)),
       st.sampled_from([" ", "  ", " R-", ", ", " r "]))
def test_any_code_after_any_word_is_read(word, code, separator):
    assert parse_reply(f"{word}{separator}{code.lower()}").code == code


def test_buttons_round_trip_and_fit_telegrams_limit():
    buttons = decision_buttons("K7Q2", 1234567890)
    assert [b.label for b in buttons] == ["Accepter", "Refuser", "Vu"]
    assert all(len(b.data.encode()) <= 64 for b in buttons)
    assert [parse_button_data(b.data) for b in buttons] == [
        (Intent.ACCEPT, "K7Q2", "1234567890"), (Intent.DECLINE, "K7Q2", "1234567890"),
        (Intent.ACKNOWLEDGE, "K7Q2", "1234567890")]
    assert [b.label for b in decision_buttons("K7Q2", 1, "en")] == ["Accept", "Decline", "Seen"]
    for garbage in ("", "x", "a:K7Q2", "z:K7Q2:1", "a::1", None):
        assert parse_button_data(garbage) is None
