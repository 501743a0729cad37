"""The bundled protocol file against the registry record it was copied from.

Reference: ClinicalTrials.gov record NCT05861830 as saved in tests/reference/NCT05861830.txt
(last updated 2024-03-12). This test reads the record itself, section by section, and compares
what it finds with the loaded model: it shares no parsing code with dawna. Regimen numbers the
record does not state come from docs/domain.md §5 and are checked against the values written
there, with their provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from dawna.protocol import Protocol, bundled_protocol, load_protocol
from dawna.protocol.schema import DrugComponent, Option, Provenance, Schedule

RECORD = Path(__file__).resolve().parents[1] / "reference" / "NCT05861830.txt"
LINES = RECORD.read_text(encoding="utf-8").splitlines()


def after(label: str) -> str:
    """First non-empty line after the line that reads exactly ``label``."""
    i = LINES.index(label)
    return next(line for line in LINES[i + 1 :] if line.strip())


def section(start: str, stop: str | None, *, blurb: bool = True) -> list[str]:
    """Non-empty lines between two headings, without the page's one-line blurb under
    ``start`` (e.g. "Review the sponsor-provided synopsis ...") when it has one."""
    i = LINES.index(start)
    j = LINES.index(stop, i) if stop else len(LINES)
    lines = [line for line in LINES[i + 1 : j] if line.strip()]
    return lines[1:] if blurb else lines


def bullets(start: str, stop: str) -> list[str]:
    i = LINES.index(start)
    j = LINES.index(stop, i)
    return [line[2:] for line in LINES[i + 1 : j] if line.startswith("* ")]


def find(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match is not None, (pattern, text)
    return match


def prefixed(prefix: str) -> str:
    return next(line[len(prefix) :] for line in LINES if line.startswith(prefix))


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return bundled_protocol()


# --- registry ----------------------------------------------------------------------------------


def test_identification_matches_record(protocol: Protocol) -> None:
    r = protocol.registry
    assert r.brief_title == LINES[0]
    assert r.nct_id == prefixed("NCT ID: ") == "NCT05861830"
    assert r.acronym == find(r"\(([^()]+)\)$", LINES[0])[1] == "DAWNA-FES"
    assert r.last_updated == date.fromisoformat(prefixed("Last Updated: "))
    other = section("Other Identifiers", "More Related Trials")
    assert other[2] == "Identifier Source: org_study_id"
    assert r.org_study_id == other[0] == "PekingUMCH-FES-BC-2"


def test_results_pending_with_record_note(protocol: Protocol) -> None:
    heading, note = section("Study Results", "Basic Information", blurb=False)
    assert heading == "Results pending"
    assert protocol.registry.results.status == "PENDING"
    assert protocol.registry.results.note == note


def test_basic_information_matches_record(protocol: Protocol) -> None:
    r = protocol.registry
    assert r.overall_status == after("Recruitment Status") == "RECRUITING"
    assert r.phase == after("Clinical Phase") == "PHASE3"
    assert r.study_type == after("Study Classification") == "INTERVENTIONAL"
    count, unit = after("Total Enrollment").split()
    assert (r.enrollment.count, r.enrollment.unit) == (int(count), unit) == (80, "participants")
    assert r.start_date == date.fromisoformat(after("Study Start Date")) == date(2023, 5, 15)
    assert r.completion_date == date.fromisoformat(after("Study Completion Date"))
    assert r.completion_date == date(2026, 6, 30)


def test_summary_and_description_verbatim(protocol: Protocol) -> None:
    (summary,) = section("Brief Summary", "Detailed Description")
    assert protocol.registry.brief_summary == summary
    paragraphs = section("Detailed Description", "Conditions")
    assert len(paragraphs) == 3
    assert protocol.registry.detailed_description == "\n\n".join(paragraphs)


def test_conditions_and_design_match_record(protocol: Protocol) -> None:
    assert list(protocol.registry.conditions) == section("Conditions", "Study Design")
    d = protocol.registry.design
    assert d.allocation == after("Allocation Method") == "RANDOMIZED"
    assert d.intervention_model == after("Intervention Model") == "PARALLEL"
    assert d.primary_purpose == after("Primary Study Purpose") == "TREATMENT"
    assert d.masking == after("Blinding Strategy") == "NONE"


def test_sponsors_and_responsible_party_match_record(protocol: Protocol) -> None:
    lines = section("Sponsors", "Responsible Party")
    sponsors = {
        role.removeprefix("Sponsor Role "): (name, cls)
        for name, cls, role in zip(lines[0::3], lines[1::3], lines[2::3], strict=True)
    }
    r = protocol.registry
    assert (r.lead_sponsor.name, r.lead_sponsor.sponsor_class) == sponsors["lead"]
    assert [(c.name, c.sponsor_class) for c in r.collaborators] == [sponsors["collaborator"]]
    assert sponsors["collaborator"] == ("Jiangsu HengRui Medicine Co., Ltd.", "INDUSTRY")
    assert r.responsible_party == prefixed("Responsibility Role ") == "SPONSOR"


def test_study_chair_matches_record(protocol: Protocol) -> None:
    name, role, affiliation = section("Principal Investigators", "Locations")
    (chair,) = protocol.registry.investigators
    assert (chair.name, chair.role, chair.affiliation) == (
        name, role.removeprefix("Role: "), affiliation)
    assert chair.role == "STUDY_CHAIR"


def contacts(start: str, stop: str) -> list[tuple[str, str, str | None]]:
    """(name, role, phone) from a contacts section: name, "Role: x", optional phone."""
    found: list[tuple[str, str, str | None]] = []
    for line in section(start, stop):
        if line.startswith("Role: "):
            found[-1] = (found[-1][0], line.removeprefix("Role: "), None)
        elif line.startswith("+"):
            found[-1] = (found[-1][0], found[-1][1], line)
        else:
            found.append((line, "", None))
    return found


def test_contacts_match_record(protocol: Protocol) -> None:
    central = contacts("Central Contacts", "Facility Contacts")
    assert [(c.name, c.role, c.phone) for c in protocol.registry.central_contacts] == central
    assert central[0] == ("Bo Pan, M.D.", "CONTACT", "+86-133-6617-1269")
    facility = contacts("Facility Contacts", "Other Identifiers")
    (site,) = protocol.registry.locations
    assert [(c.name, c.role, c.phone) for c in site.contacts] == facility
    assert [c.role for c in site.contacts] == ["primary", "backup"]


def test_location_and_countries_match_record(protocol: Protocol) -> None:
    facility, place, status = section("Locations", "Countries")
    (site,) = protocol.registry.locations
    assert site.facility == facility
    assert f"{site.city}, {site.state}, {site.country}" == place
    assert site.status == status.removeprefix("Site Status ")
    assert list(protocol.registry.countries) == section("Countries", "Central Contacts")


def test_related_trial_matches_record(protocol: Protocol) -> None:
    title, ident = section("More Related Trials", None)
    nct_id, status = ident.split()
    (trial,) = protocol.registry.related_trials
    assert (trial.nct_id, trial.title, trial.status) == (nct_id, title, status)


# --- arms ---------------------------------------------------------------------------------------


def arm_block(label: str, stop: str) -> list[str]:
    i = LINES.index(label)
    return [line for line in LINES[i + 1 : LINES.index(stop, i)] if line.strip()]


def test_arms_match_record(protocol: Protocol) -> None:
    assert [arm.label for arm in protocol.arms] == ["Arm A", "Arm B"]
    for arm, stop in zip(protocol.arms, ("Arm B", "Interventions"), strict=True):
        description, group_type, name, intervention_type, *text = arm_block(arm.label, stop)
        assert arm.id == arm.label.removeprefix("Arm ")
        assert arm.description == description
        assert arm.type == group_type.removeprefix("Group Type ")
        assert arm.intervention.name == name
        assert arm.intervention.type == intervention_type.removeprefix("Intervention Type ")
        assert arm.intervention.registry_text == "\n".join(text)
        # The record's Interventions section repeats the same text under the same name.
        interventions = section("Interventions", "Eligibility Criteria")
        i = interventions.index(name)
        assert "\n".join(interventions[i + 1 : i + 1 + len(text)]) == "\n".join(text)
    assert [arm.type for arm in protocol.arms] == ["EXPERIMENTAL", "ACTIVE_COMPARATOR"]


ROUTES = {"orally": "PO", "intramuscular injection": "IM"}
FREQUENCIES = {"once daily": "QD", "twice daily": "BID"}


def test_dalpiciclib_as_in_record(protocol: Protocol) -> None:
    text = protocol.arm("A").intervention.registry_text.splitlines()[0]
    m = re.fullmatch(r"\* Dalpiciclib: (\d+) mg, orally, once daily, on days (\d+)-(\d+), "
                     r"every (\d+) days \(3 weeks on, 1 week off\)", text)
    assert m is not None
    regimen = protocol.arm("A").regimen
    (dalpiciclib,) = regimen.components
    assert regimen.cycle_length_days == int(m[4]) == 28
    assert (dalpiciclib.drug, dalpiciclib.dose, dalpiciclib.unit) == ("dalpiciclib", 150, "mg")
    assert dalpiciclib.dose == float(m[1])
    assert (dalpiciclib.route, dalpiciclib.frequency) == ("PO", "QD")
    assert dalpiciclib.days == tuple(range(int(m[2]), int(m[3]) + 1))
    assert dalpiciclib.provenance is Provenance.CONFIRMED
    # Dose levels: domain.md §5, marked "to confirm" there.
    assert dalpiciclib.dose_levels is not None
    assert dalpiciclib.dose_levels.levels == (150, 125, 100)
    assert dalpiciclib.dose_levels.provenance is Provenance.TO_CONFIRM


def test_endocrine_options_as_in_record(protocol: Protocol) -> None:
    text = protocol.arm("A").intervention.registry_text.splitlines()[1]
    parts = text.removeprefix("* ").split(" OR ")
    group = protocol.arm("A").regimen.choice("endocrine_therapy")
    assert group.required_when is None
    assert len(group.options) == len(parts) == 5
    for option, part in zip(group.options, parts, strict=True):
        m = re.fullmatch(r"(\w+): ([\d.]+)(?:-([\d.]+))? mg, (orally|intramuscular injection)"
                         r"(?:, (once daily|twice daily))?(?: \(continuous\))?(.*), every 28 days",
                         part)
        assert m is not None, part
        assert option.registry_text == part
        (component,) = option.components
        assert component.drug == m[1].lower() == option.id
        if m[3]:
            assert (component.dose_min, component.dose_max) == (float(m[2]), float(m[3]))
            assert component.dose is None
        else:
            assert component.dose == float(m[2])
        assert component.route == ROUTES[m[4]]
        assert component.continuous == ("(continuous)" in part)
        if m[5]:
            assert component.frequency == FREQUENCIES[m[5]]
        assert component.provenance is Provenance.CONFIRMED


def test_fulvestrant_loading_dose_as_in_record(protocol: Protocol) -> None:
    option = protocol.arm("A").regimen.choice("endocrine_therapy").option("fulvestrant")
    assert option.registry_text is not None
    m = re.search(r"on day (\d+)/(\d+) of the first cycle, then on day (\d+) of each "
                  r"subsequent cycle", option.registry_text)
    assert m is not None
    (fulvestrant,) = option.components
    assert (fulvestrant.dose, fulvestrant.unit, fulvestrant.route) == (500, "mg", "IM")
    assert fulvestrant.frequency == "ONCE"
    assert fulvestrant.days_in_cycle(1) == (int(m[1]), int(m[2])) == (1, 15)
    assert fulvestrant.days_in_cycle(2) == fulvestrant.days_in_cycle(13) == (int(m[3]),)


def test_tamoxifen_twice_daily_dose_range(protocol: Protocol) -> None:
    (tamoxifen,) = protocol.arm("A").regimen.choice("endocrine_therapy").option(
        "tamoxifen").components
    assert "Tamoxifen: 10-20 mg, orally, twice daily (continuous)" in (
        protocol.arm("A").intervention.registry_text)
    assert (tamoxifen.dose_min, tamoxifen.dose_max, tamoxifen.unit) == (10, 20, "mg")
    assert (tamoxifen.frequency, tamoxifen.route, tamoxifen.continuous) == ("BID", "PO", True)


def test_ovarian_function_suppression_for_pre_and_perimenopausal(protocol: Protocol) -> None:
    text = protocol.arm("A").intervention.registry_text.splitlines()[2]
    assert text.startswith("* Pre/perimenopausal women also require ovarian function suppression")
    group = protocol.arm("A").regimen.choice("ovarian_function_suppression")
    assert group.required_when is not None
    assert group.required_when.menopausal_status == ("pre", "peri")
    # "through bilateral oophorectomy": a one-time procedure, stated in the record.
    assert "bilateral oophorectomy" in text
    surgery = group.option("bilateral_oophorectomy")
    assert surgery.components == ()
    assert surgery.procedure is not None
    assert surgery.procedure.name == "bilateral oophorectomy"
    assert surgery.procedure.frequency == "ONCE"
    # "or ... GnRH analog drugs": the record names none; domain.md §5 gives the usual two.
    assert "(GnRH) analog drugs" in text
    goserelin = group.option("goserelin").components[0]
    assert (goserelin.dose, goserelin.unit, goserelin.route) == (3.6, "mg", "SC")
    leuprorelin = group.option("leuprorelin")
    routes = {leuprorelin.components[0].route} | {
        alt.components[0].route for alt in leuprorelin.alternatives}
    assert routes == {"SC", "IM"}
    for option_id in ("goserelin", "leuprorelin"):
        for component in group.option(option_id).components:
            assert component.dose in (3.6, 3.75)
            assert component.days == (1,)  # every 28 days = day 1 of each 28-day cycle
            assert component.provenance is not Provenance.CONFIRMED


def all_components(options: Iterable[Option]) -> list[DrugComponent]:
    found: list[DrugComponent] = []
    for option in options:
        found.extend(option.components)
        for alt in option.alternatives:
            found.extend(alt.components)
    return found


def test_chemotherapy_options_as_in_record(protocol: Protocol) -> None:
    arm = protocol.arm("B")
    m = re.fullmatch(r"The chemotherapy regimen is chosen by the clinical physician and may "
                     r"include, but (is not limited to), the following options: (.*)\. Each "
                     r"treatment cycle consists of a (\d+)-day duration\.",
                     arm.intervention.registry_text)
    assert m is not None
    named = re.split(r", (?:and )?", m[2])
    group = arm.regimen.choice("chemotherapy")
    assert [option.registry_text for option in group.options] == named
    assert len(named) == 5
    assert arm.regimen.cycle_length_days == int(m[3]) == 21
    assert group.physician_entered_allowed is True  # "is not limited to"
    assert arm.regimen.physician_entered_allowed is True
    assert not protocol.arm("A").regimen.physician_entered_allowed
    # The record gives no doses: every Arm B dose is a site decision (domain.md §5).
    for component in all_components(group.options):
        assert component.provenance is Provenance.SITE_DECISION
        assert all(day <= 21 for day in component.days or ())


def doses(option: Schedule) -> list[tuple[str, float | None, str, str, tuple[int, ...] | None]]:
    return [(c.drug, c.dose, c.unit, c.frequency, c.days) for c in option.components]


def test_chemotherapy_doses_from_domain_md(protocol: Protocol) -> None:
    """domain.md §5: paclitaxel 175 mg/m² d1 (or 80 mg/m² d1, 8, 15) + capecitabine 1000 mg/m²
    bid d1-14; paclitaxel 175 mg/m² d1 + carboplatin AUC 5 d1; capecitabine 1000-1250 mg/m² bid
    d1-14; carboplatin AUC 6 d1 or cisplatin 75 mg/m² d1; gemcitabine 1250 mg/m² d1, 8 +
    cisplatin 75 mg/m² d1; gemcitabine 1000 mg/m² d1, 8 + carboplatin AUC 2 d1, 8
    (O'Shaughnessy, J Clin Oncol 2014: 1250 is the cisplatin partner's dose, not carboplatin's)."""
    group = protocol.arm("B").regimen.choice("chemotherapy")
    auc = "AUC mg/mL·min"
    cape = ("capecitabine", 1000, "mg/m2", "BID", tuple(range(1, 15)))
    pc = group.option("paclitaxel_capecitabine")
    assert doses(pc) == [("paclitaxel", 175, "mg/m2", "ONCE", (1,)), cape]
    assert doses(pc.alternatives[0]) == [("paclitaxel", 80, "mg/m2", "ONCE", (1, 8, 15)), cape]
    assert doses(group.option("paclitaxel_carboplatin")) == [
        ("paclitaxel", 175, "mg/m2", "ONCE", (1,)), ("carboplatin", 5, auc, "ONCE", (1,))]
    (capecitabine,) = group.option("capecitabine").components
    assert (capecitabine.dose_min, capecitabine.dose_max) == (1000, 1250)
    assert (capecitabine.frequency, capecitabine.days) == ("BID", tuple(range(1, 15)))
    platinum = group.option("platinum")
    assert doses(platinum) == [("carboplatin", 6, auc, "ONCE", (1,))]
    assert doses(platinum.alternatives[0]) == [("cisplatin", 75, "mg/m2", "ONCE", (1,))]
    gp = group.option("gemcitabine_platinum")
    gem = ("gemcitabine", 1250, "mg/m2", "ONCE", (1, 8))
    assert doses(gp) == [gem, ("cisplatin", 75, "mg/m2", "ONCE", (1,))]
    assert doses(gp.alternatives[0]) == [("gemcitabine", 1000, "mg/m2", "ONCE", (1, 8)),
                                         ("carboplatin", 2, auc, "ONCE", (1, 8))]
    routes = {c.drug: c.route for c in all_components(group.options)}
    assert routes == {"paclitaxel": "IV", "capecitabine": "PO", "carboplatin": "IV",
                      "cisplatin": "IV", "gemcitabine": "IV"}


# --- eligibility --------------------------------------------------------------------------------


def test_criteria_verbatim_and_numbered(protocol: Protocol) -> None:
    inclusion = bullets("Inclusion Criteria", "Exclusion Criteria")
    exclusion = bullets("Exclusion Criteria", "Minimum Eligible Age")
    assert (len(inclusion), len(exclusion)) == (9, 10)
    e = protocol.eligibility
    assert [c.text for c in e.inclusion] == inclusion
    assert [c.text for c in e.exclusion] == exclusion
    assert [c.id for c in e.inclusion] == [f"IN{n}" for n in range(1, 10)]
    assert [c.id for c in e.exclusion] == [f"EX{n}" for n in range(1, 11)]
    assert protocol.criterion("EX8").text == exclusion[7]


def test_age_sex_and_healthy_volunteers_match_record(protocol: Protocol) -> None:
    e = protocol.eligibility
    assert f"{e.minimum_age_years} Years" == after("Minimum Eligible Age") == "18 Years"
    assert f"{e.maximum_age_years} Years" == after("Maximum Eligible Age") == "80 Years"
    assert e.sex == after("Eligible Sex") == "ALL"
    assert after("Accepts Healthy Volunteers") == "No"
    assert e.healthy_volunteers is False


# --- site settings (numbers from the criteria and domain.md) -----------------------------------


def test_lookbacks_are_the_numbers_in_the_criteria(protocol: Protocol) -> None:
    ex8, ex9 = protocol.criterion("EX8").text, protocol.criterion("EX9").text
    years = int(find(r"within the past (\d+) years", ex8)[1])
    weeks = int(find(r"within (\d+) weeks before starting treatment", ex9)[1])
    grade = int(find(r"\(≤ Grade (\d+)\)", protocol.criterion("IN9").text)[1])
    assert protocol.setting_number("other_malignancy_lookback_years") == years == 5
    assert protocol.setting_number("major_surgery_lookback_weeks") == weeks == 4
    assert protocol.setting_number("prior_toxicity_max_grade") == grade == 1
    for name in ("other_malignancy_lookback_years", "major_surgery_lookback_weeks"):
        assert protocol.setting(name).status is Provenance.CONFIRMED


@pytest.mark.parametrize(
    ("name", "value", "unit", "comparator"),
    [
        ("anc_min", 1.5, "10^9/L", ">="),
        ("platelets_min", 100, "10^9/L", ">="),
        ("haemoglobin_min", 90, "g/L", ">="),
        ("total_bilirubin_max_uln", 1.5, "× ULN", "<="),
        ("alt_ast_max_uln", 2.5, "× ULN", "<="),
        ("alt_ast_max_uln_liver_metastases", 5.0, "× ULN", "<="),
        ("creatinine_max_uln", 1.5, "× ULN", "<="),
        ("creatinine_clearance_min", 50, "mL/min", ">="),
        ("qtcf_max", 470, "ms", "<="),
    ],
)
def test_organ_function_thresholds_from_domain_md(
    protocol: Protocol, name: str, value: float, unit: str, comparator: str
) -> None:
    """domain.md §5, organ function at screening [site decision]."""
    setting = protocol.setting(name)
    assert (setting.value, setting.unit, setting.comparator) == (value, unit, comparator)
    assert setting.status is Provenance.SITE_DECISION
    assert setting.criteria == ("IN8",)


def test_fes_threshold_and_assessment_schedule(protocol: Protocol) -> None:
    fes = protocol.setting("fes_suvmax_er_positive_min")
    assert (fes.value, fes.comparator, fes.status) == (1.5, ">=", Provenance.CONFIRMED)
    assert "van Kruchten" in fes.source
    assert set(fes.criteria) == {"IN2", "EX1"}
    assert protocol.setting_number("tumour_assessment_interval_weeks") == 8
    assert protocol.setting_number("tumour_assessment_window_days") == 7
    assert protocol.setting_number("sd_minimum_interval_days") == 42
    for name in ("tumour_assessment_interval_weeks", "sd_minimum_interval_days"):
        assert protocol.setting(name).status is Provenance.SITE_DECISION


def test_bundled_file_is_cached_and_matches_file_on_disk() -> None:
    assert load_protocol() is bundled_protocol()
    on_disk = Path(__file__).resolve().parents[2] / "dawna" / "protocols" / "dawna_fes.yaml"
    assert load_protocol(on_disk) == bundled_protocol()
