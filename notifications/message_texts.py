"""The words of every message Sira sends, per kind and language: `sms` (short, GSM-7, one segment where
possible), `long` (Telegram and e-mail body) and `subject` (e-mail).

Placeholders are the fields of `MessageContext` and nothing else: there is no child field to name.
SMS texts avoid ê â î ô û ç ë ï œ (they would switch the SMS to UCS-2); rendering transliterates any that
come in through a label. `{reason_part}` is "" or " Motif: ..." and `{deadline_part}` "" or the deadline
clause, so that a missing value leaves no dangling words.
"""

from __future__ import annotations

ANSWER_SMS_FR = "OUI {code} / NON {code} / VU {code}"
ANSWER_SMS_EN = "YES {code} / NO {code} / SEEN {code}"

TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "new_referral": {
        "fr": {
            "sms": "Sira: nouvelle orientation {code} ({urgency}) - {service}, {commune}.{deadline_part} "
                   "Répondez " + ANSWER_SMS_FR,
            "long": "Nouvelle orientation {code} pour {organisation}.\nService : {service}\nUrgence : {urgency}\n"
                    "Commune : {commune}\nRéponse attendue avant le {deadline}.\n"
                    "Les détails sont visibles dans Sira par votre organisation seulement.",
            "subject": "Sira : nouvelle orientation {code} ({urgency})",
        },
        "en": {
            "sms": "Sira: new referral {code} ({urgency}) - {service}, {commune}.{deadline_part} "
                   "Reply " + ANSWER_SMS_EN,
            "long": "New referral {code} for {organisation}.\nService: {service}\nUrgency: {urgency}\n"
                    "Commune: {commune}\nPlease answer before {deadline}.\n"
                    "Details are visible in Sira to your organisation only.",
            "subject": "Sira: new referral {code} ({urgency})",
        },
    },
    "reminder": {
        "fr": {
            "sms": "Sira: rappel, l'orientation {code} ({service}, {commune}) attend votre réponse."
                   "{deadline_part} " + ANSWER_SMS_FR,
            "long": "Rappel : l'orientation {code} ({service}, {commune}, urgence {urgency}) attend la "
                    "réponse de {organisation}.\nRéponse attendue avant le {deadline}.",
            "subject": "Sira : rappel, orientation {code} sans réponse",
        },
        "en": {
            "sms": "Sira: reminder, referral {code} ({service}, {commune}) awaits your answer."
                   "{deadline_part} " + ANSWER_SMS_EN,
            "long": "Reminder: referral {code} ({service}, {commune}, urgency {urgency}) awaits an answer "
                    "from {organisation}.\nPlease answer before {deadline}.",
            "subject": "Sira: reminder, referral {code} unanswered",
        },
    },
    "escalation_backup": {
        "fr": {
            "sms": "Sira: orientation {code} ({urgency}, {service}) sans réponse du point focal de "
                   "{organisation}. Répondez " + ANSWER_SMS_FR,
            "long": "L'orientation {code} adressée à {organisation} est restée sans réponse du point focal ; "
                    "vous êtes son suppléant.\nService : {service}\nUrgence : {urgency}\nCommune : {commune}\n"
                    "Réponse attendue avant le {deadline}.",
            "subject": "Sira : orientation {code} sans réponse du point focal",
        },
        "en": {
            "sms": "Sira: referral {code} ({urgency}, {service}) unanswered by the focal point of "
                   "{organisation}. Reply " + ANSWER_SMS_EN,
            "long": "Referral {code} addressed to {organisation} has no answer from its focal point; you are "
                    "the backup.\nService: {service}\nUrgency: {urgency}\nCommune: {commune}\n"
                    "Please answer before {deadline}.",
            "subject": "Sira: referral {code} unanswered by the focal point",
        },
    },
    "escalation_head": {
        "fr": {
            "sms": "Sira: orientation {code} ({urgency}, {service}) pour {organisation} sans réponse "
                   "malgré les rappels. " + ANSWER_SMS_FR,
            "long": "L'orientation {code} adressée à {organisation} reste sans réponse malgré les rappels au "
                    "point focal et au suppléant.\nService : {service}\nUrgence : {urgency}\n"
                    "Commune : {commune}\nMerci de répondre ou de désigner qui répond.",
            "subject": "Sira : orientation {code} sans réponse de votre organisation",
        },
        "en": {
            "sms": "Sira: referral {code} ({urgency}, {service}) for {organisation} unanswered despite "
                   "reminders. " + ANSWER_SMS_EN,
            "long": "Referral {code} addressed to {organisation} is unanswered despite reminders to the "
                    "focal point and the backup.\nService: {service}\nUrgency: {urgency}\n"
                    "Commune: {commune}\nPlease answer or name who will.",
            "subject": "Sira: referral {code} unanswered by your organisation",
        },
    },
    "escalation_coordinator": {
        "fr": {
            "sms": "Sira: l'orientation {code} ({urgency}) - {service}, {commune} - est sans réponse de "
                   "{organisation}.{deadline_part} Suivi dans Sira.",
            "long": "Escalade : l'orientation {code} adressée à {organisation} est sans réponse.\n"
                    "Service : {service}\nUrgence : {urgency}\nCommune : {commune}\nÉchéance : {deadline}\n"
                    "Elle figure dans le tableau de suivi de la coordination.",
            "subject": "Sira : escalade, orientation {code} sans réponse",
        },
        "en": {
            "sms": "Sira: referral {code} ({urgency}) - {service}, {commune} - has no answer from "
                   "{organisation}.{deadline_part} Follow up in Sira.",
            "long": "Escalation: referral {code} addressed to {organisation} is unanswered.\n"
                    "Service: {service}\nUrgency: {urgency}\nCommune: {commune}\nDeadline: {deadline}\n"
                    "It is on the coordination follow-up board.",
            "subject": "Sira: escalation, referral {code} unanswered",
        },
    },
    "rerouted": {
        "fr": {
            "sms": "Sira: l'orientation {code} ({service}) a été réorientée vers {organisation}.",
            "long": "L'orientation {code} ({service}, {commune}) a été réorientée vers {organisation}, "
                    "faute de réponse ou après un refus. Suivez-la dans Sira.",
            "subject": "Sira : orientation {code} réorientée",
        },
        "en": {
            "sms": "Sira: referral {code} ({service}) was re-routed to {organisation}.",
            "long": "Referral {code} ({service}, {commune}) was re-routed to {organisation}, after no answer "
                    "or a decline. Follow it in Sira.",
            "subject": "Sira: referral {code} re-routed",
        },
    },
    "accepted_notice": {
        "fr": {
            "sms": "Sira: {organisation} a accepté l'orientation {code} ({service}).",
            "long": "{organisation} a accepté l'orientation {code} ({service}, {commune}).",
            "subject": "Sira : orientation {code} acceptée",
        },
        "en": {
            "sms": "Sira: {organisation} accepted referral {code} ({service}).",
            "long": "{organisation} accepted referral {code} ({service}, {commune}).",
            "subject": "Sira: referral {code} accepted",
        },
    },
    "declined_notice": {
        "fr": {
            "sms": "Sira: {organisation} a refusé l'orientation {code} ({service}).{reason_part} "
                   "Suite dans Sira.",
            "long": "{organisation} a refusé l'orientation {code} ({service}, {commune}).{reason_part}\n"
                    "Sira propose la suite selon la POS.",
            "subject": "Sira : orientation {code} refusée",
        },
        "en": {
            "sms": "Sira: {organisation} declined referral {code} ({service}).{reason_part} Next steps in Sira.",
            "long": "{organisation} declined referral {code} ({service}, {commune}).{reason_part}\n"
                    "Sira proposes the next step according to the SOP.",
            "subject": "Sira: referral {code} declined",
        },
    },
    "confirm_accepted": {
        "fr": {"sms": "Merci. Orientation {code} acceptée. Les détails sont dans Sira.",
               "long": "Merci. Orientation {code} acceptée. Les détails sont dans Sira.",
               "subject": "Sira : orientation {code} acceptée"},
        "en": {"sms": "Thank you. Referral {code} accepted. Details are in Sira.",
               "long": "Thank you. Referral {code} accepted. Details are in Sira.",
               "subject": "Sira: referral {code} accepted"},
    },
    "confirm_declined": {
        "fr": {"sms": "Orientation {code} refusée.{reason_part} Merci de votre réponse.",
               "long": "Orientation {code} refusée.{reason_part} Merci de votre réponse.",
               "subject": "Sira : orientation {code} refusée"},
        "en": {"sms": "Referral {code} declined.{reason_part} Thank you for answering.",
               "long": "Referral {code} declined.{reason_part} Thank you for answering.",
               "subject": "Sira: referral {code} declined"},
    },
    "confirm_acknowledged": {
        "fr": {"sms": "Orientation {code}: réception notée.{deadline_part} Répondez OUI {code} ou NON {code}.",
               "long": "Orientation {code} : réception notée.{deadline_part} Il reste à accepter ou refuser.",
               "subject": "Sira : orientation {code}, réception notée"},
        "en": {"sms": "Referral {code}: receipt noted.{deadline_part} Reply YES {code} or NO {code}.",
               "long": "Referral {code}: receipt noted.{deadline_part} Please still accept or decline.",
               "subject": "Sira: referral {code}, receipt noted"},
    },
    "status": {
        "fr": {"sms": "Orientation {code} ({service}): {status}.",
               "long": "Orientation {code} ({service}, {commune}) : {status}.",
               "subject": "Sira : statut de l'orientation {code}"},
        "en": {"sms": "Referral {code} ({service}): {status}.",
               "long": "Referral {code} ({service}, {commune}): {status}.",
               "subject": "Sira: status of referral {code}"},
    },
    "pending_list": {
        "fr": {"sms": "Orientations en attente de votre réponse: {pending_codes}.",
               "long": "Orientations en attente de votre réponse : {pending_codes}.",
               "subject": "Sira : vos orientations en attente"},
        "en": {"sms": "Referrals awaiting your answer: {pending_codes}.",
               "long": "Referrals awaiting your answer: {pending_codes}.",
               "subject": "Sira: your pending referrals"},
    },
    "help": {
        "fr": {"sms": "Sira: OUI code = accepter, NON code [motif] = refuser, VU code = vu, STATUT, "
                      "PLEIN / DISPO [service] = vos places. Ex: OUI K7Q2",
               "long": "Commandes Sira :\nOUI code : accepter\nNON code [motif] : refuser\nVU code : accusé de "
                       "réception\nSTATUT : vos orientations en attente\nPLEIN / DISPO [service] : vos places\n"
                       "Exemple : OUI K7Q2",
               "subject": "Sira : aide"},
        "en": {"sms": "Sira: YES code = accept, NO code [reason] = decline, SEEN code = received, STATUS, "
                      "FULL / AVAILABLE [service] = capacity. Ex: YES K7Q2",
               "long": "Sira commands:\nYES code: accept\nNO code [reason]: decline\nSEEN code: acknowledge\n"
                       "STATUS: your pending referrals\nFULL / AVAILABLE [service]: your capacity\n"
                       "Example: YES K7Q2",
               "subject": "Sira: help"},
    },
    "error_unknown_code": {
        "fr": {"sms": "Code {code} inconnu. Vérifiez le code (ex: OUI K7Q2) ou envoyez AIDE.",
               "long": "Code {code} inconnu. Vérifiez le code reçu (ex : OUI K7Q2) ou envoyez AIDE.",
               "subject": "Sira : code inconnu"},
        "en": {"sms": "Unknown code {code}. Check the code you received (ex: YES K7Q2) or send HELP.",
               "long": "Unknown code {code}. Check the code you received (ex: YES K7Q2) or send HELP.",
               "subject": "Sira: unknown code"},
    },
    "error_not_yours": {
        "fr": {"sms": "L'orientation {code} n'est pas adressée à votre organisation. Rien n'a été modifié.",
               "long": "L'orientation {code} n'est pas adressée à votre organisation. Rien n'a été modifié.",
               "subject": "Sira : orientation non adressée à votre organisation"},
        "en": {"sms": "Referral {code} is not addressed to your organisation. Nothing was changed.",
               "long": "Referral {code} is not addressed to your organisation. Nothing was changed.",
               "subject": "Sira: referral not addressed to your organisation"},
    },
    "error_ambiguous": {
        "fr": {"sms": "Plusieurs orientations attendent votre réponse: {pending_codes}. Précisez le code, "
                      "ex: OUI {first_pending}",
               "long": "Plusieurs orientations attendent votre réponse : {pending_codes}. Précisez le code, "
                       "par exemple : OUI {first_pending}",
               "subject": "Sira : précisez le code"},
        "en": {"sms": "Several referrals await your answer: {pending_codes}. Give the code, ex: YES {first_pending}",
               "long": "Several referrals await your answer: {pending_codes}. Give the code, for example: "
                       "YES {first_pending}",
               "subject": "Sira: give the code"},
    },
    "error_no_pending": {
        "fr": {"sms": "Aucune orientation n'attend votre réponse. Envoyez AIDE pour l'aide.",
               "long": "Aucune orientation n'attend votre réponse. Envoyez AIDE pour l'aide.",
               "subject": "Sira : aucune orientation en attente"},
        "en": {"sms": "No referral awaits your answer. Send HELP for help.",
               "long": "No referral awaits your answer. Send HELP for help.",
               "subject": "Sira: no pending referral"},
    },
    "error_unreadable": {
        "fr": {"sms": "Message non compris. Répondez OUI code, NON code, VU code, ou AIDE.",
               "long": "Message non compris. Répondez OUI code, NON code, VU code, ou AIDE.",
               "subject": "Sira : message non compris"},
        "en": {"sms": "Message not understood. Reply YES code, NO code, SEEN code, or HELP.",
               "long": "Message not understood. Reply YES code, NO code, SEEN code, or HELP.",
               "subject": "Sira: message not understood"},
    },
    "unknown_sender": {
        "fr": {"sms": "Ce numéro n'est pas enregistré dans Sira. Contactez votre coordinateur.",
               "long": "Ce compte n'est pas enregistré dans Sira. Contactez votre coordinateur.",
               "subject": "Sira"},
        "en": {"sms": "This number is not registered in Sira. Please contact your coordinator.",
               "long": "This account is not registered in Sira. Please contact your coordinator.",
               "subject": "Sira"},
    },
    "capacity_full": {
        "fr": {"sms": "Noté: {organisation} complet pour {service}. Envoyez DISPO quand des places se libèrent.",
               "long": "Noté : {organisation} est complet pour {service}. Envoyez DISPO quand des places se "
                       "libèrent.",
               "subject": "Sira : capacité mise à jour"},
        "en": {"sms": "Noted: {organisation} full for {service}. Send AVAILABLE when places free up.",
               "long": "Noted: {organisation} is full for {service}. Send AVAILABLE when places free up.",
               "subject": "Sira: capacity updated"},
    },
    "capacity_available": {
        "fr": {"sms": "Noté: {organisation} a de nouveau des places pour {service}. Merci.",
               "long": "Noté : {organisation} a de nouveau des places pour {service}. Merci.",
               "subject": "Sira : capacité mise à jour"},
        "en": {"sms": "Noted: {organisation} has places again for {service}. Thank you.",
               "long": "Noted: {organisation} has places again for {service}. Thank you.",
               "subject": "Sira: capacity updated"},
    },
    "telegram_linked": {
        "fr": {"sms": "Ce compte est relié à Sira ({organisation}).",
               "long": "Ce compte Telegram est relié à Sira pour {organisation}. Vous recevrez ici les "
                       "orientations, avec les boutons Accepter / Refuser / Vu.",
               "subject": "Sira"},
        "en": {"sms": "This account is linked to Sira ({organisation}).",
               "long": "This Telegram account is linked to Sira for {organisation}. Referrals will arrive "
                       "here, with Accept / Decline / Seen buttons.",
               "subject": "Sira"},
    },
    "cancelled_notice": {
        "fr": {"sms": "Sira: l'orientation {code} ({service}) a été annulée par le référent. Rien à faire.",
               "long": "L'orientation {code} ({service}, {commune}) adressée à {organisation} a été annulée par "
                       "le référent. Vous n'avez plus rien à faire pour elle.",
               "subject": "Sira : orientation {code} annulée"},
        "en": {"sms": "Sira: referral {code} ({service}) was cancelled by the referrer. Nothing to do.",
               "long": "Referral {code} ({service}, {commune}) addressed to {organisation} was cancelled by the "
                       "referrer. There is nothing left to do for it.",
               "subject": "Sira: referral {code} cancelled"},
    },
    "error_reason_required": {
        "fr": {"sms": "Refus de {code}: indiquez le motif, ex: NON {code} {first_choice}. Motifs: {choices}",
               "long": "Refus de l'orientation {code} : indiquez le motif, par exemple NON {code} {first_choice}."
                       "\nMotifs : {choices}",
               "subject": "Sira : motif de refus requis"},
        "en": {"sms": "Declining {code}: give the reason, ex: NO {code} {first_choice}. Reasons: {choices}",
               "long": "Declining referral {code}: give the reason, for example NO {code} {first_choice}."
                       "\nReasons: {choices}",
               "subject": "Sira: decline reason required"},
    },
    "error_which_service": {
        "fr": {"sms": "Plusieurs services: {choices}. Précisez, ex: PLEIN {first_choice}",
               "long": "Votre organisation a plusieurs services : {choices}. Précisez lequel, par exemple : "
                       "PLEIN {first_choice}",
               "subject": "Sira : précisez le service"},
        "en": {"sms": "Several services: {choices}. Say which, ex: FULL {first_choice}",
               "long": "Your organisation has several services: {choices}. Say which one, for example: "
                       "FULL {first_choice}",
               "subject": "Sira: say which service"},
    },
    "error_link_code": {
        "fr": {"sms": "Code de liaison inconnu ou expiré. Demandez un nouveau code dans Sira.",
               "long": "Code de liaison inconnu ou expiré. Demandez un nouveau code dans Sira (page Telegram "
                       "de votre organisation), puis envoyez /start CODE.",
               "subject": "Sira"},
        "en": {"sms": "Unknown or expired link code. Ask Sira for a new code.",
               "long": "Unknown or expired link code. Ask for a new code in Sira (your organisation's Telegram "
                       "page), then send /start CODE.",
               "subject": "Sira"},
    },
    # Coordination meetings: {code} is the referral the action point is about, {organisation} its owner,
    # {deadline} its due date (for the minutes: the meeting's date). Never the action's free text.
    "action_point_due": {
        "fr": {"sms": "Sira: une action de suivi de la reunion de coordination ({code}) est attendue de "
                      "{organisation} avant le {deadline}. Voir Sira.",
               "long": "Une action de suivi décidée en réunion de coordination (orientation {code}) est attendue "
                       "de {organisation} avant le {deadline}.\nLe détail est dans le compte rendu, dans Sira.",
               "subject": "Sira : action de suivi attendue ({code})"},
        "en": {"sms": "Sira: a follow-up action from the coordination meeting ({code}) is due from "
                      "{organisation} by {deadline}. See Sira.",
               "long": "A follow-up action decided at the coordination meeting (referral {code}) is due from "
                       "{organisation} by {deadline}.\nThe details are in the minutes, in Sira.",
               "subject": "Sira: follow-up action due ({code})"},
    },
    "action_point_overdue": {
        "fr": {"sms": "Sira: l'action de suivi ({code}) attendue de {organisation} pour le {deadline} n'est "
                      "pas faite. Merci de relancer.",
               "long": "L'action de suivi décidée en réunion de coordination (orientation {code}) attendue de "
                       "{organisation} pour le {deadline} n'est pas encore faite.\nMerci de relancer ou de "
                       "l'inscrire à la prochaine réunion.",
               "subject": "Sira : action de suivi en retard ({code})"},
        "en": {"sms": "Sira: the follow-up action ({code}) due from {organisation} by {deadline} is not done. "
                      "Please follow up.",
               "long": "The follow-up action decided at the coordination meeting (referral {code}) due from "
                       "{organisation} by {deadline} is not done yet.\nPlease follow up or put it on the next "
                       "meeting's agenda.",
               "subject": "Sira: follow-up action overdue ({code})"},
    },
    "meeting_minutes": {
        "fr": {"sms": "Sira: le compte rendu de la reunion de coordination du {deadline} est disponible dans Sira.",
               "long": "Le compte rendu de la réunion de coordination du {deadline} est disponible dans Sira "
                       "(PDF et DOCX).\nIl ne contient que des codes de référence, jamais de données "
                       "identifiant un enfant.",
               "subject": "Sira : compte rendu de la réunion de coordination du {deadline}"},
        "en": {"sms": "Sira: the minutes of the coordination meeting of {deadline} are available in Sira.",
               "long": "The minutes of the coordination meeting of {deadline} are available in Sira "
                       "(PDF and DOCX).\nThey hold referral codes only, never data that identifies a child.",
               "subject": "Sira: minutes of the coordination meeting of {deadline}"},
    },
    # {status} carries the count ("12 orientations"), {deadline} the oldest missed step: no referral at all.
    "escalations_late": {
        "fr": {"sms": "Sira: ALERTE, relances automatiques en retard ({status}) depuis le {deadline}. "
                      "Verifiez le service des taches de Sira.",
               "long": "Alerte : les relances et escalades automatiques de Sira ne s'exécutent plus "
                       "({status} en retard, la plus ancienne depuis le {deadline}).\nVérifiez que le "
                       "service des tâches (sweep) fonctionne ; /healthz en donne l'état.",
               "subject": "Sira : ALERTE, relances automatiques en retard"},
        "en": {"sms": "Sira: ALERT, automatic reminders late ({status}) since {deadline}. "
                      "Check Sira's job service.",
               "long": "Alert: Sira's automatic reminders and escalations are not running ({status} late, the "
                       "oldest since {deadline}).\nCheck that the job service (sweep) runs; /healthz shows "
                       "its state.",
               "subject": "Sira: ALERT, automatic reminders late"},
    },
}

# Pieces that only appear when their value is known.
DEADLINE_PART = {"fr": " Avant le {deadline}.", "en": " Before {deadline}."}
REASON_PART = {"fr": " Motif: {reason}.", "en": " Reason: {reason}."}
LINKS = {
    "fr": {"accept": "Accepter", "decline": "Refuser", "view": "Voir dans Sira",
           "footer": "Message automatique de Sira. Ne transférez pas ce message."},
    "en": {"accept": "Accept", "decline": "Decline", "view": "View in Sira",
           "footer": "Automatic message from Sira. Do not forward this message."},
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
