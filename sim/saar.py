"""SAAR, the protocol app-group members are trained in, described once for every page.

The police and the WhatsApp-buurtpreventie rules (WABP) ask members who see something
suspicious to call before they post: Signaleer, Alarmeer, App, Reageer. The police also use the
variant SAFAR, with a photo (Fotografeer) before the post. The app's tooltips, the scenario
reference and the Dutch and English pages all use these sentences;
``tests/docs/test_saar.py`` checks that no page describes SAAR another way.

>>> SAAR["nl"].split(" (")[0], SAAR["en"].split(" (")[0]
('Signaleer', 'Signaleer')
"""

from __future__ import annotations

#: the four steps of SAAR, per language (the step names stay Dutch in English text)
SAAR: dict[str, str] = {
    "nl": (
        "Signaleer (zie iets verdachts), Alarmeer (bel eerst 112, of 0900-8844 als het niet "
        'dringend is), App (meld het daarna in de groep, met "112 is gebeld") en Reageer (op '
        "veilige afstand, zonder eigenrichting)"
    ),
    "en": (
        "Signaleer (spot something suspicious), Alarmeer (call 112 first, or 0900-8844 when it "
        'is not urgent), App (then post in the group, with "112 is gebeld") and Reageer (at a '
        "safe distance, no vigilantism)"
    ),
}
