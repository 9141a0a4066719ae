"""The shipped scenarios' names and descriptions in Dutch and English, for the picker.

Scenario files carry one ``description`` (English for the model scenarios, Dutch for the
classroom presets); the page shows every scenario in the page's language from here. A file
that is not listed (a user's own scenario) shows its file name and its own description.
"""

from __future__ import annotations

from sim.app.messages import FACTORS, check_language, factor_label, t

# key below scenarios/ → language → (name in the picker, description under it)
SCENARIO_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "baseline": {
        "nl": (
            "Uitgangssituatie",
            "Een buurt zoals in Rotterdam, gewone appgroepen, een enquête aan het eind van elk "
            "jaar.",
        ),
        "en": (
            "Baseline",
            "A Rotterdam-like neighbourhood, ordinary app groups, a survey at the end of each "
            "year.",
        ),
    },
    "calibrated": {
        "nl": (
            "Gekalibreerd op Rotterdam",
            "Eén punt van de kalibratie op het Rotterdamse veldonderzoek: de instellingen die "
            "de vaste cijfers het vaakst halen; vergelijken loot per herhaling instellingen "
            "uit de steekproef.",
        ),
        "en": (
            "Calibrated to Rotterdam",
            "One point of the calibration against the Rotterdam field research: the settings "
            "that reproduce the solid figures most often; compare draws settings from the "
            "sample for each replication.",
        ),
    },
    "no_groups": {
        "nl": ("Geen appgroepen", "De uitgangsbuurt zonder appgroepen."),
        "en": ("No app groups", "The baseline neighbourhood without app groups."),
    },
    "rotterdam_experiment": {
        "nl": (
            "Rotterdams experiment",
            "Een aanloopjaar, voormeting, een jaar met versterkte succesfactoren in 4 groepen, "
            "nameting.",
        ),
        "en": (
            "Rotterdam experiment",
            "A burn-in year, pre survey, one year of strengthened success factors in 4 groups, "
            "post survey.",
        ),
    },
    "tilburg_style": {
        "nl": (
            "Zoals in Tilburg",
            "Sterke regie, strikte regels, snelle terugkoppeling door de politie, alle straten "
            "gedekt.",
        ),
        "en": (
            "Tilburg style",
            "Strong coordination, strict rules, fast police feedback, full coverage.",
        ),
    },
    "city/rotterdam": {
        "nl": (
            "Stad zo groot als Rotterdam",
            "Ongeveer 650.000 bewoners in 70 wijken met verschillende zorgen en groepen.",
        ),
        "en": (
            "A city the size of Rotterdam",
            "About 650,000 residents in 70 districts, varied worry and groups.",
        ),
    },
    "factors/all_off": {
        "nl": ("Alle succesfactoren uit", "De uitgangssituatie met elke succesfactor uit."),
        "en": ("All success factors off", "The baseline with every success factor off."),
    },
    "factors/keep_alive": {
        "nl": (
            "succesfactor: testbericht",
            "De uitgangssituatie met elke twee weken een testbericht dat de groep levend houdt.",
        ),
        "en": (
            "success factor: keep-alive message",
            "The baseline with a keep-alive test message every two weeks.",
        ),
    },
    "teaching/oefening1_buurt": {
        "nl": ("Oefening 1: de buurt", ""),
        "en": (
            "Exercise 1: the neighbourhood",
            "An ordinary neighbourhood of 16 streets with one WhatsApp neighbourhood-watch "
            "group covering 10 streets. A moderately active administrator, few rules, rare "
            "police feedback.",
        ),
    },
    "teaching/oefening2_wijkagent": {
        "nl": ("Oefening 2: de wijkagent", ""),
        "en": (
            "Exercise 2: the community officer",
            "The neighbourhood of exercise 1, now with the community police officer in the "
            "group and fast police feedback after almost every report.",
        ),
    },
    "teaching/oefening3_blootstelling": {
        "nl": ("Oefening 3: blootstelling", ""),
        "en": (
            "Exercise 3: exposure",
            "Slightly less worried residents join, and what members read in the group "
            "changes their feeling of unsafety.",
        ),
    },
    "teaching/oefening3_geen": {
        "nl": ("Oefening 3: geen van beide", ""),
        "en": (
            "Exercise 3: neither",
            "Worry plays no part in who joins and reading messages changes nothing: the "
            "control condition of exercise 3.",
        ),
    },
    "teaching/oefening3_selectie": {
        "nl": ("Oefening 3: selectie", ""),
        "en": (
            "Exercise 3: selection",
            "Worried residents join more often (and are members on day 0), while reading "
            "messages changes nothing about the feeling of unsafety.",
        ),
    },
    "teaching/oefening4_inbraakgolf": {
        "nl": ("Oefening 4: inbraakgolf", ""),
        "en": (
            "Exercise 4: burglary wave",
            "A district of 20 streets with three times the usual burglaries and worried "
            "residents; one new group started after the wave, no rules, a busy "
            "administrator, rare feedback.",
        ),
    },
    "teaching/oefening4_voorbeeldontwerp": {
        "nl": ("Oefening 4: voorbeeldontwerp", ""),
        "en": (
            "Exercise 4: example design",
            "Almost every success factor in place: municipal coordination, groups in every "
            "street, strict rules with a separate social group, fast feedback, signs and "
            "training (the example answer).",
        ),
    },
    "teaching/oefening5_groter_onderzoek": {
        "nl": ("Oefening 5: groter onderzoek", ""),
        "en": (
            "Exercise 5: a larger study",
            "The experiment with weak implementation in four times as many streets, 16 "
            "groups and 600 participants and 600 non-participants per survey.",
        ),
    },
    "teaching/oefening5_zonder_interventies": {
        "nl": ("Oefening 5: zonder interventies", ""),
        "en": (
            "Exercise 5: no interventions",
            "Lombardijen and Essenburgbuurt with pre and post survey, without strengthening "
            "the success factors: the control condition.",
        ),
    },
    "teaching/oefening5_zwakke_uitvoering": {
        "nl": ("Oefening 5: zwakke uitvoering", ""),
        "en": (
            "Exercise 5: weak implementation",
            "Lombardijen and Essenburgbuurt with pre and post survey; on day 365 the success "
            "factors are strengthened only slightly.",
        ),
    },
    "teaching/oefening6_sweep": {
        "nl": ("Oefening 6: sweep", ""),
        "en": (
            "Exercise 6: sweep",
            "The neighbourhood run for a year and a half, half a year of burn-in; police "
            "feedback is off and is varied in the sweep.",
        ),
    },
    "teaching/workshop_a_zonder_afspraken": {
        "nl": ("Workshop 1: zonder afspraken", ""),
        "en": (
            "Workshop 1: no agreements",
            "A group with nothing agreed: no rules, an administrator who does little, almost "
            "never feedback.",
        ),
    },
    "teaching/workshop_b_regels": {
        "nl": ("Workshop 2: regels", ""),
        "en": (
            "Workshop 2: rules",
            "As round 1, with clear rules: only safety messages, call first then post, and a "
            "separate group for socialising.",
        ),
    },
    "teaching/workshop_c_moderatie": {
        "nl": ("Workshop 3: moderatie", ""),
        "en": (
            "Workshop 3: moderation",
            "As round 2, plus an administrator who moderates: removes stigmatising posts, "
            "speaks to members, warns against vigilantism.",
        ),
    },
    "teaching/workshop_d_terugkoppeling": {
        "nl": ("Workshop 4: terugkoppeling", ""),
        "en": (
            "Workshop 4: feedback",
            "As round 3, plus agreements with the police on feedback: usually within a day "
            "word on how a report ended.",
        ),
    },
}


def scenario_name(key: str, lang: str) -> str:
    """The picker's name of scenario ``key``: the catalogue's, else the file name.

    >>> scenario_name("baseline", "nl"), scenario_name("factors/signs", "en")
    ('Uitgangssituatie', 'success factor: Street signs')
    """
    texts = SCENARIO_TEXTS.get(key, {})
    lang = check_language(lang)
    factor = _factor_of(key)
    if lang in texts:
        name = texts[lang][0]
    elif factor:
        name = f"{t('factor_folder', lang)}: {factor_label(factor, lang)}"
    else:
        parts = key.split("/")
        folder = {"factors": t("factor_folder", lang), "teaching": t("teaching", lang)}
        name = parts[-1] + (f" ({folder.get(parts[0], parts[0])})" if len(parts) > 1 else "")
    return name


def scenario_description(key: str | None, file_description: str, lang: str) -> str:
    """The description shown under the picker: the catalogue's in ``lang``, else the file's."""
    text = SCENARIO_TEXTS.get(key or "", {}).get(check_language(lang), ("", ""))[1]
    factor = _factor_of(key or "")
    if not text and factor:
        text = t("factor_scenario", lang, factor=factor_label(factor, lang).lower())
    return text or " ".join(file_description.split())


def _factor_of(key: str) -> str | None:
    """The success factor a ``factors/<name>`` scenario strengthens (None otherwise)."""
    parts = key.split("/")
    if len(parts) == 2 and parts[0] == "factors" and parts[1] in FACTORS:
        return parts[1]
    return None


#: the shipped scenarios the lesson module uses besides the presets in scenarios/teaching/
TEACHING_MODEL_SCENARIOS = ("rotterdam_experiment", "calibrated")


def teaching_presets_markdown() -> str:
    """The page docs/teaching/lespresets.md: every classroom preset with its Dutch and English
    name and description, as the web page's picker shows them.

    Regenerate with ``uv run python -m sim.app.scenario_texts > docs/teaching/lespresets.md``;
    ``tests/docs/test_teaching_module.py`` checks the page is up to date.
    """
    from sim.scenario import load_scenario
    from sim.shipped import SCENARIO_DIR

    keys = sorted(
        p.relative_to(SCENARIO_DIR).with_suffix("").as_posix()
        for p in (SCENARIO_DIR / "teaching").glob("*.toml")
    )
    lines = [
        "# De lespresets",
        "",
        "<!-- Generated by `uv run python -m sim.app.scenario_texts > "
        "docs/teaching/lespresets.md`; do not edit. -->",
        "",
        "De kant-en-klare scenario's van de oefeningen en de workshop, met de naam en de",
        "beschrijving die de webpagina in het Nederlands en in het Engels toont. In het",
        "tabblad **Vergelijken** heten ze naar hun bestand (`teaching/…`).",
        "",
    ]
    for key in [*keys, *TEACHING_MODEL_SCENARIOS]:
        description = load_scenario(SCENARIO_DIR / f"{key}.toml").description
        lines += [
            f"## {scenario_name(key, 'nl')}",
            "",
            f"`{key}`",
            "",
            f"{scenario_description(key, description, 'nl')}",
            "",
            f"*English:* **{scenario_name(key, 'en')}** — "
            f"{scenario_description(key, description, 'en')}",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(teaching_presets_markdown(), end="")
