"""The preferences form: a channel per kind, the digest hour and time zone, browser choices."""

from zoneinfo import available_timezones

from django import forms

from dashboard.notifications.models import Channel, Kind

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


def zone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(label="Your time zone", choices=zone_choices)
    digest_hour = forms.TypedChoiceField(label="Send my daily digest at", choices=HOURS, coerce=int)
    browser = forms.BooleanField(
        label="Show a browser notification when something new arrives while the dashboard is open",
        required=False,
    )
    sound = forms.BooleanField(label="Play a sound with it", required=False)

    def __init__(self, *args, kinds: list[Kind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            self.fields[f"kind_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=Channel.choices, widget=forms.RadioSelect
            )

    def kind_fields(self) -> list:
        return [self[f"kind_{kind.value}"] for kind in self.kinds]

    def channels(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[f"kind_{kind.value}"] for kind in self.kinds}
