"""Analysis: derived data sets, statistics and plots (``docs/architecture.md``)."""
