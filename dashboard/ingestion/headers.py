"""Header spellings the automatic column mapping knows, per field and per language: data only.

Spellings are written as exports show them; they are compared after `normal()`, so case, accents,
spaces and punctuation never matter ("E-Mail-Adresse" and "email adresse" are the same header).
"""

import unicodedata

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "name": {
        "en": [
            "Name",
            "Full name",
            "Candidate name",
            "Candidate",
            "Applicant name",
            "Applicant",
            "Candidate full name",
            "Contact name",
            "Display name",
        ],
        "de": [
            "Name",
            "Vollständiger Name",
            "Vor- und Nachname",
            "Kandidat",
            "Kandidatenname",
            "Bewerber",
            "Bewerbername",
            "Name des Bewerbers",
            "Bewerber/in",
        ],
        "fr": ["Nom", "Nom complet", "Nom et prénom", "Prénom et nom", "Candidat", "Nom du candidat"],
        "es": [
            "Nombre",
            "Nombre completo",
            "Nombre y apellidos",
            "Candidato",
            "Nombre del candidato",
            "Postulante",
        ],
        "pt": ["Nome", "Nome completo", "Candidato", "Nome do candidato"],
        "nl": ["Naam", "Volledige naam", "Kandidaat", "Sollicitant", "Naam kandidaat"],
        "it": ["Nome", "Nome e cognome", "Cognome e nome", "Nominativo", "Nome completo", "Candidato"],
    },
    "first_name": {
        "en": ["First name", "First", "Firstname", "Given name", "Forename", "Candidate first name"],
        "de": ["Vorname", "Rufname"],
        "fr": ["Prénom"],
        "es": ["Nombre de pila", "Primer nombre"],
        "pt": ["Primeiro nome", "Prenome"],
        "nl": ["Voornaam", "Roepnaam"],
        "it": ["Nome proprio", "Nome di battesimo"],
    },
    "last_name": {
        "en": ["Last name", "Last", "Lastname", "Surname", "Family name", "Candidate last name"],
        "de": ["Nachname", "Familienname", "Zuname"],
        "fr": ["Nom de famille", "Patronyme"],
        "es": ["Apellido", "Apellidos", "Primer apellido"],
        "pt": ["Sobrenome", "Apelido", "Último nome"],
        "nl": ["Achternaam", "Familienaam"],
        "it": ["Cognome"],
    },
    "email": {
        "en": [
            "Email",
            "E-mail",
            "Email address",
            "Mail",
            "Candidate email",
            "Applicant email",
            "Email ID",
            "Primary email",
            "Work email",
            "Personal email",
            "Contact email",
        ],
        "de": ["E-Mail", "E-Mail-Adresse", "Mailadresse", "Mail-Adresse"],
        "fr": ["Courriel", "Adresse e-mail", "Adresse mail", "Adresse électronique", "Mél"],
        "es": ["Correo", "Correo electrónico", "Dirección de correo", "Dirección de correo electrónico"],
        "pt": ["E-mail", "Endereço de e-mail", "Correio eletrônico", "Correio electrónico"],
        "nl": ["E-mail", "E-mailadres", "Mailadres"],
        "it": ["E-mail", "Indirizzo email", "Indirizzo e-mail", "Posta elettronica"],
    },
    "phone": {
        "en": [
            "Phone",
            "Phone number",
            "Phone no",
            "Mobile",
            "Mobile phone",
            "Mobile number",
            "Cell",
            "Cell phone",
            "Cell number",
            "Telephone",
            "Tel",
            "Contact number",
            "Candidate phone",
            "Primary phone",
        ],
        "de": [
            "Telefon",
            "Telefonnummer",
            "Mobil",
            "Mobiltelefon",
            "Mobilnummer",
            "Mobilfunknummer",
            "Handy",
            "Handynummer",
            "Rufnummer",
        ],
        "fr": [
            "Téléphone",
            "Numéro de téléphone",
            "Tél",
            "Portable",
            "Téléphone portable",
            "Téléphone mobile",
            "Numéro de portable",
        ],
        "es": ["Teléfono", "Número de teléfono", "Móvil", "Teléfono móvil", "Celular", "Número de celular"],
        "pt": ["Telefone", "Número de telefone", "Celular", "Telefone celular", "Telemóvel"],
        "nl": ["Telefoon", "Telefoonnummer", "Mobiel", "Mobiel nummer", "Mobiele telefoon", "GSM"],
        "it": ["Telefono", "Numero di telefono", "Cellulare", "Numero di cellulare", "Recapito telefonico"],
    },
}

# A language's plain word for "name" beside only one half of a split name is the other half:
# German "Vorname, Name", French "Prénom, Nom" and Dutch "Voornaam, Naam" put the family name
# under it; Spanish "Nombre, Apellidos", Italian "Nome, Cognome" and Portuguese "Nome, Sobrenome"
# the given name. English has no such habit: "Name" beside "First name" stays the full name.
PLAIN_NAME_PAIRS: dict[str, tuple[str, str]] = {
    "de": ("Name", "last_name"),
    "fr": ("Nom", "last_name"),
    "nl": ("Naam", "last_name"),
    "es": ("Nombre", "first_name"),
    "it": ("Nome", "first_name"),
    "pt": ("Nome", "first_name"),
}

# The column our "rows not sent" download adds (dashboard.ingestion.views.import_csv) with the
# reasons: re-uploaded, it must never reach HeyMilo as metadata. A file fixed twice holds it twice,
# and the second copy is renamed "error (2)" like any repeated header (csvfile._unique).
OWN_ERROR_COLUMN = "error"


def normal(header: str) -> str:
    """The header without case, accents, spaces or punctuation: "Téléphone" → "telephone"."""
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _fields() -> dict[str, str]:
    fields: dict[str, str] = {}
    for field, languages in SYNONYMS.items():
        for spellings in languages.values():
            for spelling in spellings:
                key = normal(spelling)
                if fields.setdefault(key, field) != field:
                    raise ValueError(f"Header “{spelling}” is listed for both {fields[key]} and {field}.")
    return fields


def _languages(field: str) -> dict[str, set[str]]:
    """normal spelling → the languages listing it for `field`."""
    found: dict[str, set[str]] = {}
    for language, spellings in SYNONYMS[field].items():
        for spelling in spellings:
            found.setdefault(normal(spelling), set()).add(language)
    return found


FIELD_BY_HEADER = _fields()
HALF_LANGUAGES = {"first_name": _languages("first_name"), "last_name": _languages("last_name")}


def plain_name_half(name_header: str, half_header: str, half: str) -> str | None:
    """The half ("first_name"/"last_name") a plain name column stands for beside a column holding
    the other `half`, when both headers are that language's pair; else None (a full name)."""
    key = normal(name_header)
    for language in HALF_LANGUAGES[half].get(normal(half_header), ()):
        word, means = PLAIN_NAME_PAIRS.get(language, ("", ""))
        if word and normal(word) == key and means != half:
            return means
    return None


def is_own_error_column(header: str) -> bool:
    name = header.strip().casefold()
    if name == OWN_ERROR_COLUMN:
        return True
    base, _, rest = name.partition(" (")
    return base == OWN_ERROR_COLUMN and rest.endswith(")") and rest[:-1].isdigit()
