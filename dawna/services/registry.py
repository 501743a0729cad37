"""Registry records: import ClinicalTrials.gov API v2 studies (a re-import updates the study
and the audit trail records each changed field), list and search them, and find the most
similar imported studies.

Similarity: TF-IDF (scikit-learn, sublinear term frequency, English stop words) over each
study's conditions, keywords, interventions, phases, title and eligibility text, compared by
cosine similarity (Salton & Buckley, Inf Process Manag 1988;24:513). Each match says why: the
conditions and interventions it shares, the same phase, and the terms that weigh most in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from dawna.clock import utcnow
from dawna.errors import NotFound, ValidationError
from dawna.i18n import _
from dawna.protocol.ctgov import CtgovError, ImportedStudy, parse_study
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import RegistryStudy
from dawna.store.uow import UnitOfWork

__all__ = ["Related", "StudyRow", "get", "import_studies", "list_studies", "related"]


@dataclass(frozen=True)
class StudyRow:
    nct_id: str
    title: str
    overall_status: str | None
    phases: str
    conditions: str
    interventions: str


@dataclass(frozen=True)
class Related:
    nct_id: str
    title: str
    score: float
    reasons: tuple[str, ...]


def _fields(study: ImportedStudy) -> dict[str, Any]:
    return {"title": study.brief_title or study.official_title or study.nct_id,
            "overall_status": study.overall_status, "phases": " ".join(study.phases),
            "conditions": "; ".join(study.conditions),
            "interventions": "; ".join(i.name for i in study.interventions)}


def import_studies(db: Database, actor: Actor, data: Any, reason: str | None = None
                   ) -> list[tuple[StudyRow, bool]]:
    """Import one v2 record, or a v2 search result (``{"studies": [...]}``): every record is
    checked first and all are written in one transaction, so nothing is imported in part. A
    study already imported is updated; the audit trail records each changed field. Returns
    (study, created) per record."""
    records = data.get("studies") if isinstance(data, dict) and "studies" in data else [data]
    if not isinstance(records, list) or not records:
        raise ValidationError(_("a search result holds a list of studies"), field="studies")
    parsed = []
    for k, record in enumerate(records):
        try:
            parsed.append((parse_study(record), record))
        except CtgovError as exc:
            where = exc.path if len(records) == 1 else f"studies[{k}].{exc.path}"
            raise ValidationError(exc.message, field=where) from None
    out = []
    with UnitOfWork(db, actor) as uow:
        s = uow.session
        uow.set_reason(reason or _("Study imported from ClinicalTrials.gov"))
        for study, record in parsed:
            row = s.scalars(select(RegistryStudy).where(
                RegistryStudy.nct_id == study.nct_id)).first()
            created = row is None
            if row is None:
                row = RegistryStudy(nct_id=study.nct_id, record=record,
                                    imported_by=actor.username, **_fields(study))
                s.add(row)
            else:
                if row.record != record:
                    row.record = record
                    row.updated_at, row.imported_by = utcnow(), actor.username
                for key, value in _fields(study).items():
                    setattr(row, key, value)
            s.flush()
            out.append((_row(row), created))
        uow.commit()
    return out


def _row(r: RegistryStudy) -> StudyRow:
    return StudyRow(r.nct_id, r.title, r.overall_status, r.phases, r.conditions, r.interventions)


def list_studies(db: Database, q: str = "", condition: str = "", drug: str = "",
                 status: str = "", phase: str = "") -> list[StudyRow]:
    """Imported studies, filtered by free text, condition, drug, status and phase."""
    query = select(RegistryStudy)
    for value, columns in ((q, (RegistryStudy.title, RegistryStudy.nct_id,
                                RegistryStudy.conditions, RegistryStudy.interventions)),
                           (condition, (RegistryStudy.conditions,)),
                           (drug, (RegistryStudy.interventions,)),
                           (status, (RegistryStudy.overall_status,)),
                           (phase, (RegistryStudy.phases,))):
        term = value.strip().lower()[:200]
        if term:
            # % and _ are the user's characters, not wildcards (escaped; issue 19 item 9)
            query = query.where(or_(*(c.icontains(term, autoescape=True) for c in columns)))
    with UnitOfWork(db) as uow:
        s = uow.session
        return [_row(r) for r in s.scalars(query.order_by(RegistryStudy.nct_id))]


def get(db: Database, nct_id: str) -> tuple[StudyRow, ImportedStudy]:
    with UnitOfWork(db) as uow:
        s = uow.session
        row = s.scalars(select(RegistryStudy).where(RegistryStudy.nct_id == nct_id)).first()
        if row is None:
            raise NotFound(_("no imported study {id}").format(id=nct_id), field="nct_id")
        return _row(row), parse_study(row.record)


def _document(study: ImportedStudy) -> str:
    parts = [*study.conditions, *study.keywords, *(i.name for i in study.interventions),
             *study.phases, study.brief_title or "", study.eligibility_text or ""]
    return "\n".join(parts)


#: Words of every eligibility text that say nothing about a study (added to English stop words).
STUDY_STOP_WORDS = frozenset({"criteria", "inclusion", "exclusion", "years", "year", "patients",
                              "patient", "study", "trial", "subjects", "participants"})
#: A term: two or more characters, starting with a letter.
TERM_PATTERN = r"(?u)\b[^\W\d_][\w/+-]+\b"
#: Below this cosine similarity a study is not called related.
MIN_SIMILARITY = 0.05


def related(db: Database, nct_id: str, limit: int = 5) -> list[Related]:
    """The most similar other imported studies (cosine ≥ ``MIN_SIMILARITY``), best first, each
    with its reasons. Terms are words of two or more characters starting with a letter (numbers
    alone carry no meaning across studies)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    with UnitOfWork(db) as uow:
        s = uow.session
        studies = {r.nct_id: parse_study(r.record) for r in s.scalars(select(RegistryStudy))}
    if nct_id not in studies:
        raise NotFound(_("no imported study {id}").format(id=nct_id), field="nct_id")
    ids = sorted(studies)
    if len(ids) < 2:
        return []
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=1,
                                 stop_words=sorted(ENGLISH_STOP_WORDS | STUDY_STOP_WORDS),
                                 token_pattern=TERM_PATTERN)
    matrix = vectorizer.fit_transform([_document(studies[i]) for i in ids])
    terms = vectorizer.get_feature_names_out()
    me = ids.index(nct_id)
    scores = (matrix @ matrix[me].T).toarray().ravel()
    target = studies[nct_id]
    out = []
    for j in sorted(range(len(ids)), key=lambda k: (-scores[k], ids[k])):
        if j == me:
            continue
        if scores[j] < MIN_SIMILARITY:
            break
        other = studies[ids[j]]
        reasons: list[str] = []
        shared = sorted({c.lower() for c in target.conditions} & {c.lower()
                                                                  for c in other.conditions})
        if shared:
            reasons.append(_("same conditions: {list}").format(list=", ".join(shared)))
        drugs = sorted({i.name.lower() for i in target.interventions}
                       & {i.name.lower() for i in other.interventions})
        if drugs:
            reasons.append(_("same interventions: {list}").format(list=", ".join(drugs)))
        if set(target.phases) & set(other.phases):
            reasons.append(_("same phase: {list}").format(
                list=", ".join(sorted(set(target.phases) & set(other.phases)))))
        weights = matrix[me].multiply(matrix[j]).toarray().ravel()
        top = [terms[k] for k in weights.argsort()[::-1][:5] if weights[k] > 0]
        if top:
            reasons.append(_("shared terms: {list}").format(list=", ".join(top)))
        out.append(Related(ids[j], other.brief_title or ids[j], round(float(scores[j]), 3),
                           tuple(reasons)))
        if len(out) == limit:
            break
    return out
