"""HTTP layer: dependencies, problem mapping, routes."""
