"""French labels (msgids) of the referral vocabulary, translated lazily at render time."""

# Named `_` so that `pybabel extract` (default keywords) finds these msgids.
from flask_babel import lazy_gettext as _

STATE_LABELS = {
    "sent": _("Envoyée"), "delivered": _("Reçue"), "acknowledged": _("Vue"),
    "accepted": _("Acceptée"), "declined": _("Refusée"), "in_service": _("Prise en charge"),
    "completed": _("Terminée"), "failed": _("Échec"), "cancelled": _("Annulée"),
    "expired": _("Expirée"), "rerouted": _("Réorientée"), "open": _("En cours"), "closed": _("Clôturée"),
}
ACTION_LABELS = {
    "send": _("Envoi"), "deliver": _("Remise"), "acknowledge": _("Accuser réception"),
    "accept": _("Accepter"), "decline": _("Refuser"), "start": _("Commencer la prise en charge"),
    "complete": _("Terminer"), "fail": _("Déclarer un échec"), "cancel": _("Annuler"),
    "expire": _("Expiration"), "reroute": _("Réorientation"),
    "escalate": _("Escalade"),   # a step of the escalation ladder (notifications.escalation_steps)
}
CHANNEL_LABELS = {"web": _("web"), "api": _("API"), "sms": _("SMS"), "telegram": _("Telegram"),
                  "email": _("e-mail"), "system": _("Sira")}
RISK_LABELS = {"urgence": _("Urgence"), "eleve": _("Élevé"), "moyen": _("Moyen"), "faible": _("Faible")}
CONSENT_KIND_LABELS = {"consent": _("Consentement éclairé"), "assent": _("Assentiment de l'enfant"),
                       "best_interests_exception": _("Exception d'intérêt supérieur (enfant non accompagné)")}
CONSENT_GIVER_LABELS = {"child": _("L'enfant"), "parent": _("Un parent"), "guardian": _("Le tuteur"),
                        "other_adult": _("Un autre adulte responsable")}
CONSENT_METHOD_LABELS = {"oral": _("Oral"), "written": _("Écrit signé"), "thumbprint": _("Empreinte digitale")}
SEX_LABELS = {"female": _("Fille"), "male": _("Garçon")}
STATUS_LABELS = {"national": _("Malien(ne)"), "migrant": _("Migrant(e)"), "refugee": _("Réfugié(e)"),
                 "asylum_seeker": _("Demandeur(se) d'asile"), "returnee": _("Rapatrié(e)"),
                 "stateless": _("Apatride")}
LANGUAGE_LABELS = {"fr": _("français"), "bm": _("bambara"), "en": _("anglais"), "ff": _("peul"),
                   "snk": _("soninké"), "son": _("songhaï"), "ar": _("arabe"), "wo": _("wolof")}


def labels() -> dict:
    return {"state_labels": STATE_LABELS, "action_labels": ACTION_LABELS, "channel_labels": CHANNEL_LABELS,
            "risk_labels": RISK_LABELS, "consent_kind_labels": CONSENT_KIND_LABELS,
            "consent_giver_labels": CONSENT_GIVER_LABELS, "consent_method_labels": CONSENT_METHOD_LABELS,
            "sex_labels": SEX_LABELS, "status_labels": STATUS_LABELS, "language_labels": LANGUAGE_LABELS}
