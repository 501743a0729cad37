"""The text of ``dawna protocol show``: Rich panels, tables and trees for every section of a
protocol. Its own module so that ``dawna protocol --help`` does not import Rich."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from dawna.i18n import _, current_locale

if TYPE_CHECKING:
    from dawna.protocol.schema import (
        Arm,
        DrugComponent,
        Eligibility,
        Procedure,
        Protocol,
        Registry,
        Setting,
    )

__all__ = ["describe_component", "render"]

def render(protocol: Protocol) -> list[Panel | Table | Tree | Group]:
    """Rich renderables for every section of ``protocol``, in file order."""
    return [
        _registry_panel(protocol.registry),
        _description_panel(protocol.registry),
        _people_table(protocol.registry),
        *(_arm_tree(arm) for arm in protocol.arms),
        _eligibility_table(protocol.eligibility),
        _settings_table(protocol.site_settings),
    ]


def _fields_table(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for name, value in rows:
        table.add_row(Text(name), Text(value))
    return table


def _registry_panel(r: Registry) -> Panel:
    d = r.design
    rows = [
        (_("Title"), r.brief_title),
        (_("NCT ID"), r.nct_id),
        (_("Acronym"), r.acronym),
        (_("Org study ID"), r.org_study_id),
        (_("Status"), r.overall_status),
        (_("Phase"), r.phase),
        (_("Study type"), r.study_type),
        (_("Enrollment"), f"{r.enrollment.count} {r.enrollment.unit}"),
        (_("Start date"), r.start_date.isoformat()),
        (_("Completion date"), r.completion_date.isoformat()),
        (_("Last updated"), r.last_updated.isoformat()),
        (_("Results"), f"{r.results.status}: {r.results.note or ''}".rstrip(": ")),
        (_("Conditions"), ", ".join(r.conditions)),
        (_("Design"), f"{d.allocation}, {d.intervention_model}, {d.primary_purpose}, "
                      + _("masking {masking}").format(masking=d.masking)),
        (_("Countries"), ", ".join(r.countries)),
    ]
    title = Text(f"{r.acronym} ({r.nct_id})", style="bold")
    return Panel(_fields_table(rows), title=title, title_align="left")


def _description_panel(r: Registry) -> Panel:
    parts = [Text(_("Brief summary"), style="bold"), Text(r.brief_summary), Text(""),
             Text(_("Detailed description"), style="bold"), Text(r.detailed_description)]
    return Panel(Group(*parts), title=_("Description"), title_align="left")


def _people_table(r: Registry) -> Table:
    table = Table(title=_("Sponsors, investigators, contacts and sites"), title_justify="left")
    for column in (_("Role"), _("Name"), _("Details")):
        table.add_column(column)
    table.add_row(_("Lead sponsor"), Text(r.lead_sponsor.name), r.lead_sponsor.sponsor_class)
    for sponsor in r.collaborators:
        table.add_row(_("Collaborator"), Text(sponsor.name), sponsor.sponsor_class)
    table.add_row(_("Responsible party"), r.responsible_party, "")
    for person in r.investigators:
        table.add_row(person.role, Text(person.name), Text(person.affiliation or ""))
    for contact in r.central_contacts:
        table.add_row(_("Central contact"), Text(contact.name), Text(contact.phone or ""))
    for site in r.locations:
        place = ", ".join(x for x in (site.city, site.state, site.country) if x)
        table.add_row(_("Site"), Text(site.facility), Text(f"{place} ({site.status})"))
        for site_contact in site.contacts:
            role = _("Site contact ({role})").format(role=site_contact.role)
            table.add_row(role, Text(site_contact.name), Text(site_contact.phone or ""))
    for trial in r.related_trials:
        table.add_row(_("Related trial"), Text(trial.title), f"{trial.nct_id} ({trial.status})")
    return table


def _days(days: tuple[int, ...]) -> str:
    """``(1, 2, 3, 8)`` -> ``days 1-3, 8``; ``(1,)`` -> ``day 1``."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    listed = ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else
                       ", ".join(map(str, run)) for run in runs)
    return (_("day {days}") if len(days) == 1 else _("days {days}")).format(days=listed)


def describe_component(c: DrugComponent) -> str:
    """One line: ``dalpiciclib 150 mg PO QD, days 1-21 [confirmed]``."""
    from dawna.protocol.schema import DoseUnit

    dose = f"{c.dose:g}" if c.dose is not None else f"{c.dose_min:g}-{c.dose_max:g}"
    amount = f"AUC {dose} mg/mL·min" if c.unit is DoseUnit.AUC else f"{dose} {c.unit}"
    when = _("continuous") if c.continuous or c.days is None else _days(c.days)
    for cycle, days in sorted(c.cycle_overrides.items()):
        when += "; " + _("cycle {cycle}: {days}").format(cycle=cycle, days=_days(days))
    line = f"{c.drug} {amount} {c.route} {c.frequency}, {when} [{c.provenance}]"
    if c.dose_levels is not None:
        levels = " → ".join(f"{level:g}" for level in c.dose_levels.levels)
        line += _("; dose levels {levels} [{status}]").format(
            levels=levels, status=c.dose_levels.provenance)
    if c.note:
        line += f" ({c.note})"
    return line


def _add_items(
    tree: Tree, components: tuple[DrugComponent, ...], procedure: Procedure | None = None
) -> None:
    for component in components:
        tree.add(Text(describe_component(component)))
    if procedure is not None:
        label = _("{name}, one-time procedure").format(name=procedure.name)
        tree.add(Text(f"{label} [{procedure.provenance}]"))


def _arm_tree(arm: Arm) -> Tree:
    regimen = arm.regimen
    root = Tree(Text(f"{arm.label} ({arm.type}): {arm.description}", style="bold"))
    root.add(Text(_("Intervention ({type}): {name}").format(
        type=arm.intervention.type, name=arm.intervention.name)))
    root.add(Text(_("Cycle length: {days} days").format(days=regimen.cycle_length_days)))
    if regimen.components:
        _add_items(root.add(Text(_("Every patient"))), regimen.components)
    for group in regimen.choices:
        title = group.label + " — " + _("exactly one of")
        if group.required_when is not None:
            status = "/".join(group.required_when.menopausal_status)
            title += " " + _("(menopausal status {status} only)").format(status=status)
        branch = root.add(Text(title))
        for option in group.options:
            node = branch.add(Text(f"{option.id}: {option.label}"))
            _add_items(node, option.components, option.procedure)
            for alt in option.alternatives:
                alt_node = node.add(Text(_("or {label}").format(label=alt.label)))
                _add_items(alt_node, alt.components, alt.procedure)
        if group.physician_entered_allowed:
            branch.add(Text(_("or a regimen entered by the physician (\"not limited to\")")))
        if group.note:
            branch.add(Text(group.note, style="dim"))
    return root


def _eligibility_table(e: Eligibility) -> Table:
    ages = f"{e.minimum_age_years}-{e.maximum_age_years}" if e.maximum_age_years else (
        f"≥ {e.minimum_age_years}")
    title = _("Eligibility: age {ages} years, sex {sex}, healthy volunteers {hv}").format(
        ages=ages, sex=e.sex, hv=_("yes") if e.healthy_volunteers else _("no"))
    table = Table(title=title, title_justify="left", show_lines=True)
    table.add_column(_("ID"), no_wrap=True)
    table.add_column(_("Criterion"))
    for criterion in e.criteria:
        text = criterion.text + (f"\n{criterion.note}" if criterion.note else "")
        table.add_row(criterion.id, Text(text))
    return table


def _settings_table(settings: Mapping[str, Setting]) -> Table:
    table = Table(title=_("Site settings"), title_justify="left", show_lines=True)
    table.add_column(_("Setting"), ratio=3)
    table.add_column(_("Value"), ratio=1)
    table.add_column(_("Status"), ratio=1)
    for name, s in settings.items():
        value = str(s.value).lower() if isinstance(s.value, bool) else f"{s.value}"
        value = " ".join(x for x in (s.comparator or "", value, s.unit or "") if x)
        cell = Text.assemble((name, "bold"), "\n", s.label_for(current_locale()))
        if s.criteria:
            cell.append("\n" + _("criteria: {ids}").format(ids=", ".join(s.criteria)))
        cell.append("\n" + s.source + (f" {s.note}" if s.note else ""), style="dim")
        table.add_row(cell, Text(value), s.status)
    return table
