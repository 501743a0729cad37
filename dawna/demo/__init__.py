"""The simulated demo trial (``dawna demo``): ``trial.yaml`` describes it, the loaders register it
through the same services as the web application (so the demo data carries the same audit trail
a real site would produce). This wing sits above the services: it calls them, and nothing below
imports it.

- :mod:`~dawna.demo.loader`: sites, users and participants, then the stages below, in order;
- :mod:`~dawna.demo.screening`, :mod:`~dawna.demo.pet`, :mod:`~dawna.demo.randomization`,
  :mod:`~dawna.demo.treatment`, :mod:`~dawna.demo.tumour`, :mod:`~dawna.demo.course`: one stage
  of the trial each;
- :mod:`~dawna.demo.clock`: times of the simulated trial (a day and an hour at the site).
"""

from dawna.demo.loader import DemoSummary, demo_config, is_empty, load, scaled_config

__all__ = ["DemoSummary", "demo_config", "is_empty", "load", "scaled_config"]
