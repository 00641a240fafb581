"""The web face: the public verification page (Starlette on uvicorn)."""
