"""The district's rules: identity, fees, eligibility, quotas, deadlines, audit."""
