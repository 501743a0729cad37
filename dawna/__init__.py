"""dawna: the software that runs the DAWNA-FES trial (NCT05861830)."""

__version__ = "0.1.0"
