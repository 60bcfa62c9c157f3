"""Automatic column mapping of exports in English, German, French, Spanish, Portuguese, Dutch and
Italian: the synonym table in dashboard/ingestion/headers.py, tested per language."""

import pytest

from dashboard.ingestion import headers
from dashboard.ingestion.models import ImportJob
from dashboard.ingestion.validation import guess_mapping
from tests.ingestion.conftest import upload

LANGUAGES = ("en", "de", "fr", "es", "pt", "nl", "it")

# (language, header as exported, targets expected): each language's split-name export, a full
# name one, and spellings in odd case and without accents.
EXPORTS = [
    (
        "en",
        ["First Name", "Last Name", "Email Address", "Mobile"],
        ["first_name", "last_name", "email", "phone"],
    ),
    ("en", ["Candidate Name", "E-mail", "Phone Number", "Source"], ["name", "email", "phone", "metadata"]),
    ("de", ["Vorname", "Nachname", "E-Mail", "Mobil"], ["first_name", "last_name", "email", "phone"]),
    ("de", ["Vorname", "Name", "E-Mail-Adresse", "Telefon"], ["first_name", "last_name", "email", "phone"]),
    ("de", ["Name", "e-mail adresse", "HANDYNUMMER", "Quelle"], ["name", "email", "phone", "metadata"]),
    ("fr", ["Prénom", "Nom", "Courriel", "Téléphone"], ["first_name", "last_name", "email", "phone"]),
    (
        "fr",
        ["PRENOM", "NOM DE FAMILLE", "Adresse électronique", "Portable"],
        ["first_name", "last_name", "email", "phone"],
    ),
    ("fr", ["Nom et prénom", "Adresse e-mail", "Numéro de téléphone"], ["name", "email", "phone"]),
    ("es", ["Nombre", "Apellidos", "Correo", "Teléfono"], ["first_name", "last_name", "email", "phone"]),
    ("es", ["Nombre completo", "Correo electronico", "Movil"], ["name", "email", "phone"]),
    ("pt", ["Nome", "Sobrenome", "E-mail", "Celular"], ["first_name", "last_name", "email", "phone"]),
    ("pt", ["Nome completo", "Endereço de e-mail", "Telemóvel"], ["name", "email", "phone"]),
    (
        "nl",
        ["Voornaam", "Achternaam", "E-mailadres", "Telefoonnummer"],
        ["first_name", "last_name", "email", "phone"],
    ),
    ("nl", ["Voornaam", "Naam", "E-mail", "GSM"], ["first_name", "last_name", "email", "phone"]),
    ("nl", ["Naam", "E-mail", "Mobiel"], ["name", "email", "phone"]),
    (
        "it",
        ["Nome", "Cognome", "Indirizzo email", "Cellulare"],
        ["first_name", "last_name", "email", "phone"],
    ),
    ("it", ["Nominativo", "Posta elettronica", "Telefono"], ["name", "email", "phone"]),
]


@pytest.mark.parametrize(
    ("language", "header", "expected"), EXPORTS, ids=[f"{e[0]}-{'/'.join(e[1])}" for e in EXPORTS]
)
def test_it_maps_each_languages_exports(language, header, expected):
    assert list(guess_mapping(header).values()) == expected


def test_every_language_has_an_export_in_the_table():
    assert {language for language, _, _ in EXPORTS} == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field", list(headers.SYNONYMS))
def test_every_listed_spelling_maps_to_its_field_in_any_case_and_without_accents(field, language):
    spellings = headers.SYNONYMS[field][language]
    assert spellings, f"no {field} spelling for {language}"
    for spelling in spellings:
        for written in (spelling, spelling.upper(), spelling.lower(), _plain(spelling), f" {spelling} "):
            assert guess_mapping([written]) == {written: field}, written


def _plain(text: str) -> str:
    """As a keyboard without accents types it."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def test_no_spelling_is_listed_for_two_fields():
    # headers.py refuses this at import; the table of every spelling shows why it holds today.
    owners: dict[str, set[str]] = {}
    for field, languages in headers.SYNONYMS.items():
        for spellings in languages.values():
            for spelling in spellings:
                owners.setdefault(headers.normal(spelling), set()).add(field)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_the_plain_word_for_name_stays_the_full_name_beside_an_english_half():
    # English "Name" beside "First Name" is the full name, as before: the half becomes metadata.
    assert guess_mapping(["Name", "First Name", "Email"]) == {
        "Name": "name",
        "First Name": "metadata",
        "Email": "email",
    }
    # A split name and a full name: the full name wins in every language.
    assert guess_mapping(["Vorname", "Nachname", "Name", "E-Mail"]) == {
        "Vorname": "metadata",
        "Nachname": "metadata",
        "Name": "name",
        "E-Mail": "email",
    }


def test_a_header_in_another_script_or_only_punctuation_is_metadata():
    assert guess_mapping(["Имя", "—", "E-Mail"]) == {"Имя": "metadata", "—": "metadata", "E-Mail": "email"}


GERMAN_EXPORT = (
    "Vorname;Nachname;E-Mail;Mobil;Quelle\n"
    "Jürgen;Weiß;juergen@example.de;0170 1234567;Messe\n"
    "Zoë;Müller-Lüdenscheidt;zoe@example.de;;Empfehlung\n"
).encode("cp1252")


@pytest.mark.django_db
def test_a_german_excel_export_joins_the_name_and_says_so_on_the_preview(login, reviewer, posting, team):
    team.default_phone_region = "DE"
    team.save()
    client = login(reviewer)
    response = client.post(
        "/imports/upload/", {"posting": posting.id, "file": upload("Bewerber.csv", GERMAN_EXPORT)}
    )
    assert response.status_code == 302, response.text
    job = ImportJob.objects.get()
    assert job.mapping == {
        "Vorname": "first_name",
        "Nachname": "last_name",
        "E-Mail": "email",
        "Mobil": "phone",
        "Quelle": "metadata",
    }
    assert list(job.rows.values_list("name", "phone", "metadata", "status")) == [
        ("Jürgen Weiß", "+491701234567", {"Quelle": "Messe"}, "valid"),
        ("Zoë Müller-Lüdenscheidt", "", {"Quelle": "Empfehlung"}, "valid"),
    ]
    html = client.get(f"/imports/{job.id}/").text
    assert "“Vorname” and “Nachname” are sent as the candidate&#x27;s name, joined." in html
    assert "Start import: send 2 candidates" in html
