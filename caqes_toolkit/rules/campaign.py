"""Campaign files (``params/*.yml``): the whole rule set of one CAQES campaign as typed objects,
read by :func:`load_campaign`, and the campaign that evaluates a year (:func:`campaign_for_year`).

The YAML keys are French (the method's vocabulary); the Python attributes are English. The parts
of a campaign are in :mod:`~caqes_toolkit.rules.objectives`, the reading of its YAML in
:mod:`~caqes_toolkit.rules.campaign_yaml`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..errors import CampaignError, CaqesError, os_reason
from ..formats import agree
from .campaign_yaml import messages, read_yaml
from .objectives import Frozen, Indicator, SanctionRule, Volet, VoletIndicator, Weights

__all__ = ["Campaign", "campaign_for_year", "load_campaign", "missing_parameter"]


#: Keys a first-generation campaign must give; a second-generation one must not give them.
FIRST_GENERATION_KEYS = ("annee_t0", "seuil_sanction", "classes", "ponderations", "chapitres", "indicateurs")
#: Keys of the socle's sanction and chapters, refused in a second-generation campaign (incentive only).
_REFUSED_KEYS = ("sanction", "chapitres_courts")
_VOLET_SANCTION_KEYS = ("part_reversement", "seuil_atteinte", "plafond")


def _second_generation_faults(raw: dict) -> list[str]:
    """Keys of a second-generation campaign that ask for a socle, a sanction or a reversement."""
    why = ("une campagne de deuxième génération (generation: 2) est évaluée par ses seuls volets "
           "incitatifs : ni socle, ni classe, ni sanction, ni reversement ; retirez cette clé")
    faults = [f"{key} : {why}" for key in (*FIRST_GENERATION_KEYS, *_REFUSED_KEYS) if key in raw]
    if raw.get("sans_sanction") is False:
        faults.append(f"sans_sanction : false refusé ; {why}")
    volets = raw.get("volets")
    for k, volet in enumerate(volets if isinstance(volets, list) else []):
        if not isinstance(volet, dict):
            continue
        where = f"volets[{k}] (code {volet.get('code', '?')})"
        faults += [f"{where}.{key} : {why}" for key in _VOLET_SANCTION_KEYS if key in volet]
        indicators = volet.get("indicateurs")
        for j, ind in enumerate(indicators if isinstance(indicators, list) else []):
            if isinstance(ind, dict) and ind.get("reference", "annee_precedente") != "annee_precedente":
                faults.append(f"{where}.indicateurs[{j}] (code {ind.get('code', '?')}).reference : "
                              f"{ind['reference']!r} refusé ; une campagne de deuxième génération mesure les "
                              "économies sur l'année précédente (reference: annee_precedente)")
    return faults


def _listed(chapters: set[int]) -> str:
    return ", ".join(map(str, sorted(chapters)))


class Campaign(Frozen):
    """The rule set of one campaign, as read from its YAML file.

    ``generation`` 1 (2018–2021): the socle (chapters, weights, classes, sanction) and optional
    volets. ``generation`` 2 (contracts from 1 July 2022): volets incitatifs only, savings against
    the previous year, an intéressement and never a sanction nor a reversement.
    """

    name: str = Field(alias="campagne", min_length=1)
    generation: Literal[1, 2] = 1
    year: int | None = Field(default=None, alias="annee")
    t0_year: int | None = Field(default=None, alias="annee_t0")
    without_sanction: bool = Field(default=False, alias="sans_sanction")
    sanction_threshold: float | None = Field(default=None, alias="seuil_sanction", ge=0, le=100)
    classes: dict[str, float] = Field(default_factory=dict)
    weights: Weights | None = Field(default=None, alias="ponderations")
    chapters: dict[int, str] = Field(default_factory=dict, alias="chapitres")
    short_chapters: dict[int, str] = Field(default_factory=dict, alias="chapitres_courts")
    indicators: tuple[Indicator, ...] = Field(default=(), alias="indicateurs")
    sanction: SanctionRule | None = None
    volets: tuple[Volet, ...] = ()
    grid_deadline: dt.date | str | None = Field(default=None, alias="date_limite_grille")
    ars_contact: str | None = Field(default=None, alias="contact_ars")
    phase_2_date: dt.date | str | None = Field(default=None, alias="date_phase_2")
    path: str | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _generation_keys(cls, raw: object) -> object:
        """A first-generation campaign gives its socle; a second-generation one gives none, and
        no sanction nor reversement (each offending key named)."""
        if not isinstance(raw, dict):
            return raw
        names = {f.alias: name for name, f in cls.model_fields.items() if f.alias}
        raw_keys = {names.get(k, k) for k in raw}  # given by YAML alias or by Python name
        if raw.get("generation") == 2:
            faults = _second_generation_faults(raw)
            if faults:
                raise ValueError("\n  ".join(faults))
            return {**{k: v for k, v in raw.items() if k != "without_sanction"}, "sans_sanction": True}
        missing = [key for key in FIRST_GENERATION_KEYS if names.get(key, key) not in raw_keys]
        if missing and raw.get("generation", 1) == 1:
            raise ValueError(f"{agree(len(missing), 'clé obligatoire absente', 'clés obligatoires absentes')} : "
                             f"{', '.join(missing)} (campagne de première "
                             "génération ; « generation: 2 » pour une campagne de deuxième génération, "
                             "évaluée par ses seuls volets)")
        return raw

    @field_validator("t0_year")
    @classmethod
    def _t0_before_year(cls, value: int | None, info: ValidationInfo) -> int | None:
        year = info.data.get("year")
        if year is not None and value is not None and value >= year:
            raise ValueError(f"le T0 doit précéder l'année évaluée (annee: {year}) : le T0 est le point "
                             "de départ, avant la première année évaluée")
        return value

    @field_validator("classes")
    @classmethod
    def _classes_sorted(cls, value: dict[str, float]) -> dict[str, float]:
        bounds = list(value.values())
        if not value or bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError("bornes de classes attendues strictement décroissantes (A: 80, B: 70, …)")
        if max(bounds) > 100 or min(bounds) < 0:
            raise ValueError("bornes de classes attendues entre 0 et 100 (score global en %)")
        if min(bounds) != 0:
            raise ValueError("la dernière classe doit avoir la borne 0")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.generation == 2:
            if not self.volets:
                raise ValueError("volets : au moins un volet est attendu (campagne de deuxième génération)")
            return self
        if not self.indicators:
            raise ValueError("indicateurs : au moins un indicateur du socle est attendu")
        codes = [i.code for i in self.indicators]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"codes d'indicateurs en double : {', '.join(duplicates)}")
        for ind in self.indicators:
            if ind.chapter not in self.chapters:
                raise ValueError(f"{self._key(None, ind)}.chapitre : chapitre {ind.chapter} absent de « chapitres »")
        unknown = set(self.short_chapters) - set(self.chapters)
        if unknown:
            raise ValueError(f"chapitres_courts : chapitres absents de « chapitres » : {_listed(unknown)}")
        for profile, table in self.weight_tables():
            unknown = set(table) - set(self.chapters)
            if unknown:
                raise ValueError(f"ponderations.{profile} : chapitres absents de « chapitres » : {_listed(unknown)}")
        return self

    @model_validator(mode="after")
    def _volet_codes(self) -> Campaign:
        volets = [v.code for v in self.volets]
        twice = sorted({c for c in volets if volets.count(c) > 1})
        if twice:
            raise ValueError(f"codes de volets en double : {', '.join(twice)}")
        codes = [i.code for i in self.indicators] + [i.code for v in self.volets for i in v.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"codes d'indicateurs en double (socle et volets) : {', '.join(twice)}")
        for volet, ind in self.with_referentiel:
            unknown = [c.indicator for c in ind.referentiel or () if c.indicator and c.indicator not in codes]
            if unknown:
                raise ValueError(f"{self._key(volet, ind)}.referentiel : l'indicateur {unknown[0]} cité est "
                                 "absent de la campagne")
        faults = [*self._shared_expense_lines(), *self._referentiel_faults()]
        if faults:
            raise ValueError("\n  ".join(faults))
        return self

    def _key(self, volet: Volet | None, ind: Indicator | VoletIndicator) -> str:
        """An indicator's key path as the campaign file writes it: ``volets[0] (code X).indicateurs[2] (code Y)``."""
        if volet is None:
            return f"indicateurs[{self.indicators.index(ind)}] (code {ind.code})"
        return (f"volets[{self.volets.index(volet)}] (code {volet.code}).indicateurs[{volet.indicators.index(ind)}] "
                f"(code {ind.code})")

    def _shared_expense_lines(self) -> list[str]:
        """An expense line (``poste``) measured by two ``depense`` objectives would pay the same savings
        twice (or claw back the same overrun twice): refused, naming both keys."""
        first: dict[str, str] = {}
        faults = []
        for volet in self.volets:
            for line in volet.expenses:
                key = f"{self._key(volet, line)}.poste"
                if line.expense in first:
                    faults.append(f"{key} : le poste « {line.expense} » est déjà celui de {first[line.expense]} ; un "
                                  "poste ne peut être l'objectif de dépenses que d'un seul indicateur (les mêmes "
                                  "économies compteraient deux fois dans l'intéressement)")
                first.setdefault(str(line.expense), key)
        return faults

    def _referentiel_faults(self) -> list[str]:
        """Référentiel conditions that could never be evaluated: on a ``poste`` that no ``depense``
        objective measures, or on a ``depense`` objective (its value lives in depenses, never in
        resultats: the condition would always read « donnée manquante »)."""
        lines = {i.expense for v in self.volets for i in v.expenses}
        expense_of = {i.code: i.expense for v in self.volets for i in v.expenses}
        faults = []
        for volet, ind in self.with_referentiel:
            for k, condition in enumerate(ind.referentiel or ()):
                key = f"{self._key(volet, ind)}.referentiel[{k}]"
                if condition.expense is not None and condition.expense not in lines:
                    known = ", ".join(sorted(str(x) for x in lines)) or "aucun"
                    faults.append(f"{key}.poste : poste « {condition.expense} » inconnu : aucun objectif « regle: "
                                  f"depense » ne le mesure (postes de la campagne : {known})")
                if condition.indicator in expense_of:
                    faults.append(f"{key}.indicateur : {condition.indicator} est un objectif de dépenses, dont la "
                                  "valeur n'est jamais dans resultats (la condition lirait toujours « donnée "
                                  f"manquante ») ; écrire « poste: {expense_of[condition.indicator]} »")
        return faults

    def weight_tables(self) -> tuple[tuple[str, dict[int, float]], ...]:
        if self.weights is None:
            return ()
        return (("avec_liste_en_sus", self.weights.with_list), ("sans_liste_en_sus", self.weights.without_list))

    @property
    def file_name(self) -> str:
        """How messages name the campaign: its file's name, or its name when it was not read from a file."""
        return Path(self.path).name if self.path else self.name

    @property
    def second_generation(self) -> bool:
        return self.generation == 2

    @cached_property
    def volet_by_code(self) -> dict[str, Volet]:
        return {v.code: v for v in self.volets}

    @cached_property
    def volet_indicators(self) -> dict[str, tuple[Volet, VoletIndicator]]:
        """Every volet objective by code, with its volet."""
        return {i.code: (v, i) for v in self.volets for i in v.indicators}

    @cached_property
    def expense_lines(self) -> tuple[str, ...]:
        """Expense lines (``poste``) of the volets' ``depense`` objectives, sorted."""
        lines = {i.expense for v in self.volets for i in v.expenses if i.expense}
        conditions = [c for _, i in self.with_referentiel for c in i.referentiel or ()]
        return tuple(sorted(lines | {c.expense for c in conditions if c.expense}))

    @cached_property
    def with_referentiel(self) -> tuple[tuple[Volet | None, Indicator | VoletIndicator], ...]:
        """Every indicator carrying a targeting ``referentiel`` (socle first, volet None), in file order."""
        socle = [(None, i) for i in self.indicators if i.referentiel]
        return (*socle, *((v, i) for v in self.volets for i in v.indicators if i.referentiel))

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        """Doubtful but usable rules (French sentences): weights of a profile that do not sum to 100."""
        out = []
        for profile, table in self.weight_tables():
            total = sum(table.values())
            if abs(total - 100) > 1e-9:
                out.append(f"campagne {self.name} : les poids de ponderations.{profile} totalisent {total:g} "
                           "et non 100 ; le score global reste la moyenne pondérée des chapitres (seules les "
                           "proportions comptent), mais vérifiez qu'aucun chapitre ne manque ou n'est mal pesé.")
        return tuple(out)

    def applies_to(self, year: int) -> bool:
        """Whether these are the rules of ``year`` (a campaign without ``annee`` fits any year)."""
        return self.year is None or self.year == year

    def label_for(self, year: int) -> str:
        """Campaign name as outputs show it for ``year``, saying when the rules are another year's."""
        return self.name if self.applies_to(year) else f"{self.name} (règles appliquées à {year})"

    def other_year_notice(self, year: int) -> str | None:
        """The notice shown when ``year`` is evaluated under another year's rules, else None."""
        if self.applies_to(year):
            return None
        return (f"Attention : l'année {year} est évaluée ici avec les règles de la campagne {self.name} "
                f"(année {self.year}), à la demande expresse de l'utilisateur (option --allow-other-year ou "
                f"paramètre autre_annee). "
                f"Ce ne sont pas les règles de la campagne {year} : ces résultats ne sont pas ceux de "
                f"l'évaluation {year}.")

    def short_label(self, chapter: int) -> str:
        """Short name of a chapter for charts and sentences (``chapitres_courts``, else the name)."""
        return self.short_chapters.get(chapter) or self.chapters[chapter]

    def chapter_weights(self, with_list: bool) -> dict[int, float]:
        """Weight table of a profile (establishment with or without liste en sus)."""
        if self.weights is None:  # a second-generation campaign has no socle
            return {}
        return dict(self.weights.with_list if with_list else self.weights.without_list)

    def grade(self, score: float) -> str:
        """Class of a global score (rounded to 6 decimals so float noise never moves a boundary)."""
        rounded = round(score, 6)
        for name, bound in self.classes.items():
            if rounded >= bound:
                return name
        return list(self.classes)[-1]


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign YAML file; raise :class:`CampaignError` naming the bad key."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CampaignError(f"{path} : fichier de campagne illisible ({os_reason(exc)})") from exc
    raw = read_yaml(path, data)
    if not isinstance(raw, dict):
        raise CampaignError(f"{path} : un dictionnaire YAML est attendu (campagne, annee_t0, …)")
    try:
        return Campaign.model_validate(
            {**raw, "path": str(path), "sha256": hashlib.sha256(data).hexdigest()}
        )
    except ValidationError as exc:
        raise CampaignError(f"{path} : campagne invalide :\n  " + "\n  ".join(messages(exc, raw))) from None


def missing_parameter(campaign: Campaign, code: str, key: str) -> CaqesError:
    """The refusal to use an empty parameter, naming the campaign file, the indicator and the key."""
    return CaqesError(f"{campaign.file_name} : l'indicateur {code} a un paramètre vide : « {key} ». Cette "
                      "valeur nationale n'a pas été retrouvée ; la région doit la renseigner dans sa copie du "
                      "fichier de campagne avant de cibler ou de calculer un intéressement sur cet "
                      "indicateur (voir params/README.md, « Deuxième génération »).")


def _suggested_file(campaigns: list[Campaign], year: int) -> str:
    """Where the campaign file of ``year`` would be: a given file's name with its year replaced."""
    for c in campaigns:
        if c.path and c.year is not None and str(c.year) in Path(c.path).name:
            given = Path(c.path)
            return str(given.with_name(given.name.replace(str(c.year), str(year))))
    return f"params/caqes-{year}.yml"


def campaign_for_year(campaigns: list[Campaign], year: int, allow_other_year: bool = False) -> Campaign:
    """The campaign that evaluates ``year``: the one whose ``annee`` is ``year``.

    A campaign without ``annee`` (a generic rule set) fits any year after its T0, when it is the
    only campaign given. With ``allow_other_year``, the only campaign given evaluates any year
    (outputs then say so: :meth:`Campaign.label_for`). Otherwise :class:`CampaignError` names the
    file to add.
    """
    matching = [c for c in campaigns if c.year == year]
    if len(matching) > 1:
        names = ", ".join(str(c.path or c.name) for c in matching)
        raise CampaignError(f"plusieurs campagnes pour {year} ({names}) : n'en passez qu'une par année")
    if matching:
        return matching[0]
    given = ", ".join(f"{c.name} ({'annee: ' + str(c.year) if c.year is not None else 'sans annee'})"
                      for c in campaigns)
    if len(campaigns) == 1 and (allow_other_year or (campaigns[0].year is None and year > (campaigns[0].t0_year or 0))):
        return campaigns[0]
    if len(campaigns) > 1 and allow_other_year:
        raise CampaignError(f"aucune campagne pour {year} parmi {given} : pour appliquer à {year} les règles "
                            "d'une autre année, ne passez que cette campagne")
    if len(campaigns) == 1 and campaigns[0].year is None:
        raise CampaignError(f"l'année {year} n'est pas postérieure au T0 ({campaigns[0].t0_year}) de la "
                            f"campagne {campaigns[0].name} : elle ne peut pas être évaluée avec ces règles")
    raise CampaignError(
        f"aucune campagne pour {year} : ajoutez --campaign {_suggested_file(campaigns, year)} (fichier dont "
        f"annee: {year}) ; {agree(len(campaigns), 'campagne reçue', 'campagnes reçues')} : {given}. Pour appliquer "
        f"malgré tout à {year} les règles "
        "d'une autre année : option --allow-other-year (paramètre autre_annee=True des notebooks) ; les "
        "sorties le signalent.")
