"""The labels of every audited field of every form (``services/form_catalogue.FIELD_LABELS``).

Worded as the form pages word them, so a field reads the same on its form, in the audit trail,
in a query and in the data export. Keys are ``(form, field)``: ``form`` is the table (``*`` for
fields every form shares), ``field`` the audit record's field with list indexes written ``*``
(``doses.*.dose``); a trailing ``*`` stands for a key chosen by the data (a drug, a lesion id),
shown after the label. ``tests/unit/test_form_fields.py`` keeps every audited column labelled.
"""

from __future__ import annotations

from dawna.rules.messages import N_
from dawna.services.form_fields_more import MORE_FORMS

_SHARED = {
    "id": N_("Record number"), "participant_id": N_("Participant"), "version": N_("Version"),
    "recorded_by": N_("Recorded by"), "recorded_at": N_("Recorded at"),
    "updated_at": N_("Last changed at"), "created_at": N_("Created at"),
    "site_id": N_("Site"), "reason": N_("Reason"), "note": N_("Note"),
    "protocol_version": N_("Protocol version"),
}

_SCREENING_LABS = {
    "anc": N_("Absolute neutrophil count"), "platelets": N_("Platelets"),
    "hemoglobin": N_("Haemoglobin"), "total_bilirubin": N_("Total bilirubin"),
    "alt": N_("ALT"), "ast": N_("AST"), "creatinine": N_("Creatinine"),
}
_LAB_PARTS = {
    "anc": (N_("Absolute neutrophil count: unit"), N_("Absolute neutrophil count: ULN"),
            N_("Absolute neutrophil count: LLN")),
    "platelets": (N_("Platelets: unit"), N_("Platelets: ULN"), N_("Platelets: LLN")),
    "hemoglobin": (N_("Haemoglobin: unit"), N_("Haemoglobin: ULN"), N_("Haemoglobin: LLN")),
    "total_bilirubin": (N_("Total bilirubin: unit"), N_("Total bilirubin: ULN"),
                        N_("Total bilirubin: LLN")),
    "alt": (N_("ALT: unit"), N_("ALT: ULN"), N_("ALT: LLN")),
    "ast": (N_("AST: unit"), N_("AST: ULN"), N_("AST: LLN")),
    "creatinine": (N_("Creatinine: unit"), N_("Creatinine: ULN"), N_("Creatinine: LLN")),
}

_SCREENING = {
    "record": N_("Screening record"), "outcome": N_("Eligibility outcome"),
    "decision_date": N_("Date of the eligibility decision"),
    "failed_criteria": N_("Criteria not met"),
    "record.decision_date": N_("Date of the eligibility decision"),
    "record.consent_date": N_("Consent date"), "record.date_of_birth": N_("Date of birth"),
    "record.sex": N_("Sex"), "record.race": N_("Race"), "record.ethnicity": N_("Ethnicity"),
    "record.menopausal_status": N_("Menopausal status"),
    "record.pathology": N_("Most recent pathology"),
    "record.pathology.report_date": N_("Report date"),
    "record.pathology.er": N_("ER status"), "record.pathology.er_percent": N_("ER (%)"),
    "record.pathology.pr": N_("PR status"), "record.pathology.pr_percent": N_("PR (%)"),
    "record.pathology.her2_ihc": N_("HER2 IHC"), "record.pathology.her2_ish": N_("HER2 ISH"),
    "record.ecog": N_("ECOG performance status"),
    "record.expected_survival_months": N_("Expected survival"),
    "record.treatment_lines": N_("Treatment history (one row per line of therapy)"),
    "record.treatment_lines.*.agents": N_("Agents (comma-separated)"),
    "record.treatment_lines.*.agents.*": N_("Agents (comma-separated)"),
    "record.treatment_lines.*.setting": N_("Setting"),
    "record.treatment_lines.*.start_date": N_("Start"),
    "record.treatment_lines.*.stop_date": N_("Stop"),
    "record.treatment_lines.*.reason_stopped": N_("Reason stopped"),
    "record.treatment_lines.*.relapse_during_or_after": N_("Relapse on/after (neo)adjuvant"),
    "record.treatment_lines.*.failure_confirmed": N_(
        "CDK4/6 inhibitor failure confirmed (investigator)"),
    "record.fes_pet": N_("PET/CT"),
    "record.fes_pet.scan_date": N_("FES PET/CT date"),
    "record.fes_pet.lesions_read": N_("Lesions read on FES"),
    "record.fes_pet.er_positive_lesions": N_("ER-positive lesions on FES"),
    "record.fes_pet.washout_result_confirmed": N_(
        "Investigator confirms an all-negative read inside a washout window"),
    "record.fdg_pet_willing": N_("Willing to undergo FDG PET/CT"),
    "record.measurable_lesions": N_("Measurable lesions (RECIST 1.1)"),
    "record.measurable_lesions.*.location": N_("Location"),
    "record.measurable_lesions.*.outside_skull": N_("Outside the skull"),
    "record.measurable_lesions.*.lymph_node": N_("Lymph node"),
    "record.measurable_lesions.*.longest_diameter_mm": N_("Longest diameter (mm)"),
    "record.measurable_lesions.*.short_axis_mm": N_("Short axis (mm)"),
    "record.measurable_lesions.*.method": N_("Method"),
    "record.imaging_date": N_("Date of the imaging showing these lesions"),
    "record.labs": N_("Organ function"),
    "record.labs.collection_date": N_("Date the samples were taken"),
    "record.labs.creatinine_clearance_ml_min": N_("Creatinine clearance"),
    "record.labs.qtcf_ms": N_("QTcF (ms)"),
    "record.liver_metastases": N_("Liver metastases"),
    "record.worst_unresolved_prior_toxicity_grade": N_(
        "Worst unresolved toxicity of prior therapy (CTCAE grade)"),
    "record.cns_metastasis": N_("CNS metastasis confirmed by imaging"),
    "record.leptomeningeal_metastasis": N_("Leptomeningeal metastasis (MRI or lumbar puncture)"),
    "record.visceral_crisis": N_("Visceral crisis"),
    "record.rapid_progression": N_("Rapid disease progression"),
    "record.unsuitable_for_endocrine_therapy": N_("Not suitable for endocrine therapy"),
    "record.ascites": N_("Ascites"),
    "record.symptomatic_pleural_effusion": N_("Pleural effusion with clinical symptoms"),
    "record.pericardial_effusion_needing_drainage": N_("Pericardial effusion needing drainage"),
    "record.swallowing_or_absorption_problem": N_(
        "Unable to swallow, obstruction or malabsorption"),
    "record.known_allergy_to_regimen": N_("Known allergy to a component of the regimen"),
    "record.prior_dalpiciclib": N_("Previously treated with dalpiciclib"),
    "record.major_surgery_planned": N_("Major surgery expected"),
    "record.other_malignancies": N_("Other malignancies"),
    "record.other_malignancies.*.type": N_("Type"),
    "record.other_malignancies.*.category": N_("Category"),
    "record.other_malignancies.*.diagnosis_date": N_("Diagnosis date"),
    "record.other_malignancies.*.curative_intent": N_("Treated with curative intent"),
    "record.major_surgery_or_injury": N_("Major surgery or injury"),
    "record.major_surgery_or_injury.*.kind": N_("Kind"),
    "record.major_surgery_or_injury.*.description": N_("Description"),
    "record.major_surgery_or_injury.*.date": N_("Date"),
    "record.menopause": N_("Menopausal status criteria"),
    "record.menopause.bilateral_oophorectomy": N_("Prior bilateral oophorectomy"),
    "record.menopause.months_since_last_menses": N_(
        "Months since the last menses (empty if still menstruating)"),
    "record.menopause.menses_regular": N_("Menses regular (if still menstruating)"),
    "record.menopause.amenorrhoea_confounders": N_("Amenorrhoea during or after"),
    "record.menopause.amenorrhoea_confounders.*": N_("Amenorrhoea during or after"),
    "record.menopause.fsh_estradiol_postmenopausal": N_(
        "FSH and estradiol in the postmenopausal range"),
    "record.menopause.on_tamoxifen_or_toremifene": N_("Currently on tamoxifen or toremifene"),
    "record.menopause.on_gnrh_agonist": N_("Currently on a GnRH (LHRH) agonist"),
}
for _key, _label in _SCREENING_LABS.items():
    _unit, _uln, _lln = _LAB_PARTS[_key]
    _SCREENING.update({f"record.labs.{_key}": _label, f"record.labs.{_key}.value": _label,
                       f"record.labs.{_key}.unit": _unit, f"record.labs.{_key}.uln": _uln,
                       f"record.labs.{_key}.lln": _lln})

_PET_LESION = {"id": N_("Lesion id"), "organ": N_("Organ and site"), "laterality": N_("Side"),
               "size_mm": N_("Size (mm)"), "suvmax": N_("SUVmax"), "suvpeak": N_("SUVpeak"),
               "reader_call": N_("Reader's call"), "override_reason": N_("Reason for the call")}
_TUMOUR_LESION = {"id": N_("Lesion id"), "organ": N_("Organ and site"),
                  "nodal": N_("Lymph node"), "method": N_("Method"),
                  "diameter_mm": N_("Longest diameter / node short axis (mm)"),
                  "target": N_("Target"), "intracranial": N_("Inside the skull"),
                  "slice_thickness_mm": N_("CT slice (mm), if over 5")}
_PLAN_DOSE = {"drug": N_("Drug"), "dose": N_("Dose"), "unit": N_("Unit"), "route": N_("Route"),
              "frequency": N_("Frequency"), "formula": N_("How it was computed"),
              "level": N_("Dose level"), "days": N_("Cycle days"), "days.*": N_("Cycle days"),
              "inputs": N_("Formula inputs"), "inputs.*": N_("Formula input")}
_MEASURES = {"height_cm": N_("Height (cm)"), "weight_kg": N_("Weight (kg)"),
             "age_years": N_("Age (years)"), "creatinine_umol_l": N_("Serum creatinine (µmol/L)"),
             "female": N_("Sex"), "measured_on": N_("Measured on")}

_FORMS: dict[str, dict[str, str]] = {
    "participant": {
        "screening_number": N_("Screening number"),
        "pseudonym": N_("Participant"), "status": N_("Status"),
        "consent_date": N_("Consent date"), "created_at": N_("Registered")},
    "participant_identity": {
        "full_name": N_("Name"), "medical_record_number": N_("Medical record number"),
        "phone": N_("Phone")},
    "consent": {
        "version": N_("Consent form version"), "signed_on": N_("Date signed"),
        "signed_at": N_("Time signed"), "obtained_by": N_("Obtained by"), "kind": N_("Kind")},
    "screening": _SCREENING,
    "eligibility_signature": {
        "signer_id": N_("Signer"), "signer_name": N_("Signed by"), "signed_at": N_("Signed at"),
        "outcome": N_("Decision"), "meaning": N_("Meaning of the signature"),
        "record_sha256": N_("Fingerprint of the signed record"),
        "result": N_("Eligibility result")},
    "allocation": {
        "list_id": N_("Randomization list"), "stratum": N_("Stratum"),
        "position": N_("Position in the stratum"), "sequence": N_("Randomization number"),
        "arm": N_("Arm"), "factors": N_("Stratification factors"), "regimen": N_("Regimen"),
        "detail": N_("Physician's regimen choice"), "randomized_at": N_("Randomized at"),
        "randomized_by": N_("Randomized by")},
    "pet_study": {
        "tracer": N_("Tracer"), "scan_date": N_("Scan date"), "status": N_("Status"),
        "data": N_("PET/CT read"), "registered_by": N_("Registered by"),
        "read_by": N_("Read by"), "data.tracer": N_("Tracer"), "data.scan_date": N_("Scan date"),
        "data.read_date": N_("Read date"), "data.injected_mbq": N_("Injected activity (MBq)"),
        "data.weight_kg": N_("Weight (kg)"), "data.uptake_min": N_("Uptake time (min)"),
        "data.lesions": N_("Lesions"),
        "data.no_evaluable_lesion": N_(
            "I have read this study and it shows no evaluable lesion"),
        **{f"data.lesions.*.{k}": v for k, v in _PET_LESION.items()}},
    "tumour_assessment": {
        "kind": N_("Assessment"), "assessment_date": N_("Assessment date"),
        "data": N_("Assessment"), "entered_by": N_("Entered by"),
        "data.date": N_("Assessment date"), "data.lesions": N_("Lesions"),
        "data.scan_dates": N_("Scan date"), "data.scan_dates.*": N_("Scan date"),
        "data.target": N_("Target lesions"), "data.target.*": N_("Target lesion (mm)"),
        "data.non_target": N_("Non-target lesions"),
        "data.non_target.*": N_("Non-target lesion"), "data.new_lesions": N_("New lesions"),
        **{f"data.lesions.*.{k}": v for k, v in _TUMOUR_LESION.items()}},
    "treatment_plan": {
        "arm": N_("Arm"), "regimen_id": N_("Regimen"), "variants": N_("Variants"),
        "variants.*": N_("Variant"), "measures": N_("Measures"), "doses": N_("Doses"),
        "custom_drugs": N_("Physician-entered regimen"), "confirmed_by": N_("Confirmed by"),
        "confirmed_at": N_("Confirmed at"), "cycle_length_days": N_("Cycle length"),
        "schedule_confirmed_by": N_("Schedule confirmed by"),
        "schedule_confirmed_at": N_("Schedule confirmed at"),
        **{f"measures.{k}": v for k, v in _MEASURES.items()},
        **{f"doses.*.{k}": v for k, v in _PLAN_DOSE.items()},
        **{f"custom_drugs.*.{k}": v for k, v in _PLAN_DOSE.items()}},
    "treatment_cycle": {
        "cycle": N_("Cycle"), "start_date": N_("Day 1"), "planned_date": N_("Planned"),
        "delay_reason": N_("Reason for a delay"), "doses": N_("Doses"),
        **{f"doses.*.{k}": v for k, v in _PLAN_DOSE.items()}},
    "lab_result": {
        "sample_date": N_("Sampled on"), "analyte": N_("Test"), "value": N_("Result"),
        "unit": N_("Unit"), "lln": N_("Lower limit of normal"),
        "uln": N_("Upper limit of normal"), "baseline": N_("Baseline value"),
        "grade": N_("CTCAE grade"), "term": N_("CTCAE term"), "rule": N_("Grading rule")},
    "adverse_event": {
        "number": N_("Event number"), "term": N_("Event (CTCAE v5.0)"), "grade": N_("Grade"),
        "start_date": N_("Start date"), "stop_date": N_("Stop date"), "serious": N_("Serious"),
        "seriousness": N_("Seriousness (ICH E2A)"),
        "seriousness.*": N_("Seriousness (ICH E2A)"),
        "relatedness": N_("Relatedness"), "relatedness.*": N_("Relatedness"),
        "action_taken": N_("Action taken"), "outcome": N_("Outcome"),
        "description": N_("Description"), "lab_result_id": N_("Laboratory result"),
        "aware_at": N_("Site aware on"), "reported_at": N_("Reported to the sponsor at"),
        "expectedness": N_("Expectedness (ICH E2A)"),
        "rsi_document": N_("Reference safety information"),
        "rsi_version": N_("Reference safety information version")},
    "dose_decision": {
        "drug": N_("Drug"), "decision_date": N_("Date"),
        "proposed_action": N_("Proposed action"), "proposed_level": N_("Proposed dose level"),
        "rule": N_("Rule"), "based_on": N_("Based on"), "based_on.*.term": N_("Toxicity"),
        "based_on.*.grade": N_("Grade"), "based_on.*.analyte": N_("Test"),
        "based_on.*.fever": N_("Fever"), "based_on.*.state": N_("Toxicity state"),
        "based_on.*.*": N_("Based on"),
        "action": N_("Decision"), "level_from": N_("Dose level before"),
        "level_to": N_("New dose level"), "dose_to": N_("New dose"), "reason": N_("Why"),
        "decided_by": N_("Decided by"), "decided_at": N_("Decided at"), "cycle": N_("Cycle"),
        "days_not_taken": N_("Days not taken"),
        "override": N_("Override: resume although a cause has not recovered")},
    "depot_dose": {
        "drug": N_("Drug"), "given_on": N_("Given on"), "dose": N_("Dose"), "unit": N_("Unit")},
    "susar_report": {
        "adverse_event_id": N_("Adverse event"), "kind": N_("Report"), "recipient": N_("To"),
        "sent_on": N_("Sent on"), "sent_by": N_("Sent by"), "reference": N_("Reference")},
    "status_event": {
        "event": N_("Event"), "from_status": N_("Status before"),
        "to_status": N_("Status after"), "event_date": N_("Date"), "detail": N_("Details")},
    "follow_up_contact": {
        "contact_date": N_("Contact date"), "vital_status": N_("Vital status"),
        "death_date": N_("Date of death"), "death_cause": N_("Cause of death"),
        "subsequent_therapy": N_("Subsequent anticancer therapy"),
        "subsequent_therapy.*.name": N_("Subsequent anticancer therapy"),
        "subsequent_therapy.*.start_date": N_("Start date")},
    "protocol_deviation": {
        "kind": N_("Kind"), "opened_on": N_("Opened"), "opened_at": N_("Opened at"),
        "opened_by": N_("Opened by"), "reason": N_("Reason for the correction"),
        "signature_id": N_("Eligibility signature"),
        "signed_outcome": N_("Signed decision (kept as signed)"),
        "corrected_outcome": N_("Decision of the current record"),
        "corrected_result": N_("Result of the current record"),
        "acknowledged_at": N_("Acknowledged at"), "acknowledged_by": N_("Acknowledged by"),
        "acknowledgement": N_("Acknowledgement"), "category": N_("Category"),
        "occurred_on": N_("Date of the deviation"), "description": N_("Description"),
        "importance": N_("Importance"), "action_taken": N_("Action taken"),
        "detection_key": N_("Detection key"), "detail": N_("Details of the finding"),
        "detail.*": N_("Details of the finding"), "withdrawn_at": N_("Withdrawn at"),
        "withdrawn_by": N_("Withdrawn by"), "withdrawal": N_("Why it was withdrawn"),
        "review": N_("Record changed: for the investigator's review")},
    # Administration: users, sites, consent form versions, randomization lists, registry.
    "app_user": {
        "id": N_("User"), "username": N_("User name"), "display_name": N_("Name"),
        "password_hash": N_("Password"), "is_active": N_("Active"), "locale": N_("Language")},
    "membership": {"user_id": N_("User"), "role": N_("Role")},
    "site": {"id": N_("Site"), "code": N_("Site code"), "name": N_("Name"), "city": N_("City"),
             "timezone": N_("Time zone"), "status": N_("Status")},
    "consent_form_version": {
        "version": N_("Version"), "approved_on": N_("Approved on"),
        "approved_by": N_("Approved by (ethics committee)"), "entered_by": N_("Recorded by")},
    "randomization_list": {
        "method": N_("Method"), "settings": N_("Settings"), "seed_sealed": N_("Sealed seed"),
        "fingerprint": N_("Fingerprint"), "size_per_stratum": N_("Size per stratum"),
        "created_by": N_("Created by"), "live_at": N_("Live since")},
    "data_export": {
        "scope": N_("Sites exported"), "identifiers": N_("Identifiers included"),
        "format": N_("Format"), "forms": N_("Forms")},
    "odm_import": {  # services/odm_import.py: the import event
        "file": N_("File"), "sha256": N_("SHA-256"), "audit_records": N_("Audit records"),
        "rows": N_("Rows"), "users_disabled": N_("Users disabled until a password reset")},
    "registry_study": {
        "nct_id": N_("NCT number"), "title": N_("Title"), "overall_status": N_("Status"),
        "phases": N_("Phases"), "conditions": N_("Conditions"),
        "interventions": N_("Interventions"), "record": N_("Registry record"),
        "record.*": N_("Registry record"), "imported_by": N_("Imported by")},
}

_FORMS.update(MORE_FORMS)

FIELD_LABELS: dict[tuple[str, str], str] = {
    **{("*", field): label for field, label in _SHARED.items()},
    **{(form, field): label for form, fields in _FORMS.items() for field, label in fields.items()},
}

#: Tables shown in the trail that are not case report forms.
ADMIN_FORM_LABELS: dict[str, str] = {
    "app_user": N_("User account"), "membership": N_("Role at a site"), "site": N_("Site"),
    "consent_form_version": N_("Consent form version"),
    "randomization_list": N_("Randomization list"), "registry_study": N_("Registry record"),
    "data_export": N_("Data export"), "odm_import": N_("ODM import"),
    # data management (issue 20): not forms of their own, but in the trail
    "form_signature": N_("Electronic signature"), "form_lock": N_("Form lock"),
    "data_freeze": N_("Data freeze"), "data_query": N_("Query"),
    "query_message": N_("Query message"), "source_verification": N_("Source data verification"),
    "protocol_version": N_("Protocol version"),
}
