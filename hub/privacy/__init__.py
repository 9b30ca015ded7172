"""Privacy: pseudonymisation domains, policies, free-text scrubbing, transfer register."""
