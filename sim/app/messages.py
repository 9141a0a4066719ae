"""The message catalogue of the web page: every visible text in Dutch (default) and English.

One catalogue, no strings scattered through the page: components ask :func:`t` for a key.
Success factors get a plain-language label and explanation here; the tooltip adds the
source named in the scenario schema (:class:`sim.scenario.SuccessFactors`), so sources live
in one place.

>>> t("play", "nl"), t("play", "en")
('Afspelen', 'Play')
>>> t("day", "en", day=12)
'Day 12'
>>> factor_label("police_feedback", "nl")
'Politie koppelt terug wat er met een melding gebeurde'
"""

from __future__ import annotations

from sim.saar import SAAR
from sim.scenario import SuccessFactors

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

MESSAGES: dict[str, dict[str, str]] = {
    # page frame
    "app_title": {
        "nl": "Digitale buurtpreventie – simulatie",
        "en": "Digital neighbourhood watch – simulation",
    },
    "language": {"nl": "Taal", "en": "Language"},
    "server_full": {
        "nl": "Vol: deze computer bedient al {limit} pagina's tegelijk, het maximum dat de "
        "docent instelde. Probeer het over een minuut opnieuw (herlaad de pagina), of vraag "
        "iemand een tabblad te sluiten.",
        "en": "Full: this computer already serves {limit} pages at once, the limit the teacher "
        "set. Try again in a minute (reload the page), or ask someone to close a tab.",
    },
    "tab_model": {"nl": "Model", "en": "Model"},
    "tab_compare": {"nl": "Vergelijken", "en": "Compare"},
    "tab_survey": {"nl": "Enquête", "en": "Survey"},
    "tab_about": {"nl": "Over dit model", "en": "About"},
    "about_title": {"nl": "Over dit model", "en": "About this model"},
    "about_what": {
        "nl": "buurtsim is een agent-gebaseerd model van digitale buurtpreventie: bewoners van "
        "een buurt worden wel of niet lid van een WhatsApp-buurtpreventiegroep, zien "
        "verdachte situaties en misdrijven, melden ze bij de politie (112 of 0900-8844), "
        "posten berichten in de groep en voelen zich daardoor veiliger of juist onveiliger. "
        "De succesfactoren (beheerder, regels, terugkoppeling door de politie, wijkagent, …) "
        "veranderen hoe groepen werken. De getallen komen uit openbare bronnen en het "
        "Rotterdamse veldonderzoek; bij elke succesfactor noemt de uitleg de bron.",
        "en": "buurtsim is an agent-based model of digital neighbourhood watch: residents of "
        "a neighbourhood join a WhatsApp neighbourhood-watch group or not, see suspicious "
        "situations and crimes, report them to the police (112 or 0900-8844), post messages "
        "in the group and feel safer or less safe because of it. The success factors "
        "(administrator, rules, police feedback, community officer, …) change how groups "
        "work. The numbers come from public sources and the Rotterdam field research; the "
        "explanation of each success factor names its source.",
    },
    "about_step": {
        "nl": "Eén stap is één dag. Per dag gebeuren misdrijven en verdachte situaties, "
        "melden getuigen, plaatsen leden berichten, koppelt de politie soms terug en passen "
        "bewoners hun zorgen, meldingsbereidheid en lidmaatschap aan. De grafieken tonen "
        "weken; een lopende week telt naar zeven dagen.",
        "en": "One step is one day. Each day crimes and suspicious situations happen, "
        "witnesses report, members post messages, the police sometimes report back, and "
        "residents adjust their worry, willingness to report and membership. The charts "
        "show weeks; a week under way is counted up to seven days.",
    },
    "about_size": {
        "nl": "Het aantal bewoners verandert de buurt, niet de regels: een kleinere buurt "
        "heeft minder straten en groepen, dus meer toeval per run. Percentages en aantallen "
        "per groep blijven vergelijkbaar; totalen (leden, meldingen per week) groeien met de "
        "buurt. Vergelijk situaties daarom met meerdere herhalingen op het tabblad "
        "Vergelijken, niet met één run.",
        "en": "The number of residents changes the neighbourhood, not the rules: a smaller "
        "neighbourhood has fewer streets and groups, so more chance in each run. Shares and "
        "numbers per group stay comparable; totals (members, reports per week) grow with the "
        "neighbourhood. So compare situations with several replications on the Compare tab, "
        "not with a single run.",
    },
    "about_more": {
        "nl": "Meer lezen (in de map van buurtsim): de handleiding voor beleidsmakers en "
        "docenten (docs/guide-policymakers.md), de lesopdrachten (docs/teaching/), de "
        "modelbeschrijving volgens het ODD-protocol (docs/odd.md) en de handleiding voor "
        "onderzoekers (docs/guide-researchers.md). Het model is een denkhulp, geen "
        "voorspelling voor een echte buurt.",
        "en": "Read more (in the buurtsim folder): the guide for policymakers and teachers "
        "(docs/guide-policymakers.md), the classroom exercises (docs/teaching/), the model "
        "description following the ODD protocol (docs/odd.md) and the researchers' guide "
        "(docs/guide-researchers.md). The model is a thinking aid, not a forecast for a real "
        "neighbourhood.",
    },
    "intro": {
        "nl": "Een buurt met WhatsApp-buurtpreventiegroepen. Zet succesfactoren aan of uit, "
        "laat de tijd lopen en kijk wat er gebeurt met gevoelens van onveiligheid, "
        "meldingen en berichten. Eén stap is één dag.",
        "en": "A neighbourhood with WhatsApp neighbourhood-watch groups. Switch success factors "
        "on or off, let time run and see what happens to feelings of unsafety, reports "
        "and messages. One step is one day.",
    },
    # setup
    "setup": {"nl": "Scenario en buurt", "en": "Scenario and neighbourhood"},
    "scenario": {"nl": "Scenario", "en": "Scenario"},
    "scenario_help": {
        "nl": "Kies een uitgangssituatie (bestanden in scenarios/, ook lesopdrachten).",
        "en": "Pick a starting situation (files in scenarios/, including classroom presets).",
    },
    "teaching": {"nl": "les", "en": "class"},
    "download_csv": {"nl": "Gegevens (CSV)", "en": "Data (CSV)"},
    "download_png": {"nl": "Grafieken (PNG)", "en": "Charts (PNG)"},
    "csv_dutch": {
        "nl": "CSV voor Nederlandse Excel (; en decimale komma)",
        "en": "CSV for Dutch Excel (; and decimal comma)",
    },
    "settings_link": {"nl": "Link naar deze instellingen", "en": "Link to these settings"},
    "settings_link_help": {
        "nl": "Kopieer deze link (rechtermuisknop): wie hem opent, krijgt hetzelfde scenario, "
        "aantal bewoners, seed, dezelfde succesfactoren en taal.",
        "en": "Copy this link (right click): whoever opens it gets the same scenario, number "
        "of residents, seed, success factors and language.",
    },
    "link_problems": {
        "nl": "De link bevat waarden die niet kunnen; die blijven op hun standaard: {problems}",
        "en": "The link holds values that cannot be used; they keep their default: {problems}",
    },
    "factor_folder": {"nl": "succesfactor", "en": "success factor"},
    "factor_scenario": {
        "nl": "De uitgangssituatie met één succesfactor sterk aanwezig: {factor}.",
        "en": "The baseline with one success factor strongly in place: {factor}.",
    },
    "residents": {"nl": "Aantal bewoners (ongeveer)", "en": "Number of residents (about)"},
    "residents_help": {
        "nl": "Tussen {lo} en {hi}. Meer bewoners = trager. Het aantal groepen groeit mee, "
        "zodat een groep even groot blijft en aandelen vergelijkbaar zijn. Met evenveel "
        "groepen zou elke groep groter worden en meer meldingen per lid sturen, en zouden "
        "leden zich onveiliger voelen (zie het ODD, 'Scale').",
        "en": "Between {lo} and {hi}. More residents = slower. The number of groups grows "
        "with it, so a group keeps its size and shares stay comparable. With the same number "
        "of groups each group would grow and post more alerts per member, and members would "
        "feel less safe (see the ODD, 'Scale').",
    },
    "seed": {"nl": "Toevalsgetal (seed)", "en": "Random seed"},
    "seed_help": {
        "nl": "Zelfde getal = zelfde verloop. Geheel getal van 0 tot {hi}.",
        "en": "Same number = same run. Whole number from 0 to {hi}.",
    },
    "err_not_int": {
        "nl": "Vul een geheel getal in (bijv. {example}); '{value}' is dat niet. "
        "Het model loopt door met {kept}.",
        "en": "Enter a whole number (e.g. {example}); '{value}' is not one. "
        "The model keeps {kept}.",
    },
    "err_range": {
        "nl": "Moet tussen {lo} en {hi} liggen, niet {value}. Het model loopt door met {kept}.",
        "en": "Must be between {lo} and {hi}, not {value}. The model keeps {kept}.",
    },
    "err_scenario": {
        "nl": "Dit scenario kan niet worden geladen: {error}",
        "en": "This scenario cannot be loaded: {error}",
    },
    # run controls
    "controls": {"nl": "Tijd", "en": "Time"},
    "step": {"nl": "Stap", "en": "Step"},
    "step_help": {"nl": "Eén dag verder", "en": "One day forward"},
    "play": {"nl": "Afspelen", "en": "Play"},
    "pause": {"nl": "Pauze", "en": "Pause"},
    "reset": {"nl": "Opnieuw", "en": "Reset"},
    "reset_help": {
        "nl": "Begin opnieuw op dag 0 met de huidige instellingen",
        "en": "Start again at day 0 with the current settings",
    },
    "speed": {"nl": "Snelheid (dagen per seconde)", "en": "Speed (days per second)"},
    "speed_value": {
        "nl": "Snelheid: {speed} dagen per seconde",
        "en": "Speed: {speed} days per second",
    },
    "day": {"nl": "Dag {day}", "en": "Day {day}"},
    "day_week": {
        "nl": "Dag {day} · week {week} · {members} van {residents} bewoners in een groep",
        "en": "Day {day} · week {week} · {members} of {residents} residents in a group",
    },
    "run_finished": {
        "nl": "Klaar: de run is aan het eind van het scenario ({day} dagen). "
        "Kies Opnieuw om bij dag 0 te beginnen.",
        "en": "Finished: the run reached the end of the scenario ({day} days). "
        "Press Restart to begin again at day 0.",
    },
    # factors
    "factors": {
        "nl": "Succesfactoren van de appgroepen",
        "en": "Success factors of the app groups",
    },
    "factors_help": {
        "nl": "Wijzigingen gelden meteen voor alle groepen; 'Opnieuw' begint op dag "
        "0 met deze instellingen.",
        "en": "Changes apply at once to all groups; 'Reset' starts at day 0 with these settings.",
    },
    "source": {"nl": "Bron", "en": "Source"},
    "changed": {"nl": "gewijzigd", "en": "changed"},
    "on": {"nl": "aan", "en": "on"},
    "off": {"nl": "uit", "en": "off"},
    "factors_reset": {"nl": "Terug naar scenario", "en": "Back to scenario"},
    "level_absent": {"nl": "afwezig", "en": "absent"},
    "level_full": {"nl": "volledig", "en": "full"},
    # map
    "map_title": {"nl": "De buurt op dag {day}", "en": "The neighbourhood on day {day}"},
    "legend_worry": {
        "nl": "Gevoel van onveiligheid (0 = veilig, 1 = zeer onveilig)",
        "en": "Feeling unsafe (0 = safe, 1 = very unsafe)",
    },
    "legend_resident": {"nl": "bewoner", "en": "resident"},
    "legend_member": {"nl": "lid van appgroep", "en": "app-group member"},
    "legend_admin": {"nl": "beheerder", "en": "administrator"},
    "legend_group": {"nl": "gebied van een appgroep", "en": "area of an app group"},
    "legend_crime": {"nl": "misdrijf vandaag", "en": "crime today"},
    "legend_suspicious": {"nl": "verdachte situatie vandaag", "en": "suspicious situation today"},
    "legend_alert": {"nl": "waarschuwing in groep vandaag", "en": "alert in group today"},
    "legend_arrest": {"nl": "aanhouding vandaag", "en": "arrest today"},
    "map_group": {"nl": "Appgroep {name}", "en": "App group {name}"},
    "map_hint": {
        "nl": "Wijs een bewoner of een groepsgebied aan voor de waarden; klik voor de toestand.",
        "en": "Point at a resident or a group area for its values; click for its state.",
    },
    "map_click": {"nl": "klik voor de toestand", "en": "click for the state"},
    "pick_resident": {"nl": "Bewoner {who}", "en": "Resident {who}"},
    "pick_close": {"nl": "Sluiten", "en": "Close"},
    "pick_street": {"nl": "straat (gebied)", "en": "street (area)"},
    "pick_member": {"nl": "in een appgroep", "en": "in an app group"},
    "pick_member_yes": {"nl": "ja, lid", "en": "yes, member"},
    "pick_member_no": {"nl": "nee", "en": "no"},
    "pick_group": {"nl": "groep van de straat", "en": "the street's group"},
    "pick_no_group": {"nl": "geen (straat niet gedekt)", "en": "none (street not covered)"},
    "pick_worry": {"nl": "gevoel van onveiligheid (0–1)", "en": "feeling unsafe (0–1)"},
    "pick_willingness": {"nl": "meldingsbereidheid (0–1)", "en": "willingness to report (0–1)"},
    "pick_proximity": {
        "nl": "nabijheid van de overheid (0–1)",
        "en": "proximity of government (0–1)",
    },
    "pick_victimisations": {"nl": "keren slachtoffer", "en": "times victimised"},
    "pick_status": {"nl": "toestand", "en": "status"},
    "pick_group_active": {"nl": "actief sinds dag {day}", "en": "active since day {day}"},
    "pick_group_ended": {"nl": "opgeheven op dag {day}", "en": "ended on day {day}"},
    "pick_group_planned": {"nl": "nog niet opgericht", "en": "not founded yet"},
    "pick_members": {
        "nl": "leden / volwassenen in het gebied",
        "en": "members / adults in the area",
    },
    "pick_admins": {"nl": "beheerders", "en": "administrators"},
    "pick_members_worry": {
        "nl": "gevoel van onveiligheid van de leden (gemiddeld)",
        "en": "members' feeling unsafe (mean)",
    },
    # charts
    "chart_unsafe": {"nl": "% voelt zich weleens onveilig", "en": "% sometimes feel unsafe"},
    "chart_reports": {
        "nl": "Meldingen bij de politie per week",
        "en": "Reports to police per week",
    },
    "chart_messages": {"nl": "Berichten in de groepen per week", "en": "Group messages per week"},
    "chart_crime": {
        "nl": "Misdrijven en aanhoudingen per week",
        "en": "Crimes and arrests per week",
    },
    "chart_members": {"nl": "Leden van appgroepen", "en": "App-group members"},
    "chart_willingness": {"nl": "Meldingsbereidheid (0–1)", "en": "Willingness to report (0–1)"},
    "week": {"nl": "week", "en": "week"},
    "members": {"nl": "leden", "en": "members"},
    "nonmembers": {"nl": "niet-leden", "en": "non-members"},
    "everyone": {"nl": "iedereen", "en": "everyone"},
    "reports_112": {"nl": "112 (spoed)", "en": "112 (emergency)"},
    "reports_0900": {"nl": "0900-8844 (geen spoed)", "en": "0900-8844 (non-emergency)"},
    "posts_alert": {"nl": "waarschuwing", "en": "alert"},
    "posts_stigmatising": {"nl": "stigmatiserend", "en": "stigmatising"},
    "posts_chatter": {"nl": "kletspraat", "en": "chatter"},
    "posts_feedback": {"nl": "terugkoppeling", "en": "feedback"},
    "posts_keepalive": {"nl": "testbericht", "en": "test message"},
    "crimes": {"nl": "misdrijven", "en": "crimes"},
    "burglaries": {"nl": "inbraken", "en": "burglaries"},
    "arrests": {"nl": "aanhoudingen", "en": "arrests"},
    "no_data": {"nl": "Nog geen gegevens: zet een stap.", "en": "No data yet: take a step."},
    # survey
    "survey_title": {"nl": "Enquête onder bewoners", "en": "Resident survey"},
    "survey_intro": {
        "nl": "Zoals in het veldonderzoek: een steekproef van deelnemers (leden) en "
        "niet-deelnemers uit dezelfde buurten, met 95%-betrouwbaarheidsintervallen.",
        "en": "As in the field research: a sample of participants (members) and "
        "non-participants from the same neighbourhoods, with 95% confidence intervals.",
    },
    "survey_take": {"nl": "Enquête nu afnemen", "en": "Take survey now"},
    "survey_none": {
        "nl": "Nog geen enquête. Neem er een af, of laat het model lopen tot een "
        "meetmoment uit het scenario.",
        "en": "No survey yet. Take one, or run the model until a survey wave of the scenario.",
    },
    "survey_clear": {"nl": "Enquêtes wissen", "en": "Clear surveys"},
    "wave": {"nl": "meting", "en": "wave"},
    "wave_now": {"nl": "dag {day}", "en": "day {day}"},
    # the shipped scenarios' survey waves, named in the page's language
    "wave_pre": {"nl": "voormeting", "en": "pre"},
    "wave_post": {"nl": "nameting", "en": "post"},
    "participants": {"nl": "deelnemers", "en": "participants"},
    "non_participants": {"nl": "niet-deelnemers", "en": "non-participants"},
    "ind_pct_unsafe": {"nl": "% voelt zich weleens onveilig", "en": "% sometimes feel unsafe"},
    "ind_pct_often": {"nl": "% voelt zich vaak onveilig", "en": "% often feel unsafe"},
    "ind_safety_grade": {"nl": "Rapportcijfer veiligheid (1–10)", "en": "Safety grade (1–10)"},
    "ind_report_willingness": {
        "nl": "Meldingsbereidheid (1–5)",
        "en": "Willingness to report (1–5)",
    },
    "ind_gov_proximity": {
        "nl": "Ervaren nabijheid overheid (1–5)",
        "en": "Experienced proximity of government (1–5)",
    },
    "col_indicator": {"nl": "indicator", "en": "indicator"},
    "col_estimate": {"nl": "schatting [95%-interval]", "en": "estimate [95% interval]"},
    "col_n": {"nl": "n", "en": "n"},
    # compare
    "compare_intro": {
        "nl": "Vergelijk twee situaties met dezelfde toevalsgetallen. Elke situatie wordt "
        "meerdere keren gedraaid; de band laat zien hoe ver de uitkomsten uiteenlopen "
        "(10e–90e percentiel), de lijn is de mediaan.",
        "en": "Compare two situations with the same random seeds. Each situation is run "
        "several times; the band shows how far outcomes spread (10th–90th percentile), "
        "the line is the median.",
    },
    "side_a": {"nl": "A: uitgangssituatie", "en": "A: starting point"},
    "side_b": {"nl": "B: met wijzigingen", "en": "B: with changes"},
    "use_my_factors": {
        "nl": "met mijn succesfactoren uit het model-tabblad",
        "en": "with my success factors from the model tab",
    },
    "replications": {"nl": "Herhalingen per situatie", "en": "Replications per situation"},
    "compare_days": {"nl": "Dagen per run", "en": "Days per run"},
    "compare_run": {"nl": "Vergelijking starten", "en": "Start comparison"},
    "compare_cancel": {"nl": "Stoppen", "en": "Stop"},
    "compare_busy": {
        "nl": "Bezig: {done} van {total} runs klaar. Het model-tabblad blijft gewoon werken.",
        "en": "Running: {done} of {total} runs done. The model tab keeps working.",
    },
    "compare_done": {
        "nl": "Klaar: {total} runs (seeds {seeds}).",
        "en": "Done: {total} runs (seeds {seeds}).",
    },
    "compare_cancelled": {"nl": "Gestopt.", "en": "Stopped."},
    "compare_failed": {"nl": "Vergelijking mislukt: {error}", "en": "Comparison failed: {error}"},
    "compare_none": {"nl": "Nog geen vergelijking.", "en": "No comparison yet."},
    "compare_posterior": {
        "nl": "Voor {sides} is er een steekproef uit de kalibratie ({file}): elke herhaling "
        "draait met een andere, gelote set modelinstellingen die bij het veldonderzoek "
        "past. De banden tonen dan de onzekerheid over die instellingen én het toeval.",
        "en": "For {sides} there is a sample from the calibration ({file}): each replication "
        "runs with a different drawn set of model settings that fits the field "
        "research. The bands then show uncertainty about those settings as well as "
        "chance.",
    },
    "and": {"nl": "en", "en": "and"},
    "outcome": {"nl": "uitkomst (na inloopperiode)", "en": "outcome (after burn-in)"},
    "difference": {"nl": "verschil B − A", "en": "difference B − A"},
    "band_unsafe_members": {"nl": "% onveilig, leden", "en": "% unsafe, members"},
    "band_unsafe_nonmembers": {"nl": "% onveilig, niet-leden", "en": "% unsafe, non-members"},
    "band_members": {"nl": "leden van appgroepen", "en": "app-group members"},
    "band_reports": {
        "nl": "meldingen per week (112 + 0900)",
        "en": "reports per week (112 + 0900)",
    },
    "band_alerts": {"nl": "waarschuwingen per week", "en": "alerts per week"},
    "band_crimes": {"nl": "misdrijven per week", "en": "crimes per week"},
    "median_range": {"nl": "mediaan [10e–90e percentiel]", "en": "median [10th–90th percentile]"},
    "sum_unsafe_members": {"nl": "% onveilig, leden", "en": "% unsafe, members"},
    "sum_unsafe_nonmembers": {"nl": "% onveilig, niet-leden", "en": "% unsafe, non-members"},
    "sum_unsafe_all": {"nl": "% onveilig, alle bewoners", "en": "% unsafe, all residents"},
    "sum_participation": {"nl": "% bewoners lid", "en": "% residents member"},
    "sum_burglaries_per_1000": {
        "nl": "inbraken per 1000 huishoudens per jaar",
        "en": "burglaries per 1000 households per year",
    },
    "sum_reported_share": {"nl": "% misdrijven gemeld", "en": "% crimes reported"},
    "sum_alerts_per_group_month": {
        "nl": "waarschuwingen per groep per maand",
        "en": "alerts per group per month",
    },
    "sum_reports_per_group_month": {
        "nl": "meldingen per groep per maand",
        "en": "reports per group per month",
    },
    "sum_arrests_per_year": {"nl": "aanhoudingen per jaar", "en": "arrests per year"},
    "sum_stigmatising_share": {
        "nl": "% stigmatiserende waarschuwingen",
        "en": "% stigmatising alerts",
    },
    "sum_willingness_members": {
        "nl": "bereidheid te melden, leden (0–100)",
        "en": "willingness to report, members (0–100)",
    },
    "sum_willingness_nonmembers": {
        "nl": "bereidheid te melden, niet-leden (0–100)",
        "en": "willingness to report, non-members (0–100)",
    },
    "sum_proximity_members": {
        "nl": "nabijheid van de overheid, leden (0–100)",
        "en": "proximity of government, members (0–100)",
    },
    "sum_proximity_nonmembers": {
        "nl": "nabijheid van de overheid, niet-leden (0–100)",
        "en": "proximity of government, non-members (0–100)",
    },
    "sum_members_per_group": {"nl": "leden per groep", "en": "members per group"},
    "sum_confrontations_per_year": {
        "nl": "riskante confrontaties per jaar",
        "en": "risky confrontations per year",
    },
    "sum_chatter_per_group_month": {
        "nl": "kletsberichten per groep per maand",
        "en": "chatter messages per group per month",
    },
    "sum_feedback_per_group_month": {
        "nl": "terugkoppelingen per groep per maand",
        "en": "feedback messages per group per month",
    },
}

# Plain-language label and explanation of each success factor (the source comes from the schema).
FACTORS: dict[str, dict[str, tuple[str, str]]] = {
    "active_admin": {
        "nl": (
            "Actieve beheerder",
            "Een beheerder die berichten modereert, vragen beantwoordt en ook offline "
            "aanbelt na een melding.",
        ),
        "en": (
            "Active administrator",
            "An administrator who moderates, answers questions and also rings doorbells "
            "after a report.",
        ),
    },
    "clear_purpose": {
        "nl": (
            "Duidelijk doel en wie je belt",
            "Leden weten waar de groep voor is en bellen eerst de politie voordat ze iets "
            "in de groep zetten.",
        ),
        "en": (
            "Clear purpose and whom to call",
            "Members know what the group is for and call the police before they post.",
        ),
    },
    "police_feedback": {
        "nl": (
            "Politie koppelt terug wat er met een melding gebeurde",
            "Kans dat politie of gemeente in de groep laat weten hoe een melding afliep.",
        ),
        "en": (
            "Police report back on what happened",
            "Chance that police or municipality tell the group how a report ended.",
        ),
    },
    "feedback_delay_hours": {
        "nl": (
            "Wachttijd op terugkoppeling (uren)",
            "Hoe lang het gemiddeld duurt voor de terugkoppeling in de groep staat.",
        ),
        "en": (
            "Waiting time for feedback (hours)",
            "How long it takes on average before feedback reaches the group.",
        ),
    },
    "linked_professional": {
        "nl": (
            "Wijkagent of boa in de groep",
            "Een professional zit in of naast de groep: korte lijnen, vaker terugkoppeling "
            "en een bekend gezicht dat geruststelt.",
        ),
        "en": (
            "Community officer in the group",
            "A professional is in or next to the group: short lines, more feedback and a "
            "known face that reassures.",
        ),
    },
    "group_rules": {
        "nl": (
            "Strenge groepsregels",
            "Alleen berichten over veiligheid horen in de alarmgroep; kletspraat wordt geweerd.",
        ),
        "en": (
            "Strict group rules",
            "Only safety messages belong in the alarm group; chatter is kept out.",
        ),
    },
    "social_channel": {
        "nl": (
            "Aparte groep voor sociaal contact",
            "Buren kunnen elders kletsen, zodat de alarmgroep rustig blijft; dat contact "
            "geeft leden een veiliger gevoel.",
        ),
        "en": (
            "Separate group for social contact",
            "Neighbours can chat elsewhere, so the alarm group stays quiet; that contact "
            "makes members feel safer.",
        ),
    },
    "saar_training": {
        "nl": (
            "Getraind in SAAR",
            f"Deel van de leden dat SAAR kent: {SAAR['nl']}.",
        ),
        "en": (
            "Trained in SAAR",
            f"Share of members who know SAAR: {SAAR['en']}.",
        ),
    },
    "local_problem": {
        "nl": (
            "Opgericht om een concreet buurtprobleem",
            "Bijvoorbeeld een inbraakgolf: meer mensen doen mee en het doel is helder.",
        ),
        "en": (
            "Started over a concrete local problem",
            "For example a burglary wave: more people join and the purpose is clear.",
        ),
    },
    "recruitment": {
        "nl": ("Werving van leden", "Hoeveel moeite er wordt gedaan om buren uit te nodigen."),
        "en": ("Recruiting members", "How much effort goes into inviting neighbours."),
    },
    "signs": {
        "nl": (
            "Borden in de straat",
            "Zichtbare borden en publiciteit die inbrekers laten weten dat er een groep is.",
        ),
        "en": (
            "Street signs",
            "Visible signs and publicity that tell burglars a group is watching.",
        ),
    },
    "municipal_coordination": {
        "nl": (
            "Gemeente coördineert",
            "De gemeente nodigt uit, instrueert en zorgt dat aangrenzende straten ook "
            "meedoen, zodat criminaliteit niet verschuift.",
        ),
        "en": (
            "Municipality coordinates",
            "The municipality invites, instructs and makes sure adjacent streets join "
            "too, so crime does not move next door.",
        ),
    },
    "size_cap": {
        "nl": (
            "Maximaal aantal leden per groep",
            "WhatsApp staat 256 toe; de politie adviseert hooguit 50.",
        ),
        "en": ("Maximum members per group", "WhatsApp allows 256; police advise at most 50."),
    },
    "layered": {
        "nl": (
            "Gelaagde opzet",
            "Een kleine kerngroep stuurt waarschuwingen door, zodat minder berichten bij "
            "iedereen komen.",
        ),
        "en": (
            "Layered set-up",
            "A small core group passes on alerts, so fewer messages reach everyone.",
        ),
    },
    "keep_alive_days": {
        "nl": (
            "Testbericht elke … dagen (0 = nooit)",
            "Een vast testbericht houdt de aandacht vast in rustige periodes.",
        ),
        "en": (
            "Test message every … days (0 = never)",
            "A regular test message keeps attention up in quiet periods.",
        ),
    },
    "recognition_training": {
        "nl": (
            "Training herkennen verdachte situaties",
            "Minder vals alarm en betere beschrijvingen, dus meer aanhoudingen.",
        ),
        "en": (
            "Training in recognising suspicious situations",
            "Fewer false alarms and better descriptions, so more arrests.",
        ),
    },
    "vigilantism_guard": {
        "nl": (
            "Waken tegen eigenrichting",
            "Minder stigmatiserende berichten en minder riskante confrontaties.",
        ),
        "en": (
            "Guarding against vigilantism",
            "Fewer stigmatising messages and fewer risky confrontations.",
        ),
    },
}


def check_language(lang: str) -> str:
    """``lang`` if supported, else the default (a stale browser setting never breaks a page)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``.

    >>> t("err_range", "en", lo=1, hi=9, value=12, kept=3)
    'Must be between 1 and 9, not 12. The model keeps 3.'
    """
    text = MESSAGES[key][check_language(lang)]
    return text.format(**values) if values else text


def number(x: float, lang: str = DEFAULT_LANGUAGE, digits: int | None = None) -> str:
    """``x`` as a reader of ``lang`` writes it: decimal comma and thin-space thousands in Dutch.

    >>> number(0.01, "nl"), number(2000, "nl"), number(2.75, "en", 1), number(12345.6, "en", 0)
    ('0,01', '2000', '2.8', '12,346')
    >>> number(-0.04, "nl", 1), number(-0.06, "nl", 1)
    ('0,0', '-0,1')
    """
    if digits is None:
        text = f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"
    else:
        text = f"{x:,.{digits}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # -0.0 reads as a direction that is not there
    if check_language(lang) == "nl":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def factor_label(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Plain-language label of a success factor."""
    return FACTORS[name][check_language(lang)][0]


def factor_source(name: str) -> str:
    """The source of a success factor as recorded in the scenario schema."""
    extra = SuccessFactors.model_fields[name].json_schema_extra or {}
    return str(extra.get("source", "")) if isinstance(extra, dict) else ""


def factor_tooltip(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Explanation of a success factor plus its source, for the tooltip.

    >>> factor_tooltip("signs", "en").endswith("Source: Akkermans & Vollaard 2015")
    True
    """
    lang = check_language(lang)
    text = FACTORS[name][lang][1]
    source = factor_source(name)
    return f"{text} {t('source', lang)}: {source}" if source else text
