"""Services: the work itself, independent of the agent and the UI."""
