"""Properties of what Sira reads from outside: SMS / Telegram replies, Telegram updates and button data,
and the POS rules file, under hostile or clumsy input.

What a user would notice if these broke: a reply that crashes the webhook (Twilio / Telegram retry it
forever), a referral accepted with a code nobody typed, "Oui : K7Q2 !" not understood, a typo in the
POS that stops `sira pos check` with a Python traceback instead of a line number.

tests/unit/test_replies.py holds the examples and the first properties (no exception on short text, any
code after any word); these extend them. Examples are derandomised so a run is reproducible; set
SIRA_FUZZ_RANDOM=1 (and SIRA_FUZZ_SCALE=20 for 20 times more examples) to explore new ones.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adapters.base import ButtonPress, InboundText
from adapters.telegram import parse_update
from hub.codes import ALPHABET, CODE_LENGTH
from notifications.buttons import decision_buttons, parse_button_data
from notifications.replies import DEFAULT_VOCABULARY, Intent, fold, parse_reply
from routing.loader import DEFAULT_POS_PATH, PosError, _PosYamlLoader, check_pos, load_pos

RANDOM = os.environ.get("SIRA_FUZZ_RANDOM") == "1"
SCALE = int(os.environ.get("SIRA_FUZZ_SCALE", "1"))  # e.g. 20 for a long exploration


def fuzz(examples: int, **extra):
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=not RANDOM, **extra)


NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

# Any unicode, lone surrogates and control characters included (what a broken phone or gateway may send).
any_char = st.one_of(st.characters(), st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Mn"]))
hostile_text = st.one_of(
    st.text(any_char, max_size=400),
    # Longer than a concatenated SMS (1,600 characters): a pasted document, a gateway gone mad.
    st.tuples(st.text(any_char, min_size=1, max_size=40), st.integers(40, 400)).map(lambda t: t[0] * t[1]),
    st.tuples(st.text(max_size=20), st.integers(1_600, 5_000), st.text(max_size=20)).map(
        lambda t: t[0] + " " * t[1] + t[2]),
    st.text(st.sampled_from("\x00\x07\x1b\r\n\t\u200b\u202e\ufeff \u00a0OUINK7Q2r-"), max_size=200),
)


def squeezed(text: str) -> str:
    """The text as the code reader forgives it: folded, confusables mapped, only code characters kept."""
    return "".join(c for c in fold(text).translate(_CONFUSABLE) if c in ALPHABET)


codes = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH).filter(
    lambda code: any(c.isdigit() for c in code))


@st.composite
def typed_like_a_person(draw, code: str) -> str:
    """The code as someone types it: any case, O for 0, I or l for 1, sometimes "R-", sometimes split."""
    typed = "".join(
        draw(st.sampled_from(["0", "O", "o"])) if c == "0" else
        draw(st.sampled_from(["1", "I", "l", "i"])) if c == "1" else
        draw(st.sampled_from([c, c.lower()]))
        for c in code)
    form = draw(st.sampled_from(["plain", "prefixed", "split"]))
    if form == "prefixed":
        return draw(st.sampled_from(["R-", "r-", "R ", "r "])) + typed
    if form == "split":
        cut = draw(st.integers(1, CODE_LENGTH - 1))
        return typed[:cut] + draw(st.sampled_from([" ", "  ", "-", "."])) + typed[cut:]
    return typed


ACCEPT_WORDS = ["OUI", "oui", "Oui", "OUÏ", "Ouí", "ok", "Ok", "ACCEPTÉ", "accepte", "J'accepte", "j’accepte",
                "awo", "Awɔ", "AWƆ", "yes", "Accept"]
DECLINE_WORDS = ["NON", "non", "Non", "nòn", "refus", "REFUSÉ", "Refuser", "ayi", "AYI", "no", "Decline"]
COMBINING_ACCENTS = "\u0300\u0301\u0302\u0308"
SPACES = " \t\n\u00a0\u200b"  # a space, a tab, a new line, a no-break space, a zero-width space
BEFORE = ["", "*", "'", '"', "«", "“", "‘", "(", "[", "#", "_", ">", "- "]
AFTER = ["", "*", "'", '"', "»", "”", "’", ")", "]", ".", "!", ",", ":", "…", "-", "!!", "?"]


@st.composite
def decision_reply(draw, words: list[str]) -> tuple[str, str]:
    """(text, code): a reply word and a code, with whatever spacing, case, accents and punctuation around."""
    word = draw(st.sampled_from(words))
    word = "".join(draw(st.sampled_from([c, c.upper(), c.lower()])) for c in word)
    if draw(st.booleans()):  # accents typed on the letters of the word (decomposed, as some keyboards do)
        word = "".join(c + (draw(st.sampled_from(["", *COMBINING_ACCENTS])) if c.isalpha() else "") for c in word)
    code = draw(codes)
    text = (draw(st.text(alphabet=SPACES, max_size=3)) + draw(st.sampled_from(BEFORE)) + word
            + draw(st.sampled_from(AFTER)) + draw(st.text(alphabet=SPACES + ",;:", min_size=1, max_size=4))
            + draw(st.sampled_from(BEFORE[:-1])) + draw(typed_like_a_person(code))
            + draw(st.sampled_from(AFTER)))
    if draw(st.booleans()):  # anything after the code: "merci", a signature, an emoji
        text += draw(st.text(alphabet=SPACES, min_size=1, max_size=2)) + draw(st.text(max_size=60))
    return text, code


# A reply-like jumble: reply words, codes and noise in any order, to reach the code reader often.
reply_parts = st.one_of(
    st.sampled_from(sorted(DEFAULT_VOCABULARY) + ["R", "R-", "/start", "?"]),
    codes, codes.map(str.lower), st.text(alphabet=ALPHABET + "OIL", min_size=1, max_size=6),
    st.text(max_size=8), st.integers(0, 120).map(str))
jumbled_replies = st.lists(
    st.tuples(reply_parts, st.sampled_from([" ", "  ", ", ", "\n", "-", ":", "", "\u200b"])),
    max_size=8).map(lambda parts: "".join(part + sep for part, sep in parts))


# --- SMS and Telegram text replies ---------------------------------------------------------------------

@fuzz(400)
@given(st.one_of(hostile_text, jumbled_replies, st.none(), st.binary(max_size=20), st.integers()))
def test_no_reply_raises_and_an_unreadable_one_is_unknown(text):
    reply = parse_reply(text)
    assert isinstance(reply.intent, Intent)
    assert reply.text == (text if isinstance(text, str) else "")
    if not isinstance(text, str):
        assert reply.intent is Intent.UNKNOWN


@fuzz(500)
@given(st.one_of(jumbled_replies, hostile_text))
def test_a_code_is_never_invented(text):
    """Whatever the reply is decided on is a code that was typed (up to case, separators, O/0 and I/1)."""
    reply = parse_reply(text)
    if reply.code is not None:
        assert reply.code in squeezed(text), (text, reply)
        if reply.intent is not Intent.START:  # START carries a link code of its own length
            assert len(reply.code) == CODE_LENGTH and any(c.isdigit() for c in reply.code)


@fuzz(300)
@given(decision_reply(ACCEPT_WORDS))
def test_oui_and_a_code_is_an_accept_of_that_code_however_it_is_typed(typed):
    text, code = typed
    reply = parse_reply(text)
    assert (reply.intent, reply.code) == (Intent.ACCEPT, code), text


@fuzz(200)
@given(decision_reply(DECLINE_WORDS))
def test_non_and_a_code_is_a_decline_of_that_code_however_it_is_typed(typed):
    text, code = typed
    reply = parse_reply(text)
    assert (reply.intent, reply.code) == (Intent.DECLINE, code), text


@fuzz(150)
@given(st.one_of(hostile_text, jumbled_replies))
def test_a_text_without_a_code_decides_no_referral(text):
    """No digit, and no letter read as one (O, I, L): no code at all, so nothing is accepted or declined by
    code (a bare "OUI" leaves the choice to the caller, who asks unless exactly one referral is pending)."""
    assume(not re.search(r"[0-9OIL]", fold(text)))
    reply = parse_reply(text)
    if reply.intent is not Intent.START:
        assert reply.code is None


@fuzz(300)
@given(st.text(st.characters(exclude_characters="AEIOUYaeiouy?"), max_size=120))
def test_a_text_with_no_reply_word_is_unknown(text):
    """Every reply word has a vowel (or is "?"): a text whose folded form has none is never a decision."""
    assume(not re.search(r"[AEIOUY?]", fold(text)))
    assert parse_reply(text).intent is Intent.UNKNOWN


@fuzz(500)
@given(st.text(any_char, max_size=40))
def test_fold_is_idempotent(word):
    assert fold(fold(word)) == fold(word)


@fuzz(200)
@given(st.text(st.sampled_from("aeiouAEIOUcnCNɔɛƆƐàâäéèêëïîôöùûüçÀÂÉÈÊÏÔÙÛÇ -'"), max_size=20))
def test_fold_ignores_case_and_accents(word):
    plain = "".join(c for c in word if c.isascii()) or word
    assert fold(word) == fold(word.swapcase())
    assert fold(word.upper()) == fold(word.lower())
    assert fold(plain) == plain.upper() or not plain.isascii()


@pytest.mark.parametrize(("text", "intent", "code"), [
    # Found by the properties above; each was read as "no code" or "unknown" before.
    ("*OUI* K7Q2", Intent.ACCEPT, "K7Q2"),
    ("Oui 'k7q2'", Intent.ACCEPT, "K7Q2"),
    ("OUI #K7Q2…", Intent.ACCEPT, "K7Q2"),
    ("OUI - K7Q2", Intent.ACCEPT, "K7Q2"),
    ("> OUI K7Q2", Intent.ACCEPT, "K7Q2"),
    ("OUI\u200bK7Q2", Intent.ACCEPT, "K7Q2"),  # a zero-width space between the word and the code
    ("*J'accepte:K7Q2", Intent.ACCEPT, "K7Q2"),
    ("J\u0300'accepte K7Q2", Intent.ACCEPT, "K7Q2"),
    ("OUI *K7Q 2", Intent.ACCEPT, "K7Q2"),
    ("OUI R-000", Intent.ACCEPT, "R000"),  # the code R000 typed with a dash, not the prefix R- and "000"
    ("NON K7Q2 ²", Intent.DECLINE, "K7Q2"),  # "²" is a digit to Python, not a reason number
    ("?", Intent.HELP, None),
])
def test_replies_the_properties_taught_us_to_read(text, intent, code):
    reply = parse_reply(text)
    assert (reply.intent, reply.code) == (intent, code)


def test_fold_reads_a_decomposed_open_o_once_and_for_all():
    assert fold("ᵓ") == fold(fold("ᵓ")) == "O"


# --- Telegram updates and buttons ----------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
                         st.floats(allow_nan=True), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=15)


def _or_garbage(good):
    return st.one_of(good, good, json_values)


@st.composite
def telegram_updates(draw) -> dict:
    """The shape Telegram sends, with any field possibly missing or of the wrong type."""
    chat = draw(st.fixed_dictionaries({}, optional={
        "id": _or_garbage(st.integers(-10**13, 10**13)), "type": _or_garbage(st.sampled_from(["private", "group"]))}))
    message = draw(st.fixed_dictionaries({}, optional={
        "message_id": _or_garbage(st.integers(1, 10**6)),
        "date": _or_garbage(st.integers(0, 2**40)),  # 2**40 s is past year 36,000: no clock can show it
        "text": _or_garbage(st.text(max_size=80)), "chat": _or_garbage(st.just(chat)),
        "from": _or_garbage(st.just({"id": 5, "is_bot": False, "first_name": "P"}))}))
    callback = draw(st.fixed_dictionaries({}, optional={
        "id": _or_garbage(st.text(min_size=1, max_size=10)), "chat_instance": _or_garbage(st.just("1")),
        "data": _or_garbage(st.text(max_size=70)), "message": _or_garbage(st.just(message)),
        "from": _or_garbage(st.just({"id": 6, "is_bot": False, "first_name": "Q"}))}))
    update = {"update_id": draw(_or_garbage(st.integers(0, 2**31)))}
    update.update(draw(st.fixed_dictionaries({}, optional={
        "message": _or_garbage(st.just(message)), "edited_message": _or_garbage(st.just(message)),
        "callback_query": _or_garbage(st.just(callback))})))
    extra = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3))
    return {**extra, **update}


@fuzz(200)
@given(st.one_of(json_values, telegram_updates()))
def test_no_telegram_update_raises_and_each_event_is_keyed_by_its_update_id(payload):
    events = parse_update(payload, now=NOW)
    assert isinstance(events, list) and len(events) <= 1
    for event in events:
        assert isinstance(event, InboundText | ButtonPress)
        assert event.provider_message_id == f"update:{payload['update_id']}"  # the replay key
        assert isinstance(event.sender, str) and event.sender
        if isinstance(event, InboundText):
            assert isinstance(event.text, str) and event.text
        else:
            assert isinstance(event.data, str) and event.data


def test_telegram_updates_that_used_to_crash_the_webhook_are_ignored():
    message = {"message_id": 7, "date": 2**40, "text": "OUI K7Q2", "chat": {"id": 5, "type": "private"}}
    assert parse_update({"update_id": 1, "message": message}, now=NOW) == []  # was OverflowError: a 500
    button = {"id": "c1", "chat_instance": "1", "data": "a:K7Q2:1"}  # no "from", no "message"
    assert parse_update({"update_id": 2, "callback_query": button}, now=NOW) == []  # was AttributeError


@fuzz(150)
@given(update_id=st.integers(0, 2**31), chat_id=st.integers(-10**13, 10**13), text=st.text(min_size=1))
def test_a_well_formed_telegram_text_arrives_unchanged(update_id, chat_id, text):
    payload = {"update_id": update_id, "message": {
        "message_id": 7, "date": 1_700_000_000, "text": text, "chat": {"id": chat_id, "type": "private"}}}
    assert parse_update(payload, now=NOW) == [InboundText("telegram", str(chat_id), text, f"update:{update_id}",
                                                          NOW)]


@fuzz(400)
@given(st.one_of(st.text(max_size=70), st.none(), st.integers(), jumbled_replies,
                 st.tuples(st.sampled_from("adv"), st.text(max_size=8), st.text(max_size=8)).map(":".join)))
def test_button_data_is_read_only_when_it_is_ours(data):
    parsed = parse_button_data(data)
    if parsed is not None:
        intent, code, target_ref = parsed
        letter = {Intent.ACCEPT: "a", Intent.DECLINE: "d", Intent.ACKNOWLEDGE: "v"}[intent]
        assert data == f"{letter}:{code}:{target_ref}" and code and target_ref


@fuzz(150)
@given(code=codes, target_id=st.integers(1, 10**18), locale=st.sampled_from(["fr", "en", "bm"]))
def test_every_button_we_make_reads_back_and_fits_telegram(code, target_id, locale):
    for button in decision_buttons(code, target_id, locale):
        assert len(button.data.encode()) <= 64
        intent, read_code, ref = parse_button_data(button.data)
        assert (read_code, ref) == (code, str(target_id))
        assert intent in (Intent.ACCEPT, Intent.DECLINE, Intent.ACKNOWLEDGE)


# --- The POS file ----------------------------------------------------------------------------------------

SHIPPED_TEXT = DEFAULT_POS_PATH.read_text(encoding="utf-8")
SHIPPED = yaml.load(SHIPPED_TEXT, Loader=_PosYamlLoader)  # the POS's own reading: "yes" and "14:30" stay text


def _paths(node, prefix=()):
    """Every path into the parsed POS (mapping keys and list indexes), leaves included."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


ALL_PATHS = [p for p in _paths(SHIPPED) if p]


def _copy(node):
    return yaml.load(yaml.safe_dump(node, allow_unicode=True), Loader=_PosYamlLoader)


def _parent(document, path):
    for part in path[:-1]:
        document = document[part]
    return document


def _dropped(path):
    document = _copy(SHIPPED)
    del _parent(document, path)[path[-1]]
    return document


def _replaced(path, value):
    document = _copy(SHIPPED)
    _parent(document, path)[path[-1]] = value
    return document


def _dump(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _rule_paths(key):
    return [p for p in ALL_PATHS if len(p) >= 3 and p[0] == "rules" and key in p[2:3]]


def _with_duplicate_rule_id(indexes):
    first, second = indexes
    document = _copy(SHIPPED)
    document["rules"][second]["id"] = document["rules"][first]["id"]
    return document


def _with_unknown_service(choice):
    (index, field), name = choice
    document = _copy(SHIPPED)
    then = document["rules"][index]["then"]
    then[field] = [*(then.get(field) or []), name]
    return document


def _with_bad_hours(choice):
    day, hours = choice
    document = _copy(SHIPPED)
    document["calendar"]["working_hours"][day] = hours
    return document


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=30),
                    st.dates(), st.just([]), st.just({}), st.lists(st.text(max_size=5), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
pos_documents = st.one_of(
    st.sampled_from(ALL_PATHS).map(_dropped),  # a key or a list item removed
    st.tuples(st.sampled_from(ALL_PATHS), scalars).map(lambda pv: _replaced(*pv)),  # a value of another type
    st.tuples(st.sampled_from(ALL_PATHS), json_values).map(lambda pv: _replaced(*pv)),
    st.lists(st.integers(0, len(SHIPPED["rules"]) - 1), min_size=2, max_size=2, unique=True).map(
        _with_duplicate_rule_id),
    st.tuples(st.tuples(st.integers(0, len(SHIPPED["rules"]) - 1), st.sampled_from(["request", "notify"])),
              st.one_of(st.text(max_size=20), st.sampled_from(["hebergment", "Hebergement", "police", ""]))).map(
        _with_unknown_service),
    st.tuples(st.sampled_from(["monday", "friday", "saturday", "lundi"]),
              st.one_of(st.text(max_size=20), st.sampled_from(["25:00-26:00", "08:00", "17:00-08:00", "8h-17h",
                                                                "08:00-12:00, 11:00-13:00", "08:60-09:00"]),
                        scalars)).map(_with_bad_hours),
)


def _text_mutations():
    lines = SHIPPED_TEXT.splitlines(keepends=True)
    return st.one_of(
        st.integers(0, len(SHIPPED_TEXT)).map(lambda cut: SHIPPED_TEXT[:cut]),  # truncated (a partial upload)
        st.integers(0, len(lines) - 1).map(lambda n: "".join(lines[:n] + lines[n + 1:])),  # a line deleted
        st.tuples(st.integers(0, len(SHIPPED_TEXT)), st.sampled_from(["\t", ":", "- ", "'", '"', "{", "&a ", "*a",
                                                                      "!!python/object:os.system ", "\x00", "\n  "]))
        .map(lambda at: SHIPPED_TEXT[:at[0]] + at[1] + SHIPPED_TEXT[at[0]:]),  # a stray character
        st.tuples(st.integers(0, len(lines)), st.sampled_from(["loop: &loop [*loop]\n", "  x: &x {y: *x}\n",
                                                                "- &l [[[*l]]]\n"]))
        .map(lambda at: "".join(lines[:at[0]] + [at[1]] + lines[at[0]:])),  # YAML that refers to itself
    )


def _assert_loads_or_explains(source) -> None:
    """The contract of check_pos / load_pos: a Pos, or PosError whose every error names where it is."""
    try:
        pos, issues = check_pos(source)
    except Exception as error:  # noqa: BLE001 - any exception here is the bug this test looks for
        raise AssertionError(f"check_pos raised {type(error).__name__}: {error}") from error
    errors = [i for i in issues if i.severity == "error"]
    if pos is None:
        assert errors, "refused without saying why"
        for issue in errors:
            assert issue.message and (issue.line or issue.path), issue
            assert isinstance(issue.line, int | type(None)) and isinstance(issue.path, str)
        try:
            load_pos(source)
        except PosError as error:
            assert error.errors == errors
        else:
            raise AssertionError("load_pos accepted what check_pos refused")
    else:
        assert not errors


@fuzz(40, suppress_health_check=[HealthCheck.too_slow])
@given(pos_documents)
def test_a_mutated_pos_loads_or_says_where_it_is_wrong(document):
    _assert_loads_or_explains(_dump(document))


@fuzz(40, suppress_health_check=[HealthCheck.too_slow])
@given(_text_mutations())
def test_a_damaged_pos_file_loads_or_says_where_it_is_wrong(text):
    _assert_loads_or_explains(text.encode("utf-8", "surrogatepass"))


def test_the_mutations_reach_the_checks_they_aim_at():
    """Guards the generators above: each kind of damage is refused with its own French message."""
    duplicate = check_pos(_dump(_with_duplicate_rule_id((0, 1))))[1]
    assert any("déjà utilisé" in i.message and i.path == "rules[1].id" and i.line for i in duplicate)
    unknown = check_pos(_dump(_with_unknown_service(((0, "request"), "hebergment"))))[1]
    assert any("type de service inconnu" in i.message and "hebergement" in i.message for i in unknown)
    hours = check_pos(_dump(_with_bad_hours(("monday", "25:00-26:00"))))[1]
    assert any(i.path == "calendar.working_hours.monday" and i.line for i in hours)
    dropped = check_pos(_dump(_dropped(("retention_days",))))[1]
    assert [(i.path, i.message) for i in dropped] == [("retention_days", "champ obligatoire manquant")]
    truncated = check_pos(SHIPPED_TEXT[:SHIPPED_TEXT.index("rules:") + 40])[1]
    assert truncated and all(i.line for i in truncated)
    # A control character pasted in: PyYAML gives no line for it; the loader now counts it (was "ligne ?").
    at = SHIPPED_TEXT.index("retention_days")
    control = check_pos(SHIPPED_TEXT[:at] + "\x1b" + SHIPPED_TEXT[at:])[1]
    assert [(i.line, i.message) for i in control] == [
        (SHIPPED_TEXT[:at].count("\n") + 1, "YAML illisible : caractère spécial interdit (U+001B), à supprimer")]


@pytest.mark.parametrize(("text", "path", "message"), [
    # Each of these stopped `sira pos check` with a RecursionError traceback before.
    ("calendar: &c\n  working_hours: *c\n", "calendar.working_hours", "référence circulaire"),
    ("rules: &r\n  - *r\n", "rules[0]", "référence circulaire"),
    ("retention_days: " + "[" * 5_000 + "]" * 5_000 + "\n", "", "imbriquées sur plus de"),
    ("rules: " + "[" * 300 + "]" * 300 + "\n", "rules" + "[0]" * 39, "imbriquées sur plus de"),
])
def test_circular_or_bottomless_yaml_is_refused_with_its_place(text, path, message):
    pos, issues = check_pos(SHIPPED_TEXT[:SHIPPED_TEXT.index("\nversion:")] + "\n" + text)  # after the comments
    assert pos is None
    assert [(i.path, i.line is not None, message in i.message) for i in issues if i.severity == "error"] == [
        (path, True, True)]


@fuzz(25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=pos_documents)
def test_sira_pos_check_answers_with_an_exit_code_never_a_traceback(sqlite_app, tmp_path, document):
    path = tmp_path / "pos.yaml"
    path.write_text(_dump(document), encoding="utf-8")
    result = sqlite_app.test_cli_runner().invoke(args=["pos", "check", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert ("POS refusée" in result.output) == (result.exit_code == 1)
