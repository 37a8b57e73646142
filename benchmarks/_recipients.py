"""Deterministic synthetic recipients for the kit benchmark.

    python benchmarks/_recipients.py N OUT.csv [--seed S]

Columns: id, first_name, last_name, organisation, street, city, region,
postal_code, country, email (the columns layouts/help-me.toml reads). Names mix
plain ASCII with accented Latin, Greek and Cyrillic, so the glyph-coverage check
and the font subsetting see every script the bundled sans covers; addresses are
in the US, GB, DE, FR, CA and DK, with and without a region and an organisation.
The same N and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "organisation",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "email",
)

GIVEN = (
    # plain ASCII
    "Mary",
    "Tom",
    "Ruth",
    "Kwame",
    "Aisha",
    "Hugo",
    "Ines",
    "Omar",
    "Lena",
    "Felix",
    # accented Latin
    "Renée",
    "François",
    "Åsa",
    "Jürgen",
    "Íñigo",
    "Þóra",
    "Małgorzata",
    "Tomáš",
    "Ørjan",
    "Çağla",
    # Greek
    "Ελένη",
    "Γιώργος",
    "Δήμητρα",
    # Cyrillic
    "Ольга",
    "Сергей",
    "Мирослава",
)
FAMILY = (
    "Baker",
    "Owusu",
    "Fischer",
    "Dubois",
    "Thompson",
    "O'Neill",
    "van der Berg",
    "Al-Sayed",
    "Lefèvre",
    "Gößling",
    "Højgaard",
    "Wiśniewska",
    "Šimková",
    "Ibáñez",
    "Brontë",
    "Οικονόμου",
    "Κωνσταντίνου",
    "Смирнова",
    "Кузнецов",
)
ORGANISATIONS = (
    "",
    "",
    "",
    "",
    "Riverside Food Bank",
    "Hartley & Sons Ltd",
    "Verein für Nachbarschaftshilfe e.V.",
    "Les Amis du Quartier",
)
PLACES = (
    # (city, region, postal code, country, street names, house number first?)
    ("Albany", "NY", "12207", "US", ("State Street", "Lark Street", "Madison Avenue"), True),
    ("Austin", "TX", "78701", "US", ("Congress Avenue", "Rainey Street"), True),
    ("Manchester", "", "M1 1AE", "GB", ("Deansgate", "Oxford Road", "Canal Street"), True),
    ("Edinburgh", "", "EH1 1YZ", "GB", ("Royal Mile", "Princes Street"), True),
    ("Hamburg", "", "20095", "DE", ("Mönckebergstraße", "Jungfernstieg"), False),
    ("München", "", "80331", "DE", ("Maximilianstraße", "Sendlinger Straße"), False),
    ("Lyon", "", "69002", "FR", ("Rue de la République", "Quai Saint-Antoine"), True),
    ("Montréal", "QC", "H2Y 1C6", "CA", ("Rue Saint-Paul Ouest", "Boulevard Saint-Laurent"), True),
    ("Vancouver", "BC", "V6B 1A1", "CA", ("Granville Street", "Robson Street"), True),
    ("Aarhus", "", "8000", "DK", ("Søndergade", "Åboulevarden"), False),
)


def recipients(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` recipient rows, the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        city, region, postal, country, streets, number_first = PLACES[rng.randrange(len(PLACES))]
        street, number = rng.choice(streets), str(rng.randint(1, 240))
        first, last = rng.choice(GIVEN), rng.choice(FAMILY)
        rows.append(
            {
                "id": f"B{i + 1:06d}",
                "first_name": first,
                "last_name": last,
                "organisation": rng.choice(ORGANISATIONS),
                "street": f"{number} {street}" if number_first else f"{street} {number}",
                "city": city,
                "region": region,
                "postal_code": postal,
                "country": country,
                "email": f"guest{i + 1}@example.net",
            }
        )
    return rows


def write_csv(path: str | Path, n: int, seed: int = 7) -> Path:
    """Write ``n`` recipients to ``path`` (UTF-8, header row first); returns the path."""
    out = Path(path)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(recipients(n, seed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_csv(args.out, args.n, args.seed)


if __name__ == "__main__":
    main()
