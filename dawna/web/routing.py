"""The router of dawna's route modules: FastAPI's ``APIRouter`` that says at once, from the path
alone, when none of its routes can match a request (issue 23 item 4: the cost of every page).

FastAPI (0.165) finds a request's route by trying the application's included routers in turn,
and each router it tries walks every one of its routes, each try setting and restoring keys of
the request's scope around a regular expression; the router that matches is then walked again
to handle the request. With dawna's 43 route modules (250 routes), a page whose module comes
late in ``web/app.py``'s ``ROUTER_MODULES`` paid some 140 route tries per request: 2 ms of the
5 ms of CPU a kept treatment page costs (``bench/README.md``). Here each router first tries one
regular expression, the union of its routes' paths, on the request's path; where it does not
match, no route of the router can (a route matches only where its own path expression does,
whatever the method), so the router answers "no match" without trying them. Where it matches,
FastAPI's own matching runs unchanged (the route, its parameters, a wrong method's 405).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

__all__ = ["Router"]

#: a named group of Starlette's path expressions (``(?P<pseudonym>[^/]+)``), made unnamed so
#: that the paths of several routes can share one expression
_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


class Router(APIRouter):
    """``APIRouter`` with a quick refusal of the paths none of its routes match. Routes are
    only ever added to a router (at import, by its decorators): the union is made again when
    their number changes. Include it without a prefix (``web/app.py`` ``included_routers``;
    its routes' paths carry the module's prefix): the union is of the routes' own paths, so
    under a prefix of the inclusion it would refuse every request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paths: tuple[int, re.Pattern[str] | None] = (-1, None)

    def paths(self) -> re.Pattern[str] | None:
        """One expression matching every path one of the routes matches (and no other), or
        None where a route has no path expression (then every request is tried as FastAPI
        does)."""
        count, union = self._paths
        if count != len(self.routes):
            patterns = [getattr(route, "path_regex", None) for route in self.routes]
            union = None if any(p is None for p in patterns) else re.compile("|".join(
                f"(?:{_NAMED_GROUP.sub('(?:', p.pattern)})" for p in patterns
                if p is not None) or "(?!)")
            self._paths = (len(self.routes), union)
        return union

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            union = self.paths()
            if union is not None and union.match(get_route_path(scope)) is None:
                return Match.NONE, {}
        return super().matches(scope)
