"""The scenario explorer's words in English (``en``) and Norwegian bokmål (``nb``).

Owns every string the explorer shows that the figures and report do not already have
(``output/i18n.py`` holds the shared ones: policy, demography, cohort and metric names, "Year").
Must not hold behaviour or numbers.
"""

from __future__ import annotations

from frivilligsim.output import i18n

LANGS = i18n.LANGS

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "frivilligsim – scenario explorer",
        "subtitle": "Volunteers and welfare demand in one municipality, 2024–2050",
        "language": "Language",
        "municipality": "Municipality",
        "municipality.item": "{name} ({code}), {residents} residents",
        "map.hint": "Click a municipality on the map to choose it. Map:",
        "municipality.plans": "Its plans speak of: {discourse}",
        "discourse.cocreation": "co-creation",
        "discourse.mobilisation": "mobilisation of resources",
        "discourse.place_identity": "place development and identity",
        "discourse.independent": "volunteering as an independent actor",
        "preset": "Policy",
        "preset.hint": "Choosing a policy resets the levers below to its values.",
        "levers": "Levers of the policy",
        "levers.follows": "Under “As planned” a municipality whose plans speak of {discourse} "
        "follows the {preset} policy, so these levers do not apply to {name}. "
        "Choose {preset} to adjust its levers.",
        "levers.adjusted": "adjusted",
        "levers.reset": "Reset levers",
        "baseline": "Compare with (baseline)",
        "demography": "Population projection (SSB)",
        "seeds": "Random seeds",
        "metric": "Show",
        "tab.projection": "Projection 2024–2050",
        "tab.agents": "Watch the agents",
        "fan.title": "{metric} in {name}",
        "fan.subtitle": "{policy} with median, 50 % and 90 % bands over {n} seeds; "
        "dashed: {baseline}, median",
        "diff.title": "{policy} minus {baseline}",
        "diff.subtitle": "Paired on the same {n} seeds (common random numbers): "
        "median, 50 % and 90 % bands",
        "diff.axis": "Difference in {metric}",
        "legend.policy_median": "{policy}: median",
        "legend.baseline_median": "{baseline}: median",
        "legend.diff_median": "Median difference",
        "summary": "In {year}, {metric_lower} under {policy}: {value} (median; 90 % band "
        "{lo} to {hi}). Under {baseline}: {base}. Difference: {diff} (90 % band {dlo} to {dhi}).",
        "computed": "Computed with the fast engine in {seconds} s.",
        "cached": "Computed earlier with the fast engine (kept in memory).",
        "agents.intro": "The Mesa model of {name} under {policy}, month by month, on the "
        "projection's first seed (its yearly numbers are one line of the fan): every dot is "
        "one volunteer.",
        "agents.date": "Month: {date}",
        "agents.step_month": "Next month",
        "agents.step_year": "Next year",
        "agents.play": "Play",
        "agents.pause": "Pause",
        "agents.reset": "Start again",
        "agents.dots": "Volunteers: age and motivation",
        "agents.age": "Age (years)",
        "agents.motivation": "Motivation (0–1)",
        "agents.count": "Volunteers (persons)",
        "agents.centres": "Centre {k}: leader {leader}, trust {trust}, strain {strain}, "
        "orders this month {orders}",
        "agents.leader_in_post": "in post",
        "agents.leader_vacant": "post vacant",
        "agents.ended": "The run has reached December {year}.",
        "volunteer_policy.region": "as the municipality has it",
        "volunteer_policy.adopted": "adopted",
        "volunteer_policy.none": "none",
        "decline_response.persist": "keeps ordering",
        "decline_response.back_off": "orders less for a while",
        "lever.order_intensity": "Orders: share of the gap sent to the centre as orders",
        "lever.influence_on_orders": "Volunteers' influence on ordered tasks",
        "lever.cocreation_share": "Share of hours in jointly designed tasks",
        "lever.decline_penalty": "Trust lost when the centre declines an order",
        "lever.leader_followup_share": "Share of the leader's time for following up volunteers",
        "lever.evaluation_interval": "Months between joint evaluations (0 = none)",
        "lever.start_year": "Year the policy takes effect",
        "lever.labour_shortage": "Yearly change in municipal staff capacity",
        "lever.fiscal_stress_multiplier": "Fiscal stress (× the municipality's own)",
        "lever.municipal_backup": "Municipal staff step in when volunteers are too few",
        "lever.supplement_principle": "Volunteers only supplement statutory services",
        "lever.recruit_62plus": "Recruit people aged 62 and over actively",
        "lever.decline_response": "When the centre declines orders, the municipality",
        "lever.volunteer_policy": "Municipal volunteer policy",
        "yes": "yes",
        "no": "no",
    },
    "nb": {
        "title": "frivilligsim – scenarioutforsker",
        "subtitle": "Frivillige og velferdsbehov i én kommune, 2024–2050",
        "language": "Språk",
        "municipality": "Kommune",
        "municipality.item": "{name} ({code}), {residents} innbyggere",
        "map.hint": "Klikk på en kommune i kartet for å velge den. Kart:",
        "municipality.plans": "Planene snakker om: {discourse}",
        "discourse.cocreation": "samskaping",
        "discourse.mobilisation": "mobilisering av ressurser",
        "discourse.place_identity": "stedsutvikling og identitet",
        "discourse.independent": "frivilligheten som selvstendig aktør",
        "preset": "Politikk",
        "preset.hint": "Når du velger en politikk, settes spakene under til dens verdier.",
        "levers": "Politikkens spaker",
        "levers.follows": "Under «Som planlagt» følger en kommune der planene snakker om "
        "{discourse}, politikken {preset}, så disse spakene gjelder ikke for {name}. "
        "Velg {preset} for å justere spakene.",
        "levers.adjusted": "justert",
        "levers.reset": "Tilbakestill spakene",
        "baseline": "Sammenlign med (referanse)",
        "demography": "Befolkningsframskriving (SSB)",
        "seeds": "Tilfeldige frø",
        "metric": "Vis",
        "tab.projection": "Framskriving 2024–2050",
        "tab.agents": "Se agentene",
        "fan.title": "{metric} i {name}",
        "fan.subtitle": "{policy} med median, 50 %- og 90 %-bånd over {n} frø; "
        "stiplet: {baseline}, median",
        "diff.title": "{policy} minus {baseline}",
        "diff.subtitle": "Parvis på de samme {n} frøene (felles tilfeldige tall): "
        "median, 50 %- og 90 %-bånd",
        "diff.axis": "Forskjell i {metric}",
        "legend.policy_median": "{policy}: median",
        "legend.baseline_median": "{baseline}: median",
        "legend.diff_median": "Median forskjell",
        "summary": "I {year}, {metric_lower} under {policy}: {value} (median; 90 %-bånd "
        "{lo} til {hi}). Under {baseline}: {base}. Forskjell: {diff} (90 %-bånd {dlo} til {dhi}).",
        "computed": "Beregnet med den raske motoren på {seconds} s.",
        "cached": "Beregnet tidligere med den raske motoren (lagret i minnet).",
        "agents.intro": "Mesa-modellen av {name} under {policy}, måned for måned, med "
        "framskrivingens første frø (årstallene er én linje i viften): hver prikk er én frivillig.",
        "agents.date": "Måned: {date}",
        "agents.step_month": "Neste måned",
        "agents.step_year": "Neste år",
        "agents.play": "Spill av",
        "agents.pause": "Pause",
        "agents.reset": "Start på nytt",
        "agents.dots": "Frivillige: alder og motivasjon",
        "agents.age": "Alder (år)",
        "agents.motivation": "Motivasjon (0–1)",
        "agents.count": "Frivillige (personer)",
        "agents.centres": "Sentral {k}: daglig leder {leader}, tillit {trust}, belastning "
        "{strain}, bestillinger denne måneden {orders}",
        "agents.leader_in_post": "i stilling",
        "agents.leader_vacant": "stillingen står tom",
        "agents.ended": "Kjøringen har nådd desember {year}.",
        "volunteer_policy.region": "slik kommunen har det",
        "volunteer_policy.adopted": "vedtatt",
        "volunteer_policy.none": "ingen",
        "decline_response.persist": "bestiller like mye",
        "decline_response.back_off": "bestiller mindre en stund",
        "lever.order_intensity": "Bestillinger: andel av gapet som sendes sentralen som bestillinger",
        "lever.influence_on_orders": "Frivilliges innflytelse på bestilte oppgaver",
        "lever.cocreation_share": "Andel timer i oppgaver som utformes sammen",
        "lever.decline_penalty": "Tillit som tapes når sentralen avslår en bestilling",
        "lever.leader_followup_share": "Andel av daglig leders tid til oppfølging av frivillige",
        "lever.evaluation_interval": "Måneder mellom felles evalueringer (0 = ingen)",
        "lever.start_year": "År politikken trer i kraft",
        "lever.labour_shortage": "Årlig endring i kommunens bemanning",
        "lever.fiscal_stress_multiplier": "Økonomisk press (× kommunens eget)",
        "lever.municipal_backup": "Kommunens ansatte trer inn når frivillige ikke strekker til",
        "lever.supplement_principle": "Frivillige er bare et supplement til lovpålagte tjenester",
        "lever.recruit_62plus": "Rekrutter personer på 62 år og eldre aktivt",
        "lever.decline_response": "Når sentralen sier nei til bestillinger, gjør kommunen dette",
        "lever.volunteer_policy": "Kommunens frivillighetspolitikk",
        "yes": "ja",
        "no": "nei",
    },
}

# The outcomes the explorer charts, in menu order (their names come from output/i18n.py).
METRICS = (
    "volunteers",
    "coverage",
    "mean_motivation",
    "volunteer_hours",
    "orders_declined",
    "leader_strain",
)


def say(key: str, lang: str = "en", **fields) -> str:
    """The explorer's text ``key`` in ``lang``, with ``fields`` filled in."""
    text = _WORDS[i18n.check_lang(lang)][key]
    return text.format(**fields) if fields else text


def metric_title(metric: str, lang: str) -> str:
    return i18n.t(f"metric.{metric}.title", lang)


def metric_axis(metric: str, lang: str) -> str:
    return i18n.t(f"metric.{metric}.axis", lang)


def policy_name(preset: str, lang: str, adjusted: bool = False) -> str:
    """A preset's name in words, marked when its levers were changed."""
    name = i18n.policy_label(preset, lang)
    return f"{name} ({say('levers.adjusted', lang)})" if adjusted else name


def number(x: float, lang: str, decimals: int = 0) -> str:
    return i18n.fmt_number(x, lang, decimals)
