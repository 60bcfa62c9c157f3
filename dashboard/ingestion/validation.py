"""Column mapping and per-row validation of candidates, shared by CSV imports and the single form."""

import re
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

# Where a column's values go. The API takes name, email, phone_number, metadata and data.
TARGETS = {
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "metadata": "Metadata (text)",
    "data": "Data",
    "ignore": "Ignore",
}
SINGLE_TARGETS = ("name", "first_name", "last_name", "email", "phone")

# Header spellings seen in ATS and job-board exports, compared without case, spaces or punctuation.
KNOWN_HEADERS = {
    "name": {"name", "fullname", "candidatename", "candidate", "applicantname", "applicant",
             "candidatefullname", "contactname", "displayname"},
    "first_name": {"firstname", "first", "givenname", "forename", "candidatefirstname"},
    "last_name": {"lastname", "last", "surname", "familyname", "candidatelastname"},
    "email": {"email", "emailaddress", "mail", "candidateemail", "applicantemail", "emailid",
              "primaryemail", "workemail", "personalemail", "contactemail"},
    "phone": {"phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone",
              "cellnumber", "telephone", "tel", "contactnumber", "candidatephone", "primaryphone",
              "phoneno"},
}
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY = 40
METADATA_MAX_VALUE = 500

_email_validator = EmailValidator()


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def guess_mapping(header: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Each column's target: the first column matching a known spelling wins, the rest is metadata."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        key = _normal(column)
        target = next((t for t, names in KNOWN_HEADERS.items() if key in names and t not in taken),
                      "metadata")
        if target != "metadata":
            taken.add(target)
        mapping[column] = target
    if "name" in taken:
        # A full name column makes first/last name columns plain metadata.
        for column, target in mapping.items():
            if target in ("first_name", "last_name"):
                mapping[column] = "metadata"
    return mapping


def mapping_problems(mapping: dict[str, str]) -> list[str]:
    """What keeps a mapping from producing candidates at all (shown above the preview)."""
    targets = list(mapping.values())
    problems = []
    if "name" not in targets and "first_name" not in targets and "last_name" not in targets:
        problems.append("No column is mapped to the name (or first and last name).")
    if "email" not in targets:
        problems.append("No column is mapped to the email.")
    for target in SINGLE_TARGETS:
        if targets.count(target) > 1:
            problems.append(f"More than one column is mapped to {TARGETS[target].lower()}.")
    if targets.count("metadata") > METADATA_MAX_KEYS:
        problems.append(f"HeyMilo takes at most {METADATA_MAX_KEYS} metadata columns: send some to "
                        "data or ignore them.")
    return problems


@dataclass
class Candidate:
    name: str = ""
    email: str = ""
    phone: str = ""  # E.164, or empty
    metadata: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def check_email(value: str) -> str | None:
    if not value:
        return "Email is missing."
    try:
        _email_validator(value)
    except ValidationError:
        return f"Email “{value}” is not a valid address."
    return None


def normalise_phone(value: str, region: str) -> tuple[str, str | None]:
    """(E.164 number, error): an empty phone is fine; an invalid one is an error showing it."""
    if not value:
        return "", None
    region = (region or "US").upper()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    # Checking the team's own country first skips the search through every country sharing a
    # calling code (some 25 for +1), which dominates validating a big file.
    if number is None or not (phonenumbers.is_valid_number_for_region(number, region)
                              or phonenumbers.is_valid_number(number)):
        return "", f"Phone “{value}” is not a valid number (default country {region or 'US'})."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def check_metadata(metadata: dict[str, str]) -> list[str]:
    errors = []
    if len(metadata) > METADATA_MAX_KEYS:
        errors.append(f"More than {METADATA_MAX_KEYS} metadata values.")
    for key, value in metadata.items():
        if len(key) > METADATA_MAX_KEY:
            errors.append(f"Metadata name “{key[:60]}” is longer than {METADATA_MAX_KEY} characters.")
        if len(value) > METADATA_MAX_VALUE:
            errors.append(f"“{key[:60]}” is longer than {METADATA_MAX_VALUE} characters.")
    return errors


def candidate_from_cells(header, cells, mapping: dict[str, str], region: str) -> Candidate:
    """One row of cells as a candidate, with every problem found (an empty list when valid)."""
    cand = Candidate()
    first = last = ""
    raw_phone = ""
    for column, value in zip(header, cells, strict=False):
        value = value.strip()
        target = mapping.get(column, "metadata")
        if target == "name":
            cand.name = value
        elif target == "first_name":
            first = value
        elif target == "last_name":
            last = value
        elif target == "email":
            cand.email = value
        elif target == "phone":
            raw_phone = value
        elif target == "metadata" and value:
            cand.metadata[column] = value
        elif target == "data" and value:
            cand.data[column] = value
    if not cand.name:
        cand.name = " ".join(p for p in (first, last) if p)
    cand.name = " ".join(cand.name.split())
    if not cand.name:
        cand.errors.append("Name is missing.")
    if error := check_email(cand.email):
        cand.errors.append(error)
    cand.phone, error = normalise_phone(raw_phone, region)
    if error:
        cand.errors.append(error)
    cand.errors += check_metadata(cand.metadata)
    return cand
