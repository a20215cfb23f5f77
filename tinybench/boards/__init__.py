"""Board definitions (boards/*.yaml) validated with pydantic, and board discovery."""
