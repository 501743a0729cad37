"""SQLAlchemy models, one module per subject; every model is re-exported here, so
``from dawna.store.models import Participant`` works and importing this package registers every
table on ``Base.metadata`` (Alembic's ``env.py`` relies on it).

- :mod:`~dawna.store.models.people`: sites, users, their per-site roles, login sessions and the
  login throttle;
- :mod:`~dawna.store.models.participants`: participants, their identity (kept apart from the
  clinical row: ICH E6(R3) section 2.9 / GCP confidentiality of subject identity), consents,
  state changes, follow-up contacts;
- :mod:`~dawna.store.models.screening`: screening forms, eligibility signatures, randomization
  list, stratum counters, allocations;
- :mod:`~dawna.store.models.imaging`: RECIST tumour assessments, PET/CT studies;
- :mod:`~dawna.store.models.treatment`: treatment plans and cycles, laboratory results, adverse
  events, dose decisions;
- :mod:`~dawna.store.models.susar`: expedited SUSAR reports to the ethics committee and the
  authority;
- :mod:`~dawna.store.models.deviations`: protocol deviations (eligibility violations found
  after randomization);
- :mod:`~dawna.store.models.data_queries`: data queries and their threads, source data
  verification marks;
- :mod:`~dawna.store.models.clinical`: concomitant medications, medical history, vital signs,
  ECGs;
- :mod:`~dawna.store.models.depots`: depot injections given, on their own clock;
- :mod:`~dawna.store.models.signoff`: signatures of forms and casebooks, locks, data freezes;
- :mod:`~dawna.store.models.oral_drugs`: pregnancy tests, hepatitis B screening, oral drug
  dispensing and the dose diary;
- :mod:`~dawna.store.models.registry`: studies imported from ClinicalTrials.gov;
- :mod:`~dawna.store.models.protocol`: versions of the protocol file (amendments);
- :mod:`~dawna.store.models.audit`: the audit trail, its chain head, the participants' data
  versions and login events.
"""

from dawna.store.models.audit import AuditChainHead, AuditRecord, DataVersion, LoginEvent
from dawna.store.models.clinical import ConcomitantMedication, Ecg, MedicalHistory, VitalSigns
from dawna.store.models.data_queries import DataQuery, QueryMessage, SourceVerification
from dawna.store.models.depots import DepotDose
from dawna.store.models.deviations import ProtocolDeviation
from dawna.store.models.imaging import PetStudy, TumourAssessment
from dawna.store.models.oral_drugs import DoseDiary, DrugDispensing, HbvScreening, PregnancyTest
from dawna.store.models.participants import (
    Consent,
    ConsentFormVersion,
    FollowUpContact,
    Participant,
    ParticipantIdentity,
    ParticipantStatus,
    StatusEvent,
)
from dawna.store.models.people import LoginThrottle, Membership, Site, User, UserSession
from dawna.store.models.protocol import ProtocolVersion
from dawna.store.models.registry import RegistryStudy
from dawna.store.models.screening import (
    Allocation,
    EligibilitySignature,
    RandomizationList,
    Screening,
    SequenceCounter,
    StratumCounter,
)
from dawna.store.models.signoff import DataFreeze, FormLock, FormSignature
from dawna.store.models.susar import SusarReport
from dawna.store.models.treatment import (
    AdverseEvent,
    DoseDecision,
    LabResult,
    TreatmentCycle,
    TreatmentPlan,
)
from dawna.store.roles import Role

__all__ = [
    "AdverseEvent",
    "Allocation",
    "AuditChainHead",
    "AuditRecord",
    "ConcomitantMedication",
    "Consent",
    "ConsentFormVersion",
    "DataFreeze",
    "DataQuery",
    "DataVersion",
    "DepotDose",
    "DoseDecision",
    "DoseDiary",
    "DrugDispensing",
    "Ecg",
    "EligibilitySignature",
    "FollowUpContact",
    "FormLock",
    "FormSignature",
    "HbvScreening",
    "LabResult",
    "LoginEvent",
    "LoginThrottle",
    "MedicalHistory",
    "Membership",
    "Participant",
    "ParticipantIdentity",
    "ParticipantStatus",
    "PetStudy",
    "PregnancyTest",
    "ProtocolDeviation",
    "ProtocolVersion",
    "QueryMessage",
    "RandomizationList",
    "RegistryStudy",
    "Role",
    "Screening",
    "SequenceCounter",
    "Site",
    "SourceVerification",
    "StatusEvent",
    "StratumCounter",
    "SusarReport",
    "TreatmentCycle",
    "TreatmentPlan",
    "TumourAssessment",
    "User",
    "UserSession",
    "VitalSigns",
]
