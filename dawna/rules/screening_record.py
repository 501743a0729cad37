"""The screening case report form of DAWNA-FES (NCT05861830): what eligibility is judged on.

The form is filled progressively, so every field may be absent: ``None`` (or a missing key in
JSON) means "not yet entered" and makes the criteria that need it *unknown*. For lists, ``None``
means "not asked yet" and ``[]`` means "asked: none". The JSON format is described for users in
``docs/screening-record.md``; :meth:`ScreeningRecord.model_json_schema` gives the JSON Schema.

Checks made here (each error names the field, e.g. ``treatment_lines[1].stop_date``):

- values in range (ECOG 0-5, percentages 0-100, no negative lab values or diameters),
  laboratory units from the accepted list (:mod:`dawna.rules.units`), a ULN with bilirubin,
  ALT, AST and creatinine;
- a treatment line does not stop before it starts; FES ER-positive lesions do not outnumber
  the lesions read; a lymph node has its short axis and another lesion its longest diameter
  (RECIST 1.1 §3.1);
- every date of the record lies between the date of birth and the decision date.

Whether a date lies in the future is the caller's check (it knows today's date at the site):
:func:`future_dates` lists the offending fields.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from dawna.rules.screening_form import (
    BilirubinMeasurement,
    CountMeasurement,
    CreatinineMeasurement,
    EnzymeMeasurement,
    Form,
    HemoglobinMeasurement,
    Labs,
    Loc,
    dotted,
    refuse,
)

__all__ = [
    "ETHNICITY_TERMS", "RACE_TERMS", "BilirubinMeasurement", "CountMeasurement",
    "CreatinineMeasurement", "EnzymeMeasurement", "Ethnicity", "FesPet", "HemoglobinMeasurement",
    "Labs", "MeasurableLesion", "Menopause", "OtherMalignancy", "Pathology", "Race",
    "ScreeningRecord", "SurgeryOrInjury", "TreatmentLine", "dotted", "ethnicity_term",
    "future_dates", "race_term",
]

def _normalise_agent(value: Any) -> Any:
    return " ".join(value.split()).lower() if isinstance(value, str) else value


def _her2_score(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Agent = Annotated[str, BeforeValidator(_normalise_agent), Field(min_length=1, max_length=100)]
Percent = Annotated[float, Field(ge=0, le=100)]
Receptor = Literal["positive", "negative"]
Diameter = Annotated[float, Field(gt=0)]


class Pathology(Form):
    """The most recent pathology report of the breast cancer (primary tumour or metastasis)."""

    report_date: date | None = Field(None, description="Date of the pathology report.")
    er: Receptor | None = Field(
        None, description="Oestrogen receptor status as reported (positive = at least 1 % of "
        "tumour nuclei stained, ASCO/CAP 2020).")
    er_percent: Percent | None = Field(None, description="Percentage of ER-stained nuclei.")
    pr: Receptor | None = Field(None, description="Progesterone receptor status as reported.")
    pr_percent: Percent | None = Field(None, description="Percentage of PR-stained nuclei.")
    her2_ihc: Annotated[Literal["0", "1+", "2+", "3+"] | None, BeforeValidator(_her2_score)] = (
        Field(None, description="HER2 immunohistochemistry score: 0, 1+, 2+ or 3+."))
    her2_ish: Literal["positive", "negative", "not_done"] | None = Field(
        None, description="HER2 in situ hybridisation (needed when IHC is 2+).")


class TreatmentLine(Form):
    """One line of previous anticancer treatment (one regimen given together)."""

    agents: list[Agent] = Field(
        min_length=1, max_length=10,
        description="Drug names (generic, any case), e.g. [\"palbociclib\", "
        "\"letrozole\"]. Ovarian suppression (goserelin, leuprorelin) may be listed with the "
        "endocrine drug it accompanies.")
    setting: Literal["neoadjuvant", "adjuvant", "advanced"] = Field(
        description="neoadjuvant or adjuvant (early breast cancer), or advanced (recurrent or "
        "metastatic breast cancer).")
    start_date: date = Field(description="First day of the line.")
    stop_date: date | None = Field(None, description="Last day of the line; empty if ongoing.")
    reason_stopped: Literal["progression", "toxicity", "completed", "other"] | None = Field(
        None, description="Why the line stopped.")
    relapse_during_or_after: bool | None = Field(
        None, description="For a neoadjuvant or adjuvant line: did the cancer relapse during or "
        "after it?")
    failure_confirmed: bool | None = Field(
        None, description="Investigator only: a CDK4/6 inhibitor line stopped for toxicity "
        "without progression counts as CDK4/6 inhibitor failure for IN5 (yes / no).")

    @model_validator(mode="after")
    def _check(self) -> TreatmentLine:
        if self.stop_date is not None and self.stop_date < self.start_date:
            refuse("TreatmentLine", [(("stop_date",), "must not be before start_date "
                                       f"{self.start_date.isoformat()}", self.stop_date)])
        return self


class FesPet(Form):
    """The read of the screening 18F-FES PET/CT (lesion positivity is decided in the read:
    FES SUVmax at least the protocol threshold, site setting fes_suvmax_er_positive_min)."""

    scan_date: date | None = Field(None, description="Date of the FES PET/CT.")
    lesions_read: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Number of lesions evaluable and read on FES (liver lesions are not "
        "evaluable on FES and are not counted).")
    er_positive_lesions: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Of the lesions read, how many are ER-positive.")
    washout_result_confirmed: bool | None = Field(
        None, description="Investigator only: an all-negative read of a scan inside a tamoxifen "
        "or fulvestrant washout window is confirmed (Cerianna label).")

    @model_validator(mode="after")
    def _check(self) -> FesPet:
        if (self.lesions_read is not None and self.er_positive_lesions is not None
                and self.er_positive_lesions > self.lesions_read):
            refuse("FesPet", [(("er_positive_lesions",), "must not exceed lesions_read "
                                f"({self.lesions_read})", self.er_positive_lesions)])
        return self


class MeasurableLesion(Form):
    """A lesion measured at baseline (RECIST 1.1 §3.1)."""

    location: str = Field(min_length=1, max_length=200,
                          description="Organ and site, e.g. \"liver segment 6\".")
    outside_skull: bool = Field(description="False for a lesion inside the skull (brain, skull "
                                "base); only lesions outside the skull count for eligibility.")
    lymph_node: bool = Field(description="True for a lymph node (measured on its short axis).")
    longest_diameter_mm: Diameter | None = Field(
        None, description="Longest diameter in mm (required for a lesion that is not a node).")
    short_axis_mm: Diameter | None = Field(
        None, description="Short axis in mm (required for a lymph node).")
    method: Literal["CT", "MRI", "caliper", "X-ray"] = Field(
        description="How it was measured: CT, MRI, caliper (clinical) or chest X-ray.")

    @model_validator(mode="after")
    def _check(self) -> MeasurableLesion:
        if self.lymph_node and self.short_axis_mm is None:
            refuse("MeasurableLesion", [(("short_axis_mm",), "is required for a lymph node",
                                          None)])
        if not self.lymph_node and self.longest_diameter_mm is None:
            refuse("MeasurableLesion", [(("longest_diameter_mm",),
                                          "is required for a lesion that is not a lymph node",
                                          None)])
        return self


class OtherMalignancy(Form):
    """A cancer other than the breast cancer of this study, ever diagnosed."""

    type: str = Field(min_length=1, max_length=200,
                      description="Diagnosis as written in the history.")
    category: Literal[
        "non_melanoma_skin", "basal_cell_skin", "squamous_cell_skin",
        "cervical_intraepithelial_neoplasia", "papillary_thyroid", "other",
    ] = Field(description="non_melanoma_skin, basal_cell_skin, squamous_cell_skin, "
              "cervical_intraepithelial_neoplasia, papillary_thyroid, or other (any other "
              "cancer, melanoma included).")
    diagnosis_date: date = Field(description="Date of diagnosis.")
    curative_intent: bool | None = Field(
        None, description="Was it treated with curative intent? (needed for non-melanoma skin "
        "cancer).")


class SurgeryOrInjury(Form):
    """A major surgery or major injury that already happened."""

    kind: Literal["surgery", "injury"] = Field(description="surgery or injury.")
    description: str = Field(min_length=1, max_length=500, description="What it was.")
    date: datetime.date = Field(description="Date of the surgery or injury.")


class Menopause(Form):
    """The criteria of menopausal status (NCCN Breast Cancer, "Definition of Menopause",
    MENO-1); with the record's sex and age they decide the status
    (:func:`dawna.rules.menopause.menopausal_status`). Not asked for a man."""

    bilateral_oophorectomy: bool | None = Field(
        None, description="Prior bilateral oophorectomy?")
    months_since_last_menses: Annotated[int, Field(ge=0, le=1200)] | None = Field(
        None, description="Months since the last menstrual period; empty while she still "
        "menstruates.")
    menses_regular: bool | None = Field(
        None, description="While she still menstruates: are the menses regular?")
    amenorrhoea_confounders: list[Literal["chemotherapy", "tamoxifen", "toremifene",
                                          "ovarian_suppression"]] = Field(
        default_factory=list, description="Treatments during the amenorrhoea that make it an "
        "unreliable sign: chemotherapy, tamoxifen, toremifene, ovarian_suppression.")
    fsh_estradiol_postmenopausal: bool | None = Field(
        None, description="FSH and estradiol both in the laboratory's postmenopausal range? "
        "Empty if not measured.")
    on_tamoxifen_or_toremifene: bool | None = Field(
        None, description="Currently taking tamoxifen or toremifene?")
    on_gnrh_agonist: bool | None = Field(
        None, description="Currently receiving an LHRH (GnRH) agonist or antagonist?")


#: Race and ethnicity, one category each, as the participant reports them: the five minimum
#: race categories and the two ethnicity categories of the US OMB standard (Federal Register
#: 62 FR 58782, 1997), each with its submission value in CDISC SDTM Controlled Terminology
#: (RACE, codelist C74457; ETHNIC, C66790; ``dawna/exports/sdtm_ct.yaml``), plus "not
#: reported" (the participant declined) and "unknown". SDTMIG 3.4 §5 DM: RACE is Expected,
#: ETHNIC Permissible (docs/sdtm.md). The record keeps the code; exports write the term.
RACE_TERMS: dict[str, str] = {
    "american_indian_or_alaska_native": "AMERICAN INDIAN OR ALASKA NATIVE",
    "asian": "ASIAN",
    "black_or_african_american": "BLACK OR AFRICAN AMERICAN",
    "native_hawaiian_or_other_pacific_islander": "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER",
    "white": "WHITE",
    "not_reported": "NOT REPORTED",
    "unknown": "UNKNOWN",
}
ETHNICITY_TERMS: dict[str, str] = {
    "hispanic_or_latino": "HISPANIC OR LATINO",
    "not_hispanic_or_latino": "NOT HISPANIC OR LATINO",
    "not_reported": "NOT REPORTED",
    "unknown": "UNKNOWN",
}
Race = Literal["american_indian_or_alaska_native", "asian", "black_or_african_american",
               "native_hawaiian_or_other_pacific_islander", "white", "not_reported", "unknown"]
Ethnicity = Literal["hispanic_or_latino", "not_hispanic_or_latino", "not_reported", "unknown"]


def race_term(code: Any) -> str | None:
    """The CDISC RACE term (C74457) of a record's race code; None when none is recorded."""
    return RACE_TERMS.get(code) if isinstance(code, str) else None


def ethnicity_term(code: Any) -> str | None:
    """The CDISC ETHNIC term (C66790) of a record's ethnicity code; None when none is recorded."""
    return ETHNICITY_TERMS.get(code) if isinstance(code, str) else None


_FLAG = "Yes / no; empty while not yet assessed."


def _flag(text: str) -> Any:
    return Field(None, description=f"{text} {_FLAG}")


class ScreeningRecord(Form):
    """Screening case report form of DAWNA-FES (NCT05861830). Leave a field out (or null) while
    it is not yet known; give an empty list when the answer is "none"."""

    decision_date: date | None = Field(
        None, description="Date eligibility is judged (defaults to today at the site).")
    consent_date: date | None = Field(None, description="Date informed consent was signed.")
    date_of_birth: date | None = Field(None, description="Date of birth.")
    sex: Literal["female", "male"] | None = Field(None, description="female or male.")
    race: Race | None = Field(
        None, description="Race as the participant reports it, one of: "
        + ", ".join(RACE_TERMS) + " (US OMB categories, CDISC RACE C74457).")
    ethnicity: Ethnicity | None = Field(
        None, description="Ethnicity as the participant reports it, one of: "
        + ", ".join(ETHNICITY_TERMS) + " (US OMB categories, CDISC ETHNIC C66790).")
    menopausal_status: Literal["pre", "peri", "post"] | None = Field(
        None, description="pre, peri or post (pre/perimenopausal women need ovarian function "
        "suppression in Arm A).")
    pathology: Pathology | None = Field(None, description="Most recent pathology report.")
    ecog: Annotated[int, Field(ge=0, le=5)] | None = Field(
        None, description="ECOG performance status, 0 (fully active) to 5.")
    expected_survival_months: Annotated[float, Field(ge=0)] | None = Field(
        None, description="Investigator's estimate of expected survival, in months.")
    treatment_lines: list[TreatmentLine] | None = Field(
        None, description="Every previous line of anticancer treatment, any setting; [] if "
        "none.")
    fes_pet: FesPet | None = Field(None, description="Screening 18F-FES PET/CT read.")
    fdg_pet_willing: bool | None = _flag("Willing to undergo 18F-FDG PET/CT?")
    measurable_lesions: list[MeasurableLesion] | None = Field(
        None, description="Lesions measured at baseline (RECIST 1.1); [] if none.")
    imaging_date: date | None = Field(
        None, description="Date of the imaging that shows the measurable lesions.")
    labs: Labs | None = Field(None, description="Screening laboratory values and ECG.")
    liver_metastases: bool | None = _flag("Liver metastases present?")
    worst_unresolved_prior_toxicity_grade: Annotated[int, Field(ge=0, le=5)] | None = Field(
        None, description="Highest CTCAE v5.0 grade of any adverse event of previous cancer "
        "treatment that has not yet resolved (0 if none).")
    cns_metastasis: bool | None = _flag("Central nervous system metastasis confirmed by "
                                        "imaging?")
    leptomeningeal_metastasis: bool | None = _flag("Leptomeningeal metastasis confirmed by MRI "
                                                   "or lumbar puncture?")
    visceral_crisis: bool | None = _flag("Visceral crisis?")
    rapid_progression: bool | None = _flag("Rapid disease progression?")
    unsuitable_for_endocrine_therapy: bool | None = _flag("Not suitable for endocrine therapy?")
    ascites: bool | None = _flag("Ascites?")
    symptomatic_pleural_effusion: bool | None = _flag("Pleural effusion with clinical "
                                                      "symptoms at baseline?")
    pericardial_effusion_needing_drainage: bool | None = _flag(
        "Pericardial effusion requiring drainage (within the first 4 weeks of treatment)?")
    swallowing_or_absorption_problem: bool | None = _flag(
        "Unable to swallow, intestinal obstruction, or anything else affecting the intake or "
        "absorption of oral drugs?")
    known_allergy_to_regimen: bool | None = _flag("Known allergy to a component of the study "
                                                  "treatment?")
    prior_dalpiciclib: bool | None = _flag("Ever treated with dalpiciclib?")
    major_surgery_planned: bool | None = _flag("Major surgery expected during the study?")
    other_malignancies: list[OtherMalignancy] | None = Field(
        None, description="Other cancers ever diagnosed; [] if none.")
    major_surgery_or_injury: list[SurgeryOrInjury] | None = Field(
        None, description="Major surgeries and major injuries in the past 3 months; [] if "
        "none.")
    menopause: Menopause | None = Field(
        None, description="The criteria of menopausal status (NCCN MENO-1), required for a "
        "woman before an arm A endocrine therapy is chosen.")

    @model_validator(mode="after")
    def _check_dates(self) -> ScreeningRecord:
        """Every date lies between the date of birth and the decision date."""
        errors: list[tuple[Loc, str, Any]] = []
        birth, decision = self.date_of_birth, self.decision_date
        if birth is not None:
            for name in ("consent_date", "decision_date"):
                other = getattr(self, name)
                if other is not None and birth > other:
                    errors.append((("date_of_birth",), f"must not be after {name} "
                                   f"{other.isoformat()}", birth))
        for loc, value in _dates(self):
            if loc == ("date_of_birth",) or loc == ("decision_date",):
                continue
            if birth is not None and value < birth and loc != ("consent_date",):
                errors.append((loc, f"must not be before date_of_birth {birth.isoformat()}",
                               value))
            elif decision is not None and value > decision:
                errors.append((loc, f"must not be after decision_date {decision.isoformat()}",
                               value))
        refuse("ScreeningRecord", errors)
        return self


def _dates(model: BaseModel, prefix: Loc = ()) -> Iterator[tuple[Loc, date]]:
    """Every date of ``model`` with its location, in field order, nested models included."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            loc = (*prefix, name) if index is None else (*prefix, name, index)
            if isinstance(item, date):
                yield loc, item
            elif isinstance(item, BaseModel):
                yield from _dates(item, loc)


def future_dates(record: ScreeningRecord, today: date) -> list[str]:
    """Dotted paths (``treatment_lines[0].start_date``) of the dates after ``today``."""
    return [dotted(loc) for loc, value in _dates(record) if value > today]
