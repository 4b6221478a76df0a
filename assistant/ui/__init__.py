"""The Chainlit UI: renders and forwards; all decisions live in `agents`, all work in services."""
