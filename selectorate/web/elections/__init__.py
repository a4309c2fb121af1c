"""The elections app: organisations, registers, contests, credentials, ballots, results."""
