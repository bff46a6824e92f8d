"""Shipped defaults: the starting ``takibi.yml`` a CS team can use on day one."""
