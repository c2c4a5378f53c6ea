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
