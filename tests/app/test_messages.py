"""The message catalogue: complete in Dutch and English, and consistent between them."""

from __future__ import annotations

import string

import pytest

from sim.app import messages
from sim.app.messages import FACTORS, LANGUAGES, MESSAGES, factor_label, factor_tooltip, t
from sim.scenario import FACTOR_NAMES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_both_languages_with_the_same_placeholders(key):
    texts = MESSAGES[key]
    assert set(texts) == set(LANGUAGES), f"{key}: languages {sorted(texts)}"
    assert all(texts[lang].strip() for lang in LANGUAGES), f"{key}: empty text"
    assert _fields(texts["nl"]) == _fields(texts["en"]), f"{key}: placeholders differ"


def test_every_success_factor_has_a_plain_label_and_a_sourced_tooltip():
    assert set(FACTORS) == set(FACTOR_NAMES)
    for name in FACTOR_NAMES:
        nl, en = factor_label(name, "nl"), factor_label(name, "en")
        assert nl != en, f"{name}: label not translated"
        assert "_" not in nl and "_" not in en, f"{name}: label looks like a field name"
        assert "Bron: " in factor_tooltip(name, "nl")
        assert "Source: " in factor_tooltip(name, "en")


def test_dutch_is_the_default_and_unknown_languages_fall_back_to_it():
    assert messages.DEFAULT_LANGUAGE == "nl"
    assert t("play") == "Afspelen"
    assert t("play", "fr") == "Afspelen"
    assert t("play", "en") == "Play"
