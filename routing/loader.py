"""Read a POS file: YAML -> marshmallow schemas (shape) -> checks (meaning) -> `Pos`.

Every problem is reported with its path in the file and its line, in French, because the people who
edit the POS are protection staff at a validation workshop, not programmers. All problems are collected
before giving up, so one `sira pos check` run lists everything to fix.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from directory.places import BAMAKO_COMMUNES, quartier_to_commune
from directory.taxonomy import LANGUAGES, SERVICE_TYPE_CODES, SEXES, STATUSES
from routing.calendar import CLOCK_WORKING, CLOCKS, WEEKDAYS, Duration, WorkingCalendar, parse_hours
from routing.pos import (
    DECLINE_REASON_CODES,
    ESCALATION_ACTIONS,
    Actions,
    Conditions,
    DeclineReason,
    EscalationLadder,
    EscalationStep,
    Pos,
    PosIssue,
    ReplyIntent,
    RiskLevel,
    Rule,
    fold,
)

DEFAULT_POS_PATH = Path(__file__).resolve().parent / "pos" / "bamako.yaml"
REQUIRED_INTENTS = ("accept", "decline")


class PosError(ValueError):
    """The POS file cannot be used; `issues` lists every error (and the warnings found on the way)."""

    def __init__(self, issues: list[PosIssue]):
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        super().__init__(f"{len(errors)} erreur(s) dans la POS:\n" + "\n".join(str(i) for i in errors))

    @property
    def errors(self) -> list[PosIssue]:
        return [i for i in self.issues if i.severity == "error"]


# --- YAML: keep what a workshop participant typed -----------------------------------------------------

class _PosYamlLoader(yaml.SafeLoader):
    """YAML 1.1 turns NO into False and 14:30 into 870; in a POS both must stay text."""


_PosYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool",
                                                                       "tag:yaml.org,2002:int")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PosYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_PosYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))


# A POS is at most a handful of levels deep; far deeper (or circular) YAML is a mistake, and reading it
# would exhaust Python's recursion before any useful message could be given.
MAX_DEPTH = 40
CIRCULAR_ALIAS = "référence circulaire : cet alias (*nom) renvoie à une partie qui le contient"
TOO_DEEP = f"rubriques imbriquées sur plus de {MAX_DEPTH} niveaux"


def _line_map(node: yaml.Node) -> tuple[dict[tuple, int], list[PosIssue]]:
    """Path tuple -> 1-based line, from the composed YAML nodes; also reports duplicate keys, aliases
    that contain themselves and nesting deeper than MAX_DEPTH."""
    lines: dict[tuple, int] = {(): node.start_mark.line + 1}
    duplicates: list[PosIssue] = []
    read: set[int] = set()  # nodes already walked: an alias (*nom) of an anchor (&nom) is the same node

    def walk(current: yaml.Node, path: tuple, inside: frozenset[int]) -> None:
        if id(current) in inside:  # "&a [*a]": a part that contains itself would be read forever
            duplicates.append(PosIssue(_format_path(path), current.start_mark.line + 1, CIRCULAR_ALIAS))
            return
        if len(path) > MAX_DEPTH:
            duplicates.append(PosIssue(_format_path(path[:MAX_DEPTH]), current.start_mark.line + 1, TOO_DEEP))
            return
        if id(current) in read:
            return
        read.add(id(current))
        inside = inside | {id(current)}
        if isinstance(current, yaml.MappingNode):
            seen: set = set()
            for key_node, value_node in current.value:
                key = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    duplicates.append(PosIssue(_format_path(path + (key,)), line,
                                               f"clé « {key} » écrite deux fois : la seconde écraserait la première"))
                seen.add(key)
                lines[path + (key,)] = line
                walk(value_node, path + (key,), inside)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                lines[path + (index,)] = item.start_mark.line + 1
                walk(item, path + (index,), inside)

    walk(node, (), frozenset())
    return lines, duplicates


def _format_path(path: Iterable) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_for(lines: dict[tuple, int], path: tuple) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# --- Schemas: the shape of the file ---------------------------------------------------------------------

_FRENCH_MESSAGES = {
    "Missing data for required field.": "champ obligatoire manquant",
    "Unknown field.": "champ inconnu (faute de frappe ?)",
    "Not a valid integer.": "nombre entier attendu",
    "Not a valid string.": "texte attendu",
    "Not a valid boolean.": "true ou false attendu",
    "Not a valid list.": "liste attendue, par exemple [a, b]",
    "Not a valid mapping type.": "rubrique attendue (clé: valeur)",
    "Invalid input type.": "rubrique attendue (clé: valeur)",
    "Not a valid date.": "date attendue (AAAA-MM-JJ)",
    "Field may not be null.": "valeur manquante",
}


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


def _one_of(choices: Iterable[str], what: str):
    choices = sorted(choices)

    def check(value):
        if value not in choices:
            raise ValidationError(f"{what} « {value} »{_suggest(value, choices)}")

    return check


_PLACE_KEYS = {fold(q) for qs in BAMAKO_COMMUNES.values() for q in qs}
_COMMUNE_KEYS = {fold(c) for c in BAMAKO_COMMUNES}


def _check_quartier(value):
    if fold(value) not in _PLACE_KEYS:
        raise ValidationError(f"quartier inconnu « {value} »{_suggest(value, quartier_to_commune())}")


def _check_commune(value):
    if fold(value) not in _COMMUNE_KEYS:
        raise ValidationError(f"commune inconnue « {value} »{_suggest(value, BAMAKO_COMMUNES)}")


check_service_type = _one_of(SERVICE_TYPE_CODES, "type de service inconnu")


class DurationField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            duration = Duration.parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if duration.is_zero:
            raise ValidationError("une durée nulle n'est pas un délai")
        return duration


class HoursField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_hours(str(value))
        except ValueError as error:
            raise ValidationError(str(error)) from None


class DateField(fields.Field):
    """YAML already turns 2026-05-27 into a date; accept a quoted one too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError("date attendue (AAAA-MM-JJ)") from None


class YesNo(fields.Field):
    """Only true / false: 'oui' or 1 in a condition is more likely a mistake than a wish."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(f"true ou false attendu, pas « {value} »")
        return value


class OneOrMany(fields.List):
    """`sex: female` and `sex: [female]` mean the same; the workshop should not have to care."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list | tuple):
            value = [value]
        return tuple(super()._deserialize(value, attr, data, **kwargs))


def _text_list(check=None) -> OneOrMany:
    return OneOrMany(fields.String(validate=check) if check else fields.String(), load_default=())


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class CalendarSchema(StrictSchema):
    timezone = fields.String(load_default="Africa/Bamako")
    working_hours = fields.Dict(keys=fields.String(validate=_one_of(WEEKDAYS, "jour inconnu")), values=HoursField(),
                                required=True)
    public_holidays = fields.String(load_default=None, allow_none=True)
    estimated_holidays = fields.String(load_default="keep", validate=_one_of(("keep", "drop"), "choix inconnu"))
    declared_holidays = fields.List(fields.Nested(lambda: DeclaredHolidaySchema()), load_default=list)

    @validates_schema
    def _zone_and_country(self, data, **kwargs):
        try:
            ZoneInfo(data.get("timezone", ""))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"fuseau horaire inconnu « {data.get('timezone')} »", "timezone") from None
        country = data.get("public_holidays")
        if country and country not in holidays.list_supported_countries():
            raise ValidationError(f"pays inconnu « {country} » pour les jours fériés", "public_holidays")


class DeclaredHolidaySchema(StrictSchema):
    date = DateField(required=True)
    name = fields.String(required=True)


class RiskLevelSchema(StrictSchema):
    label = fields.String(required=True)
    description = fields.String(load_default="")
    clock = fields.String(required=True, validate=_one_of(CLOCKS, "horloge inconnue"),
                          error_messages={"required": "horloge manquante (24/7 ou working_hours)"})
    acknowledge_within = DurationField(
        required=True, error_messages={"required": "délai d'accusé de réception manquant pour ce niveau"})
    decide_within = DurationField(
        required=True, error_messages={"required": "délai de décision manquant pour ce niveau"})


class ConditionsSchema(StrictSchema):
    age_under = fields.Integer(load_default=None, validate=validate.Range(0, 25))
    age_from = fields.Integer(load_default=None, validate=validate.Range(0, 25))
    sex = _text_list(_one_of(SEXES, "sexe inconnu"))
    unaccompanied = YesNo(load_default=None)
    separated = YesNo(load_default=None)
    status = _text_list(_one_of(STATUSES, "statut inconnu"))
    nationality = _text_list()
    trafficking_suspected = YesNo(load_default=None)
    risk = _text_list()
    commune = _text_list(_check_commune)
    quartier = _text_list(_check_quartier)
    needs_any = _text_list(check_service_type)
    language = _text_list(_one_of(LANGUAGES, "langue inconnue"))


class ActionsSchema(StrictSchema):
    request = _text_list(check_service_type)
    notify = _text_list(check_service_type)
    providers_per_need = fields.Dict(keys=fields.String(validate=check_service_type),
                                     values=fields.Integer(validate=validate.Range(1, 10)), load_default=dict)
    prefer = fields.Dict(keys=fields.String(validate=check_service_type), values=_text_list(),
                         load_default=dict)
    minimum_risk = fields.String(load_default=None)


class RuleSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+$", error=(
        "identifiant en minuscules, chiffres et _ (ex. enfant_non_accompagne)")))
    title = fields.String(required=True)
    when = fields.Nested(ConditionsSchema, load_default=lambda: ConditionsSchema().load({}))
    then = fields.Nested(ActionsSchema, required=True)
    stop = YesNo(load_default=False)
    note = fields.String(load_default="")


class StepSchema(StrictSchema):
    wait = DurationField(required=True)
    action = fields.String(required=True, validate=_one_of(ESCALATION_ACTIONS, "action d'escalade inconnue"))
    note = fields.String(load_default="")


class ReplySchema(StrictSchema):
    label = fields.String(required=True)
    fr = _text_list()
    bm = _text_list()
    en = _text_list()


class DeclineReasonSchema(StrictSchema):
    code = fields.String(required=True, validate=_one_of(DECLINE_REASON_CODES, "motif de refus inconnu"))
    number = fields.Integer(required=True, validate=validate.Range(1, 99))
    fr = fields.String(required=True)
    en = fields.String(load_default="")


class DefaultsSchema(StrictSchema):
    providers_per_need = fields.Integer(load_default=1, validate=validate.Range(1, 10))


class PosSchema(StrictSchema):
    version = fields.String(required=True)
    title = fields.String(load_default="")
    retention_days = fields.Integer(required=True, validate=validate.Range(1, 36500))
    calendar = fields.Nested(CalendarSchema, required=True)
    risk_levels = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z_]+$", error=(
        "code en minuscules sans accent (ex. eleve)"))), values=fields.Nested(RiskLevelSchema), required=True)
    defaults = fields.Nested(DefaultsSchema, load_default=lambda: {"providers_per_need": 1})
    rules = fields.List(fields.Nested(RuleSchema), required=True)
    escalation = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(StepSchema)), required=True)
    replies = fields.Dict(keys=fields.String(), values=fields.Nested(ReplySchema), required=True)
    decline_reasons = fields.List(fields.Nested(DeclineReasonSchema), required=True)


def _flatten_errors(messages, path: tuple = ()) -> list[tuple[tuple, str]]:
    """marshmallow's nested error dict -> [(path, message)]; Dict fields nest under 'key' / 'value'."""
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            if key in ("key", "value") and path:
                found.extend(_flatten_errors(value, path))
            elif key == "_schema":
                found.extend(_flatten_errors(value, path))
            else:
                found.extend(_flatten_errors(value, path + (key,)))
        return found
    if isinstance(messages, list):
        found = []
        for item in messages:
            found.extend(_flatten_errors(item, path) if isinstance(item, dict | list) else [(path, str(item))])
        return found
    return [(path, str(messages))]


# --- Checks: the meaning of the file ------------------------------------------------------------------

class _Checker:
    def __init__(self, lines: dict[tuple, int]):
        self.lines = lines
        self.issues: list[PosIssue] = []

    def error(self, path: tuple, message: str) -> None:
        self.issues.append(PosIssue(_format_path(path), _line_for(self.lines, path), message))

    def warn(self, path: tuple, message: str) -> None:
        self.issues.append(PosIssue(_format_path(path), _line_for(self.lines, path), message, "warning"))


def _check_meaning(data: dict, check: _Checker) -> None:
    levels = list(data["risk_levels"])
    if not levels:
        check.error(("risk_levels",), "aucun niveau de risque défini")
    uses_working_clock = any(level["clock"] == CLOCK_WORKING for level in data["risk_levels"].values())
    if uses_working_clock and not any(data["calendar"]["working_hours"].values()):
        check.error(("calendar", "working_hours"), "aucune heure ouvrée, mais un niveau compte en heures ouvrées")

    for level in levels:
        if level not in data["escalation"]:
            check.error(("escalation",), f"pas d'échelle d'escalade pour le niveau « {level} »")
    for level, steps in data["escalation"].items():
        if level not in levels:
            check.error(("escalation", level), f"niveau de risque inconnu « {level} »{_suggest(level, levels)}")
        if not steps:
            check.error(("escalation", level), "échelle d'escalade vide : personne ne serait relancé")
        elif not any(step["action"] == "coordinator" for step in steps):
            check.error(("escalation", level), "l'échelle n'atteint jamais le coordinateur (action coordinator)")

    seen_ids: dict[str, int] = {}
    for index, rule in enumerate(data["rules"]):
        path = ("rules", index)
        if rule["id"] in seen_ids:
            check.error(path + ("id",), f"identifiant « {rule['id']} » déjà utilisé par la règle n°{seen_ids[rule['id']] + 1}")
        seen_ids.setdefault(rule["id"], index)
        for risk in rule["when"]["risk"]:
            if risk not in levels:
                check.error(path + ("when", "risk"), f"niveau de risque inconnu « {risk} »{_suggest(risk, levels)}")
        minimum = rule["then"]["minimum_risk"]
        if minimum is not None and minimum not in levels:
            check.error(path + ("then", "minimum_risk"),
                        f"niveau de risque inconnu « {minimum} »{_suggest(minimum, levels)}")
        when = rule["when"]
        if when["age_under"] is not None and when["age_from"] is not None and when["age_from"] >= when["age_under"]:
            check.error(path + ("when",), "age_from doit être inférieur à age_under : aucun enfant ne correspond")
        then = rule["then"]
        if not any((then["request"], then["notify"], then["providers_per_need"], then["prefer"],
                    then["minimum_risk"])) and not rule["stop"]:
            check.warn(path + ("then",), "règle sans effet : aucune action")

    # Unreachable: everything after a catch-all rule that stops. Shadowed (a warning, since conditions
    # are compared by shape, not by meaning): an earlier stopping rule whose conditions are wider.
    catch_all_at: int | None = None
    rules = [(rule, _conditions(rule["when"])) for rule in data["rules"]]
    for index, (rule, conditions) in enumerate(rules):
        if conditions.is_catch_all and rule["stop"] and catch_all_at is None:
            catch_all_at = index
        for earlier_index, (earlier, earlier_conditions) in enumerate(rules[:index]):
            if earlier["stop"] and not earlier_conditions.is_catch_all and conditions.implies(earlier_conditions):
                check.warn(("rules", index), f"règle masquée : tout enfant concerné est déjà pris par la règle "
                                             f"« {earlier['id']} » (n°{earlier_index + 1}), qui arrête la lecture")
                break
    if catch_all_at is not None:
        for index in range(catch_all_at + 1, len(data["rules"])):
            check.error(("rules", index), f"règle inaccessible : la règle « {data['rules'][catch_all_at]['id']} » "
                                          "s'applique à tous et arrête la lecture (stop: true)")

    owners: dict[str, str] = {}
    for intent, reply in data["replies"].items():
        for language in ("fr", "bm", "en"):
            for position, word in enumerate(reply[language]):
                key = fold(word)
                if key in owners and owners[key] != intent:
                    check.error(("replies", intent, language, position),
                                f"le mot « {word} » est déjà une réponse « {owners[key]} » : réponse ambiguë")
                owners.setdefault(key, intent)
    for intent in REQUIRED_INTENTS:
        if intent not in data["replies"]:
            check.error(("replies",), f"la réponse « {intent} » est obligatoire")

    numbers: dict[int, str] = {}
    codes: set[str] = set()
    for index, reason in enumerate(data["decline_reasons"]):
        if reason["number"] in numbers:
            check.error(("decline_reasons", index, "number"),
                        f"numéro {reason['number']} déjà pris par le motif « {numbers[reason['number']]} »")
        numbers.setdefault(reason["number"], reason["code"])
        if reason["code"] in codes:
            check.error(("decline_reasons", index, "code"), f"motif « {reason['code']} » en double")
        codes.add(reason["code"])


def _conditions(when: dict) -> Conditions:
    return Conditions(**{name: (tuple(value) if isinstance(value, list | tuple) else value)
                         for name, value in when.items()})


def _build(data: dict, content_hash: str, lines: dict[tuple, int], warnings: list[PosIssue],
           source: str | None) -> Pos:
    calendar_data = data["calendar"]
    hours = tuple(calendar_data["working_hours"].get(day, ()) for day in WEEKDAYS)
    calendar = WorkingCalendar(
        timezone=calendar_data["timezone"],
        hours=hours,
        country=calendar_data["public_holidays"],
        declared_holidays=tuple((d["date"], d["name"]) for d in calendar_data["declared_holidays"]),
        estimated_holidays=calendar_data["estimated_holidays"],
    )
    risk_levels = {
        code: RiskLevel(code, level["label"], level["clock"], level["acknowledge_within"],
                        level["decide_within"], level["description"])
        for code, level in data["risk_levels"].items()
    }
    rules = tuple(
        Rule(
            id=rule["id"], title=rule["title"], when=_conditions(rule["when"]),
            then=Actions(
                request=tuple(rule["then"]["request"]), notify=tuple(rule["then"]["notify"]),
                providers_per_need=tuple(rule["then"]["providers_per_need"].items()),
                prefer=tuple((need, tuple(names)) for need, names in rule["then"]["prefer"].items()),
                minimum_risk=rule["then"]["minimum_risk"],
            ),
            stop=rule["stop"], note=rule["note"], line=lines.get(("rules", index)),
        )
        for index, rule in enumerate(data["rules"])
    )
    ladders = {
        level: EscalationLadder(level, risk_levels[level].clock,
                                tuple(EscalationStep(s["wait"], s["action"], s["note"]) for s in steps))
        for level, steps in data["escalation"].items()
    }
    replies = tuple(
        ReplyIntent(code, reply["label"], tuple((lang, word) for lang in ("fr", "bm", "en") for word in reply[lang]))
        for code, reply in data["replies"].items()
    )
    reasons = tuple(DeclineReason(r["code"], r["number"], r["fr"], r["en"]) for r in data["decline_reasons"])
    return Pos(
        version=data["version"], title=data["title"], content_hash=content_hash, calendar=calendar,
        risk_levels=risk_levels, rules=rules, ladders=ladders, replies=replies, decline_reasons=reasons,
        retention_days=data["retention_days"], default_providers_per_need=data["defaults"]["providers_per_need"],
        warnings=tuple(warnings), source=source,
    )


def _read(source: str | bytes | os.PathLike) -> tuple[bytes, str | None]:
    if isinstance(source, bytes):
        return source, None
    if isinstance(source, os.PathLike) or ("\n" not in source and os.path.isfile(source)):
        path = Path(source)
        return path.read_bytes(), str(path)
    return source.encode("utf-8"), None


def check_pos(source: str | bytes | os.PathLike) -> tuple[Pos | None, list[PosIssue]]:
    """Every error and warning of a POS; the `Pos` when there is no error. Never raises PosError."""
    raw, origin = _read(source)
    content_hash = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [PosIssue("", None, f"le fichier n'est pas en UTF-8 ({error})")]
    try:
        loader = _PosYamlLoader(text)
        try:
            node = loader.get_single_node()
            document = loader.construct_document(node) if node is not None else None
        except RecursionError:  # thousands of nested [ or {: PyYAML's composer recurses once per level
            return None, [PosIssue("", loader.get_mark().line + 1, f"YAML illisible : {TOO_DEEP}")]
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:
        # A control character pasted into the file (NUL, ESC...): PyYAML gives only its offset, no line.
        character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
        return None, [PosIssue("", text.count("\n", 0, error.position) + 1,
                               f"YAML illisible : caractère spécial interdit (U+{character:04X}), à supprimer")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        message = f"YAML illisible : {getattr(error, 'problem', None) or error}"
        context_mark = getattr(error, "context_mark", None)
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            # The cause is often earlier (an unclosed quote): name where the broken part began.
            message += f" (partie commencée ligne {context_mark.line + 1} : {error.context})"
        return None, [PosIssue("", mark.line + 1 if mark else None, message)]
    if not isinstance(document, dict):
        return None, [PosIssue("", 1, "le fichier doit être une suite de rubriques (version:, rules: ...)")]

    lines, issues = _line_map(node)
    if any(issue.message in (CIRCULAR_ALIAS, TOO_DEEP) for issue in issues):
        return None, issues
    try:
        data = PosSchema().load(document)
    except ValidationError as error:
        for path, message in _flatten_errors(error.messages):
            issues.append(PosIssue(_format_path(path), _line_for(lines, path), _FRENCH_MESSAGES.get(message, message)))
        issues.sort(key=lambda i: (i.line or 0, i.path))
        return None, issues

    checker = _Checker(lines)
    _check_meaning(data, checker)
    issues.extend(checker.issues)
    issues.sort(key=lambda i: (i.line or 0, i.severity, i.path))
    if any(i.severity == "error" for i in issues):
        return None, issues
    return _build(data, content_hash, lines, issues, origin), issues


def load_pos(source: str | bytes | os.PathLike = DEFAULT_POS_PATH) -> Pos:
    """A POS from a path or its text; raises `PosError` listing every error. Warnings stay on `pos.warnings`."""
    pos, issues = check_pos(source)
    if pos is None:
        raise PosError(issues)
    return pos

