"""The lengths a form limits (HTML ``maxlength``) are the lengths the server's pydantic models
limit (issue 18 item 5): each pair below read from the template and from the model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from dawna.rules.pet import Lesion as PetLesion
from dawna.rules.recist_case import Lesion
from dawna.rules.screening_record import MeasurableLesion, OtherMalignancy, SurgeryOrInjury
from dawna.services.follow_up import ContactIn
from dawna.services.regimen_choice import PHYSICIAN_TEXT_MAX_LENGTH
from dawna.services.schemas import ParticipantCreate, ParticipantUpdate
from dawna.services.treatment.adverse_events import AeIn
from dawna.services.treatment.cycles import CycleIn
from dawna.services.treatment.labs import LabIn
from dawna.services.treatment.plans import CustomDrugIn
from dawna.services.treatment.susar import SusarReportIn
from dawna.store.uow import REASON_MAX_LENGTH

TEMPLATES = Path(__file__).parents[2] / "dawna" / "web" / "templates"


def _maxlength(template: str, name: str) -> int:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    tags = [t for t in re.findall(r"<(?:input|textarea)\b[^>]*>", text)
            if re.search(rf'name="{re.escape(name)}"', t)]
    assert tags, f"{template}: no field {name}"
    found = {int(m) for t in tags for m in re.findall(r'maxlength="(\d+)"', t)}
    assert len(found) == 1 and all("maxlength" in t for t in tags), (template, name, tags)
    return found.pop()


def _model_max(model: type[BaseModel], field: str) -> int:
    info = model.model_fields[field]
    for item in info.metadata:
        if getattr(item, "max_length", None) is not None:
            return int(item.max_length)
    raise AssertionError(f"{model.__name__}.{field} has no max_length")


@pytest.mark.parametrize(("template", "name", "model", "field"), [
    ("participants/form.html", "full_name", ParticipantCreate, "full_name"),
    ("participants/form.html", "medical_record_number", ParticipantCreate,
     "medical_record_number"),
    ("participants/form.html", "phone", ParticipantCreate, "phone"),
    ("participants/form.html", "phone", ParticipantUpdate, "phone"),
    ("participants/form.html", "reason", ParticipantUpdate, "reason"),
    ("participants/form.html", "consent_obtained_by", ParticipantCreate, "consent_obtained_by"),
    ("participants/_course.html", "death_cause", ContactIn, "death_cause"),
    ("participants/_course.html", "note", ContactIn, "note"),
    ("screening/page.html", "measurable_lesions.{{ i }}.location", MeasurableLesion,
     "location"),
    ("screening/page.html", "other_malignancies.{{ i }}.type", OtherMalignancy, "type"),
    ("screening/page.html", "major_surgery_or_injury.{{ i }}.description", SurgeryOrInjury,
     "description"),
    ("treatment/page.html", "unit", LabIn, "unit"),
    ("treatment/lab.html", "unit", LabIn, "unit"),
    ("treatment/page.html", "delay_reason", CycleIn, "delay_reason"),
    ("treatment/_term_field.html", "term", AeIn, "term"),
    ("treatment/ae.html", "description", AeIn, "description"),
    ("treatment/plan.html", "custom_drugs.{{ i }}.drug", CustomDrugIn, "drug"),
    ("tumour/baseline.html", "lesions.{{ i }}.organ", Lesion, "organ"),
    ("pet/read.html", "lesions.{{ i }}.organ", PetLesion, "organ"),
    ("treatment/_susar.html", "sent_by", SusarReportIn, "sent_by"),
    ("treatment/_susar.html", "reference", SusarReportIn, "reference"),
])
def test_form_maxlength_matches_the_model(template: str, name: str, model: type[BaseModel],
                                          field: str) -> None:
    assert _maxlength(template, name) == _model_max(model, field)


@pytest.mark.parametrize("template", [
    "screening/page.html", "participants/form.html", "treatment/ae.html", "treatment/plan.html",
    "treatment/dose.html", "treatment/lab.html", "pet/read.html", "tumour/baseline.html",
    "tumour/follow_up.html", "tumour/history.html", "randomization/manage.html",
    "consent_forms.html"])
def test_every_reason_field_is_limited_like_the_audit_trail(template: str) -> None:
    assert _maxlength(template, "reason") == REASON_MAX_LENGTH


def test_physician_entered_regimen_text() -> None:
    assert _maxlength("randomization/form.html",
                      "choice.{{ g.id }}_text") == PHYSICIAN_TEXT_MAX_LENGTH
