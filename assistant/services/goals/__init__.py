"""From a goal to an evaluated model: the plan (planner) and the chain of jobs that carries it out (chain)."""
