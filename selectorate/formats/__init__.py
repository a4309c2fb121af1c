"""Ballot file formats: readers (and writers where marked) for the ballot model."""
