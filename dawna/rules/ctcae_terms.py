"""The CTCAE v5.0 terms dawna offers for adverse-event reporting, with the grades CTCAE defines.

Source: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, published 27 November
2017 (``docs/domain.md`` §4). Each term lists only the grades CTCAE defines for it (a "-" in
CTCAE is no grade: Alopecia has grades 1-2, Febrile neutropenia 3-5, Death NOS 5 only). Grade
texts are CTCAE's English wording, marked for translation; the investigator chooses the grade
from them (:func:`dawna.rules.ctcae.check_grade` refuses a grade the term does not define).

Where the wording was checked
-----------------------------
Every term (name, system organ class, which grades exist, each grade's text) against NCI's
CTCAE v5.0 spreadsheet, ``CTCAE_v5.0.xlsx`` of 27 November 2017, sheet "CTCAE v5.0 Clean Copy"
(read on 2026-12-08). The rows of dawna's terms are in ``tests/reference/ctcae/ctcae_v5_terms.csv``
(``tests/reference/ctcae/README.md`` says where the file comes from), and the tests compare
every text with them. CTCAE's own typography is kept (``<100 - 80g/L``, ``> 30% BSA``,
``>= 501 ms``). The laboratory terms are also compared with pharmaverse/admiral's transcription
(``data-raw/adlb_grading/ncictcaev5.json``), which has v4.03's ``>3.0 baseline`` for Creatinine
increased grade 3 where v5.0 has ``>3.0 x baseline``. CTCAE v6.0 changed most texts: never
update this table from v6.0. Terms v6.0 renamed (Platelet count decreased, Thromboembolic
event, Lung infection) keep their v5.0 names.

Every term carries its Simplified Chinese name (``zh``, from :mod:`dawna.rules.ctcae_zh`); the
search in English or Chinese is :func:`dawna.rules.ctcae_search.search_terms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from dawna.rules.ctcae_zh import TERM_ZH
from dawna.rules.messages import N_

__all__ = ["OTHER_SPECIFY", "TERMS", "ClinicalTerm"]


@dataclass(frozen=True)
class ClinicalTerm:
    """A CTCAE v5.0 term: MedDRA system organ class, the grades it defines, the lab test
    (key of ``dawna.rules.ctcae.LAB_ANALYTES``) whose value grades it, if any, and its
    Simplified Chinese name ``zh`` (:mod:`dawna.rules.ctcae_zh`)."""

    term: str
    soc: str
    grades: Mapping[int, str] = field(hash=False)
    lab_analyte: str | None = None
    zh: str = ""


_BLOOD = N_("Blood and lymphatic system disorders")
_GI = N_("Gastrointestinal disorders")
_GENERAL = N_("General disorders and administration site conditions")
_INFECTIONS = N_("Infections and infestations")
_INVESTIGATIONS = N_("Investigations")
_METABOLISM = N_("Metabolism and nutrition disorders")
_MUSCULOSKELETAL = N_("Musculoskeletal and connective tissue disorders")
_NERVOUS = N_("Nervous system disorders")
_RESPIRATORY = N_("Respiratory, thoracic and mediastinal disorders")
_SKIN = N_("Skin and subcutaneous tissue disorders")
_VASCULAR = N_("Vascular disorders")

_DEATH = N_("Death")
_LIFE_THREATENING = N_("Life-threatening consequences; urgent intervention indicated")
_MODERATE_IADL = N_("Moderate symptoms; limiting instrumental ADL")
_SEVERE_SELF_CARE = N_("Severe symptoms; limiting self care ADL")
_INFECTION_2 = N_("Moderate symptoms; oral intervention indicated (e.g., antibiotic, "
                  "antifungal, or antiviral)")
_INFECTION_3 = N_("IV antibiotic, antifungal, or antiviral intervention indicated; invasive "
                  "intervention indicated")
_ALT_AST = {
    1: N_(">ULN - 3.0 x ULN if baseline was normal; 1.5 - 3.0 x baseline if baseline was "
          "abnormal"),
    2: N_(">3.0 - 5.0 x ULN if baseline was normal; >3.0 - 5.0 x baseline if baseline was "
          "abnormal"),
    3: N_(">5.0 - 20.0 x ULN if baseline was normal; >5.0 - 20.0 x baseline if baseline was "
          "abnormal"),
    4: N_(">20.0 x ULN if baseline was normal; >20.0 x baseline if baseline was abnormal"),
}


def _t(term: str, soc: str, grades: dict[int, str], lab: str | None = None) -> ClinicalTerm:
    return ClinicalTerm(term, soc, MappingProxyType(grades), lab)


_TABLE = (
    # Laboratory terms (graded from the value by dawna.rules.ctcae.grade_lab).
    _t(N_("Neutrophil count decreased"), _INVESTIGATIONS, {
        1: N_("<LLN - 1500/mm3; <LLN - 1.5 x 10e9 /L"),
        2: N_("<1500 - 1000/mm3; <1.5 - 1.0 x 10e9 /L"),
        3: N_("<1000 - 500/mm3; <1.0 - 0.5 x 10e9 /L"),
        4: N_("<500/mm3; <0.5 x 10e9 /L"),
    }, "anc"),
    _t(N_("White blood cell decreased"), _INVESTIGATIONS, {
        1: N_("<LLN - 3000/mm3; <LLN - 3.0 x 10e9 /L"),
        2: N_("<3000 - 2000/mm3; <3.0 - 2.0 x 10e9 /L"),
        3: N_("<2000 - 1000/mm3; <2.0 - 1.0 x 10e9 /L"),
        4: N_("<1000/mm3; <1.0 x 10e9 /L"),
    }, "wbc"),
    _t(N_("Platelet count decreased"), _INVESTIGATIONS, {
        1: N_("<LLN - 75,000/mm3; <LLN - 75.0 x 10e9 /L"),
        2: N_("<75,000 - 50,000/mm3; <75.0 - 50.0 x 10e9 /L"),
        3: N_("<50,000 - 25,000/mm3; <50.0 - 25.0 x 10e9 /L"),
        4: N_("<25,000/mm3; <25.0 x 10e9 /L"),
    }, "platelets"),
    # CTCAE v5.0 as in the NCI spreadsheet (admiral ncictcaev5.json, tests/reference/ctcae/).
    _t(N_("Lymphocyte count decreased"), _INVESTIGATIONS, {
        1: N_("<LLN - 800/mm3; <LLN - 0.8 x 10e9/L"),
        2: N_("<800 - 500/mm3; <0.8 - 0.5 x 10e9 /L"),
        3: N_("<500 - 200/mm3; <0.5 - 0.2 x 10e9 /L"),
        4: N_("<200/mm3; <0.2 x 10e9 /L"),
    }, "lymphocytes"),
    _t(N_("Anemia"), _BLOOD, {
        1: N_("Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L"),
        2: N_("Hgb <10.0 - 8.0 g/dL; <6.2 - 4.9 mmol/L; <100 - 80g/L"),
        3: N_("Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }, "haemoglobin"),
    _t(N_("Alanine aminotransferase increased"), _INVESTIGATIONS, dict(_ALT_AST), "alt"),
    _t(N_("Aspartate aminotransferase increased"), _INVESTIGATIONS, dict(_ALT_AST), "ast"),
    _t(N_("Blood bilirubin increased"), _INVESTIGATIONS, {
        1: N_(">ULN - 1.5 x ULN if baseline was normal; > 1.0 - 1.5 x baseline if baseline "
              "was abnormal"),
        2: N_(">1.5 - 3.0 x ULN if baseline was normal; >1.5 - 3.0 x baseline if baseline "
              "was abnormal"),
        3: N_(">3.0 - 10.0 x ULN if baseline was normal; >3.0 - 10.0 x baseline if baseline "
              "was abnormal"),
        4: N_(">10.0 x ULN if baseline was normal; >10.0 x baseline if baseline was abnormal"),
    }, "bilirubin"),
    _t(N_("Creatinine increased"), _INVESTIGATIONS, {
        1: N_(">ULN - 1.5 x ULN"),
        2: N_(">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN"),
        3: N_(">3.0 x baseline; >3.0 - 6.0 x ULN"),
        4: N_(">6.0 x ULN"),
    }, "creatinine"),
    # Clinical terms (graded by the investigator).
    _t(N_("Febrile neutropenia"), _BLOOD, {
        3: N_("ANC <1000/mm3 with a single temperature of >38.3 degrees C (101 degrees F) or a "
              "sustained temperature of >=38 degrees C (100.4 degrees F) for more than one "
              "hour"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Diarrhea"), _GI, {
        1: N_("Increase of <4 stools per day over baseline; mild increase in ostomy output "
              "compared to baseline"),
        2: N_("Increase of 4 - 6 stools per day over baseline; moderate increase in ostomy "
              "output compared to baseline; limiting instrumental ADL"),
        3: N_("Increase of >=7 stools per day over baseline; hospitalization indicated; severe "
              "increase in ostomy output compared to baseline; limiting self care ADL"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Nausea"), _GI, {
        1: N_("Loss of appetite without alteration in eating habits"),
        2: N_("Oral intake decreased without significant weight loss, dehydration or "
              "malnutrition"),
        3: N_("Inadequate oral caloric or fluid intake; tube feeding, TPN, or hospitalization "
              "indicated"),
    }),
    _t(N_("Vomiting"), _GI, {
        1: N_("Intervention not indicated"),
        2: N_("Outpatient IV hydration; medical intervention indicated"),
        3: N_("Tube feeding, TPN, or hospitalization indicated"),
        4: N_("Life-threatening consequences"),
        5: _DEATH,
    }),
    _t(N_("Constipation"), _GI, {
        1: N_("Occasional or intermittent symptoms; occasional use of stool softeners, "
              "laxatives, dietary modification, or enema"),
        2: N_("Persistent symptoms with regular use of laxatives or enemas; limiting "
              "instrumental ADL"),
        3: N_("Obstipation with manual evacuation indicated; limiting self care ADL"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Mucositis oral"), _GI, {
        1: N_("Asymptomatic or mild symptoms; intervention not indicated"),
        2: N_("Moderate pain or ulcer that does not interfere with oral intake; modified diet "
              "indicated"),
        3: N_("Severe pain; interfering with oral intake"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Fatigue"), _GENERAL, {
        1: N_("Fatigue relieved by rest"),
        2: N_("Fatigue not relieved by rest; limiting instrumental ADL"),
        3: N_("Fatigue not relieved by rest, limiting self care ADL"),
    }),
    _t(N_("Fever"), _GENERAL, {
        1: N_("38.0 - 39.0 degrees C (100.4 - 102.2 degrees F)"),
        2: N_(">39.0 - 40.0 degrees C (102.3 - 104.0 degrees F)"),
        3: N_(">40.0 degrees C (>104.0 degrees F) for <=24 hrs"),
        4: N_(">40.0 degrees C (>104.0 degrees F) for >24 hrs"),
        5: _DEATH,
    }),
    _t(N_("Injection site reaction"), _GENERAL, {
        1: N_("Tenderness with or without associated symptoms (e.g., warmth, erythema, "
              "itching)"),
        2: N_("Pain; lipodystrophy; edema; phlebitis"),
        3: N_("Ulceration or necrosis; severe tissue damage; operative intervention indicated"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Death NOS"), _GENERAL, {5: _DEATH}),
    _t(N_("Anorexia"), _METABOLISM, {
        1: N_("Loss of appetite without alteration in eating habits"),
        2: N_("Oral intake altered without significant weight loss or malnutrition; oral "
              "nutritional supplements indicated"),
        3: N_("Associated with significant weight loss or malnutrition (e.g., inadequate oral "
              "caloric and/or fluid intake); tube feeding or TPN indicated"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Palmar-plantar erythrodysesthesia syndrome"), _SKIN, {
        1: N_("Minimal skin changes or dermatitis (e.g., erythema, edema, or hyperkeratosis) "
              "without pain"),
        2: N_("Skin changes (e.g., peeling, blisters, bleeding, fissures, edema, or "
              "hyperkeratosis) with pain; limiting instrumental ADL"),
        3: N_("Severe skin changes (e.g., peeling, blisters, bleeding, fissures, edema, or "
              "hyperkeratosis) with pain; limiting self care ADL"),
    }),
    _t(N_("Alopecia"), _SKIN, {
        1: N_("Hair loss of <50% of normal for that individual that is not obvious from a "
              "distance but only on close inspection; a different hair style may be required "
              "to cover the hair loss but it does not require a wig or hair piece to "
              "camouflage"),
        2: N_("Hair loss of >=50% normal for that individual that is readily apparent to "
              "others; a wig or hair piece is necessary if the patient desires to completely "
              "camouflage the hair loss; associated with psychosocial impact"),
    }),
    _t(N_("Rash maculo-papular"), _SKIN, {
        1: N_("Macules/papules covering <10% BSA with or without symptoms (e.g., pruritus, "
              "burning, tightness)"),
        2: N_("Macules/papules covering 10 - 30% BSA with or without symptoms (e.g., "
              "pruritus, burning, tightness); limiting instrumental ADL; rash covering > 30% "
              "BSA with or without mild symptoms"),
        3: N_("Macules/papules covering >30% BSA with moderate or severe symptoms; limiting "
              "self care ADL"),
    }),
    _t(N_("Peripheral sensory neuropathy"), _NERVOUS, {
        1: N_("Asymptomatic"),
        2: _MODERATE_IADL,
        3: _SEVERE_SELF_CARE,
        4: _LIFE_THREATENING,
    }),
    _t(N_("Arthralgia"), _MUSCULOSKELETAL, {
        1: N_("Mild pain"),
        2: N_("Moderate pain; limiting instrumental ADL"),
        3: N_("Severe pain; limiting self care ADL"),
    }),
    _t(N_("Hot flashes"), _VASCULAR, {
        1: N_("Mild symptoms; intervention not indicated"),
        2: _MODERATE_IADL,
        3: _SEVERE_SELF_CARE,
    }),
    _t(N_("Thromboembolic event"), _VASCULAR, {
        1: N_("Medical intervention not indicated (e.g., superficial thrombosis)"),
        2: N_("Medical intervention indicated"),
        3: N_("Urgent medical intervention indicated (e.g., pulmonary embolism or "
              "intracardiac thrombus)"),
        4: N_("Life-threatening consequences with hemodynamic or neurologic instability"),
        5: _DEATH,
    }),
    # CTCAE v5.0, Respiratory, thoracic and mediastinal disorders: "A disorder characterized
    # by inflammation focally or diffusely affecting the lung parenchyma".
    _t(N_("Pneumonitis"), _RESPIRATORY, {
        1: N_("Asymptomatic; clinical or diagnostic observations only; intervention not "
              "indicated"),
        2: N_("Symptomatic; medical intervention indicated; limiting instrumental ADL"),
        3: N_("Severe symptoms; limiting self care ADL; oxygen indicated"),
        4: N_("Life-threatening respiratory compromise; urgent intervention indicated (e.g., "
              "tracheotomy or intubation)"),
        5: _DEATH,
    }),
    _t(N_("Lung infection"), _INFECTIONS, {
        2: _INFECTION_2, 3: _INFECTION_3, 4: _LIFE_THREATENING, 5: _DEATH,
    }),
    _t(N_("Urinary tract infection"), _INFECTIONS, {
        2: N_("Localized; oral intervention indicated (e.g., antibiotic, antifungal, or "
              "antiviral)"),
        3: _INFECTION_3, 4: _LIFE_THREATENING, 5: _DEATH,
    }),
    _t(N_("Sepsis"), _INFECTIONS, {
        3: N_("Blood culture positive with signs or symptoms; treatment indicated"),
        4: _LIFE_THREATENING,
        5: _DEATH,
    }),
    _t(N_("Electrocardiogram QT corrected interval prolonged"), _INVESTIGATIONS, {
        1: N_("Average QTc 450 - 480 ms"),
        2: N_("Average QTc 481 - 500 ms"),
        3: N_("Average QTc >= 501 ms; >60 ms change from baseline"),
        4: N_("Torsade de pointes; polymorphic ventricular tachycardia; signs/symptoms of "
              "serious arrhythmia"),
    }),
)

#: The terms by their CTCAE v5.0 name (English, exactly as CTCAE spells it).
# "Other, specify" (CTCAE v5.0: every system organ class has one): an event no listed term
# describes; the verbatim description is required (dawna.services.safety). The classes below are
# those of breast-cancer treatment toxicity. Grades as the v5.0 spreadsheet's "Other, specify"
# rows (tests/reference/ctcae/ctcae_v5_terms.csv), not the general definitions of the PDF's front
# matter; Psychiatric disorders has its own grades 3 and 4.
_GENERIC = MappingProxyType({
    1: N_("Asymptomatic or mild symptoms; clinical or diagnostic observations only; "
          "intervention not indicated"),
    2: N_("Moderate; minimal, local or noninvasive intervention indicated; limiting "
          "age-appropriate instrumental ADL"),
    3: N_("Severe or medically significant but not immediately life-threatening; "
          "hospitalization or prolongation of existing hospitalization indicated; limiting "
          "self care ADL"),
    4: _LIFE_THREATENING,
    5: _DEATH,
})
_PSYCHIATRIC = MappingProxyType({
    **_GENERIC,
    3: N_("Severe or medically significant but not immediately life-threatening; limiting "
          "self care ADL"),
    4: N_("Life-threatening consequences; hospitalization or urgent intervention indicated"),
})
_PSYCHIATRIC_OTHER = N_("Psychiatric disorders - Other, specify")
_OTHER = tuple(ClinicalTerm(term, soc, _PSYCHIATRIC if term == _PSYCHIATRIC_OTHER else _GENERIC)
               for term, soc in (
    (N_("Blood and lymphatic system disorders - Other, specify"), _BLOOD),
    (N_("Gastrointestinal disorders - Other, specify"), _GI),
    (N_("General disorders and administration site conditions - Other, specify"), _GENERAL),
    (N_("Infections and infestations - Other, specify"), _INFECTIONS),
    (N_("Investigations - Other, specify"), _INVESTIGATIONS),
    (N_("Metabolism and nutrition disorders - Other, specify"), _METABOLISM),
    (N_("Musculoskeletal and connective tissue disorder - Other, specify"), _MUSCULOSKELETAL),
    (N_("Nervous system disorders - Other, specify"), _NERVOUS),
    (N_("Respiratory, thoracic and mediastinal disorders - Other, specify"), _RESPIRATORY),
    (N_("Skin and subcutaneous tissue disorders - Other, specify"), _SKIN),
    (N_("Vascular disorders - Other, specify"), _VASCULAR),
    (N_("Hepatobiliary disorders - Other, specify"), N_("Hepatobiliary disorders")),
    (N_("Cardiac disorders - Other, specify"), N_("Cardiac disorders")),
    (_PSYCHIATRIC_OTHER, N_("Psychiatric disorders")),
    (N_("Renal and urinary disorders - Other, specify"), N_("Renal and urinary disorders")),
))

#: Terms ending in "Other, specify" need the event described in words.
OTHER_SPECIFY = " - Other, specify"

#: Each with its Simplified Chinese name (a term without one fails here, at import).
TERMS: Mapping[str, ClinicalTerm] = MappingProxyType(
    {t.term: replace(t, zh=TERM_ZH[t.term]) for t in (*_TABLE, *_OTHER)})
