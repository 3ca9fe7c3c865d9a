#!/usr/bin/env python3
"""Deterministic generator of synthetic EN news articles for benchmarking.

Usage:
    python3 make_corpus.py --n 1000 --out DIR [--seed 1] [--format html|md|both]

Every article is written as <slug>.html (a clean HTML5 article: h1, h2, p with
inline <a href>, <strong>, <em>, one ul, one table and one element carrying
translate="no") and/or as <slug>.md (Markdown with YAML front matter: title,
slug, lang, date, author), both rendered from the same document model, so the
two files of one slug hold the same text.

The text recombines and varies sentences taken from the seed article
(tests/fixtures/cartel-crackdown-results.txt, a Mexico/U.S. cartel crackdown news
story): numbers, state and city names, people and order change.  About 40 % of
the paragraph sentences of an article come from a fixed "house boilerplate"
pool, so they repeat across articles the way newsroom boilerplate does; the
other 60 % are rendered from the same templates with per-article random slot
values and are checked to be unique in the corpus.  Each article has 700-900
words of text content (counted with count_words() below).

Article i only depends on (seed, i) and on the articles before it, so the first
100 articles of a --n 1000 corpus are identical to a --n 100 corpus.

Python 3 standard library only.
"""

import argparse
import datetime
import html
import os
import random
import re
import sys

WORD_RE = re.compile(r"[^\W_]+(?:[-\u2011'\u2019.,][^\W_]+)*")


def count_words(text):
    """Simple word count: runs of letters/digits, allowing inner - ' . , ."""
    return len(WORD_RE.findall(text))


# --------------------------------------------------------------------------
# Slot values (varied per article)
# --------------------------------------------------------------------------
MX_STATES = [
    "Baja California",
    "Sonora",
    "Michoacán",
    "Sinaloa",
    "Chihuahua",
    "Tamaulipas",
    "Jalisco",
    "Guerrero",
    "Coahuila",
    "Nuevo León",
    "Veracruz",
    "Zacatecas",
    "Durango",
    "Guanajuato",
    "Oaxaca",
    "Colima",
]
US_STATES = ["California", "Arizona", "Texas", "New Mexico"]
MX_CITIES = [
    "Tijuana",
    "Mexicali",
    "Ciudad Juárez",
    "Nogales",
    "Reynosa",
    "Matamoros",
    "Culiacán",
    "Hermosillo",
    "Monterrey",
    "Guadalajara",
    "Nuevo Laredo",
    "Piedras Negras",
]
US_CITIES = ["San Diego", "El Paso", "Laredo", "Yuma", "Tucson", "Brownsville", "Calexico", "McAllen"]
PORTS = ["Mazatlán", "Ensenada", "Manzanillo", "Lázaro Cárdenas", "Veracruz", "Guaymas", "Topolobampo"]
RIVERS = ["Colorado River", "Rio Grande", "Tijuana River", "Santa Cruz River"]
MX_LEADERS = [
    "President Claudia Sheinbaum",
    "Security Secretary Omar García Harfuch",
    "Foreign Secretary Juan Ramón de la Fuente",
    "Defense Secretary Ricardo Trevilla",
]
MX_SHORT = ["Sheinbaum", "García Harfuch", "De la Fuente", "Trevilla"]
US_LEADERS = [
    "President Donald Trump",
    "Secretary of State Marco Rubio",
    "Homeland Security Secretary Kristi Noem",
    "Attorney General Pam Bondi",
]
SPOKES = [
    "Ana López",
    "Miguel Torres",
    "Lucía Herrera",
    "Carlos Mendoza",
    "Sofía Ramírez",
    "Diego Castillo",
    "Valeria Ortiz",
    "Javier Morales",
    "Daniel Reyes",
    "Mariana Flores",
    "Andrés Navarro",
    "Paula Vega",
]
AUTHORS = [
    "Elena Marquez",
    "James Whitfield",
    "Rosa Delgado",
    "Tom Becker",
    "Laura Chen",
    "Pablo Ibarra",
    "Nina Patel",
    "Marco Salinas",
]
AGENCIES = ["DEA", "UNODC", "CBP", "ICE", "CENAPI", "FGR", "SSPC"]
QUOTES = [
    "compelling results",
    "measurable progress",
    "tangible results",
    "clear gains",
    "steady progress",
    "encouraging results",
]
OPNAMES = [
    "Falcon Shield",
    "Desert Lantern",
    "Silver Current",
    "Iron Canyon",
    "Blue Meridian",
    "Sierra Watch",
    "Coastal Anchor",
    "Red Mesa",
]
CARTELS = ["Sinaloa Cartel", "Jalisco New Generation Cartel", "Gulf Cartel", "Juárez Cartel"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _pct(r):
    return "%d %%" % r.randint(5, 48)


def _num(r):
    return f"{r.randint(120, 14000):,}"


def _small(r):
    return str(r.randint(3, 40))


def _money(r):
    return "%d.%d" % (r.randint(1, 4), r.randint(0, 9))


def _year(r):
    return str(r.randint(2023, 2026))


def _fill_with(seq):
    return lambda r: r.choice(seq)


# slot name -> (generator, decoration kind)
#   link: rendered as <a href>, strong: <strong>, em: <em>, None: plain
SLOTS = {
    "MXSTATE": (_fill_with(MX_STATES), "link"),
    "MXSTATE2": (_fill_with(MX_STATES), "link"),
    "MXSTATE3": (_fill_with(MX_STATES), "link"),
    "USSTATE": (_fill_with(US_STATES), "link"),
    "CITY": (_fill_with(MX_CITIES), "link"),
    "USCITY": (_fill_with(US_CITIES), "link"),
    "PORT": (_fill_with(PORTS), "link"),
    "PORT2": (_fill_with(PORTS), "link"),
    "RIVER": (_fill_with(RIVERS), "link"),
    "AGENCY": (_fill_with(AGENCIES), "link"),
    "MXLEADER": (_fill_with(MX_LEADERS), None),
    "MXSHORT": (_fill_with(MX_SHORT), None),
    "USLEADER": (_fill_with(US_LEADERS), None),
    "SPOKES": (_fill_with(SPOKES), None),
    "CARTEL": (_fill_with(CARTELS), "link"),
    "QUOTE": (lambda r: f"\u201c{r.choice(QUOTES)}\u201d", "em"),
    "OPNAME": (lambda r: f"\u201c{r.choice(OPNAMES)}\u201d", "em"),
    "DAY": (_fill_with(DAYS), None),
    "MONTH": (_fill_with(MONTHS[:6]), None),
    "MONTH2": (_fill_with(MONTHS[6:]), None),
    "PCT": (_pct, "strong"),
    "PCT2": (_pct, "strong"),
    "NUM": (_num, "strong"),
    "NUM2": (_num, "strong"),
    "NUM3": (_num, "strong"),
    "SMALL": (_small, None),
    "SMALL2": (_small, None),
    "MONEY": (_money, "strong"),
    "YEAR": (_year, None),
    "Q": (lambda r: str(r.randint(1, 4)), None),
}

# --------------------------------------------------------------------------
# Sentence templates, adapted from the sample article
# --------------------------------------------------------------------------
SENTENCES = [
    "{MXLEADER} announced {DAY} that joint efforts with the United States to suppress cartels and slow migration are yielding {QUOTE}, a message aimed at deterring potential U.S. intervention amid ongoing security concerns.",
    "The remarks come as U.S. leaders debate stronger action against Mexican drug networks.",
    "In recent days, {USLEADER} asserted that the United States has largely neutralized drugs arriving by sea and signaled plans to expand enforcement on land.",
    "Washington has also moved to establish militarized zones along parts of the southern border in {USSTATE}.",
    "Speaking in a morning briefing in {CITY}, {MXSHORT} said the government\u2019s push against organized crime, in cooperation with Washington, is paying off.",
    "Officials cited a {PCT} drop in homicides, a reduction in fentanyl seizures at the border and a sharp uptick in law enforcement activity against meth production facilities in {MXSTATE}.",
    "Authorities seized more than {NUM} pounds of methamphetamine from clandestine labs in {MXSTATE} earlier this week.",
    "\u201cThere are very compelling results from the joint cooperation and the work that Mexico has been doing,\u201d {MXSHORT} said.",
    "The figures were framed as evidence that cooperation can curb violence while respecting Mexico\u2019s sovereignty.",
    "Mexico also pressed the United States to address arms trafficking into {MXSTATE} and to confront the broader U.S. consumption crisis as a factor fueling cartel violence.",
    "The same commitment to public health and education is needed north of the border to reduce demand for illicit drugs, {SPOKES} said.",
    "During a separate call on {DAY}, the U.S. Secretary of State and Mexico\u2019s Foreign Secretary underscored the need for continued joint efforts to confront shared threats.",
    "On {DAY}, {MXSHORT} said the conversation with {USLEADER} had been productive and reflected a mutual understanding of Mexico\u2019s sovereignty and territorial integrity.",
    "Experts say sustained cross-border cooperation can stabilize regional security and reduce violence by weakening trafficking networks.",
    "Framing the effort as a partnership that respects sovereignty helps both governments pursue pragmatic security goals without escalating military tensions.",
    "Public-health strategies, including education and prevention campaigns, are increasingly viewed as essential complements to law enforcement.",
    "The statement, delivered at a bilateral security summit in {CITY}, referenced data from {YEAR} that show measurable declines in cartel-related violence.",
    "Over {NUM} high-ranking cartel members and affiliates were detained across {SMALL} joint operations.",
    "More than {NUM} kg of cocaine, {NUM2} kg of methamphetamine and {NUM3} kg of fentanyl precursors were intercepted.",
    "Approximately US ${MONEY} billion in cash, vehicles and property was seized under the expanded Merida Initiative.",
    "Officials reported a {PCT} reduction in cartel-related homicides in the states of {MXSTATE}, {MXSTATE2} and {MXSTATE3}.",
    "Joint patrols decreased illegal crossings linked to cartel logistics by {PCT} along the {USSTATE} corridor.",
    "These figures are corroborated by reports from the U.S. Department of Justice, Mexico\u2019s Fiscalía General de la República and the United Nations Office on Drugs and Crime.",
    "The Bilateral Inter-Agency Network for Anti-Cartel Operations was established in {YEAR}, combining the DEA, ICE, CBP, CENAPI and the Federal Police.",
    "Real-time intelligence sharing via the Secure Cross-Border Data Exchange platform has reduced reporting lag from days to minutes, according to the {AGENCY}.",
    "Phase III of the Merida Initiative allocated US ${NUM} million for advanced surveillance, forensic labs and community policing.",
    "Extensions of the Foreign Narcotics Kingpin Designation Act enabled rapid asset freezes of cartel front companies operating in {USSTATE}.",
    "Aerial drone surveillance along the {RIVER} corridor delivered {NUM} hours of live footage for target validation.",
    "The use of AI-driven pattern analysis to predict smuggling routes resulted in a {PCT} increase in pre-emptive interdictions.",
    "Public statements by {USLEADER} threatening to re-evaluate U.S. cooperation with Mexico sparked concerns among law-enforcement officials.",
    "\u201cThe safety of our citizens transcends political rhetoric; operational continuity is secured through treaty obligations,\u201d {MXSHORT} said.",
    "A Continuity Clause in the {YEAR} U.S.\u2013Mexico Security Agreement mandates ongoing joint operations irrespective of administration changes.",
    "A bilingual outreach campaign was launched in {MXSTATE} to counter misinformation and maintain community trust.",
    "Neighborhoods in {CITY} and {USCITY} report a {PCT} decline in shootings linked to cartel disputes.",
    "Small-business owners in {CITY} note a {PCT} increase in cross-border trade volume after the crackdown, attributed to safer transport routes.",
    "Visitor numbers to coastal resorts in {MXSTATE} rose by {PCT} in Q{Q} {YEAR}, reflecting a heightened perception of security.",
    "Residents are urged to subscribe to official alerts from the Secretaría de Seguridad y Protección Ciudadana and U.S. Customs and Border Protection.",
    "Businesses should verify vendor backgrounds through the U.S.\u2013Mexico Anti-Corruption Registry to avoid inadvertent ties to cartel networks.",
    "Tips on drug shipments, money laundering or armed confrontations can be reported to the 24/7 hotline.",
    "Residents in {CITY} can take part in local safety councils that liaise directly with BINAC liaison officers.",
    "Keeping detailed records, such as photos and timestamps, of any illegal activity helps investigative teams.",
    "Operation {OPNAME} ran for {SMALL} weeks, from {MONTH} to {MONTH2} {YEAR}.",
    "The operation in {MXSTATE} was led by the {AGENCY}, the Fiscalía Anticorrupción and the Mexican Navy\u2019s Special Forces.",
    "Agents seized {NUM} kg of cocaine, {NUM2} kg of heroin and {NUM3} kg of methamphetamine.",
    "Police arrested {NUM} cartel operatives, including two regional lieutenants of the {CARTEL}.",
    "Investigators dismantled {SMALL} clandestine labs and {SMALL2} covert storage facilities in {MXSTATE}.",
    "Integrated satellite imagery was combined with on-the-ground intelligence.",
    "Simultaneous raids coordinated across the border prevented cartels from relocating assets.",
    "The Joint Financial Task Force froze ${NUM} million in cartel bank accounts.",
    "Cartels are shifting to maritime routes in the Gulf of California, prompting the need for expanded naval patrols.",
    "While the Continuity Clause offers legal protection, fluctuating public sentiment could affect budget allocations.",
    "NGOs have called for increased transparency in detention practices, and compliance monitoring mechanisms are being strengthened.",
    "Officials plan to deploy fast-response cutters equipped with biometric scanning at key ports in {PORT} and {PORT2}.",
    "The Safe Neighborhoods initiative will be expanded in {MXSTATE}, linking social services with law enforcement to address the root causes of recruitment.",
    "Authorities will scale AI predictive models to include financial transaction data, enhancing early detection of money-laundering networks.",
    "By maintaining a data-driven, collaborative approach, the joint U.S.\u2013Mexico effort aims to sustain the downward trend in cartel activity.",
    "Migration flows across the {USSTATE} border were reported as reduced in recent weeks.",
    "Do you believe continued cooperation between the U.S. and Mexico can deliver lasting reductions in cartel violence?",
    "Which approach, law enforcement, public health or a balanced mix, should be prioritized to address cross-border drug trafficking?",
    "Share your thoughts in the comments below or join the discussion on social media.",
    "According to {SPOKES}, a spokesperson for the {AGENCY}, {NUM} tips were received in {MONTH} alone.",
    "Fentanyl seizures at the border are described as much lower than in the prior period, {SPOKES} told reporters in {USCITY}.",
]

TITLES = [
    "Mexico Says Cartel Crackdown Is Delivering {QUOTE} as U.S. Pressure Persists",
    "{MXSHORT} Highlights Success of Joint U.S.\u2013Mexico Cartel Operations in {MXSTATE}",
    "Homicides in {MXSTATE} Fall {PCT} as Border Cooperation Deepens",
    "Operation {OPNAME} Dismantles {SMALL} Labs Across {MXSTATE}",
    "Border Communities in {CITY} Report Gains After Cartel Crackdown",
    "U.S. and Mexico Renew Security Pledge Amid Political Rhetoric",
    "Seizures of Methamphetamine Top {NUM} Pounds in {MXSTATE}",
]

HEADINGS = [
    "Key Facts at a Glance",
    "Why This Matters Over Time",
    "Engagement: Your Take",
    "Legal Instruments and Funding",
    "Key Achievements Since {YEAR}",
    "Operational Framework Behind the Crackdown",
    "Impact of Recent Political Rhetoric",
    "Benefits for Border Communities",
    "Practical Tips for Citizens and Businesses",
    "Case Study: The {YEAR} {MXSTATE} Operation",
    "Challenges and Future Outlook",
    "Strategic Priorities for {YEAR}",
    "Tactical Innovations",
    "Enhanced Bilateral Task Forces",
    "What Officials Said in {CITY}",
]

BULLETS = [
    (
        "Arrests",
        "Over {NUM} high-ranking cartel members and affiliates detained across {SMALL} joint operations.",
    ),
    ("Seizures", "More than {NUM} kg of cocaine and {NUM2} kg of fentanyl precursors intercepted."),
    ("Asset Forfeiture", "Approximately US ${MONEY} billion in cash, vehicles and property seized."),
    (
        "Homicide Rate Drop",
        "Reported {PCT} reduction in cartel-related homicides in {MXSTATE} and {MXSTATE2}.",
    ),
    ("Border Incursions", "Joint patrols decreased illegal crossings by {PCT} along the {USSTATE} corridor."),
    ("Reduced Violence", "Neighborhoods in {CITY} report a {PCT} decline in shootings."),
    ("Economic Stability", "Small-business owners note a {PCT} increase in cross-border trade volume."),
    ("Tourism Recovery", "Visitor numbers to resorts in {MXSTATE} rose by {PCT} in Q{Q} {YEAR}."),
    ("Stay Informed", "Subscribe to official alerts from the SSPC and U.S. Customs and Border Protection."),
    (
        "Secure Supply Chains",
        "Verify vendor backgrounds through the U.S.\u2013Mexico Anti-Corruption Registry.",
    ),
    ("Report Suspicious Activity", "Use the 24/7 hotline for tips on drug shipments or money laundering."),
    ("Engage Community Policing", "Take part in local safety councils in {CITY}."),
    ("Document Incidents", "Keep detailed records, such as photos and timestamps, of any illegal activity."),
    ("Adaptive Smuggling Tactics", "Cartels are shifting to maritime routes near {PORT}."),
    ("Political Uncertainty", "Fluctuating public sentiment could affect budget allocations."),
    ("Human Rights Oversight", "NGOs have called for increased transparency in detention practices."),
    ("Deep-Sea Interdiction", "Deploy fast-response cutters at key ports in {PORT} and {PORT2}."),
    ("Technology Investments", "Scale AI predictive models to include financial transaction data."),
]

TABLE_HEAD = ["Metric", "Trend", "Latest detail"]
TABLE_ROWS = [
    (
        "Homicide rate",
        ["Decline", "Stable", "Sharp decline"],
        "Authorities report a {PCT} drop in violence in {MXSTATE}",
    ),
    (
        "Fentanyl seizures at the border",
        ["Lower", "Higher", "Mixed"],
        "Seizures are described as much lower than the prior period",
    ),
    (
        "Methamphetamine seizures (labs)",
        ["Significant", "Record", "Moderate"],
        "More than {NUM} pounds seized from clandestine labs",
    ),
    (
        "Migration flows",
        ["Sparse", "Reduced", "Moderate"],
        "Cross-border movement reported as reduced in {USSTATE}",
    ),
    ("Arrests", ["Rising", "Stable"], "{NUM} operatives detained in {SMALL} operations"),
    ("Cash seized", ["Rising", "Record"], "US ${MONEY} billion frozen or seized"),
    ("Arms trafficking", ["Persistent", "Lower"], "Weapons seizures concentrated in {CITY}"),
]

# attribution tails appended (p=0.5) to unique sentences, another way the
# sample's sentences get varied; only for templates ending in "." with no
# attribution of their own
SUFFIXES = [
    ", {SPOKES} said.",
    ", according to the {AGENCY}.",
    ", officials in {CITY} said.",
    ", according to figures released in {MONTH} {YEAR}.",
    ", according to figures released on {DAY}.",
    ", {SPOKES} of the {AGENCY} told reporters in {USCITY}.",
    ", a report presented in {CITY} on {DAY} showed.",
]

# the translate="no" dateline deliberately holds translatable English, so a
# tool that ignores translate="no" visibly changes it
SOURCES = [
    "Office of the President, Mexico",
    "Security Cabinet press office",
    "Attorney General\u2019s Office",
    "U.S. Department of Justice",
    "Ministry of Foreign Affairs",
]

SLOT_RE = re.compile(r"\{([A-Z0-9]+)\}")


def render(template, r):
    """Fill a template: list of segments (text, kind) with kind in
    (None, 'link', 'strong', 'em'); slot values become their own segment."""
    segs = []
    pos = 0
    for m in SLOT_RE.finditer(template):
        if m.start() > pos:
            segs.append((template[pos : m.start()], None))
        gen, kind = SLOTS[m.group(1)]
        segs.append((gen(r), kind or "plain"))
        pos = m.end()
    if pos < len(template):
        segs.append((template[pos:], None))
    return segs


def plain(segs):
    return "".join(s for s, _ in segs)


def slugify(text):
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"[^A-Za-z0-9]+", "-", t).strip("-").lower()
    return t


class Generator:
    BOILER_SHARE = 0.40

    def __init__(self, seed):
        self.seed = seed
        house = random.Random("house-%d" % seed)
        # Fixed house boilerplate: each template rendered once or twice with
        # the house RNG -> ~90 fixed sentences repeated across articles.
        self.boiler = []  # (template index, segments)
        for ti, t in enumerate(SENTENCES):
            for _ in range(1 if "{" not in t else 2):
                self.boiler.append((ti, render(t, house)))
        self.templated = [ti for ti, t in enumerate(SENTENCES) if "{" in t]
        self.seen = set(plain(b) for _, b in self.boiler)

    def unique_sentence(self, r, used):
        for _ in range(60):
            ti = r.choice(self.templated)
            if ti in used:
                continue
            t = SENTENCES[ti]
            if (
                t.endswith(".")
                and not t.endswith("\u201d said.")
                and " said" not in t
                and " told " not in t
                and r.random() < 0.5
            ):
                t = t[:-1] + r.choice(SUFFIXES)
            segs = render(t, r)
            key = plain(segs)
            if key not in self.seen:
                self.seen.add(key)
                used.add(ti)
                return segs, False
        return None

    def sentence(self, r, used):
        """A sentence whose template is not yet used in this article:
        house boilerplate with probability BOILER_SHARE, else unique."""
        if r.random() < self.BOILER_SHARE:
            for _ in range(60):
                ti, segs = r.choice(self.boiler)
                if ti not in used:
                    used.add(ti)
                    return list(segs), True
        got = self.unique_sentence(r, used)
        if got is None:  # all templates used up: fall back to boilerplate
            ti, segs = r.choice(self.boiler)
            return list(segs), True
        return got

    def article(self, i):
        r = random.Random("article-%d-%d" % (self.seed, i))
        title = render(r.choice(TITLES), r)
        title_txt = plain(title)
        slug = "%04d-%s" % (i, slugify(title_txt)[:60].rstrip("-"))
        date = datetime.date(2025, 1, 1) + datetime.timedelta(days=r.randint(0, 500))
        author = r.choice(AUTHORS)
        dateline = "%s \u2014 Source: %s, ref. BINAC-%s-%04d" % (
            r.choice([*MX_CITIES, "Mexico City", "Washington"]),
            r.choice(SOURCES),
            date.year,
            r.randint(1, 9999),
        )
        target = r.randint(740, 850)
        fixed_words = (
            count_words(title_txt)
            + count_words("By " + author + " " + date.isoformat())
            + count_words(dateline)
        )
        # list and table
        bl = r.sample(BULLETS, r.randint(4, 6))
        ul = [(label, render(t, r)) for label, t in bl]
        rows = []
        for name, trends, detail in r.sample(TABLE_ROWS, r.randint(3, 5)):
            rows.append([name, r.choice(trends), plain(render(detail, r))])
        words = fixed_words + sum(count_words(l + " " + plain(s)) for l, s in ul)
        words += sum(count_words(" ".join(row)) for row in [TABLE_HEAD, *rows])
        headings = r.sample(HEADINGS, len(HEADINGS))
        n_sections = 0
        sections = []
        stats = {"boiler": 0, "unique": 0}
        used = set()
        list_section = r.randint(0, 2)
        table_section = r.randint(1, 3)
        while True:
            h = plain(render(headings[n_sections % len(headings)], r))
            words += count_words(h)
            paras = []
            for _ in range(r.randint(2, 3)):
                sents = []
                for _ in range(r.randint(2, 4)):
                    s, is_b = self.sentence(r, used)
                    sents.append((s, is_b))
                    words += count_words(plain(s))
                    if words >= target:
                        break
                paras.append(sents)
                if words >= target:
                    break
            sections.append((h, paras))
            n_sections += 1
            if words >= target and n_sections > max(list_section, table_section):
                break
        # inline decorations: ~12 % of decoratable slot segments, at least one
        # link, one strong and one em per article.
        cands = {"link": [], "strong": [], "em": []}
        dec_paras = []
        all_sents = []
        for si, (h, paras) in enumerate(sections):
            new_paras = []
            for pi, sents in enumerate(paras):
                segs_p = []
                for s, is_b in sents:
                    stats["boiler" if is_b else "unique"] += 1
                    all_sents.append(plain(s))
                    if segs_p:
                        segs_p.append((" ", None))
                    segs_p.extend(s)
                new_paras.append(segs_p)
            dec_paras.append((h, new_paras))
        for si, (h, paras) in enumerate(dec_paras):
            for pi, segs in enumerate(paras):
                for k, (txt, kind) in enumerate(segs):
                    if kind in cands:
                        cands[kind].append((si, pi, k))
        chosen = set()
        for kind, lst in cands.items():
            for c in lst:
                if r.random() < 0.12:
                    chosen.add(c)
            if lst and not any(c in chosen for c in lst):
                chosen.add(r.choice(lst))
        if not cands["em"]:
            # no quote slot in this article: emphasise one plain slot instead
            plains = [
                (si, pi, k)
                for si, (h, paras) in enumerate(dec_paras)
                for pi, segs in enumerate(paras)
                for k, (txt, kind) in enumerate(segs)
                if kind == "plain"
            ]
            if plains:
                c = r.choice(plains)
                si, pi, k = c
                txt, _ = dec_paras[si][1][pi][k]
                dec_paras[si][1][pi][k] = (txt, "em")
                chosen.add(c)
        final = []
        for si, (h, paras) in enumerate(dec_paras):
            out_p = []
            for pi, segs in enumerate(paras):
                out_p.append(
                    [
                        (txt, kind if (si, pi, k) in chosen and kind in ("link", "strong", "em") else None)
                        for k, (txt, kind) in enumerate(segs)
                    ]
                )
            final.append((h, out_p))
        return {
            "slug": slug,
            "title": title_txt,
            "date": date.isoformat(),
            "author": author,
            "dateline": dateline,
            "sections": final,
            "ul": ul,
            "ul_section": list_section,
            "table": rows,
            "table_section": table_section,
            "stats": stats,
            "sentences": all_sents,
        }


# --------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------
def href_for(txt):
    return f"https://news.example.org/topics/{slugify(txt)}"


def html_inline(segs):
    out = []
    for txt, kind in segs:
        e = html.escape(txt, quote=False)
        if kind == "link":
            out.append(f'<a href="{href_for(txt)}">{e}</a>')
        elif kind == "strong":
            out.append(f"<strong>{e}</strong>")
        elif kind == "em":
            out.append(f"<em>{e}</em>")
        else:
            out.append(e)
    return "".join(out)


MD_ESC = re.compile(r"([\\*_\[\]`<>|])")


def md_escape(txt):
    return MD_ESC.sub(r"\\\1", txt)


def md_inline(segs):
    out = []
    for txt, kind in segs:
        e = md_escape(txt)
        if kind == "link":
            out.append(f"[{e}]({href_for(txt)})")
        elif kind == "strong":
            out.append(f"**{e}**")
        elif kind == "em":
            out.append(f"*{e}*")
        else:
            out.append(e)
    return "".join(out)


def to_html(a):
    def esc(t):
        return html.escape(t, quote=False)

    L = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>{}</title>".format(esc(a["title"])),
        "</head>",
        "<body>",
        "<article>",
        "<h1>{}</h1>".format(esc(a["title"])),
        '<p class="byline">By {}, <time datetime="{}">{}</time></p>'.format(
            esc(a["author"]), a["date"], a["date"]
        ),
        '<p class="dateline" translate="no">{}</p>'.format(esc(a["dateline"])),
    ]
    for si, (h, paras) in enumerate(a["sections"]):
        L.append(f"<h2>{esc(h)}</h2>")
        for segs in paras:
            L.append(f"<p>{html_inline(segs)}</p>")
        if si == a["ul_section"]:
            L.append("<ul>")
            for label, segs in a["ul"]:
                L.append(f"<li><strong>{esc(label)}:</strong> {html_inline(segs)}</li>")
            L.append("</ul>")
        if si == a["table_section"]:
            L.append("<table>")
            L.append("<thead><tr>{}</tr></thead>".format("".join(f"<th>{esc(c)}</th>" for c in TABLE_HEAD)))
            L.append("<tbody>")
            for row in a["table"]:
                L.append("<tr>{}</tr>".format("".join(f"<td>{esc(c)}</td>" for c in row)))
            L.append("</tbody>")
            L.append("</table>")
    L += ["</article>", "</body>", "</html>", ""]
    return "\n".join(L)


def yaml_str(t):
    return '"{}"'.format(t.replace("\\", "\\\\").replace('"', '\\"'))


def to_md(a):
    L = [
        "---",
        "title: {}".format(yaml_str(a["title"])),
        "slug: {}".format(a["slug"]),
        "lang: en",
        "date: {}".format(a["date"]),
        "author: {}".format(yaml_str(a["author"])),
        "---",
        "",
        "# {}".format(md_escape(a["title"])),
        "",
        "By {}, {}".format(md_escape(a["author"]), a["date"]),
        "",
        '<p class="dateline" translate="no">{}</p>'.format(html.escape(a["dateline"], quote=False)),
        "",
    ]
    for si, (h, paras) in enumerate(a["sections"]):
        L += [f"## {md_escape(h)}", ""]
        for segs in paras:
            L += [md_inline(segs), ""]
        if si == a["ul_section"]:
            for label, segs in a["ul"]:
                L.append(f"- **{md_escape(label)}:** {md_inline(segs)}")
            L.append("")
        if si == a["table_section"]:
            L.append("| {} |".format(" | ".join(TABLE_HEAD)))
            L.append("|" + "---|" * len(TABLE_HEAD))
            for row in a["table"]:
                L.append("| {} |".format(" | ".join(md_escape(c) for c in row)))
            L.append("")
    return "\n".join(L)


def html_text(doc):
    """Text content of an HTML document (all text nodes, incl. <title>)."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts = []

        def handle_data(self, d):
            self.parts.append(d)

    p = P()
    p.feed(doc)
    p.close()
    return " ".join(p.parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["html", "md", "both"], default="both")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    g = Generator(args.seed)
    total_words = 0
    nb = nu = 0
    wmin, wmax = 10**9, 0
    sent_articles = {}
    inst = []
    for i in range(1, args.n + 1):
        a = g.article(i)
        doc = to_html(a)
        w = count_words(html_text(doc.split("<body>", 1)[1]))
        total_words += w
        wmin, wmax = min(wmin, w), max(wmax, w)
        for sent in a["sentences"]:
            sent_articles.setdefault(sent, set()).add(i)
            inst.append(sent)
        nb += a["stats"]["boiler"]
        nu += a["stats"]["unique"]
        if args.format in ("html", "both"):
            with open(os.path.join(args.out, a["slug"] + ".html"), "w", encoding="utf-8") as f:
                f.write(doc)
        if args.format in ("md", "both"):
            with open(os.path.join(args.out, a["slug"] + ".md"), "w", encoding="utf-8") as f:
                f.write(to_md(a))
    rep = sum(1 for s in inst if len(sent_articles[s]) > 1)
    if not args.quiet:
        print(
            "articles=%d words=%d (per article min=%d max=%d mean=%.0f) "
            "boilerplate sentences drawn=%.1f%%, paragraph sentences found "
            "in >1 article=%.1f%% (%d of %d)"
            % (
                args.n,
                total_words,
                wmin,
                wmax,
                total_words / max(1, args.n),
                100.0 * nb / max(1, nb + nu),
                100.0 * rep / max(1, len(inst)),
                rep,
                len(inst),
            ),
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
