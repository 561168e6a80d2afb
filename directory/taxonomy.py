"""Reference data shared by the directory and the POS: service types, organisation kinds, contact roles.

Service types follow the CPIMS+ (Primero) lookup list (DOMAIN.md). They are seeded into the editable
`service_type` table; this list is the seed and the vocabulary the POS validator checks against when no
database is at hand.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    fr: str
    en: str


SERVICE_TYPES: tuple[Term, ...] = (
    Term("hebergement", "Hébergement / abri sûr", "Shelter, safe shelter"),
    Term("prise_en_charge_alternative", "Prise en charge alternative / placement familial", "Alternative care"),
    Term("soins_medicaux", "Soins médicaux", "Medical care"),
    Term("soutien_psychosocial", "Soutien psychosocial de base", "Basic psychosocial support"),
    Term("smsps_specialise", "SMSPS spécialisé", "Specialised mental health and psychosocial support"),
    Term("assistance_juridique", "Assistance juridique", "Legal assistance"),
    Term("documentation", "Documentation / état civil", "Documentation, civil registration"),
    Term("rrf", "Recherche et réunification familiales (RRF)", "Family tracing and reunification (FTR)"),
    Term("mediation_familiale", "Médiation familiale", "Family mediation"),
    Term("eis", "Évaluation de l'intérêt supérieur (EIS)", "Best interests assessment (BIA)"),
    Term("dis", "Détermination de l'intérêt supérieur (DIS)", "Best interests determination (BID)"),
    Term("education", "Éducation formelle et non formelle", "Formal and non-formal education"),
    Term("formation_professionnelle", "Formation professionnelle / moyens de subsistance",
         "Vocational training, livelihoods"),
    Term("alimentation_nutrition", "Alimentation et nutrition", "Food and nutrition"),
    Term("articles_non_alimentaires", "Articles non alimentaires", "Non-food items"),
    Term("assistance_especes", "Assistance en espèces", "Cash assistance"),
    Term("securite_police", "Sécurité / police", "Safety, police"),
    Term("retour_reintegration", "Retour volontaire et réintégration (AVRR)",
         "Assisted voluntary return and reintegration (AVRR)"),
    Term("handicap", "Services pour enfants handicapés", "Services for children with disabilities"),
    Term("ssr", "Santé sexuelle et reproductive", "Sexual and reproductive health"),
    Term("protection_etat", "Prise en charge par le service étatique de protection de l'enfant",
         "State child protection case management"),
    Term("autre", "Autre", "Other"),
)

SERVICE_TYPE_CODES = frozenset(t.code for t in SERVICE_TYPES)

ORGANISATION_KINDS: tuple[Term, ...] = (
    Term("state", "Structure de l'État", "State service"),
    Term("un", "Agence des Nations unies", "UN agency"),
    Term("international_ngo", "ONG internationale", "International NGO"),
    Term("national_ngo", "ONG nationale", "National NGO"),
    Term("civil_society", "Société civile", "Civil society"),
)

CONTACT_ROLES: tuple[Term, ...] = (
    Term("focal_point", "Point focal", "Focal point"),
    Term("backup", "Suppléant", "Backup contact"),
    Term("head", "Responsable de l'organisation", "Head of organisation"),
    Term("coordinator", "Coordinateur", "Coordinator"),
)

CHANNELS: tuple[Term, ...] = (
    Term("sms", "SMS", "SMS"),
    Term("telegram", "Telegram", "Telegram"),
    Term("email", "E-mail", "E-mail"),
)

SEXES = ("female", "male")
STATUSES = ("national", "migrant", "refugee", "asylum_seeker", "returnee", "stateless")
LANGUAGES = ("fr", "bm", "en", "ff", "snk", "son", "ar", "wo")  # ISO 639: French, Bambara, English, Fula...


def label(terms: tuple[Term, ...], code: str, locale: str = "fr") -> str:
    for term in terms:
        if term.code == code:
            return term.fr if locale == "fr" else term.en
    return code
