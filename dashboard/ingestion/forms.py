"""Forms for uploading a CSV, mapping its columns, and adding one candidate."""

import secrets
from typing import cast

from django import forms

from dashboard.ingestion import validation
from dashboard.mirror.models import Posting


class UploadForm(forms.Form):
    posting = forms.ModelChoiceField(queryset=Posting.objects.none(), empty_label="Choose a posting…")
    file = forms.FileField(
        label="CSV file",
        help_text="CSV or TSV with a header row (from Excel: “CSV UTF-8”).",
        error_messages={
            "empty": "The file is empty. Upload a CSV file with a header row and one candidate per row."
        },
    )
    retake = forms.BooleanField(
        label="Allow retakes",
        required=False,
        help_text="Off: a candidate HeyMilo already knows keeps their interview. "
        "On: everyone gets a new one.",
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        # Only postings HeyMilo gave an ingestion key can take candidates.
        cast(forms.ModelChoiceField, self.fields["posting"]).queryset = (
            Posting.objects.for_team(team).filter(missing=False).exclude(url_key="").order_by("title")
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,.tsv,.txt,text/csv,text/tab-separated-values"


class MappingForm(forms.Form):
    """One select per column (named by position: headers may hold any character) plus retakes."""

    retake = forms.BooleanField(label="Allow retakes", required=False)

    def __init__(self, *args, header, mapping, **kwargs):
        # Fresh ids at every render: htmx "settles" elements whose id survives a swap by copying
        # their old attributes over, and a style="" some browsers add would then break the CSP.
        kwargs.setdefault("auto_id", f"map{secrets.token_hex(3)}_%s")
        super().__init__(*args, **kwargs)
        self.header = header
        for n, column in enumerate(header):
            self.fields[f"col{n}"] = forms.ChoiceField(
                label=column,
                choices=list(validation.TARGETS.items()),
                initial=mapping.get(column, "metadata"),
            )

    def columns(self):
        return [(column, self[f"col{n}"]) for n, column in enumerate(self.header)]

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data[f"col{n}"] for n, column in enumerate(self.header)}


class CandidateForm(forms.Form):
    name = forms.CharField(max_length=300, error_messages={"required": "Name is missing."})
    email = forms.CharField(max_length=320, error_messages={"required": "Email is missing."})
    phone = forms.CharField(
        max_length=40, required=False, help_text="Without a + prefix, the team's country is assumed."
    )
    metadata = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One “key: value” per line, e.g. source: career fair.",
    )
    retake = forms.BooleanField(label="Allow a retake", required=False)

    def __init__(self, *args, region="US", **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Name is missing.")
        return name

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if error := validation.check_email(email):
            raise forms.ValidationError(error)
        return email

    def clean_phone(self):
        phone, error = validation.normalise_phone(self.cleaned_data["phone"].strip(), self.region)
        if error:
            raise forms.ValidationError(error)
        return phone

    def clean_metadata(self):
        metadata = {}
        for n, line in enumerate(self.cleaned_data["metadata"].splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition(":")
            if not sep or not key.strip():
                raise forms.ValidationError(f"Line {n} needs the form “key: value”.")
            metadata[key.strip()] = value.strip()
        if errors := validation.check_metadata(metadata):
            raise forms.ValidationError(errors)
        return metadata
