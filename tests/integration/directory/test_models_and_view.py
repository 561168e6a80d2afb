from sqlalchemy import func, select

from directory.demo import DEMO_ORGANISATIONS, load_demo_directory
from directory.models import Contact, ContactChannel, Organisation, Place, Service, ServiceType
from directory.seed import seed_reference_data
from directory.taxonomy import SERVICE_TYPES
from directory.view import build_directory_view
from hub.extensions import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_vocabularies_are_seeded_once_and_admin_edits_survive(app_context):
    seed_reference_data(db.session)
    shelter = db.session.get(ServiceType, "hebergement")
    shelter.label_fr = "Hébergement d'urgence"
    db.session.commit()
    assert seed_reference_data(db.session) == 0
    assert count(ServiceType) == len(SERVICE_TYPES)
    assert db.session.get(ServiceType, "hebergement").label_fr == "Hébergement d'urgence"
    niamakoro = db.session.scalar(select(Place).where(Place.name == "Niamakoro"))
    assert niamakoro.kind == "quartier" and niamakoro.commune.name == "Commune VI"


def test_demo_directory_loads_once_with_only_fictitious_demo_contacts(demo_directory):
    assert load_demo_directory() == []
    assert count(Organisation) == len(DEMO_ORGANISATIONS)
    assert db.session.scalar(select(func.count()).select_from(Contact).where(Contact.demo.is_(False))) == 0
    for channel in db.session.scalars(select(ContactChannel)):
        if channel.kind == "sms":
            assert channel.address.startswith("+2237000")
        elif channel.kind == "email":
            assert channel.address.endswith("@demo.sira.invalid")
    for organisation in db.session.scalars(select(Organisation)):
        roles = {c.role for c in organisation.contacts}
        assert {"focal_point", "backup", "head"} <= roles
    drpfef = db.session.scalar(select(Organisation).where(Organisation.acronym == "DRPFEF Bamako"))
    assert "coordinator" in {c.role for c in drpfef.contacts}
    types = {(s.organisation.acronym, s.type_code) for s in db.session.scalars(select(Service))}
    assert {("DRPFEF Bamako", "protection_etat"), ("DNPEF", "protection_etat"), ("DNDS", "protection_etat"),
            ("BCPEM", "securite_police"), ("HCR", "dis"), ("UNICEF", "eis")} <= types


def test_the_routing_view_carries_eligibility_coverage_contacts_and_load(demo_directory):
    tdh_service = db.session.scalar(select(Service).where(Service.name == "Espaces psychosociaux"))
    view = build_directory_view(db.session, open_referrals=lambda _s: {tdh_service.id: 3})
    psychosocial = {s.service_id: s for s in view.of_type("soutien_psychosocial")}
    tdh = psychosocial[tdh_service.id]
    assert tdh.communes == ("Commune III", "Commune IV") and not tdh.district_wide
    assert tdh.open_referrals == 3
    assert [c.role for c in tdh.ordered_contacts()] == ["focal_point", "backup", "head"]
    assert tdh.contacts[0].channels[0] == "sms"
    horonya = next(s for s in view.of_type("hebergement") if s.organisation_acronym == "BNCE-Mali")
    assert horonya.sexes == ("female",) and horonya.min_age == 10
    assert view.commune_of("Niamakoro") == "Commune VI"


def test_inactive_services_are_left_out_of_the_view(demo_directory):
    service = db.session.scalar(select(Service).where(Service.type_code == "securite_police"))
    service.status = "inactive"
    db.session.commit()
    assert not build_directory_view(db.session).of_type("securite_police")
    assert build_directory_view(db.session, include_inactive=True).of_type("securite_police")
