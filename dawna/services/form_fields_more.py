"""Labels of the forms and records added with data management (issue 20) and the site's
paper forms (issue 21), kept beside ``services/form_fields.py`` (which merges them) so that
neither module grows past the size the code map allows. Same conventions: keys are the audit
record's fields, list indexes written ``*``, a trailing ``*`` for a key chosen by the data."""

from __future__ import annotations

from dawna.rules.messages import N_

_ADDRESS = {"table_name": N_("Form"), "row_id": N_("Record number of the form"),
            "field": N_("Field"), "scope": N_("Scope"), "active_key": N_("In force (key)")}

MORE_FORMS: dict[str, dict[str, str]] = {
    # issue 21: forms a site kept on paper
    "concomitant_medication": {
        "drug": N_("Drug"), "atc_code": N_("ATC code"), "dose": N_("Dose"), "unit": N_("Unit"),
        "route": N_("Route"), "frequency": N_("Frequency"), "indication": N_("Indication"),
        "start_date": N_("Start date"), "stop_date": N_("Stop date"), "ongoing": N_("Ongoing"),
        "adverse_event_id": N_("Adverse event"), "cyp3a": N_("CYP3A interaction"),
        "prohibited": N_("Prohibited medication")},
    "medical_history": {
        "condition": N_("Condition"), "code": N_("Code"), "start_date": N_("Start date"),
        "stop_date": N_("Stop date"), "ongoing": N_("Ongoing"),
        "worsened_on": N_("Worsened on"), "adverse_event_id": N_("Adverse event")},
    "vital_signs": {
        "measured_on": N_("Measured on"), "timepoint": N_("Time point"),
        "height_cm": N_("Height (cm)"), "weight_kg": N_("Weight (kg)"),
        "systolic_mmhg": N_("Systolic blood pressure (mmHg)"),
        "diastolic_mmhg": N_("Diastolic blood pressure (mmHg)"), "pulse_bpm": N_("Pulse (/min)"),
        "temperature_c": N_("Temperature (°C)"),
        "fever_sustained": N_("Fever sustained for more than one hour")},
    "ecg": {
        "recorded_on": N_("Recorded on"), "timepoint": N_("Time point"), "qt_ms": N_("QT (ms)"),
        "rr_ms": N_("RR (ms)"), "heart_rate_bpm": N_("Heart rate (/min)"),
        "qtcf_ms": N_("QTcF (ms)"), "grade": N_("Grade"), "torsade": N_("Torsade de pointes")},
    "pregnancy_test": {
        "test_date": N_("Test date"), "purpose": N_("Before"), "method": N_("Method"),
        "result": N_("Result"), "contraception": N_("Contraception")},
    "hbv_screening": {
        "sample_date": N_("Sample date"), "hbsag_positive": N_("HBsAg positive"),
        "anti_hbc_positive": N_("Anti-HBc positive"), "hbv_dna_iu_ml": N_("HBV DNA (IU/mL)"),
        "prophylaxis_drug": N_("Antiviral prophylaxis"),
        "prophylaxis_start": N_("Prophylaxis started on")},
    "drug_dispensing": {
        "cycle": N_("Cycle"), "drug": N_("Drug"), "dispensed_on": N_("Dispensed on"),
        "lot_number": N_("Lot number"), "expiry_date": N_("Expiry date"),
        "bottles": N_("Bottles"), "units_dispensed": N_("Units dispensed"),
        "unit_strength_mg": N_("Strength per unit (mg)"), "units_per_day": N_("Units per day"),
        "prescribed_days": N_("Prescribed days"), "returned_on": N_("Returned on"),
        "units_returned": N_("Units returned"), "units_lost": N_("Units lost")},
    "dose_diary": {"cycle": N_("Cycle"), "drug": N_("Drug"), "days": N_("Dose diary"),
                   "days.*": N_("Taken on")},
    # issue 20: data management records
    "data_query": {
        **_ADDRESS, "status": N_("Status"), "text": N_("Query text"),
        "check_id": N_("Edit check"), "check_params": N_("Edit check findings"),
        "check_params.*": N_("Edit check findings"), "raised_by": N_("Raised by"),
        "raised_at": N_("Raised at")},
    "query_message": {
        "query_id": N_("Query"), "kind": N_("Step"), "answer_kind": N_("Kind of answer"),
        "text": N_("Text"), "audit_ids": N_("Audit records of the correction"),
        "audit_ids.*": N_("Audit record of the correction"), "actor": N_("By"),
        "at": N_("At")},
    "source_verification": {
        **_ADDRESS, "verified_by": N_("Verified by"), "verified_at": N_("Verified at"),
        "cleared_at": N_("Cleared at"), "cleared_by": N_("Cleared by"),
        "cleared_reason": N_("Why it was cleared")},
    "form_signature": {
        **_ADDRESS, "signer_id": N_("Signer"), "signer_username": N_("Signer's user name"),
        "signer_name": N_("Signed by"), "signed_at": N_("Signed at"),
        "meaning_code": N_("Meaning"), "meaning": N_("Meaning of the signature"),
        "content_sha256": N_("Fingerprint of the signed data"),
        "content_version": N_("Version signed"), "voided_at": N_("Voided at"),
        "void_reason": N_("Why it was voided")},
    "form_lock": {
        **_ADDRESS, "source": N_("Locked by way of"), "signature_id": N_("Signature"),
        "locked_at": N_("Locked at"), "locked_by": N_("Locked by"),
        "unlocked_at": N_("Unlocked at"), "unlocked_by": N_("Unlocked by"),
        "unlock_reason": N_("Reason for unlocking")},
    "data_freeze": {
        "name": N_("Name"), "cut_off": N_("Data cut-off"), "description": N_("Description"),
        "frozen_at": N_("Frozen at"), "frozen_by": N_("Frozen by"),
        "chain_last_id": N_("Last audit record at the freeze"),
        "chain_hash": N_("Audit chain head at the freeze"), "unfrozen_at": N_("Unfrozen at"),
        "unfrozen_by": N_("Unfrozen by"), "unfreeze_reason": N_("Reason for unfreezing")},
    "protocol_version": {
        "label": N_("Version"), "yaml_text": N_("Protocol file"),
        "sha256": N_("Fingerprint of the file"), "approved_on": N_("Ethics approval date"),
        "effective_on": N_("Effective date"), "summary": N_("Summary of changes"),
        "consent_version": N_("Consent form version required"), "loaded_by": N_("Loaded by"),
        "loaded_at": N_("Loaded at")},
}
