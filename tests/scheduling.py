"""The order in which ``make test`` (pytest-xdist, ``-n 2 --dist loadgroup
--no-loadscope-reorder``) hands work to its two workers (issue 23 item 6).

With ``loadgroup`` every test is a unit of work of its own, except the tests of one
``xdist_group``, which go to one worker together; with ``--no-loadscope-reorder`` the units are
handed out in collection order, each worker taking the next when it has two tests or fewer
left. So that both finish together, the long units go first and the many short ones last:
:func:`arrange` puts the modules of :data:`LONG_FIRST` ahead of the rest (each module's tests
kept together, and otherwise in collection order).

The demo (tests/demo_build.py) is loaded once per run in a subprocess while the first units
run, so its modules come after those that do not read it. The xdist groups ``demo`` and
``demo_exports`` were there so that one worker alone loaded it; now each of their modules is a
group of its own (its module-scoped set-ups made once), and the two workers share them; so is
every other module whose module-scoped set-up reads the demo (it copied the demo on both
workers when its tests were spread over them).
"""

from __future__ import annotations

import pytest

#: Modules whose tests start first, longest first (junit XML of the 8-minute run of
#: 2026-12-07, bench/README.md): browser and command-line modules and the concurrent
#: randomizations, which do not read the demo, then the fuzz, then the demo's modules.
LONG_FIRST = (
    "test_browser_clinical_forms",    # 2 tests, ~30 s, one served trial
    "test_randomization_service",     # the 200 concurrent randomizations, 17-22 s
    "test_cli",                       # `dawna demo --participants 32`, 17 s
    "test_api_schema",                # 45 s over some 400 fuzz cases
    "test_odm",                       # 60 s, demo
    "test_analysis_windows_demo",     # 40 s, demo
    "test_results_cache",             # demo
    "test_browser_layout",            # demo
    "test_browser",                   # demo
    "test_readable_trail",            # demo
    "test_audit_integrity",           # demo
    "test_define_demo",               # demo
    "test_sdtm_export",               # demo
    "test_fhir_export",               # demo
    "test_demo_issue21_forms",        # demo
)
_SPLIT_GROUPS = {"demo", "demo_exports"}


def _module(item: pytest.Item) -> str:
    return item.path.stem


def _module_setup_reads_demo(item: pytest.Item) -> bool:
    """The test reads the demo and its module has a set-up of its own (a copy of the demo, a
    served application): the module's tests go to one worker, which makes that set-up once."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None or "demo_template" not in info.names_closure:
        return False
    return any(defs and defs[-1].scope == "module" and name != "_demo_day"
               for name, defs in info.name2fixturedefs.items())


def arrange(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place (see the module's docstring) and give each module of the
    ``demo`` and ``demo_exports`` groups a group of its own."""
    for item in items:
        if any(mark.args and mark.args[0] in _SPLIT_GROUPS
               for mark in item.iter_markers("xdist_group")) or _module_setup_reads_demo(item):
            # xdist names the group after all the item's groups: "demo_<module>"
            item.add_marker(pytest.mark.xdist_group(_module(item)))
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(str(item.path), i)
    items.sort(key=lambda item: (rank.get(_module(item), len(rank)), first_seen[str(item.path)]))
