"""MkDocs hook: the Dutch pages are Dutch pages, down to the site's own labels.

The site is mostly English (``theme.language: en`` in mkdocs.yml: the model description, the
researchers' guide and the references are English). Material for MkDocs has one interface
language per site, so this hook switches it per page: a page under ``teaching/`` or the
policymakers' guide (or any page with ``lang: nl`` in its front matter) is rendered with
``<html lang="nl">`` and Material's Dutch labels ("Inhoudsopgave", "Zoeken", …); every other
page keeps the site's language. ``tests/docs/test_site.py`` checks the built HTML.
"""

from __future__ import annotations

from typing import Any

#: pages (paths below docs/, a trailing ``/`` means a folder) whose text is Dutch
DUTCH_PAGES = ("teaching/", "guide-policymakers.md")

_site_language: dict[str, str] = {}


def page_language(src_uri: str, meta: dict[str, Any], default: str) -> str:
    """The interface language of the page at ``src_uri``: its ``lang`` field, else ``nl`` for
    the Dutch pages, else the site's ``default``.

    >>> page_language("teaching/weekplan.md", {}, "en"), page_language("odd.md", {}, "en")
    ('nl', 'en')
    """
    if "lang" in meta:
        return str(meta["lang"])
    dutch = any(src_uri.startswith(p) if p.endswith("/") else src_uri == p for p in DUTCH_PAGES)
    return "nl" if dutch else default


def on_config(config, **kwargs):
    _site_language["default"] = config.theme["language"]
    return config


def on_page_context(context, page, config, **kwargs):
    default = _site_language.get("default", config.theme["language"])
    config.theme["language"] = page_language(page.file.src_uri, page.meta, default)
    return context


def on_post_page(output, page, config, **kwargs):
    config.theme["language"] = _site_language.get("default", config.theme["language"])
    return output
