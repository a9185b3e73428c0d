"""minwon action server: forms, identity confirmation, orders, information answers, handoff."""
