"""Simplified Chinese names of the CTCAE v5.0 terms and system organ classes dawna offers, and
the other names a coordinator may type for them.

Source: the Chinese names are those of dawna's zh_CN catalogue for the same CTCAE v5.0 terms
(the names used by the Chinese translation of CTCAE v5.0, 常见不良事件评价标准 5.0 版, and the
MedDRA Chinese system organ class names). Pneumonitis is 肺炎 (the non-infectious inflammation of
the lung parenchyma, CTCAE v5.0); an infection of the lung is "Lung infection" (肺部感染).

Pure data: no imports of other rules, so :mod:`dawna.rules.ctcae_terms` can attach the names to
its terms and :mod:`dawna.rules.ctcae_search` can search them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SOC_ZH", "TERM_ALIASES", "TERM_ZH"]

#: Every CTCAE term of ``dawna.rules.ctcae_terms.TERMS`` -> its Simplified Chinese name.
TERM_ZH: Mapping[str, str] = MappingProxyType({
    "Neutrophil count decreased": "中性粒细胞计数降低",
    "White blood cell decreased": "白细胞计数降低",
    "Platelet count decreased": "血小板计数降低",
    "Lymphocyte count decreased": "淋巴细胞计数降低",
    "Anemia": "贫血",
    "Alanine aminotransferase increased": "丙氨酸氨基转移酶增高",
    "Aspartate aminotransferase increased": "天门冬氨酸氨基转移酶增高",
    "Blood bilirubin increased": "血胆红素增高",
    "Creatinine increased": "肌酐增高",
    "Febrile neutropenia": "发热性中性粒细胞减少症",
    "Diarrhea": "腹泻",
    "Nausea": "恶心",
    "Vomiting": "呕吐",
    "Constipation": "便秘",
    "Mucositis oral": "口腔黏膜炎",
    "Fatigue": "疲乏",
    "Fever": "发热",
    "Injection site reaction": "注射部位反应",
    "Death NOS": "死亡 NOS",
    "Anorexia": "厌食",
    "Palmar-plantar erythrodysesthesia syndrome": "手足综合征（掌跖红肿疼痛综合征）",
    "Alopecia": "脱发",
    "Rash maculo-papular": "斑丘疹",
    "Peripheral sensory neuropathy": "周围感觉神经病变",
    "Arthralgia": "关节痛",
    "Hot flashes": "潮热",
    "Thromboembolic event": "血栓栓塞事件",
    "Pneumonitis": "肺炎",
    "Lung infection": "肺部感染",
    "Urinary tract infection": "尿路感染",
    "Sepsis": "脓毒症",
    "Electrocardiogram QT corrected interval prolonged": "心电图 QT 校正间期延长",
    "Blood and lymphatic system disorders - Other, specify": "血液及淋巴系统疾病 - 其他，请注明",
    "Gastrointestinal disorders - Other, specify": "胃肠系统疾病 - 其他，请注明",
    "General disorders and administration site conditions - Other, specify":
        "全身性疾病及给药部位各种反应 - 其他，请注明",
    "Infections and infestations - Other, specify": "感染及侵染类疾病 - 其他，请注明",
    "Investigations - Other, specify": "各类检查 - 其他，请注明",
    "Metabolism and nutrition disorders - Other, specify": "代谢及营养类疾病 - 其他，请注明",
    "Musculoskeletal and connective tissue disorder - Other, specify":
        "肌肉骨骼及结缔组织疾病 - 其他，请注明",
    "Nervous system disorders - Other, specify": "各类神经系统疾病 - 其他，请注明",
    "Respiratory, thoracic and mediastinal disorders - Other, specify":
        "呼吸系统、胸及纵隔疾病 - 其他，请注明",
    "Skin and subcutaneous tissue disorders - Other, specify":
        "皮肤及皮下组织类疾病 - 其他，请注明",
    "Vascular disorders - Other, specify": "血管与淋巴管类疾病 - 其他，请注明",
    "Hepatobiliary disorders - Other, specify": "肝胆系统疾病 - 其他，请注明",
    "Cardiac disorders - Other, specify": "心脏器官疾病 - 其他，请注明",
    "Psychiatric disorders - Other, specify": "精神病类 - 其他，请注明",
    "Renal and urinary disorders - Other, specify": "肾脏及泌尿系统疾病 - 其他，请注明",
})

#: MedDRA system organ classes -> Simplified Chinese.
SOC_ZH: Mapping[str, str] = MappingProxyType({
    "Blood and lymphatic system disorders": "血液及淋巴系统疾病",
    "Cardiac disorders": "心脏器官疾病",
    "Gastrointestinal disorders": "胃肠系统疾病",
    "General disorders and administration site conditions": "全身性疾病及给药部位各种反应",
    "Hepatobiliary disorders": "肝胆系统疾病",
    "Infections and infestations": "感染及侵染类疾病",
    "Investigations": "各类检查",
    "Metabolism and nutrition disorders": "代谢及营养类疾病",
    "Musculoskeletal and connective tissue disorders": "各种肌肉骨骼及结缔组织疾病",
    "Nervous system disorders": "各类神经系统疾病",
    "Psychiatric disorders": "精神病类",
    "Renal and urinary disorders": "肾脏及泌尿系统疾病",
    "Respiratory, thoracic and mediastinal disorders": "呼吸系统、胸及纵隔疾病",
    "Skin and subcutaneous tissue disorders": "皮肤及皮下组织类疾病",
    "Vascular disorders": "血管与淋巴管类疾病",
})

#: Other names clinicians use for a term (English and Chinese), searched like the names.
TERM_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Neutrophil count decreased": ("neutropenia", "ANC", "中性粒细胞减少"),
    "White blood cell decreased": ("leukopenia", "WBC", "白细胞减少"),
    "Platelet count decreased": ("thrombocytopenia", "PLT", "血小板减少"),
    "Lymphocyte count decreased": ("lymphopenia", "淋巴细胞减少"),
    "Alanine aminotransferase increased": ("ALT", "SGPT", "谷丙转氨酶"),
    "Aspartate aminotransferase increased": ("AST", "SGOT", "谷草转氨酶"),
    "Blood bilirubin increased": ("hyperbilirubinemia", "胆红素"),
    "Palmar-plantar erythrodysesthesia syndrome": ("hand-foot syndrome", "手足综合征"),
    "Pneumonitis": ("interstitial lung disease", "ILD", "间质性肺病"),
    "Lung infection": ("pneumonia", "肺部感染"),
    "Anorexia": ("食欲下降",),
    "Fatigue": ("乏力",),
    "Mucositis oral": ("stomatitis", "口腔炎"),
    "Hot flashes": ("hot flushes",),
    "Diarrhea": ("diarrhoea",),
    "Anemia": ("anaemia",),
})
