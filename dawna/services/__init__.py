"""Use cases: each opens one unit of work, asks the rules, writes, commits."""
