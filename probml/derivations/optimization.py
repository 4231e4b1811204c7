"""optimization derivations."""
