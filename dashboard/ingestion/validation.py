"""Column mapping and per-row validation of candidates, shared by CSV imports and the single form."""

from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from dashboard.ingestion import headers

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

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY = 40
METADATA_MAX_VALUE = 500

_email_validator = EmailValidator()


def guess_mapping(header: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Each column's target, from the spellings in headers.SYNONYMS (any of seven languages): the
    first column matching a field wins, our own error column is ignored, the rest is metadata."""
    mapping: dict[str, str] = {}
    for column in header:
        if headers.is_own_error_column(column):
            mapping[column] = "ignore"
            continue
        target = headers.FIELD_BY_HEADER.get(headers.normal(column), "metadata")
        mapping[column] = target if target not in mapping.values() else "metadata"
    by_target = {target: column for column, target in mapping.items()}
    halves = [t for t in ("first_name", "last_name") if t in by_target]
    if "name" in by_target and len(halves) == 1:
        # "Vorname, Name" or "Nombre, Apellidos": the plain word for name is the other half.
        other = headers.plain_name_half(by_target["name"], by_target[halves[0]], halves[0])
        if other:
            mapping[by_target["name"]] = other
            return mapping
    if "name" in by_target:
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
        problems.append(
            f"HeyMilo takes at most {METADATA_MAX_KEYS} metadata columns: send some to data or ignore them."
        )
    return problems


def mapping_notes(header: tuple[str, ...] | list[str], mapping: dict[str, str]) -> list[str]:
    """What the mapping does that a person might not expect (shown above the preview)."""
    notes = []
    own = [c for c in header if headers.is_own_error_column(c) and mapping.get(c) == "ignore"]
    if own:
        notes.append(
            f"“{own[0]}” is the column of reasons our file of rows not sent adds: it is "
            "ignored, never sent to HeyMilo."
        )
    halves = [c for c in header if mapping.get(c) in ("first_name", "last_name")]
    if halves:
        names = " and ".join(f"“{c}”" for c in halves)
        notes.append(
            f"{names} {'are' if len(halves) > 1 else 'is'} sent as the candidate's name"
            f"{', joined' if len(halves) > 1 else ''}."
        )
    return notes


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


# In a refused phone's message when the number has its country's length but no range in use.
UNASSIGNED_RANGE = "in no range in use (reserved or fictional)"


def normalise_phone(value: str, region: str) -> tuple[str, str | None]:
    """(E.164 number, error) for a phone as written, read under the team's `region`; an empty
    phone is fine, an invalid one is an error showing it.

    A number that is possible (its country's length) but not valid (in no range that country
    uses: UK 07700 900xxx is kept for drama, for one) is refused, not sent with a warning: HeyMilo
    would invite the candidate at a number that reaches nobody. The message says so and how to
    send the candidate anyway (tests/ingestion/test_phones.py).
    """
    if not value:
        return "", None
    region = (region or "US").upper()
    number, own_code = _parse_phone(value.strip(), region)
    # Checking the team's own country first skips the search through every country sharing a
    # calling code (some 25 for +1), which dominates validating a big file.
    if number is not None and (
        phonenumbers.is_valid_number_for_region(number, region) or phonenumbers.is_valid_number(number)
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    if number is None:
        if own_code:  # never blame the team's country for a number that names its own
            return "", f"Phone “{value}” is not a valid number: check its country code."
        return "", f"Phone “{value}” is not a valid number."
    country = country_name(code=number.country_code or 0) if own_code else country_name(region=region)
    error = f"Phone “{value}” is not a valid {country} number"
    if phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE:
        error += f": it has the right length but is {UNASSIGNED_RANGE}"
        if own_code:
            return "", f"{error}. Correct it, or leave the phone out to send the candidate without one."
    if own_code:
        return "", f"{error}."
    return "", f"{error}. For another country, start it with + and the country code."


def _parse_phone(text: str, region: str) -> tuple[phonenumbers.PhoneNumber | None, bool]:
    """(the number or None, whether it is written with its own country code).

    A leading 00 reads as + even where the region dials abroad another way: recruiters paste
    European numbers into US teams' files. A region's own prefix (011 in the US and Canada, 0011
    in Australia) libphonenumber reads as + by itself; keep_raw_input records that it did.
    """

    def parse(text: str) -> phonenumbers.PhoneNumber | None:
        try:
            return phonenumbers.parse(text, region, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            return None

    number = parse(text)
    default = phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY
    if text.startswith("00") and (number is None or number.country_code_source == default):
        text = "+" + text[2:]
        number = parse(text)
    if number is None:
        return None, text.startswith("+")
    return number, number.country_code_source != default


def country_name(*, code: int = 0, region: str = "") -> str:
    """A country's English name, by calling code or region code, to read as "a United Kingdom
    number"; +1 is shared by some 25 countries, so its numbers are "North American"."""
    if code == 1:
        return "North American"
    region = region or phonenumbers.region_code_for_country_code(code)
    # libphonenumber's own country names (its geocoder data): no second table to keep. Imported
    # here, for a message naming a country: its data costs a worker about 100 MB and most of a
    # second, which a file of valid phones need not pay (docs/performance.md, ingest).
    from phonenumbers import geocoder

    return geocoder._region_display_name(region, "en") or region


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
