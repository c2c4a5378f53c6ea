"""The region as an SVG map the explorer's user can click to pick a municipality.

Owns: turning the packaged boundaries (``inputs/region.load_geometry``, EPSG:25833 metres) into
one SVG path per municipality, in kilometres with north up, and the map's view box. The real
region ships boundaries; a region without them (the synthetic one) has no map.
Must not: draw anything but paths, or know about the page's state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frivilligsim.errors import FrivilligsimError
from frivilligsim.inputs.region import load_geometry

CREDIT = "© Kartverket (CC BY 4.0)"  # the boundaries' licence asks for it on every map


@dataclass(frozen=True)
class RegionMap:
    """SVG path data per municipality code, and the view box that holds them all."""

    paths: dict[str, str]
    view_box: str


def _ring_path(ring: np.ndarray) -> str:
    km = np.round(ring / 1000.0, 1)
    points = " ".join(f"{x:g},{-y:g}" for x, y in km)  # SVG's y grows downwards
    return f"M{points}Z"


def region_map(codes: list[str]) -> RegionMap | None:
    """The map of ``codes``, or None when the region has no packaged boundaries."""
    try:
        geometry = load_geometry(codes)
    except (FrivilligsimError, OSError, KeyError):
        return None
    paths = {}
    xs, ys = [], []
    for code, polygons in geometry.items():
        outer = [polygon[0] for polygon in polygons if len(polygon[0]) >= 3]
        paths[code] = "".join(_ring_path(ring) for ring in outer)
        for ring in outer:
            xs.extend(ring[:, 0] / 1000.0)
            ys.extend(-ring[:, 1] / 1000.0)
    if not paths:
        return None
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    margin = 0.02 * max(x1 - x0, y1 - y0)
    box = (
        f"{x0 - margin:.0f} {y0 - margin:.0f} {x1 - x0 + 2 * margin:.0f} {y1 - y0 + 2 * margin:.0f}"
    )
    return RegionMap(paths=paths, view_box=box)
