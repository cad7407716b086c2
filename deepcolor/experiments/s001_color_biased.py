"""Seed 001: color-biased training sets and their ensembles (not written yet: colorbias data source
and ensemble evaluation are the next part of issue 3)."""


def experiments():
    return []
