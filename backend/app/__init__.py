"""minwon issuance and dispatch backend."""
