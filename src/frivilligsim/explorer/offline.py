"""Keep the Solara server of the explorer on this machine: local assets, no calls home.

Solara's page loads its JavaScript, CSS and fonts through the server's ``/_solara/cdn`` route,
which serves them from a cache folder (``<prefix>/share/solara/cdn``) and fetches from the
internet only what is missing there. The ``solara-assets`` package (in the ``viz`` extra) fills
that folder, so nothing is missing. Solara also sends usage telemetry from the server and, on
its first run, loads a check page from solara.dev in the browser: both are turned off here.
Must not: change anything but Solara's own settings.
"""

from __future__ import annotations

import re
import site
import sys
from pathlib import Path

_FALLBACK_APP = "@widgetti/solara-vuetify-app@10.1.1"


def page_bundle() -> Path:
    """The folder of the JavaScript bundle Solara's page template loads first, e.g.
    ``@widgetti/solara-vuetify-app@10.1.1/dist``: a local copy must have this version."""
    from importlib import resources

    template = resources.files("solara.server") / "templates" / "solara.html.j2"
    try:
        text = template.read_text(encoding="utf-8")
    except OSError:
        text = ""
    found = re.search(r"\{\{cdn\}\}/(@widgetti/solara-vuetify-app@[0-9][^/]*)/dist/", text)
    return Path(found.group(1) if found else _FALLBACK_APP) / "dist"


def asset_folders() -> list[Path]:
    """Where an installed ``solara-assets`` may have put its files, most likely first."""
    from solara.server import settings

    folders = [Path(settings.assets.proxy_cache_dir)]
    for prefix in (sys.prefix, site.getuserbase()):
        folders.append(Path(prefix) / "share" / "solara" / "cdn")
    return folders


def local_assets() -> Path | None:
    """The first folder that holds Solara's assets, or None."""
    for folder in asset_folders():
        if (folder / page_bundle()).is_dir():
            return folder
    return None


def keep_offline() -> Path | None:
    """Serve Solara's assets from this machine and turn off its calls home.

    Returns the asset folder in use, or None when no local copy is installed (then Solara
    would fetch them from the internet, and a machine without network shows a blank page).
    """
    import solara.checks
    import solara.settings
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    solara.checks.should_perform_solara_check = lambda: False
    solara.checks.should_perform_jupyter_check = lambda: False
    folder = local_assets()
    if folder is not None:
        solara.settings.assets.proxy = True
        settings.assets.proxy_cache_dir = folder
    return folder
