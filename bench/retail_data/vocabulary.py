"""Vocabulary of the generated customers: names by country (a few common, a long tail), cities with their postcodes
and landline area codes, streets and their abbreviations, email providers, and what each source system sends."""

from __future__ import annotations

import random
from typing import Any

GIVEN = {
    "GB": (
        "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya Charlotte "
        "Jessica Elizabeth Margaret Susan Sarah Catherine Katherine Rebecca Jennifer Patricia Victoria Samantha "
        "Alexandra Deborah Christine Helen Jacqueline Natalie Abigail Eleanor Josephine Rachel Hannah Laura Emma Mary "
        "Anne Karen Julie Lisa Claire Nicola Joanne Amanda Tracey Michelle Gillian Lesley Linda Janet Carol Sandra "
        "Pauline Angela Alison Kathleen Dorothy Joan Barbara Valerie Maureen Sheila Brenda Wendy Diane Kelly Gemma "
        "Danielle Zoe Lucy Amy Chloe Holly Megan Lauren Bethany Jade Katie Stephanie Louise Kirsty Heather Fiona "
        "Caroline Eileen",
        "Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry William James Robert "
        "Michael David Richard Joseph Daniel Matthew Anthony Christopher Andrew Edward Benjamin Samuel Alexander "
        "Nicholas Jonathan Timothy Stephen Peter Philip Patrick Frederick Gregory Kenneth Ronald Simon Paul John Mark "
        "Ian Gary Steven Kevin Alan Colin Graham Neil Martin Keith Brian Trevor Derek Raymond Gordon Barry Geoffrey "
        "Roger Malcolm Stuart Darren Lee Craig Wayne Dean Adam Luke Ryan Liam Nathan Callum Connor Jamie Ben Joshua "
        "Lewis Kieran Aaron Scott Jason Carl Shaun Ross",
    ),
    "DE": (
        "Sophie Marie Hannah Emma Mia Anna Lea Lena Katharina Elisabeth Margarete Franziska Susanne Sabine Petra "
        "Claudia Andrea Stefanie Christina Johanna Julia Barbara Monika Ursula Gabriele Ingeborg Hildegard Anneliese "
        "Brigitte Daniela Nicole Simone Paula Jana Karin Renate Heike Birgit Martina Angelika Anja Katrin Kerstin "
        "Silke Tanja Sandra Melanie Nadine Jessica Jennifer Sarah Laura Lisa Vanessa Jasmin Christa Helga Gisela "
        "Erika Elke Doris Heidi Marion Ute Jutta Manuela Bettina Cornelia Diana Antje Kathrin Carina Michelle Lara "
        "Leonie Luisa Charlotte Klara Greta Ida Frieda Maria Ruth Gertrud",
        "Maximilian Alexander Paul Lukas Leon Felix Jonas Elias Hans Peter Jürgen Klaus Wolfgang Michael Thomas "
        "Andreas Stefan Christian Matthias Markus Sebastian Johannes Tobias Florian Friedrich Wilhelm Dietrich "
        "Gottfried Siegfried Reinhard Burkhard Hans-Peter Daniel Jan Julian Simon Frank Uwe Bernd Dieter Manfred "
        "Horst Günter Helmut Werner Gerhard Rolf Karl Heinz Walter Ralf Jörg Holger Dirk Torsten Sven Olaf Jens Kai "
        "Oliver Martin Patrick Dennis Marcel Marco Kevin Philipp Benjamin Niklas Moritz Tim Fabian David Dominik "
        "Robert Björn Lars Rainer Volker Joachim Georg Ernst Otto Heinrich",
    ),
    "FR": (
        "Léa Manon Camille Chloé Inès Louise Jade Emma Marie Isabelle Nathalie Sylvie Catherine Françoise Valérie "
        "Sophie Stéphanie Christine Élisabeth Marguerite Véronique Hélène Aurélie Emmanuelle Laurence Julie Pauline "
        "Monique Martine Nicole Chantal Brigitte Dominique Patricia Sandrine Céline Karine Virginie Émilie Sarah "
        "Laura Anne Claire Caroline Mélanie Audrey Élodie Marion Lucie Juliette Charlotte Alice Zoé Clara Anaïs "
        "Océane Margaux Mathilde Jeanne Jacqueline Annie Odile Colette Josiane Danielle Michèle Florence Agnès "
        "Corinne Nadine Sabrina Delphine Sonia Laëtitia Amandine",
        "Louis Gabriel Hugo Lucas Jules Arthur Jean Pierre Michel Philippe Alain Nicolas François Stéphane Christophe "
        "Frédéric Sébastien Laurent Julien Guillaume Olivier Thierry Antoine Jérôme Benoît Emmanuel Paul Patrick "
        "Bernard Daniel Éric Gérard Jacques André Claude Didier Pascal Bruno Yves Dominique Serge Marc Xavier Vincent "
        "Thomas Maxime Alexandre Romain Mathieu Kevin Anthony Florian Quentin Baptiste Théo Nathan Raphaël Adrien "
        "Clément Damien Cédric Fabrice Franck Hervé Joël Lionel Rémi Denis Gilles Henri Roger Marcel René Georges",
    ),
}
FAMILY = {
    "GB": (
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
        "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward "
        "Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
        "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
        "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Wilkinson Foster Chapman Powell Webb Rogers Gray "
        "Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
        "O'Brien McDonald MacLeod"
    ),
    "DE": (
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein "
        "Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause "
        "Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz "
        "Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
        "Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto "
        "Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel"
    ),
    "FR": (
        "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
        "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure "
        "André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
        "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour "
        "Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
        "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix"
    ),
}
# The family names above are each country's most common, in rank order; the long tail after them is made of real
# name parts (Ashworth, Eichhuber, Beaulier, ...). Names are drawn Zipf-Mandelbrot, weight 1 / (rank + offset), the
# offsets set so the most common name is about as frequent as in the country: Smith ~1.3 % of people in Britain,
# Müller ~0.9 % in Germany, Martin ~0.4 % in France. With a hundred names and no tail, one British customer in seven
# was a Smith and two unrelated customers shared a full name a hundred times more often than real people do.
_GB_TAIL = (
    "Ald Ame Apple Arn Bax Beck Birk Bram Brough Buck Cald Cart Chap Chester Cross Cul Dar Ding Down East Ed Ever "
    "Fal Fen Gar Glad Hamp Hather Hol Hun Ing Kel Kirk Knot Lan Lea Lid Mal Mat Mid New Nor Ock Pad Pick Ram Rid "
    "Rock Row Sel Shel Sid South Stam Ted Thurl Tow Up Wat Wel West Wick Wil Wins Wor",
    ("", "ing", "er", "s"),
    "ford ley ton wood well by ham field worth man son ridge more stone brook dale hurst land wick shaw combe "
    "thorpe cott den",
)
_DE_TAIL = (
    "Ahorn Amsel Auer Bären Bieder Brand Buch Busch Dach Drei Ehren Eisen Engel Erl Falken Fried Fuchs Gold Hagen "
    "Hasel Heide Hell Hirsch Hohen Kalten Kessel Klee Kronen Lauten Leh Linden Mittel Moos Nuss Oster Pfeif Rein "
    "Ried Rot Sieben Silber Sommer Spitz Stock Tiefen Wasser Weid Wein Winter Zimmer",
    ("", "s"),
    "mann er berger bauer meier huber feld thaler brunner wald bach hof hammer schmid reiter",
)
_FR_TAIL = (
    "Beau Bel Bon Cha Del Du Fon Gar La Le Mar Mon Ri Ro Va Ber Bou Cour Dau Fer Gri Lan Mal Mau Pel Por Sau Tre "
    "Vil Gau",
    ("", "n"),
    "mont court fort ville vin ret lier rand chet geot din lain tier nier card bert nard det mard guet lot bault "
    "cheron drieu villers",
)
FAMILY_OFFSET = {"GB": 12, "DE": 25, "FR": 80}
GIVEN_OFFSET = 15  # the most common given name ~3 % of one sex


def family_names(country: str) -> list[str]:
    """The country's family names by rank: the common ones, then the tail (a stable order, shuffled once)."""
    head = FAMILY[country].split()
    roots, middles, suffixes = {"GB": _GB_TAIL, "DE": _DE_TAIL, "FR": _FR_TAIL}[country]
    made = [root + middle + suffix for root in roots.split() for middle in middles for suffix in suffixes.split()]
    tail = [name for name in dict.fromkeys(made) if name not in set(head)]
    random.Random(f"family names {country}").shuffle(tail)
    return head + tail


# Twins whose given names differ by a letter or two: the hardest twins.
SIMILAR_TWINS = [
    tuple(pair.split("/"))
    for pair in "Lena/Lea Jan/Jana Paul/Paula Louis/Louise Daniel/Daniela Simon/Simone Julian/Julia".split()
]
CITIES: dict[str, list[tuple[str, Any, str]]] = {
    # city, postcode districts (GB) or range (DE, FR), landline area code
    "GB": [
        ("London", ["SW1A", "E1", "N1", "SE15", "W2", "NW3", "SW11", "E14"], "20"),
        ("Manchester", ["M1", "M14", "M20", "M4"], "161"),
        ("Birmingham", ["B1", "B15", "B29"], "121"),
        ("Leeds", ["LS1", "LS6", "LS17"], "113"),
        ("Bristol", ["BS1", "BS8", "BS6"], "117"),
        ("Glasgow", ["G1", "G12", "G41"], "141"),
        ("Edinburgh", ["EH1", "EH3", "EH10"], "131"),
        ("Liverpool", ["L1", "L17", "L18"], "151"),
        ("Sheffield", ["S1", "S10", "S11"], "114"),
        ("Nottingham", ["NG1", "NG7"], "115"),
        ("Cardiff", ["CF10", "CF24"], "29"),
        ("Brighton", ["BN1", "BN2"], "1273"),
    ],
    "DE": [
        ("Berlin", (10115, 14199), "30"),
        ("Hamburg", (20095, 22769), "40"),
        ("München", (80331, 81929), "89"),
        ("Köln", (50667, 51149), "221"),
        ("Frankfurt am Main", (60306, 60599), "69"),
        ("Stuttgart", (70173, 70629), "711"),
        ("Düsseldorf", (40210, 40629), "211"),
        ("Leipzig", (4103, 4357), "341"),
        ("Dortmund", (44135, 44388), "231"),
        ("Essen", (45127, 45359), "201"),
        ("Bremen", (28195, 28779), "421"),
        ("Dresden", (1067, 1328), "351"),
        ("Hannover", (30159, 30669), "511"),
        ("Nürnberg", (90402, 90491), "911"),
    ],
    "FR": [
        ("Paris", (75001, 75020), "1"),
        ("Lyon", (69001, 69009), "4"),
        ("Marseille", (13001, 13016), "4"),
        ("Toulouse", (31000, 31500), "5"),
        ("Nice", (6000, 6300), "4"),
        ("Nantes", (44000, 44300), "2"),
        ("Strasbourg", (67000, 67200), "3"),
        ("Montpellier", (34000, 34090), "4"),
        ("Bordeaux", (33000, 33800), "5"),
        ("Lille", (59000, 59800), "3"),
    ],
}
GB_STREETS = (
    "High Station Church Park Victoria Green Manor Mill Kings Queens New School London York Albert Grange Windsor "
    "Springfield Meadow Oak Elm Cedar Willow Chapel Castle Bridge Orchard Highfield Alexandra Stanley Richmond"
).split()
GB_TYPES = [
    tuple(t.split("/"))
    for t in "Street/St Road/Rd Lane/Ln Avenue/Ave Close/Cl Drive/Dr Gardens/Gdns Crescent/Cres Place/Pl".split()
]
DE_STREETS = (
    "Haupt Bahnhof Schul Garten Dorf Berg Kirch Wald Linden Birken Goethe Schiller Mozart Beethoven Friedrich "
    "Wilhelm Bismarck Park Rosen Blumen Wiesen Mühlen Feld Tal Eichen Buchen Sonnen Kastanien Ahorn Fichten Markt "
    "Brunnen Post Luisen Königs Kaiser"
).split()
DE_TYPES = [("straße", "str."), ("straße", "str."), ("straße", "str."), ("weg", "weg"), ("allee", "allee")]
FR_STREETS = (
    "de la Paix; Victor Hugo; Jean Jaurès; de la République; Pasteur; Voltaire; Gambetta; du Général de Gaulle; "
    "des Lilas; de la Gare; Saint-Michel; Émile Zola; des Écoles; du Moulin; de Verdun; Jules Ferry; Carnot; "
    "de la Liberté; du Château; Foch; de Strasbourg; Lafayette"
).split("; ")
FR_TYPES = [("rue", "r."), ("rue", "r."), ("avenue", "av."), ("boulevard", "bd"), ("place", "pl."), ("allée", "all.")]
MAIL_DOMAINS = {
    "GB": ["gmail.com", "gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com"],
    "DE": ["gmail.com", "web.de", "gmx.de", "gmx.net", "t-online.de", "outlook.de", "gmail.com"],
    "FR": ["gmail.com", "orange.fr", "free.fr", "hotmail.fr", "laposte.net", "sfr.fr", "gmail.com"],
}
PLUS_DOMAINS = set("gmail.com googlemail.com outlook.com outlook.de hotmail.co.uk hotmail.fr icloud.com".split())
WORK_DOMAINS = ["acme-logistics.com", "stadtwerke.de", "nhs.net", "bnp-example.fr", "uni-example.de", "example.org"]
TIERS = ["bronze", "silver", "gold", "platinum"]
# What each system sends besides names and country, as the share of its records that carry it: the ERP bills (name,
# address, account number), the CDP knows digital identities (email, phone), the loyalty card holder gives a birth
# date for the birthday voucher, the shop ships to an address. Fields not listed are always sent (email) or never.
SENDS: dict[str, dict[str, float]] = {
    "erp": {"email": 0.5, "phone": 0.7},
    "cdp": {"phone": 0.75, "birth_date": 0.4, "postal_code": 0.3, "given_name": 0.92, "country": 0.9},
    "loyalty": {"email": 0.9, "phone": 0.75, "birth_date": 0.8, "postal_code": 0.95, "address": 0.5},
    "commerce": {"phone": 0.7, "birth_date": 0.15, "address": 0.92, "erp_account_number": 0.2},
}
