import pytest

from directory.channels import normalise_channel
from directory.phones import InvalidPhone, display_phone, normalise_phone


@pytest.mark.parametrize("typed", ["70 12 34 56", "70123456", "+223 70 12 34 56", "00223 70 12 34 56",
                                   '"+22370123456"'])
def test_a_malian_mobile_typed_any_usual_way_becomes_e164(typed):
    assert normalise_phone(typed) == "+22370123456"


def test_a_foreign_number_with_its_prefix_is_kept():
    assert normalise_phone("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize("typed", ["", "12", "70 12 34", "bonjour", "+223 20"])
def test_what_no_sms_could_reach_is_refused_in_french(typed):
    with pytest.raises(InvalidPhone) as refused:
        normalise_phone(typed)
    assert "numéro" in str(refused.value)


def test_numbers_are_shown_grouped():
    assert display_phone("+22370123456") == "+223 70 12 34 56"


def test_channels_are_checked_by_kind():
    assert normalise_channel("sms", "70 00 00 01") == "+22370000001"
    assert normalise_channel("email", " Point.Focal@Demo.Sira.Invalid ") == "point.focal@demo.sira.invalid"
    assert normalise_channel("telegram", "900000012") == "900000012"
    for kind, address in (("email", "pas-une-adresse"), ("telegram", "@pseudo"), ("fax", "1234")):
        with pytest.raises(ValueError):
            normalise_channel(kind, address)
