"""The demo directory of Bamako: public organisation names, realistic services, FICTITIOUS contacts.

Every phone (+223 70 00 0x xx), e-mail (@demo.sira.invalid) and Telegram id (9000000xx) here is invented
and the contact is flagged `demo`: a demo contact must never be messaged through a real provider.
Services of organisations whose offer is not publicly documented say so in their description.

Loading is idempotent: an organisation already present (same name) is left as it is, so an admin's edits
of the demo survive a second `sira demo load`. Ids are derived from names (uuid5) so that two machines
loading the demo export identical HSDS files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from directory.models import (
    Contact,
    ContactChannel,
    Coverage,
    Organisation,
    Place,
    Service,
    ServiceAtLocation,
)
from directory.seed import seed_reference_data
from hub.extensions import db

DEMO_NAMESPACE = uuid.UUID("6f1b0c3e-5a43-4a51-9d3e-2f6a3c9b7d10")

OFFICE = {d: [["07:30", "16:00"]] for d in ("monday", "tuesday", "wednesday", "thursday")} | {
    "friday": [["07:30", "12:30"]]}
NGO = {d: [["08:00", "17:00"]] for d in ("monday", "tuesday", "wednesday", "thursday")} | {
    "friday": [["08:00", "13:00"]]}
ALWAYS = {d: [["00:00", "23:59"]] for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                            "saturday", "sunday")}
NIGHTS = {d: [["19:00", "23:59"]] for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                            "saturday", "sunday")}


@dataclass
class DemoService:
    type_code: str
    name: str
    description: str
    quartier: str | None
    address: str
    hours: dict = field(default_factory=lambda: dict(OFFICE))
    district_wide: bool = True
    coverage: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = 17
    sexes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    unaccompanied_only: bool = False
    languages: tuple[str, ...] = ("fr", "bm")
    free_places: int | None = None


@dataclass
class DemoOrganisation:
    acronym: str
    name: str
    kind: str
    description: str
    services: list[DemoService]
    parent: str | None = None
    coordinator: bool = False


def _dnds_local_services() -> list[DemoService]:
    seats = {"Commune I": "Korofina", "Commune II": "Bagadadji", "Commune III": "Bamako-Coura",
             "Commune IV": "Lafiabougou", "Commune V": "Quartier Mali", "Commune VI": "Sogoniko"}
    return [DemoService("protection_etat", f"Service local du développement social — {commune}",
                        "Enquêtes sociales, suivi des familles et prise en charge des enfants vulnérables de la "
                        "commune.", quartier, f"Mairie de la {commune}, {quartier}", district_wide=False,
                        coverage=(commune,))
            for commune, quartier in seats.items()]


DEMO_ORGANISATIONS: list[DemoOrganisation] = [
    DemoOrganisation("DNPEF", "Direction Nationale de la Promotion de l'Enfant et de la Famille", "state",
                     "Direction nationale chargée de la politique de protection de l'enfant et de la famille.", [
                         DemoService("protection_etat", "Protection de l'enfant — niveau national",
                                     "Prise en charge des cas complexes et appui aux directions régionales.",
                                     "Koulouba", "Cité administrative, Koulouba"),
                         DemoService("prise_en_charge_alternative", "Placement familial",
                                     "Identification et suivi des familles d'accueil agréées.",
                                     "Koulouba", "Cité administrative, Koulouba"),
                     ]),
    DemoOrganisation("DRPFEF Bamako",
                     "Direction Régionale de la Promotion de la Femme, de l'Enfant et de la Famille du District de "
                     "Bamako", "state",
                     "Direction régionale ; anime le cadre de concertation de la protection de l'enfant du district.", [
                         DemoService("protection_etat", "Prise en charge étatique des enfants en danger",
                                     "Gestion de cas, enquêtes et décisions de protection pour le district.",
                                     "Hamdallaye", "Hamdallaye ACI 2000"),
                         DemoService("eis", "Évaluation de l'intérêt supérieur",
                                     "Évaluations de l'intérêt supérieur des enfants non accompagnés ou séparés.",
                                     "Hamdallaye", "Hamdallaye ACI 2000", unaccompanied_only=True),
                         DemoService("mediation_familiale", "Médiation familiale",
                                     "Médiation entre l'enfant et sa famille avant toute réunification.",
                                     "Hamdallaye", "Hamdallaye ACI 2000"),
                     ], parent="DNPEF", coordinator=True),
    DemoOrganisation("DNDS", "Direction Nationale du Développement Social — services locaux", "state",
                     "Un service local du développement social dans chaque commune du district.",
                     _dnds_local_services()),
    DemoOrganisation("BCPEM", "Brigade chargée de la protection de l'enfant et des mœurs", "state",
                     "Police : enfants trouvés, perdus, abandonnés ou victimes de traite.", [
                         DemoService("securite_police", "Protection policière des enfants",
                                     "Mise en sécurité immédiate, enquête, enfants perdus et victimes de traite.",
                                     "Bamako-Coura", "Commissariat central, Bamako-Coura", hours=dict(ALWAYS),
                                     languages=("fr", "bm", "en")),
                     ]),
    DemoOrganisation("TPE Bamako", "Tribunal pour enfants de Bamako", "state",
                     "Juge des enfants : mesures de protection et enfants en conflit avec la loi.", [
                         DemoService("assistance_juridique", "Juge des enfants — mesures de protection",
                                     "Ordonnances de placement et mesures d'assistance éducative.",
                                     "Quartier Mali", "Quartier Mali"),
                     ]),
    DemoOrganisation("DNPJE", "Direction Nationale de la Protection Judiciaire de l'Enfant", "state",
                     "Direction nationale des enfants en contact avec la loi (créée en 2025).", [
                         DemoService("assistance_juridique", "Accompagnement des enfants en contact avec la loi",
                                     "Éducateurs spécialisés, alternatives à la détention.", "Badalabougou",
                                     "Badalabougou", min_age=10),
                         DemoService("mediation_familiale", "Médiation pénale et familiale",
                                     "Médiation pour les enfants en conflit avec la loi.", "Badalabougou",
                                     "Badalabougou", min_age=10),
                     ]),
    DemoOrganisation("CAPF", "Centre d'Accueil et de Placement Familial « Pouponnière »", "state",
                     "Centre de l'État pour les enfants de moins de 5 ans et les enfants handicapés (Niamana).", [
                         DemoService("hebergement", "Accueil des enfants de moins de 5 ans",
                                     "Hébergement et soins des nourrissons et jeunes enfants sans soutien familial.",
                                     None, "Niamana (hors district, route de Ségou)", hours=dict(ALWAYS),
                                     max_age=4, free_places=6),
                         DemoService("handicap", "Accueil des enfants handicapés",
                                     "Hébergement et rééducation d'enfants handicapés sans soutien familial.",
                                     None, "Niamana (hors district, route de Ségou)", hours=dict(ALWAYS),
                                     free_places=3),
                     ]),
    DemoOrganisation("Cité d'accueil",
                     "Cité d'accueil et d'information des Maliens de l'extérieur", "state",
                     "Accueil des migrants de retour, avec la DGME (Niamakoro, Commune VI).", [
                         DemoService("hebergement", "Accueil temporaire des migrants de retour",
                                     "Hébergement de courte durée et orientation des enfants de retour.",
                                     "Niamakoro", "Niamakoro, Commune VI", hours=dict(ALWAYS),
                                     statuses=("returnee", "migrant"), free_places=20),
                         DemoService("retour_reintegration", "Information et réinsertion des rapatriés",
                                     "Information, documentation et orientation vers la réintégration.",
                                     "Niamakoro", "Niamakoro, Commune VI", statuses=("returnee",), max_age=None),
                     ]),
    DemoOrganisation("Bollé", "Centre de Bollé pour femmes et mineurs", "state",
                     "Centre pour femmes et mineurs (Commune VI).", [
                         DemoService("formation_professionnelle", "Rééducation et formation des mineurs",
                                     "Formation et réinsertion des mineurs accueillis au centre.",
                                     "Sénou", "Bollé, Commune VI", min_age=13, district_wide=False,
                                     coverage=("Commune VI",)),
                     ]),
    DemoOrganisation("CNCR", "Commission Nationale Chargée des Réfugiés", "state",
                     "Enregistrement des réfugiés et des demandeurs d'asile, avec le HCR.", [
                         DemoService("documentation", "Enregistrement des réfugiés et demandeurs d'asile",
                                     "Enregistrement, documentation et détermination du statut de réfugié.",
                                     "Hippodrome", "Hippodrome, Commune II", max_age=None,
                                     statuses=("refugee", "asylum_seeker"), languages=("fr", "en", "ar")),
                     ]),
    DemoOrganisation("OIM", "Organisation internationale pour les migrations", "un",
                     "Centres de transit, orientation de protection de l'enfance, aide au retour volontaire.", [
                         DemoService("hebergement", "Centre de transit pour enfants migrants",
                                     "Accueil temporaire des enfants migrants non accompagnés en transit.",
                                     "Magnambougou", "Magnambougou, Commune VI", hours=dict(ALWAYS),
                                     statuses=("migrant", "returnee"), unaccompanied_only=True,
                                     languages=("fr", "en", "bm"), free_places=12),
                         DemoService("retour_reintegration", "Retour volontaire et réintégration (AVRR)",
                                     "Aide au retour volontaire dans le pays d'origine et réintégration.",
                                     "Magnambougou", "Magnambougou, Commune VI", statuses=("migrant",),
                                     languages=("fr", "en")),
                         DemoService("rrf", "Recherche familiale transfrontalière",
                                     "Recherche des familles dans les pays d'origine avec les missions de l'OIM.",
                                     "Magnambougou", "Magnambougou, Commune VI", statuses=("migrant",)),
                     ]),
    DemoOrganisation("UNICEF", "Fonds des Nations unies pour l'enfance", "un",
                     "Appui technique et financier au système de protection de l'enfant.", [
                         DemoService("eis", "Appui aux évaluations de l'intérêt supérieur",
                                     "Appui technique aux évaluations de l'intérêt supérieur.",
                                     "Badalabougou", "Badalabougou Est"),
                         DemoService("assistance_especes", "Assistance en espèces aux familles d'accueil",
                                     "Transferts monétaires ponctuels pour les familles qui accueillent un enfant.",
                                     "Badalabougou", "Badalabougou Est", max_age=None),
                     ]),
    DemoOrganisation("HCR", "Haut-Commissariat des Nations unies pour les réfugiés", "un",
                     "Protection des réfugiés et des demandeurs d'asile, procédure d'intérêt supérieur.", [
                         DemoService("dis", "Détermination de l'intérêt supérieur (comité DIS)",
                                     "Comité pluridisciplinaire pour les solutions durables des enfants non "
                                     "accompagnés ou séparés.", "Badalabougou", "Badalabougou",
                                     statuses=("refugee", "asylum_seeker"), unaccompanied_only=True,
                                     languages=("fr", "en", "ar")),
                         DemoService("eis", "Évaluation de l'intérêt supérieur des enfants réfugiés",
                                     "Évaluations de l'intérêt supérieur (courtes et approfondies).",
                                     "Badalabougou", "Badalabougou", statuses=("refugee", "asylum_seeker"),
                                     languages=("fr", "en", "ar")),
                     ]),
    DemoOrganisation("Samusocial Mali", "Samusocial Mali", "national_ngo",
                     "Maraudes de nuit, soins, soutien psychosocial, mise à l'abri, retour en famille.", [
                         DemoService("soins_medicaux", "Équipe mobile d'aide de nuit",
                                     "Maraudes de nuit : soins médicaux et écoute des enfants en rue.",
                                     "Hippodrome", "Hippodrome, Commune II", hours=dict(NIGHTS)),
                         DemoService("soutien_psychosocial", "Soutien psychosocial",
                                     "Entretiens individuels et activités de groupe.", "Hippodrome",
                                     "Hippodrome, Commune II", hours=dict(NGO)),
                         DemoService("hebergement", "Mise à l'abri d'urgence (via partenaires)",
                                     "Mise à l'abri d'urgence chez des partenaires d'hébergement.", "Hippodrome",
                                     "Hippodrome, Commune II", hours=dict(ALWAYS), free_places=4),
                     ]),
    DemoOrganisation("ENDA Mali", "ENDA Mali", "national_ngo",
                     "Identification des enfants migrants non accompagnés, centres d'accueil, réunification.", [
                         DemoService("hebergement", "Centre d'accueil pour enfants migrants",
                                     "Accueil de jour et de nuit des enfants migrants non accompagnés.",
                                     "Bozola", "Bozola, Commune II", hours=dict(ALWAYS),
                                     statuses=("migrant",), unaccompanied_only=True, free_places=10),
                         DemoService("rrf", "Recherche et réunification familiales",
                                     "Recherche des familles et accompagnement du retour en famille.",
                                     "Bozola", "Bozola, Commune II", hours=dict(NGO)),
                     ]),
    DemoOrganisation("Tdh", "Terre des hommes", "international_ngo",
                     "Travail social auprès des enfants migrants, espaces psychosociaux, accès à la justice.", [
                         DemoService("soutien_psychosocial", "Espaces psychosociaux",
                                     "Espaces amis des enfants et soutien psychosocial.", "Djicoroni-Para",
                                     "Djicoroni-Para, Commune IV", hours=dict(NGO), district_wide=False,
                                     coverage=("Commune III", "Commune IV")),
                         DemoService("assistance_juridique", "Accès à la justice",
                                     "Accompagnement juridique des enfants migrants et victimes.",
                                     "Djicoroni-Para", "Djicoroni-Para, Commune IV", hours=dict(NGO)),
                     ]),
    DemoOrganisation("BNCE-Mali", "Bureau National Catholique de l'Enfance — Centre Horonya", "national_ngo",
                     "Centre Horonya pour filles (Banankabougou, Commune VI).", [
                         DemoService("hebergement", "Centre Horonya — accueil des filles",
                                     "Hébergement, écoute et réinsertion des filles en situation de rue.",
                                     "Banankabougou", "Banankabougou, Commune VI", hours=dict(ALWAYS),
                                     sexes=("female",), min_age=10, free_places=8),
                         DemoService("formation_professionnelle", "Formation professionnelle des filles",
                                     "Couture, teinture, alphabétisation.", "Banankabougou",
                                     "Banankabougou, Commune VI", hours=dict(NGO), sexes=("female",), min_age=12),
                     ]),
    DemoOrganisation("Kanuya", "Kanuya", "national_ngo",
                     "Écoute, hébergement, soins, scolarisation, recherche et médiation familiales "
                     "(adresse à confirmer : les sources divergent).", [
                         DemoService("soutien_psychosocial", "Écoute et accompagnement",
                                     "Écoute des enfants en rupture familiale.", None, "Bamako (adresse à confirmer)",
                                     hours=dict(NGO)),
                         DemoService("mediation_familiale", "Recherche et médiation familiales",
                                     "Recherche des familles et médiation avant le retour.", None,
                                     "Bamako (adresse à confirmer)", hours=dict(NGO)),
                     ]),
    DemoOrganisation("Plan International", "Plan International Mali", "international_ngo",
                     "Éducation, protection et santé des enfants et des jeunes.", [
                         DemoService("education", "Éducation non formelle et scolarisation",
                                     "Classes passerelles et réinscription scolaire.", "Faladié",
                                     "Faladié, Commune VI", hours=dict(NGO), min_age=6),
                         DemoService("ssr", "Santé sexuelle et reproductive des adolescentes",
                                     "Information et orientation vers les centres de santé.", "Faladié",
                                     "Faladié, Commune VI", hours=dict(NGO), min_age=10),
                     ]),
    DemoOrganisation("Centre Nelson Mandela", "Centre Nelson Mandela", "civil_society",
                     "Centre d'accueil (Banankabougou, Commune VI).", [
                         DemoService("education", "Accueil de jour et scolarisation",
                                     "Accueil de jour, appui scolaire et activités.", "Banankabougou",
                                     "Banankabougou, Commune VI", hours=dict(NGO), district_wide=False,
                                     coverage=("Commune V", "Commune VI")),
                     ]),
    DemoOrganisation("Save the Children", "Save the Children", "international_ngo",
                     "Présente à Bamako ; services non vérifiés (à confirmer avant toute référence réelle).", [
                         DemoService("smsps_specialise", "SMSPS spécialisé (à confirmer)",
                                     "Offre non vérifiée : à confirmer auprès de l'organisation.", None,
                                     "Bamako (adresse à confirmer)", hours=dict(NGO)),
                     ]),
]

CONTACT_TITLES = {"focal_point": "Point focal", "backup": "Suppléant", "head": "Responsable",
                  "coordinator": "Coordinateur"}


def demo_uid(*parts: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, "/".join(parts)))


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())[:20] or "org"


def _contacts(org: DemoOrganisation, organisation: Organisation, number: int) -> tuple[list[Contact], int]:
    roles = ["focal_point", "backup", "head"] + (["coordinator"] if org.coordinator else [])
    contacts = []
    for role in roles:
        number += 1
        slug = _slug(org.acronym)
        contact = Contact(uid=demo_uid(org.name, "contact", role), organisation=organisation, role=role,
                          name=f"{CONTACT_TITLES[role]} {org.acronym} (démo)", language="fr", demo=True)
        channels = [("sms", f"+2237000{number:04d}"), ("email", f"{role}.{slug}@demo.sira.invalid")]
        if number % 2 == 0:
            channels.insert(1, ("telegram", f"9000{number:05d}"))
        contact.channels = [ContactChannel(position=i, kind=k, address=a) for i, (k, a) in enumerate(channels)]
        contacts.append(contact)
    return contacts, number


def load_demo_directory() -> list[str]:
    """Seed the vocabularies, then add every demo organisation that is missing. Returns lines to print."""
    session = db.session
    seed_reference_data(session)
    places = {(p.kind, p.name): p for p in session.scalars(select(Place))}
    existing = set(session.scalars(select(Organisation.name)))
    by_acronym = {o.acronym: o for o in session.scalars(select(Organisation))}
    added = 0
    number = 0
    for org in DEMO_ORGANISATIONS:
        if org.name in existing:
            number += 3 + (1 if org.coordinator else 0)
            continue
        organisation = Organisation(uid=demo_uid(org.name), name=org.name, acronym=org.acronym, kind=org.kind,
                                    description=org.description, parent=by_acronym.get(org.parent))
        session.add(organisation)
        by_acronym[org.acronym] = organisation
        for spec in org.services:
            service = Service(
                uid=demo_uid(org.name, "service", spec.name), organisation=organisation, type_code=spec.type_code,
                name=spec.name, description=spec.description, min_age=spec.min_age, max_age=spec.max_age,
                sexes=list(spec.sexes), statuses=list(spec.statuses),
                unaccompanied_separated_only=spec.unaccompanied_only, languages=list(spec.languages),
                opening_hours=spec.hours, status="active", free_places=spec.free_places,
                district_wide=spec.district_wide,
            )
            service.locations = [ServiceAtLocation(
                uid=demo_uid(org.name, "service", spec.name, "location"),
                quartier=places.get(("quartier", spec.quartier)) if spec.quartier else None,
                address=spec.address)]
            service.coverage = [Coverage(place=places[("commune", c)] if ("commune", c) in places
                                         else places[("quartier", c)]) for c in spec.coverage]
            session.add(service)
        contacts, number = _contacts(org, organisation, number)
        session.add_all(contacts)
        added += 1
    session.flush()
    if not added:
        return []
    return [f"Annuaire de démonstration : {added} organisations ajoutées (contacts fictifs, marqués démo)."]
