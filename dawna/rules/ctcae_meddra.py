"""MedDRA codes of the CTCAE v5.0 terms dawna offers (``dawna.rules.ctcae_terms``), for the SDTM
adverse-event coding variables (AELLT, AELLTCD, AEBDSYCD, AESOC, AESOCCD).

Source: NCI CTCAE v5.0 (27 November 2017), coded to MedDRA v20.1: the spreadsheet's "MedDRA
Code" column (``CTCAE_v5.0.xlsx``, sheet "CTCAE v5.0 Clean Copy"; the rows of these terms are in
``tests/reference/ctcae/ctcae_v5_terms.csv``, which the tests compare with this module). A
listed CTCAE term is a MedDRA lowest level term (LLT), with its LLT code. Each "Other, specify"
row carries the code of its system organ class (SOC), so the SOC codes here are those rows'
codes. The verbatim event of an "Other, specify" has no LLT until it is coded in MedDRA, which
dawna does not do.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["MEDDRA_LLT", "MEDDRA_SOC"]

MEDDRA_LLT: Mapping[str, int] = MappingProxyType({
    "Alanine aminotransferase increased": 10001551,
    "Alopecia": 10001760,
    "Anemia": 10002272,
    "Anorexia": 10002646,
    "Arthralgia": 10003239,
    "Aspartate aminotransferase increased": 10003481,
    "Blood bilirubin increased": 10005364,
    "Constipation": 10010774,
    "Creatinine increased": 10011368,
    "Death NOS": 10011914,
    "Diarrhea": 10012727,
    "Electrocardiogram QT corrected interval prolonged": 10014383,
    "Fatigue": 10016256,
    "Febrile neutropenia": 10016288,
    "Fever": 10016558,
    "Hot flashes": 10020407,
    "Injection site reaction": 10022095,
    "Lung infection": 10061229,
    "Lymphocyte count decreased": 10025256,
    "Mucositis oral": 10028130,
    "Nausea": 10028813,
    "Neutrophil count decreased": 10029366,
    "Palmar-plantar erythrodysesthesia syndrome": 10054524,
    "Peripheral sensory neuropathy": 10034620,
    "Platelet count decreased": 10035528,
    "Pneumonitis": 10035742,
    "Rash maculo-papular": 10037868,
    "Sepsis": 10040047,
    "Thromboembolic event": 10043565,
    "Urinary tract infection": 10046571,
    "Vomiting": 10047700,
    "White blood cell decreased": 10049182,
})
MEDDRA_SOC: Mapping[str, int] = MappingProxyType({
    "Blood and lymphatic system disorders": 10005329,
    "Cardiac disorders": 10007541,
    "Gastrointestinal disorders": 10017947,
    "General disorders and administration site conditions": 10018065,
    "Hepatobiliary disorders": 10019805,
    "Infections and infestations": 10021881,
    "Investigations": 10022891,
    "Metabolism and nutrition disorders": 10027433,
    "Musculoskeletal and connective tissue disorders": 10028395,
    "Nervous system disorders": 10029205,
    "Psychiatric disorders": 10037175,
    "Renal and urinary disorders": 10038359,
    "Respiratory, thoracic and mediastinal disorders": 10038738,
    "Skin and subcutaneous tissue disorders": 10040785,
    "Vascular disorders": 10047065,
})
