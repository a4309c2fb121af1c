"""Template tag libraries of the elections app."""
