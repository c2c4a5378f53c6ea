"""Build the embedded real region (src/frivilligsim/data/norway_2024/) from ../shared/data/.

Usage:  .venv/bin/python scripts/make_real_region.py [--shared DIR] [--out DIR]

Needs the optional extra ``data`` (``pip install -e ".[data]"``: pyproj, to project the
municipality boundaries to EPSG:25833). Nothing at run time or in the tests reads
``../shared``: this script is the only bridge, and its output is byte-for-byte reproducible
(rows sorted by kommunenummer, gzip without a timestamp, coordinates rounded to whole metres):
run it twice and the sha256 sums are equal.

What is written (sources and licences in the README written next to the files):
- ``municipalities.csv``: the 357 municipalities of 2024, kommunenummer, name, centrality
  class (1-6) and index (0-1000). SSB classification 128.
- ``population.csv.gz``: residents on 1 January 2024 by municipality, sex and single year of
  age (105 = 105 or older). SSB Statbank table 07459.
- ``projection_mmmm.csv``: SSB's projected residents on 1 January 2034 and 2050, main
  alternative MMMM. SSB Statbank table 14288.
- ``geometry.json.gz``: municipality boundaries in EPSG:25833, whole metres. Kartverket.
- ``SHA256SUMS``: the sha256 of each file above (``sha256sum -c SHA256SUMS``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():  # a git worktree sits one level deeper than the main checkout
    SHARED = Path("/work/shared/data")
OUT = ROOT / "src" / "frivilligsim" / "data" / "norway_2024"
N_AGES = 106
SIMPLIFY_METRES = 0  # assumption: none needed; the source is already simplified (<1 MB)

ATTRIBUTION = (
    "Statistics Norway (SSB), table 07459 and classification 128, CC BY 4.0; "
    "projection: SSB table 14288 (MMMM), CC BY 4.0; boundaries: © Kartverket (CC BY 4.0)"
)


def _gzip(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def _csv(df: pd.DataFrame, header: str) -> str:
    return header + df.to_csv(index=False, lineterminator="\n")


def municipalities(shared: Path) -> pd.DataFrame:
    cen = pd.read_csv(shared / "ssb" / "centrality_2024.csv", dtype={"kommunenummer": str})
    out = pd.DataFrame(
        {
            "municipality": cen["kommunenummer"],
            "name": cen["kommunenavn"],
            "centrality": cen["centrality_class"].astype(int),
            "centrality_index": cen["centrality_index"].astype(int),
        }
    )
    return out.sort_values("municipality", kind="stable").reset_index(drop=True)


def population(shared: Path, codes) -> pd.DataFrame:
    pop = pd.read_csv(shared / "ssb" / "population_2024.csv", dtype={"kommunenummer": str})
    pop["sex"] = pop["sex"].map({"male": 0, "female": 1})
    if pop["sex"].isna().any() or not pop["age"].between(0, N_AGES - 1).all():
        raise SystemExit("population_2024.csv: unexpected sex or age values")
    wide = pop.pivot_table(
        index=["kommunenummer", "sex"], columns="age", values="persons", aggfunc="sum"
    )
    wide = wide.reindex(columns=range(N_AGES)).fillna(0).astype(int)
    wide.columns = [f"a{a:03d}" for a in range(N_AGES)]
    wide = wide.reset_index().rename(columns={"kommunenummer": "municipality"})
    wide = wide.sort_values(["municipality", "sex"], kind="stable").reset_index(drop=True)
    if sorted(set(wide["municipality"])) != sorted(codes) or len(wide) != 2 * len(codes):
        raise SystemExit(
            "population_2024.csv and centrality_2024.csv name different municipalities"
        )
    return wide


def projection(shared: Path, codes) -> pd.DataFrame:
    proj = pd.read_csv(shared / "ssb" / "projection_2024_MMMM.csv", dtype={"kommunenummer": str})
    proj = proj.rename(columns={"kommunenummer": "municipality"})
    proj = proj.sort_values("municipality", kind="stable").reset_index(drop=True)
    if sorted(proj["municipality"]) != sorted(codes):
        raise SystemExit("projection_2024_MMMM.csv names different municipalities")
    return proj[["municipality", "persons_2034", "persons_2050"]]


def geometry(shared: Path, codes) -> dict:
    from pyproj import Transformer  # the optional extra "data"

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
    src = json.loads((shared / "geo" / "kommuner_2024.geojson").read_text(encoding="utf-8"))
    out = {}
    for feature in src["features"]:
        code = feature["properties"]["kommunenummer"]
        geom = feature["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings_out = []
        for poly in polys:
            rings = []
            for ring in poly:
                lon, lat = zip(*ring, strict=True)
                x, y = to_utm.transform(lon, lat)
                flat = []
                last = None
                for xi, yi in zip(x, y, strict=True):
                    pt = (int(round(xi)), int(round(yi)))
                    if pt != last:
                        flat.extend(pt)
                        last = pt
                rings.append(flat)
            rings_out.append(rings)
        out[code] = {"name": feature["properties"]["kommunenavn"], "polygons": rings_out}
    if sorted(out) != sorted(codes):
        raise SystemExit("kommuner_2024.geojson names different municipalities")
    return {
        "crs": "EPSG:25833",
        "units": "metre",
        "source": "© Kartverket (CC BY 4.0), via robhop/fylker-og-kommuner (Kommuner-S.geojson)",
        "layout": "polygons: list of polygons; polygon: list of rings (outer first); "
        "ring: flat [x0, y0, x1, y1, ...]",
        "municipalities": {code: out[code] for code in sorted(out)},
    }


HEADER = (
    "# Statistics Norway (SSB), table 07459 and classification 128, CC BY 4.0.\n"
    "# Made by scripts/make_real_region.py from ../shared/data/ssb/; see README.md here.\n"
)


def write(out: Path, shared: Path = SHARED) -> dict[str, str]:
    """Write the files; return their sha256 sums."""
    out.mkdir(parents=True, exist_ok=True)
    munis = municipalities(shared)
    codes = list(munis["municipality"])
    pop = population(shared, codes)
    files = {
        "municipalities.csv": _csv(munis, HEADER).encode("utf-8"),
        "population.csv.gz": _gzip(
            _csv(
                pop,
                HEADER + "# residents on 1 January 2024; sex: 0 male, 1 female; aNNN: aged NNN "
                "(a105 = 105 or older)\n",
            )
        ),
        "projection_mmmm.csv": _csv(
            projection(shared, codes),
            "# Statistics Norway (SSB), table 14288 (Befolkningsframskrivinger 2024, main "
            "alternative MMMM), CC BY 4.0.\n# Made by scripts/make_real_region.py; projected "
            "residents on 1 January 2034 and 2050.\n",
        ).encode("utf-8"),
        "geometry.json.gz": _gzip(
            json.dumps(geometry(shared, codes), separators=(",", ":"), ensure_ascii=False)
        ),
    }
    sums = {}
    for name, data in files.items():
        (out / name).write_bytes(data)
        sums[name] = hashlib.sha256(data).hexdigest()
    listing = "".join(f"{sums[name]}  {name}\n" for name in sorted(sums))
    (out / "SHA256SUMS").write_text(listing, encoding="utf-8")
    values = pop[[f"a{a:03d}" for a in range(N_AGES)]].to_numpy()
    district = pop["municipality"].isin(munis.loc[munis["centrality"] >= 5, "municipality"])
    d = values[district.to_numpy()]
    print(
        f"wrote {out}: {len(munis)} municipalities, {int(values.sum())} residents; "
        f"classes 5-6: {int(district.sum()) // 2} municipalities, {int(d.sum())} residents, "
        f"70+ share {d[:, 70:].sum() / d.sum():.4f}"
    )
    for name in files:
        print(f"  {sums[name]}  {name}  ({(out / name).stat().st_size} bytes)")
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    write(args.out, args.shared)


if __name__ == "__main__":
    main()
