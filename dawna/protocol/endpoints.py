"""The trial's endpoints as the protocol file declares them (``endpoints:``): which is primary,
secondary or exploratory, what each measures, over which analysis population, with its
definition and source. The analysis and the report read them (titles, populations, which
endpoint is primary) instead of assuming PFS in code.

What each kind needs (checked here, so a wrong file is refused naming the field):

- ``time_to_event``: ``parameter`` (the ADTTE PARAMCD: PFS or OS) and the ITT population
  (ICH E9 §5.2.1: the full analysis set of all randomized participants);
- ``response_rate``: ``flag`` (the ADRS flag: ORRFL or CBRFL) over the ITT population;
- ``safety``: the safety population (at least one dose; ICH E9 §5.2.1 / §7.2);
- an exploratory endpoint may name a ``subgroup`` (an ADSL column: FESCAT).

The protocol has exactly one primary endpoint, and endpoint ids are unique (ICH E9 §2.2.2: one
primary variable, specified in the protocol).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from dawna.protocol.common import StrictModel, Text, fail

__all__ = ["Endpoint", "EndpointKind", "EndpointRole", "Population", "check_endpoints"]

EndpointRole = Literal["primary", "secondary", "exploratory"]
EndpointKind = Literal["time_to_event", "response_rate", "safety"]
Population = Literal["ITT", "SAFETY"]
EndpointId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,19}$")]


class Endpoint(StrictModel):
    """One endpoint: ``id`` (e.g. PFS), ``role``, ``title``, ``kind`` and what it reads."""

    id: EndpointId
    role: EndpointRole
    title: Text
    kind: EndpointKind
    parameter: Literal["PFS", "OS"] | None = None
    flag: Literal["ORRFL", "CBRFL"] | None = None
    subgroup: Literal["FESCAT"] | None = None
    population: Population
    definition: Text
    time_frame: Text
    source: Text

    @model_validator(mode="after")
    def _check(self) -> Endpoint:
        if self.kind == "time_to_event" and self.parameter is None:
            fail("parameter", "a time-to-event endpoint names its ADTTE parameter (PFS or OS)")
        if self.kind == "response_rate" and self.flag is None:
            fail("flag", "a response-rate endpoint names its ADRS flag (ORRFL or CBRFL)")
        if self.kind != "time_to_event" and self.parameter is not None:
            fail("parameter", f"only a time-to-event endpoint has a parameter, not {self.kind}")
        if self.kind != "response_rate" and self.flag is not None:
            fail("flag", f"only a response-rate endpoint has a flag, not {self.kind}")
        expected = "SAFETY" if self.kind == "safety" else "ITT"
        if self.population != expected:
            fail("population", f"a {self.kind} endpoint is analysed in the {expected} "
                               "population (ICH E9 §5.2.1)")
        if self.subgroup is not None and self.role != "exploratory":
            fail("subgroup", "only an exploratory endpoint is analysed within subgroups")
        return self


def check_endpoints(endpoints: tuple[Endpoint, ...]) -> None:
    """Exactly one primary endpoint (when any is declared) and unique ids."""
    if not endpoints:
        return
    seen: set[str] = set()
    for i, endpoint in enumerate(endpoints):
        if endpoint.id in seen:
            fail(f"endpoints[{i}].id", f"duplicate endpoint id {endpoint.id!r}")
        seen.add(endpoint.id)
    primary = [e.id for e in endpoints if e.role == "primary"]
    if len(primary) != 1:
        fail("endpoints", f"exactly one primary endpoint, not {len(primary)} "
                          f"({', '.join(primary) or 'none'})")
