"""Write N canonical account rows, realistic and messy, for the import benchmark.

    .venv/bin/python bench/gen_accounts.py --rows 1000000 --out var/bench/accounts-1m.csv

- 20% of debtors own several accounts (2–5), written with varying case, spacing and phone formats,
  so dedupe has work to do; the rest own one.
- Amounts with "$", thousands separators and spare spaces; dates in ISO and MM/DD/YYYY; phones in
  five shapes; e-mails in mixed case; 5% of addresses on one line ("12 Oak St, Springfield, IL 62704")
  that the importer splits with usaddress; notes with commas, quotes and line breaks; 40% with SSNs.
Deterministic for a given --seed. Streams: memory stays flat whatever N is.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.person.en_US import Provider as PersonProvider

HEADER = [
    "account_ref",
    "debtor_ref",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "ssn",
    "email",
    "phone",
    "phone_kind",
    "phone2",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "currency",
    "balance",
    "principal",
    "interest",
    "fees",
    "original_creditor",
    "invoice_number",
    "debt_type",
    "interest_rate",
    "opened_on",
    "due_on",
    "delinquent_since",
    "charged_off_on",
    "last_payment_on",
    "last_payment_amount",
    "notes",
]

FIRST = list(PersonProvider.first_names_male) + list(PersonProvider.first_names_female)
LAST = list(PersonProvider.last_names)
SUFFIXES = list(AddressProvider.street_suffixes)
STREETS = [
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Main",
    "Church",
    "Mill",
    "River",
    "Spring",
    "Ridge",
    "Sunset",
    "Highland",
    "Forest",
    "Meadow",
    "Union",
    "Lincoln",
    "Walnut",
]
CITIES = [
    "Springfield",
    "Franklin",
    "Greenville",
    "Clinton",
    "Madison",
    "Salem",
    "Fairview",
    "Georgetown",
    "Riverside",
    "Oxford",
    "Arlington",
    "Ashland",
    "Dover",
    "Milton",
    "Newport",
    "Burlington",
]
# (state, first ZIP3, last ZIP3): a subset of USPS prefixes, so ZIP and state always agree.
STATES = [
    ("NY", 100, 149),
    ("CA", 900, 961),
    ("TX", 750, 799),
    ("FL", 320, 339),
    ("IL", 600, 629),
    ("PA", 150, 196),
    ("OH", 430, 459),
    ("GA", 300, 319),
    ("NC", 270, 289),
    ("MI", 480, 499),
    ("NJ", 70, 89),
    ("VA", 220, 246),
    ("WA", 980, 994),
    ("AZ", 850, 865),
    ("MA", 10, 27),
]
CREDITORS = [
    "First Bank Card",
    "Metro Medical Group",
    "Sunrise Telecom",
    "Acme Auto Finance",
    "City Utilities",
]


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666 and a not in (0, 78, 219)])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def phone(rng: random.Random) -> str:
    """Ten NANP digits: area and exchange codes start with 2-9."""
    return f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def phone_shape(digits: str, rng: random.Random) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1{a}{b}{c}"])


def amount_text(cents: int, rng: random.Random) -> str:
    value = f"{cents // 100}.{cents % 100:02d}"
    shape = rng.random()
    if shape < 0.3:
        return f"${cents // 100:,}.{cents % 100:02d}"
    if shape < 0.4:
        return f" {cents // 100:,}.{cents % 100:02d} "
    return value


def date_text(day: date, rng: random.Random) -> str:
    return day.isoformat() if rng.random() < 0.6 else day.strftime("%m/%d/%Y")


class Debtor:
    __slots__ = ("address", "dob", "email", "first", "last", "middle", "n", "phone", "phone2", "ssn")

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n = n
        self.first = rng.choice(FIRST)
        self.middle = rng.choice(FIRST)[0] if rng.random() < 0.3 else ""
        self.last = rng.choice(LAST)
        self.dob = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 62)) if rng.random() < 0.7 else None
        self.ssn = ssn(rng) if rng.random() < 0.4 else ""
        self.email = (
            f"{self.first}.{self.last}{n}@{rng.choice(['Example.com', 'mail.example.org', 'EXAMPLE.net'])}"
            if rng.random() < 0.7
            else ""
        )
        self.phone = phone(rng) if rng.random() < 0.9 else ""
        self.phone2 = phone(rng) if rng.random() < 0.2 else ""
        state, lo, hi = rng.choice(STATES)
        zip5 = f"{rng.randint(lo, hi):03d}{rng.randint(0, 99):02d}"
        self.address = (
            f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
            f"Apt {rng.randint(1, 40)}" if rng.random() < 0.15 else "",
            rng.choice(CITIES),
            state,
            zip5,
        )


def rows(count: int, seed: int):
    rng = random.Random(seed)
    debtor_n = 0
    written = 0
    repeat: list[tuple[Debtor, int]] = []  # debtors owed more accounts later in the file
    while written < count:
        if repeat and rng.random() < 0.35:
            i = rng.randrange(len(repeat))
            debtor, left = repeat[i]
            if left <= 1:
                repeat[i] = repeat[-1]
                repeat.pop()
            else:
                repeat[i] = (debtor, left - 1)
        else:
            debtor_n += 1
            debtor = Debtor(debtor_n, rng)
            if rng.random() < 0.2:
                repeat.append((debtor, rng.randint(1, 4)))
        written += 1
        yield row(written, debtor, rng)


def row(n: int, d: Debtor, rng: random.Random) -> list[str]:
    first, last = d.first, d.last
    if rng.random() < 0.1:
        first, last = first.upper(), f" {last.upper()}"
    principal = rng.randint(5_000, 2_500_000)
    interest = rng.randint(0, principal // 5) if rng.random() < 0.4 else 0
    fees = rng.choice([0, 0, 0, 2500, 3500, 3900])
    total = principal + interest + fees
    opened = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000))
    due = opened + timedelta(days=30)
    delinquent = due + timedelta(days=rng.randint(1, 60))
    charged_off = delinquent + timedelta(days=180) if rng.random() < 0.5 else None
    line1, line2, city, state, zip5 = d.address
    if rng.random() < 0.05 and not line2:
        line1, city, state, zip5 = f"{line1}, {city}, {state} {zip5}", "", "", ""
    notes = ""
    if rng.random() < 0.05:
        notes = rng.choice(
            ['Called 3x, "left VM"', "Disputed in 2023,\nresolved", "Prefers e-mail, evenings"]
        )
    last_pay = delinquent - timedelta(days=rng.randint(1, 30)) if rng.random() < 0.5 else None
    return [
        f"ACC-{n:08d}",
        f"D{d.n:08d}",
        first,
        d.middle,
        last,
        date_text(d.dob, rng) if d.dob else "",
        (d.ssn if rng.random() < 0.5 else d.ssn.replace("-", "")) if d.ssn else "",
        (d.email.upper() if rng.random() < 0.1 else d.email) if d.email else "",
        phone_shape(d.phone, rng) if d.phone else "",
        rng.choice(["mobile", "home", "cell", ""]) if d.phone else "",
        phone_shape(d.phone2, rng) if d.phone2 else "",
        line1,
        line2,
        city,
        state,
        zip5,
        "USD",
        amount_text(total, rng),
        f"{principal / 100:.2f}",
        f"{interest / 100:.2f}" if interest else "",
        f"{fees / 100:.2f}" if fees else "",
        rng.choice(CREDITORS),
        f"INV-{rng.randint(1, 10**7):07d}",
        "consumer",
        rng.choice(["0", "6.5", "12.99%", "24"]),
        date_text(opened, rng),
        date_text(due, rng),
        date_text(delinquent, rng),
        date_text(charged_off, rng) if charged_off else "",
        date_text(last_pay, rng) if last_pay else "",
        f"{rng.randint(10, 500)}.00" if last_pay else "",
        notes,
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows(args.rows, args.seed))
    print(f"wrote {args.rows:,} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
