from hypothesis import given
from hypothesis import strategies as st

from hub.codes import ALPHABET, CODE_LENGTH, new_code, normalise_code


def test_new_codes_use_the_keypad_alphabet():
    for _ in range(200):
        code = new_code()
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
        assert any(ch.isdigit() for ch in code)


def test_reading_back_forgives_what_people_mistype():
    assert normalise_code("k7q2") == "K7Q2"
    assert normalise_code(" R-K7Q2 ") == "K7Q2"
    assert normalise_code("k7 q2") == "K7Q2"
    assert normalise_code("KO1I") == "K011"
    assert normalise_code("KL12") == "K112"


def test_what_cannot_be_a_code_is_refused():
    assert normalise_code("K7Q") is None
    assert normalise_code("K7Q2X") is None
    assert normalise_code("K7?2") is None
    assert normalise_code("DEJA") is None  # a word of the reply, not a code: codes hold a digit


@given(st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH).filter(
    lambda c: any(ch.isdigit() for ch in c)))
def test_every_code_reads_back_as_itself(code):
    assert normalise_code(code) == code
    assert normalise_code(code.lower()) == code
