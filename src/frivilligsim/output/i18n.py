"""Labels for figures and reports in English (``en``) and Norwegian bokmål (``nb``).

Owns every human-readable string the plots and the HTML report show, so a figure made with
``lang="nb"`` carries no English. Norwegian terms follow the source report: *frivilligsentral*,
*samskaping* (co-creation), *bestillinger* (orders), *daglig leder* (centre leader),
*frivillige* (volunteers), *dekningsgrad* (coverage), *motivasjon*.

Must not hold behaviour or parameter values; only words and number formatting.
"""

from __future__ import annotations

import math

LANGS = ("en", "nb")

en: dict[str, str] = {
    # Policies (schema.POLICIES)
    "policy.cocreation": "Co-creation",
    "policy.mobilisation": "Mobilisation",
    "policy.mobilisation_well": "Mobilisation done well",
    "policy.as_planned": "As planned",
    # Demography alternatives (schema.DEMOGRAPHIES), named as Statistics Norway names them
    "demography.MMMM": "Main alternative (MMMM)",
    "demography.LLML": "Low national growth (LLML)",
    "demography.HHMH": "High national growth (HHMH)",
    "demography.LHML": "Strong ageing (LHML)",
    "demography.HLMH": "Weak ageing (HLMH)",
    "demography.MMM0": "Zero immigration (MMM0)",
    "demography.static": "No ageing (2024 kept, static)",
    # Welfare areas (schema.AREAS)
    "area.elderly_health": "Health, care and the elderly",
    "area.inclusion": "Diversity, inclusion and integration",
    "area.children_youth": "Children, youth, upbringing and school",
    "area.culture": "Culture, leisure and sport",
    # Volunteer cohorts (schema.COHORTS)
    "cohort.youth": "Youth 13–25",
    "cohort.adult": "Adults 26–61",
    "cohort.young_retiree": "Young retirees 62–75",
    "cohort.senior": "Seniors 76+",
    # Metrics: title and axis label with unit
    "metric.volunteers.title": "Volunteers",
    "metric.volunteers.axis": "Volunteers (persons)",
    "metric.volunteer_hours.title": "Volunteer hours",
    "metric.volunteer_hours.axis": "Volunteer hours (hours per year)",
    "metric.coverage.title": "Coverage of demand",
    "metric.coverage.axis": "Coverage of demand (share)",
    "metric.mean_motivation.title": "Mean motivation of volunteers",
    "metric.mean_motivation.axis": "Mean motivation (index 0–1)",
    "metric.orders_declined.title": "Orders declined by volunteer centres",
    "metric.orders_declined.axis": "Orders declined (number per year)",
    "metric.leader_strain.title": "Strain on centre leaders",
    "metric.leader_strain.axis": "Leader strain (demand ÷ time budget)",
    # Common figure words
    "axis.year": "Year",
    "axis.hours": "Hours per year",
    "axis.policy": "Policy",
    "legend.median": "Median",
    "legend.band50": "50 % band",
    "legend.band90": "90 % band",
    "legend.demand": "Demand",
    "legend.supply": "Volunteer hours meeting demand",
    "legend.no_difference": "No difference",
    "legend.time_budget": "Full time budget",
    "legend.threshold": "Threshold {thr}",
    "footer.synthetic": "Source: frivilligsim simulation; synthetic District Norway region",
    "footer.real": "Source: frivilligsim simulation; population: Statistics Norway (SSB), "
    "table 07459 and classification 128, CC BY 4.0",
    "skip.policy_missing": "{policies} was not run, so there is no pair to compare",
    "skip.columns_missing": "the results have no {columns} columns",
    # Figure titles
    "fig.fan.title": "{metric}, {start}–{end}",
    "fig.fan.subtitle": "Median with 50 % and 90 % bands across {n} replicates, "
    "by demographic alternative",
    "fig.diff.title": "Co-creation minus mobilisation, {start}–{end}",
    "fig.diff.subtitle": "Paired on the same demographic alternative and random seed; "
    "median and 90 % band across {n} replicates",
    "fig.diff.volunteers": "Difference in volunteers (persons)",
    "fig.diff.coverage": "Difference in coverage of demand (share)",
    "fig.ds.title": "Demand and volunteer hours by welfare area – {demography}",
    "fig.ds.subtitle": "Median across {n} replicates. "
    "Solid lines: volunteer hours meeting demand; dashed lines: demand",
    "fig.cohort.title": "Volunteers by age group – {demography}",
    "fig.cohort.subtitle": "Median across {n} replicates for each age group, stacked",
    "fig.cov.title": "Coverage of demand across municipalities in {year}",
    "fig.cov.subtitle": "Each point is one municipality with a volunteer centre (median across "
    "{n} replicates); dashed line: threshold {thr}.",
    "fig.cov.subtitle.one": "Each point is one municipality with a volunteer centre (one "
    "replicate); dashed line: threshold {thr}.",
    "fig.cov.without": "Not shown: {k} municipalities without a volunteer centre (hence "
    "without coverage).",
    "fig.cov.below": "{k} of {m}\nbelow {thr}",
    "fig.fan.subtitle.one": "One replicate (no band), by demographic alternative",
    "fig.diff.subtitle.one": "Paired on the same demographic alternative and random seed; "
    "one replicate",
    "fig.ds.subtitle.one": "One replicate. Solid lines: volunteer hours meeting demand; dashed "
    "lines: demand",
    "fig.cohort.subtitle.one": "One replicate; the age groups stacked",
    # Report
    "report.title": "Volunteering and welfare demand to {end}",
    "report.generated": "Report generated by frivilligsim {version}.",
    "report.question": "The question",
    "report.scenarios": "Scenarios run",
    "report.headline": "Headline results for {year}",
    "report.figures": "Figures",
    "report.figure": "Figure {i}",
    "report.figure.skipped": "Figure not drawn: {reason}",
    "report.figures.data": "The data behind each figure is stored next to it as a CSV file "
    "in the run's figures folder.",
    "report.provenance": "Assumptions and provenance",
    "report.provenance.intro": "Parameter values used in this run and where they come from, "
    "as recorded in the model's configuration files (sources are given in English).",
    "report.provenance.absent": "This run's manifest records no parameter provenance, so the "
    "assumptions behind the parameter values cannot be listed here. See the resolved "
    "configuration in manifest.json.",
    "report.col.group": "Group",
    "report.col.parameter": "Parameter",
    "report.col.value": "Value",
    "report.col.source": "Source",
    "report.col.policy": "Policy",
    "report.col.demography": "Demographic alternative",
    "report.col.volunteers": "Volunteers (persons)",
    "report.col.coverage": "Coverage of demand (share)",
    "report.col.motivation": "Mean motivation (index 0–1)",
    "report.sc.experiment": "Experiment",
    "report.sc.region": "Region",
    "report.sc.synthetic": "synthetic District Norway region, not real municipalities",
    "report.sc.real": "real municipalities",
    "report.sc.municipalities": "Municipalities",
    "report.sc.policies": "Policies",
    "report.sc.demographies": "Demographic alternatives",
    "report.sc.replicates": "Replicates (random seeds)",
    "report.sc.combinations": "Scenario combinations",
    "report.sc.combinations.value": "{p} × {d} × {s} = {total} runs "
    "(policies × demographic alternatives × seeds)",
    "report.sc.years": "Years",
    "report.sc.version": "Model version",
    "report.sc.commit": "Git commit",
    "report.sc.started": "Started",
    "report.sc.finished": "Finished",
    "report.sc.status": "Status",
    "report.sc.unknown": "not recorded",
    "value.yes": "yes",
    "value.no": "no",
    "status.complete": "complete",
    "status.failed": "failed",
    "status.running": "running (not finished)",
    "report.warn.status": "This run did not complete (status: {status}). "
    "The results may be incomplete.",
    "report.warn.synthetic": "The region is synthetic: the municipalities are made up to "
    "resemble District Norway and are not real places. Read the results as patterns, "
    "not as forecasts for any municipality.",
    "report.policies.explained": "Co-creation (samskaping): the municipality and the volunteer "
    "centre plan and run activities together. Mobilisation: the municipality mobilises "
    "volunteers through orders (bestillinger) to the volunteer centre. Mobilisation done well: "
    "as many orders, but clarified in advance, with staff backup and evaluation, and a no "
    "accepted. As planned: each municipality works as the study finds cooperation works in "
    "practice, tilted by its own plans. The policies differ only in how the municipality works "
    "with its centre; what centres and volunteers do is the same under every policy.",
    "report.policies.gap": "What the gap between co-creation and mobilisation rests on: in the "
    "model it needs three of mobilisation's levers together, many orders, orders kept up after "
    "the centre says no, and little say for volunteers over them; the co-creation share, the "
    "trust penalty, backup and evaluation each move it little (docs/ODD.md section 7.0). "
    "python -m frivilligsim experiment=decomposition splits it lever by lever.",
    "report.question.ageing_2050": "How will an ageing population change the supply of "
    "volunteers and the share of welfare-service demand that volunteers can meet in District "
    "Norway up to 2050, and does co-creation sustain volunteering better than mobilisation "
    "through orders?",
    "report.question.policy_sweep": "How much do the outcomes depend on the way municipalities "
    "work with their volunteer centres: co-creation, mobilisation through orders, or as "
    "planned today?",
    "report.question.smoke": "Smoke test: a short, small run that checks the model runs from "
    "start to end. The numbers are not meant to be interpreted.",
    "report.question.generic": "How do the supply of volunteers and the coverage of "
    "welfare-service demand develop under the policies and demographic alternatives run?",
    "caption.fan": "{title}. Lines show the median across replicates; the darker band holds "
    "the middle 50 % and the lighter band the middle 90 % of replicates. One panel per "
    "demographic alternative.",
    "caption.policy_difference": "Difference between co-creation and mobilisation, computed "
    "for each pair of runs that share demographic alternative and random seed. Above zero "
    "means co-creation gives more volunteers or higher coverage.",
    "caption.demand_supply": "Demand for hours and the volunteer hours that meet it, by "
    "welfare area, for {demography}.",
    "caption.volunteers_by_cohort": "Volunteers by age group for each policy, {demography}. "
    "Each layer is the median for that age group, so the total can differ slightly from "
    "the median total.",
    "caption.coverage_distribution": "Coverage of demand (illustrative, see Definitions) in "
    "each municipality with a volunteer centre in {year}; under each policy, how many of them "
    "are below the threshold of {thr}. Municipalities without a centre are counted apart.",
}

nb: dict[str, str] = {
    "policy.cocreation": "Samskaping",
    "policy.mobilisation": "Mobilisering",
    "policy.mobilisation_well": "Mobilisering med innflytelse",
    "policy.as_planned": "Som planlagt",
    "demography.MMMM": "Hovedalternativet (MMMM)",
    "demography.LLML": "Lav nasjonal vekst (LLML)",
    "demography.HHMH": "Høy nasjonal vekst (HHMH)",
    "demography.LHML": "Sterk aldring (LHML)",
    "demography.HLMH": "Svak aldring (HLMH)",
    "demography.MMM0": "Null innvandring (MMM0)",
    "demography.static": "Ingen aldring (2024 holdt fast, static)",
    "area.elderly_health": "Helse, pleie, omsorg og eldre",
    "area.inclusion": "Mangfold, inkludering og integrering",
    "area.children_youth": "Barn, unge, oppvekst og skole",
    "area.culture": "Kultur, fritid og idrett",
    "cohort.youth": "Ungdom 13–25",
    "cohort.adult": "Voksne 26–61",
    "cohort.young_retiree": "Unge eldre 62–75",
    "cohort.senior": "Eldre 76+",
    "metric.volunteers.title": "Frivillige",
    "metric.volunteers.axis": "Frivillige (personer)",
    "metric.volunteer_hours.title": "Timer frivillig innsats",
    "metric.volunteer_hours.axis": "Frivillig innsats (timer per år)",
    "metric.coverage.title": "Dekningsgrad",
    "metric.coverage.axis": "Dekningsgrad (andel av behovet)",
    "metric.mean_motivation.title": "Gjennomsnittlig motivasjon blant frivillige",
    "metric.mean_motivation.axis": "Gjennomsnittlig motivasjon (indeks 0–1)",
    "metric.orders_declined.title": "Bestillinger avslått av frivilligsentralene",
    "metric.orders_declined.axis": "Avslåtte bestillinger (antall per år)",
    "metric.leader_strain.title": "Belastning på daglig leder",
    "metric.leader_strain.axis": "Belastning (arbeidsmengde ÷ tidsbudsjett)",
    "axis.year": "År",
    "axis.hours": "Timer per år",
    "axis.policy": "Politikkalternativ",
    "legend.median": "Median",
    "legend.band50": "50 %-intervall",
    "legend.band90": "90 %-intervall",
    "legend.demand": "Behov",
    "legend.supply": "Frivillige timer som dekker behov",
    "legend.no_difference": "Ingen forskjell",
    "legend.time_budget": "Fullt tidsbudsjett",
    "legend.threshold": "Terskel {thr}",
    "footer.synthetic": "Kilde: frivilligsim-simulering; syntetisk Distrikts-Norge-region",
    "footer.real": "Kilde: frivilligsim-simulering; befolkning: Statistisk sentralbyrå (SSB), "
    "tabell 07459 og klassifikasjon 128, CC BY 4.0",
    "skip.policy_missing": "{policies} ble ikke kjørt, så det finnes ikke noe par å sammenligne",
    "skip.columns_missing": "resultatene mangler kolonnene {columns}",
    "fig.fan.title": "{metric}, {start}–{end}",
    "fig.fan.subtitle": "Median med 50 %- og 90 %-intervall over {n} simuleringer, "
    "etter demografialternativ",
    "fig.diff.title": "Samskaping minus mobilisering, {start}–{end}",
    "fig.diff.subtitle": "Parvis på samme demografialternativ og tilfeldige frø; "
    "median og 90 %-intervall over {n} simuleringer",
    "fig.diff.volunteers": "Forskjell i antall frivillige (personer)",
    "fig.diff.coverage": "Forskjell i dekningsgrad (andel)",
    "fig.ds.title": "Behov og frivillig innsats etter velferdsområde – {demography}",
    "fig.ds.subtitle": "Median over {n} simuleringer. "
    "Heltrukne linjer: frivillige timer som dekker behov; stiplede linjer: behov",
    "fig.cohort.title": "Frivillige etter aldersgruppe – {demography}",
    "fig.cohort.subtitle": "Median over {n} simuleringer for hver aldersgruppe, stablet",
    "fig.cov.title": "Dekningsgrad i kommunene i {year}",
    "fig.cov.subtitle": "Hvert punkt er én kommune med frivilligsentral (median over {n} "
    "simuleringer); stiplet linje: terskel {thr}.",
    "fig.cov.subtitle.one": "Hvert punkt er én kommune med frivilligsentral (én simulering); "
    "stiplet linje: terskel {thr}.",
    "fig.cov.without": "Ikke vist: {k} kommuner uten frivilligsentral (og dermed uten "
    "dekningsgrad).",
    "fig.cov.below": "{k} av {m}\nunder {thr}",
    "fig.fan.subtitle.one": "Én simulering (ingen intervaller), etter demografialternativ",
    "fig.diff.subtitle.one": "Parvis på samme demografialternativ og tilfeldige frø; én simulering",
    "fig.ds.subtitle.one": "Én simulering. Heltrukne linjer: frivillige timer som dekker behov; "
    "stiplede linjer: behov",
    "fig.cohort.subtitle.one": "Én simulering; aldersgruppene stablet",
    "report.title": "Frivillighet og velferdsbehov fram mot {end}",
    "report.generated": "Rapporten er laget av frivilligsim {version}.",
    "report.question": "Spørsmålet",
    "report.scenarios": "Scenarioer som er kjørt",
    "report.headline": "Hovedresultater for {year}",
    "report.figures": "Figurer",
    "report.figure": "Figur {i}",
    "report.figure.skipped": "Figuren er ikke laget: {reason}",
    "report.figures.data": "Tallene bak hver figur ligger ved siden av den som en CSV-fil "
    "i kjøringens figurmappe.",
    "report.provenance": "Forutsetninger og kilder",
    "report.provenance.intro": "Parameterverdier brukt i denne kjøringen, og hvor de kommer fra, "
    "slik det står i modellens konfigurasjonsfiler (kildene er oppgitt på engelsk).",
    "report.provenance.absent": "Manifestet for denne kjøringen oppgir ingen kilder for "
    "parameterne, så forutsetningene bak parameterverdiene kan ikke listes her. Se den "
    "fullstendige konfigurasjonen i manifest.json.",
    "report.col.group": "Gruppe",
    "report.col.parameter": "Parameter",
    "report.col.value": "Verdi",
    "report.col.source": "Kilde",
    "report.col.policy": "Politikkalternativ",
    "report.col.demography": "Demografialternativ",
    "report.col.volunteers": "Frivillige (personer)",
    "report.col.coverage": "Dekningsgrad (andel)",
    "report.col.motivation": "Gjennomsnittlig motivasjon (indeks 0–1)",
    "report.sc.experiment": "Eksperiment",
    "report.sc.region": "Region",
    "report.sc.synthetic": "syntetisk Distrikts-Norge-region, ikke virkelige kommuner",
    "report.sc.real": "virkelige kommuner",
    "report.sc.municipalities": "Kommuner",
    "report.sc.policies": "Politikkalternativer",
    "report.sc.demographies": "Demografialternativer",
    "report.sc.replicates": "Simuleringer (tilfeldige frø)",
    "report.sc.combinations": "Kombinasjoner",
    "report.sc.combinations.value": "{p} × {d} × {s} = {total} kjøringer "
    "(politikkalternativer × demografialternativer × frø)",
    "report.sc.years": "År",
    "report.sc.version": "Modellversjon",
    "report.sc.commit": "Git-versjon",
    "report.sc.started": "Startet",
    "report.sc.finished": "Ferdig",
    "report.sc.status": "Status",
    "report.sc.unknown": "ikke registrert",
    "value.yes": "ja",
    "value.no": "nei",
    "status.complete": "fullført",
    "status.failed": "feilet",
    "status.running": "kjører (ikke ferdig)",
    "report.warn.status": "Denne kjøringen ble ikke fullført (status: {status}). "
    "Resultatene kan være ufullstendige.",
    "report.warn.synthetic": "Regionen er syntetisk: kommunene er konstruert for å ligne "
    "Distrikts-Norge og er ikke virkelige steder. Les resultatene som mønstre, ikke som "
    "prognoser for en bestemt kommune.",
    "report.policies.explained": "Samskaping: kommunen og frivilligsentralen planlegger og "
    "gjennomfører aktiviteter sammen. Mobilisering: kommunen mobiliserer frivillige gjennom "
    "bestillinger til frivilligsentralen. Mobilisering med innflytelse: like mange "
    "bestillinger, avklart på forhånd, med ansatte som stiller opp, med evaluering og "
    "med rom for å si nei. Som planlagt: hver kommune arbeider slik studien finner at "
    "samarbeidet fungerer i praksis, justert etter kommunens egne planer. Alternativene "
    "skiller seg bare i hvordan kommunen arbeider med sentralen; det sentralene og de "
    "frivillige gjør, er likt i alle alternativene.",
    "report.policies.gap": "Hva forskjellen mellom samskaping og mobilisering hviler på: i "
    "modellen krever den tre av mobiliseringens virkemidler samtidig, mange bestillinger, at "
    "kommunen fortsetter å bestille etter at sentralen har sagt nei, og at de frivillige har "
    "lite å si over bestillingene; andelen samskaping, tillitstapet, ansatte som stiller opp "
    "og evaluering flytter den lite (docs/ODD.md avsnitt 7.0). "
    "python -m frivilligsim experiment=decomposition deler den opp virkemiddel for "
    "virkemiddel.",
    "report.question.ageing_2050": "Hvordan vil en eldre befolkning endre tilgangen på "
    "frivillige og hvor stor del av behovet for velferdstjenester frivillige kan dekke i "
    "Distrikts-Norge fram mot 2050, og holder samskaping bedre på de frivillige enn "
    "mobilisering gjennom bestillinger?",
    "report.question.policy_sweep": "Hvor mye avhenger resultatene av hvordan kommunene "
    "arbeider med frivilligsentralene: samskaping, mobilisering gjennom bestillinger, eller "
    "slik de planlegger i dag?",
    "report.question.smoke": "Røyktest: en kort og liten kjøring som sjekker at modellen "
    "kjører fra start til slutt. Tallene skal ikke tolkes.",
    "report.question.generic": "Hvordan utvikler tilgangen på frivillige og dekningsgraden "
    "for behovet for velferdstjenester seg under politikkalternativene og "
    "demografialternativene som er kjørt?",
    "caption.fan": "{title}. Linjene viser medianen over simuleringene; det mørke feltet "
    "rommer de midterste 50 % og det lyse feltet de midterste 90 % av simuleringene. Ett "
    "panel per demografialternativ.",
    "caption.policy_difference": "Forskjellen mellom samskaping og mobilisering, beregnet "
    "for hvert par av kjøringer med samme demografialternativ og tilfeldige frø. Over null "
    "betyr at samskaping gir flere frivillige eller høyere dekningsgrad.",
    "caption.demand_supply": "Behovet for timer og de frivillige timene som dekker det, "
    "etter velferdsområde, for {demography}.",
    "caption.volunteers_by_cohort": "Frivillige etter aldersgruppe for hvert "
    "politikkalternativ, {demography}. Hvert lag er medianen for aldersgruppen, så summen "
    "kan avvike litt fra mediantotalen.",
    "caption.coverage_distribution": "Dekningsgraden (illustrerende, se Begreper) i hver "
    "kommune med frivilligsentral i {year}; under hvert politikkalternativ står hvor mange av "
    "dem som ligger under terskelen på {thr}. Kommuner uten sentral telles for seg.",
}

# Added for the planner-facing report: definitions, the headline, orderings, maps, municipality
# reports, tables and the terminal ---------------------------------------------------------------

en.update(
    {
        "report.headline.note": "Region totals in {start} and {year}: the median across {n} "
        "replicates, with the 90 % band across replicates in brackets (5th to 95th "
        "percentile). The terminal and `headline.csv` show the same numbers.",
        "report.headline.note.one": "Region totals in {start} and {year} from 1 replicate, so "
        "there is no band across replicates. The terminal and `headline.csv` show the same "
        "numbers.",
        "report.headline.note.muni": "{place} in {start} and {year}: the median across {n} "
        "replicates, with the 90 % band across replicates in brackets.",
        "report.headline.note.muni.one": "{place} in {start} and {year}, from 1 replicate (no "
        "band across replicates).",
        "report.sc.replicates.value": "{n} replicates, numbered 0–{last}; each one's random "
        "seed is derived from the base seed {base}",
        "report.sc.replicates.one": "1 replicate (replicate 0); its random seed is derived from "
        "the base seed {base}",
        "report.definitions": "What the outcomes mean",
        "def.volunteers": "Volunteers: residents aged 13 or older who are active at a volunteer "
        "centre (frivilligsentral) in December of the year; persons, not full-time "
        "equivalents.",
        "def.coverage": "Coverage of demand: the share of the year's demand for "
        "welfare-service hours that volunteer hours meet, each welfare area capped at its "
        "demand (docs/ODD.md section 7.9). For the region it is the sum of the hours met in "
        "all municipalities divided by the sum of their demand, so a municipality weighs by "
        "its demand; this is the figure shown in the headline table and the figures.",
        "def.coverage.mean": "The plain average of the municipalities' own coverage is another "
        "number: {values} in {year} (municipalities with a centre, {demography}), against a "
        "regional coverage of {regional}. It gives a small municipality the same weight as a "
        "large one.",
        "def.coverage.illustrative": "Read coverage as illustrative. It treats the volunteer "
        "centres as producers of hours of service, while the source report warns that the "
        "debate about the centres' value rests almost entirely on that view and that centres "
        "also link organisations and the municipality (L2277-2282 of the 2024 report).",
        "def.motivation": "Mean motivation: the volunteers' average motivation, an index from 0 "
        "to 1 (docs/ODD.md section 7.6).",
        "def.replicates": "Replicate: one run of the model with its own random seed. The "
        "spread across replicates shows chance in the model, not uncertainty in its "
        "assumptions.",
        "report.orderings": "Why the scenarios are ordered as they are",
        "report.orderings.none": "No demographic alternative with an older population did "
        "better than {reference} under every policy, so there is no unexpected ordering to "
        "explain.",
        "order.claim": "{demo} has an older population than {reference} in {year} (70+ share "
        "{share} against {share_ref}), yet under every policy it has {what}.",
        "order.more_volunteers": "more volunteers ({range})",
        "order.higher_coverage": "a higher coverage ({range})",
        "order.join": " and ",
        "order.because": "The results show why:",
        "order.residents": "Residents aged {band} ({kind}): {delta}",
        "order.band.children": "0–17",
        "order.band.young_retirees": "62–75",
        "order.kind.children": "children, who add to demand but not to volunteering",
        "order.kind.young_retirees": "young retirees, the age group most active as volunteers",
        "order.band.seniors": "76 and older",
        "order.kind.seniors": "seniors",
        "order.cohort": "Volunteers, {cohort}: {delta}",
        "order.area": "Demand, {area}: {delta}",
        "order.summary.volunteers": "The extra volunteers are in these age groups: {cohorts}.",
        "order.summary.demand": "Total demand for hours is {delta} against {reference}, so "
        "the volunteer hours cover a larger share of it.",
        "order.summary.note": "Differences are {demo} minus {reference} in {year}: medians "
        "across replicates, averaged over the policies (residents: the first replicate).",
        "report.map": "Map",
        "report.map.none": "No map: {reason}",
        "report.map.synthetic": "the synthetic region's municipalities are not real places and "
        "have no boundaries",
        "report.map.missing": "this installation has no municipality boundaries",
        "report.municipalities": "Results by municipality",
        "report.municipalities.text": "`municipalities.csv` and `municipalities.xlsx` in the run "
        "folder hold one row per municipality, policy and demographic alternative: name, "
        "centrality class, residents and 70+ share in {start} and {end}, and volunteers and "
        "coverage in {end} (median and 90 % band across replicates). For one municipality's "
        "report: `python -m frivilligsim.report <run folder> --municipality <number>`.",
        "report.muni.title": "{name}: volunteering and welfare demand to {end}",
        "report.muni.intro": "{name} (municipality number {code}, centrality class "
        "{centrality}) in a run of {municipalities} municipalities. Every figure and number in "
        "this report is for {name} alone; the report for the whole region is `{region_report}` "
        "in the same folder.",
        "report.muni.centre.none": "{name} has no volunteer centre in this run, so it has no "
        "coverage.",
        "report.muni.table": "Residents and outcomes",
        "report.col.year": "Year",
        "report.col.residents": "Residents (persons)",
        "report.col.share_70plus": "Share aged 70+",
        "report.col.municipality": "Municipality",
        "report.col.number": "Municipality number",
        "report.col.centrality": "Centrality class",
        "caption.population_pyramid": "Residents by age and sex in {first} (bars) and {last} "
        "(lines), {demography}, from the first replicate.",
        "caption.share_70plus": "Share of residents aged 70 or older in {place}, by "
        "demographic alternative; crosses: the source report's figures for District Norway.",
        "place.region": "the region",
        "caption.map": "Left: volunteers per 1,000 residents in {year} under {policy}, "
        "{demography}. Right: co-creation minus mobilisation, on the same alternative and "
        "seeds. Median across replicates. Boundaries: © Kartverket (CC BY 4.0).",
        "caption.map.one": "Volunteers per 1,000 residents in {year} under {policy}, "
        "{demography}. Median across replicates. Boundaries: © Kartverket (CC BY 4.0).",
        "fig.map.title": "Volunteers per 1,000 residents in {year}, by municipality",
        "fig.map.subtitle": "{demography}; median across {n} replicates. Grey: not in the run.",
        "fig.map.subtitle.one": "{demography}; one replicate. Grey: not in the run.",
        "fig.map.level": "{policy}",
        "fig.map.diff": "Co-creation minus mobilisation",
        "fig.map.level.axis": "Volunteers per 1,000 residents",
        "fig.map.diff.axis": "Difference (volunteers per 1,000 residents)",
        "map.credit": "Boundaries: © Kartverket (CC BY 4.0)",
        "group.model": "model",
        "group.policy": "policy",
        "group.demography": "demography",
        "group.region": "region",
        "group.engine": "engine",
        "term.scope.whole": "whole region",
        "term.scope.some": "{n} municipalities",
        "term.title": "Headline results, {end}, beside {start} ({scope}; median and 90 % "
        "band across {n} replicates)",
        "term.title.one": "Headline results, {end}, beside {start} ({scope}; 1 replicate, no band)",
        "term.policy": "policy",
        "term.demography": "demography",
        "term.outcome": "outcome",
        "term.volunteers": "volunteers",
        "term.coverage": "coverage",
        "term.mean_motivation": "motivation",
        "term.done": "Done. Outputs in {path}",
        "error.municipality": "municipality {code} is not in this run; it has {n} "
        "municipalities, e.g. {examples}",
        "col.municipality": "municipality",
        "col.municipality_name": "name",
        "col.centrality": "centrality_class",
        "col.policy": "policy",
        "col.demography": "demography",
        "col.has_centre": "has_volunteer_centre",
        "col.residents": "residents_{year}",
        "col.share_70plus": "share_70plus_{year}",
        "col.volunteers": "volunteers_{year}",
        "col.coverage": "coverage_{year}",
        "col.year": "year",
        "col.metric": "outcome",
        "col.median": "median",
        "col.q05": "band_low_5pct",
        "col.q95": "band_high_95pct",
        "col.n": "replicates",
        "col.q05.suffix": "_band_low",
        "col.q95.suffix": "_band_high",
        "metric.volunteers.code": "volunteers",
        "metric.coverage.code": "coverage",
        "metric.mean_motivation.code": "mean_motivation",
    }
)

nb.update(
    {
        "report.headline.note": "Summen for regionen i {start} og {year}: medianen over {n} "
        "simuleringer, med 90 %-intervallet mellom simuleringene i parentes (5. til 95. "
        "persentil). Terminalen og `headline.csv` viser de samme tallene.",
        "report.headline.note.one": "Summen for regionen i {start} og {year} fra 1 simulering, "
        "så det er ikke noe intervall mellom simuleringer. Terminalen og `headline.csv` viser de "
        "samme tallene.",
        "report.headline.note.muni": "{place} i {start} og {year}: medianen over {n} "
        "simuleringer, med 90 %-intervallet mellom simuleringene i parentes.",
        "report.headline.note.muni.one": "{place} i {start} og {year}, fra 1 simulering (ikke "
        "noe intervall mellom simuleringer).",
        "report.sc.replicates.value": "{n} simuleringer, nummerert 0–{last}; hver simulerings "
        "tilfeldige frø er avledet av grunnfrøet {base}",
        "report.sc.replicates.one": "1 simulering (nummer 0); det tilfeldige frøet er avledet "
        "av grunnfrøet {base}",
        "report.definitions": "Hva resultatene betyr",
        "def.volunteers": "Frivillige: innbyggere fra 13 år som er aktive ved en "
        "frivilligsentral i desember det året; personer, ikke årsverk.",
        "def.coverage": "Dekningsgrad: den delen av årets behov for timer med velferdstjenester "
        "som frivillige timer dekker, der hvert velferdsområde er begrenset til sitt behov "
        "(docs/ODD.md avsnitt 7.9). For regionen er det summen av dekkede timer i alle "
        "kommunene delt på summen av behovet deres, så hver kommune veier etter behovet sitt; "
        "det er dette tallet hovedtabellen og figurene viser.",
        "def.coverage.mean": "Et vanlig gjennomsnitt av kommunenes egen dekningsgrad er et annet "
        "tall: {values} i {year} (kommuner med sentral, {demography}), mot en dekningsgrad for "
        "regionen på {regional}. Det gir en liten kommune samme vekt som en stor.",
        "def.coverage.illustrative": "Les dekningsgraden som en illustrasjon. Den behandler "
        "frivilligsentralene som produsenter av timer med tjenester, mens kilderapporten "
        "advarer om at diskusjonen om sentralenes verdi nesten bare bygger på det synet, og at "
        "sentralene også er bindeledd mellom organisasjonene og kommunen (L2277-2282 i "
        "rapporten fra 2024).",
        "def.motivation": "Gjennomsnittlig motivasjon: de frivilliges gjennomsnittlige "
        "motivasjon, en indeks fra 0 til 1 (docs/ODD.md avsnitt 7.6).",
        "def.replicates": "Simulering: én kjøring av modellen med sitt eget tilfeldige frø. "
        "Spredningen mellom simuleringene viser tilfeldighet i modellen, ikke usikkerhet i "
        "forutsetningene.",
        "report.orderings": "Hvorfor scenarioene kommer i denne rekkefølgen",
        "report.orderings.none": "Ingen demografialternativ med eldre befolkning gjorde det "
        "bedre enn {reference} under alle politikkalternativer, så det er ingen uventet "
        "rekkefølge å forklare.",
        "order.claim": "{demo} har en eldre befolkning enn {reference} i {year} (andel 70+ "
        "{share} mot {share_ref}), men under alle politikkalternativer har det {what}.",
        "order.more_volunteers": "flere frivillige ({range})",
        "order.higher_coverage": "høyere dekningsgrad ({range})",
        "order.join": " og ",
        "order.because": "Resultatene viser hvorfor:",
        "order.residents": "Innbyggere i alderen {band} ({kind}): {delta}",
        "order.band.children": "0–17",
        "order.band.young_retirees": "62–75",
        "order.kind.children": "barn, som øker behovet, men ikke den frivillige innsatsen",
        "order.kind.young_retirees": "unge eldre, aldersgruppen som er mest aktiv som frivillige",
        "order.band.seniors": "76 år og eldre",
        "order.kind.seniors": "eldre",
        "order.cohort": "Frivillige, {cohort}: {delta}",
        "order.area": "Behov, {area}: {delta}",
        "order.summary.volunteers": "De ekstra frivillige er i disse aldersgruppene: {cohorts}.",
        "order.summary.demand": "Det samlede behovet for timer er {delta} mot {reference}, så "
        "de frivillige timene dekker en større del av det.",
        "order.summary.note": "Forskjellene er {demo} minus {reference} i {year}: medianer "
        "over simuleringene, i gjennomsnitt over politikkalternativene (innbyggere: den første "
        "simuleringen).",
        "report.map": "Kart",
        "report.map.none": "Ikke noe kart: {reason}",
        "report.map.synthetic": "kommunene i den syntetiske regionen er ikke virkelige steder og "
        "har ingen grenser",
        "report.map.missing": "denne installasjonen har ingen kommunegrenser",
        "report.municipalities": "Resultater per kommune",
        "report.municipalities.text": "`municipalities.csv` og `municipalities.xlsx` i "
        "kjøringsmappen har én rad per kommune, politikkalternativ og demografialternativ: "
        "navn, sentralitetsklasse, innbyggere og andel 70+ i {start} og {end}, og frivillige og "
        "dekningsgrad i {end} (median og 90 %-intervall over simuleringene). Rapport for én "
        "kommune: `python -m frivilligsim.report <kjøringsmappe> --municipality <nummer> "
        "--lang nb`.",
        "report.muni.title": "{name}: frivillighet og velferdsbehov fram mot {end}",
        "report.muni.intro": "{name} (kommunenummer {code}, sentralitetsklasse {centrality}) i "
        "en kjøring med {municipalities} kommuner. Alle figurer og tall i denne rapporten "
        "gjelder bare {name}; rapporten for hele regionen er `{region_report}` i samme mappe.",
        "report.muni.centre.none": "{name} har ingen frivilligsentral i denne kjøringen, og "
        "dermed ingen dekningsgrad.",
        "report.muni.table": "Innbyggere og resultater",
        "report.col.year": "År",
        "report.col.residents": "Innbyggere (personer)",
        "report.col.share_70plus": "Andel 70 år og eldre",
        "report.col.municipality": "Kommune",
        "report.col.number": "Kommunenummer",
        "report.col.centrality": "Sentralitetsklasse",
        "caption.population_pyramid": "Innbyggere etter alder og kjønn i {first} (søyler) og "
        "{last} (linjer), {demography}, fra den første simuleringen.",
        "caption.share_70plus": "Andelen innbyggere 70 år og eldre i {place}, etter "
        "demografialternativ; kryss: kilderapportens tall for Distrikts-Norge.",
        "place.region": "regionen",
        "caption.map": "Til venstre: frivillige per 1 000 innbyggere i {year} med {policy}, "
        "{demography}. Til høyre: samskaping minus mobilisering, på samme alternativ og frø. "
        "Median over simuleringene. Kommunegrenser: © Kartverket (CC BY 4.0).",
        "caption.map.one": "Frivillige per 1 000 innbyggere i {year} med {policy}, "
        "{demography}. Median over simuleringene. Kommunegrenser: © Kartverket (CC BY 4.0).",
        "fig.map.title": "Frivillige per 1 000 innbyggere i {year}, etter kommune",
        "fig.map.subtitle": "{demography}; median over {n} simuleringer. Grått: ikke med i "
        "kjøringen.",
        "fig.map.subtitle.one": "{demography}; én simulering. Grått: ikke med i kjøringen.",
        "fig.map.level": "{policy}",
        "fig.map.diff": "Samskaping minus mobilisering",
        "fig.map.level.axis": "Frivillige per 1 000 innbyggere",
        "fig.map.diff.axis": "Forskjell (frivillige per 1 000 innbyggere)",
        "map.credit": "Kommunegrenser: © Kartverket (CC BY 4.0)",
        "group.model": "modell",
        "group.policy": "politikk",
        "group.demography": "demografi",
        "group.region": "region",
        "group.engine": "motor",
        "term.scope.whole": "hele regionen",
        "term.scope.some": "{n} kommuner",
        "term.title": "Hovedresultater, {end}, ved siden av {start} ({scope}; median og "
        "90 %-intervall over {n} simuleringer)",
        "term.title.one": "Hovedresultater, {end}, ved siden av {start} ({scope}; 1 "
        "simulering, ikke noe intervall)",
        "term.policy": "politikk",
        "term.demography": "demografi",
        "term.outcome": "resultat",
        "term.volunteers": "frivillige",
        "term.coverage": "dekningsgrad",
        "term.mean_motivation": "motivasjon",
        "term.done": "Ferdig. Resultatene ligger i {path}",
        "error.municipality": "kommune {code} er ikke med i denne kjøringen; den har {n} "
        "kommuner, f.eks. {examples}",
        "col.municipality": "kommunenummer",
        "col.municipality_name": "kommune",
        "col.centrality": "sentralitetsklasse",
        "col.policy": "politikkalternativ",
        "col.demography": "demografialternativ",
        "col.has_centre": "har_frivilligsentral",
        "col.residents": "innbyggere_{year}",
        "col.share_70plus": "andel_70pluss_{year}",
        "col.volunteers": "frivillige_{year}",
        "col.coverage": "dekningsgrad_{year}",
        "col.year": "år",
        "col.metric": "resultat",
        "col.median": "median",
        "col.q05": "intervall_nedre_5pst",
        "col.q95": "intervall_øvre_95pst",
        "col.n": "simuleringer",
        "col.q05.suffix": "_nedre",
        "col.q95.suffix": "_øvre",
        "metric.volunteers.code": "frivillige",
        "metric.coverage.code": "dekningsgrad",
        "metric.mean_motivation.code": "motivasjon",
    }
)

# The ensemble report (output/uncertainty_report.py, uncertainty_figures.py): two kinds of range,
# the policy gap by lever and the assumptions with the most influence --------------------------

en.update(
    {
        "report.settling": "Part of the fall in volunteers after 2024 is the model settling, "
        "not the region changing. Before 2024 the model runs its spin-up years with the 2024 "
        "population held still, so no volunteer dies or moves away; from 2024 volunteers die "
        "and move away as other residents do, and their number falls towards a lower level "
        "under every policy, with or without ageing. Read the differences between policies, "
        "which share this fall, before the level and the trend.",
        "report.chance_only": "The bands in this report show chance only: how much runs with "
        "different random seeds differ. They do not show how far the model's assumptions could "
        "move the answer, and that is much further (by 2050, thousands of volunteers rather "
        "than hundreds). For ranges that include the assumptions, run "
        "`python -m frivilligsim experiment=ensemble`.",
        "unc.title": "Volunteering to {end}: what the model can say, with honest ranges",
        "unc.muni.title": "{name}: volunteering to {end}, with honest ranges",
        "unc.can_say": "What the model can and cannot say",
        "unc.can_say.coverage": "Coverage of demand is illustrative: the 2024 study measured no "
        "demand for the centres' services, so read coverage as a direction, not a level.",
        "unc.can_say.targets": "The model was fitted to {n} numbers from the 2024 study: "
        "{targets}. A version of the model counts as plausible when it reproduces all of them "
        "within their tolerance.",
        "unc.can_say.varied": "{n} assumed parameters were varied, each between {low} % and "
        "{high} % of its default value: {names}.",
        "unc.can_say.fitted": "{n} assumed parameters were fitted to these numbers, each within "
        "{low} % to {high} % of its default value: {names}.",
        "unc.can_say.drawn": "The other {n} assumed parameters hardly move these numbers, so the "
        "fit cannot narrow them: each version of the model draws them afresh between {low} % "
        "and {high} % of their default values. No assumed parameter is held at its default.",
        "unc.can_say.drawn.list": "The {n} assumed parameters drawn for each version",
        "unc.can_say.fixed": "{n} other assumed parameters were held at their default values, "
        "so the true uncertainty is wider than the ranges below.",
        "unc.can_say.fixed.list": "The {n} assumed parameters held at their defaults",
        "unc.can_say.fixed.unknown": "Every other parameter was held at its default value, so "
        "the true uncertainty is wider than the ranges below.",
        "unc.can_say.ranges": "Two kinds of range are given. The range across plausible "
        "versions of the model (90 % of the plausible versions lie inside it) shows what the "
        "assumptions allow: it is the honest width of the answer. The range from chance shows "
        "how much random runs of one version differ; it is much narrower, and it is the only "
        "band a single run's report shows.",
        "unc.can_say.sets": "The ensemble has {n} plausible versions of the model with {seeds} "
        "random runs each. Their weights are uneven, so they count as about {eff} independent "
        "versions; with so few, the ranges are rough.",
        "unc.can_say.municipalities": "The ensemble simulated {n} municipalities.",
        "unc.can_say.subset": "The ensemble simulated {n} municipalities, a spread sample, not "
        "the whole region: its totals are not the region's.",
        "unc.can_say.check.pass": "On fresh random seeds the ensemble reproduces every "
        "calibration target within its tolerance (see the check below).",
        "unc.can_say.check.fail": "Warning: on fresh random seeds the ensemble misses "
        "{targets} (see the check below). Treat its ranges as a sketch.",
        "unc.can_say.rounding": "Numbers are rounded to what the uncertainty allows: to two "
        "significant digits of the width of the range across plausible versions. The CSV "
        "files keep the unrounded numbers beside the rounded ones.",
        "unc.target.volunteers_per_centre": "volunteers per centre",
        "unc.target.cooperation_share": "share of centres cooperating with their municipality",
        "unc.target.pressure_share": "share of centre leaders under pressure",
        "unc.target.item": "{name} {value} ± {tol} ({source})",
        "unc.headline": "The headline for {year}, with both ranges",
        "unc.headline.text": "{place} in {year}. Central value: the average over the plausible "
        "versions of the model. The difference to {ref} is taken within each version on the "
        "same random numbers, so it is not noise from chance.",
        "unc.headline.sentence": "{policy}: about {value} {what} in {year}. 90 % of the "
        "plausible versions of the model give between {elow} and {ehigh}; chance alone moves "
        "it between {slow} and {shigh}.",
        "unc.headline.diff": "Against {ref}: {diff} ({dlow} across the plausible versions, "
        "{dslow} from chance); the direction holds in {share} % of the ensemble.",
        "unc.headline.diff.none": "Against {ref}: no difference at the precision the ranges allow.",
        "unc.range.signed": "{low} to {high}",
        "unc.col.outcome": "Outcome",
        "unc.col.value": "Central value",
        "unc.term.value": "central",
        "unc.col.ensemble": "Plausible versions (90 %)",
        "unc.col.seed": "Chance (seeds)",
        "unc.col.diff": "Difference from {ref}",
        "unc.col.sign": "Direction holds in",
        "unc.col.municipality": "Municipality",
        "unc.what.volunteers": "volunteers",
        "unc.what.coverage": "coverage",
        "unc.figure": "Volunteers per year: both ranges",
        "unc.fig.bands.title": "Volunteers, {start}–{end}, by policy",
        "unc.fig.bands.subtitle": "Line: central value. Light band: 90 % of {sets} plausible "
        "versions of the model (the assumptions). Dark band: {seeds} random runs of each version "
        "(chance).",
        "unc.fig.central": "Central value",
        "unc.fig.ensemble": "Plausible versions of the model (90 %)",
        "unc.fig.seed": "Random runs (chance)",
        "unc.caption.bands": "Volunteers per year under each policy. The light band is the range "
        "the assumptions give, the dark band the much narrower range chance gives. A single "
        "run's report shows only the dark band.",
        "unc.figure.missing": "Not drawn: this folder has no `yearly_uncertainty.csv`; gather "
        "the ensemble again with this version (`ensemble.stage=gather`).",
        "unc.check": "Does the ensemble reproduce what it was fitted to?",
        "unc.check.text": "Each calibration target measured in the projection runs (fresh "
        "random seeds, not those of the fit), across the plausible versions.",
        "unc.check.missing": "This folder has no `posterior_predictive.csv`.",
        "unc.col.target": "Target",
        "unc.col.study": "In the study",
        "unc.col.tolerance": "Tolerance",
        "unc.col.mean": "Ensemble average",
        "unc.col.p90": "5–95 %",
        "unc.col.within": "Versions within tolerance",
        "unc.col.result": "Result",
        "unc.pass.yes": "reproduced",
        "unc.pass.no": "missed",
        "unc.gap": "What the gap between the policies is made of",
        "unc.gap.text": "The gap between {to} and {frm} in {year}, {total} volunteers, split "
        "into the levers that separate the two policies. Each lever's contribution is its "
        "effect averaged over every order of switching the levers on (Shapley); the "
        "contributions add up to the total ({sum}). From the run in `{dir}` ({n} "
        "municipalities, {seeds} random runs per combination): one set of assumptions, not "
        "the ensemble.",
        "unc.gap.missing": "Not in this report. Run `python -m frivilligsim "
        "experiment=decomposition` and give its folder with `--decomposition DIR` (or "
        "`report.decomposition_dir`).",
        "unc.gap.other_year": "The decomposition run ends in {year}, the ensemble in "
        "{ens_year}: its numbers are not those of the headline above.",
        "unc.col.lever": "Lever",
        "unc.col.contribution": "Contribution (volunteers)",
        "unc.col.share": "Share of the gap",
        "unc.col.alone": "Switched on alone",
        "unc.col.effect": "Effect",
        "unc.col.under": "Under",
        "unc.col.seedrange": "Lowest–highest run",
        "unc.lever.total": "Total",
        "unc.fig.total": "Total",
        "unc.fig.gap.title": "{to} minus {frm} in {year}, lever by lever",
        "unc.fig.gap.subtitle": "Each bar is one lever's contribution (Shapley); the bars add "
        "up to the total gap, the last bar.",
        "unc.fig.gap.axis": "Difference in volunteers in {year} (persons)",
        "unc.caption.gap": "The gap between {to} and {frm} in {year}, built up lever by lever, "
        "the largest first; the last bar is the total.",
        "unc.ageing.text": "What ageing does and what policy does, as separate numbers in {year}: "
        "ageing is the projected population minus one kept as in 2024, under the same policy; "
        "policy is the gap under each population. The population is kept as in 2024 by moves "
        "in and out: as people age, others move in and out so that every age stays as it was, "
        "many more moves than projected, and volunteers who move out are lost to the centres. "
        "So this comparison mixes ageing with that turnover and overstates what ageing adds.",
        "unc.ageing.missing": "The decomposition run has no `ageing_and_policy.csv`, so ageing "
        "and policy are not separated here.",
        "unc.effect.ageing": "Ageing",
        "unc.effect.policy": "Policy",
        "unc.effect.interaction": "Interaction: how ageing changes the policy's effect",
        "unc.under.both": "both",
        "unc.influence": "The assumptions with the most influence",
        "unc.influence.sobol": "From the Sobol analysis in `{dir}`: each assumption's total "
        "index for {outcome}, the share of the outcome's variance it causes alone and together "
        "with others. The {k} largest.",
        "unc.influence.morris": "From the Morris screening in `{dir}` (the folder has no Sobol "
        "indices): μ*, the average size of the change this assumption makes to {outcome}, "
        "relative to the largest. The {k} largest.",
        "unc.influence.gap": "The same for the policy gap, {outcome}: co-creation's volunteers "
        "minus mobilisation's in the end year, on the same seeds. This is the ranking to read "
        "for the question of how the municipality works with its centre. The {k} largest.",
        "unc.influence.converged.yes": "Sobol's convergence check passed for this outcome: no "
        "first-order index above its total index beyond their intervals, and the ranking the "
        "same with half the samples.",
        "unc.influence.converged.no": "Sobol's convergence check did not pass for this outcome: "
        "the ranking is rough.",
        "unc.influence.converged.ties": "Sobol's convergence check did not pass for this "
        "outcome, but only because inputs whose intervals overlap changed places between half "
        "the samples and all of them: read those inputs as about equally important, not in the "
        "order shown.",
        "unc.influence.converged.none": "The folder has no convergence check "
        "(`sobol_convergence.csv`): the ranking is unchecked.",
        "unc.influence.missing": "Not in this report. Run `python -m frivilligsim "
        "experiment=sensitivity` and give its folder with `--sensitivity DIR` (or "
        "`report.sensitivity_dir`).",
        "unc.col.rank": "Rank",
        "unc.col.index": "Index",
        "unc.source.lever": "policy lever: differs between the presets in conf/policy/",
        "unc.source.mechanism": "mechanism switch: off sets the parameters that carry it to zero "
        "(docs/uncertainty.md, section 4)",
        "unc.munis": "Municipalities",
        "unc.munis.text": "Volunteers in {year} in each municipality under each policy, with "
        "both ranges. `municipalities.csv` holds the same numbers, unrounded and rounded, and "
        "coverage too.",
        "unc.muni.note": "This page is {place}'s share of the ensemble. The figure, the check, "
        "the policy gap and the assumptions are on the region's page, `{region_report}`.",
        "unc.term.title": "{end} ({scope}): central value, range across {sets} plausible "
        "versions of the model (90 %) and from chance, rounded to what the uncertainty allows",
        "unc.term.range": "versions",
        "unc.term.chance": "chance",
        "unc.term.diff": "vs {ref}",
        "error.decomposition_dir": "{path}: not a decomposition run folder (no "
        "policy_gap_decomposition.csv); make one with python -m frivilligsim "
        "experiment=decomposition",
        "error.sensitivity_dir": "{path}: not a sensitivity run folder (no sobol_indices.csv or "
        "morris_indices.csv); make one with python -m frivilligsim experiment=sensitivity",
        "error.not_ensemble": "{path}: --decomposition and --sensitivity belong to an ensemble "
        "report; this folder has no headline_uncertainty.csv",
    }
)

nb.update(
    {
        "report.settling": "En del av nedgangen i antall frivillige etter 2024 er at modellen "
        "finner sitt leie, ikke at regionen endrer seg. Før 2024 kjører modellen noen år med "
        "befolkningen fra 2024 holdt i ro, så ingen frivillige dør eller flytter; fra 2024 dør "
        "og flytter frivillige som andre innbyggere, og antallet faller mot et lavere nivå "
        "under alle politikkene, med og uten aldring. Les forskjellene mellom politikkene, som "
        "deler denne nedgangen, før nivået og utviklingen.",
        "report.chance_only": "Intervallene i denne rapporten viser bare tilfeldighet: hvor "
        "mye kjøringer med ulike tilfeldige frø skiller seg fra hverandre. De viser ikke hvor "
        "langt forutsetningene i modellen kan flytte svaret, og det er mye lenger (i 2050 "
        "tusener av frivillige, ikke hundrer). Kjør "
        "`python -m frivilligsim experiment=ensemble` for intervaller som tar med "
        "forutsetningene.",
        "unc.title": "Frivillighet fram mot {end}: hva modellen kan si, med ærlige intervaller",
        "unc.muni.title": "{name}: frivillighet fram mot {end}, med ærlige intervaller",
        "unc.can_say": "Hva modellen kan og ikke kan si",
        "unc.can_say.coverage": "Dekningsgraden er en illustrasjon: studien fra 2024 målte "
        "ikke behovet for sentralenes tjenester, så les dekningsgraden som en retning, ikke et "
        "nivå.",
        "unc.can_say.targets": "Modellen er tilpasset {n} tall fra studien fra 2024: "
        "{targets}. En versjon av modellen regnes som troverdig når den gjenskaper alle innenfor "
        "toleransen.",
        "unc.can_say.varied": "{n} antatte parametere ble variert, hver mellom {low} % og "
        "{high} % av standardverdien: {names}.",
        "unc.can_say.fitted": "{n} antatte parametere ble tilpasset disse tallene, hver innenfor "
        "{low} % til {high} % av standardverdien: {names}.",
        "unc.can_say.drawn": "De andre {n} antatte parameterne flytter knapt disse tallene, så "
        "tilpasningen kan ikke snevre dem inn: hver versjon av modellen trekker dem på nytt "
        "mellom {low} % og {high} % av standardverdien. Ingen antatt parameter holdes fast på "
        "standardverdien.",
        "unc.can_say.drawn.list": "De {n} antatte parameterne som trekkes for hver versjon",
        "unc.can_say.fixed": "{n} andre antatte parametere ble holdt på standardverdien, så den "
        "egentlige usikkerheten er større enn intervallene nedenfor.",
        "unc.can_say.fixed.list": "De {n} antatte parameterne som ble holdt på standardverdien",
        "unc.can_say.fixed.unknown": "Alle andre parametere ble holdt på standardverdien, så "
        "den egentlige usikkerheten er større enn intervallene nedenfor.",
        "unc.can_say.ranges": "Rapporten viser 2 slags intervaller. Intervallet over troverdige "
        "versjoner av modellen (90 % av de troverdige versjonene ligger innenfor) viser hva "
        "forutsetningene tillater: det er den ærlige bredden på svaret. Intervallet for "
        "tilfeldighet viser hvor mye tilfeldige kjøringer av én versjon skiller seg; det er mye "
        "smalere, og det er det eneste intervallet rapporten fra én kjøring viser.",
        "unc.can_say.sets": "Ensemblet har {n} troverdige versjoner av modellen med {seeds} "
        "tilfeldige kjøringer hver. Vektene deres er ujevne, så de teller som omtrent {eff} "
        "uavhengige versjoner; med så få er intervallene grove.",
        "unc.can_say.municipalities": "Ensemblet simulerte {n} kommuner.",
        "unc.can_say.subset": "Ensemblet simulerte {n} kommuner, et spredt utvalg, ikke hele "
        "regionen: summene er ikke regionens.",
        "unc.can_say.check.pass": "Med nye tilfeldige frø gjenskaper ensemblet hvert "
        "kalibreringsmål innenfor toleransen (se kontrollen nedenfor).",
        "unc.can_say.check.fail": "Advarsel: med nye tilfeldige frø bommer ensemblet på "
        "{targets} (se kontrollen nedenfor). Les intervallene som en skisse.",
        "unc.can_say.rounding": "Tallene er avrundet til det usikkerheten tillater: til 2 "
        "gjeldende sifre av bredden på intervallet over troverdige versjoner. CSV-filene har "
        "de uavrundede tallene ved siden av de avrundede.",
        "unc.target.volunteers_per_centre": "frivillige per sentral",
        "unc.target.cooperation_share": "andel sentraler som samarbeider med kommunen",
        "unc.target.pressure_share": "andel daglige ledere under press",
        "unc.target.item": "{name} {value} ± {tol} ({source})",
        "unc.headline": "Hovedresultatet for {year}, med begge intervaller",
        "unc.headline.text": "{place} i {year}. Midtverdi: gjennomsnittet over de troverdige "
        "versjonene av modellen. Forskjellen fra {ref} er tatt innenfor hver versjon med de "
        "samme tilfeldige tallene, så den er ikke støy fra tilfeldighet.",
        "unc.headline.sentence": "{policy}: omtrent {value} {what} i {year}. 90 % av de "
        "troverdige versjonene av modellen gir mellom {elow} og {ehigh}; tilfeldighet alene "
        "flytter det mellom {slow} og {shigh}.",
        "unc.headline.diff": "Mot {ref}: {diff} ({dlow} over de troverdige versjonene, "
        "{dslow} fra tilfeldighet); retningen holder i {share} % av ensemblet.",
        "unc.headline.diff.none": "Mot {ref}: ingen forskjell med den presisjonen intervallene "
        "tillater.",
        "unc.range.signed": "{low} til {high}",
        "unc.col.outcome": "Resultat",
        "unc.col.value": "Midtverdi",
        "unc.term.value": "midtverdi",
        "unc.col.ensemble": "Troverdige versjoner (90 %)",
        "unc.col.seed": "Tilfeldighet (frø)",
        "unc.col.diff": "Forskjell fra {ref}",
        "unc.col.sign": "Retningen holder i",
        "unc.col.municipality": "Kommune",
        "unc.what.volunteers": "frivillige",
        "unc.what.coverage": "dekningsgrad",
        "unc.figure": "Frivillige per år: begge intervaller",
        "unc.fig.bands.title": "Frivillige, {start}–{end}, etter politikkalternativ",
        "unc.fig.bands.subtitle": "Linje: midtverdi. Lyst felt: 90 % av {sets} troverdige "
        "versjoner av modellen (forutsetningene). Mørkt felt: {seeds} tilfeldige kjøringer av "
        "hver versjon (tilfeldighet).",
        "unc.fig.central": "Midtverdi",
        "unc.fig.ensemble": "Troverdige versjoner av modellen (90 %)",
        "unc.fig.seed": "Tilfeldige kjøringer (tilfeldighet)",
        "unc.caption.bands": "Frivillige per år under hvert politikkalternativ. Det lyse feltet "
        "er intervallet forutsetningene gir, det mørke det mye smalere intervallet "
        "tilfeldigheten gir. Rapporten fra én kjøring viser bare det mørke feltet.",
        "unc.figure.missing": "Ikke laget: mappen har ingen `yearly_uncertainty.csv`; samle "
        "ensemblet på nytt med denne versjonen (`ensemble.stage=gather`).",
        "unc.check": "Gjenskaper ensemblet det det er tilpasset?",
        "unc.check.text": "Hvert kalibreringsmål målt i framskrivingene (nye tilfeldige frø, "
        "ikke de fra tilpasningen), over de troverdige versjonene.",
        "unc.check.missing": "Mappen har ingen `posterior_predictive.csv`.",
        "unc.col.target": "Mål",
        "unc.col.study": "I studien",
        "unc.col.tolerance": "Toleranse",
        "unc.col.mean": "Gjennomsnitt i ensemblet",
        "unc.col.p90": "5–95 %",
        "unc.col.within": "Versjoner innenfor toleransen",
        "unc.col.result": "Utfall",
        "unc.pass.yes": "gjenskapt",
        "unc.pass.no": "bom",
        "unc.gap": "Hva forskjellen mellom politikkalternativene består av",
        "unc.gap.text": "Forskjellen mellom {to} og {frm} i {year}, {total} frivillige, delt "
        "på virkemidlene som skiller alternativene. Hvert virkemiddels bidrag er "
        "virkningen i snitt over alle rekkefølger virkemidlene kan slås på i (Shapley); "
        "bidragene summerer seg til totalen ({sum}). Fra kjøringen i `{dir}` ({n} kommuner, "
        "{seeds} tilfeldige kjøringer per kombinasjon): ett sett forutsetninger, ikke ensemblet.",
        "unc.gap.missing": "Ikke med i denne rapporten. Kjør `python -m frivilligsim "
        "experiment=decomposition` og oppgi mappen med `--decomposition DIR` (eller "
        "`report.decomposition_dir`).",
        "unc.gap.other_year": "Dekomponeringen slutter i {year}, ensemblet i {ens_year}: "
        "tallene er ikke de samme som i hovedresultatet ovenfor.",
        "unc.col.lever": "Virkemiddel",
        "unc.col.contribution": "Bidrag (frivillige)",
        "unc.col.share": "Andel av forskjellen",
        "unc.col.alone": "Slått på alene",
        "unc.col.effect": "Virkning",
        "unc.col.under": "Under",
        "unc.col.seedrange": "Laveste–høyeste kjøring",
        "unc.lever.total": "Totalt",
        "unc.fig.total": "Totalt",
        "unc.fig.gap.title": "{to} minus {frm} i {year}, virkemiddel for virkemiddel",
        "unc.fig.gap.subtitle": "Hver søyle er ett virkemiddels bidrag (Shapley); søylene "
        "summerer seg til hele forskjellen, den siste søylen.",
        "unc.fig.gap.axis": "Forskjell i frivillige i {year} (personer)",
        "unc.caption.gap": "Forskjellen mellom {to} og {frm} i {year}, bygd opp virkemiddel for "
        "virkemiddel, det største først; den siste søylen er totalen.",
        "unc.ageing.text": "Hva aldringen gjør og hva politikken gjør, som egne tall i {year}: "
        "aldring er den framskrevne befolkningen minus en befolkning holdt som i 2024, under "
        "samme politikk; politikk er forskjellen under hver befolkning. Befolkningen holdes "
        "som i 2024 ved flytting: mens folk blir eldre, flytter andre inn og ut slik at hver "
        "alder er som før, mange flere flyttinger enn i framskrivingen, og frivillige som "
        "flytter ut, går tapt for sentralene. Sammenligningen blander derfor aldring med denne "
        "utskiftingen og overdriver hva aldringen tilfører.",
        "unc.ageing.missing": "Kjøringen skilte ikke aldring fra politikk (det krever "
        "alternativet `static` uten aldring), så de er ikke skilt her.",
        "unc.effect.ageing": "Aldring",
        "unc.effect.policy": "Politikk",
        "unc.effect.interaction": "Samspill: hvor mye aldringen endrer virkningen av politikken",
        "unc.under.both": "begge",
        "unc.influence": "Forutsetningene som betyr mest",
        "unc.influence.sobol": "Fra Sobol-analysen i `{dir}`: hver forutsetnings totalindeks "
        "for {outcome}, den delen av variansen i resultatet den står for alene og sammen med "
        "andre. De {k} største.",
        "unc.influence.morris": "Fra Morris-screeningen i `{dir}` (mappen har ingen "
        "Sobol-indekser): μ*, hvor mye denne forutsetningen i snitt endrer {outcome}, i forhold "
        "til den største. De {k} største.",
        "unc.influence.gap": "Det samme for forskjellen mellom politikkene, {outcome}: "
        "frivillige med samskaping minus frivillige med mobilisering i sluttåret, på de samme "
        "tilfeldige frøene. Det er denne rangeringen som svarer på hvordan kommunen samarbeider med "
        "sentralen. De {k} største.",
        "unc.influence.converged.yes": "Sobols konvergenskontroll er bestått for dette "
        "resultatet: ingen førsteordensindeks over totalindeksen utover intervallene, og samme "
        "rangering med halvparten av utvalget.",
        "unc.influence.converged.no": "Sobols konvergenskontroll er ikke bestått for dette "
        "resultatet: rangeringen er grov.",
        "unc.influence.converged.ties": "Sobols konvergenskontroll er ikke bestått for dette "
        "resultatet, men bare fordi forutsetninger med overlappende intervaller byttet plass "
        "mellom halvparten av utvalget og hele utvalget: les dem som omtrent like viktige, "
        "ikke i rekkefølgen som vises.",
        "unc.influence.converged.none": "Mappen har ingen konvergenskontroll "
        "(`sobol_convergence.csv`): rangeringen er ikke kontrollert.",
        "unc.influence.missing": "Ikke med i denne rapporten. Kjør `python -m frivilligsim "
        "experiment=sensitivity` og oppgi mappen med `--sensitivity DIR` (eller "
        "`report.sensitivity_dir`).",
        "unc.col.rank": "Plass",
        "unc.col.index": "Indeks",
        "unc.source.lever": "politisk virkemiddel: ulikt mellom politikkalternativene",
        "unc.source.mechanism": "mekanisme som slås av: parameterne som bærer den settes til null "
        "(docs/uncertainty.md, del 4)",
        "unc.munis": "Kommunene",
        "unc.munis.text": "Frivillige i {year} i hver kommune under hvert politikkalternativ, "
        "med begge intervaller. `municipalities.csv` har de samme tallene, uavrundet og "
        "avrundet, og dekningsgraden også.",
        "unc.muni.note": "Denne siden er {place} sin del av ensemblet. Figuren, kontrollen, "
        "forskjellen mellom alternativene og forutsetningene står på regionens side, "
        "`{region_report}`.",
        "unc.term.title": "{end} ({scope}): midtverdi, intervall over {sets} troverdige "
        "versjoner av modellen (90 %) og fra tilfeldighet, avrundet til det usikkerheten "
        "tillater",
        "unc.term.range": "versjoner",
        "unc.term.chance": "tilfeldighet",
        "unc.term.diff": "mot {ref}",
        "error.decomposition_dir": "{path}: ikke en mappe fra en dekomponering (tabellen over "
        "forskjellen etter virkemiddel mangler); lag en med python -m frivilligsim "
        "experiment=decomposition",
        "error.sensitivity_dir": "{path}: ikke en mappe fra en sensitivitetsanalyse (ingen "
        "sobol_indices.csv eller morris_indices.csv); lag en med python -m frivilligsim "
        "experiment=sensitivity",
        "error.not_ensemble": "{path}: --decomposition og --sensitivity hører til en "
        "ensemblerapport; mappen har ingen headline_uncertainty.csv",
    }
)

_LABELS = {"en": en, "nb": nb}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise ``ValueError`` naming the choices."""
    if lang not in _LABELS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "en", **fields) -> str:
    """The label ``key`` in ``lang``, with ``{fields}`` filled in.

    Raises:
        ValueError: ``lang`` is not one of :data:`LANGS`.
        KeyError: no label for ``key``.
    """
    labels = _LABELS[check_lang(lang)]
    try:
        text = labels[key]
    except KeyError:
        raise KeyError(f"no {lang} label for {key!r}") from None
    return text.format(**fields) if fields else text


def _known_or_code(prefix: str, code: str, lang: str) -> str:
    labels = _LABELS[check_lang(lang)]
    return labels.get(f"{prefix}.{code}", str(code))


def policy_label(policy: str, lang: str = "en") -> str:
    """Display name of a policy; an unknown policy is shown by its code."""
    return _known_or_code("policy", policy, lang)


def demography_label(demography: str, lang: str = "en") -> str:
    """Display name of a demography alternative; an unknown one is shown by its code."""
    return _known_or_code("demography", demography, lang)


def area_label(area: str, lang: str = "en") -> str:
    """Display name of a welfare area; an unknown one is shown by its code."""
    return _known_or_code("area", area, lang)


def cohort_label(cohort: str, lang: str = "en") -> str:
    """Display name of a volunteer cohort; an unknown one is shown by its code."""
    return _known_or_code("cohort", cohort, lang)


def fmt_number(x: float, lang: str = "en", decimals: int = 0) -> str:
    """Format a number the way readers of ``lang`` expect.

    English: ``12,345.6``; bokmål: ``12 345,6`` (no-break space between thousands, decimal
    comma). Negative numbers use the minus sign (U+2212). NaN is shown as an en dash.
    """
    check_lang(lang)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    x = float(x)
    if round(x, decimals) == 0:
        x = 0.0  # no "-0"
    text = f"{abs(x):,.{decimals}f}"
    if lang == "nb":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return ("\u2212" if x < 0 else "") + text
