"""What the prescription form offers for one participant (issue 20, review fix): per choice
group of the allocated arm, the option recorded at randomization with the variants the protocol
file lists for it, and each drug of it with its dose, so the form names every drug next to its
dose and asks for a dose only where the protocol gives a range (``dose_min``..``dose_max``).
A group without a recorded choice that applies to some patients only (ovarian function
suppression, ``required_when``) offers all of its options, to be added by the prescriber."""

from __future__ import annotations

from dataclasses import dataclass

from dawna.protocol import bundled_protocol
from dawna.protocol.regimen import ChoiceGroup, DrugComponent, Option, Schedule
from dawna.rules import regimens as rx
from dawna.services.access import Permission, Principal
from dawna.services.treatment.common import CUSTOM, find_allocation, load_for
from dawna.store.db import Database
from dawna.store.uow import UnitOfWork


@dataclass(frozen=True)
class PlanGroup:
    group: ChoiceGroup
    option: Option | None  # the option recorded at randomization; None: to be picked
    choices: tuple[Schedule, ...]  # what the variant select offers (empty: nothing to pick)
    components: tuple[DrugComponent, ...]  # one per drug, the option's dose first


@dataclass(frozen=True)
class PlanForm:
    fixed: tuple[DrugComponent, ...]  # the arm's drugs outside any choice
    groups: tuple[PlanGroup, ...]


def _components(option: Schedule, others: tuple[Schedule, ...]) -> tuple[DrugComponent, ...]:
    """The drugs of ``option`` with their doses, then any drug of its variants ``others`` whose
    dose is a range (the prescriber picks it if that variant is given)."""
    out = list(option.components)
    for schedule in others:
        for c in schedule.components:
            if c.dose_min is not None and all(x.drug != c.drug or x.dose_min is None
                                              for x in out):
                out.append(c)
    return tuple(out)


def plan_form(db: Database, principal: Principal, pseudonym: str) -> PlanForm | None:
    """The drugs and choices of ``pseudonym``'s prescription form; None before randomization."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_for(s, principal, pseudonym, Permission.TREATMENT_VIEW)
        allocation = find_allocation(s, p)
        if allocation is None:
            return None
        arm_id, stored = allocation.arm, dict(allocation.regimen or {})
    arm = next((a for a in bundled_protocol().arms if a.id == arm_id), None)
    if arm is None:
        return None
    chosen = rx.choices_from_stored(stored, arm_id)
    groups = []
    for group in arm.regimen.choices:
        option_id = chosen.get(group.id)
        if option_id == CUSTOM:
            continue  # the physician-entered table
        option = next((o for o in group.options if o.id == option_id), None)
        if option is not None:
            schedules: tuple[Schedule, ...] = (option, *option.alternatives)
            groups.append(PlanGroup(group, option, schedules if option.alternatives else (),
                                    _components(option, option.alternatives)))
        elif group.required_when is not None:
            every = tuple(x for o in group.options for x in (o, *o.alternatives))
            groups.append(PlanGroup(group, None, every, ()))
    return PlanForm(fixed=arm.regimen.components,
                    groups=tuple(groups))
