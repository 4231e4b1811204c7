"""bayes derivations."""
