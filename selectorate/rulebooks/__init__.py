"""Rulebooks as versioned data: loading, validation, versions derived by amendment."""
