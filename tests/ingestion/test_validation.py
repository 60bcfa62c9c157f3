"""Column matching and per-row checks."""

import pytest

from dashboard.ingestion.validation import (
    candidate_from_cells,
    guess_mapping,
    mapping_problems,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Name", "Email", "Phone"], ["name", "email", "phone"]),
        (["Candidate Name", "Email Address", "Phone Number"], ["name", "email", "phone"]),
        (["First Name", "Last Name", "E-mail", "Mobile"], ["first_name", "last_name", "email", "phone"]),
        (["full_name", "e_mail", "Cell"], ["name", "email", "phone"]),
        (
            ["Name", "First Name", "Email", "Mail", "Source"],
            ["name", "metadata", "email", "metadata", "metadata"],
        ),
    ],
)
def test_it_matches_common_header_spellings(header, expected):
    assert list(guess_mapping(header).values()) == expected


def test_it_reports_a_mapping_without_name_or_email():
    assert mapping_problems({"a": "metadata", "b": "phone"}) == [
        "No column is mapped to the name (or first and last name).",
        "No column is mapped to the email.",
    ]
    assert "More than one column is mapped to email." in mapping_problems(
        {"a": "email", "b": "email", "c": "name"}
    )


def test_it_combines_first_and_last_names_and_sorts_other_columns():
    header = ("First", "Last", "Mail", "Years", "Notes")
    mapping = {
        "First": "first_name",
        "Last": "last_name",
        "Mail": "email",
        "Years": "data",
        "Notes": "metadata",
    }
    cand = candidate_from_cells(header, ["Ada", " Lovelace ", "ada@example.com", "5", "x"], mapping, "US")
    assert (cand.name, cand.email, cand.errors) == ("Ada Lovelace", "ada@example.com", [])
    assert (cand.data, cand.metadata) == ({"Years": "5"}, {"Notes": "x"})


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(206) 555-0100", "US", "+12065550100"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("", "US", ""),
    ],
)
def test_it_normalises_phones_to_e164_with_the_team_region(raw, region, e164):
    assert normalise_phone(raw, region) == (e164, None)


def test_it_shows_the_original_of_an_invalid_phone():
    phone, error = normalise_phone("12345", "US")
    assert phone == "" and "“12345”" in error


def test_it_lists_every_problem_of_a_row():
    mapping = {"n": "name", "e": "email", "p": "phone"}
    cand = candidate_from_cells(("n", "e", "p"), ["", "nope", "999"], mapping, "US")
    assert cand.errors == [
        "Name is missing.",
        "Email “nope” is not a valid address.",
        "Phone “999” is not a valid United States number. For another country, "
        "start it with + and the country code.",
    ]
