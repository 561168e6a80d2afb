"""Bamako district's places (DOMAIN.md): the quartier is the base unit, mapped to a commune and, since the
2023 re-cut, to an arrondissement. This is seed data for the editable `place` table; nothing else in Sira
hard-codes six communes.
"""

BAMAKO_COMMUNES: dict[str, tuple[str, ...]] = {
    "Commune I": ("Banconi", "Boulkassoumbougou", "Djélibougou", "Doumanzana", "Fadjiguila", "Korofina",
                  "Sotuba"),
    "Commune II": ("Niaréla", "Bagadadji", "Médina-Coura", "Bozola", "Missira", "Hippodrome", "Quinzambougou"),
    "Commune III": ("Bamako-Coura", "Centre commercial", "Dravéla", "Badialan", "Koulouba", "Point G",
                    "N'Tomikorobougou"),
    "Commune IV": ("Lafiabougou", "Hamdallaye", "Djicoroni-Para", "Sébénikoro", "Taliko", "Lassa",
                   "Sibiribougou"),
    "Commune V": ("Badalabougou", "Sema I", "Quartier Mali", "Torokorobougou", "Baco-Djicoroni",
                  "Sabalibougou", "Daoudabougou", "Kalaban-Coura"),
    "Commune VI": ("Banankabougou", "Faladié", "Magnambougou", "Missabougou", "Niamakoro", "Sénou",
                   "Sogoniko", "Yirimadio"),
}


def quartier_to_commune() -> dict[str, str]:
    return {q: commune for commune, quartiers in BAMAKO_COMMUNES.items() for q in quartiers}
