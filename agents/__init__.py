"""The agent: routing a message to a tool (slash command, offline Persian rules, or an LLM) and replying."""
